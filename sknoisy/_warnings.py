"""Warning classes raised by sknoisy."""

__all__ = ["SknoisyWarning"]


class SknoisyWarning(UserWarning):
    """Base class for every warning sknoisy emits.

    Filter it to silence sknoisy without hiding other libraries' warnings.

    Examples
    --------
    >>> import warnings
    >>> from sknoisy import SknoisyWarning
    >>> warnings.simplefilter("ignore", SknoisyWarning)
    """

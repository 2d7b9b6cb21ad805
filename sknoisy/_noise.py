"""Synthetic label noise, for measuring how well label issues are found."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets

__all__ = ["inject_label_noise"]

_KINDS = ("symmetric", "pair", "matrix")


def inject_label_noise(
    y: ArrayLike | pd.Series,
    noise_rate: float = 0.2,
    *,
    kind: str = "symmetric",
    noise_matrix: ArrayLike | None = None,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray | pd.Series, np.ndarray]:
    """Corrupt a copy of the labels with known, reproducible noise.

    Use it to build a benchmark: start from labels you trust, inject noise,
    run a label-issue finder on the noisy labels and compare what it flags
    with the returned ``is_flipped`` mask (see :func:`detection_scores`).

    The classes are the sorted unique values of ``y`` (as given by
    :func:`numpy.unique`); a flipped label is always one of them, so a class
    that does not occur in ``y`` is never introduced.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The labels to corrupt: integers (gaps allowed), strings, booleans or a
        :class:`pandas.Series` of any of these, categorical included. At least
        two distinct classes and no missing values.

    noise_rate : float, default=0.2
        Fraction of the samples to flip, in ``[0, 1)``. Exactly
        ``round(noise_rate * n_samples)`` labels are changed (Python's
        ``round``, so halves go to the even number). Ignored when
        ``kind="matrix"``, where ``noise_matrix`` sets the rates.

    kind : {"symmetric", "pair", "matrix"}, default="symmetric"
        How a chosen label is changed:

        - ``"symmetric"``: to a class drawn uniformly from the other classes.
        - ``"pair"``: class ``k`` (in sorted order) becomes class ``k + 1``,
          the last class becomes the first.
        - ``"matrix"``: every label is redrawn independently from the row of
          ``noise_matrix`` for its class, so the number of flips is random.

    noise_matrix : array-like of shape (n_classes, n_classes), default=None
        Only with ``kind="matrix"``, and required there. ``noise_matrix[i, j]``
        is the probability that a sample of class ``i`` gets label ``j``, with
        classes in sorted order; every row sums to 1.

    random_state : int, RandomState instance or None, default=None
        Controls which samples are flipped and to what. Pass an int for
        reproducible output across calls.

    Returns
    -------
    y_noisy : ndarray or Series of shape (n_samples,)
        The corrupted labels. A :class:`pandas.Series` input gives a Series
        with the same index, name and dtype (a categorical keeps its
        categories); a NumPy array gives an array of the same dtype; any other
        array-like gives a NumPy array.

    is_flipped : ndarray of shape (n_samples,), dtype=bool
        True exactly where ``y_noisy`` differs from ``y``.

    Raises
    ------
    ValueError
        If ``noise_rate`` is outside ``[0, 1)``, ``kind`` is unknown,
        ``noise_matrix`` is missing, misplaced or not a valid row-stochastic
        matrix, or ``y`` is not 1-D, has missing values or fewer than two
        classes.

    TypeError
        If ``noise_rate`` is not a real number.

    See Also
    --------
    detection_scores : Score a detector's flags against ``is_flipped``.

    Examples
    --------
    >>> import numpy as np
    >>> from sknoisy import inject_label_noise
    >>> y = np.array([3, 3, 7, 7, 20, 20, 20, 3, 7, 20])
    >>> y_noisy, is_flipped = inject_label_noise(y, 0.3, random_state=0)
    >>> int(is_flipped.sum())
    3
    >>> bool(np.all((y_noisy != y) == is_flipped))
    True
    >>> y_pair, _ = inject_label_noise(y, 0.3, kind="pair", random_state=0)
    >>> [(int(a), int(b)) for a, b in zip(y, y_pair) if a != b]
    [(7, 20), (20, 3), (7, 20)]
    """
    _check_noise_rate(noise_rate)
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {list(_KINDS)}; got {kind!r}.")
    if kind == "matrix" and noise_matrix is None:
        raise ValueError('kind="matrix" requires a noise_matrix; got None.')
    if kind != "matrix" and noise_matrix is not None:
        raise ValueError(
            f'noise_matrix is only used with kind="matrix"; got kind={kind!r}. '
            'Pass kind="matrix" or drop noise_matrix.'
        )

    values = _check_labels(y)
    classes, first_index, y_encoded = np.unique(
        values, return_index=True, return_inverse=True
    )
    n_classes = classes.shape[0]
    if n_classes < 2:
        raise ValueError(
            f"y must contain at least 2 classes to flip between; got {n_classes} "
            f"({classes.tolist()})."
        )

    rng = check_random_state(random_state)
    if kind == "matrix":
        transition = _check_noise_matrix(noise_matrix, n_classes)
        noisy_encoded = _sample_from_matrix(y_encoded, transition, rng)
    else:
        noisy_encoded = y_encoded.copy()
        n_samples = y_encoded.shape[0]
        n_flips = int(round(noise_rate * n_samples))
        rows = rng.choice(n_samples, size=n_flips, replace=False)
        offset: int | np.ndarray = 1
        if kind == "symmetric":
            # An offset in 1..K-1 modulo K is uniform over the other classes.
            offset = rng.randint(1, n_classes, size=n_flips)
        noisy_encoded[rows] = (y_encoded[rows] + offset) % n_classes

    # Taking existing elements, rather than rebuilding from `classes`, keeps
    # the input's exact dtype (categorical, nullable, string) for free.
    take = first_index[noisy_encoded]
    if isinstance(y, pd.Series):
        y_noisy = y.iloc[take].set_axis(y.index)
    else:
        y_noisy = values[take]
    return y_noisy, noisy_encoded != y_encoded


def _check_noise_rate(noise_rate: object) -> None:
    """Raise unless `noise_rate` is a real number in [0, 1)."""
    if isinstance(noise_rate, bool) or not isinstance(noise_rate, numbers.Real):
        raise TypeError(
            f"noise_rate must be a real number in [0, 1); got {noise_rate!r} "
            f"of type {type(noise_rate).__name__}."
        )
    if not 0 <= noise_rate < 1:
        raise ValueError(f"noise_rate must be in [0, 1); got {noise_rate}.")


def _check_labels(y: ArrayLike | pd.Series) -> np.ndarray:
    """Return `y` as a 1-D NumPy array of classification labels."""
    values = y.to_numpy() if isinstance(y, pd.Series) else np.asarray(y)
    if values.ndim != 1:
        raise ValueError(f"y must be 1-D; got an array of shape {values.shape}.")
    if pd.isna(values).any():
        raise ValueError(
            f"y must not contain missing values; got {int(pd.isna(values).sum())}."
        )
    check_classification_targets(values)
    return values


def _check_noise_matrix(noise_matrix: ArrayLike | None, n_classes: int) -> np.ndarray:
    """Return `noise_matrix` as a float array after checking it is row-stochastic."""
    transition = np.asarray(noise_matrix, dtype=float)
    if transition.shape != (n_classes, n_classes):
        raise ValueError(
            f"noise_matrix must have shape ({n_classes}, {n_classes}), one row and "
            f"column per class of y; got shape {transition.shape}."
        )
    n_non_finite = int(np.sum(~np.isfinite(transition)))
    if n_non_finite:
        raise ValueError(
            "noise_matrix must contain only finite probabilities; got "
            f"{n_non_finite} NaN or infinite entries."
        )
    if np.any(transition < 0):
        raise ValueError(
            "noise_matrix must contain only non-negative probabilities; got "
            f"minimum {float(transition.min())}."
        )
    row_sums = transition.sum(axis=1)
    bad_rows = np.flatnonzero(np.abs(row_sums - 1) > 1e-6)
    if bad_rows.size:
        raise ValueError(
            "Every row of noise_matrix must sum to 1 (within 1e-6); rows "
            f"{bad_rows.tolist()} sum to {row_sums[bad_rows].tolist()}."
        )
    return transition / row_sums[:, np.newaxis]


def _sample_from_matrix(
    y_encoded: np.ndarray, transition: np.ndarray, rng: np.random.RandomState
) -> np.ndarray:
    """Draw each sample's noisy class from the row of its true class."""
    noisy_encoded = np.empty_like(y_encoded)
    n_classes = transition.shape[0]
    for true_class in range(n_classes):
        rows = np.flatnonzero(y_encoded == true_class)
        noisy_encoded[rows] = rng.choice(
            n_classes, size=rows.size, p=transition[true_class]
        )
    return noisy_encoded

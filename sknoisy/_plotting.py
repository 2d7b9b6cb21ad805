"""Plots of what sknoisy's estimators learned; matplotlib is an optional extra."""

from __future__ import annotations

from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._stopper import MemorizationStopper

__all__ = ["plot_loss_curves"]


def _import_pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "Plotting needs matplotlib, which sknoisy installs only as an "
            'extra: pip install "sknoisy[plot]"'
        ) from exc
    return plt


def _inner(estimator, attribute: str):
    """The model ``estimator`` wraps: a Pipeline's last step, or ``attribute``."""
    if isinstance(estimator, Pipeline):
        return estimator.steps[-1][1] if estimator.steps else None
    return getattr(estimator, attribute, None)


def _wraps_stopper(estimator, attribute: str) -> bool:
    """Whether a chain of ``attribute`` (or Pipeline steps) reaches a stopper."""
    while estimator is not None:
        if isinstance(estimator, MemorizationStopper):
            return True
        estimator = _inner(estimator, attribute)
    return False


def _find_stopper(estimator) -> MemorizationStopper:
    """The fitted stopper in ``estimator``, itself or the model it wraps."""
    current, innermost = estimator, estimator
    while current is not None and not isinstance(current, MemorizationStopper):
        if not isinstance(current, Pipeline) and not hasattr(current, "estimator_"):
            # An unfitted cleaner has no estimator_ yet, only its parameter.
            if _wraps_stopper(getattr(current, "estimator", None), "estimator"):
                raise NotFittedError(
                    f"This {type(current).__name__} is not fitted yet, so it "
                    "holds no fitted MemorizationStopper to plot; call fit first."
                )
        innermost, current = current, _inner(current, "estimator_")

    if current is None:
        wrapped = (
            f" wrapping {type(innermost).__name__}"
            if innermost is not estimator
            else ""
        )
        raise TypeError(
            "plot_loss_curves expects a MemorizationStopper (or a Pipeline / "
            f"cleaner wrapping one); got {type(estimator).__name__}{wrapped}."
        )
    check_is_fitted(current, "history_")
    return current


def _check_ax(ax, plt):
    from matplotlib.axes import Axes

    if ax is None:
        return plt.subplots()[1]
    if not isinstance(ax, Axes):
        raise TypeError(
            "ax must be a matplotlib Axes, such as the second value of "
            f"plt.subplots(), or None for a new figure; got {type(ax).__name__} "
            f"{ax!r}."
        )
    return ax


def plot_loss_curves(stopper, ax=None):
    """Plot training and validation loss per epoch, with the stopping point.

    The picture behind :class:`MemorizationStopper`: on noisy labels the
    validation loss falls, bottoms out and climbs again while the training
    loss keeps falling. Dashed and dotted vertical lines mark
    ``best_epoch_`` and, when found, ``memorization_epoch_``.

    Parameters
    ----------
    stopper : MemorizationStopper, Pipeline or meta-estimator
        A fitted stopper, a fitted Pipeline whose last step is one, or a
        fitted meta-estimator such as :class:`ConfidentCleaner` whose
        ``estimator_`` is one (or, in turn, wraps one).
    ax : matplotlib Axes, default=None
        Where to draw; None draws on a new figure.

    Returns
    -------
    ax : matplotlib Axes
        The Axes with the two curves, the markers and a legend.

    Raises
    ------
    ImportError
        When matplotlib is not installed.
    TypeError
        When ``stopper`` holds no MemorizationStopper, or ``ax`` is not a
        matplotlib Axes.
    NotFittedError
        When the stopper, or the estimator wrapping it, is not fitted.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sknoisy import MemorizationStopper, plot_loss_curves
    >>> X, y = load_iris(return_X_y=True)
    >>> sgd = SGDClassifier(loss="log_loss", random_state=0)
    >>> stopper = MemorizationStopper(sgd, max_epochs=10, validation_fraction=0.2,
    ...                               random_state=0).fit(X, y)
    >>> ax = plot_loss_curves(stopper)
    >>> ax.get_xlabel()
    'epoch'
    """
    plt = _import_pyplot()
    stopper = _find_stopper(stopper)
    ax = _check_ax(ax, plt)
    history = stopper.history_

    ax.plot(history["epoch"], history["train_loss"], marker=".", label="training")
    ax.plot(history["epoch"], history["valid_loss"], marker=".", label="validation")
    ax.axvline(
        stopper.best_epoch_,
        color="black",
        linestyle="--",
        linewidth=1,
        label=f"best epoch ({stopper.best_epoch_})",
    )
    if stopper.memorization_epoch_ is not None:
        ax.axvline(
            stopper.memorization_epoch_,
            color="tab:red",
            linestyle=":",
            linewidth=1.5,
            label=f"memorisation after epoch {stopper.memorization_epoch_}",
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy of the given labels")
    ax.set_title("Training and validation loss")
    ax.legend()
    return ax

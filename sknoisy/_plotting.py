"""Plots of what sknoisy's estimators learned; matplotlib is an optional extra."""

from __future__ import annotations

from sklearn.utils.validation import check_is_fitted

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


def plot_loss_curves(stopper, ax=None):
    """Plot training and validation loss per epoch, with the stopping point.

    The picture behind :class:`MemorizationStopper`: on noisy labels the
    validation loss falls, bottoms out and climbs again while the training
    loss keeps falling. Dashed and dotted vertical lines mark
    ``best_epoch_`` and, when found, ``memorization_epoch_``.

    Parameters
    ----------
    stopper : MemorizationStopper or Pipeline
        A fitted stopper, or a fitted Pipeline whose last step is one.
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
    if hasattr(stopper, "steps"):
        stopper = stopper[-1]
    check_is_fitted(stopper, "history_")
    history = stopper.history_
    if ax is None:
        _, ax = plt.subplots()

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

"""Scores for how well a detector recovers known label errors."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

__all__ = ["detection_scores"]


def detection_scores(
    is_flipped: ArrayLike,
    is_label_issue: ArrayLike,
    label_quality: ArrayLike | None = None,
) -> dict[str, float | int]:
    """Compare flagged label issues with the labels known to be wrong.

    Use it when the true errors are known, typically after
    :func:`inject_label_noise`: the flipped labels are the positives, and the
    detector's flags (and, if it has one, its per-sample quality score) are
    the predictions.

    Parameters
    ----------
    is_flipped : array-like of shape (n_samples,), dtype=bool
        True where the given label is wrong, such as the mask returned by
        :func:`inject_label_noise`.

    is_label_issue : array-like of shape (n_samples,), dtype=bool
        True where the detector flags the label as an issue.

    label_quality : array-like of shape (n_samples,), default=None
        The detector's score for each label, higher meaning more likely
        correct. Used only for ``"auroc"``, which ranks samples by
        ``-label_quality``.

    Returns
    -------
    scores : dict
        With keys:

        - ``"precision"``: fraction of flagged labels that were flipped; 0.0
          when nothing is flagged.
        - ``"recall"``: fraction of flipped labels that were flagged; 0.0
          when nothing is flipped.
        - ``"f1"``: harmonic mean of precision and recall; 0.0 when both are.
        - ``"auroc"``: area under the ROC curve of ``-label_quality`` against
          ``is_flipped``; ``nan`` when ``label_quality`` is None or
          ``is_flipped`` is all True or all False.
        - ``"n_flagged"``: number of flagged labels.
        - ``"n_flipped"``: number of flipped labels.

    Raises
    ------
    ValueError
        If the inputs are empty, not 1-D, of different lengths, if a mask is
        not boolean (0 and 1 are accepted), or if ``label_quality`` has
        non-finite values.

    See Also
    --------
    inject_label_noise : Make labels with known errors to score against.

    Examples
    --------
    >>> from sknoisy import detection_scores
    >>> is_flipped = [True, True, False, False, False, False]
    >>> is_label_issue = [True, False, True, False, False, False]
    >>> label_quality = [0.1, 0.4, 0.3, 0.8, 0.9, 0.7]
    >>> scores = detection_scores(is_flipped, is_label_issue, label_quality)
    >>> scores["precision"], scores["recall"], scores["f1"], scores["auroc"]
    (0.5, 0.5, 0.5, 0.875)
    >>> scores["n_flagged"], scores["n_flipped"]
    (2, 2)
    """
    is_flipped = _check_mask(is_flipped, "is_flipped")
    is_label_issue = _check_mask(is_label_issue, "is_label_issue")
    _check_same_length(is_flipped, "is_flipped", is_label_issue, "is_label_issue")
    if label_quality is not None:
        label_quality = np.asarray(label_quality, dtype=float)
        if label_quality.ndim != 1:
            raise ValueError(
                f"label_quality must be 1-D; got shape {label_quality.shape}."
            )
        _check_same_length(is_flipped, "is_flipped", label_quality, "label_quality")
        if not np.all(np.isfinite(label_quality)):
            raise ValueError(
                "label_quality must be finite; got "
                f"{int(np.sum(~np.isfinite(label_quality)))} NaN or infinite values."
            )

    # Both classes must be present for a ranking to be scored at all.
    if label_quality is None or np.unique(is_flipped).size < 2:
        auroc = float("nan")
    else:
        auroc = float(roc_auc_score(is_flipped, -label_quality))

    return {
        "precision": float(
            precision_score(is_flipped, is_label_issue, zero_division=0)
        ),
        "recall": float(recall_score(is_flipped, is_label_issue, zero_division=0)),
        "f1": float(f1_score(is_flipped, is_label_issue, zero_division=0)),
        "auroc": auroc,
        "n_flagged": int(is_label_issue.sum()),
        "n_flipped": int(is_flipped.sum()),
    }


def _check_mask(mask: ArrayLike, name: str) -> np.ndarray:
    """Return `mask` as a 1-D boolean array, accepting 0/1 in place of bools."""
    values = np.asarray(mask)
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {values.shape}.")
    if values.size == 0:
        raise ValueError(f"{name} must not be empty.")
    if values.dtype != bool:
        is_numeric = values.dtype.kind in "biuf" or values.dtype == object
        if not (is_numeric and np.isin(values, [0, 1]).all()):
            raise ValueError(
                f"{name} must be boolean (or 0/1); got dtype {values.dtype} with "
                f"values {np.unique(values.astype(str))[:5].tolist()}."
            )
        values = values.astype(bool)
    return values


def _check_same_length(
    first: np.ndarray, first_name: str, second: np.ndarray, second_name: str
) -> None:
    """Raise a ValueError naming both arrays and lengths if they differ."""
    if first.shape[0] != second.shape[0]:
        raise ValueError(
            f"{first_name} and {second_name} must have the same length; got "
            f"{first.shape[0]} and {second.shape[0]}."
        )

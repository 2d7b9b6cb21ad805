"""Rules that turn predicted probabilities into a label-issue table.

Both cleaners end here: :class:`ConfidentCleaner` with confident learning,
:class:`LossRankFilter` with a cut on per-sample loss or margin. Users who
already have out-of-fold probabilities from their own model call
:func:`find_label_issues` directly.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import pandas as pd
from cleanlab.count import compute_confident_joint
from cleanlab.filter import find_label_issues as _cleanlab_find_label_issues
from cleanlab.rank import get_label_quality_scores
from sklearn.mixture import GaussianMixture
from sklearn.utils._param_validation import StrOptions, validate_params
from sklearn.utils.validation import check_array, column_or_1d

from ._labels import encode_labels, format_labels
from ._meta import NumberInterval

__all__ = [
    "find_label_issues",
    "confident_learning_issues",
    "loss_rank_badness",
    "loss_rank_quality",
    "cut_by_fraction",
    "cut_by_mixture",
    "keep_per_class",
    "CONFIDENT_FILTERS",
    "QUALITY_METHODS",
    "LOSS_SCORES",
]

CONFIDENT_FILTERS = {
    "prune_by_noise_rate",
    "prune_by_class",
    "both",
    "confident_learning",
    "predicted_neq_given",
    "low_normalized_margin",
    "low_self_confidence",
}
QUALITY_METHODS = {
    "self_confidence",
    "normalized_margin",
    "confidence_weighted_entropy",
}
LOSS_SCORES = {"margin", "loss"}
# The filters that prune by counts read off the calibrated confident joint.
_JOINT_FILTERS = {"prune_by_noise_rate", "prune_by_class", "both"}


# The options of find_label_issues follow the same rules as the cleaners'.
_FIND_ISSUES_CONSTRAINTS = {
    "y": ["array-like"],
    "pred_probs": ["array-like"],
    "method": [StrOptions({"confident", "loss_rank"})],
    "classes": [None, "array-like"],
    "filter_by": [StrOptions(CONFIDENT_FILTERS)],
    "frac_noise": [NumberInterval(Real, 0, 1, closed="right")],
    "min_examples_per_class": [NumberInterval(Integral, 0, None, closed="left")],
    "quality_method": [StrOptions(QUALITY_METHODS)],
    "rank_by": [StrOptions(LOSS_SCORES)],
    "fraction": [NumberInterval(Real, 0, 1, closed="neither"), StrOptions({"auto"})],
    "threshold": [NumberInterval(Real, 0, 1, closed="neither")],
}

# Probabilities are clipped here before taking logs: a zero would make the
# loss infinite and the mixture fit meaningless.
_EPS = 1e-12


def confident_learning_issues(
    codes: np.ndarray,
    pred_probs: np.ndarray,
    *,
    filter_by: str = "prune_by_noise_rate",
    frac_noise: float = 1.0,
    min_examples_per_class: int = 1,
    quality_method: str = "self_confidence",
) -> tuple[np.ndarray, np.ndarray]:
    """cleanlab's issue mask and label quality for integer labels."""
    joint = None
    if filter_by in _JOINT_FILTERS:
        joint = _calibrated_confident_joint(codes, pred_probs)
    is_issue = _cleanlab_find_label_issues(
        codes,
        pred_probs,
        confident_joint=joint,
        filter_by=filter_by,
        frac_noise=frac_noise,
        min_examples_per_class=min_examples_per_class,
        # In-process: cleanlab's own worker pool costs more than it saves
        # here and must not fork a process that holds torch threads.
        n_jobs=1,
    )
    quality = get_label_quality_scores(codes, pred_probs, method=quality_method)
    return np.asarray(is_issue, dtype=bool), np.asarray(quality, dtype=np.float64)


def _calibrated_confident_joint(
    codes: np.ndarray, pred_probs: np.ndarray
) -> np.ndarray:
    """cleanlab's calibrated confident joint, whatever the classes are called.

    Calibration rounds the joint to whole rows while keeping each given
    class's total, and cleanlab hands a tied remainder to the class in the
    first column. In the order of the sorted labels, renaming the classes
    could then change how many rows of a class are pruned, and which. The
    joint is computed here with the classes ordered by their number of rows,
    then their total predicted probability (summed exactly, so the order of
    the rows does not matter either), and returned in the labels' order.
    """
    n_classes = pred_probs.shape[1]
    counts = np.bincount(codes, minlength=n_classes)
    mass = np.array([math.fsum(column) for column in pred_probs.T])
    order = np.lexsort((mass, counts))
    rank = np.argsort(order)
    joint = compute_confident_joint(rank[codes], pred_probs[:, order], calibrate=True)
    return joint[np.ix_(rank, rank)]


def loss_rank_badness(
    codes: np.ndarray, log_proba: np.ndarray, rank_by: str
) -> np.ndarray:
    """Per-sample suspiciousness: the loss, or minus the margin, of the given label.

    ``"loss"`` is the cross-entropy ``-log p(given)``. ``"margin"`` is the
    given label's log-probability minus the largest other one (equal to the
    difference of logits), negated so that higher is more suspicious in both.
    """
    rows = np.arange(len(codes))
    given = log_proba[rows, codes]
    if rank_by == "loss":
        return -given
    others = log_proba.copy()
    others[rows, codes] = -np.inf
    return others.max(axis=1) - given


def loss_rank_quality(badness: np.ndarray, rank_by: str) -> np.ndarray:
    """Map badness to a label quality in ``[0, 1]``, higher is cleaner.

    For the loss this is ``exp(-loss)``, the probability of the given label;
    for the margin the logistic function of the margin, the given label's
    share of the two-way contest with its strongest rival.
    """
    if rank_by == "loss":
        return np.exp(-badness)
    return 1.0 / (1.0 + np.exp(badness))


def cut_by_fraction(badness: np.ndarray, fraction: float) -> np.ndarray:
    """Flag the ``round(fraction * n)`` most suspicious samples."""
    n_flag = int(round(fraction * len(badness)))
    is_issue = np.zeros(len(badness), dtype=bool)
    # Stable sort: ties keep input order, so results do not depend on the
    # platform's sorting algorithm.
    is_issue[np.argsort(-badness, kind="stable")[:n_flag]] = True
    return is_issue


def cut_by_mixture(
    badness: np.ndarray,
    mispredicted: np.ndarray,
    rank_by: str,
    threshold: float = 0.5,
) -> np.ndarray:
    """Flag samples that a two-component mixture puts in the high-loss mode.

    A Gaussian mixture with two components is fitted to the badness (the
    margin as it is; the log of the loss, whose heavy right tail would
    otherwise take a component of its own). A sample is flagged when its
    posterior probability of the component with the higher mean exceeds
    ``threshold`` and the ranker does not predict its given label. The
    second condition is what keeps a clean dataset clean: there the high
    component is merely the harder half of correct labels, and only the
    few samples the ranker gets wrong can be flagged. When fewer than half
    of the high component's members are mispredicted, it is not a noise
    mode at all and nothing is flagged.
    """
    values = np.log(badness + _EPS) if rank_by == "loss" else badness
    is_issue = np.zeros(len(values), dtype=bool)
    if len(values) < 4 or np.ptp(values) <= 0:
        return is_issue

    mixture = GaussianMixture(n_components=2, reg_covar=1e-4, random_state=0)
    column = values.reshape(-1, 1)
    # The k-means start picks rows by position; fitted on the scores in input
    # order, shuffling the rows would change the fit and so the flags.
    mixture.fit(np.sort(values).reshape(-1, 1))
    high = int(np.argmax(mixture.means_.ravel()))
    in_high = mixture.predict_proba(column)[:, high] > threshold
    if not in_high.any() or mispredicted[in_high].mean() < 0.5:
        return is_issue
    return in_high & mispredicted


def keep_per_class(
    is_issue: np.ndarray, badness: np.ndarray, codes: np.ndarray, min_kept: int
) -> np.ndarray:
    """Unflag the least suspicious rows of any class left with under ``min_kept``."""
    is_issue = is_issue.copy()
    for k in np.unique(codes):
        rows = np.flatnonzero(codes == k)
        missing = min(min_kept, len(rows)) - int(np.sum(~is_issue[rows]))
        if missing > 0:
            flagged = rows[is_issue[rows]]
            release = flagged[np.argsort(badness[flagged], kind="stable")[:missing]]
            is_issue[release] = False
    return is_issue


def _check_pred_probs(pred_probs, n_samples: int, n_classes: int) -> np.ndarray:
    pred_probs = check_array(pred_probs, dtype=np.float64, input_name="pred_probs")
    if pred_probs.shape != (n_samples, n_classes):
        raise ValueError(
            f"pred_probs must have shape (n_samples, n_classes) = ({n_samples}, "
            f"{n_classes}); got {pred_probs.shape}."
        )
    bad_rows = (pred_probs < 0).any(axis=1) | ~np.isclose(
        pred_probs.sum(axis=1), 1, atol=1e-4
    )
    if bad_rows.any():
        bad = int(bad_rows.sum())
        raise ValueError(
            "pred_probs must be probabilities: non-negative rows that sum to "
            f"1; {bad} of {n_samples} rows do not."
        )
    return pred_probs


@validate_params(_FIND_ISSUES_CONSTRAINTS, prefer_skip_nested_validation=True)
def find_label_issues(
    y,
    pred_probs,
    *,
    method: str = "confident",
    classes=None,
    filter_by: str = "prune_by_noise_rate",
    frac_noise: float = 1.0,
    min_examples_per_class: int = 1,
    quality_method: str = "self_confidence",
    rank_by: str = "margin",
    fraction: float | str = "auto",
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Label-issue table from probabilities you computed yourself.

    For users who already have out-of-fold predicted probabilities, from
    their own model and cross-validation: the same table the cleaners'
    ``label_issues_`` hold, with the same label handling (strings, integers
    with gaps, categoricals). The probabilities must be out of fold; a
    model scored on its own training rows has memorised their labels.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Given labels. A pandas Series gives the table its index.
    pred_probs : array-like of shape (n_samples, n_classes)
        Predicted probabilities, columns in the order of ``classes``.
    method : {"confident", "loss_rank"}, default="confident"
        ``"confident"``: confident learning with cleanlab, as
        :class:`ConfidentCleaner`. ``"loss_rank"``: rank by ``rank_by`` and
        cut by ``fraction``, as :class:`LossRankFilter`.
    classes : array-like of shape (n_classes,), default=None
        The label of each column of ``pred_probs``: at least 2 labels of one
        type, sorted and unique; the sorted unique values of ``y`` when
        None.
    filter_by : str, default="prune_by_noise_rate"
        cleanlab's filter, for ``method="confident"``; see
        :class:`ConfidentCleaner`.
    frac_noise : float, default=1.0
        For ``method="confident"``: fraction in ``(0, 1]`` of the estimated
        issues flagged.
    min_examples_per_class : int, default=1
        Rows of each class that are never flagged, ``>= 0``.
    quality_method : str, default="self_confidence"
        For ``method="confident"``: cleanlab's label-quality score,
        ``"self_confidence"``, ``"normalized_margin"`` or
        ``"confidence_weighted_entropy"``.
    rank_by : {"margin", "loss"}, default="margin"
        For ``method="loss_rank"``: what ranks the samples.
    fraction : float or "auto", default="auto"
        For ``method="loss_rank"``: share in ``(0, 1)`` of rows to flag, or
        ``"auto"`` for the mixture cut.
    threshold : float, default=0.5
        For ``fraction="auto"``: posterior in ``(0, 1)`` of the high-loss
        component above which a row is flagged.

    Returns
    -------
    label_issues : DataFrame of shape (n_samples, 4)
        ``given_label``, ``suggested_label`` (the most probable class),
        ``label_quality`` (in ``[0, 1]``, higher is cleaner) and
        ``is_label_issue``, one row per sample in input order.

    Raises
    ------
    ValueError
        When an option is outside its range (all are checked, whatever the
        ``method``), ``classes`` is not 1-D, sorted and unique, a label of
        ``y`` is not in ``classes``, or ``pred_probs`` has the wrong shape or
        rows that are not probabilities.
    TypeError
        When ``classes`` mixes label types (``[0, "a"]``).

    See Also
    --------
    ConfidentCleaner : Computes the probabilities out of fold, then cleans.
    LossRankFilter : Ranks by loss during a short warm-up training.

    Examples
    --------
    >>> import numpy as np
    >>> from sknoisy import find_label_issues
    >>> y = np.array(["cat", "cat", "dog", "dog", "cat", "dog"])
    >>> pred_probs = np.array(
    ...     [[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8], [0.1, 0.9], [0.7, 0.3]]
    ... )
    >>> table = find_label_issues(y, pred_probs, method="loss_rank", fraction=0.34)
    >>> table.loc[table["is_label_issue"], ["given_label", "suggested_label"]]
      given_label suggested_label
    4         cat             dog
    5         dog             cat
    """
    index = y.index if isinstance(y, pd.Series) else None
    y_values = column_or_1d(y)
    if classes is None:
        classes, codes = encode_labels(y_values)
    else:
        classes, codes = encode_labels(y_values, _check_classes(classes))
    pred_probs = _check_pred_probs(pred_probs, len(codes), len(classes))

    if method == "confident":
        is_issue, quality = confident_learning_issues(
            codes,
            pred_probs,
            filter_by=filter_by,
            frac_noise=frac_noise,
            min_examples_per_class=min_examples_per_class,
            quality_method=quality_method,
        )
    else:
        is_issue, quality = _loss_rank_from_probs(
            codes,
            pred_probs,
            rank_by=rank_by,
            fraction=fraction,
            threshold=threshold,
            min_examples_per_class=min_examples_per_class,
        )
    return label_issue_table(
        classes, codes, pred_probs.argmax(axis=1), quality, is_issue, index
    )


def _check_classes(classes) -> np.ndarray:
    """``classes`` as a 1-D array of one label type, sorted and unique."""
    # Typed before numpy sees it: np.asarray([0, "a"]) silently makes "0".
    values = np.asarray(classes, dtype=object)
    if values.ndim != 1 or any(np.ndim(v) != 0 for v in values):
        got = f"shape {values.shape}" if values.ndim != 1 else "nested sequences"
        raise ValueError(
            f"classes must be 1-D, one label per column of pred_probs; got {got}."
        )
    kinds = {type(v.item() if isinstance(v, np.generic) else v) for v in values}
    if len(kinds) > 1 and not all(
        issubclass(k, (int, float)) and not issubclass(k, bool) for k in kinds
    ):
        names = ", ".join(sorted(k.__name__ for k in kinds))
        raise TypeError(
            "classes must all be labels of one comparable type, like those of "
            f"y; got a mix of {names}: {format_labels(values)}."
        )
    if len(values) < 2:
        raise ValueError(
            "classes must hold at least 2 labels, one per column of pred_probs; "
            f"got {format_labels(values)}."
        )

    classes = np.asarray(classes)
    if len(np.unique(classes)) != len(classes) or not np.array_equal(
        np.sort(classes), classes
    ):
        raise ValueError(
            "classes must be sorted and unique, like np.unique(y); got "
            f"{format_labels(classes)}."
        )
    return classes


def _loss_rank_from_probs(
    codes, pred_probs, *, rank_by, fraction, threshold, min_examples_per_class
):
    log_proba = np.log(np.clip(pred_probs, _EPS, None))
    badness = loss_rank_badness(codes, log_proba, rank_by)
    if isinstance(fraction, str):
        mispredicted = pred_probs.argmax(axis=1) != codes
        is_issue = cut_by_mixture(badness, mispredicted, rank_by, threshold)
    else:
        is_issue = cut_by_fraction(badness, fraction)
    is_issue = keep_per_class(is_issue, badness, codes, min_examples_per_class)
    return is_issue, loss_rank_quality(badness, rank_by)


def label_issue_table(classes, codes, suggested, quality, is_issue, index=None):
    """The one table format every sknoisy detector returns."""
    return pd.DataFrame(
        {
            "given_label": classes[codes],
            "suggested_label": classes[suggested],
            "label_quality": np.asarray(quality, dtype=np.float64),
            "is_label_issue": np.asarray(is_issue, dtype=bool),
        },
        index=index if index is not None else pd.RangeIndex(len(codes)),
    )

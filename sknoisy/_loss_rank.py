"""LossRankFilter: rank samples by their loss early in training."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import _safe_split
from sklearn.utils.parallel import Parallel, delayed

from ._cleaner_base import (
    BaseCleaner,
    Detection,
    _TrainingData,
)
from ._find_issues import (
    _EPS,
    LOSS_SCORES,
    cut_by_fraction,
    cut_by_mixture,
    keep_per_class,
    loss_rank_badness,
    loss_rank_quality,
)
from ._find_issues import _check_pred_probs as check_pred_probs
from ._meta import (
    N_JOBS_CONSTRAINT,
    NumberInterval,
    accepts_sample_weight,
    sample_weight_params,
)
from ._warnings import SknoisyWarning

__all__ = ["LossRankFilter"]


class LossRankFilter(BaseCleaner):
    """Train briefly, rank samples by loss or margin, and deal with the worst.

    A meta-estimator for the last step of a Pipeline. A network learns the
    easy, consistent patterns of the data first and memorises the labels
    that contradict them only later; during that first phase a wrong label
    shows up as a high loss and a negative margin. ``fit`` trains a ranker
    for a few epochs, scores every sample, flags the most suspicious ones
    (a fixed ``fraction``, or an automatic cut that needs no noise rate),
    applies ``action`` and fits a clone of ``estimator`` on the result.
    One short training run instead of K cross-validation fits makes it the
    cheapest cleaner; use it for roughly 10 to 40 % wrong labels.

    Parameters
    ----------
    estimator : estimator object
        The classifier fitted on the cleaned data.
    ranker : estimator object, default=None
        Model whose predicted probabilities score the labels; None uses a
        clone of ``estimator`` (of its inner estimator when ``estimator``
        is a :class:`MemorizationStopper`). A ranker with ``partial_fit``
        is trained for ``warmup_epochs`` epochs, one call each; any other
        classifier with ``predict_proba`` is fitted once, and should then
        be scored out of fold (``cv``), since a fully fitted model has
        memorised the labels it is asked to judge.
    warmup_epochs : int or "auto", default=20
        Epochs of warm-up training. ``"auto"`` takes the number from a
        :class:`MemorizationStopper` fitted first: the epoch where it saw
        memorisation begin, or its best epoch if it never did; it needs
        ``estimator`` (or ``ranker``) to be such a stopper.
    rank_by : {"margin", "loss"}, default="margin"
        ``"margin"``: the given label's logit minus the largest other one;
        averaged over the warm-up epochs this is the area under the margin
        (AUM). ``"loss"``: the cross-entropy of the given label, without
        smoothing.
    average_epochs : bool, default=True
        Average the score over all warm-up epochs (steadier than one
        snapshot) instead of using the last epoch's.
    fraction : float or "auto", default="auto"
        Share in ``(0, 1)`` of the samples to flag, most suspicious first,
        or ``"auto"`` to fit a two-component mixture to the scores and flag
        the high-loss component, so that no noise rate need be known.
    threshold : float, default=0.5
        For ``fraction="auto"``: posterior probability of the high-loss
        component above which a sample is flagged; higher flags fewer.
    min_examples_per_class : int, default=1
        Never flag so many rows of a class that fewer than this many stay
        unflagged; the least suspicious flagged rows are released first.
        With 0, a cut that takes a whole class makes ``drop`` and
        ``relabel`` raise an error naming the class.
    cv : None, int, cross-validation generator or iterable, default=None
        None scores the samples the ranker trained on (in-sample, one
        training run). Otherwise the splitting for out-of-fold scores: each
        fold's ranker warms up on the other folds.
    action : {"drop", "relabel", "reweight"}, default="drop"
        What happens to the flagged samples before the final fit: removed,
        given the ranker's most probable class, or kept with their sample
        weight multiplied by their ``label_quality``.
    n_jobs : int, default=None
        Folds scored in parallel by joblib when ``cv`` is given; ``-1``
        uses every core. Under ``joblib.parallel_backend("dask")`` the folds
        run on a Dask cluster instead (see "Scaling out" in the docs).
    verbose : int, default=0
        Verbosity of the parallel fold loop.

    Attributes
    ----------
    estimator_ : estimator object
        Clone of ``estimator`` fitted on the cleaned data.
    label_issues_ : DataFrame of shape (n_samples, 4)
        One row per training sample, in input order and with the input's
        index: ``given_label``, ``suggested_label`` (the ranker's most
        probable class, averaged over epochs), ``label_quality`` (in
        ``[0, 1]``, higher is cleaner: the given label's probability for
        ``rank_by="loss"``, the logistic function of the margin for
        ``"margin"``) and ``is_label_issue``.
    sample_scores_ : ndarray of shape (n_samples,)
        Suspiciousness of every sample, higher is worse: the loss, or
        minus the margin.
    n_warmup_epochs_ : int
        Warm-up epochs actually run (1 for a ranker without
        ``partial_fit``).
    classes_ : ndarray of shape (n_classes,)
        The labels seen in fit, in their original type.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of a DataFrame ``X``; only defined for DataFrames.

    See Also
    --------
    ConfidentCleaner : Confident learning on out-of-fold probabilities.
    MemorizationStopper : Finds the epoch where memorisation begins.
    find_label_issues : The same cut on probabilities you already have.

    Notes
    -----
    Deep networks fit clean, consistent examples before they memorise
    noisy ones [1]_, so per-sample loss early in training separates the two
    (the small-loss trick of Co-teaching [2]_). The area under the margin
    [3]_ averages the margin over epochs: a wrong label keeps a negative
    margin for long, a hard but correct one turns positive.

    The automatic cut follows DivideMix [4]_: a two-component Gaussian
    mixture on the scores (the log of the loss, or the margin) separates a
    low-loss and a high-loss mode. A sample is flagged when it belongs to
    the high-loss mode with posterior above ``threshold`` *and* the ranker
    does not predict its given label. On clean data the high mode is only
    the harder half of correct labels; the second condition then leaves
    just the few samples the ranker gets wrong, and when most of the high
    mode is predicted correctly nothing is flagged at all. Measured on
    scikit-learn's digits with no injected noise, the automatic cut flags
    none of the 1,797 rows after 20 warm-up epochs. The flip side: at very
    low noise rates (a few per cent) the mixture may find no noise mode and
    flag nothing; use a fixed ``fraction`` there.

    References
    ----------
    .. [1] D. Arpit et al., "A Closer Look at Memorization in Deep
       Networks", ICML 2017.
    .. [2] B. Han et al., "Co-teaching: Robust Training of Deep Neural
       Networks with Extremely Noisy Labels", NeurIPS 2018.
    .. [3] G. Pleiss, T. Zhang, E. Elenberg and K. Q. Weinberger,
       "Identifying Mislabeled Data using the Area Under the Margin
       Ranking", NeurIPS 2020.
    .. [4] J. Li, R. Socher and S. C. H. Hoi, "DivideMix: Learning with Noisy
       Labels as Semi-supervised Learning", ICLR 2020.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknoisy import (
    ...     LossRankFilter, SmoothedNetClassifier, detection_scores,
    ...     inject_label_noise)
    >>> X, y = load_digits(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> y_noisy, is_flipped = inject_label_noise(y, 0.2, random_state=0)
    >>> cleaner = LossRankFilter(
    ...     SmoothedNetClassifier(max_epochs=30, random_state=0), warmup_epochs=10
    ... ).fit(X, y_noisy)
    >>> scores = detection_scores(is_flipped, cleaner.label_issues_["is_label_issue"])
    >>> bool(scores["f1"] > 0.8)
    True
    """

    _parameter_constraints: dict = {
        **BaseCleaner._parameter_constraints,
        "ranker": [None, HasMethods(["fit"])],
        "warmup_epochs": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "rank_by": [StrOptions(LOSS_SCORES)],
        "min_examples_per_class": [NumberInterval(Integral, 0, None, closed="left")],
        "average_epochs": ["boolean"],
        "fraction": [
            NumberInterval(Real, 0, 1, closed="neither"),
            StrOptions({"auto"}),
        ],
        "threshold": [NumberInterval(Real, 0, 1, closed="neither")],
        "cv": [None, "cv_object"],
        "n_jobs": N_JOBS_CONSTRAINT,
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator,
        ranker=None,
        *,
        warmup_epochs=20,
        rank_by="margin",
        average_epochs=True,
        fraction="auto",
        threshold=0.5,
        min_examples_per_class=1,
        cv=None,
        action="drop",
        n_jobs=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.ranker = ranker
        self.warmup_epochs = warmup_epochs
        self.rank_by = rank_by
        self.average_epochs = average_epochs
        self.fraction = fraction
        self.threshold = threshold
        self.min_examples_per_class = min_examples_per_class
        self.cv = cv
        self.action = action
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _find_label_issues(self, data: _TrainingData, groups):
        ranker, n_epochs = self._warmup_plan(data)
        n_classes = len(data.classes)

        scoring = {
            "n_epochs": n_epochs,
            "n_classes": n_classes,
            "rank_by": self.rank_by,
            "average_epochs": self.average_epochs,
        }
        if self.cv is None:
            badness, mean_proba = _warm_up_and_score(
                ranker, data.X, data.codes, data.sample_weight, None, None, **scoring
            )
        else:
            splits = self._cv_splits(data, groups)
            # scikit-learn's Parallel carries its config and warning filters
            # into the workers. The arrays are separate arguments, not one
            # _TrainingData, so the Dask backend scatters each once per fit
            # instead of shipping all of X with every fold.
            folds = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(
                delayed(_warm_up_and_score)(
                    clone(ranker),
                    data.X,
                    data.codes,
                    data.sample_weight,
                    train,
                    test,
                    **scoring,
                )
                for train, test in splits
            )
            badness = np.full(len(data.codes), np.nan)
            mean_proba = np.zeros((len(data.codes), n_classes))
            for (_, test), (fold_badness, fold_proba) in zip(
                splits, folds, strict=True
            ):
                badness[test] = fold_badness
                mean_proba[test] = fold_proba

        suggested = mean_proba.argmax(axis=1)
        if self.fraction == "auto":
            is_issue = cut_by_mixture(
                badness, suggested != data.codes, self.rank_by, self.threshold
            )
        else:
            is_issue = cut_by_fraction(badness, self.fraction)
        is_issue = keep_per_class(
            is_issue, badness, data.codes, self.min_examples_per_class
        )
        if self.fraction == "auto" and not is_issue.any():
            warnings.warn(
                f"fraction='auto' found no group of high-loss rows and flagged "
                f"none of the {len(is_issue)} rows. With clean labels that is "
                "right. If you expect wrong labels, the ranker may have learned "
                "too little in its warm-up (raise its lr or warmup_epochs), or "
                "set a fixed fraction.",
                SknoisyWarning,
                stacklevel=4,
            )

        return Detection(
            is_issue,
            loss_rank_quality(badness, self.rank_by),
            suggested,
            learned={
                "sample_scores_": badness,
                "n_warmup_epochs_": n_epochs if _learns_in_epochs(ranker) else 1,
            },
        )

    def _warmup_plan(self, data: _TrainingData):
        """Return the (unfitted) ranker and the number of warm-up epochs."""
        from ._stopper import MemorizationStopper

        source = self.estimator if self.ranker is None else self.ranker
        stopper = source if isinstance(source, MemorizationStopper) else None
        ranker = clone(stopper.estimator if stopper is not None else source)
        if not (
            hasattr(ranker, "predict_proba") or hasattr(ranker, "predict_log_proba")
        ):
            raise TypeError(
                f"The ranker {type(ranker).__name__} has no predict_proba; pass "
                "ranker= a classifier that has one."
            )

        if self.warmup_epochs != "auto":
            return ranker, self.warmup_epochs
        if stopper is None:
            raise ValueError(
                "warmup_epochs='auto' takes the warm-up length from a "
                "MemorizationStopper, but the "
                f"{'estimator' if self.ranker is None else 'ranker'} is a "
                f"{type(source).__name__}; wrap it in MemorizationStopper(...) "
                "or give warmup_epochs as an int."
            )
        fitted = clone(stopper)
        fitted.fit(
            data.X, data.codes, **sample_weight_params(stopper, data.sample_weight)
        )
        onset = fitted.memorization_epoch_
        return ranker, int(onset if onset is not None else fitted.best_epoch_)


def _learns_in_epochs(estimator) -> bool:
    return hasattr(estimator, "partial_fit")


def _log_proba(estimator, X, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Checked ``(log_proba, proba)``; logs clipped so every loss is finite."""
    if hasattr(estimator, "predict_log_proba"):
        # Some rankers take log(predict_proba) and warn on exact zeros; the
        # logs are clipped below.
        with np.errstate(divide="ignore"):
            log_proba = np.asarray(estimator.predict_log_proba(X), dtype=np.float64)
        proba = np.exp(log_proba)
    else:
        proba = np.asarray(estimator.predict_proba(X), dtype=np.float64)
        with np.errstate(divide="ignore"):
            log_proba = np.log(proba)
    try:
        check_pred_probs(proba, len(proba), n_classes)
    except ValueError as exc:
        raise ValueError(
            f"The ranker {type(estimator).__name__} returned unusable "
            f"probabilities (every class must be in the rows it trains on): {exc}"
        ) from exc
    return np.maximum(log_proba, np.log(_EPS)), proba


def _warm_up_and_score(
    ranker,
    X,
    codes: np.ndarray,
    sample_weight: np.ndarray | None,
    train,
    test,
    *,
    n_epochs: int,
    n_classes: int,
    rank_by: str,
    average_epochs: bool,
):
    """Train ``ranker`` on ``train`` and score ``test`` after each epoch.

    ``train``/``test`` of None mean all rows (in-sample scoring). Returns the
    badness of the scored rows (mean over epochs or last epoch) and their
    mean predicted probabilities over the epochs.
    """

    def rows(values, index):
        return values if index is None else _safe_indexing(values, index)

    if train is None:
        X_train, codes_train, X_test, codes_test = X, codes, X, codes
    else:
        # _safe_split also cuts the columns of a precomputed kernel.
        X_train, codes_train = _safe_split(ranker, X, codes, train)
        X_test, codes_test = _safe_split(ranker, X, codes, test, train)
    learns_in_epochs = _learns_in_epochs(ranker)
    train_step = ranker.partial_fit if learns_in_epochs else ranker.fit
    fit_params = {"classes": np.arange(n_classes)} if learns_in_epochs else {}
    if sample_weight is not None and accepts_sample_weight(ranker, train_step.__name__):
        weight = rows(sample_weight, train)
        fit_params.update(sample_weight_params(ranker, weight))

    badness_sum = np.zeros(len(codes_test))
    proba_sum = np.zeros((len(codes_test), n_classes))
    n_rounds = n_epochs if learns_in_epochs else 1
    for _ in range(n_rounds):
        train_step(X_train, codes_train, **fit_params)
        log_proba, proba = _log_proba(ranker, X_test, n_classes)
        badness = loss_rank_badness(codes_test, log_proba, rank_by)
        badness_sum = badness_sum + badness if average_epochs else badness
        proba_sum += proba
    mean_badness = badness_sum / n_rounds if average_epochs else badness_sum
    return mean_badness, proba_sum / n_rounds

"""What every sknoisy cleaner shares: validate, find issues, act, refit.

A cleaner is a meta-estimator. Its ``fit`` scores every training sample,
decides which labels are wrong, applies ``action`` and fits a clone of the
wrapped estimator on the result. Subclasses implement only
``_find_label_issues``, the scoring algorithm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import (
    _fit_context,
    clone,
    is_classifier,
)
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    column_or_1d,
    validate_data,
)

from ._find_issues import label_issue_table
from ._labels import (
    as_label_array,
    check_min_class_count,
    encode_labels,
    format_labels,
    label_repr,
)
from ._meta import (
    WrappingClassifier,
    accepts_param,
    accepts_sample_weight,
    own_routing,
    param_kwargs,
    restore_on_error,
    row_indexable,
)
from ._trusted import check_trusted

__all__ = ["BaseCleaner"]


@dataclass
class _TrainingData:
    """Training input after validation, with labels encoded as ``0..K-1``."""

    X: object
    y: object
    codes: np.ndarray
    classes: np.ndarray
    sample_weight: np.ndarray | None
    index: pd.Index
    label_dtype: object = None
    trusted: np.ndarray | None = None


@dataclass
class Detection:
    """What a cleaner's scoring step found, before any action.

    ``learned`` holds extra fitted attributes (such as ``pred_probs_``) that
    ``fit`` and ``fit_resample`` set on the cleaner and
    ``find_label_issues`` discards.
    """

    is_label_issue: np.ndarray
    label_quality: np.ndarray
    suggested_codes: np.ndarray
    learned: dict = field(default_factory=dict)


class BaseCleaner(WrappingClassifier):
    """Shared fit / action / delegation logic of sknoisy's cleaners.

    Not meant to be used directly; subclass it and implement
    ``_find_label_issues(data, groups)`` returning a :class:`Detection`.
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "action": [StrOptions({"drop", "relabel", "reweight"})],
    }

    # A trusted mask given to a search is meant for every step that uses it.
    __metadata_request__fit = {"trusted": True}

    # ------------------------------------------------------------ public

    @restore_on_error
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, groups=None, trusted=None):
        """Find label issues, apply ``action`` and fit ``estimator_``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training features, passed as they are to the wrapped estimators.
        y : array-like of shape (n_samples,)
            Given (possibly wrong) labels of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples. They reach the detection model when it
            accepts them and the final fit always; rows that are dropped take
            their weight with them.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group-aware ``cv`` splitter.
        trusted : array-like of bool of shape (n_samples,), default=None
            True for rows whose label a person checked: they are never
            flagged, so never dropped, relabelled or down-weighted. The
            final estimator gets the mask of the rows it is fitted on when its
            ``fit`` takes ``trusted`` (as :class:`SmoothedNetClassifier` does,
            to fine-tune on them).

        Returns
        -------
        self : object
            The fitted cleaner.
        """
        self._check_action_suits_X()
        data = self._validate_training_data(X, y, sample_weight, trusted=trusted)
        with own_routing():
            issues, learned = self._label_issue_table(data, groups)
            X_new, y_new, weight_new, kept = self._apply_action(data, issues)

            estimator = clone(self.estimator)
            if weight_new is not None:
                self._require_sample_weight(estimator)
            trusted_new = None
            if data.trusted is not None and accepts_param(
                estimator, "trusted", kwargs=False
            ):
                trusted_new = data.trusted[kept]
            estimator.fit(
                X_new,
                y_new,
                **param_kwargs(
                    estimator, sample_weight=weight_new, trusted=trusted_new
                ),
            )

        self._set_detection(data, issues, learned)
        self.estimator_ = estimator
        return self

    def find_label_issues(self, X, y, sample_weight=None, groups=None, trusted=None):
        """Score every sample and return the label-issue table; fit nothing.

        The entry point for human review: sort the table by
        ``label_quality`` and re-check the rows at the top. The cleaner
        itself is left unchanged.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features.
        y : array-like of shape (n_samples,)
            Given labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights for the detection model.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group-aware ``cv`` splitter.
        trusted : array-like of bool of shape (n_samples,), default=None
            True for rows whose label a person checked: they are never
            flagged, so never dropped, relabelled or down-weighted.

        Returns
        -------
        label_issues : DataFrame of shape (n_samples, 4)
            One row per sample, in input order and with the input's index:
            ``given_label``, ``suggested_label``, ``label_quality`` (in
            ``[0, 1]``, higher is cleaner) and ``is_label_issue``.
        """
        self._validate_params()
        data = self._validate_training_data(
            X, y, sample_weight, reset=False, trusted=trusted
        )
        with own_routing():
            return self._label_issue_table(data, groups)[0]

    @restore_on_error
    def fit_resample(self, X, y, sample_weight=None, groups=None, trusted=None):
        """Return the cleaned training set (imbalanced-learn's sampler API).

        With ``action="drop"`` the suspect rows are removed; with
        ``"relabel"`` they get their suggested label. This lets a cleaner
        sit in the middle of an ``imblearn.pipeline.Pipeline``. Sets
        ``label_issues_`` but fits no final model.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features.
        y : array-like of shape (n_samples,)
            Given labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights for the detection model.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group-aware ``cv`` splitter.
        trusted : array-like of bool of shape (n_samples,), default=None
            True for rows whose label a person checked: they are never
            flagged, so never dropped, relabelled or down-weighted.

        Returns
        -------
        X_resampled : array-like or DataFrame
            The kept rows of ``X``, in the input's type.
        y_resampled : ndarray or Series
            Their labels, relabelled where ``action="relabel"``.
        """
        self._validate_params()
        if self.action == "reweight":
            raise ValueError(
                "fit_resample returns rows, not weights, so it cannot apply "
                "action='reweight'; use action='drop' or 'relabel', or call fit."
            )
        self._check_action_suits_X()
        data = self._validate_training_data(X, y, sample_weight, trusted=trusted)
        with own_routing():
            issues, learned = self._label_issue_table(data, groups)
        X_new, y_new, _, kept = self._apply_action(data, issues)
        self._set_detection(data, issues, learned)
        if isinstance(y, pd.Series):
            y_new = pd.Series(y_new, index=y.index[kept], name=y.name)
        return X_new, y_new

    # ------------------------------------------------------------ steps

    def _validate_training_data(self, X, y, sample_weight, *, reset=True, trusted=None):
        # X goes to the wrapped estimators untouched (a DataFrame stays one,
        # for their column transformers); only its shape and names are noted.
        if reset:
            validate_data(self, X, skip_check_array=True)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None; pass the given labels."
            )
        # Row indexing (for action="drop" and cv folds) needs e.g. CSR, not COO.
        X = row_indexable(X)
        # Categorical labels come back categorical in label_issues_.
        label_dtype = getattr(y, "dtype", None)
        if not isinstance(label_dtype, pd.CategoricalDtype):
            label_dtype = None
        index = X.index if isinstance(X, pd.DataFrame) else None
        if index is None and isinstance(y, pd.Series):
            index = y.index
        y_values = column_or_1d(as_label_array(y), warn=True)
        check_consistent_length(X, y_values)
        classes, codes = encode_labels(y_values)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, np.empty((len(codes), 0)), ensure_non_negative=True
            )
        trusted = check_trusted(
            trusted, len(codes), who=type(self).__name__, index=index
        )
        return _TrainingData(
            X=X,
            y=y_values,
            codes=codes,
            classes=classes,
            sample_weight=sample_weight,
            index=index if index is not None else pd.RangeIndex(len(codes)),
            label_dtype=label_dtype,
            trusted=trusted,
        )

    def _label_issue_table(self, data: _TrainingData, groups):
        """Return the label-issue table and the detector's extra learned state."""
        found = self._find_label_issues(data, groups)
        is_issue, suggested = found.is_label_issue, found.suggested_codes
        if data.trusted is not None:
            # A person checked these labels: the detector's doubt is overruled.
            is_issue = is_issue & ~data.trusted
            suggested = np.where(data.trusted, data.codes, suggested)
        table = label_issue_table(
            data.classes,
            data.codes,
            suggested,
            found.label_quality,
            is_issue,
            data.index,
        )
        if data.label_dtype is not None:
            for column in ("given_label", "suggested_label"):
                table[column] = table[column].astype(data.label_dtype)
        return table, found.learned

    def _set_detection(self, data: _TrainingData, issues, learned: dict) -> None:
        for name, value in learned.items():
            setattr(self, name, value)
        self.label_issues_ = issues
        self.classes_ = data.classes

    def _check_action_suits_X(self) -> None:
        """Refuse to drop rows of a precomputed kernel, whose columns are rows too."""
        if self.action == "drop" and get_tags(self.estimator).input_tags.pairwise:
            raise ValueError(
                f"action='drop' cannot be used with {type(self.estimator).__name__} "
                "on a precomputed kernel: the final model would be fitted on a "
                "kernel against the kept rows only, and new data does not come "
                "as one. Use action='reweight' or 'relabel'."
            )

    def _apply_action(self, data: _TrainingData, issues: pd.DataFrame):
        """Return ``(X, y, sample_weight, kept)`` for the final fit.

        ``kept`` holds the positions of the input rows that ``X`` keeps, in
        order, so that per-row values (a trusted mask, a Series index) can
        follow them.
        """
        is_issue = issues["is_label_issue"].to_numpy()
        weight = data.sample_weight

        if self.action == "drop":
            keep = np.flatnonzero(~is_issue)
            self._check_classes_survive(data, data.codes[keep])
            X_new = _safe_indexing(data.X, keep)
            y_new = data.classes[data.codes[keep]]
            return X_new, y_new, None if weight is None else weight[keep], keep

        every_row = np.arange(len(data.codes))
        if self.action == "relabel":
            suggested = data.classes.searchsorted(issues["suggested_label"].to_numpy())
            codes = np.where(is_issue, suggested, data.codes)
            self._check_classes_survive(data, codes)
            return data.X, data.classes[codes], weight, every_row

        # reweight: a suspect counts in proportion to how clean it looks.
        quality = np.clip(issues["label_quality"].to_numpy(), 0.0, 1.0)
        factor = np.where(is_issue, quality, 1.0)
        base = np.ones(len(factor)) if weight is None else weight
        return data.X, data.y, base * factor, every_row

    def _check_classes_survive(
        self, data: _TrainingData, new_codes: np.ndarray
    ) -> None:
        """Refuse an action after which a class has no rows left to learn from."""
        n_rows = len(data.codes)
        if new_codes.size == 0:
            raise ValueError(
                f"All {n_rows} rows were flagged as label issues, so "
                "action='drop' leaves nothing to fit; check the detector's "
                "accuracy or use action='reweight'."
            )
        counts = np.bincount(new_codes, minlength=len(data.classes))
        vanished = np.flatnonzero(counts == 0)
        if vanished.size:
            before = np.bincount(data.codes, minlength=len(data.classes))
            detail = ", ".join(
                f"{label_repr(data.classes[k])} (all {before[k]} rows flagged)"
                for k in vanished
            )
            verb = "remove" if self.action == "drop" else "relabel"
            raise ValueError(
                f"action={self.action!r} would {verb} every row of class {detail}; "
                "the final model could never predict it. Use action='reweight', "
                "a better detector, or fewer flags (e.g. a lower frac_noise or "
                "fraction)."
            )

    def _require_sample_weight(self, estimator) -> None:
        if not accepts_sample_weight(estimator):
            raise TypeError(
                f"{type(estimator).__name__}.fit does not accept sample_weight, "
                f"which action={self.action!r} or the given sample_weight needs; "
                "wrap an estimator that does, or pass no sample_weight."
            )

    def _cv_splits(self, data: _TrainingData, groups) -> list:
        """Materialise the folds and check every class is in every training fold."""
        if isinstance(self.cv, Integral):
            check_min_class_count(
                data.codes,
                data.classes,
                self.cv,
                why=f"Out-of-fold detection with cv={self.cv}",
            )
        cv = check_cv(self.cv, data.codes, classifier=is_classifier(self))
        splits = list(cv.split(data.X, data.codes, groups))
        n_rows = len(data.codes)
        times_tested = np.bincount(
            np.concatenate([test for _, test in splits] or [np.empty(0, int)]),
            minlength=n_rows,
        )
        if np.any(times_tested != 1):
            raise ValueError(
                "cv must put every row in exactly one test fold, so that each "
                f"gets one out-of-fold score; {int(np.sum(times_tested == 0))} "
                f"of {n_rows} rows are in none and "
                f"{int(np.sum(times_tested > 1))} in several. Use a K-fold "
                "splitter (e.g. StratifiedKFold) rather than a shuffle-split."
            )
        n_classes = len(data.classes)
        for fold, (train, _) in enumerate(splits):
            present = np.unique(data.codes[train])
            if len(present) < n_classes:
                missing = np.setdiff1d(np.arange(n_classes), present)
                raise ValueError(
                    f"The training part of cv fold {fold} has no rows of class "
                    f"{format_labels(data.classes[missing])}, so the detector "
                    "cannot give it a probability; use a stratified splitter "
                    "or fewer folds."
                )
        return splits

    def _find_label_issues(self, data: _TrainingData, groups):
        raise NotImplementedError

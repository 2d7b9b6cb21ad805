"""Tests for sknoisy.ConfidentCleaner and the shared cleaner behaviour."""

import pickle
import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import torch
from _helpers import (
    COLUMNS,
    ClaimedClassModel,
    SpyClassifier,
    class_c_claimed_as_a,
    logreg,
    tiny_net,
)
from cleanlab.experimental.label_issues_batched import find_label_issues_batched
from imblearn.pipeline import Pipeline as ImbPipeline
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted
from torch import nn

from sknoisy import (
    ConfidentCleaner,
    SmoothedNetClassifier,
    detection_scores,
    find_label_issues,
    inject_label_noise,
)
from sknoisy._confident import batched_confident_issues

# ----------------------------------------------------------------- helpers


# Training row ids seen by every GroupSpyDetector.fit, in call order. Only
# valid with n_jobs=None (folds in this process); cleared by `fold_log`.
_FOLD_LOG = []


class GroupSpyDetector(ClassifierMixin, BaseEstimator):
    """Detector reading a row id from column 0 and learning from the rest."""

    def fit(self, X, y):
        X = np.asarray(X)
        _FOLD_LOG.append(X[:, 0].astype(int))
        self.model_ = LogisticRegression(max_iter=1000).fit(X[:, 1:], y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(np.asarray(X)[:, 1:])

    def predict_proba(self, X):
        return self.model_.predict_proba(np.asarray(X)[:, 1:])


class CountingLinear(nn.Linear):
    """nn.Linear that counts how often its parameters are (re)initialised."""

    n_resets = 0

    def reset_parameters(self):
        type(self).n_resets += 1
        super().reset_parameters()


@pytest.fixture
def fold_log():
    _FOLD_LOG.clear()
    yield _FOLD_LOG
    _FOLD_LOG.clear()


def expected_failed_checks(estimator):
    if isinstance(estimator.estimator, SmoothedNetClassifier):
        return {
            "check_sample_weight_equivalence_on_dense_data": (
                "minibatch training: repeating a row changes the batches and the "
                "number of steps, so weights and repeats give different nets "
                "(SmoothedNetClassifier alone fails it too)"
            ),
        }
    return {
        "check_fit2d_1feature": (
            "the check's 10 rows leave a class with 3 rows, fewer than the 5 "
            "out-of-fold splits of cv=5 need; the cleaner rightly refuses"
        ),
    }


# ---------------------------------------------------------- sklearn checks


@parametrize_with_checks(
    [
        ConfidentCleaner(LogisticRegression()),
        ConfidentCleaner(tiny_net(), cv=3),
    ],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# --------------------------------------------------------------- detection


@pytest.mark.parametrize("seed", [0, 1], ids=["seed0", "seed1"])
@pytest.mark.parametrize(
    ("kind", "min_recall", "min_precision", "min_auroc"),
    [
        # measured min over seeds 0-2: recall 0.891, precision 0.711, auroc 0.968
        ("symmetric", 0.79, 0.61, 0.87),
        # measured min over seeds 0-2: recall 0.827, precision 0.565, auroc 0.875
        ("pair", 0.72, 0.46, 0.77),
    ],
    ids=["symmetric", "pair"],
)
def test_detection_on_digits(
    digits_scaled, kind, seed, min_recall, min_precision, min_auroc
):
    X, y = digits_scaled
    y_noisy, is_flipped = inject_label_noise(y, 0.2, kind=kind, random_state=seed)

    cleaner = ConfidentCleaner(logreg(), cv=5).fit(X, y_noisy)
    issues = cleaner.label_issues_
    scores = detection_scores(
        is_flipped, issues["is_label_issue"], issues["label_quality"]
    )

    assert scores["recall"] > min_recall
    assert scores["precision"] > min_precision
    assert scores["auroc"] > min_auroc


def test_detection_on_digits_with_net_detector(digits_scaled):
    X, y = digits_scaled
    X, y = X[:900], y[:900]
    y_noisy, is_flipped = inject_label_noise(y, 0.2, random_state=0)

    cleaner = ConfidentCleaner(tiny_net(), cv=3).fit(X, y_noisy)
    issues = cleaner.label_issues_
    scores = detection_scores(
        is_flipped, issues["is_label_issue"], issues["label_quality"]
    )

    # measured min over seeds 0-2: recall 0.861, precision 0.671, auroc 0.965
    assert scores["recall"] > 0.76
    assert scores["precision"] > 0.57
    assert scores["auroc"] > 0.86


def test_suggested_label_recovers_true_label(noisy_blobs):
    X, y_noisy, is_flipped, y_true = noisy_blobs

    issues = ConfidentCleaner(logreg()).fit(X, y_noisy).label_issues_
    flagged_flips = is_flipped & issues["is_label_issue"].to_numpy()

    suggested = issues["suggested_label"].to_numpy()
    assert flagged_flips.sum() > 5
    assert np.mean(suggested[flagged_flips] == y_true[flagged_flips]) > 0.7


# ----------------------------------------------------------------- actions


def test_drop_fits_estimator_on_kept_rows_only(noisy_blobs):
    X, y, _, _ = noisy_blobs

    cleaner = ConfidentCleaner(SpyClassifier(), detector=logreg()).fit(X, y)
    keep = ~cleaner.label_issues_["is_label_issue"].to_numpy()
    spy = cleaner.estimator_

    assert 0 < (~keep).sum() < len(y)
    np.testing.assert_array_equal(spy.fit_X_, X[keep])
    np.testing.assert_array_equal(spy.fit_y_, y[keep])
    assert spy.fit_sample_weight_ is None
    assert spy.model_.n_features_in_ == X.shape[1]


def test_drop_keeps_user_weights_of_kept_rows(noisy_blobs):
    X, y, _, _ = noisy_blobs
    sample_weight = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))

    cleaner = ConfidentCleaner(SpyClassifier(), detector=logreg())
    cleaner.fit(X, y, sample_weight=sample_weight)
    keep = ~cleaner.label_issues_["is_label_issue"].to_numpy()

    assert not keep.all()
    np.testing.assert_allclose(
        cleaner.estimator_.fit_sample_weight_, sample_weight[keep]
    )


def test_relabel_fits_all_rows_with_suggested_labels(noisy_blobs):
    X, y, _, _ = noisy_blobs

    cleaner = ConfidentCleaner(SpyClassifier(), detector=logreg(), action="relabel")
    cleaner.fit(X, y)
    issues = cleaner.label_issues_
    is_issue = issues["is_label_issue"].to_numpy()
    expected = np.where(is_issue, issues["suggested_label"].to_numpy(), y)

    spy = cleaner.estimator_
    assert is_issue.any()
    np.testing.assert_array_equal(spy.fit_X_, X)
    np.testing.assert_array_equal(spy.fit_y_, expected)
    assert np.any(spy.fit_y_ != y)


@pytest.mark.parametrize("user_weight", [False, True], ids=["unweighted", "weighted"])
def test_reweight_multiplies_flagged_weights_by_quality(noisy_blobs, user_weight):
    X, y, _, _ = noisy_blobs
    sample_weight = (
        np.random.RandomState(0).uniform(0.5, 2.0, size=len(y)) if user_weight else None
    )

    cleaner = ConfidentCleaner(SpyClassifier(), detector=logreg(), action="reweight")
    cleaner.fit(X, y, sample_weight=sample_weight)
    issues = cleaner.label_issues_
    is_issue = issues["is_label_issue"].to_numpy()
    base = np.ones(len(y)) if sample_weight is None else sample_weight
    expected = base * np.where(is_issue, issues["label_quality"].to_numpy(), 1.0)

    spy = cleaner.estimator_
    assert is_issue.any()
    np.testing.assert_array_equal(spy.fit_y_, y)
    np.testing.assert_allclose(spy.fit_sample_weight_, expected)
    assert np.all(spy.fit_sample_weight_[is_issue] < base[is_issue])


def test_reweight_needs_estimator_with_sample_weight(noisy_blobs):
    X, y, _, _ = noisy_blobs
    cleaner = ConfidentCleaner(
        KNeighborsClassifier(), detector=logreg(), action="reweight"
    )

    with pytest.raises(TypeError, match="sample_weight"):
        cleaner.fit(X, y)


# ------------------------------------------------------------ label_issues_


def test_label_issues_table_layout(noisy_blobs):
    X, y, _, _ = noisy_blobs

    issues = ConfidentCleaner(logreg()).fit(X, y).label_issues_

    assert list(issues.columns) == COLUMNS
    assert len(issues) == len(y)
    pd.testing.assert_index_equal(issues.index, pd.RangeIndex(len(y)))
    np.testing.assert_array_equal(issues["given_label"].to_numpy(), y)
    assert issues["is_label_issue"].dtype == bool
    assert issues["label_quality"].between(0, 1).all()
    # The flagged rows look less clean than the rest.
    flagged = issues["is_label_issue"]
    assert (
        issues.loc[flagged, "label_quality"].mean()
        < issues.loc[~flagged, "label_quality"].mean()
    )


@pytest.mark.parametrize(
    "make_index",
    [
        lambda n: pd.Index([f"row{i}" for i in range(n)]),
        lambda n: pd.Index(np.random.RandomState(0).permutation(n) + 1000),
    ],
    ids=["string-index", "shuffled-int-index"],
)
def test_label_issues_take_dataframe_index(noisy_blobs, make_index):
    X, y, _, _ = noisy_blobs
    index = make_index(len(y))
    X_df = pd.DataFrame(X, columns=["a", "b"], index=index)

    cleaner = ConfidentCleaner(logreg()).fit(X_df, y)
    issues = cleaner.label_issues_

    pd.testing.assert_index_equal(issues.index, index)
    np.testing.assert_array_equal(issues["given_label"].to_numpy(), y)
    np.testing.assert_array_equal(cleaner.feature_names_in_, ["a", "b"])
    np.testing.assert_array_equal(
        cleaner.predict(X_df), cleaner.estimator_.predict(X_df)
    )


def test_label_issues_take_series_index_with_numpy_X(noisy_blobs):
    X, y, _, _ = noisy_blobs
    index = pd.Index([f"id{i}" for i in range(len(y))][::-1])
    y_series = pd.Series(y, index=index, name="target")

    issues = ConfidentCleaner(logreg()).fit(X, y_series).label_issues_

    pd.testing.assert_index_equal(issues.index, index)
    np.testing.assert_array_equal(issues["given_label"].to_numpy(), y)


@pytest.mark.parametrize(
    "names",
    [np.array(["cat", "dog", "eel"]), np.array([3, 7, 20])],
    ids=["strings", "int-gaps"],
)
def test_labels_of_any_type_end_to_end(noisy_blobs, names):
    X, codes, _, _ = noisy_blobs
    y = names[codes]

    cleaner = ConfidentCleaner(logreg(), action="relabel").fit(X, y)
    issues = cleaner.label_issues_

    np.testing.assert_array_equal(cleaner.classes_, names)
    np.testing.assert_array_equal(issues["given_label"].to_numpy(), y)
    assert set(issues["suggested_label"]) <= set(names)
    assert set(cleaner.predict(X)) <= set(names)
    np.testing.assert_array_equal(cleaner.estimator_.classes_, names)
    assert cleaner.score(X, y) > 0.6


def test_string_labels_with_net_estimator(noisy_blobs):
    X, codes, _, _ = noisy_blobs
    y = np.array(["cat", "dog", "eel"])[codes]
    X = StandardScaler().fit_transform(X)

    cleaner = ConfidentCleaner(tiny_net(), cv=3).fit(X, y)

    np.testing.assert_array_equal(cleaner.classes_, ["cat", "dog", "eel"])
    assert set(cleaner.label_issues_["suggested_label"]) <= {"cat", "dog", "eel"}
    assert cleaner.predict(X).dtype.kind == "U"


# ------------------------------------------------------- find_label_issues


def test_find_label_issues_matches_fit_and_fits_nothing(noisy_blobs):
    X, y, _, _ = noisy_blobs

    fitted = ConfidentCleaner(logreg()).fit(X, y)
    cleaner = ConfidentCleaner(logreg())
    table = cleaner.find_label_issues(X, y)

    pd.testing.assert_frame_equal(table, fitted.label_issues_)
    assert not hasattr(cleaner, "label_issues_")
    assert not hasattr(cleaner, "estimator_")
    with pytest.raises(NotFittedError):
        cleaner.predict(X)


def test_find_label_issues_leaves_fitted_cleaner_unchanged(noisy_blobs):
    X, y, _, _ = noisy_blobs
    cleaner = ConfidentCleaner(logreg()).fit(X, y)
    before = {k: v for k, v in vars(cleaner).items() if k.endswith("_")}

    cleaner.find_label_issues(X[:90], y[:90])

    after = {k: v for k, v in vars(cleaner).items() if k.endswith("_")}
    assert after.keys() == before.keys()
    for name, value in before.items():
        assert after[name] is value, name


# ------------------------------------------------------------ fit_resample


def test_fit_resample_drop_returns_kept_rows(noisy_blobs):
    X, y, _, _ = noisy_blobs

    cleaner = ConfidentCleaner(logreg())
    X_res, y_res = cleaner.fit_resample(X, y)
    keep = ~cleaner.label_issues_["is_label_issue"].to_numpy()

    assert len(X_res) < len(X)
    np.testing.assert_array_equal(X_res, X[keep])
    np.testing.assert_array_equal(y_res, y[keep])
    assert not hasattr(cleaner, "estimator_")


def test_fit_resample_keeps_pandas_types_and_index(noisy_blobs):
    X, y, _, _ = noisy_blobs
    index = pd.Index([f"r{i}" for i in range(len(y))])
    X_df = pd.DataFrame(X, columns=["a", "b"], index=index)
    y_series = pd.Series(y, index=index, name="target")

    cleaner = ConfidentCleaner(logreg())
    X_res, y_res = cleaner.fit_resample(X_df, y_series)
    keep = ~cleaner.label_issues_["is_label_issue"].to_numpy()

    assert isinstance(X_res, pd.DataFrame)
    assert isinstance(y_res, pd.Series)
    assert y_res.name == "target"
    pd.testing.assert_index_equal(X_res.index, index[keep])
    pd.testing.assert_index_equal(y_res.index, index[keep])
    pd.testing.assert_frame_equal(X_res, X_df[keep])


def test_fit_resample_relabel_returns_every_row(noisy_blobs):
    X, y, _, _ = noisy_blobs

    cleaner = ConfidentCleaner(logreg(), action="relabel")
    X_res, y_res = cleaner.fit_resample(X, y)
    issues = cleaner.label_issues_
    is_issue = issues["is_label_issue"].to_numpy()

    assert is_issue.any()
    np.testing.assert_array_equal(X_res, X)
    np.testing.assert_array_equal(
        y_res, np.where(is_issue, issues["suggested_label"].to_numpy(), y)
    )


def test_fit_resample_refuses_reweight(noisy_blobs):
    X, y, _, _ = noisy_blobs

    with pytest.raises(ValueError, match="reweight"):
        ConfidentCleaner(logreg(), action="reweight").fit_resample(X, y)


def test_cleaner_as_imblearn_sampler(noisy_blobs):
    X, y, _, _ = noisy_blobs
    pipe = ImbPipeline(
        [("clean", ConfidentCleaner(logreg())), ("clf", SpyClassifier())]
    )

    pipe.fit(X, y)
    cleaner = pipe.named_steps["clean"]
    n_kept = (~cleaner.label_issues_["is_label_issue"]).sum()

    assert len(pipe.named_steps["clf"].fit_y_) == n_kept < len(y)
    assert not hasattr(cleaner, "estimator_")
    assert pipe.score(X, y) > 0.6


# -------------------------------------------------------------- delegation


def test_methods_delegate_to_estimator(noisy_blobs):
    X, y, _, _ = noisy_blobs

    cleaner = ConfidentCleaner(logreg()).fit(X, y)
    inner = cleaner.estimator_

    np.testing.assert_array_equal(cleaner.classes_, inner.classes_)
    np.testing.assert_array_equal(cleaner.predict(X), inner.predict(X))
    np.testing.assert_array_equal(cleaner.predict_proba(X), inner.predict_proba(X))
    np.testing.assert_array_equal(
        cleaner.predict_log_proba(X), inner.predict_log_proba(X)
    )
    np.testing.assert_array_equal(
        cleaner.decision_function(X), inner.decision_function(X)
    )
    assert cleaner.score(X, y) == inner.score(X, y)


def test_no_predict_proba_without_one_in_estimator(noisy_blobs):
    X, y, _, _ = noisy_blobs
    cleaner = ConfidentCleaner(LinearSVC(), detector=logreg())

    assert not hasattr(cleaner, "predict_proba")
    cleaner.fit(X, y)

    assert not hasattr(cleaner, "predict_proba")
    assert isinstance(cleaner.estimator_, LinearSVC)
    np.testing.assert_array_equal(
        cleaner.decision_function(X), cleaner.estimator_.decision_function(X)
    )


def test_estimator_without_predict_proba_needs_detector(noisy_blobs):
    X, y, _, _ = noisy_blobs

    with pytest.raises(TypeError, match="predict_proba"):
        ConfidentCleaner(LinearSVC()).fit(X, y)


def test_detector_without_predict_proba_is_rejected(noisy_blobs):
    X, y, _, _ = noisy_blobs

    with pytest.raises(InvalidParameterError, match="predict_proba"):
        ConfidentCleaner(logreg(), detector=LinearSVC()).fit(X, y)


# ---------------------------------------------------------------------- cv


@pytest.mark.parametrize(
    "cv",
    [3, StratifiedKFold(3, shuffle=True, random_state=0)],
    ids=["int", "shuffled-stratified"],
)
def test_cv_options(noisy_blobs, cv):
    X, y, is_flipped, _ = noisy_blobs

    cleaner = ConfidentCleaner(logreg(), cv=cv).fit(X, y)
    issues = cleaner.label_issues_

    assert cleaner.pred_probs_.shape == (len(y), 3)
    np.testing.assert_allclose(cleaner.pred_probs_.sum(axis=1), 1.0)
    assert detection_scores(is_flipped, issues["is_label_issue"])["recall"] > 0.5


def test_shuffled_cv_is_used(noisy_blobs):
    X, y, _, _ = noisy_blobs

    plain = ConfidentCleaner(logreg(), cv=3).fit(X, y)
    shuffled = ConfidentCleaner(
        logreg(), cv=StratifiedKFold(3, shuffle=True, random_state=0)
    ).fit(X, y)

    assert not np.allclose(plain.pred_probs_, shuffled.pred_probs_)


def _grouped_data():
    """90 rows ordered by class, 9 groups that each hold every class.

    Column 0 is the row id read by GroupSpyDetector.
    """
    X, y = (
        StandardScaler().fit_transform(np.random.RandomState(0).normal(size=(90, 2))),
        np.repeat([0, 1, 2], 30),
    )
    X[:, 0] += y
    X = np.column_stack([np.arange(90), X])
    groups = np.arange(90) % 9
    return X, y, groups


def _assert_folds_respect_groups(fold_log, groups, n_splits):
    assert len(fold_log) == n_splits
    held_out = []
    for train in fold_log:
        test = np.setdiff1d(np.arange(len(groups)), train)
        assert not set(groups[train]) & set(groups[test])
        held_out.append(test)
    np.testing.assert_array_equal(np.sort(np.concatenate(held_out)), np.arange(90))


def test_group_kfold_uses_groups(fold_log):
    X, y, groups = _grouped_data()
    cleaner = ConfidentCleaner(logreg(), detector=GroupSpyDetector(), cv=GroupKFold(3))

    cleaner.fit(X, y, groups=groups)

    _assert_folds_respect_groups(fold_log, groups, 3)
    assert len(cleaner.label_issues_) == len(y)


def test_group_kfold_without_groups_fails():
    X, y, _ = _grouped_data()
    cleaner = ConfidentCleaner(logreg(), cv=GroupKFold(3))

    with pytest.raises(ValueError, match="groups"):
        cleaner.fit(X, y)


def test_groups_pass_through_pipeline(fold_log):
    X, y, groups = _grouped_data()
    pipe = make_pipeline(
        FunctionTransformer(),
        ConfidentCleaner(logreg(), detector=GroupSpyDetector(), cv=GroupKFold(3)),
    )

    pipe.fit(X, y, confidentcleaner__groups=groups)

    _assert_folds_respect_groups(fold_log, groups, 3)


def test_find_label_issues_uses_groups(fold_log):
    X, y, groups = _grouped_data()
    cleaner = ConfidentCleaner(logreg(), detector=GroupSpyDetector(), cv=GroupKFold(3))

    cleaner.find_label_issues(X, y, groups=groups)

    _assert_folds_respect_groups(fold_log, groups, 3)


def test_parallel_folds_give_same_table(noisy_blobs):
    X, y, _, _ = noisy_blobs

    serial = ConfidentCleaner(logreg(), n_jobs=1).fit(X, y)
    parallel = ConfidentCleaner(logreg(), n_jobs=2).fit(X, y)

    pd.testing.assert_frame_equal(serial.label_issues_, parallel.label_issues_)
    np.testing.assert_allclose(serial.pred_probs_, parallel.pred_probs_)


# -------------------------------------------------------------- large data


@pytest.mark.parametrize("kind", ["symmetric", "pair"])
def test_low_memory_flags_nearly_the_same_rows(digits_scaled, kind):
    X, y = digits_scaled
    y_noisy, is_flipped = inject_label_noise(y, 0.2, kind=kind, random_state=0)

    low = ConfidentCleaner(logreg(), cv=5, low_memory=True).fit(X, y_noisy)
    # What the default cleaner decides from the same probabilities.
    default = find_label_issues(y_noisy, low.pred_probs_)

    pd.testing.assert_series_equal(
        low.label_issues_["label_quality"], default["label_quality"]
    )
    flags = default["is_label_issue"].to_numpy()
    low_flags = low.label_issues_["is_label_issue"].to_numpy()
    # measured over seeds 0-2: the masks agree on 0.923-0.951 of the rows;
    # low_memory flags 12-16 % fewer, 0.925-0.964 of them flagged by both;
    # detection F1 0.84-0.87 (symmetric) and 0.64-0.67 (pair)
    assert (flags == low_flags).mean() > 0.9
    assert 0.75 * flags.sum() < low_flags.sum() <= flags.sum()
    assert flags[low_flags].mean() > 0.9
    min_f1 = {"symmetric": 0.78, "pair": 0.58}[kind]
    assert detection_scores(is_flipped, low_flags)["f1"] > min_f1


def test_low_memory_follows_cleanlabs_batched_estimator(tmp_path):
    rng = np.random.default_rng(0)
    n_rows, n_classes = 3000, 7
    codes = rng.integers(0, n_classes, n_rows)
    logits = rng.normal(size=(n_rows, n_classes))
    logits[np.arange(n_rows), codes] += 2.0
    flipped = rng.random(n_rows) < 0.2
    codes[flipped] = rng.integers(0, n_classes, flipped.sum())
    pred_probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    on_disk = np.lib.format.open_memmap(
        tmp_path / "pred_probs.npy", mode="w+", shape=pred_probs.shape
    )
    on_disk[:] = pred_probs
    on_disk.flush()
    on_disk = np.load(tmp_path / "pred_probs.npy", mmap_mode="r")

    expected = find_label_issues_batched(
        codes, pred_probs, verbose=False, return_mask=True
    )
    # An odd block size, so the last block is short and no block is aligned.
    is_issue, _ = batched_confident_issues(
        codes, on_disk, min_examples_per_class=0, block_rows=977
    )

    assert expected.any()
    np.testing.assert_array_equal(is_issue, expected)


def test_low_memory_keeps_min_examples_per_class(noisy_blobs):
    X, y, _, _ = noisy_blobs
    cleaner = ConfidentCleaner(logreg(), low_memory=True, min_examples_per_class=0)
    min_kept = 48

    loose = cleaner.find_label_issues(X, y)["is_label_issue"]
    cleaner.set_params(min_examples_per_class=min_kept)
    strict = cleaner.find_label_issues(X, y)["is_label_issue"]

    assert strict.sum() < loose.sum()
    assert not (strict & ~loose).any()
    kept, sizes = np.bincount(y[~strict.to_numpy()]), np.bincount(y)
    assert np.all(kept >= np.minimum(sizes, min_kept))


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"filter_by": "both"}, "filter_by='both'"),
        ({"frac_noise": 0.5}, "frac_noise=0.5"),
    ],
    ids=["filter_by", "frac_noise"],
)
def test_low_memory_refuses_options_it_cannot_honour(noisy_blobs, params, named):
    X, y, _, _ = noisy_blobs
    cleaner = ConfidentCleaner(SpyClassifier(), low_memory=True, **params)

    with pytest.raises(ValueError, match=re.escape(named)):
        cleaner.fit(X, y)
    assert not hasattr(cleaner, "estimator_")


def test_memmap_X_gives_the_in_memory_result(noisy_blobs, tmp_path):
    X, y, _, _ = noisy_blobs
    on_disk = np.lib.format.open_memmap(
        tmp_path / "X.npy", mode="w+", dtype=X.dtype, shape=X.shape
    )
    on_disk[:] = X
    on_disk.flush()
    on_disk = np.load(tmp_path / "X.npy", mmap_mode="r")

    in_memory = ConfidentCleaner(logreg(), low_memory=True).fit(X, y)
    mapped = ConfidentCleaner(logreg(), low_memory=True, n_jobs=2).fit(on_disk, y)

    pd.testing.assert_frame_equal(mapped.label_issues_, in_memory.label_issues_)
    np.testing.assert_allclose(mapped.pred_probs_, in_memory.pred_probs_)


# ------------------------------------------------------------------ errors


def test_single_class_is_rejected(noisy_blobs):
    X, _, _, _ = noisy_blobs

    with pytest.raises(ValueError, match="class"):
        ConfidentCleaner(logreg()).fit(X, np.zeros(len(X), dtype=int))


def test_class_smaller_than_cv_is_named(noisy_blobs):
    X, codes, _, _ = noisy_blobs
    y = np.array(["cat", "dog", "eel"])[codes].astype(object)
    y[:2] = "rare"

    with pytest.raises(ValueError, match=r"'rare'.*\b2 rows") as info:
        ConfidentCleaner(logreg(), cv=5).fit(X, y)
    assert "cv=5" in str(info.value)


def _too_few_rows(labels):
    """Class ``labels[2]`` has 2 rows, fewer than cv=5 needs."""
    codes = np.repeat([0, 1], 30)
    codes[:2] = 2
    X = np.random.RandomState(0).normal(size=(60, 2))
    return ConfidentCleaner(logreg(), cv=5), X, labels[codes], "(2 rows)"


def _whole_class_flagged(labels):
    """The adversarial detector flags all 20 rows of class ``labels[2]``."""
    X, y = class_c_claimed_as_a()
    cleaner = ConfidentCleaner(
        logreg(), detector=ClaimedClassModel(), filter_by="predicted_neq_given"
    )
    codes = np.searchsorted(["a", "b", "c"], y)
    return cleaner, X, labels[codes], "(all 20 rows flagged)"


@pytest.mark.parametrize(
    "make_case", [_too_few_rows, _whole_class_flagged], ids=["cv", "drop"]
)
@pytest.mark.parametrize(
    ("labels", "shown"),
    [(np.array(["cat", "dog", "rare"]), "'rare'"), (np.array([3, 7, 9]), "9")],
    ids=["strings", "ints"],
)
def test_error_names_class_as_user_wrote_it(labels, shown, make_case):
    # numpy >= 2 reprs scalars as np.str_('rare') / np.int64(9); a message
    # for the user should show the label itself, as format_labels does.
    cleaner, X, y, detail = make_case(labels)

    with pytest.raises(ValueError, match=re.escape(detail)) as info:
        cleaner.fit(X, y)
    message = str(info.value)
    assert f"{shown} {detail}" in message
    assert "np." not in message


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("action", "delete"),
        ("filter_by", "no_such_filter"),
        ("frac_noise", 0.0),
        ("frac_noise", 1.5),
        ("cv", "five"),
        ("quality_method", "loss"),
        ("low_memory", "yes"),
    ],
    ids=[
        "action",
        "filter_by",
        "frac_noise-zero",
        "frac_noise-big",
        "cv",
        "quality",
        "low_memory",
    ],
)
def test_bad_parameter_is_rejected(noisy_blobs, param, value):
    X, y, _, _ = noisy_blobs
    cleaner = ConfidentCleaner(logreg()).set_params(**{param: value})

    with pytest.raises(InvalidParameterError, match=re.escape(param)):
        cleaner.fit(X, y)
    with pytest.raises(ValueError, match=re.escape(param)):
        cleaner.find_label_issues(X, y)


def test_drop_refuses_to_remove_a_whole_class():
    X, y = class_c_claimed_as_a()
    cleaner = ConfidentCleaner(
        logreg(), detector=ClaimedClassModel(), filter_by="predicted_neq_given"
    )

    with pytest.raises(ValueError, match=r"'c'.*all 20 rows") as info:
        cleaner.fit(X, y)
    assert "'a'" not in str(info.value)
    assert "'b'" not in str(info.value)


def test_relabel_emptying_a_class_is_refused_naming_it():
    X, y = class_c_claimed_as_a()
    cleaner = ConfidentCleaner(
        logreg(),
        detector=ClaimedClassModel(),
        filter_by="predicted_neq_given",
        action="relabel",
    )

    issues = cleaner.find_label_issues(X, y)
    np.testing.assert_array_equal(issues["is_label_issue"], y == "c")
    np.testing.assert_array_equal(issues["suggested_label"], np.where(y == "c", "a", y))
    # Relabelling every 'c' would leave the final model unable to predict it,
    # exactly as dropping them would: both are refused with the class named.
    with pytest.raises(ValueError, match=r"relabel every row of class 'c'"):
        cleaner.fit(X, y)
    assert not hasattr(cleaner, "estimator_")


def test_y_none_is_rejected(noisy_blobs):
    X, _, _, _ = noisy_blobs

    with pytest.raises(ValueError, match="requires y"):
        ConfidentCleaner(logreg()).fit(X, None)
    with pytest.raises(ValueError, match="requires y"):
        ConfidentCleaner(logreg()).find_label_issues(X, None)


def test_mismatched_lengths_are_rejected(noisy_blobs):
    X, y, _, _ = noisy_blobs

    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        ConfidentCleaner(logreg()).fit(X, y[:-1])
    with pytest.raises(ValueError, match="sample_weight"):
        ConfidentCleaner(logreg()).fit(X, y, sample_weight=np.ones(len(y) - 1))


@pytest.mark.filterwarnings("ignore::scipy.sparse.SparseEfficiencyWarning")
@pytest.mark.parametrize(
    "make_sparse",
    ["coo_matrix", "dia_array", "bsr_array", "csc_matrix"],
)
def test_sparse_X_of_any_format_with_drop(noisy_blobs, make_sparse):
    # LogisticRegression takes every scipy format, so the cleaner says it
    # supports sparse input; dropping rows must not need a subscriptable X.
    X, y, _, _ = noisy_blobs
    X_sparse = getattr(scipy.sparse, make_sparse)(X)

    cleaner = ConfidentCleaner(logreg()).fit(X_sparse, y)

    n_kept = (~cleaner.label_issues_["is_label_issue"]).sum()
    assert cleaner.estimator_.n_features_in_ == X.shape[1]
    assert n_kept < len(y)


# ------------------------------------------------------------ grid search


def test_grid_search_over_action_and_net_params(noisy_blobs):
    X, y, _, y_true = noisy_blobs
    net = tiny_net(lr=1e-2, batch_size=32)
    pipe = make_pipeline(StandardScaler(), ConfidentCleaner(net, cv=3))
    grid = {
        "confidentcleaner__action": ["drop", "relabel"],
        "confidentcleaner__estimator__label_smoothing": [0.0, 0.1],
    }

    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)

    assert set(search.best_params_) == set(grid)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_[-1]
    assert best.action == search.best_params_["confidentcleaner__action"]
    assert (
        best.estimator_.label_smoothing
        == search.best_params_["confidentcleaner__estimator__label_smoothing"]
    )
    assert set(search.predict(X)) <= {0, 1, 2}
    assert search.score(X, y_true) > 0.7  # measured 0.83


# ------------------------------------------------- clone, pickle, determinism


@pytest.mark.parametrize("make_estimator", [logreg, tiny_net], ids=["logreg", "net"])
def test_pickle_round_trip(noisy_blobs, make_estimator):
    X, y, _, _ = noisy_blobs
    cleaner = ConfidentCleaner(make_estimator(), cv=3).fit(X, y)

    restored = pickle.loads(pickle.dumps(cleaner))

    np.testing.assert_array_equal(restored.predict(X), cleaner.predict(X))
    np.testing.assert_array_equal(restored.predict_proba(X), cleaner.predict_proba(X))
    pd.testing.assert_frame_equal(restored.label_issues_, cleaner.label_issues_)


def test_clone_of_fitted_cleaner_refits_identically(noisy_blobs):
    X, y, _, _ = noisy_blobs
    cleaner = ConfidentCleaner(tiny_net(), cv=3).fit(X, y)

    copy = clone(cleaner)

    assert not hasattr(copy, "estimator_")
    assert not hasattr(copy, "label_issues_")
    copy.fit(X, y)
    np.testing.assert_array_equal(copy.predict_proba(X), cleaner.predict_proba(X))
    pd.testing.assert_frame_equal(copy.label_issues_, cleaner.label_issues_)


def test_user_estimator_is_left_alone(noisy_blobs):
    X, y, _, _ = noisy_blobs
    estimator = LogisticRegression(C=0.5, max_iter=500)
    detector = LogisticRegression(C=2.0, max_iter=500)
    params = (estimator.get_params(), detector.get_params())
    state = (dict(vars(estimator)), dict(vars(detector)))

    cleaner = ConfidentCleaner(estimator, detector=detector).fit(X, y)

    assert cleaner.estimator is estimator
    assert cleaner.detector is detector
    assert cleaner.estimator_ is not estimator
    assert (estimator.get_params(), detector.get_params()) == params
    assert (vars(estimator), vars(detector)) == state
    for user_model in (estimator, detector):
        with pytest.raises(NotFittedError):
            check_is_fitted(user_model)


def test_two_fits_with_same_seeds_agree(noisy_blobs):
    X, y, _, _ = noisy_blobs
    X = StandardScaler().fit_transform(X)

    first = ConfidentCleaner(tiny_net(), cv=3).fit(X, y)
    second = ConfidentCleaner(tiny_net(), cv=3).fit(X, y)

    pd.testing.assert_frame_equal(first.label_issues_, second.label_issues_)
    np.testing.assert_array_equal(first.pred_probs_, second.pred_probs_)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))


def test_net_detector_starts_fresh_in_every_fold(noisy_blobs):
    X, y, _, _ = noisy_blobs
    X = StandardScaler().fit_transform(X).astype(np.float32)
    template = nn.Sequential(CountingLinear(2, 16), nn.ReLU(), CountingLinear(16, 3))
    user_weights = {k: v.clone() for k, v in template.state_dict().items()}
    CountingLinear.n_resets = 0

    cleaner = ConfidentCleaner(tiny_net(module=template), cv=3).fit(X, y)

    # Two layers re-initialised in each of 3 folds and in the final fit.
    assert CountingLinear.n_resets == 2 * (3 + 1)
    for name, value in template.state_dict().items():
        assert torch.equal(value, user_weights[name]), name
    trained = cleaner.estimator_.net_.module_
    assert trained is not template
    assert not torch.equal(trained[0].weight.detach().cpu(), user_weights["0.weight"])
    assert cleaner.estimator.module is template

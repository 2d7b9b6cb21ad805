"""Bad input across the estimators: clear errors, nothing half-fitted.

Each case feeds one kind of bad input and checks that the error names the
problem and that the estimator is left exactly as it was before the call.
"""

import numpy as np
import pandas as pd
import pytest
import torch
from _helpers import SpyClassifier
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from torch import nn

from sknoisy import (
    ConfidentCleaner,
    LossRankFilter,
    MemorizationStopper,
    SmoothedNetClassifier,
)


def tiny_net(**params):
    return SmoothedNetClassifier((8,), max_epochs=3, random_state=0, **params)


@pytest.fixture
def Xy():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    y = np.array([0, 1, 2] * 20)
    return X, y


class NaNProba(ClassifierMixin, BaseEstimator):
    """A classifier whose probabilities are all NaN."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), np.nan)


# ------------------------------------------------------------- numbers


def test_value_beyond_float32_is_refused_at_fit_and_predict(Xy):
    X, y = Xy
    X_big = X.copy()
    X_big[4, 2] = 1e39
    with pytest.raises(ValueError, match=r"float32's range.*row 4, column 2"):
        tiny_net().fit(X_big, y)

    net = tiny_net().fit(X, y)
    with pytest.raises(ValueError, match="float32"):
        net.predict(X_big)


def test_divergence_raises_and_leaves_the_net_unfitted(Xy):
    X, y = Xy
    net = tiny_net(lr=1e30)
    with pytest.raises(ValueError, match=r"diverged.*Lower lr"):
        net.fit(X * 1e6, y)
    with pytest.raises(NotFittedError):
        net.predict(X)


def test_non_numeric_dataframe_column_is_named(Xy):
    X, y = Xy
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["colour"] = ["red", "blue", "green"] * 20
    with pytest.raises(ValueError, match=r"'colour' \((object|str)\).*OneHotEncoder"):
        tiny_net().fit(frame, y)


@pytest.mark.parametrize("device", ["meta", "mps", "tpu"])
def test_unsupported_device_is_refused(Xy, device):
    X, y = Xy
    with pytest.raises(ValueError, match=rf"device='{device}' is not supported"):
        tiny_net(device=device).fit(X, y)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_missing_cuda_ordinal_is_refused(Xy):
    X, y = Xy
    with pytest.raises(ValueError, match="does not exist"):
        tiny_net(device=f"cuda:{torch.cuda.device_count()}").fit(X, y)


# -------------------------------------------------------------- labels


@pytest.mark.parametrize(
    ("make_y", "dtype"),
    [
        (lambda y: pd.Series(y, dtype="Int64"), np.int64),
        (lambda y: pd.Series(y == 1, dtype="boolean"), np.bool_),
        (lambda y: pd.Series(list(y), dtype=object), np.int64),
    ],
    ids=["nullable-int", "nullable-bool", "object-ints"],
)
@pytest.mark.parametrize(
    "make_estimator",
    [
        tiny_net,
        lambda: ConfidentCleaner(LogisticRegression(), cv=3),
        lambda: LossRankFilter(LogisticRegression(), fraction=0.1),
    ],
    ids=["net", "confident", "loss-rank"],
)
def test_pandas_label_dtypes_keep_their_type(Xy, make_y, dtype, make_estimator):
    X, y = Xy
    fitted = make_estimator().fit(X, make_y(y))
    assert fitted.classes_.dtype == dtype
    assert fitted.predict(X).dtype == dtype


@pytest.mark.parametrize(
    "make_estimator",
    [tiny_net, lambda: ConfidentCleaner(LogisticRegression(), cv=3)],
    ids=["net", "confident"],
)
def test_missing_labels_are_counted(Xy, make_estimator):
    X, _ = Xy
    y = pd.Series(["a", "b", None] * 20, dtype="string")
    y.iloc[2::3] = ["a", "b"] * 10
    y.iloc[7] = None
    with pytest.raises(ValueError, match=r"1 missing label\(s\), first at position 7"):
        make_estimator().fit(X, y)


def test_empty_y_says_zero_samples():
    cleaner = ConfidentCleaner(LogisticRegression())
    with pytest.raises(ValueError, match="0 samples"):
        cleaner.fit(np.empty((0, 3)), np.array([]))


def test_partial_fit_rejects_mixed_type_classes(Xy):
    X, y = Xy
    with pytest.raises(TypeError, match="one comparable type"):
        tiny_net().partial_fit(X, y, classes=[0, 1, "a"])


# ------------------------------------------------- state after failures


@pytest.mark.parametrize(
    "make_estimator",
    [
        tiny_net,
        lambda: ConfidentCleaner(LogisticRegression(), cv=3),
        lambda: LossRankFilter(LogisticRegression(), fraction=0.1),
        lambda: MemorizationStopper(tiny_net(), max_epochs=3, random_state=0),
    ],
    ids=["net", "confident", "loss-rank", "stopper"],
)
def test_failed_refit_keeps_the_previous_model(Xy, make_estimator):
    X, y = Xy
    estimator = make_estimator().fit(X, y)
    before = estimator.predict_proba(X)
    n_features = estimator.n_features_in_

    with pytest.raises(ValueError):
        estimator.fit(np.random.RandomState(1).randn(60, 5), np.zeros(60))

    assert estimator.n_features_in_ == n_features
    np.testing.assert_array_equal(estimator.predict_proba(X), before)


@pytest.mark.parametrize(
    "make_estimator",
    [tiny_net, lambda: ConfidentCleaner(LogisticRegression(), cv=3)],
    ids=["net", "confident"],
)
def test_failed_first_fit_leaves_the_estimator_unfitted(Xy, make_estimator):
    X, _ = Xy
    estimator = make_estimator()
    with pytest.raises(ValueError):
        estimator.fit(X, np.zeros(len(X)))
    assert not hasattr(estimator, "n_features_in_")
    with pytest.raises(NotFittedError):
        estimator.predict(X)


class InterruptOnCall(nn.Module):
    """Linear model that raises KeyboardInterrupt on one forward call."""

    calls = 0
    interrupt_at = None

    def __init__(self, n_features, n_classes):
        super().__init__()
        self.linear = nn.Linear(n_features, n_classes)

    def forward(self, X):
        InterruptOnCall.calls += 1
        if InterruptOnCall.calls == InterruptOnCall.interrupt_at:
            raise KeyboardInterrupt
        return self.linear(X)


def test_keyboard_interrupt_mid_epoch_changes_nothing(Xy):
    X, y = Xy
    InterruptOnCall.calls, InterruptOnCall.interrupt_at = 0, None
    net = tiny_net(module=InterruptOnCall, batch_size=4).partial_fit(X, y)
    weights = net.net_.module_.linear.weight.detach().clone()
    n_history = len(net.net_.history)

    InterruptOnCall.interrupt_at = InterruptOnCall.calls + 5
    with pytest.raises(KeyboardInterrupt):
        net.partial_fit(X, y)

    assert torch.equal(net.net_.module_.linear.weight, weights)
    assert len(net.net_.history) == n_history == net.n_epochs_


def test_keyboard_interrupt_in_first_fit_leaves_it_unfitted(Xy):
    X, y = Xy
    InterruptOnCall.calls, InterruptOnCall.interrupt_at = 0, 7
    net = tiny_net(module=InterruptOnCall, batch_size=4)
    with pytest.raises(KeyboardInterrupt):
        net.fit(X, y)
    assert not hasattr(net, "net_")
    with pytest.raises(NotFittedError):
        net.predict(X)


def test_partial_fit_validates_parameters_on_every_call(Xy):
    X, y = Xy
    net = tiny_net().partial_fit(X, y)
    net.set_params(label_smoothing=5.0)
    with pytest.raises(InvalidParameterError, match="label_smoothing"):
        net.partial_fit(X, y)


# ------------------------------------------------- detectors and rankers


def test_detector_with_nan_probabilities_is_named(Xy):
    X, y = Xy
    cleaner = ConfidentCleaner(LogisticRegression(), detector=NaNProba(), cv=3)
    with pytest.raises(ValueError, match=r"detector NaNProba returned unusable"):
        cleaner.fit(X, y)
    assert not hasattr(cleaner, "label_issues_")


@pytest.mark.parametrize("fraction", [0.2, "auto"], ids=["fixed", "auto"])
def test_ranker_with_nan_probabilities_is_named(Xy, fraction):
    X, y = Xy
    cleaner = LossRankFilter(LogisticRegression(), NaNProba(), fraction=fraction)
    with pytest.raises(ValueError, match=r"ranker NaNProba returned unusable"):
        cleaner.fit(X, y)


def test_folds_that_leave_rows_unscored_are_refused(Xy):
    X, y = Xy
    half = [(np.arange(30), np.arange(30, 60))]
    cleaner = LossRankFilter(LogisticRegression(), cv=half, fraction=0.2)
    with pytest.raises(
        ValueError, match=r"exactly one test fold.*30 of 60 rows are in none"
    ):
        cleaner.fit(X, y)


@pytest.mark.parametrize("n_jobs", [0, 1.5], ids=["zero", "float"])
@pytest.mark.parametrize(
    "make_cleaner",
    [
        lambda n: ConfidentCleaner(LogisticRegression(), cv=3, n_jobs=n),
        lambda n: LossRankFilter(LogisticRegression(), cv=3, n_jobs=n),
    ],
    ids=["confident", "loss-rank"],
)
def test_bad_n_jobs_is_refused_before_any_work(Xy, make_cleaner, n_jobs):
    X, y = Xy
    with pytest.raises(InvalidParameterError, match="n_jobs"):
        make_cleaner(n_jobs).fit(X, y)


# ------------------------------------------ sample weights through a Pipeline


def test_reweight_reaches_the_last_step_of_a_wrapped_pipeline(Xy):
    X, y = Xy
    pipe = make_pipeline(StandardScaler(), SpyClassifier())
    cleaner = ConfidentCleaner(pipe, LogisticRegression(), cv=3, action="reweight").fit(
        X, y
    )

    seen = cleaner.estimator_[-1].fit_sample_weight_
    issues = cleaner.label_issues_
    expected = np.where(issues["is_label_issue"], issues["label_quality"], 1.0)
    np.testing.assert_allclose(seen, expected)


def test_user_weights_reach_a_pipeline_detector(Xy):
    X, y = Xy
    weight = np.linspace(0.5, 2.0, len(y))
    detector = make_pipeline(StandardScaler(), SpyClassifier())
    cleaner = ConfidentCleaner(LogisticRegression(), detector, cv=3)
    cleaner.fit(X, y, sample_weight=weight)
    assert cleaner.label_issues_.shape == (len(y), 4)


def test_pipeline_without_weighted_last_step_gets_a_clear_error(Xy):
    X, y = Xy

    class NoWeights(LogisticRegression):
        def fit(self, X, y):
            return super().fit(X, y)

    pipe = make_pipeline(StandardScaler(), NoWeights())
    cleaner = ConfidentCleaner(pipe, LogisticRegression(), cv=3, action="reweight")
    with pytest.raises(TypeError, match="does not accept sample_weight"):
        cleaner.fit(X, y)


def test_categorical_labels_stay_categorical_in_the_issue_table(Xy):
    X, y = Xy
    labels = pd.Series(np.array(["cat", "dog", "emu"])[y], dtype="category")
    cleaner = ConfidentCleaner(LogisticRegression(), cv=3).fit(X, labels)
    for column in ("given_label", "suggested_label"):
        assert cleaner.label_issues_[column].dtype == labels.dtype

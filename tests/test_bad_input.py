"""Bad input across the estimators: clear errors, nothing half-fitted.

Each case feeds one kind of bad input and checks that the error names the
problem and that the estimator is left exactly as it was before the call.
A few cases pin down input that looks wrong but is fine: sparse X around a
model that takes it, a text column through an encoding Pipeline, a label
seen only at score time.
"""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from _helpers import ClaimedClassModel, SpyClassifier
from joblib import parallel_config
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import make_column_transformer
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC, LinearSVC
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
        lambda: MemorizationStopper(tiny_net(), max_epochs=2, random_state=0),
    ],
    ids=["net", "confident", "loss-rank", "stopper"],
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


@pytest.mark.parametrize(
    "n_jobs",
    [
        0,
        1.5,
        "2",
        True,
    ],
    ids=["zero", "float", "string", "bool"],
)
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


# ===================================================== the catalogue
#
# One bad input at a time, against each of the four estimators: the error's
# type, a message that names the problem, and an estimator left unfitted.

ESTIMATORS = {
    "net": tiny_net,
    "confident": lambda: ConfidentCleaner(LogisticRegression(), cv=3),
    "loss-rank": lambda: LossRankFilter(LogisticRegression(), fraction=0.1),
    "stopper": lambda: MemorizationStopper(tiny_net(), max_epochs=3, random_state=0),
}


def learned(estimator):
    """The learned attributes, by sklearn's convention (trailing underscore)."""
    return sorted(k for k in vars(estimator) if k.endswith("_") and k[0] != "_")


def with_value(X, row, column, value):
    X = X.copy()
    X[row, column] = value
    return X


def strings_with_a_gap(y):
    labels = np.array(["a", "b", "c"], dtype=object)[y]
    labels[5] = None
    return labels


def colour_frame(X):
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["colour"] = ["red", "blue", "green"] * 20
    return frame


# name -> (fit arguments from (X, y), error, message, per-estimator messages)
BAD_FIT_INPUT = {
    "nan-in-X": (
        lambda X, y: ((with_value(X, 3, 1, np.nan), y), {}),
        ValueError,
        r"Input X contains NaN",
        {},
    ),
    "inf-in-X": (
        lambda X, y: ((with_value(X, 5, 0, np.inf), y), {}),
        ValueError,
        r"Input X contains infinity",
        {},
    ),
    "empty-X-and-y": (
        lambda X, y: ((X[:0], y[:0]), {}),
        ValueError,
        r"y is empty \(0 samples\)",
        {
            "net": r"Found array with 0 sample\(s\)",
            "stopper": r"MemorizationStopper.fit got 0 samples",
        },
    ),
    "empty-X": (
        lambda X, y: ((X[:0], y), {}),
        ValueError,
        r"inconsistent numbers of samples: \[0, 60\]",
        {
            "net": r"Found array with 0 sample\(s\)",
            "stopper": r"got 0 samples \(X has shape \(0, 3\), y 60 labels\)",
        },
    ),
    "1-D-X": (
        lambda X, y: ((X[:, 0], y), {}),
        ValueError,
        r"(?s)Expected 2D array, got 1D array instead.*reshape\(-1, 1\)",
        {
            "stopper": (
                r"^MemorizationStopper.fit: SmoothedNetClassifier.partial_fit failed "
                r"in the first epoch, on the 54 rows of X not held out for "
                r"validation, in shuffled order: Expected 2D array"
            ),
        },
    ),
    "3-D-X": (
        lambda X, y: ((X.reshape(60, 3, 1), y), {}),
        ValueError,
        r"Found array with dim 3",
        {},
    ),
    "string-X": (
        lambda X, y: ((np.full((60, 3), "a"), y), {}),
        ValueError,
        r"could not convert string to float",
        {},
    ),
    "object-column": (
        # The cleaners hand a DataFrame to their estimator as it is (a
        # ColumnTransformer inside may encode it); that estimator refuses it.
        lambda X, y: ((colour_frame(X), y), {}),
        ValueError,
        r"could not convert string to float: '(red|blue|green)'",
        {
            "net": r"non-numeric column\(s\): 'colour' \((object|str)\).*OneHotEncoder",
            "stopper": r"non-numeric column\(s\): 'colour'",
        },
    ),
    "one-class": (
        lambda X, y: ((X, np.zeros(60, dtype=int)), {}),
        ValueError,
        r"at least 2 classes in y; got 1 class: \[0\]",
        {},
    ),
    "continuous-y": (
        lambda X, y: ((X, np.linspace(0, 1, 60)), {}),
        ValueError,
        r"Unknown label type: continuous",
        {},
    ),
    "multilabel-y": (
        lambda X, y: ((X, np.column_stack([y % 2, y // 2])), {}),
        ValueError,
        r"y should be a 1d array, got an array of shape \(60, 2\)",
        {},
    ),
    "short-y": (
        lambda X, y: ((X, y[:50]), {}),
        ValueError,
        r"inconsistent numbers of samples: \[60, 50\]",
        {},
    ),
    "y-None": (
        lambda X, y: ((X, None), {}),
        ValueError,
        r"requires y to be passed, but the target y is None",
        {},
    ),
    "NaN-label": (
        lambda X, y: ((X, np.r_[np.nan, y[1:]]), {}),
        ValueError,
        r"^y has 1 missing label\(s\), first at position 0; drop those rows",
        {},
    ),
    "None-label": (
        lambda X, y: ((X, strings_with_a_gap(y)), {}),
        ValueError,
        r"^y has 1 missing label\(s\), first at position 5",
        {},
    ),
    "mixed-label-types": (
        lambda X, y: ((X, [0, "a", "b"] * 20), {}),
        TypeError,
        r"Labels must all be of one comparable type; got a mix of int, str",
        {},
    ),
    "short-sample-weight": (
        lambda X, y: ((X, y), {"sample_weight": np.ones(50)}),
        ValueError,
        r"sample_weight.shape == \(50,\), expected \(60,\)",
        {},
    ),
    "negative-sample-weight": (
        lambda X, y: ((X, y), {"sample_weight": np.r_[-1.0, np.ones(59)]}),
        ValueError,
        r"Negative values in data passed to `sample_weight`",
        {},
    ),
    "NaN-sample-weight": (
        lambda X, y: ((X, y), {"sample_weight": np.r_[np.nan, np.ones(59)]}),
        ValueError,
        r"Input sample_weight contains NaN",
        {},
    ),
    "zero-sample-weight": (
        lambda X, y: ((X, y), {"sample_weight": np.zeros(60)}),
        ValueError,
        r"Sample weights must contain at least one non-zero number",
        {},
    ),
    "2-D-sample-weight": (
        lambda X, y: ((X, y), {"sample_weight": np.ones((60, 2))}),
        ValueError,
        r"Sample weights must be 1D array or scalar, got 2D array",
        {},
    ),
}
# Sparse X: the network needs dense rows (the cleaners around a linear model
# take sparse X, see below).
for _name in ("net", "stopper"):
    BAD_FIT_INPUT[f"sparse-X-{_name}"] = (
        lambda X, y: ((sp.csr_matrix(X), y), {}),
        TypeError,
        r"Sparse data was passed for X, but dense data is required",
        {},
    )


def _fit_cases():
    for name, (make_args, error, match, special) in BAD_FIT_INPUT.items():
        for estimator in ESTIMATORS:
            if name.startswith("sparse-X-") and not name.endswith(estimator):
                continue
            case_id = name if name.startswith("sparse-X-") else f"{estimator}-{name}"
            yield pytest.param(
                estimator,
                make_args,
                error,
                special.get(estimator, match),
                id=case_id,
            )


@pytest.mark.parametrize(
    ("estimator", "make_args", "error", "match"), list(_fit_cases())
)
def test_bad_fit_input_is_named_and_leaves_it_unfitted(
    Xy, estimator, make_args, error, match
):
    args, kwargs = make_args(*Xy)
    model = ESTIMATORS[estimator]()

    with pytest.raises(error, match=match):
        model.fit(*args, **kwargs)

    assert learned(model) == []
    with pytest.raises(NotFittedError):
        model.predict(Xy[0])


# name -> (fit on a DataFrame?, method call on the fitted estimator, message)
BAD_PREDICT_INPUT = {
    "too-few-features": (
        False,
        lambda model, X: model.predict(X[:, :2]),
        r"X has 2 features, but \w+ is expecting 3 features as input",
    ),
    "nan-in-X": (
        False,
        lambda model, X: model.predict_proba(with_value(X, 0, 0, np.nan)),
        r"Input X contains NaN",
    ),
    "renamed-column": (
        True,
        lambda model, X: model.predict(X.rename(columns={"a": "z"})),
        r"(?s)feature names should match.*unseen at fit time:\n- z",
    ),
}


@pytest.mark.parametrize("case", list(BAD_PREDICT_INPUT))
@pytest.mark.parametrize("estimator", list(ESTIMATORS))
def test_bad_predict_input_is_named_and_changes_nothing(Xy, estimator, case):
    X, y = Xy
    as_frame, call, match = BAD_PREDICT_INPUT[case]
    if as_frame:
        X = pd.DataFrame(X, columns=["a", "b", "c"])
    model = ESTIMATORS[estimator]().fit(X, y)
    before = model.predict_proba(X)

    with pytest.raises(ValueError, match=match):
        call(model, X)

    np.testing.assert_array_equal(model.predict_proba(X), before)


def test_dataframe_of_another_width_at_predict_is_named(Xy):
    X, y = Xy
    model = tiny_net().fit(pd.DataFrame(X, columns=["a", "b", "c"]), y)
    with pytest.raises(ValueError, match="Feature names seen at fit time"):
        model.predict(pd.DataFrame(X[:, :2], columns=["a", "b"]))


# ------------------------------------------------------------- unseen labels


@pytest.mark.parametrize(
    "call",
    [
        lambda net, X, y: net.partial_fit(X, y),
        lambda net, X, y: net.per_sample_loss(X, y),
        lambda net, X, y: net.fine_tune(X, y),
    ],
    ids=["partial-fit", "per-sample-loss", "fine-tune"],
)
def test_label_unseen_in_fit_is_named(Xy, call):
    X, y = Xy
    net = tiny_net().fit(X, y)
    before = net.predict_proba(X)

    with pytest.raises(
        ValueError, match=r"20 label\(s\) outside the known classes: \[9\]"
    ):
        call(net, X, np.where(y == 2, 9, y))

    np.testing.assert_array_equal(net.predict_proba(X), before)


def test_validation_label_unseen_in_y_is_named(Xy):
    X, y = Xy
    stopper = MemorizationStopper(tiny_net(), max_epochs=2)
    with pytest.raises(ValueError, match=r"validation_data has 20 label\(s\).*\[9\]"):
        stopper.fit(X, y, validation_data=(X, np.where(y == 2, 9, y)))
    assert learned(stopper) == []


@pytest.mark.parametrize("estimator", list(ESTIMATORS))
def test_label_unseen_at_score_time_counts_as_a_miss(Xy, estimator):
    # As with scikit-learn's classifiers, score is plain accuracy: a label
    # the model never saw cannot be predicted, so it is counted wrong.
    X, y = Xy
    model = ESTIMATORS[estimator]().fit(X, y)
    y_new = np.where(y == 2, 9, y)

    score = model.score(X, y_new)

    assert score == accuracy_score(y_new, model.predict(X))
    assert score <= np.mean(y_new != 9)


# ------------------------------------------------- too few rows of a class


def one_rare_class(y, n_rare):
    """Labels 0/1 for every row but the last ``n_rare``, which are class 2."""
    return np.r_[y[:-n_rare] % 2, np.full(n_rare, 2)]


@pytest.mark.parametrize(
    ("make_estimator", "n_rare", "match"),
    [
        (
            lambda: ConfidentCleaner(LogisticRegression(), cv=3),
            2,
            r"cv=3 needs at least 3 rows of every class; too few for class 2 "
            r"\(2 rows\)",
        ),
        (
            lambda: ConfidentCleaner(LogisticRegression()),
            4,
            r"cv=5 needs at least 5 rows of every class; too few for class 2 "
            r"\(4 rows\)",
        ),
        (
            lambda: LossRankFilter(LogisticRegression(), cv=3),
            2,
            r"cv=3 needs at least 3 rows of every class; too few for class 2",
        ),
        (
            lambda: MemorizationStopper(tiny_net()),
            1,
            r"class 2 has 1 row.*pass validation_data=\(X_val, y_val\)",
        ),
    ],
    ids=["confident-cv3", "confident-default-cv", "loss-rank-cv3", "stopper"],
)
def test_class_too_small_for_the_split_is_named(Xy, make_estimator, n_rare, match):
    X, y = Xy
    model = make_estimator()
    with pytest.raises(ValueError, match=match):
        model.fit(X, one_rare_class(y, n_rare))
    assert learned(model) == []


def test_class_too_small_for_cv_is_fine_without_cv(Xy):
    # LossRankFilter scores in-sample by default: no fold needs the class.
    X, y = Xy
    cleaner = LossRankFilter(LogisticRegression(), fraction=0.1).fit(
        X, one_rare_class(y, 2)
    )
    assert list(cleaner.classes_) == [0, 1, 2]


# ------------------------------------------------------ parameter ranges


@pytest.mark.parametrize(
    ("estimator", "param", "value"),
    [
        ("loss-rank", "fraction", 0),
        ("loss-rank", "fraction", 1),
        ("loss-rank", "fraction", 1.5),
        ("loss-rank", "fraction", True),
        ("loss-rank", "fraction", "half"),
        ("loss-rank", "threshold", 0.0),
        ("loss-rank", "threshold", 1.0),
        ("loss-rank", "min_examples_per_class", -1),
        ("confident", "frac_noise", 0.0),
        ("confident", "frac_noise", 1.5),
        ("confident", "cv", 1),
        ("stopper", "validation_fraction", 0.0),
        ("stopper", "validation_fraction", 1.0),
        ("stopper", "patience", 0),
        ("net", "label_smoothing", 1.0),
        ("net", "dropout", 1.0),
        ("net", "lr", 0.0),
    ],
)
def test_parameter_out_of_range_is_named_with_its_value(Xy, estimator, param, value):
    X, y = Xy
    model = ESTIMATORS[estimator]().set_params(**{param: value})

    with pytest.raises(InvalidParameterError, match=rf"'{param}' parameter") as info:
        model.fit(X, y)

    assert f"Got {value!r} instead" in str(info.value)
    assert learned(model) == []


# -------------------------------------------------------------- n_jobs


@pytest.mark.parametrize(
    "make_cleaner",
    [
        lambda n: ConfidentCleaner(LogisticRegression(), cv=3, n_jobs=n),
        lambda n: LossRankFilter(LogisticRegression(), cv=3, fraction=0.1, n_jobs=n),
    ],
    ids=["confident", "loss-rank"],
)
def test_parallel_folds_give_the_serial_table(Xy, make_cleaner):
    X, y = Xy
    serial = make_cleaner(None).fit(X, y).label_issues_

    # Threads: the same code path as processes, without starting any.
    with parallel_config(backend="threading"):
        two = make_cleaner(2).fit(X, y).label_issues_
        every_core = make_cleaner(-1).fit(X, y).label_issues_

    pd.testing.assert_frame_equal(two, serial)
    pd.testing.assert_frame_equal(every_core, serial)


# ---------------------------------------- detectors without probabilities


@pytest.mark.parametrize(
    ("make_estimator", "error", "match"),
    [
        (
            lambda: ConfidentCleaner(LogisticRegression(), detector=LinearSVC()),
            InvalidParameterError,
            r"'detector' parameter of ConfidentCleaner must be None or an object "
            r"implementing 'fit' and 'predict_proba'",
        ),
        (
            lambda: ConfidentCleaner(LinearSVC(), cv=3),
            TypeError,
            r"The detector LinearSVC has no predict_proba; pass detector=",
        ),
        (
            lambda: LossRankFilter(LinearSVC()),
            TypeError,
            r"The ranker LinearSVC has no predict_proba; pass ranker=",
        ),
        (
            lambda: LossRankFilter(LogisticRegression(), ranker=LinearSVC()),
            TypeError,
            r"The ranker LinearSVC has no predict_proba",
        ),
        (
            lambda: MemorizationStopper(SGDClassifier(loss="hinge")),
            TypeError,
            r"SGDClassifier has no predict_proba",
        ),
        (
            lambda: MemorizationStopper(LinearSVC()),
            TypeError,
            r"LinearSVC has no partial_fit and no predict_proba",
        ),
    ],
    ids=[
        "confident-detector",
        "confident-estimator",
        "loss-rank-estimator",
        "loss-rank-ranker",
        "stopper-no-proba",
        "stopper-no-partial-fit",
    ],
)
def test_model_without_predict_proba_is_named(Xy, make_estimator, error, match):
    X, y = Xy
    model = make_estimator()
    with pytest.raises(error, match=match):
        model.fit(X, y)
    assert learned(model) == []


# ------------------------------------------------------ every row flagged


def claimed_wrong(X, y):
    """Column 0 claims every row for the next class: every label looks wrong."""
    return np.column_stack([(y + 1) % 3, X])


@pytest.mark.parametrize(
    ("make_cleaner", "match"),
    [
        (
            lambda: ConfidentCleaner(
                LogisticRegression(),
                ClaimedClassModel(),
                cv=3,
                filter_by="predicted_neq_given",
                min_examples_per_class=0,
            ),
            r"All 60 rows were flagged as label issues, so action='drop' leaves "
            r"nothing to fit",
        ),
        (
            lambda: LossRankFilter(
                LogisticRegression(),
                ClaimedClassModel(),
                fraction=0.99,
                min_examples_per_class=0,
            ),
            r"action='drop' would remove every row of class 0 \(all 20 rows "
            r"flagged\)",
        ),
    ],
    ids=["confident", "loss-rank"],
)
def test_flagging_every_row_is_refused(Xy, make_cleaner, match):
    X, y = Xy
    cleaner = make_cleaner()
    with pytest.raises(ValueError, match=match):
        cleaner.fit(claimed_wrong(X, y), y)
    assert learned(cleaner) == []


def test_flagging_every_row_still_reweights(Xy):
    # Down-weighting keeps every row, so it remains possible.
    X, y = Xy
    cleaner = ConfidentCleaner(
        SpyClassifier(),
        ClaimedClassModel(),
        cv=3,
        action="reweight",
        filter_by="predicted_neq_given",
        min_examples_per_class=0,
    ).fit(claimed_wrong(X, y), y)

    assert cleaner.label_issues_["is_label_issue"].all()
    weights = cleaner.estimator_.fit_sample_weight_
    np.testing.assert_allclose(weights, cleaner.label_issues_["label_quality"])


# ------------------------------------------- sparse and non-numeric X


@pytest.mark.parametrize(
    "make_estimator",
    [
        ESTIMATORS["confident"],
        ESTIMATORS["loss-rank"],
        lambda: MemorizationStopper(
            SGDClassifier(loss="log_loss", random_state=0), max_epochs=3, random_state=0
        ),
    ],
    ids=["confident", "loss-rank", "stopper-sgd"],
)
def test_sparse_X_works_around_a_sparse_model(Xy, make_estimator):
    X, y = Xy
    dense = make_estimator().fit(X, y)

    for matrix in (sp.csr_matrix, sp.coo_matrix):
        fitted = make_estimator().fit(matrix(X), y)
        proba = fitted.predict_proba(sp.csr_matrix(X))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        if hasattr(dense, "label_issues_"):
            # Logistic regression solves the same problem either way; SGD
            # (in the stopper) takes other steps on sparse rows.
            np.testing.assert_allclose(proba, dense.predict_proba(X), rtol=1e-6)
            pd.testing.assert_frame_equal(
                fitted.label_issues_, dense.label_issues_, rtol=1e-6
            )


@pytest.mark.parametrize("cleaner", [ConfidentCleaner, LossRankFilter])
def test_non_numeric_column_works_through_an_encoding_pipeline(Xy, cleaner):
    X, y = Xy
    frame = colour_frame(X)
    frame.index = [f"row{i}" for i in range(60)]
    encode = make_column_transformer(
        (OneHotEncoder(), ["colour"]), remainder="passthrough"
    )
    model = cleaner(make_pipeline(encode, LogisticRegression()), cv=3).fit(frame, y)

    assert list(model.label_issues_.index) == list(frame.index)
    assert model.score(frame, y) > 0.3


# ---------------------------------------------- interrupted fits


class InterruptingLogReg(LogisticRegression):
    """LogisticRegression whose n-th fit (counted over all copies) is interrupted."""

    fits = 0
    interrupt_at = None

    def fit(self, X, y, sample_weight=None):
        InterruptingLogReg.fits += 1
        if InterruptingLogReg.fits == InterruptingLogReg.interrupt_at:
            raise KeyboardInterrupt
        return super().fit(X, y, sample_weight=sample_weight)


class InterruptingSGD(SGDClassifier):
    """SGDClassifier whose n-th partial_fit (over all copies) is interrupted."""

    calls = 0
    interrupt_at = None

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        InterruptingSGD.calls += 1
        if InterruptingSGD.calls == InterruptingSGD.interrupt_at:
            raise KeyboardInterrupt
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)


INTERRUPTIBLE = {
    # (make, counter class, calls one fit makes, a call in the middle of it)
    "confident": (
        lambda: ConfidentCleaner(InterruptingLogReg(), cv=3),
        InterruptingLogReg,
        2,
    ),
    "loss-rank": (
        lambda: LossRankFilter(InterruptingLogReg(), cv=3, fraction=0.1),
        InterruptingLogReg,
        3,
    ),
    "stopper": (
        lambda: MemorizationStopper(
            InterruptingSGD(loss="log_loss", random_state=0),
            max_epochs=5,
            patience=5,
            random_state=0,
        ),
        InterruptingSGD,
        3,
    ),
}


def interrupt_after(counter, n_calls):
    if counter is InterruptingLogReg:
        InterruptingLogReg.fits, InterruptingLogReg.interrupt_at = 0, n_calls + 1
    else:
        InterruptingSGD.calls, InterruptingSGD.interrupt_at = 0, n_calls + 1


def no_interrupt(counter):
    interrupt_after(counter, -2)


@pytest.mark.parametrize("estimator", list(INTERRUPTIBLE))
def test_keyboard_interrupt_in_first_fit_leaves_the_meta_estimator_unfitted(
    Xy, estimator
):
    X, y = Xy
    make, counter, in_the_middle = INTERRUPTIBLE[estimator]
    model = make()
    interrupt_after(counter, in_the_middle)

    try:
        with pytest.raises(KeyboardInterrupt):
            model.fit(X, y)
    finally:
        no_interrupt(counter)

    assert learned(model) == []
    with pytest.raises(NotFittedError):
        model.predict(X)


@pytest.mark.parametrize("estimator", list(INTERRUPTIBLE))
def test_keyboard_interrupt_in_refit_keeps_the_previous_model(Xy, estimator):
    X, y = Xy
    make, counter, in_the_middle = INTERRUPTIBLE[estimator]
    no_interrupt(counter)
    model = make().fit(X, y)
    before = {name: getattr(model, name) for name in learned(model)}
    proba = model.predict_proba(X)
    interrupt_after(counter, in_the_middle)

    try:
        with pytest.raises(KeyboardInterrupt):
            model.fit(X[::-1], y[::-1])
    finally:
        no_interrupt(counter)

    assert learned(model) == sorted(before)
    for name, value in before.items():
        assert getattr(model, name) is value, name
    np.testing.assert_array_equal(model.predict_proba(X), proba)


def test_drop_on_a_precomputed_kernel_is_refused(iris_scaled):
    X, y = iris_scaled
    kernel = X @ X.T
    cleaner = ConfidentCleaner(
        SVC(kernel="precomputed", probability=True, random_state=0), cv=3
    )
    with pytest.raises(ValueError, match="precomputed kernel.*reweight"):
        cleaner.fit(kernel, y)
    assert not hasattr(cleaner, "label_issues_")

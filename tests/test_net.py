"""Tests for sknoisy._net.SmoothedNetClassifier."""

import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import sklearn
import torch
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_validate, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from torch import nn

from sknoisy import SknoisyWarning, SmoothedNetClassifier

CUDA = torch.cuda.is_available()

EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": (
        "float32 training: weighted rows and repeated rows agree only to float32 "
        "rounding (~1e-7), not to the check's rtol=1e-7"
    ),
}


def small_net(**params):
    """A net small enough to fit iris in well under a second."""
    defaults = {
        "hidden_layer_sizes": (16,),
        "max_epochs": 20,
        "lr": 0.01,
        "random_state": 0,
    }
    return SmoothedNetClassifier(**(defaults | params))


class LinearLogits(nn.Module):
    """Softmax regression that accepts nothing but a float32 tensor."""

    def __init__(self, n_features, n_classes):
        super().__init__()
        self.n_features = n_features
        self.n_classes = n_classes
        self.linear = nn.Linear(n_features, n_classes)

    def forward(self, X):
        if not isinstance(X, torch.Tensor) or X.dtype != torch.float32:
            raise TypeError(f"forward got {type(X).__name__}, not a float32 tensor")
        return self.linear(X)


class TwoLayer(nn.Module):
    """Hidden layer of 8 units; remembers the weights it first ran with."""

    def __init__(self, n_features, n_classes):
        super().__init__()
        self.hidden = nn.Sequential(nn.Linear(n_features, 8), nn.ReLU())
        self.output = nn.Linear(8, n_classes)

    def forward(self, X):
        if not hasattr(self, "first_weight"):
            self.first_weight = self.output.weight.detach().clone()
        return self.output(self.hidden(X))


class TooWide(nn.Module):
    """Returns one logit more than there are classes."""

    def __init__(self, n_features, n_classes):
        super().__init__()
        self.linear = nn.Linear(n_features, n_classes + 1)

    def forward(self, X):
        return self.linear(X)


def _state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _same_state(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# -------------------------------------------------------- sklearn's checks


@parametrize_with_checks(
    [small_net()],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# ------------------------------------------------------------------ inputs


@pytest.mark.parametrize(
    "make_X",
    [
        lambda X: X,
        lambda X: X.astype(np.float32),
        lambda X: pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"]),
    ],
    ids=["float64", "float32", "dataframe"],
)
def test_X_types_reach_module_as_float32_tensor(iris_scaled, make_X):
    X, y = iris_scaled
    reference = small_net(module=LinearLogits).fit(X, y).predict_proba(X)

    X_in = make_X(X)
    net = small_net(module=LinearLogits).fit(X_in, y)

    np.testing.assert_array_equal(net.predict_proba(X_in), reference)
    assert net.n_features_in_ == 4
    if isinstance(X_in, pd.DataFrame):
        assert list(net.feature_names_in_) == ["sl", "sw", "pl", "pw"]
    else:
        assert not hasattr(net, "feature_names_in_")


def test_int_X(iris_scaled):
    X, y = iris_scaled
    X_int = np.round(X * 10).astype(np.int64)

    net = small_net(module=LinearLogits).fit(X_int, y)

    as_float = small_net(module=LinearLogits).fit(X_int.astype(np.float64), y)
    np.testing.assert_array_equal(
        net.predict_proba(X_int), as_float.predict_proba(X_int.astype(np.float64))
    )
    assert net.score(X_int, y) > 0.8


def test_sparse_X_is_refused_clearly(iris_scaled):
    from scipy import sparse

    X, y = iris_scaled
    with pytest.raises(TypeError, match="[Ss]parse"):
        small_net().fit(sparse.csr_matrix(X), y)


NAMES = np.array(["setosa", "versicolor", "virginica"])


@pytest.mark.parametrize(
    ("make_y", "classes"),
    [
        (lambda y: np.array([3, 7, 20])[y], np.array([3, 7, 20])),
        (lambda y: NAMES[y], NAMES),
        (
            lambda y: pd.Series(pd.Categorical(NAMES[y])),
            NAMES.astype(object),
        ),
        (lambda y: y.astype(np.int32), np.array([0, 1, 2], dtype=np.int32)),
        (lambda y: y.astype(np.float64), np.array([0.0, 1.0, 2.0])),
    ],
    ids=["int-gaps", "str", "pandas-categorical", "int32", "float"],
)
def test_labels_keep_their_values_and_dtype(iris_scaled, make_y, classes):
    X, codes = iris_scaled
    y = make_y(codes)

    net = small_net().fit(X, y)
    pred = net.predict(X)

    np.testing.assert_array_equal(net.classes_, classes)
    assert net.classes_.dtype == classes.dtype
    assert pred.dtype == classes.dtype
    assert set(pred) <= set(classes)
    assert np.mean(pred == np.asarray(y)) > 0.8


# ------------------------------------------------------------ predictions


def test_predict_proba_is_float64_distribution(iris_scaled):
    X, y = iris_scaled
    net = small_net().fit(X, y)

    proba = net.predict_proba(X)

    assert proba.dtype == np.float64
    assert proba.shape == (150, 3)
    assert np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(net.predict(X), net.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(np.exp(net.predict_log_proba(X)), proba)


def test_works_under_calibration(iris_scaled):
    X, y = iris_scaled
    calibrated = CalibratedClassifierCV(small_net(), cv=3).fit(X, y)

    proba = calibrated.predict_proba(X)

    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert calibrated.score(X, y) > 0.8


def test_label_smoothing_lowers_confidence(iris_scaled):
    X, y = iris_scaled
    sharp = small_net(max_epochs=60).fit(X, y).predict_proba(X).max(axis=1)

    smoothed = small_net(max_epochs=60, label_smoothing=0.3).fit(X, y)

    # The smoothed target puts 1 - 0.3 + 0.3 / 3 = 0.8 on the given class.
    confidence = smoothed.predict_proba(X).max(axis=1)
    assert confidence.mean() < sharp.mean() - 0.1
    assert smoothed.score(X, y) > 0.85


# ------------------------------------------------------------ determinism


@pytest.mark.parametrize("dropout", [0.0, 0.3], ids=["no-dropout", "dropout"])
def test_same_random_state_same_predictions(iris_scaled, dropout):
    X, y = iris_scaled
    first = small_net(dropout=dropout).fit(X, y).predict_proba(X)
    second = small_net(dropout=dropout).fit(X, y).predict_proba(X)
    other = small_net(dropout=dropout, random_state=1).fit(X, y).predict_proba(X)

    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_refit_same_object_is_reproducible(iris_scaled):
    X, y = iris_scaled
    net = small_net()
    first = net.fit(X, y).predict_proba(X)
    second = net.fit(X, y).predict_proba(X)

    np.testing.assert_array_equal(first, second)


def test_global_rng_untouched(iris_scaled):
    X, y = iris_scaled
    torch_before = torch.get_rng_state()
    # random_state=None would draw from numpy's legacy global stream.
    numpy_before = np.random.get_state()[1].copy()  # noqa: NPY002

    net = small_net(dropout=0.3).fit(X, y)
    net.partial_fit(X, y)
    net.predict_proba(X)

    assert torch.equal(torch.get_rng_state(), torch_before)
    numpy_after = np.random.get_state()[1]  # noqa: NPY002
    np.testing.assert_array_equal(numpy_after, numpy_before)


# ---------------------------------------------------------- custom modules


def test_module_class_is_called_with_data_shape(iris_scaled):
    X, y = iris_scaled
    net = small_net(module=LinearLogits).fit(X, np.array([3, 7, 20])[y])

    module = net.net_.module_
    assert type(module) is LinearLogits
    assert (module.n_features, module.n_classes) == (4, 3)
    assert net.score(X, np.array([3, 7, 20])[y]) > 0.8


def test_module_instance_is_never_trained(iris_scaled):
    X, y = iris_scaled
    template = TwoLayer(4, 3)
    before = _state(template)
    net = small_net(module=template)

    fitted = clone(net).fit(X, y)
    net.fit(X, y)

    assert _same_state(_state(template), before)
    assert fitted.net_.module_ is not template
    assert net.net_.module_ is not template
    assert not hasattr(template, "first_weight")


def test_module_instance_every_fit_starts_from_same_fresh_weights(iris_scaled):
    X, y = iris_scaled
    net = small_net(module=TwoLayer(4, 3), max_epochs=5)
    fresh = clone(net).fit(X, y)

    # Train the same object on other labels first: had its weights stayed in
    # the template, the refit would start from them and end elsewhere.
    net.fit(X, (y + 1) % 3)
    net.fit(X, y)
    folds = cross_validate(net, X, y, cv=3, return_estimator=True)["estimator"]

    np.testing.assert_array_equal(net.predict_proba(X), fresh.predict_proba(X))
    start = fresh.net_.module_.first_weight
    modules = [fold.net_.module_ for fold in folds]
    assert len({id(m) for m in modules + [fresh.net_.module_]}) == 4
    for module in modules:
        torch.testing.assert_close(module.first_weight, start, rtol=0, atol=0)
        assert not torch.equal(module.output.weight, start)


def test_module_instance_weights_are_reinitialised(iris_scaled):
    # A template the user already changed (or trained) must not leak into fit.
    X, y = iris_scaled
    fresh = TwoLayer(4, 3)
    tampered = TwoLayer(4, 3)
    with torch.no_grad():
        for param in tampered.parameters():
            param.fill_(5.0)

    expected = small_net(module=fresh).fit(X, y).predict_proba(X)
    got = small_net(module=tampered).fit(X, y).predict_proba(X)

    np.testing.assert_array_equal(got, expected)


def test_module_with_wrong_output_width(iris_scaled):
    X, y = iris_scaled
    with pytest.raises(ValueError, match=r"\(n_samples, 3\)"):
        small_net(module=TooWide).fit(X, y)


def test_module_callable_returning_non_module(iris_scaled):
    X, y = iris_scaled
    with pytest.raises(TypeError, match="nn.Module"):
        small_net(module=lambda n_features, n_classes: "not a module").fit(X, y)


# ----------------------------------------------------------- sample_weight


def test_zero_weight_is_like_dropping_rows(iris_scaled):
    X, y = iris_scaled
    rng = np.random.RandomState(0)
    dropped = rng.choice(150, size=40, replace=False)
    # Give the ignored rows wrong labels, so that any weight they kept shows.
    y_bad = y.copy()
    y_bad[dropped] = (y[dropped] + 1) % 3
    weight = np.ones(150)
    weight[dropped] = 0.0
    kept = np.setdiff1d(np.arange(150), dropped)

    weighted = small_net(max_epochs=40).fit(X, y_bad, sample_weight=weight)
    without = small_net(max_epochs=40).fit(X[kept], y[kept])

    agreement = np.mean(weighted.predict(X) == without.predict(X))
    assert agreement >= 0.9
    assert weighted.score(X, y) > 0.85


@pytest.mark.parametrize("value", [1.0, 2.0], ids=["ones", "twos"])
def test_constant_weights_change_nothing(iris_scaled, value):
    X, y = iris_scaled
    expected = small_net().fit(X, y).predict_proba(X)

    got = small_net().fit(X, y, sample_weight=np.full(150, value)).predict_proba(X)

    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    ("sample_weight", "match"),
    [
        (np.r_[-1.0, np.ones(149)], "(?i)negative"),
        (np.ones(149), "149"),
        (np.zeros(150), "non-zero|positive sum"),
    ],
    ids=["negative", "wrong-length", "all-zero"],
)
def test_bad_sample_weight(iris_scaled, sample_weight, match):
    X, y = iris_scaled
    with pytest.raises(ValueError, match=match):
        small_net().fit(X, y, sample_weight=sample_weight)


# ------------------------------------------------------------- partial_fit


def test_partial_fit_one_epoch_per_call(iris_scaled):
    X, y = iris_scaled
    net = small_net()

    for call in range(1, 6):
        net.partial_fit(X, y)
        assert net.n_epochs_ == call
        assert len(net.loss_curve_) == call

    assert net.loss_curve_[-1] < net.loss_curve_[0]
    assert np.all(np.diff(net.loss_curve_) < 0)


def test_partial_fit_calls_equal_fit_epochs(iris_scaled):
    X, y = iris_scaled
    stepped = small_net()
    for _ in range(3):
        stepped.partial_fit(X, y)

    fitted = small_net(max_epochs=3).fit(X, y)

    np.testing.assert_array_equal(stepped.predict_proba(X), fitted.predict_proba(X))
    np.testing.assert_allclose(stepped.loss_curve_, fitted.loss_curve_)


def test_fit_after_partial_fit_starts_over(iris_scaled):
    X, y = iris_scaled
    net = small_net(max_epochs=4)
    net.partial_fit(X, y)
    net.partial_fit(X, y)

    net.fit(X, y)

    assert net.n_epochs_ == 4
    np.testing.assert_array_equal(
        net.predict_proba(X), small_net(max_epochs=4).fit(X, y).predict_proba(X)
    )


def test_partial_fit_classes_for_incomplete_first_batch(iris_scaled):
    X, codes = iris_scaled
    y = NAMES[codes]
    first = codes < 2

    net = small_net().partial_fit(X[first], y[first], classes=NAMES)
    net.partial_fit(X, y)

    np.testing.assert_array_equal(net.classes_, NAMES)
    assert net.predict_proba(X).shape == (150, 3)


def test_partial_fit_unseen_label_is_named(iris_scaled):
    X, codes = iris_scaled
    y = NAMES[codes]
    first = codes < 2
    net = small_net().partial_fit(X[first], y[first])
    state = _state(net.net_.module_)

    with pytest.raises(ValueError, match="virginica"):
        net.partial_fit(X, y)

    np.testing.assert_array_equal(net.classes_, NAMES[:2])
    assert net.n_epochs_ == 1
    assert _same_state(_state(net.net_.module_), state)


def test_partial_fit_contradicting_classes(iris_scaled):
    X, y = iris_scaled
    net = small_net().partial_fit(X, y)

    with pytest.raises(ValueError, match="classes"):
        net.partial_fit(X, y, classes=[0, 1, 2, 3])


# --------------------------------------------------- transform and losses


def test_transform_is_last_hidden_layer(iris_scaled):
    X, y = iris_scaled
    net = small_net(hidden_layer_sizes=(16, 8)).fit(X, y)

    embedding = net.transform(X)

    assert embedding.shape == (150, 8)
    assert embedding.dtype == np.float32
    assert np.all(embedding >= 0)  # after the ReLU


def test_transform_without_hidden_layer_is_X(iris_scaled):
    X, y = iris_scaled
    net = small_net(hidden_layer_sizes=()).fit(X, y)

    embedding = net.transform(X)

    assert embedding.dtype == np.float32
    np.testing.assert_array_equal(embedding, X.astype(np.float32))


def test_transform_custom_module_is_input_of_last_linear(iris_scaled):
    X, y = iris_scaled
    net = small_net(module=TwoLayer).fit(X, y)

    embedding = net.transform(X)

    expected = net.net_.module_.hidden(torch.from_numpy(X.astype(np.float32)))
    np.testing.assert_allclose(embedding, expected.detach().numpy(), rtol=1e-6)


def test_transform_output_names_and_pandas_output(iris_scaled):
    X, y = iris_scaled
    frame = pd.DataFrame(X, columns=list("abcd"), index=range(1000, 1150))
    net = small_net(hidden_layer_sizes=(16, 8)).set_output(transform="pandas")
    net.fit(frame, y)

    names = net.get_feature_names_out()
    assert names.tolist() == [f"smoothednetclassifier{i}" for i in range(8)]
    embedding = net.transform(frame)
    assert isinstance(embedding, pd.DataFrame)
    assert embedding.columns.tolist() == names.tolist()
    assert embedding.index.equals(frame.index)
    np.testing.assert_array_equal(
        embedding.to_numpy(), net.set_output(transform="default").transform(frame)
    )
    # Input names must match the ones seen in fit.
    with pytest.raises(ValueError, match="input_features"):
        net.get_feature_names_out(["x", "y", "z", "w"])


def test_transform_names_follow_a_custom_module(iris_scaled):
    X, y = iris_scaled
    net = small_net(module=TwoLayer).fit(X, y)
    assert len(net.get_feature_names_out()) == net.transform(X[:2]).shape[1]


def test_get_feature_names_out_needs_a_fitted_net():
    with pytest.raises(NotFittedError):
        SmoothedNetClassifier().get_feature_names_out()


def test_sample_weight_routed_to_the_net_in_a_pipeline(iris_scaled):
    X, y = iris_scaled
    weight = np.where(y == 0, 0.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            small_net(max_epochs=40).set_fit_request(sample_weight=True),
        )
        pipe.fit(X, y, sample_weight=weight)
        # Requested by default: no set_fit_request(trusted=True) needed.
        trusted = np.zeros(len(y), dtype=bool)
        trusted[::10] = True
        pipe.fit(X, y, trusted=trusted)
    assert pipe[-1].n_finetune_epochs_ == 50
    # Zero weight on class 0 means the net never learned it.
    pipe.fit(X, y, smoothednetclassifier__sample_weight=weight)
    assert np.mean(pipe.predict(X[y == 0]) == 0) < 0.5


@pytest.mark.parametrize("label_smoothing", [0.0, 0.2], ids=["plain", "smoothed"])
def test_per_sample_loss_is_log_loss_of_given_label(iris_scaled, label_smoothing):
    X, codes = iris_scaled
    y = NAMES[codes]
    net = small_net(label_smoothing=label_smoothing).fit(X, y)

    loss = net.per_sample_loss(X, y)
    flipped = net.per_sample_loss(X, NAMES[(codes + 1) % 3])

    proba = net.predict_proba(X)
    assert loss.dtype == np.float64
    np.testing.assert_allclose(loss, -np.log(proba[np.arange(150), codes]))
    assert flipped.mean() > loss.mean() + 1.0


def test_per_sample_loss_bad_labels(iris_scaled):
    X, y = iris_scaled
    net = small_net().fit(X, y)

    with pytest.raises(ValueError, match="7"):
        net.per_sample_loss(X, np.where(y == 2, 7, y))
    with pytest.raises(ValueError, match="1-D"):
        net.per_sample_loss(X, y[:10])


# ------------------------------------------------------- clone and pickle


def test_pickle_round_trip(iris_scaled):
    X, codes = iris_scaled
    y = NAMES[codes]
    net = small_net(module=TwoLayer).fit(X, y)

    restored = pickle.loads(pickle.dumps(net))

    np.testing.assert_array_equal(restored.predict_proba(X), net.predict_proba(X))
    np.testing.assert_array_equal(restored.predict(X), net.predict(X))
    np.testing.assert_array_equal(restored.transform(X), net.transform(X))


def test_pickled_net_keeps_training_like_the_original(iris_scaled):
    X, y = iris_scaled
    net = small_net().partial_fit(X, y)
    restored = pickle.loads(pickle.dumps(net))

    net.partial_fit(X, y)
    restored.partial_fit(X, y)

    np.testing.assert_array_equal(restored.predict_proba(X), net.predict_proba(X))


@pytest.mark.parametrize(
    "method",
    ["predict", "predict_proba", "predict_log_proba", "transform", "score"],
)
def test_clone_of_fitted_is_unfitted(iris_scaled, method):
    X, y = iris_scaled
    fitted = small_net().fit(X, y)

    unfitted = clone(fitted)

    assert not hasattr(unfitted, "net_")
    args = (X, y) if method == "score" else (X,)
    with pytest.raises(NotFittedError):
        getattr(unfitted, method)(*args)


# ------------------------------------------------------------------ device


def test_cuda_missing_falls_back_to_cpu(iris_scaled, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    X, y = iris_scaled

    with pytest.warns(SknoisyWarning, match="CUDA is not available"):
        net = small_net(device="cuda").fit(X, y)

    assert net.device_ == "cpu"
    assert next(net.net_.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(
        net.predict_proba(X), small_net(device="cpu").fit(X, y).predict_proba(X)
    )


def test_auto_device_without_cuda(iris_scaled, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    X, y = iris_scaled

    with warnings.catch_warnings():
        warnings.simplefilter("error", SknoisyWarning)
        net = small_net(device="auto").fit(X, y)

    assert net.device_ == "cpu"


def test_auto_device(iris_scaled):
    X, y = iris_scaled
    net = small_net(device="auto").fit(X, y)

    assert net.device_ == ("cuda" if CUDA else "cpu")
    assert net.score(X, y) > 0.8


@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="needs a CUDA device")
def test_trains_on_cuda(iris_scaled):
    X, y = iris_scaled
    torch.cuda.init()
    cuda_before = torch.cuda.get_rng_state()
    cpu_before = torch.get_rng_state()

    net = small_net(device="cuda", dropout=0.3).fit(X, y)

    assert torch.equal(torch.cuda.get_rng_state(), cuda_before)
    assert torch.equal(torch.get_rng_state(), cpu_before)
    assert net.device_ == "cuda"
    assert next(net.net_.module_.parameters()).is_cuda
    proba = net.predict_proba(X)
    assert isinstance(proba, np.ndarray)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(net.predict(X), clone(net).fit(X, y).predict(X))
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict(X), net.predict(X))


@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="needs a CUDA device")
def test_cpu_fit_leaves_cuda_rng_alone(iris_scaled):
    X, y = iris_scaled
    torch.cuda.init()
    cuda_before = torch.cuda.get_rng_state()

    small_net(device="cpu").fit(X, y)

    assert torch.equal(torch.cuda.get_rng_state(), cuda_before)


# -------------------------------------------------------------- defaults


@pytest.mark.slow
def test_defaults_match_mlp_classifier_on_digits(digits_scaled):
    X, y = digits_scaled
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(random_state=0).fit(X_train, y_train)

    net = SmoothedNetClassifier(random_state=0).fit(X_train, y_train)

    # Measured: MLPClassifier 0.978, SmoothedNetClassifier 0.978.
    assert net.score(X_test, y_test) >= mlp.score(X_test, y_test) - 0.03


def test_no_validation_split_is_taken(iris_scaled):
    X, y = iris_scaled
    net = small_net(max_epochs=3, batch_size=64).fit(X, y)

    history = net.net_.history
    assert net.net_.train_split is None
    assert len(history) == 3
    for epoch in history:
        assert sum(batch["train_batch_size"] for batch in epoch["batches"]) == 150
        assert all("valid_batch_size" not in batch for batch in epoch["batches"])
    assert [b["train_batch_size"] for b in history[0]["batches"]] == [64, 64, 22]


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"label_smoothing": -0.1}, "label_smoothing"),
        ({"label_smoothing": 1.0}, "label_smoothing"),
        ({"hidden_layer_sizes": (0,)}, r"hidden_layer_sizes.*\(0,\)"),
        ({"hidden_layer_sizes": (16, -1)}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": 0}, "hidden_layer_sizes"),
        ({"activation": "sigmoid"}, "activation.*sigmoid"),
        ({"optimizer": "foo"}, "optimizer.*foo"),
        ({"device": "not-a-device"}, "not-a-device"),
        ({"loss": "hinge"}, "loss.*hinge"),
        ({"max_epochs": 0}, "max_epochs"),
        ({"lr": 0.0}, "lr"),
        ({"dropout": 1.0}, "dropout"),
    ],
    ids=[
        "negative-smoothing",
        "smoothing-one",
        "zero-width-layer",
        "negative-width-layer",
        "zero-int-layer",
        "unknown-activation",
        "unknown-optimizer",
        "unknown-device",
        "unknown-loss",
        "zero-epochs",
        "zero-lr",
        "dropout-one",
    ],
)
def test_bad_parameters(iris_scaled, params, match):
    X, y = iris_scaled
    with pytest.raises(ValueError, match=match):
        small_net(**params).fit(X, y)


def test_bad_parameters_in_partial_fit(iris_scaled):
    X, y = iris_scaled
    with pytest.raises(ValueError, match="label_smoothing"):
        small_net(label_smoothing=1.5).partial_fit(X, y)


def test_single_class(iris_scaled):
    X, _ = iris_scaled
    with pytest.raises(ValueError, match="class"):
        small_net().fit(X, np.zeros(150, dtype=int))


def test_mixed_label_types(iris_scaled):
    X, _ = iris_scaled
    y = np.array(["a", 1, "b"] * 50, dtype=object)
    with pytest.raises(TypeError, match="one comparable type"):
        small_net().fit(X, y)


def test_wrong_feature_count_at_predict(iris_scaled):
    X, y = iris_scaled
    net = small_net().fit(X, y)

    with pytest.raises(ValueError, match="4 features"):
        net.predict(X[:, :3])


# --------------------------------------------------------------- pipeline


def test_grid_search_over_label_smoothing_in_pipeline(iris_scaled):
    X, y = iris_scaled
    pipe = make_pipeline(StandardScaler(), small_net(max_epochs=10))
    grid = {"smoothednetclassifier__label_smoothing": [0.0, 0.1]}

    search = GridSearchCV(pipe, grid, cv=3).fit(X, y)

    assert search.best_params_["smoothednetclassifier__label_smoothing"] in (0.0, 0.1)
    assert len(search.cv_results_["params"]) == 2
    assert search.best_score_ > 0.7
    assert search.predict(X).shape == (150,)


def test_fits_on_threads_of_one_process_match_serial(digits_scaled):
    X, y = digits_scaled
    X, y = X[:400], y[:400]
    nets = [small_net(max_epochs=5, random_state=seed) for seed in range(4)]

    def fit_predict(net):
        return clone(net).fit(X, y).predict_proba(X)

    serial = [fit_predict(net) for net in nets]
    with joblib.parallel_backend("threading", n_jobs=2):
        threaded = joblib.Parallel()(joblib.delayed(fit_predict)(net) for net in nets)
    for one, other in zip(serial, threaded, strict=True):
        np.testing.assert_array_equal(one, other)

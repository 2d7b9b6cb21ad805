"""Fitted estimators saved with pickle or skops predict as they did.

Every estimator is fitted once per module, saved, loaded and compared with
the original: probabilities, predictions and the learned tables. skops is
the format to hand to someone who should not have to trust a pickle; what
it needs from the loader (the ``trusted`` types) is checked too.
"""

import contextlib
import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
import torch
from _helpers import logreg, tiny_net
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknoisy import (
    ConfidentCleaner,
    LossRankFilter,
    MemorizationStopper,
    SknoisyWarning,
    inject_label_noise,
)


def sgd():
    return SGDClassifier(loss="log_loss", random_state=0)


# Each case: how to build it.
CASES = {
    "net": lambda: tiny_net(),
    "confident-logreg": lambda: ConfidentCleaner(logreg(), cv=3),
    "confident-net": lambda: ConfidentCleaner(tiny_net(), cv=3),
    "loss-rank-logreg": lambda: LossRankFilter(logreg(), fraction=0.1),
    "loss-rank-net": lambda: LossRankFilter(tiny_net(), warmup_epochs=5, fraction=0.1),
    "stopper-net": lambda: MemorizationStopper(
        tiny_net(), max_epochs=8, random_state=0
    ),
    "stopper-sgd": lambda: MemorizationStopper(sgd(), max_epochs=8, random_state=0),
    "pipeline": lambda: make_pipeline(
        StandardScaler(), ConfidentCleaner(tiny_net(), cv=3)
    ),
}
LEARNED_TABLES = ["label_issues_", "history_"]
SKNOISY_TYPES = {
    "sknoisy._confident.ConfidentCleaner",
    "sknoisy._loss_rank.LossRankFilter",
    "sknoisy._net.SmoothedNetClassifier",
    "sknoisy._stopper.MemorizationStopper",
}


@pytest.fixture(scope="module")
def data():
    """150 rows with string labels, 15 % of them wrong, and a row index."""
    rng = np.random.RandomState(0)
    codes = np.repeat([0, 1, 2], 50)
    X = rng.normal(size=(150, 3)) + 2.0 * np.eye(3)[codes]
    y, _ = inject_label_noise(
        np.array(["ant", "bee", "cat"])[codes], 0.15, random_state=0
    )
    index = pd.Index([f"row{i}" for i in range(150)], name="id")
    return pd.DataFrame(X, columns=["a", "b", "c"], index=index), y


@pytest.fixture(scope="module")
def fitted(data):
    """Every case, fitted once for the whole module."""
    X, y = data
    return {name: make().fit(X, y) for name, make in CASES.items()}


def skops_round_trip(estimator, folder):
    path = folder / "model.skops"
    sio.dump(estimator, path)
    untrusted = sio.get_untrusted_types(file=path)
    return sio.load(path, trusted=untrusted), untrusted


def final_step(estimator):
    return estimator[-1] if hasattr(estimator, "steps") else estimator


def assert_same_model(restored, original, X):
    assert type(restored) is type(original)
    np.testing.assert_allclose(
        restored.predict_proba(X), original.predict_proba(X), rtol=0, atol=1e-12
    )
    np.testing.assert_array_equal(restored.predict(X), original.predict(X))
    np.testing.assert_array_equal(restored.classes_, original.classes_)
    for name in LEARNED_TABLES:
        if hasattr(final_step(original), name):
            pd.testing.assert_frame_equal(
                getattr(final_step(restored), name), getattr(final_step(original), name)
            )


# ------------------------------------------------------------------ pickle


@pytest.mark.parametrize("case", list(CASES))
def test_pickle_round_trip(fitted, data, case):
    X, _ = data
    original = fitted[case]

    restored = pickle.loads(pickle.dumps(original))

    assert_same_model(restored, original, X)


@pytest.mark.parametrize("case", list(CASES))
def test_saving_leaves_the_fitted_estimator_usable(fitted, data, case, tmp_path):
    # Saving must not swap the live network or tables for their saved form.
    X, _ = data
    original = fitted[case]
    before = original.predict_proba(X)

    pickle.dumps(original)
    with contextlib.suppress(Exception):  # what skops refuses is tested below
        sio.dump(original, tmp_path / "model.skops")

    np.testing.assert_array_equal(original.predict_proba(X), before)
    for name in LEARNED_TABLES:
        if hasattr(final_step(original), name):
            assert isinstance(getattr(final_step(original), name), pd.DataFrame)


def test_pickled_net_keeps_training_like_the_original(data):
    X, y = data
    net = tiny_net(max_epochs=3).fit(X, y)
    restored = pickle.loads(pickle.dumps(net))

    net.partial_fit(X, y)
    restored.partial_fit(X, y)

    np.testing.assert_array_equal(restored.predict_proba(X), net.predict_proba(X))
    assert restored.n_epochs_ == net.n_epochs_ == 4


# ------------------------------------------------------------------- skops


@pytest.mark.parametrize(
    "case",
    list(CASES),
)
def test_skops_round_trip(fitted, data, case, tmp_path):
    X, _ = data
    original = fitted[case]

    restored, untrusted = skops_round_trip(original, tmp_path)

    assert_same_model(restored, original, X)
    # Only sknoisy's own estimators need the loader's trust; numpy,
    # scikit-learn and plain Python values are trusted by skops as they are.
    assert set(untrusted) <= SKNOISY_TYPES, untrusted


@pytest.mark.parametrize("case", ["net", "stopper-net"])
def test_skops_loaded_net_keeps_training_like_the_original(data, case, tmp_path):
    X, y = data
    original = CASES[case]().set_params(max_epochs=3).fit(X, y)
    restored, _ = skops_round_trip(original, tmp_path)

    model, loaded = final_step(original), final_step(restored)
    model = getattr(model, "estimator_", model)
    loaded = getattr(loaded, "estimator_", loaded)
    model.partial_fit(X, y)
    loaded.partial_fit(X, y)

    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("case", list(CASES))
def test_skops_round_trip_of_unfitted(case, tmp_path):
    # An unfitted estimator is parameters only, which skops stores today.
    original = CASES[case]()

    restored, untrusted = skops_round_trip(original, tmp_path)

    assert set(untrusted) <= SKNOISY_TYPES, untrusted
    assert repr(clone(restored)) == repr(clone(original))
    assert clone(restored).get_params(deep=False).keys() == (
        original.get_params(deep=False).keys()
    )


def test_skops_refuses_to_load_unless_trusted(tmp_path):
    # Without the list, loading stops before any sknoisy object is built.
    path = tmp_path / "model.skops"
    sio.dump(CASES["net"](), path)

    with pytest.raises(Exception, match="Untrusted types"):
        sio.load(path)


# ------------------------------------------------------------- CUDA to CPU


def as_if_trained_on_cuda(net):
    """Give a CPU-trained net the device attributes a fit on CUDA leaves.

    The tensors stay on the CPU, which is what skorch's unpickler turns them
    into anyway on a machine without CUDA; the CUDA generator state is a
    stand-in of the right type (a byte tensor).
    """
    net.set_params(device="cuda")
    net.device_ = "cuda"
    net.net_.device = "cuda"
    net._torch_rng_state = (net._torch_rng_state[0], torch.get_rng_state())
    return net


def test_net_trained_on_cuda_unpickles_on_a_machine_without_it(data, monkeypatch):
    X, y = data
    net = tiny_net().fit(X, y)
    expected = net.predict_proba(X)
    saved = pickle.dumps(as_if_trained_on_cuda(net))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)

    with warnings.catch_warnings():
        # skorch's own DeviceWarning says the same in its words.
        warnings.filterwarnings("ignore", message="Requested to load data to CUDA")
        warnings.filterwarnings("ignore", message="Setting self.device = cpu")
        with pytest.warns(SknoisyWarning, match="CUDA"):
            restored = pickle.loads(saved)

    assert restored.device_ == "cpu"
    assert next(restored.net_.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    restored.partial_fit(X, y)
    assert restored.n_epochs_ == net.n_epochs_ + 1


LOAD_ON_CPU = """
import pickle, sys
import numpy as np
import skops.io as sio
import torch

assert not torch.cuda.is_available()
path, kind, X_path, out_path = sys.argv[1:]
if kind == "pickle":
    with open(path, "rb") as file:
        net = pickle.load(file)
else:
    net = sio.load(path, trusted=sio.get_untrusted_types(file=path))
assert net.device_ == "cpu", net.device_
np.save(out_path, net.predict_proba(np.load(X_path)))
"""


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("kind", ["pickle", "skops"])
def test_net_trained_on_cuda_predicts_the_same_without_cuda(data, kind, tmp_path):
    X, y = data
    X = X.to_numpy(np.float32)
    net = tiny_net(device="cuda").fit(X, y)
    assert net.device_ == "cuda"
    path, X_path, out_path = (
        tmp_path / "net",
        tmp_path / "X.npy",
        tmp_path / "proba.npy",
    )
    if kind == "pickle":
        path.write_bytes(pickle.dumps(net))
    else:
        sio.dump(net, path)
    np.save(X_path, X)

    subprocess.run(
        [
            sys.executable,
            "-c",
            LOAD_ON_CPU,
            str(path),
            kind,
            str(X_path),
            str(out_path),
        ],
        check=True,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
        timeout=300,
    )

    np.testing.assert_allclose(np.load(out_path), net.predict_proba(X), atol=1e-5)

"""Seeded small data sets shared by the test modules."""

import pytest
import torch
from sklearn.datasets import load_digits, load_iris, make_blobs
from sklearn.preprocessing import StandardScaler

from sknoisy import inject_label_noise


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread():
    """Run torch on one thread for the whole suite.

    The networks in the tests are tiny; a second intra-op thread only adds
    synchronisation, and on a busy 2-core machine it made each fit about 20
    times slower.
    """
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)


def _standardised_read_only(load):
    """``(X, y)`` of a bundled data set, X standardised, both read-only."""
    X, y = load(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y


@pytest.fixture(scope="session")
def digits_scaled():
    """Digits (1797 x 64, 10 classes), standardised; read-only arrays."""
    return _standardised_read_only(load_digits)


@pytest.fixture
def noisy_blobs():
    """150 rows, 2 features, 3 overlapping classes, 15 % symmetric noise.

    Returns ``(X, y_noisy, is_flipped, y_true)``; labels are ints 0..2.
    """
    X, y = make_blobs(n_samples=150, centers=3, cluster_std=1.5, random_state=0)
    y_noisy, is_flipped = inject_label_noise(y, 0.15, random_state=0)
    return X, y_noisy, is_flipped, y


@pytest.fixture(scope="session")
def iris_scaled():
    """Iris (150 x 4, 3 classes labelled 0..2), standardised; read-only arrays."""
    return _standardised_read_only(load_iris)

"""The cleaners' folds and a grid search over them, run on a local Dask cluster.

Every loop over folds goes through joblib, so ``joblib.parallel_backend("dask")``
sends it to the cluster with no change to the code. The results must equal
the serial ones for the same seeds.
"""

import os

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from _helpers import tiny_net
from sklearn.model_selection import GridSearchCV

from sknoisy import ConfidentCleaner, LossRankFilter, inject_label_noise

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dask_client():
    """A client of two single-threaded worker processes on the loopback interface.

    The nanny sets ``OMP_NUM_THREADS`` and a few other variables in this
    process's own environment before it spawns a worker, and leaves them
    there; they are put back so that later tests and the subprocesses they
    start see the environment they would have seen without this module.
    """
    environ = dict(os.environ)
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    try:
        with distributed.Client(cluster) as client:
            yield client
    finally:
        cluster.close()
        os.environ.clear()
        os.environ.update(environ)


@pytest.fixture(scope="module")
def noisy_digits(digits_scaled):
    """600 digits with 20 % symmetric noise (seed 0)."""
    X, y = digits_scaled
    y_noisy, _ = inject_label_noise(y[:600], 0.2, random_state=0)
    return X[:600], y_noisy


def fit_serial_and_on_dask(make, X, y):
    """Fit ``make()`` in this process and under the Dask backend.

    Returns both fitted estimators and the list of tasks the cluster ran.
    """
    with joblib.parallel_backend("sequential"):
        serial = make().fit(X, y)
    with distributed.get_task_stream() as tasks, joblib.parallel_backend("dask"):
        on_dask = make().fit(X, y)
    return serial, on_dask, tasks.data


def test_confident_cleaner_on_dask_equals_serial(dask_client, noisy_digits):
    X, y = noisy_digits

    serial, on_dask, tasks = fit_serial_and_on_dask(
        lambda: ConfidentCleaner(tiny_net(max_epochs=10), cv=3, n_jobs=-1), X, y
    )

    # One task per fold, so the cluster did the work.
    assert len(tasks) >= 3
    pd.testing.assert_frame_equal(on_dask.label_issues_, serial.label_issues_)
    np.testing.assert_array_equal(on_dask.pred_probs_, serial.pred_probs_)
    np.testing.assert_array_equal(on_dask.predict_proba(X), serial.predict_proba(X))


def test_loss_rank_filter_on_dask_equals_serial(dask_client, noisy_digits):
    X, y = noisy_digits

    serial, on_dask, tasks = fit_serial_and_on_dask(
        lambda: LossRankFilter(
            tiny_net(), tiny_net(lr=1e-2), warmup_epochs=5, cv=3, n_jobs=-1
        ),
        X,
        y,
    )

    assert len(tasks) >= 3
    pd.testing.assert_frame_equal(on_dask.label_issues_, serial.label_issues_)
    np.testing.assert_array_equal(on_dask.sample_scores_, serial.sample_scores_)


def test_grid_search_over_cleaner_on_dask_equals_serial(dask_client, noisy_digits):
    X, y = noisy_digits

    def make():
        cleaner = ConfidentCleaner(tiny_net(max_epochs=5), cv=3, n_jobs=-1)
        return GridSearchCV(cleaner, {"action": ["drop", "reweight"]}, cv=2, n_jobs=-1)

    serial, on_dask, tasks = fit_serial_and_on_dask(make, X, y)

    # 4 candidate fits, their 12 nested folds and the refit's 3 folds.
    assert len(tasks) >= 4 + 12 + 3
    for key in ["split0_test_score", "split1_test_score", "mean_test_score"]:
        np.testing.assert_array_equal(on_dask.cv_results_[key], serial.cv_results_[key])
    assert on_dask.best_params_ == serial.best_params_
    pd.testing.assert_frame_equal(
        on_dask.best_estimator_.label_issues_, serial.best_estimator_.label_issues_
    )


def test_torch_runs_one_thread_in_each_dask_worker(dask_client):
    # What the scaling guide promises: the nanny starts each worker with
    # OMP_NUM_THREADS=1, so torch cannot oversubscribe the machine.
    threads = dask_client.run(torch.get_num_threads)

    assert len(threads) == 2
    assert set(threads.values()) == {1}

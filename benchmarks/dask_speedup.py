"""How much faster does out-of-fold detection run on a local Dask cluster?

Part one times ``ConfidentCleaner(SmoothedNetClassifier(random_state=0),
cv=4).find_label_issues`` on all of scikit-learn's digits (1,797 rows,
standardised, 20 % symmetric noise, seed 0): the out-of-fold detection that
joblib parallelises, without the final fit. Three settings take turns in
each of ``ROUNDS`` rounds, so that they see the same load from other work:

- serial in this process (joblib's sequential backend), torch on one thread;
- ``n_jobs=-1`` on joblib's loky backend (two worker processes here);
- ``n_jobs=-1`` under ``joblib.parallel_backend("dask")``, on a
  ``LocalCluster`` of two single-threaded worker processes on 127.0.0.1.

One untimed warm-up per setting starts the worker processes and imports
torch in them. Reported: the median time of each setting, the median of
the per-round speed-ups, and whether each table equals the serial one.
Then one serial run with torch on its default number of threads.

Part two measures the large-data path, as the peak of memory allocated
(tracemalloc; torch's own buffers are not counted) and the time: the
issue-finding step after the probabilities for 10^6 rows x 10 classes of
synthetic ``pred_probs``, with ``low_memory=False`` and ``low_memory=True``,
and ``SmoothedNetClassifier.predict_proba`` on a memory-mapped X of
200,000 x 64 float64 values.

Writes ``benchmarks/results/dask_speedup.json``. Run:
``.venv/bin/python benchmarks/dask_speedup.py``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import joblib
import numpy as np
import torch
from _results import versions, write_json_atomically
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from sknoisy import ConfidentCleaner, SmoothedNetClassifier, inject_label_noise
from sknoisy._confident import batched_confident_issues
from sknoisy._find_issues import confident_learning_issues

ROUNDS = 5
CV = 4
SEED = 0
MEMORY_ROWS, MEMORY_CLASSES = 1_000_000, 10
MEMMAP_ROWS, MEMMAP_FEATURES = 200_000, 64
RESULTS = Path(__file__).parent / "results" / "dask_speedup.json"
SETTINGS = {
    "serial": ("sequential", None),
    "loky, n_jobs=-1": ("loky", -1),
    "dask, 2 workers x 1 thread, n_jobs=-1": ("dask", -1),
}


def detect(X, y, backend: str, n_jobs):
    cleaner = ConfidentCleaner(
        SmoothedNetClassifier(random_state=SEED), cv=CV, n_jobs=n_jobs
    )
    with joblib.parallel_backend(backend):
        start = time.perf_counter()
        table = cleaner.find_label_issues(X, y)
        return time.perf_counter() - start, table


def timed_rounds(X, y) -> dict:
    for backend, n_jobs in SETTINGS.values():
        detect(X, y, backend, n_jobs)  # worker start-up and imports
    seconds = {name: [] for name in SETTINGS}
    tables = {}
    load = []
    for _ in range(ROUNDS):
        for name, (backend, n_jobs) in SETTINGS.items():
            elapsed, tables[name] = detect(X, y, backend, n_jobs)
            seconds[name].append(elapsed)
        load.append(os.getloadavg()[0])

    runs = {}
    for name, times in seconds.items():
        ratios = [a / b for a, b in zip(seconds["serial"], times, strict=True)]
        runs[name] = {
            "seconds": times,
            "median_seconds": statistics.median(times),
            "median_speedup_vs_serial": statistics.median(ratios),
            "equals_serial": bool(tables[name].equals(tables["serial"])),
        }
    return {"runs": runs, "load_average_1min_per_round": load}, tables["serial"]


def speedup_part() -> dict:
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    y_noisy, _ = inject_label_noise(y, 0.2, random_state=SEED)
    default_threads = torch.get_num_threads()
    torch.set_num_threads(1)

    from distributed import Client, LocalCluster

    start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        cluster_seconds = time.perf_counter() - start
        worker_threads = sorted(client.run(torch.get_num_threads).values())
        result, serial_table = timed_rounds(X, y_noisy)

    torch.set_num_threads(default_threads)
    elapsed, table = detect(X, y_noisy, "sequential", None)
    result["runs"][f"serial, torch {default_threads} threads (one run)"] = {
        "seconds": [elapsed],
        "median_seconds": elapsed,
        "load_average_1min_after": os.getloadavg()[0],
        "equals_serial": bool(table.equals(serial_table)),
    }
    return {
        "data": "sklearn digits, 1797 rows, standardised, 20 % symmetric noise",
        "detector": f"SmoothedNetClassifier(random_state={SEED}), cv={CV}",
        "timed": "find_label_issues (out-of-fold detection, no final fit)",
        "rounds": ROUNDS,
        "torch_threads_serial": 1,
        "cluster_start_seconds": cluster_seconds,
        "torch_threads_in_dask_workers": worker_threads,
        **result,
    }


def synthetic_pred_probs(n_rows: int, n_classes: int):
    """Probabilities peaked on the true class, with 10 % of labels redrawn."""
    rng = np.random.default_rng(SEED)
    codes = rng.integers(0, n_classes, n_rows)
    logits = rng.normal(size=(n_rows, n_classes))
    logits[np.arange(n_rows), codes] += 3.0
    noisy = rng.random(n_rows) < 0.1
    codes[noisy] = rng.integers(0, n_classes, int(noisy.sum()))
    pred_probs = np.exp(logits)
    pred_probs /= pred_probs.sum(axis=1, keepdims=True)
    return codes, pred_probs


def memory_part() -> dict:
    codes, pred_probs = synthetic_pred_probs(MEMORY_ROWS, MEMORY_CLASSES)
    paths = {
        "low_memory=False": lambda: confident_learning_issues(codes, pred_probs),
        "low_memory=True": lambda: batched_confident_issues(codes, pred_probs),
    }
    runs, masks = {}, {}
    for name, find in paths.items():
        # Traced from here on: only what the step itself allocates counts.
        tracemalloc.start()
        start = time.perf_counter()
        masks[name], _ = find()
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        runs[name] = {
            "peak_mib": peak / 2**20,
            "seconds": seconds,
            "n_flagged": int(masks[name].sum()),
        }
    return {
        "data": f"{MEMORY_ROWS} rows x {MEMORY_CLASSES} classes of synthetic "
        "float64 pred_probs, 10 % of labels redrawn",
        "pred_probs_mib": pred_probs.nbytes / 2**20,
        "runs": runs,
        "rows_where_the_masks_agree": float(
            np.mean(masks["low_memory=False"] == masks["low_memory=True"])
        ),
    }


def predict_memmap_part() -> dict:
    rng = np.random.default_rng(SEED)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "X.npy"
        X = np.lib.format.open_memmap(
            path, mode="w+", shape=(MEMMAP_ROWS, MEMMAP_FEATURES)
        )
        for start in range(0, MEMMAP_ROWS, 50_000):
            X[start : start + 50_000] = rng.normal(size=(50_000, MEMMAP_FEATURES))
        X.flush()
        X = np.load(path, mmap_mode="r")
        y = (X[:2000, 0] > 0).astype(int)
        net = SmoothedNetClassifier(max_epochs=2, random_state=SEED)
        net.fit(np.asarray(X[:2000]), y)

        tracemalloc.start()
        start = time.perf_counter()
        net.predict_proba(X)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del X
    return {
        "data": f"numpy.memmap of {MEMMAP_ROWS} x {MEMMAP_FEATURES} float64",
        "X_mib": MEMMAP_ROWS * MEMMAP_FEATURES * 8 / 2**20,
        "peak_mib": peak / 2**20,
        "seconds": seconds,
    }


def main() -> None:
    load_before = os.getloadavg()
    speedup = speedup_part()
    for name, run in speedup["runs"].items():
        ratio = run.get("median_speedup_vs_serial")
        print(
            f"{name}: {run['median_seconds']:.2f} s"
            + ("" if ratio is None else f", x{ratio:.2f}")
            + f", same table: {run['equals_serial']}",
            flush=True,
        )
    memory = memory_part()
    for name, run in memory["runs"].items():
        print(
            f"{name}: peak {run['peak_mib']:.0f} MiB, {run['seconds']:.2f} s, "
            f"{run['n_flagged']} flagged",
            flush=True,
        )
    predict = predict_memmap_part()
    print(
        f"predict_proba on a {predict['X_mib']:.0f} MiB memmap: peak "
        f"{predict['peak_mib']:.0f} MiB, {predict['seconds']:.2f} s",
        flush=True,
    )
    import cleanlab
    import distributed

    write_json_atomically(
        {
            "versions": {
                **versions(),
                "joblib": joblib.__version__,
                "distributed": distributed.__version__,
                "cleanlab": cleanlab.__version__,
            },
            "machine": f"{os.cpu_count()} logical CPUs, shared with other work",
            "load_average_before": list(load_before),
            "load_average_after": list(os.getloadavg()),
            "speedup": speedup,
            "low_memory": memory,
            "predict_proba_on_memmap": predict,
        },
        RESULTS,
    )


if __name__ == "__main__":
    main()

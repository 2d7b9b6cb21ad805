"""B4: how do the cleaners' time and memory grow with the number of rows?

Question: does finding label issues stay linear in the number of rows, and
how many bytes per row does it allocate on top of the data?

Set-up: ``make_classification`` with n = 10^4, 10^5 and 10^6 rows, 20
features (10 informative) and 10 classes, seed 0, float64; 20 % symmetric
noise. Each cleaner's ``find_label_issues`` (the detection, no final fit)
with a ``LogisticRegression()`` detector at scikit-learn's defaults, 5
folds, one thread for BLAS and torch. Every (method, n) point runs in a
fresh subprocess, so that one point's memory cannot hide another's:

- ``time`` is the wall time of the call;
- ``peak_traced`` is the peak of memory allocated during the call, as
  ``tracemalloc`` sees it (numpy's arrays included, the input not);
- ``maxrss`` is the subprocess's peak resident size (imports and data
  included), from ``resource.getrusage``.

The floor is ``cross_val_predict`` of the same detector alone: what any
out-of-fold method has to pay. A small network detector
(``SmoothedNetClassifier(max_epochs=20)``) is measured at 10^4 rows
only, and not with ``--quick``.
Reported per method: the log-log slope of time against n (1.0 is linear)
and the traced bytes per row at the largest n.

Run from the repository root::

    .venv/bin/python benchmarks/b4_scale.py          # up to 10^6 rows
    .venv/bin/python benchmarks/b4_scale.py --quick  # up to 10^5 rows

It prints a table and writes ``benchmarks/results/b4_scale.json``
(``b4_scale_quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from _results import machine, versions, write_json_atomically

SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
N_FEATURES, N_CLASSES, NOISE_RATE, SEED = 20, 10, 0.2, 0
NET = "ConfidentCleaner, SmoothedNetClassifier(max_epochs=20) detector"
NET_MAX_ROWS = 10_000
QUICK_NET_MAX_ROWS = 0
POINT_TIMEOUT_S = 900
RESULTS = Path(__file__).parent / "results"


def make_data(n_rows: int):
    from sklearn.datasets import make_classification

    from sknoisy import inject_label_noise

    X, y = make_classification(
        n_samples=n_rows,
        n_features=N_FEATURES,
        n_informative=10,
        n_redundant=5,
        n_classes=N_CLASSES,
        random_state=SEED,
    )
    y_noisy, _ = inject_label_noise(y, NOISE_RATE, random_state=SEED)
    return X, y_noisy


def methods() -> dict:
    """A function ``(X, y) -> None`` per method, built lazily in the subprocess."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from sknoisy import ConfidentCleaner, LossRankFilter, SmoothedNetClassifier

    def cv():
        return StratifiedKFold(5, shuffle=True, random_state=SEED)

    def cleanlab(X, y):
        from cleanlab.classification import CleanLearning

        CleanLearning(LogisticRegression(), seed=SEED).find_label_issues(X, y)

    return {
        "floor: cross_val_predict(LogisticRegression) alone": lambda X, y: (
            cross_val_predict(
                LogisticRegression(), X, y, cv=cv(), method="predict_proba"
            )
        ),
        "ConfidentCleaner, LogisticRegression detector": lambda X, y: ConfidentCleaner(
            LogisticRegression(), cv=cv()
        ).find_label_issues(X, y),
        "ConfidentCleaner, LogisticRegression detector, low_memory=True": (
            lambda X, y: ConfidentCleaner(
                LogisticRegression(), cv=cv(), low_memory=True
            ).find_label_issues(X, y)
        ),
        'LossRankFilter(LogisticRegression, cv=5), fraction="auto"': lambda X, y: (
            LossRankFilter(LogisticRegression(), cv=cv()).find_label_issues(X, y)
        ),
        "cleanlab CleanLearning(LogisticRegression)": cleanlab,
        NET: lambda X, y: ConfidentCleaner(
            SmoothedNetClassifier(max_epochs=20, random_state=SEED), cv=cv()
        ).find_label_issues(X, y),
    }


def measure_point(method: str, n_rows: int) -> dict:
    """One (method, n) point, in this process: time and memory of the call."""
    import torch
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    X, y = make_data(n_rows)
    call = methods()[method]
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    with threadpool_limits(1), warnings.catch_warnings():
        # LogisticRegression at its default max_iter may stop early on 10^6
        # rows; the cost of the call is what is measured here.
        warnings.simplefilter("ignore", ConvergenceWarning)
        tracemalloc.start()
        start = time.perf_counter()
        call(X, y)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {
        "method": method,
        "n_rows": n_rows,
        "seconds": seconds,
        "peak_traced_bytes": peak,
        "traced_bytes_per_row": peak / n_rows,
        "input_bytes": int(X.nbytes + y.nbytes),
        "maxrss_before_call_bytes": maxrss_before,
        "maxrss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def run_point(method: str, n_rows: int, timeout: float = POINT_TIMEOUT_S) -> dict:
    """``measure_point`` in a fresh subprocess; a failure is recorded, not raised."""
    command = [sys.executable, __file__, "--point", method, str(n_rows)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"method": method, "n_rows": n_rows, "error": f"over {timeout} s"}
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        return {"method": method, "n_rows": n_rows, "error": tail[0]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def slopes(points: list[dict]) -> list[dict]:
    out = []
    for method in dict.fromkeys(p["method"] for p in points):
        ok = [p for p in points if p["method"] == method and "error" not in p]
        item = {"method": method, "n_points": len(ok)}
        if len(ok) >= 2:
            n = np.log([p["n_rows"] for p in ok])
            item["time_slope"] = float(
                np.polyfit(n, np.log([p["seconds"] for p in ok]), 1)[0]
            )
            item["memory_slope"] = float(
                np.polyfit(n, np.log([p["peak_traced_bytes"] for p in ok]), 1)[0]
            )
        largest = max(ok, key=lambda p: p["n_rows"], default=None)
        if largest is not None:
            item["largest_n"] = largest["n_rows"]
            item["traced_bytes_per_row_at_largest_n"] = largest["traced_bytes_per_row"]
            item["seconds_at_largest_n"] = largest["seconds"]
        out.append(item)
    return out


def run(quick: bool, *, sizes=None, only=None) -> dict:
    """The whole benchmark as a JSON-ready dict; ``only`` keeps some methods."""
    if sizes is None:
        sizes = QUICK_SIZES if quick else SIZES
    net_max = QUICK_NET_MAX_ROWS if quick else NET_MAX_ROWS
    names = [name for name in methods() if only is None or name in only]
    started = machine()
    start = time.perf_counter()
    points = []
    for n_rows in sizes:
        for method in names:
            if method == NET and n_rows > net_max:
                continue
            points.append(run_point(method, n_rows))
            point = points[-1]
            status = point.get("error") or (
                f"{point['seconds']:.2f} s, "
                f"{point['traced_bytes_per_row']:.0f} B/row traced"
            )
            print(f"n={n_rows:>9,} {method[:62]:<62} {status}", flush=True)

    return {
        "benchmark": "B4 scale",
        "question": "time and memory of find_label_issues against the number of rows",
        "quick": quick,
        "command": "python benchmarks/b4_scale.py" + (" --quick" if quick else ""),
        "data": f"make_classification, {N_FEATURES} features, {N_CLASSES} classes, "
        f"float64, {NOISE_RATE:.0%} symmetric noise",
        "sizes": list(sizes),
        "threads": 1,
        "versions": versions(),
        "machine_at_start": started,
        "machine_at_end": machine(),
        "wall_seconds": time.perf_counter() - start,
        "points": points,
        "slopes": slopes(points),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="up to 10^5 rows")
    parser.add_argument(
        "--point", nargs=2, metavar=("METHOD", "N"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.point:
        print(json.dumps(measure_point(args.point[0], int(args.point[1]))))
        return

    payload = run(args.quick)
    name = "b4_scale_quick.json" if args.quick else "b4_scale.json"
    write_json_atomically(payload, RESULTS / name)
    for item in payload["slopes"]:
        slope = item.get("time_slope")
        print(
            f"{item['method'][:62]:<62} slope "
            + ("–" if slope is None else f"{slope:.2f}")
            + f", {item.get('traced_bytes_per_row_at_largest_n', float('nan')):.0f}"
            " B/row"
        )
    print(f"\nwrote {RESULTS / name}")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()

"""B1: how well does each method find the labels that were flipped?

Question: on real data with a known share of wrong labels, which rows does
each detector flag, how many of them were really flipped, and at what
cost in time? Compared are sknoisy's cleaners and the tools a user would
pick instead, each called as its documentation shows.

Set-up: scikit-learn's digits (1,797 rows, 10 classes), wine (178 rows, 3
classes) and breast cancer (569 rows, 2 classes), standardised; 20 % of
all labels flipped, symmetric (to a random other class) and pair-flip
(class k to k+1), seeds 0, 1 and 2 for noise, folds and networks alike.
Every method sees the same noisy labels and, where it takes folds, the
same ``StratifiedKFold(5, shuffle=True, random_state=seed)``:

- ``ConfidentCleaner`` with a ``LogisticRegression(max_iter=1000)``
  detector, and with a ``SmoothedNetClassifier()`` detector (its
  defaults: one hidden layer of 100, 100 epochs);
- ``LossRankFilter(SmoothedNetClassifier())``, in-sample after 20 warm-up
  epochs, with ``fraction="auto"`` and with ``fraction=0.2``;
- cleanlab's ``CleanLearning(LogisticRegression(max_iter=1000))
  .find_label_issues`` (the same base model; its 5 folds, shuffled with
  the same seed, are the same folds);
- doubtlab (if installed): a ``DoubtEnsemble`` of ``ProbaReason`` and
  ``WrongPredictionReason`` on a ``LogisticRegression`` fitted to all rows,
  as its documentation shows; a row is flagged when any reason fires;
- loss ranking by hand: 5-fold out-of-fold ``LogisticRegression``
  log-loss of the given label, the highest 20 % flagged.

The fixed 20 % cuts are told the true noise rate; the other methods are
not. Reported per method: precision, recall and F1 of the flags against
the flipped mask, AUROC of the label-quality score (doubtlab: the number
of reasons that fire), the best F1 any cut of that score reaches when
chosen in hindsight (the ceiling of the ranking), and the wall time of
the detection alone (no final fit). Torch runs on one thread. The
methods of one (data, noise, seed) run back to back, so their times see
the same load.

Run from the repository root::

    .venv/bin/python benchmarks/b1_detection.py          # the whole grid
    .venv/bin/python benchmarks/b1_detection.py --quick  # digits, seed 0

It prints a table and writes ``benchmarks/results/b1_detection.json``
(``b1_detection_quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from _results import machine, versions, write_json_atomically
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.preprocessing import StandardScaler

from sknoisy import (
    ConfidentCleaner,
    LossRankFilter,
    SmoothedNetClassifier,
    detection_scores,
    inject_label_noise,
)

SEEDS = (0, 1, 2)
NOISE = (("symmetric", 0.2), ("pair", 0.2))
DATASETS = {
    "digits": load_digits,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
}
HAND_FRACTION = 0.2
TIME_REPEATS = 3
RESULTS = Path(__file__).parent / "results"

Detector = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def logistic() -> LogisticRegression:
    return LogisticRegression(max_iter=1000)


def folds(seed: int) -> StratifiedKFold:
    return StratifiedKFold(5, shuffle=True, random_state=seed)


def _table(cleaner) -> Detector:
    def detect(X, y):
        table = cleaner.find_label_issues(X, y)
        return table["is_label_issue"].to_numpy(), table["label_quality"].to_numpy()

    return detect


def _cleanlab(seed: int) -> Detector:
    from cleanlab.classification import CleanLearning

    def detect(X, y):
        issues = CleanLearning(logistic(), seed=seed).find_label_issues(X, y)
        return issues["is_label_issue"].to_numpy(), issues["label_quality"].to_numpy()

    return detect


def _doubtlab() -> Detector:
    from doubtlab.ensemble import DoubtEnsemble
    from doubtlab.reason import ProbaReason, WrongPredictionReason

    def detect(X, y):
        model = logistic().fit(X, y)
        doubt = DoubtEnsemble(
            proba=ProbaReason(model=model), wrong=WrongPredictionReason(model=model)
        )
        predicates = doubt.get_predicates(X, y).sort_index()
        n_reasons = predicates.sum(axis=1).to_numpy(dtype=float)
        return n_reasons > 0, -n_reasons

    return detect


def _hand_loss_rank(seed: int) -> Detector:
    def detect(X, y):
        proba = cross_val_predict(
            logistic(), X, y, cv=folds(seed), method="predict_proba"
        )
        loss = -np.log(np.clip(proba[np.arange(len(y)), y], 1e-12, None))
        is_issue = np.zeros(len(y), dtype=bool)
        is_issue[np.argsort(-loss, kind="stable")[: round(HAND_FRACTION * len(y))]] = (
            True
        )
        return is_issue, -loss

    return detect


NET_METHODS = (
    "ConfidentCleaner, SmoothedNetClassifier detector",
    'LossRankFilter, fraction="auto"',
    "LossRankFilter, fraction=0.2",
)


def detectors(seed: int, net_epochs: int | None = None) -> dict[str, Detector]:
    """Every method, by name; unavailable peers are left out.

    ``net_epochs`` shortens the networks (for smoke tests only).
    """

    def net():
        params = {} if net_epochs is None else {"max_epochs": net_epochs}
        return SmoothedNetClassifier(random_state=seed, **params)

    warmup = {} if net_epochs is None else {"warmup_epochs": net_epochs}
    methods = {
        "ConfidentCleaner, LogisticRegression detector": _table(
            ConfidentCleaner(logistic(), cv=folds(seed))
        ),
        NET_METHODS[0]: _table(ConfidentCleaner(net(), cv=folds(seed))),
        NET_METHODS[1]: _table(LossRankFilter(net(), **warmup)),
        NET_METHODS[2]: _table(LossRankFilter(net(), fraction=0.2, **warmup)),
        "cleanlab CleanLearning(LogisticRegression)": _cleanlab(seed),
        "hand-written loss ranking (5-fold LogisticRegression, top 20 %)": (
            _hand_loss_rank(seed)
        ),
    }
    try:
        methods["doubtlab (ProbaReason + WrongPredictionReason)"] = _doubtlab()
    except ImportError:
        pass  # main() says so once
    return methods


def load(name: str):
    X, y = DATASETS[name](return_X_y=True)
    return StandardScaler().fit_transform(X), y


def best_cut_f1(is_flipped: np.ndarray, quality: np.ndarray) -> float:
    """The highest F1 any cut of this ranking reaches, chosen in hindsight.

    The ceiling of a method's scores: flagging the k least trustworthy rows
    for the best k. A method's own cut can only reach it.
    """
    order = np.argsort(quality, kind="stable")
    hits = np.cumsum(np.asarray(is_flipped)[order])
    flagged = np.arange(1, len(order) + 1)
    return float(np.max(2 * hits / (flagged + hits[-1])))


def run_one(X, y, dataset, kind, rate, seed, methods, repeats=TIME_REPEATS):
    """Score each method once on one noisy copy of ``y``.

    The quick methods (no network) are timed ``repeats`` times, in rounds
    whose order alternates, and keep their median time: one call takes
    about a second, short enough for the load of the moment to decide it.
    """
    y_noisy, is_flipped = inject_label_noise(y, rate, kind=kind, random_state=seed)
    results, seconds = {}, {name: [] for name in methods}
    names = list(methods)
    for round_ in range(repeats):
        order = names if round_ % 2 == 0 else names[::-1]
        for name in order:
            if round_ > 0 and name in NET_METHODS:
                continue
            start = time.perf_counter()
            results[name] = methods[name](X, y_noisy)
            seconds[name].append(time.perf_counter() - start)

    rows = []
    for name in names:
        is_issue, quality = results[name]
        scores = detection_scores(is_flipped, is_issue, quality)
        rows.append(
            {
                "dataset": dataset,
                "noise_kind": kind,
                "noise_rate": rate,
                "seed": seed,
                "method": name,
                **{k: scores[k] for k in ("precision", "recall", "f1", "auroc")},
                "best_cut_f1": best_cut_f1(is_flipped, quality),
                "n_flagged": scores["n_flagged"],
                "n_flipped": scores["n_flipped"],
                "fit_seconds": statistics.median(seconds[name]),
                "fit_seconds_all": seconds[name],
            }
        )
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    summary = []
    for dataset, kind, rate, method in dict.fromkeys(
        (r["dataset"], r["noise_kind"], r["noise_rate"], r["method"]) for r in rows
    ):
        runs = [
            r
            for r in rows
            if (r["dataset"], r["noise_kind"], r["noise_rate"], r["method"])
            == (dataset, kind, rate, method)
        ]
        item = {
            "dataset": dataset,
            "noise_kind": kind,
            "noise_rate": rate,
            "method": method,
            "n_seeds": len(runs),
        }
        for key in ("precision", "recall", "f1", "auroc", "best_cut_f1", "fit_seconds"):
            values = np.array([r[key] for r in runs], dtype=float)
            item[f"{key}_mean"] = float(values.mean())
            item[f"{key}_std"] = float(values.std(ddof=1)) if len(runs) > 1 else 0.0
        summary.append(item)
    return summary


CLEANLAB = "cleanlab CleanLearning(LogisticRegression)"
SAME_BASE = "ConfidentCleaner, LogisticRegression detector"


def against_cleanlab(rows: list[dict]) -> dict:
    """The targets: same-base F1 and time, and the best sknoisy F1, vs cleanlab."""
    by_run = {}
    for r in rows:
        key = (r["dataset"], r["noise_kind"], r["noise_rate"], r["seed"])
        by_run.setdefault(key, {})[r["method"]] = r
    if not all(CLEANLAB in runs for runs in by_run.values()):
        return {}
    time_ratio = [
        runs[SAME_BASE]["fit_seconds"] / runs[CLEANLAB]["fit_seconds"]
        for runs in by_run.values()
    ]
    f1_difference = [
        runs[SAME_BASE]["f1"] - runs[CLEANLAB]["f1"] for runs in by_run.values()
    ]
    flagged_difference = [
        runs[SAME_BASE]["n_flagged"] - runs[CLEANLAB]["n_flagged"]
        for runs in by_run.values()
    ]
    summary = summarise(rows)
    settings = dict.fromkeys(
        (s["dataset"], s["noise_kind"], s["noise_rate"]) for s in summary
    )
    best = []
    for dataset, kind, rate in settings:
        items = [
            s
            for s in summary
            if (s["dataset"], s["noise_kind"], s["noise_rate"]) == (dataset, kind, rate)
        ]
        ours = [s for s in items if s["method"].startswith(("ConfidentC", "LossRank"))]
        top = max(ours, key=lambda s: s["f1_mean"])
        peer = next(s for s in items if s["method"] == CLEANLAB)
        best.append(
            {
                "dataset": dataset,
                "noise_kind": kind,
                "noise_rate": rate,
                "best_sknoisy_method": top["method"],
                "best_sknoisy_f1": top["f1_mean"],
                "cleanlab_f1": peer["f1_mean"],
                "relative_gain": top["f1_mean"] / peer["f1_mean"] - 1,
                "best_sknoisy_best_cut_f1": max(s["best_cut_f1_mean"] for s in ours),
            }
        )
    return {
        "same_base_time_ratio_median": statistics.median(time_ratio),
        "same_base_time_ratio_per_run": time_ratio,
        "same_base_f1_minus_cleanlab_mean": float(np.mean(f1_difference)),
        "same_base_f1_minus_cleanlab_per_run": f1_difference,
        "same_base_n_flagged_minus_cleanlab_per_run": flagged_difference,
        "same_base_f1_at_least_cleanlab_runs": int(
            sum(d >= -1e-12 for d in f1_difference)
        ),
        "n_runs": len(by_run),
        "best_per_setting": best,
    }


def run(
    quick: bool,
    *,
    datasets=None,
    seeds=None,
    only=None,
    net_epochs=None,
    repeats=TIME_REPEATS,
) -> dict:
    """The whole benchmark as a JSON-ready dict.

    The keyword arguments shrink it for smoke tests: ``only`` keeps the
    methods whose names it lists, ``net_epochs`` shortens the networks.
    """
    if datasets is None:
        datasets = ("digits",) if quick else tuple(DATASETS)
    if seeds is None:
        seeds = SEEDS[:1] if quick else SEEDS

    torch.set_num_threads(1)
    started = machine()
    start = time.perf_counter()
    rows = []
    for dataset in datasets:
        X, y = load(dataset)
        for kind, rate in NOISE:
            for seed in seeds:
                methods = detectors(seed, net_epochs)
                if only is not None:
                    methods = {k: v for k, v in methods.items() if k in only}
                rows += run_one(X, y, dataset, kind, rate, seed, methods, repeats)
                print(f"{dataset} {rate:.0%} {kind} seed {seed} done", flush=True)

    import cleanlab

    return {
        "benchmark": "B1 detection",
        "question": "precision, recall, F1 and AUROC against the flipped mask",
        "quick": quick,
        "command": "python benchmarks/b1_detection.py" + (" --quick" if quick else ""),
        "data": "sklearn " + ", ".join(datasets) + "; StandardScaler on all rows",
        "noise": [f"{rate:.0%} {kind}" for kind, rate in NOISE],
        "seeds": list(seeds),
        "versions": {**versions(), "cleanlab": cleanlab.__version__},
        "machine_at_start": started,
        "machine_at_end": machine(),
        "wall_seconds": time.perf_counter() - start,
        "summary": summarise(rows),
        "against_cleanlab": against_cleanlab(rows),
        "runs": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="digits, seed 0 only")
    args = parser.parse_args()
    if importlib.util.find_spec("doubtlab") is None:
        print("doubtlab is not installed: B1 runs without it (pip install doubtlab)")
    payload = run(args.quick)
    summary = payload["summary"]
    name = "b1_detection_quick.json" if args.quick else "b1_detection.json"
    write_json_atomically(payload, RESULTS / name)

    for item in summary:
        setting = f"{item['dataset']} {item['noise_rate']:.0%} {item['noise_kind']}"
        print(
            f"{setting:<26} {item['method'][:50]:<50} "
            f"F1 {item['f1_mean']:.3f} ± {item['f1_std']:.3f}  "
            f"AUROC {item['auroc_mean']:.3f}  {item['fit_seconds_mean']:.2f} s"
        )
    print(f"\nwrote {RESULTS / name}")


if __name__ == "__main__":
    main()

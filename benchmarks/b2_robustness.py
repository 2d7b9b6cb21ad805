"""B2: how much of the accuracy lost to wrong labels does each strategy win back?

Question: trained on digits with 20 % or 40 % of the training labels
flipped, how close to a network trained on the true labels does each of
sknoisy's strategies get on clean test labels?

Set-up: scikit-learn's digits, standardised on the training split, 75/25
stratified split; symmetric noise injected into the training labels only;
seeds 0, 1 and 2 for split, noise and networks alike. Every strategy
uses ``SmoothedNetClassifier()`` at its defaults (one hidden layer of 100,
Adam at lr=1e-3, 100 epochs) and changes one thing: the label smoothing,
the loss, a ``MemorizationStopper`` around it, or a cleaner in front of it
(action ``"drop"``). The oracle is the same network on the true labels.
Reported: clean-test accuracy and the recovered fraction

    (acc - acc_noisy) / (acc_oracle - acc_noisy),

where ``acc_noisy`` is the plain network on the noisy labels: 0 means no
better than doing nothing, 1 as good as knowing the true labels. It is
computed from the means over seeds, and per seed for the spread. Torch
runs on one thread.

Run from the repository root::

    .venv/bin/python benchmarks/b2_robustness.py          # 3 seeds
    .venv/bin/python benchmarks/b2_robustness.py --quick  # seed 0, fewer models

It prints a table and writes ``benchmarks/results/b2_robustness.json``
(``b2_robustness_quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from _results import machine, versions, write_json_atomically
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler

from sknoisy import (
    ConfidentCleaner,
    LossRankFilter,
    MemorizationStopper,
    SmoothedNetClassifier,
    inject_label_noise,
)

SEEDS = (0, 1, 2)
NOISE_RATES = (0.2, 0.4)
TARGETS = {0.2: 0.8, 0.4: 0.6}
PLAIN = "plain net (cross_entropy)"
ORACLE = "oracle: plain net on the true labels"
RESULTS = Path(__file__).parent / "results"
# Left out of --quick: six network fits per run.
SLOW = ("ConfidentCleaner(net), net detector",)


def strategies(
    seed: int, max_epochs: int | None = None
) -> dict[str, Callable[[], object]]:
    """An unfitted model per strategy; ``max_epochs`` is for smoke tests."""

    def net(**params):
        if max_epochs is not None:
            params["max_epochs"] = max_epochs
        return SmoothedNetClassifier(random_state=seed, **params)

    warmup = {} if max_epochs is None else {"warmup_epochs": max_epochs}
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    return {
        PLAIN: lambda: net(),
        "label_smoothing=0.1": lambda: net(label_smoothing=0.1),
        "generalized_cross_entropy": lambda: net(loss="generalized_cross_entropy"),
        "symmetric_cross_entropy": lambda: net(loss="symmetric_cross_entropy"),
        "soft_bootstrap": lambda: net(loss="soft_bootstrap"),
        "hard_bootstrap": lambda: net(loss="hard_bootstrap"),
        "MemorizationStopper(net)": lambda: MemorizationStopper(
            net(), random_state=seed
        ),
        "ConfidentCleaner(net), LogisticRegression detector": lambda: ConfidentCleaner(
            net(), LogisticRegression(max_iter=1000), cv=cv
        ),
        "ConfidentCleaner(net), net detector": lambda: ConfidentCleaner(net(), cv=cv),
        'LossRankFilter(net), fraction="auto"': lambda: LossRankFilter(net(), **warmup),
        'LossRankFilter(generalized_cross_entropy net), plain-net ranker, "auto"': (
            lambda: LossRankFilter(
                net(loss="generalized_cross_entropy"), ranker=net(), **warmup
            )
        ),
    }


def load(seed: int, rate: float):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    y_noisy, _ = inject_label_noise(y_train, rate, random_state=seed)
    return scaler.transform(X_train), y_train, y_noisy, scaler.transform(X_test), y_test


def run_seed(seed, rates, models: dict[str, Callable[[], object]]) -> list[dict]:
    rows = []
    for i, rate in enumerate(rates):
        X, y_true, y_noisy, X_test, y_test = load(seed, rate)
        jobs = [(name, y_noisy) for name in models]
        if i == 0:  # the split depends on the seed only
            jobs.append((ORACLE, y_true))
        for name, labels in jobs:
            make = models[PLAIN] if name == ORACLE else models[name]
            start = time.perf_counter()
            model = make().fit(X, labels)
            rows.append(
                {
                    "seed": seed,
                    "noise_rate": None if name == ORACLE else rate,
                    "model": name,
                    "test_accuracy": float(model.score(X_test, y_test)),
                    "fit_seconds": time.perf_counter() - start,
                }
            )
    return rows


def recovered(acc: float, acc_noisy: float, acc_oracle: float) -> float | None:
    """None when the noise cost nothing: there was nothing to recover."""
    lost = acc_oracle - acc_noisy
    return None if lost == 0 else (acc - acc_noisy) / lost


def summarise(rows: list[dict]) -> list[dict]:
    oracle = {r["seed"]: r["test_accuracy"] for r in rows if r["model"] == ORACLE}
    oracle_mean = float(np.mean(list(oracle.values())))
    summary = []
    rates = sorted({r["noise_rate"] for r in rows if r["noise_rate"] is not None})
    for rate in rates:
        at_rate = [r for r in rows if r["noise_rate"] == rate]
        plain = {r["seed"]: r["test_accuracy"] for r in at_rate if r["model"] == PLAIN}
        plain_mean = float(np.mean(list(plain.values())))
        for name in dict.fromkeys(r["model"] for r in at_rate):
            runs = [r for r in at_rate if r["model"] == name]
            accuracy = np.array([r["test_accuracy"] for r in runs])
            per_seed = [
                recovered(r["test_accuracy"], plain[r["seed"]], oracle[r["seed"]])
                for r in runs
            ]
            summary.append(
                {
                    "noise_rate": rate,
                    "model": name,
                    "n_seeds": len(runs),
                    "test_accuracy_mean": float(accuracy.mean()),
                    "test_accuracy_std": float(accuracy.std(ddof=1))
                    if len(runs) > 1
                    else 0.0,
                    "recovered_fraction": recovered(
                        float(accuracy.mean()), plain_mean, oracle_mean
                    ),
                    "recovered_fraction_per_seed": per_seed,
                    "fit_seconds_mean": float(
                        np.mean([r["fit_seconds"] for r in runs])
                    ),
                }
            )
    return summary


def targets(summary: list[dict]) -> list[dict]:
    out = []
    for rate, target in TARGETS.items():
        items = [
            s
            for s in summary
            if s["noise_rate"] == rate
            and s["model"] != PLAIN
            and s["recovered_fraction"] is not None
        ]
        if not items:
            continue
        best = max(items, key=lambda s: s["recovered_fraction"])
        out.append(
            {
                "noise_rate": rate,
                "target": target,
                "best_model": best["model"],
                "best_recovered_fraction": best["recovered_fraction"],
                "met": best["recovered_fraction"] >= target,
            }
        )
    return out


def run(quick: bool, *, seeds=None, only=None, max_epochs=None) -> dict:
    """The whole benchmark as a JSON-ready dict.

    ``only`` keeps the strategies whose names it lists (the plain network
    always runs: it is the baseline), ``max_epochs`` shortens every network;
    both are for smoke tests.
    """
    if seeds is None:
        seeds = SEEDS[:1] if quick else SEEDS
    torch.set_num_threads(1)
    started = machine()
    start = time.perf_counter()
    rows = []
    for seed in seeds:
        models = strategies(seed, max_epochs)
        keep = [name for name in models if not (quick and name in SLOW)]
        if only is not None:
            keep = [name for name in keep if name in only or name == PLAIN]
        rows += run_seed(seed, NOISE_RATES, {name: models[name] for name in keep})
        print(f"seed {seed} done", flush=True)
    summary = summarise(rows)
    return {
        "benchmark": "B2 robustness",
        "question": "clean-test accuracy and recovered fraction of each strategy",
        "quick": quick,
        "command": "python benchmarks/b2_robustness.py" + (" --quick" if quick else ""),
        "data": "sklearn digits, StandardScaler, 75/25 stratified split",
        "noise": "symmetric, training labels only",
        "network": "SmoothedNetClassifier() defaults",
        "seeds": list(seeds),
        "versions": versions(),
        "machine_at_start": started,
        "machine_at_end": machine(),
        "wall_seconds": time.perf_counter() - start,
        "summary": summary,
        "oracle_accuracy": [r["test_accuracy"] for r in rows if r["model"] == ORACLE],
        "targets": targets(summary),
        "runs": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="seed 0; no net-detector cleaner"
    )
    args = parser.parse_args()
    payload = run(args.quick)
    summary = payload["summary"]
    name = "b2_robustness_quick.json" if args.quick else "b2_robustness.json"
    write_json_atomically(payload, RESULTS / name)

    for item in summary:
        fraction = item["recovered_fraction"]
        print(
            f"{item['noise_rate']:.0%}  {item['model'][:64]:<64} "
            f"{item['test_accuracy_mean']:.3f} ± {item['test_accuracy_std']:.3f}  "
            "recovered " + ("–" if fraction is None else f"{fraction:.2f}")
        )
    print(f"oracle {np.mean(payload['oracle_accuracy']):.3f}\nwrote {RESULTS / name}")


if __name__ == "__main__":
    main()

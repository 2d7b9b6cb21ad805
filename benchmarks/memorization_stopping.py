"""Does stopping before memorisation beat training to the end on noisy labels?

Question: on real digits with 40 % of the training labels flipped, is a
network stopped by MemorizationStopper more accurate on clean test labels
than the same network trained for all its epochs? And how much do
``patience`` and ``validation_fraction`` matter?

Set-up: scikit-learn's digits, standardised, 75/25 stratified split, 40 %
symmetric noise injected into the training labels only (test labels stay
clean), SmoothedNetClassifier(hidden_layer_sizes=(256,)) trained for 200
epochs, seeds 0, 1 and 2 for split, noise and network alike. The same runs
on clean labels are the control: what stopping costs when nothing is wrong.
The "best epoch in hindsight" row peeks at the test labels after every
epoch; no real method can, it is the ceiling for any stopping rule.

Run from the repository root::

    python benchmarks/memorization_stopping.py

It prints a table and writes ``benchmarks/results/memorization_stopping.json``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from _results import versions, write_json_atomically
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sknoisy import MemorizationStopper, SmoothedNetClassifier, inject_label_noise

SEEDS = (0, 1, 2)
NOISE_RATES = (0.4, 0.0)  # the question, and a clean-label control
HIDDEN = (256,)
MAX_EPOCHS = 200
# (name, MemorizationStopper parameters besides max_epochs and random_state)
VARIANTS = {
    "stopped (defaults)": {},
    "stopped, refit_full": {"refit_full": True},
    "stopped, patience=3": {"patience": 3},
    "stopped, patience=30": {"patience": 30},
    "stopped, validation_fraction=0.2": {"validation_fraction": 0.2},
    "stopped, restore_best=False": {"restore_best": False},
}
CONTROL_VARIANTS = ("stopped (defaults)", "stopped, refit_full")
RESULTS = Path(__file__).parent / "results" / "memorization_stopping.json"


def load_noisy_digits(seed: int, noise_rate: float):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    y_given = y_train
    if noise_rate > 0:
        y_given, _ = inject_label_noise(y_train, noise_rate, random_state=seed)
    return scaler.transform(X_train), y_given, scaler.transform(X_test), y_test


def net(seed: int) -> SmoothedNetClassifier:
    return SmoothedNetClassifier(HIDDEN, max_epochs=MAX_EPOCHS, random_state=seed)


def run_seed(seed: int, noise_rate: float) -> list[dict]:
    X_train, y_given, X_test, y_test = load_noisy_digits(seed, noise_rate)
    base = {"seed": seed, "noise_rate": noise_rate}
    rows = []

    # Epoch by epoch (the same as fit(max_epochs=200)), scoring the clean test
    # labels after each epoch to know the best epoch in hindsight.
    start = time.perf_counter()
    full = net(seed)
    test_accuracy = []
    for _ in range(MAX_EPOCHS):
        full.partial_fit(X_train, y_given, classes=np.unique(y_given))
        test_accuracy.append(full.score(X_test, y_test))
    seconds = time.perf_counter() - start
    rows.append(
        base
        | {
            "model": f"trained {MAX_EPOCHS} epochs",
            "test_accuracy": test_accuracy[-1],
            "best_epoch": None,
            "memorization_epoch": None,
            "n_epochs": MAX_EPOCHS,
            "fit_seconds": seconds,
        }
    )
    hindsight = int(np.argmax(test_accuracy))
    rows.append(
        base
        | {
            "model": "best epoch in hindsight (test labels)",
            "test_accuracy": test_accuracy[hindsight],
            "best_epoch": hindsight + 1,
            "memorization_epoch": None,
            "n_epochs": MAX_EPOCHS,
            "fit_seconds": None,
        }
    )

    names = VARIANTS if noise_rate > 0 else CONTROL_VARIANTS
    for name in names:
        start = time.perf_counter()
        stopper = MemorizationStopper(
            net(seed), max_epochs=MAX_EPOCHS, random_state=seed, **VARIANTS[name]
        ).fit(X_train, y_given)
        rows.append(
            base
            | {
                "model": name,
                "test_accuracy": stopper.score(X_test, y_test),
                "best_epoch": stopper.best_epoch_,
                "memorization_epoch": stopper.memorization_epoch_,
                "n_epochs": stopper.n_epochs_,
                "fit_seconds": time.perf_counter() - start,
            }
        )
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    summary = []
    groups = dict.fromkeys((r["noise_rate"], r["model"]) for r in rows)
    for noise_rate, model in groups:
        runs = [r for r in rows if (r["noise_rate"], r["model"]) == (noise_rate, model)]
        accuracy = np.array([r["test_accuracy"] for r in runs])
        summary.append(
            {
                "noise_rate": noise_rate,
                "model": model,
                "test_accuracy_mean": float(accuracy.mean()),
                "test_accuracy_std": float(accuracy.std(ddof=1)),
                "best_epoch": [r["best_epoch"] for r in runs],
                "memorization_epoch": [r["memorization_epoch"] for r in runs],
                "n_epochs": [r["n_epochs"] for r in runs],
            }
        )
    return summary


def main() -> None:
    rows = [
        row
        for noise_rate in NOISE_RATES
        for seed in SEEDS
        for row in run_seed(seed, noise_rate)
    ]
    summary = summarise(rows)
    payload = {
        "question": "clean-test accuracy, trained to the end vs stopped",
        "data": "sklearn digits, StandardScaler, 75/25 stratified split",
        "noise": "symmetric, training labels only",
        "noise_rates": list(NOISE_RATES),
        "network": f"SmoothedNetClassifier(hidden_layer_sizes={HIDDEN})",
        "max_epochs": MAX_EPOCHS,
        "seeds": list(SEEDS),
        "versions": versions(),
        "summary": summary,
        "runs": rows,
    }
    write_json_atomically(payload, RESULTS)

    print(f"{'noise':>5}  {'model':<38} {'test accuracy':>13}  best / memorised / run")
    for item in summary:
        epochs = "  ".join(
            f"{b}/{m}/{n}"
            for b, m, n in zip(
                item["best_epoch"],
                item["memorization_epoch"],
                item["n_epochs"],
                strict=True,
            )
        )
        print(
            f"{item['noise_rate']:>5.0%}  {item['model']:<38} "
            f"{item['test_accuracy_mean']:.3f} ± {item['test_accuracy_std']:.3f}"
            f"  {epochs}"
        )
    seconds = [r["fit_seconds"] for r in rows if r["fit_seconds"] is not None]
    print(f"\n{len(rows)} runs, {sum(seconds):.0f} s of fitting; wrote {RESULTS}")


if __name__ == "__main__":
    main()

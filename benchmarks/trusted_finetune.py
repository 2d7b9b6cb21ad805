"""Does a small checked subset help, in training and in model selection?

Questions, on real digits with 40 % of the training labels flipped and 5 %
of the training rows checked by a person (their true labels restored):

1. Is a network fine-tuned on the checked rows after training on all of
   them more accurate on clean test labels than one that is not?
2. Does GridSearchCV scored with ``trusted_scorer`` (accuracy on the
   checked rows of each validation fold) pick a configuration at least as
   good on clean test labels as GridSearchCV scored with plain accuracy on
   the noisy folds?

Set-up: scikit-learn's digits, standardised, 75/25 stratified split; noise
injected into the training labels only (symmetric, and pair-flip as a
second case); the checked 5 % drawn stratified by the given labels, as a
person sampling rows to check would; seeds 0, 1 and 2 for split, noise,
checked rows and network alike. One GridSearchCV (5-fold, both scorers at
once) per seed; each scorer's best configuration is refitted on the whole
training set with the trusted mask and scored on the clean test labels.

Run from the repository root::

    python benchmarks/trusted_finetune.py
    python benchmarks/trusted_finetune.py --seeds 0 1 2 3 4 5 6 7 8 9 \\
        --out benchmarks/results/trusted_finetune_10_seeds.json

It prints two tables and writes ``benchmarks/results/trusted_finetune.json``
(or ``--out``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import sklearn
import torch
from _results import versions, write_json_atomically
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler

from sknoisy import (
    MemorizationStopper,
    SmoothedNetClassifier,
    inject_label_noise,
    trusted_scorer,
)

SEEDS = (0, 1, 2)
NOISE_RATE = 0.4
NOISE_KINDS = ("symmetric", "pair")
TRUSTED_FRACTION = 0.05
RESULTS = Path(__file__).parent / "results" / "trusted_finetune.json"

# Question 1: (name, model factory, whether fit gets the trusted mask).
MODELS = {
    "net, no fine-tuning": (lambda s: SmoothedNetClassifier(random_state=s), False),
    "net, fine-tuned on trusted rows": (
        lambda s: SmoothedNetClassifier(random_state=s),
        True,
    ),
    "MemorizationStopper(net)": (
        lambda s: MemorizationStopper(
            SmoothedNetClassifier(random_state=s), random_state=s
        ),
        False,
    ),
    "MemorizationStopper(net), fine-tuned": (
        lambda s: MemorizationStopper(
            SmoothedNetClassifier(random_state=s), random_state=s
        ),
        True,
    ),
    "net on the trusted rows only": (None, False),
}

# Question 2: the search space.
GRID = {
    "max_epochs": [20, 100],
    "loss": ["cross_entropy", "generalized_cross_entropy"],
    "finetune_epochs": [0, 50],
}


def load(seed: int, kind: str):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    y_noisy, _ = inject_label_noise(y_train, NOISE_RATE, kind=kind, random_state=seed)
    rows = np.arange(len(y_noisy))
    checked, _ = train_test_split(
        rows, train_size=TRUSTED_FRACTION, stratify=y_noisy, random_state=seed
    )
    trusted = np.isin(rows, checked)
    y_given = np.where(trusted, y_train, y_noisy)
    return (
        scaler.transform(X_train),
        y_given,
        trusted,
        scaler.transform(X_test),
        y_test,
    )


def fine_tuning_rows(seed: int, kind: str) -> list[dict]:
    X, y, trusted, X_test, y_test = load(seed, kind)
    rows = []
    for name, (make, use_mask) in MODELS.items():
        start = time.perf_counter()
        if make is None:
            model = SmoothedNetClassifier(random_state=seed).fit(X[trusted], y[trusted])
        else:
            model = make(seed).fit(X, y, trusted=trusted if use_mask else None)
        rows.append(
            {
                "noise_kind": kind,
                "seed": seed,
                "model": name,
                "test_accuracy": model.score(X_test, y_test),
                "fit_seconds": time.perf_counter() - start,
            }
        )
    return rows


def selection_rows(seed: int, kind: str) -> list[dict]:
    X, y, trusted, X_test, y_test = load(seed, kind)
    start = time.perf_counter()
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            SmoothedNetClassifier(random_state=seed),
            GRID,
            scoring={"trusted": trusted_scorer("accuracy"), "noisy": "accuracy"},
            refit=False,
            cv=5,
        ).fit(X, y, trusted=trusted)
        results = search.cv_results_
        rows = []
        for scorer in ("trusted", "noisy"):
            best = int(np.argmax(results[f"mean_test_{scorer}"]))
            params = results["params"][best]
            model = SmoothedNetClassifier(random_state=seed, **params)
            model.fit(X, y, trusted=trusted)
            rows.append(
                {
                    "noise_kind": kind,
                    "seed": seed,
                    "scorer": scorer,
                    "chosen": params,
                    "cv_score": float(results[f"mean_test_{scorer}"][best]),
                    "test_accuracy": model.score(X_test, y_test),
                }
            )
    for row in rows:
        row["search_seconds"] = time.perf_counter() - start
    return rows


def summarise(rows: list[dict], key: str) -> list[dict]:
    summary = []
    for kind, name in dict.fromkeys((r["noise_kind"], r[key]) for r in rows):
        runs = [r for r in rows if (r["noise_kind"], r[key]) == (kind, name)]
        accuracy = np.array([r["test_accuracy"] for r in runs])
        summary.append(
            {
                "noise_kind": kind,
                key: name,
                "test_accuracy_mean": float(accuracy.mean()),
                "test_accuracy_std": float(accuracy.std(ddof=1)),
                "test_accuracy": accuracy.tolist(),
            }
        )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    seeds = args.seeds

    torch.set_num_threads(1)
    tuning = [r for k in NOISE_KINDS for s in seeds for r in fine_tuning_rows(s, k)]
    selection = [r for k in NOISE_KINDS for s in seeds for r in selection_rows(s, k)]
    payload = {
        "question": "fine-tuning on a checked 5 %, and selecting with it",
        "data": "sklearn digits, StandardScaler, 75/25 stratified split",
        "noise": f"{NOISE_RATE:.0%} of training labels, {' and '.join(NOISE_KINDS)}",
        "trusted_fraction": TRUSTED_FRACTION,
        "grid": GRID,
        "seeds": seeds,
        "versions": versions(),
        "fine_tuning": summarise(tuning, "model"),
        "selection": summarise(selection, "scorer"),
        "fine_tuning_runs": tuning,
        "selection_runs": selection,
    }
    write_json_atomically(payload, args.out)

    print(f"{'noise':<10} {'model':<40} clean-test accuracy")
    for item in payload["fine_tuning"]:
        print(
            f"{item['noise_kind']:<10} {item['model']:<40} "
            f"{item['test_accuracy_mean']:.3f} ± {item['test_accuracy_std']:.3f}"
        )
    print(f"\n{'noise':<10} {'search scored on':<18} clean-test accuracy  chosen")
    for item in payload["selection"]:
        chosen = [
            r["chosen"]
            for r in selection
            if (r["noise_kind"], r["scorer"]) == (item["noise_kind"], item["scorer"])
        ]
        print(
            f"{item['noise_kind']:<10} {item['scorer']:<18} "
            f"{item['test_accuracy_mean']:.3f} ± {item['test_accuracy_std']:.3f}"
            f"        {chosen}"
        )
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()

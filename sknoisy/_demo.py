"""The side-by-side comparison behind ``sknoisy demo``.

Real handwritten digits (scikit-learn's bundled copy of the UCI set), a
train/test split, known noise injected into the training labels only, and
every strategy scored on the untouched test labels.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

from ._confident import ConfidentCleaner
from ._loss_rank import LossRankFilter
from ._metrics import detection_scores
from ._net import SmoothedNetClassifier
from ._noise import inject_label_noise
from ._stopper import MemorizationStopper

__all__ = ["run_demo", "format_demo_table", "STRATEGIES"]


def _net(seed: int, **params) -> SmoothedNetClassifier:
    return SmoothedNetClassifier(random_state=seed, **params)


def _stopped_net(seed: int, **params) -> MemorizationStopper:
    return MemorizationStopper(_net(seed, **params), random_state=seed)


# name -> (factory(seed) -> classifier, trained on true labels?)
STRATEGIES: dict[str, tuple[Callable[[int], object], bool]] = {
    "net on noisy labels": (lambda s: _net(s), False),
    "net, label_smoothing=0.1": (lambda s: _net(s, label_smoothing=0.1), False),
    "MemorizationStopper(net)": (lambda s: _stopped_net(s), False),
    "MemorizationStopper(net, label_smoothing=0.1)": (
        lambda s: _stopped_net(s, label_smoothing=0.1),
        False,
    ),
    "ConfidentCleaner drop": (lambda s: ConfidentCleaner(_net(s)), False),
    "ConfidentCleaner relabel": (
        lambda s: ConfidentCleaner(_net(s), action="relabel"),
        False,
    ),
    "ConfidentCleaner reweight": (
        lambda s: ConfidentCleaner(_net(s), action="reweight"),
        False,
    ),
    "LossRankFilter auto, drop": (lambda s: LossRankFilter(_net(s)), False),
    "LossRankFilter fraction=0.1, drop": (
        lambda s: LossRankFilter(_net(s), fraction=0.1),
        False,
    ),
    "LossRankFilter auto, reweight": (
        lambda s: LossRankFilter(_net(s), action="reweight"),
        False,
    ),
    "oracle: net on true labels": (lambda s: _net(s), True),
}


def run_demo(
    noise_rate: float = 0.2,
    noise_kind: str = "symmetric",
    seeds: Iterable[int] = (0,),
    *,
    progress: bool = True,
    n_jobs: int | None = None,
    strategies: dict | None = None,
) -> pd.DataFrame:
    """Fit every strategy on noisy digits and score it; one row per seed.

    ``strategies`` maps a name to ``(factory(seed) -> classifier,
    on_true_labels)``; it defaults to :data:`STRATEGIES`.

    Returns a DataFrame with columns ``seed``, ``strategy``, ``precision``,
    ``recall``, ``f1`` (NaN for strategies that flag nothing),
    ``stopped_at`` (epochs trained by a :class:`MemorizationStopper`, NaN
    for other strategies), ``accuracy`` (on clean test labels) and
    ``fit_seconds``.
    """
    X, y = load_digits(return_X_y=True)
    seeds = list(seeds)
    strategies = STRATEGIES if strategies is None else strategies
    rows = []
    with tqdm(
        total=len(seeds) * len(strategies), disable=not progress, unit="fit"
    ) as bar:
        for seed in seeds:
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.25, stratify=y, random_state=seed
            )
            y_noisy, is_flipped = inject_label_noise(
                y_train, noise_rate, kind=noise_kind, random_state=seed
            )
            for name, (make, on_true_labels) in strategies.items():
                bar.set_description(f"seed {seed}: {name}")
                model = make(seed)
                if n_jobs is not None and isinstance(
                    model, ConfidentCleaner | LossRankFilter
                ):
                    model.set_params(n_jobs=n_jobs)
                pipe = make_pipeline(StandardScaler(), model)

                start = time.perf_counter()
                pipe.fit(X_train, y_train if on_true_labels else y_noisy)
                seconds = time.perf_counter() - start

                row = {
                    "seed": seed,
                    "strategy": name,
                    "precision": np.nan,
                    "recall": np.nan,
                    "f1": np.nan,
                    "stopped_at": np.nan,
                    "accuracy": pipe.score(X_test, y_test),
                    "fit_seconds": seconds,
                }
                issues = getattr(pipe[-1], "label_issues_", None)
                if issues is not None:
                    scores = detection_scores(is_flipped, issues["is_label_issue"])
                    row.update({k: scores[k] for k in ("precision", "recall", "f1")})
                if isinstance(pipe[-1], MemorizationStopper):
                    row["stopped_at"] = pipe[-1].n_epochs_
                rows.append(row)
                bar.update()
    return pd.DataFrame(rows)


def format_demo_table(results: pd.DataFrame) -> str:
    """Render :func:`run_demo`'s results, averaged over seeds, as text."""
    order = list(dict.fromkeys(results["strategy"]))
    grouped = results.groupby("strategy", sort=False)
    mean, std = grouped.mean(numeric_only=True), grouped.std(numeric_only=True)
    several = results["seed"].nunique() > 1

    def cell(name: str, column: str) -> str:
        value = mean.loc[name, column]
        if np.isnan(value):
            return "-"
        if column == "fit_seconds":
            return f"{value:.1f}"
        digits = 0 if column == "stopped_at" else 3
        text = f"{value:.{digits}f}"
        spread = std.loc[name, column]
        return f"{text} ± {spread:.{digits}f}" if several else text

    header = ["strategy", "precision", "recall", "F1", "test accuracy", "fit s"]
    columns = ["precision", "recall", "f1", "accuracy", "fit_seconds"]
    # Only tables with a stopper row get the column of its stopping epoch.
    if "stopped_at" in results and results["stopped_at"].notna().any():
        header.insert(4, "stopped at")
        columns.insert(3, "stopped_at")
    body = [[name] + [cell(name, c) for c in columns] for name in order]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in body)])

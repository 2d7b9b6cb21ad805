"""B3: how fast does SmoothedNetClassifier train, next to a hand-written loop?

Question: what does the scikit-learn interface cost in training speed?
Samples per second of ``SmoothedNetClassifier.fit`` against a torch
training loop written by hand, plain skorch and scikit-learn's
``MLPClassifier``, all training the same network the same way.

Set-up: ``make_classification`` with 100,000 rows, 50 float32 features
and 10 classes (seed 0); an MLP with two hidden layers of 256 and ReLU;
Adam at lr=1e-3, batches of 256 rows in a fresh random order each epoch,
``EPOCHS`` epochs; torch and BLAS on one thread for every contender, so
that the machine's other work disturbs them alike. The contenders:

- the hand-written loop: ``torch.randperm``, a slice of one tensor per
  batch, ``F.cross_entropy``, ``backward``, ``step``;
- ``SmoothedNetClassifier(hidden_layer_sizes=(256, 256), batch_size=256)``;
- skorch's ``NeuralNetClassifier`` with ``train_split=None`` (no
  validation, as the others), and with its defaults (20 % held out for
  validation and scored every epoch, so fewer rows are trained on: its
  throughput counts the rows it trained on);
- ``MLPClassifier(hidden_layer_sizes=(256, 256), batch_size=256)`` with
  Adam and no early stopping.

Each round runs every contender once, in an order that rotates from round
to round; a contender's ratio to the hand loop is taken within a round and
the median over ``ROUNDS`` rounds is reported. Samples per second counts
rows trained on times epochs, over the wall time of the whole ``fit``
(input checks and set-up included). A profile of one
``SmoothedNetClassifier.fit`` says where its time goes.

Run from the repository root::

    .venv/bin/python benchmarks/b3_speed.py          # 100k rows, 5 rounds
    .venv/bin/python benchmarks/b3_speed.py --quick  # 20k rows, 3 rounds

It prints a table and writes ``benchmarks/results/b3_speed.json``
(``b3_speed_quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from _results import machine, versions, write_json_atomically
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits
from torch import nn
from torch.nn import functional as F

from sknoisy import SmoothedNetClassifier

N_ROWS, N_FEATURES, N_CLASSES = 100_000, 50, 10
HIDDEN = (256, 256)
BATCH_SIZE = 256
LR = 1e-3
EPOCHS = 2
ROUNDS = 5
HAND = "hand-written torch loop"
OURS = "SmoothedNetClassifier"
SKORCH_BARE = "skorch NeuralNetClassifier, train_split=None"
SKORCH_DEFAULT = "skorch NeuralNetClassifier, defaults"
SKLEARN = "sklearn MLPClassifier"
RESULTS = Path(__file__).parent / "results"

# Parts of a fit, by the functions whose cumulative time measures them. They
# nest (skorch's train_step holds forward, backward and the update), so the
# shares do not add up to one.
PROFILE_PARTS = {
    "forward and loss (module calls)": (
        "torch/nn/modules/module.py",
        "_wrapped_call_impl",
    ),
    "backward": ("torch/_tensor.py", "backward"),
    "Adam update": ("torch/optim/adam.py", "_single_tensor_adam"),
    "zero_grad": ("torch/optim/optimizer.py", "zero_grad"),
    "batch slicing (BatchLoader)": ("sknoisy/_torch_data.py", "__iter__"),
    "skorch callbacks (notify)": ("skorch/net.py", "notify"),
    "skorch history records": ("skorch/history.py", "record_batch"),
    "skorch train_step total": ("skorch/net.py", "train_step"),
    "input checks (validate_data)": ("sklearn/utils/validation.py", "validate_data"),
    "float32 tensor (as_float_tensor)": ("sknoisy/_torch_data.py", "as_float_tensor"),
    "net set-up (_new_training_state)": ("sknoisy/_net.py", "_new_training_state"),
    "training epochs (_run_epochs)": ("sknoisy/_net.py", "_run_epochs"),
}


def make_data(n_rows: int = N_ROWS):
    X, y = make_classification(
        n_samples=n_rows,
        n_features=N_FEATURES,
        n_informative=30,
        n_redundant=10,
        n_classes=N_CLASSES,
        random_state=0,
    )
    return X.astype(np.float32), y.astype(np.int64)


def mlp(n_features: int, n_classes: int) -> nn.Module:
    layers, width = [], n_features
    for size in HIDDEN:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    return nn.Sequential(*layers, nn.Linear(width, n_classes))


class Logits(nn.Module):
    """The same MLP for skorch, built from sizes (skorch wants a class)."""

    def __init__(self, n_features=N_FEATURES, n_classes=N_CLASSES):
        super().__init__()
        self.net = mlp(n_features, n_classes)

    def forward(self, X):
        return self.net(X)


def hand_loop(X: np.ndarray, y: np.ndarray, epochs: int) -> int:
    torch.manual_seed(0)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    module = mlp(X.shape[1], int(y.max()) + 1)
    optimizer = torch.optim.Adam(module.parameters(), lr=LR)
    for _ in range(epochs):
        order = torch.randperm(len(X_t))
        for start in range(0, len(X_t), BATCH_SIZE):
            index = order[start : start + BATCH_SIZE]
            optimizer.zero_grad()
            loss = F.cross_entropy(module(X_t[index]), y_t[index])
            loss.backward()
            optimizer.step()
    return len(X) * epochs


def ours(X, y, epochs):
    SmoothedNetClassifier(
        HIDDEN, batch_size=BATCH_SIZE, lr=LR, max_epochs=epochs, random_state=0
    ).fit(X, y)
    return len(X) * epochs


def _skorch(X, y, epochs, bare: bool) -> int:
    from skorch import NeuralNetClassifier

    params = {"train_split": None} if bare else {}
    torch.manual_seed(0)
    net = NeuralNetClassifier(
        Logits,
        module__n_features=X.shape[1],
        module__n_classes=int(y.max()) + 1,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=LR,
        max_epochs=epochs,
        batch_size=BATCH_SIZE,
        iterator_train__shuffle=True,
        verbose=0,
        **params,
    ).fit(X, y)
    # Its default split holds out a fifth of the rows: count those trained on.
    del net
    trained = len(X) if bare else int(round(len(X) * 0.8))
    return trained * epochs


def sklearn_mlp(X, y, epochs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier(
            HIDDEN,
            solver="adam",
            learning_rate_init=LR,
            batch_size=BATCH_SIZE,
            max_iter=epochs,
            shuffle=True,
            early_stopping=False,
            n_iter_no_change=epochs + 1,
            tol=0.0,
            random_state=0,
        ).fit(X, y)
    return len(X) * epochs


CONTENDERS: dict[str, Callable[[np.ndarray, np.ndarray, int], int]] = {
    HAND: hand_loop,
    OURS: ours,
    SKORCH_BARE: lambda X, y, e: _skorch(X, y, e, bare=True),
    SKORCH_DEFAULT: lambda X, y, e: _skorch(X, y, e, bare=False),
    SKLEARN: sklearn_mlp,
}


def timed_rounds(X, y, epochs: int, rounds: int, contenders=CONTENDERS) -> dict:
    names = list(contenders)
    throughput = {name: [] for name in names}
    load = []
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            n_trained = contenders[name](X, y, epochs)
            throughput[name].append(n_trained / (time.perf_counter() - start))
        load.append(os.getloadavg()[0])
    runs = {}
    for name in names:
        ratios = [
            a / b for a, b in zip(throughput[name], throughput[HAND], strict=True)
        ]
        runs[name] = {
            "samples_per_second": throughput[name],
            "median_samples_per_second": statistics.median(throughput[name]),
            "ratio_to_hand_loop_per_round": ratios,
            "median_ratio_to_hand_loop": statistics.median(ratios),
        }
    return {"runs": runs, "load_average_1min_per_round": load}


def profile_ours(X, y, epochs: int) -> dict:
    """Where one SmoothedNetClassifier.fit spends its time."""
    profiler = cProfile.Profile()
    profiler.enable()
    start = time.perf_counter()
    ours(X, y, epochs)
    wall = time.perf_counter() - start
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = max(value[3] for value in stats.values())
    parts = {}
    for part, (path, function) in PROFILE_PARTS.items():
        seconds = sum(
            value[3]
            for (file, _, name), value in stats.items()
            if name == function and file.replace("\\", "/").endswith(path)
        )
        parts[part] = {"seconds": seconds, "share": seconds / total}
    top = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[:15]
    return {
        "wall_seconds_under_profiler": wall,
        "profiled_seconds": total,
        "parts": parts,
        "top_self_time": [
            {
                "function": f"{Path(file).name}:{line}({name})",
                "self_seconds": value[2],
                "calls": value[1],
            }
            for (file, line, name), value in top
        ],
    }


def run(quick: bool, *, n_rows=None, rounds=None, epochs=EPOCHS) -> dict:
    """The whole benchmark as a JSON-ready dict; the keywords shrink it."""
    if n_rows is None:
        n_rows = 20_000 if quick else N_ROWS
    if rounds is None:
        rounds = 3 if quick else ROUNDS
    torch.set_num_threads(1)
    started = machine()
    start = time.perf_counter()
    X, y = make_data(n_rows)
    with threadpool_limits(1):
        for contender in CONTENDERS.values():  # imports and first-call set-up
            contender(X[:2048], y[:2048], 1)
        result = timed_rounds(X, y, epochs, rounds)
        profile = profile_ours(X, y, epochs)

    import skorch

    return {
        "benchmark": "B3 training speed",
        "question": "samples per second, as a ratio to a hand-written torch loop",
        "quick": quick,
        "command": "python benchmarks/b3_speed.py" + (" --quick" if quick else ""),
        "data": f"make_classification {n_rows} x {N_FEATURES} float32, "
        f"{N_CLASSES} classes",
        "network": f"MLP {HIDDEN}, ReLU, Adam lr={LR}, batch {BATCH_SIZE}, "
        f"{epochs} epochs",
        "threads": {"torch": torch.get_num_threads(), "blas": 1},
        "rounds": rounds,
        "versions": {**versions(), "skorch": skorch.__version__},
        "machine_at_start": started,
        "machine_at_end": machine(),
        "wall_seconds": time.perf_counter() - start,
        **result,
        "profile": profile,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20k rows, 3 rounds")
    args = parser.parse_args()
    payload = run(args.quick)
    profile = payload["profile"]
    name = "b3_speed_quick.json" if args.quick else "b3_speed.json"
    write_json_atomically(payload, RESULTS / name)

    for contender, item in payload["runs"].items():
        print(
            f"{contender:<46} {item['median_samples_per_second']:>9.0f} samples/s  "
            f"x{item['median_ratio_to_hand_loop']:.2f}"
        )
    print("\nprofile of SmoothedNetClassifier.fit:")
    for part, item in profile["parts"].items():
        print(f"  {part:<36} {item['seconds']:6.2f} s  {item['share']:.0%}")
    print(f"\nwrote {RESULTS / name}")


if __name__ == "__main__":
    main()

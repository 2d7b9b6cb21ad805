"""In-memory tensors and a slicing batch loader for skorch.

skorch's default ``Dataset`` + ``DataLoader`` fetch every row separately and
collate the rows back into a batch, which costs more than the forward pass
of a small MLP. The data here always fits in memory as one tensor, so a
batch is a single slice of it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

__all__ = [
    "TensorDataset",
    "BatchLoader",
    "as_float_tensor",
    "check_float32_range",
    "check_numeric_columns",
]

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_numeric_columns(X, owner: str) -> None:
    """Name the DataFrame columns a network cannot take as numbers."""
    if not isinstance(X, pd.DataFrame):
        return
    bad = {
        str(name): str(dtype)
        for name, dtype in X.dtypes.items()
        if not (
            pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
        )
    }
    if bad:
        listed = ", ".join(f"{name!r} ({dtype})" for name, dtype in bad.items())
        raise ValueError(
            f"{owner} needs numeric features; X has {len(bad)} non-numeric "
            f"column(s): {listed}. Encode them first, e.g. with a "
            "ColumnTransformer and OneHotEncoder in the Pipeline."
        )


# Rows checked at a time: the check's temporaries stay small for a large X.
_CHECK_ROWS = 8192


def check_float32_range(X: np.ndarray) -> None:
    """Refuse finite float64 values that would overflow to inf in float32."""
    if X.dtype == np.float32 or X.size == 0:
        return
    n_bad, first = 0, None
    for start in range(0, len(X), _CHECK_ROWS):
        too_big = np.abs(X[start : start + _CHECK_ROWS]) > _FLOAT32_MAX
        n_bad += int(np.count_nonzero(too_big))
        if first is None and n_bad:
            row, column = np.argwhere(too_big)[0]
            first = (start + row, column)
    if first is not None:
        row, column = first
        raise ValueError(
            f"X has {n_bad} value(s) beyond float32's range "
            f"(|x| > {_FLOAT32_MAX:.3g}), first at row {row}, column {column} "
            f"({X[row, column]!r}); the network computes in float32. Scale X "
            "first, e.g. with StandardScaler."
        )


def as_float_tensor(X: np.ndarray) -> torch.Tensor:
    """``float32`` tensor sharing memory with ``X`` where possible."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    if not X.flags.writeable:
        # torch warns on read-only buffers (e.g. memory-mapped joblib inputs).
        X = X.copy()
    return torch.from_numpy(X)


class TensorDataset(torch.utils.data.Dataset):
    """Features, integer targets and optional sample weights as tensors.

    A batch's features are a plain tensor, or ``{"X": ..., "sample_weight":
    ...}`` when weights are given, so the weights reach the loss but never
    the module's ``forward``.
    """

    def __init__(
        self,
        X: torch.Tensor,
        y: torch.Tensor,
        sample_weight: torch.Tensor | None = None,
    ):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, index):
        Xb = self.X[index]
        if self.sample_weight is not None:
            Xb = {"X": Xb, "sample_weight": self.sample_weight[index]}
        return Xb, self.y[index]


class BatchLoader:
    """Iterate over a :class:`TensorDataset` in slices of ``batch_size`` rows.

    Accepts (and ignores) the other keyword arguments skorch passes to a
    ``DataLoader``. Shuffling draws from torch's global generator, which the
    estimator seeds, so a fixed ``random_state`` gives the same batches.
    """

    def __init__(
        self,
        dataset: TensorDataset,
        batch_size: int = 128,
        shuffle: bool = False,
        **_ignored,
    ):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self) -> int:
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = torch.randperm(n) if self.shuffle else None
        for start in range(0, n, self.batch_size):
            stop = min(start + self.batch_size, n)
            index = order[start:stop] if order is not None else slice(start, stop)
            yield self.dataset[index]

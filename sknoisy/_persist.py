"""Fitted state in a form that skops can store: numpy arrays and plain values.

skops (the safe alternative to pickle) refuses torch tensors and pandas
objects. The estimators hand it their DataFrames and their network as
arrays, lists and dicts instead, and rebuild them when loaded. pickle goes
through the same path, which is also what lets a network trained on CUDA
load on a machine without it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

__all__ = ["frame_from_state", "frame_state", "to_arrays", "to_tensors"]


def frame_state(frame: pd.DataFrame) -> dict:
    """``frame`` as numpy arrays and plain values; see :func:`frame_from_state`.

    Examples
    --------
    >>> import pandas as pd
    >>> from sknoisy._persist import frame_from_state, frame_state
    >>> frame = pd.DataFrame({"a": [1, 2]}, index=["x", "y"])
    >>> frame_from_state(frame_state(frame)).equals(frame)
    True
    """
    return {
        "columns": _values_state(frame.columns),
        "data": [_values_state(frame.iloc[:, i]) for i in range(frame.shape[1])],
        "index": _values_state(frame.index),
    }


def frame_from_state(state: dict) -> pd.DataFrame:
    """The DataFrame that :func:`frame_state` described."""
    data = {i: _values_from_state(column) for i, column in enumerate(state["data"])}
    frame = pd.DataFrame(data, index=_index_from_state(state["index"]))
    frame.columns = _index_from_state(state["columns"])
    return frame


def _values_state(values: pd.Series | pd.Index) -> dict:
    name = getattr(values, "name", None)
    if isinstance(values, pd.RangeIndex):
        return {"range": [values.start, values.stop, values.step], "name": name}
    if isinstance(values, pd.MultiIndex):
        return {
            "levels": [
                _values_state(values.get_level_values(i)) for i in range(values.nlevels)
            ],
            "names": list(values.names),
        }
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = values.cat.codes if isinstance(values, pd.Series) else values.codes
        return {
            "codes": np.asarray(codes),
            "categories": _values_state(dtype.categories),
            "ordered": bool(dtype.ordered),
            "name": name,
        }
    return {"values": values.to_numpy(), "dtype": str(dtype), "name": name}


def _values_from_state(state: dict):
    if "range" in state or "levels" in state:
        return _index_from_state(state)
    if "codes" in state:
        return pd.Categorical.from_codes(
            state["codes"],
            categories=_index_from_state(state["categories"]),
            ordered=state["ordered"],
        )
    return pd.array(state["values"], dtype=state["dtype"])


def _index_from_state(state: dict) -> pd.Index:
    if "range" in state:
        return pd.RangeIndex(*state["range"], name=state["name"])
    if "levels" in state:
        return pd.MultiIndex.from_arrays(
            [_index_from_state(level) for level in state["levels"]],
            names=state["names"],
        )
    return pd.Index(_values_from_state(state), name=state["name"])


def to_arrays(value):
    """``value`` with every torch tensor in it, at any depth, as a numpy array."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, dict):
        return {key: to_arrays(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_arrays(item) for item in value)
    return value


def to_tensors(value):
    """Undo :func:`to_arrays`: every numpy array becomes a (CPU) tensor."""
    if isinstance(value, np.ndarray):
        # A copy: the loaded array may be read-only, which torch warns about.
        return torch.from_numpy(np.array(value))
    if isinstance(value, dict):
        return {key: to_tensors(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_tensors(item) for item in value)
    return value

"""Label handling shared by every sknoisy estimator.

Torch and cleanlab both want integer labels ``0..K-1``; users have strings,
integers with gaps and pandas categoricals. Everything in sknoisy encodes
labels once, works on the codes and decodes at the edges.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import check_classification_targets

__all__ = [
    "as_label_array",
    "check_no_missing_labels",
    "encode_labels",
    "check_min_class_count",
    "format_labels",
    "label_repr",
]


def as_label_array(y):
    """Labels in a container scikit-learn reads without changing their type.

    scikit-learn turns pandas' nullable ``Int64`` and ``boolean`` labels into
    floats and rejects integer labels held as ``object`` (as CSV readers
    produce them); both would make ``classes_`` differ from the user's
    labels. Missing labels are refused here, with their count. Anything that
    is not 1-D is returned unchanged for scikit-learn to judge.
    """
    if isinstance(y, (list, tuple)):
        y = np.asarray(y, dtype=object)
    if isinstance(y, (pd.Series, pd.Index)) or (
        isinstance(y, np.ndarray) and y.ndim == 1
    ):
        check_no_missing_labels(y)
    if isinstance(y, (pd.Series, pd.Index)):
        dtype = y.dtype
        if isinstance(dtype, pd.api.extensions.ExtensionDtype) and not isinstance(
            dtype, pd.CategoricalDtype
        ):
            y = y.to_numpy()
        elif pd.api.types.is_object_dtype(dtype):
            y = y.to_numpy()
    if not (isinstance(y, np.ndarray) and y.ndim == 1 and y.dtype == object):
        return y

    kinds = {type(v) for v in y}
    if kinds and kinds <= {bool, np.bool_}:
        return y.astype(bool)
    if kinds and all(
        issubclass(k, (int, np.integer)) and not issubclass(k, (bool, np.bool_))
        for k in kinds
    ):
        return y.astype(np.int64)
    return y


def encode_labels(
    y: np.ndarray, classes: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(classes, codes)`` for 1-D labels ``y``.

    With ``classes`` given, every label must be one of them; the error names
    the labels that are not.
    """
    if len(y) == 0:
        raise ValueError(
            "y is empty (0 samples); classification needs rows of at least 2 classes."
        )
    check_no_missing_labels(y)
    _check_one_label_type(y)
    check_classification_targets(y)
    if classes is None:
        classes, codes = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                "Classification needs at least 2 classes in y; got 1 class: "
                f"{format_labels(classes)}."
            )
        return classes, codes.astype(np.intp).ravel()

    classes = np.asarray(classes)
    y = np.asarray(y)
    try:
        codes = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
        unknown = classes[codes] != y
    except TypeError:
        # Labels of another type than the classes (str vs int) match nothing.
        codes = np.zeros(len(y), dtype=np.intp)
        unknown = np.ones(len(y), dtype=bool)
    if np.any(unknown):
        raise ValueError(
            f"y contains {int(unknown.sum())} label(s) outside the known classes: "
            f"{format_labels(np.unique(np.asarray(y)[unknown]))}; "
            f"known classes are {format_labels(classes)}."
        )
    return classes, codes.astype(np.intp)


def check_no_missing_labels(y) -> None:
    """Refuse NaN, None and ``pd.NA`` labels, counting them.

    Without this, a float label column with gaps fails as "continuous" or
    "contains NaN", and strings with gaps as a mix of label types.
    """
    missing = np.flatnonzero(np.asarray(pd.isna(y)))
    if missing.size:
        raise ValueError(
            f"y has {missing.size} missing label(s), first at position "
            f"{missing[0]}; drop those rows or fill in their labels."
        )


def _check_one_label_type(y) -> None:
    values = np.asarray(y)
    if values.dtype != object:
        return
    kinds = {type(v.item() if isinstance(v, np.generic) else v) for v in values}
    if len(kinds) > 1 and not all(issubclass(k, (int, float)) for k in kinds):
        names = ", ".join(sorted(k.__name__ for k in kinds))
        raise TypeError(
            f"Labels must all be of one comparable type; got a mix of {names}. "
            "Convert them first, e.g. with y.astype(str)."
        )


def label_repr(label) -> str:
    """``repr`` of a label without numpy's type wrapper (``np.int64(3)``)."""
    return repr(label.item() if isinstance(label, np.generic) else label)


def check_min_class_count(
    codes: np.ndarray, classes: np.ndarray, min_count: int, *, why: str
) -> None:
    """Raise a ValueError naming every class with fewer than ``min_count`` rows."""
    counts = np.bincount(codes, minlength=len(classes))
    small = np.flatnonzero(counts < min_count)
    if small.size:
        detail = ", ".join(
            f"{label_repr(classes[k])} ({counts[k]} rows)" for k in small
        )
        raise ValueError(
            f"{why} needs at least {min_count} rows of every class; "
            f"too few for class {detail}."
        )


def format_labels(labels: Sequence | np.ndarray, limit: int = 10) -> str:
    """Short readable list of labels for error messages."""
    labels = list(labels)
    shown = ", ".join(
        repr(v.item() if hasattr(v, "item") else v) for v in labels[:limit]
    )
    more = f", ... ({len(labels) - limit} more)" if len(labels) > limit else ""
    return f"[{shown}{more}]"

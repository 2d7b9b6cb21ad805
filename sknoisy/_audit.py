"""The audit behind ``sknoisy audit``: a user's table in, ranked suspects out.

A table as people keep it (numbers with gaps, text categories, an
identifier column) is checked, encoded into numbers, and handed to one of
sknoisy's cleaners, which scores every row's label without fitting a final
model. The result is the table of suspects a person reviews, plus what the
report shows.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from tqdm.auto import tqdm

from ._confident import ConfidentCleaner
from ._labels import label_repr
from ._loss_rank import LossRankFilter
from ._net import SmoothedNetClassifier
from ._stopper import MemorizationStopper
from ._tables import TableError, check_columns
from ._warnings import SknoisyWarning

__all__ = [
    "AUDIT_METHODS",
    "DETECTORS",
    "REVIEW_COLUMN",
    "ROW_COLUMN",
    "AuditResult",
    "FeaturePlan",
    "audit_table",
    "plan_features",
]

AUDIT_METHODS = ("confident", "lossrank")
DETECTORS = ("net", "logistic")
ROW_COLUMN = "row"
REVIEW_COLUMN = "reviewed_label"
# The columns of suspects.csv before the row's own data.
SUSPECT_COLUMNS = [
    "rank",
    "given_label",
    "suggested_label",
    "label_quality",
    REVIEW_COLUMN,
]
# A text column with more distinct values than this is free text or an
# identifier, not a category: one-hot encoding it would add a column per row.
MAX_CATEGORIES = 100
# A text column whose cells are numbers at least this often is a numeric
# column with a few typing errors, not a category.
_NUMERIC_SHARE = 0.9
# The largest magnitude a feature may have: beyond it, standardising squares
# the values past float64's range, and the network computes in float32.
_LARGEST_VALUE = 1e38


@dataclass
class FeaturePlan:
    """Which columns feed the detector, and how.

    ``numeric`` columns get their missing cells filled with the column's
    median (plus an indicator column of where they were) and are
    standardised; ``categorical`` ones are one-hot encoded, a missing cell
    being a category of its own. ``left_out`` maps each unused column to the
    reason; ``bad_numbers`` maps numeric columns to the count of cells that
    were not numbers and are treated as missing.
    """

    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)
    bad_numbers: dict[str, int] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return self.numeric + self.categorical


@dataclass
class AuditResult:
    """Everything an audit found, for ``suspects.csv`` and the report.

    Attributes
    ----------
    issues : DataFrame
        One row per data row, indexed by 0-based row number: the row id
        (``id_column``), ``given_label``, ``suggested_label``,
        ``label_quality``, ``is_label_issue`` and ``rank`` (1 for the most
        suspicious suspect, missing for rows that are not suspects).
    suspects : DataFrame
        The suspects in rank order, in the layout of ``suspects.csv``.
    """

    issues: pd.DataFrame
    suspects: pd.DataFrame
    classes: np.ndarray
    target: str
    id_column: str
    plan: FeaturePlan
    n_encoded: int
    method: str
    settings: dict
    stopper: MemorizationStopper | None
    seconds: float
    source: str = ""


# ----------------------------------------------------------------- checks


def _row_list(rows, limit: int = 5) -> str:
    rows = [int(r) for r in rows]
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f", ... ({len(rows) - limit} more)" if len(rows) > limit else "")


def _check_target(table: pd.DataFrame, target: str) -> pd.Series:
    check_columns(table, [target], role="target column")
    y = table[target]
    if isinstance(y, pd.DataFrame):
        raise TableError(f"DATA has {y.shape[1]} columns named {target!r}.")

    missing = np.flatnonzero(y.isna().to_numpy())
    if missing.size:
        raise TableError(
            f"The target column {target!r} is empty in {missing.size} row(s) "
            f"(rows {_row_list(missing)}; row 0 is the first data row); fill in "
            "their labels or remove those rows."
        )
    if pd.api.types.is_float_dtype(y.dtype) and not np.all(
        np.mod(y.to_numpy(dtype=float), 1) == 0
    ):
        examples = ", ".join(str(v) for v in pd.unique(y)[:3])
        raise TableError(
            f"The target column {target!r} holds continuous numbers ({examples}, "
            "...); an audit needs class labels, such as names or whole numbers."
        )
    if pd.api.types.is_string_dtype(y.dtype) or pd.api.types.is_object_dtype(y.dtype):
        y = y.astype(object).map(lambda v: v if isinstance(v, str) else str(v))
    if y.nunique() < 2:
        raise TableError(
            f"The target column {target!r} has a single class, "
            f"{label_repr(y.iloc[0])}, in all {len(y)} rows; there is nothing "
            "to tell apart."
        )
    return y


def _check_id_column(table: pd.DataFrame, id_column: str | None, target: str) -> None:
    if id_column is None:
        return
    check_columns(table, [id_column], role="id column")
    if id_column == target:
        raise TableError(
            f"--id-column and --target are both {id_column!r}; the id must be a "
            "column of its own."
        )
    if id_column in SUSPECT_COLUMNS:
        raise TableError(
            f"The id column {id_column!r} has the name of a column of "
            f"suspects.csv ({', '.join(SUSPECT_COLUMNS)}); rename it."
        )
    ids = table[id_column]
    missing = np.flatnonzero(ids.isna().to_numpy())
    if missing.size:
        raise TableError(
            f"The id column {id_column!r} is empty in {missing.size} row(s) "
            f"(rows {_row_list(missing)}); every row needs an id."
        )
    repeated = ids[ids.duplicated(keep=False)]
    if len(repeated):
        values = list(dict.fromkeys(repeated.astype(str)))
        shown = ", ".join(repr(v) for v in values[:5])
        raise TableError(
            f"The id column {id_column!r} has {len(values)} value(s) that occur "
            f"more than once ({shown}{', ...' if len(values) > 5 else ''}); ids "
            "must be unique, or leave --id-column out to use row numbers."
        )


def _check_class_counts(y: pd.Series, target: str, folds: int) -> None:
    counts = y.value_counts()
    small = counts[counts < folds]
    if len(small):
        detail = ", ".join(f"{label_repr(k)} ({n} rows)" for k, n in small.items())
        raise TableError(
            f"Too few rows for class {detail} of {target!r}: the audit scores "
            f"each row with a model trained on the other rows in {folds} folds, "
            f"so every class needs at least {folds} rows. Add rows, merge or "
            "remove the class, or pass a smaller --folds (at least 2)."
        )


# --------------------------------------------------------------- features


def _text_kind(values: pd.Series) -> tuple[str, int]:
    """``("numbers", bad)``, ``("categories", n)`` or ``("text", n)`` for text cells."""
    present = values.dropna().astype(str).str.strip()
    present = present[present != ""]
    numbers = pd.to_numeric(present, errors="coerce")
    n_numbers = int(numbers.notna().sum())
    if len(present) and n_numbers >= _NUMERIC_SHARE * len(present):
        return "numbers", len(present) - n_numbers
    n_distinct = present.nunique()
    if n_distinct > MAX_CATEGORIES or (n_distinct > 10 and n_distinct == len(present)):
        return "text", n_distinct
    return "categories", n_distinct


def _is_row_counter(values: pd.Series) -> bool:
    """Whether an integer column numbers the rows (``0, 1, 2, ...`` in any order)."""
    if not pd.api.types.is_integer_dtype(values.dtype) or values.isna().any():
        return False
    numbers = np.sort(values.to_numpy(dtype=np.int64))
    return len(numbers) > 10 and bool(np.all(np.diff(numbers) == 1))


def _column_verdict(values: pd.Series) -> tuple[str, str | int]:
    """``(kind, detail)``: ``numeric``, ``categorical``, or ``None`` with a reason."""
    dtype = values.dtype
    if values.isna().all():
        return "none", "every cell is empty"
    if pd.api.types.is_bool_dtype(dtype):
        return "numeric", 0
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(
        dtype
    ):
        # A value that is there in some rows only still tells them apart: the
        # encoder's missing-value indicator carries it.
        if values.nunique() < 2 and not values.isna().any():
            return "none", "the same value in every row"
        if _is_row_counter(values):
            return "none", (
                "consecutive whole numbers, one per row (a saved row index or an id)"
            )
        return "numeric", 0
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical", 0
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(
        dtype
    ):
        return "none", "dates and durations are not used"
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        kind, count = _text_kind(values)
        if kind == "numbers":
            return "numeric", count
        if kind == "text":
            return "none", (
                f"text with {count} distinct values (free text or an identifier, "
                "not a category)"
            )
        blank = values.isna() | (values.astype(str).str.strip() == "")
        if count < 2 and not blank.any():
            return "none", "the same value in every row"
        return "categorical", 0
    return "none", f"values of type {dtype} are not supported"


def plan_features(
    table: pd.DataFrame,
    target: str,
    *,
    features: list[str] | None = None,
    exclude: list[str] | None = None,
    id_column: str | None = None,
) -> FeaturePlan:
    """Decide which columns the detector uses and how each is encoded.

    Parameters
    ----------
    table : DataFrame
        The user's table.
    target : str
        The label column, never a feature.
    features : list of str, default=None
        The columns to use. None uses every column but ``target``,
        ``id_column`` and ``exclude``, and leaves out (with a
        :class:`SknoisyWarning` naming each) those that cannot be encoded.
        Columns named here that cannot be encoded are an error.
    exclude : list of str, default=None
        Columns never used.
    id_column : str, default=None
        The row-id column, never a feature.

    Returns
    -------
    plan : FeaturePlan

    Raises
    ------
    TableError
        When a named column does not exist, is the target or the id, cannot
        be encoded, or no usable column is left.

    Examples
    --------
    >>> import pandas as pd
    >>> from sknoisy._audit import plan_features
    >>> table = pd.DataFrame({"size": [1.0, None, 3.0], "colour": ["red", "blue", None],
    ...                       "label": ["a", "b", "a"]})
    >>> plan = plan_features(table, "label")
    >>> plan.numeric, plan.categorical
    (['size'], ['colour'])
    """
    exclude = list(exclude or [])
    check_columns(table, exclude, role="column to exclude")
    never = {target, id_column} if id_column is not None else {target}

    if features is not None:
        check_columns(table, features, role="feature column")
        for name in features:
            if name in never:
                role = "target" if name == target else "id column"
                raise TableError(
                    f"The {role} {name!r} cannot also be a feature; leave it out "
                    "of --features."
                )
        chosen = [c for c in dict.fromkeys(features) if c not in exclude]
    else:
        chosen = [c for c in table.columns if c not in never and c not in exclude]

    plan = FeaturePlan()
    for name in chosen:
        kind, detail = _column_verdict(table[name])
        if kind == "numeric":
            plan.numeric.append(name)
            if detail:
                plan.bad_numbers[name] = int(detail)
        elif kind == "categorical":
            plan.categorical.append(name)
        elif features is not None:
            raise TableError(
                f"The feature column {name!r} cannot be used: {detail}. Leave it "
                "out of --features."
            )
        else:
            plan.left_out[name] = str(detail)

    by_reason: dict[str, list[str]] = {}
    for name, reason in plan.left_out.items():
        by_reason.setdefault(reason, []).append(name)
    for reason, names in by_reason.items():
        shown = ", ".join(repr(n) for n in names[:10])
        if len(names) > 10:
            shown += f", ... ({len(names) - 10} more)"
        what = f"Column {shown} is" if len(names) == 1 else f"Columns {shown} are"
        warnings.warn(
            f"{what} left out of the audit: {reason}.", SknoisyWarning, stacklevel=2
        )
    for name, bad in plan.bad_numbers.items():
        examples = _non_numbers(table[name])
        warnings.warn(
            f"Column {name!r} holds numbers, but {bad} cell(s) are not "
            f"({examples}); they are treated as missing.",
            SknoisyWarning,
            stacklevel=2,
        )
    if not plan.columns:
        reasons = "; ".join(f"{k!r}: {v}" for k, v in plan.left_out.items())
        raise TableError(
            "No usable feature column is left to learn the labels from"
            + (f" ({reasons})" if reasons else "")
            + "."
        )
    return plan


def _non_numbers(values: pd.Series, limit: int = 3) -> str:
    text = values.astype(object).where(values.notna(), None)
    bad = [
        (row, v)
        for row, v in enumerate(text)
        if v is not None
        and str(v).strip() != ""
        and pd.isna(pd.to_numeric(str(v).strip(), errors="coerce"))
    ]
    shown = ", ".join(f"{str(v)!r} in row {row}" for row, v in bad[:limit])
    return shown + (", ..." if len(bad) > limit else "")


def encode_features(table: pd.DataFrame, plan: FeaturePlan) -> np.ndarray:
    """The planned columns as a dense float matrix, one row per data row.

    Raises
    ------
    TableError
        When a numeric column holds infinite values.
    """
    numeric = table[plan.numeric].apply(
        lambda column: pd.to_numeric(
            column.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v),
            errors="coerce",
        ).astype(float)
    )
    for name in plan.numeric:
        values = numeric[name].to_numpy()
        infinite = np.flatnonzero(np.isinf(values))
        if infinite.size:
            raise TableError(
                f"Column {name!r} holds infinite values in {infinite.size} row(s) "
                f"(rows {_row_list(infinite)}); replace them, or leave the column "
                "out with --exclude."
            )
        # Squares of such values overflow when the column is standardised.
        huge = np.flatnonzero(np.abs(values) > _LARGEST_VALUE)
        if huge.size:
            raise TableError(
                f"Column {name!r} holds values beyond {_LARGEST_VALUE:.0e} in "
                f"absolute value in {huge.size} row(s) (rows {_row_list(huge)}); "
                "rescale the column, or leave it out with --exclude."
            )
    # One type for the encoder: categories that mix numbers and text are text.
    categorical = table[plan.categorical].astype(object)
    categorical = categorical.where(categorical.notna(), "(missing)").astype(str)

    encoder = ColumnTransformer(
        [
            (
                "numeric",
                make_pipeline(
                    SimpleImputer(strategy="median", add_indicator=True),
                    StandardScaler(),
                ),
                plan.numeric,
            ),
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                plan.categorical,
            ),
        ],
        sparse_threshold=0.0,
    )
    frame = pd.concat([numeric, categorical], axis=1)
    return np.asarray(encoder.fit_transform(frame), dtype=np.float64)


# ---------------------------------------------------------------- cleaners


class _CountingClassifier(ClassifierMixin, BaseEstimator):
    """A classifier that calls ``on_fit()`` after each fit, for a progress bar.

    ``on_fit`` is a plain function, so that cloning (once per
    cross-validation fold) shares it rather than copying the bar it updates.
    """

    def __init__(self, estimator, on_fit):
        self.estimator = estimator
        self.on_fit = on_fit

    def fit(self, X, y):
        self.estimator_ = clone(self.estimator).fit(X, y)
        self.classes_ = self.estimator_.classes_
        self.on_fit()
        return self

    def predict_proba(self, X):
        return self.estimator_.predict_proba(X)

    def predict(self, X):
        return self.estimator_.predict(X)


def _detector(name: str, seed: int):
    if name == "logistic":
        return LogisticRegression(max_iter=1000)
    return SmoothedNetClassifier(random_state=seed)


_DETECTOR_TEXT = {
    "net": "neural network (1 hidden layer of 100, 100 epochs)",
    "logistic": "logistic regression",
}


def _ranking_net(seed: int, n_rows: int) -> SmoothedNetClassifier:
    # Small tables get small batches: an epoch of one or two gradient steps
    # leaves the warm-up too short to rank anything.
    batch_size = int(min(128, max(16, n_rows // 16)))
    return SmoothedNetClassifier(lr=1e-2, batch_size=batch_size, random_state=seed)


def _confident(X, y, *, folds: int, seed: int, detector: str, bar) -> tuple:
    def on_fit():
        bar.update()

    bar.set_description(f"confident learning, {folds} folds")
    model = _CountingClassifier(_detector(detector, seed), on_fit)
    # Detection only: find_label_issues never fits the final estimator.
    cleaner = ConfidentCleaner(
        model, cv=StratifiedKFold(folds, shuffle=True, random_state=seed)
    )
    issues = cleaner.find_label_issues(X, y)
    settings = {
        "method": "confident learning (ConfidentCleaner)",
        "detector": _DETECTOR_TEXT[detector],
        "cross-validation": f"{folds} stratified, shuffled folds",
        "filter": cleaner.filter_by,
    }
    return issues, settings, None


def _lossrank(X, y, *, seed: int, bar) -> tuple:
    bar.set_description("choosing the warm-up length")
    net = _ranking_net(seed, len(y))
    stopper = MemorizationStopper(net, random_state=seed).fit(X, y)
    onset = stopper.memorization_epoch_
    warmup = int(onset if onset is not None else stopper.best_epoch_)
    bar.update()

    bar.set_description(f"ranking by margin, {warmup} warm-up epochs")
    issues = LossRankFilter(net, warmup_epochs=warmup).find_label_issues(X, y)
    bar.update()
    found = "memorisation onset" if onset is not None else "best epoch"
    settings = {
        "method": "loss ranking (LossRankFilter)",
        "ranker": (
            f"neural network (1 hidden layer of 100, lr={net.lr}, "
            f"batch_size={net.batch_size})"
        ),
        "warm-up epochs": f"{warmup} (the {found} found by MemorizationStopper)",
        "score": "area under the margin",
        "cut": "automatic (two-component mixture)",
    }
    return issues, settings, stopper


# ------------------------------------------------------------------ audit


def audit_table(
    table: pd.DataFrame,
    target: str,
    *,
    method: str = "confident",
    features: list[str] | None = None,
    exclude: list[str] | None = None,
    id_column: str | None = None,
    folds: int = 5,
    detector: str = "net",
    seed: int = 0,
    progress: bool = False,
    source: str = "",
) -> AuditResult:
    """Score every row's label in ``table`` and rank the suspects.

    Parameters
    ----------
    table : DataFrame
        The user's table, one row per sample, as read by
        :func:`~sknoisy._tables.read_table`.
    target : str
        The column holding the given labels.
    method : {"confident", "lossrank"}, default="confident"
        ``"confident"``: :class:`ConfidentCleaner` on out-of-fold
        probabilities of ``detector``. ``"lossrank"``:
        :class:`LossRankFilter` with a small network whose warm-up length a
        :class:`MemorizationStopper` picks.
    features, exclude : list of str, default=None
        Which columns to use; see :func:`plan_features`.
    id_column : str, default=None
        A column of unique row ids to report instead of row numbers.
    folds : int, default=5
        Cross-validation folds for ``method="confident"``; every class needs
        this many rows.
    detector : {"net", "logistic"}, default="net"
        The model whose out-of-fold probabilities ``method="confident"``
        uses: a :class:`SmoothedNetClassifier` with its defaults, or a
        logistic regression (many times faster, but it flags more correct
        labels where the classes are not separated by straight lines).
    seed : int, default=0
        Seeds the folds and the network.
    progress : bool, default=False
        Show a progress bar on stderr.
    source : str, default=""
        Name of the file, for the report.

    Returns
    -------
    result : AuditResult

    Raises
    ------
    TableError
        When the target, the id column or the features cannot be used; the
        message names the column, class or rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.datasets import load_iris
    >>> from sknoisy import inject_label_noise
    >>> from sknoisy._audit import audit_table
    >>> iris = load_iris(as_frame=True).frame
    >>> iris["target"], is_flipped = inject_label_noise(iris["target"], 0.1,
    ...                                                 random_state=0)
    >>> result = audit_table(iris, "target")
    >>> list(result.suspects.columns[:6])
    ['rank', 'row', 'given_label', 'suggested_label', 'label_quality', 'reviewed_label']
    >>> bool(is_flipped[result.suspects["row"]].mean() > 0.5)
    True
    """
    if method not in AUDIT_METHODS:
        raise ValueError(
            f"method must be one of {list(AUDIT_METHODS)}; got {method!r}."
        )
    if detector not in DETECTORS:
        raise ValueError(
            f"detector must be one of {list(DETECTORS)}; got {detector!r}."
        )
    start = time.perf_counter()
    n_steps = 2 + (folds if method == "confident" else 2)
    with tqdm(total=n_steps, disable=not progress, unit="step") as bar:
        bar.set_description("checking the table")
        y = _check_target(table, target)
        _check_id_column(table, id_column, target)
        # The stopper's hold-out needs a row of every class on both sides.
        _check_class_counts(y, target, folds if method == "confident" else 2)
        plan = plan_features(
            table, target, features=features, exclude=exclude, id_column=id_column
        )
        bar.update()

        bar.set_description("encoding the features")
        X = encode_features(table, plan)
        bar.update()
        if method == "confident":
            found = _confident(X, y, folds=folds, seed=seed, detector=detector, bar=bar)
        else:
            found = _lossrank(X, y, seed=seed, bar=bar)
        issues, settings, stopper = found

    settings = {**settings, "seed": seed}
    name = id_column if id_column is not None else ROW_COLUMN
    ids = table[id_column] if id_column is not None else pd.Series(range(len(table)))
    issues = issues.reset_index(drop=True)
    issues.insert(0, name, ids.to_numpy())
    order = np.lexsort((np.arange(len(issues)), issues["label_quality"].to_numpy()))
    flagged = order[issues["is_label_issue"].to_numpy()[order]]
    rank = np.full(len(issues), np.nan)
    rank[flagged] = np.arange(1, len(flagged) + 1)
    issues["rank"] = pd.array(rank, dtype="Int64")

    return AuditResult(
        issues=issues,
        suspects=_suspects_table(table, issues, flagged, target, name, id_column),
        classes=np.unique(issues["given_label"].to_numpy()),
        target=target,
        id_column=name,
        plan=plan,
        n_encoded=X.shape[1],
        method=method,
        settings=settings,
        stopper=stopper,
        seconds=time.perf_counter() - start,
        source=source,
    )


def _suspects_table(
    table: pd.DataFrame,
    issues: pd.DataFrame,
    flagged: np.ndarray,
    target: str,
    name: str,
    id_column: str | None,
) -> pd.DataFrame:
    """The suspects in rank order, with an empty review column and their data."""
    picked = issues.iloc[flagged]
    suspects = pd.DataFrame(
        {
            "rank": picked["rank"].to_numpy(),
            name: picked[name].to_numpy(),
            "given_label": picked["given_label"].to_numpy(),
            "suggested_label": picked["suggested_label"].to_numpy(),
            "label_quality": picked["label_quality"].round(4).to_numpy(),
            REVIEW_COLUMN: "",
        }
    )
    # The row's own cells, so the reviewer sees what the label is about.
    data = table.iloc[flagged].drop(
        columns=[c for c in (target, id_column) if c is not None]
    )
    taken = set(suspects.columns)
    data.columns = [f"{c} (data)" if c in taken else c for c in data.columns]
    data.index = suspects.index
    return pd.concat([suspects, data], axis=1)


def write_suspects(result: AuditResult, path: str | Path) -> None:
    """Write ``result.suspects`` as CSV (UTF-8, comma-separated) to ``path``."""
    result.suspects.to_csv(path, index=False)

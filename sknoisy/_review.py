"""Merging a person's review decisions into a new copy of the data.

``sknoisy audit`` writes ``suspects.csv`` with an empty ``reviewed_label``
column; the person fills it in a spreadsheet. :func:`apply_review` reads
those decisions and writes a new file: an empty cell keeps the given label,
a label sets it, the drop keyword removes the row. The original file is
only read. A review file that could mean two things (an id that is not in
the data, an id twice, a label that is not a class, a given label that no
longer matches the data) is refused, with what was found.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ._audit import REVIEW_COLUMN, ROW_COLUMN
from ._tables import (
    TableError,
    atomic_write,
    check_columns,
    detect_format,
    read_table,
    same_file,
)

__all__ = ["DROP_KEYWORD", "ReviewSummary", "apply_review"]

DROP_KEYWORD = "drop"
_COMPRESSION = {
    ".gz": "gzip",
    ".bz2": "bz2",
    ".xz": "xz",
    ".zip": "zip",
    ".zst": "zstd",
}


@dataclass
class ReviewSummary:
    """What :func:`apply_review` did, row by row counts."""

    n_rows_in: int
    n_relabelled: int
    n_confirmed: int
    n_dropped: int
    n_rows_out: int

    def __str__(self) -> str:
        return (
            f"{self.n_rows_in} rows in, {self.n_relabelled} relabelled, "
            f"{self.n_confirmed} confirmed as given, {self.n_dropped} dropped, "
            f"{self.n_rows_out} rows out"
        )


def _text(value) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    return str(value)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


class _Vocabulary:
    """Maps cell text from a review file to one of a known set of values.

    Text matches a value when it is the value's text exactly (surrounding
    spaces ignored); when every value is a number, text that is the same
    number (``"3.0"`` for ``3``) matches too, since spreadsheets rewrite
    numbers; booleans match ``TRUE``/``false`` in any case.
    """

    def __init__(self, values):
        self.values = list(values)
        self.by_text = {}
        for value in self.values:
            self.by_text.setdefault(_text(value), value)
        numbers = [_number(t) for t in self.by_text]
        self.by_number = None
        if self.values and all(n is not None for n in numbers):
            self.by_number = {}
            for number, value in zip(numbers, self.by_text.values(), strict=True):
                self.by_number.setdefault(number, value)

    def find(self, text: str):
        """The matching value, or ``None``."""
        text = text.strip()
        if text in self.by_text:
            return self.by_text[text]
        if self.by_number is not None:
            number = _number(text)
            if number is not None and number in self.by_number:
                return self.by_number[number]
        if text.lower() in ("true", "false"):
            for value in self.values:
                if (
                    isinstance(value, (bool, np.bool_))
                    and str(value).lower() == text.lower()
                ):
                    return value
        return None


def _examples(items, limit: int = 5) -> str:
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")


def _sniff_sep(path: Path) -> str:
    """The delimiter of a review file's header line: comma, semicolon or tab.

    Spreadsheets save CSV with the delimiter of the user's locale, so a
    review file is not required to use the data file's.
    """
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return ","
    try:
        with open(path, encoding="utf-8-sig") as handle:
            header = handle.readline()
    except (OSError, UnicodeDecodeError):
        return ","
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _check_paths(data: Path, review: Path, out: Path, force: bool) -> None:
    kind = detect_format(data, "DATA")
    detect_format(review, "REVIEWED")
    if detect_format(out, "NEW") != kind:
        raise TableError(
            f"NEW {str(out)!r} must be a {kind} file like DATA {str(data)!r}; "
            "give it the same kind of name ending."
        )
    if same_file(out, data):
        raise TableError(
            f"NEW {str(out)!r} is DATA itself; apply never changes DATA, not even "
            "with --force. Choose another name for NEW."
        )
    if same_file(out, review):
        raise TableError(
            f"NEW {str(out)!r} is the review file, the only record of the "
            "decisions; choose another name for NEW."
        )
    if out.exists() and not force:
        raise TableError(f"NEW {str(out)!r} exists; pass --force to replace it.")
    if out.exists() and out.is_dir():
        raise TableError(f"NEW {str(out)!r} is a folder.")


def _row_positions(
    texts: pd.Series, data: pd.DataFrame, id_column: str | None, id_name: str
) -> np.ndarray:
    """Positions in ``data`` of the review file's row ids; refuses unknown ones."""
    n_rows = len(data)
    positions = np.full(len(texts), -1, dtype=np.int64)
    if id_column is None:
        bad = []
        for i, text in enumerate(texts):
            number = _number(text)
            if number is None or not float(number).is_integer():
                bad.append(repr(text))
            else:
                positions[i] = int(number)
        if bad:
            raise TableError(
                f"The review file's {id_name!r} column must hold whole row numbers; "
                f"{len(bad)} cell(s) do not: {_examples(bad)}."
            )
        unknown = [str(p) for p in positions if not 0 <= p < n_rows]
    else:
        ids = _Vocabulary(data[id_column].astype(object))
        where = {_text(v): k for k, v in enumerate(data[id_column].astype(object))}
        unknown = []
        for i, text in enumerate(texts):
            value = ids.find(text)
            if value is None:
                unknown.append(repr(text))
            else:
                positions[i] = where[_text(value)]
    if unknown:
        scope = (
            f"DATA has rows 0 to {n_rows - 1}"
            if id_column is None
            else f"no row of DATA has that {id_column!r}"
        )
        raise TableError(
            f"The review file names {len(unknown)} row id(s) that are not in DATA "
            f"({_examples(unknown)}); {scope}. Was the review made for another "
            "file?"
        )
    return positions


def _refuse_duplicates(positions: np.ndarray, texts: pd.Series, id_name: str) -> None:
    counts = Counter(positions.tolist())
    repeated = {p: n for p, n in counts.items() if n > 1}
    if repeated:
        first_text = {}
        for position, text in zip(positions, texts, strict=True):
            first_text.setdefault(int(position), text.strip())
        detail = [f"{first_text[p]!s} ({n} times)" for p, n in repeated.items()]
        raise TableError(
            f"The review file lists {len(repeated)} {id_name} value(s) more than "
            f"once: {_examples(detail)}; keep one line per row so that each row "
            "gets one decision."
        )


def _decisions(
    texts: pd.Series, classes: _Vocabulary, drop_keyword: str, target: str
) -> list:
    """Per review line: ``None`` (keep), ``_DROP`` or the new label value."""
    decisions, unknown = [], []
    for text in texts:
        text = text.strip()
        if text == "":
            decisions.append(None)
        elif text.casefold() == drop_keyword.casefold():
            decisions.append(_DROP)
        else:
            value = classes.find(text)
            if value is None:
                unknown.append(text)
            decisions.append(value)
    if unknown:
        distinct = list(dict.fromkeys(unknown))
        known = ", ".join(repr(_text(c)) for c in classes.values[:30])
        more = (
            f", ... ({len(classes.values) - 30} more)"
            if len(classes.values) > 30
            else ""
        )
        raise TableError(
            f"{len(unknown)} {REVIEW_COLUMN} cell(s) hold labels that are no "
            f"class of {target!r}: {_examples(repr(u) for u in distinct)}. The "
            f"classes are {known}{more}; write {drop_keyword!r} to remove a row, "
            "or leave the cell empty to keep the given label."
        )
    return decisions


class _Drop:
    def __repr__(self) -> str:
        return "DROP"


_DROP = _Drop()


def _check_given_labels(
    review: pd.DataFrame,
    positions: np.ndarray,
    labels: pd.Series,
    classes: _Vocabulary,
    id_name: str,
    target: str,
) -> None:
    """Refuse a review whose ``given_label`` disagrees with the data's label."""
    if "given_label" not in review.columns:
        return
    wrong = []
    for text, id_text, position in zip(
        review["given_label"], review[id_name], positions, strict=True
    ):
        actual = labels.iloc[position]
        found = classes.find(text)
        if found is None or _text(found) != _text(actual):
            wrong.append(
                f"{id_name} {id_text.strip()}: {text.strip()!r} in the review, "
                f"{_text(actual)!r} in DATA"
            )
    if wrong:
        raise TableError(
            f"For {len(wrong)} row(s) the review file's given_label differs from "
            f"DATA's {target!r} ({_examples(wrong, 3)}). Either DATA was changed "
            "or re-sorted since the audit, or given_label was edited: write "
            f"corrections in {REVIEW_COLUMN} and leave given_label as it was."
        )


def _canonical_text(raw: pd.Series, typed: pd.Series) -> dict[str, str]:
    """For each class (by its text), the way DATA most often spells it."""
    spelled = pd.DataFrame({"raw": raw.to_numpy(), "key": typed.map(_text).to_numpy()})
    return (
        spelled.groupby("key")["raw"].agg(lambda s: s.value_counts().index[0]).to_dict()
    )


def apply_review(
    data_path: str | os.PathLike,
    review_path: str | os.PathLike,
    target: str,
    out_path: str | os.PathLike,
    *,
    id_column: str | None = None,
    sep: str | None = None,
    drop_keyword: str = DROP_KEYWORD,
    force: bool = False,
) -> ReviewSummary:
    """Write a copy of DATA with the review's decisions applied.

    Parameters
    ----------
    data_path : str or path-like
        The data the audit ran on (CSV or Parquet). Only read.
    review_path : str or path-like
        ``suspects.csv`` with ``reviewed_label`` filled in (CSV with comma,
        semicolon or tab delimiter, or Parquet). It needs the id column
        (``row``, or ``id_column``) and ``reviewed_label``; other columns
        are ignored, except ``given_label``, which must still match DATA.
    target : str
        The label column of DATA.
    out_path : str or path-like
        The new file, of the same format as DATA. Written atomically.
    id_column : str, default=None
        The id column the audit used; None means row numbers.
    sep : str, default=None
        Delimiter of a CSV DATA (and NEW); None: tab for ``.tsv``, else comma.
    drop_keyword : str, default="drop"
        The ``reviewed_label`` that removes a row (any letter case).
    force : bool, default=False
        Replace an existing ``out_path``. DATA and the review file are never
        replaced.

    Returns
    -------
    summary : ReviewSummary

    Raises
    ------
    TableError
        When a path, a column, an id or a label makes the review ambiguous;
        nothing is written then.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sknoisy._review import apply_review
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "data.csv").write_text("x,label\\n1,cat\\n2,dog\\n3,cat\\n")
    >>> _ = (folder / "review.csv").write_text(
    ...     "row,given_label,reviewed_label\\n0,cat,dog\\n2,cat,drop\\n")
    >>> summary = apply_review(folder / "data.csv", folder / "review.csv", "label",
    ...                        folder / "new.csv")
    >>> print(summary)
    3 rows in, 1 relabelled, 0 confirmed as given, 1 dropped, 2 rows out
    >>> print((folder / "new.csv").read_text(), end="")
    x,label
    1,dog
    2,dog
    """
    data_path, review_path, out_path = (
        Path(data_path),
        Path(review_path),
        Path(out_path),
    )
    _check_paths(data_path, review_path, out_path, force)
    kind = detect_format(data_path)
    id_name = id_column if id_column is not None else ROW_COLUMN

    typed = read_table(data_path, sep=sep)
    raw = read_table(data_path, sep=sep, as_text=True) if kind == "csv" else typed
    check_columns(typed, [target], role="target column")
    if id_column is not None:
        check_columns(typed, [id_column], role="id column")
    labels = typed[target]
    classes = _Vocabulary(pd.unique(labels.dropna()))
    if classes.find(drop_keyword) is not None:
        raise TableError(
            f"The drop keyword {drop_keyword!r} is also a class of {target!r}; pass "
            "--drop-keyword with a word that is no class (for example __drop__)."
        )

    review = read_table(
        review_path, sep=_sniff_sep(review_path), as_text=True, what="REVIEWED"
    )
    check_columns(review, [id_name, REVIEW_COLUMN], what="The review file")
    review = review.astype(object).where(review.notna(), "").astype(str)
    # Lines without id or decision (blank spreadsheet rows) say nothing.
    said = (review[id_name].str.strip() != "") | (
        review[REVIEW_COLUMN].str.strip() != ""
    )
    review = review[said]
    no_id = review[id_name].str.strip() == ""
    if no_id.any():
        raise TableError(
            f"{int(no_id.sum())} line(s) of the review file have a "
            f"{REVIEW_COLUMN} but no {id_name!r}; every decision needs its row id."
        )

    positions = _row_positions(review[id_name], typed, id_column, id_name)
    _refuse_duplicates(positions, review[id_name], id_name)
    _check_given_labels(review, positions, labels, classes, id_name, target)
    decisions = _decisions(review[REVIEW_COLUMN], classes, drop_keyword, target)

    new = raw.copy()
    spelling = _canonical_text(raw[target], labels) if kind == "csv" else None
    dropped, relabelled, confirmed = [], 0, 0
    for position, decision in zip(positions, decisions, strict=True):
        if decision is None:
            continue
        if decision is _DROP:
            dropped.append(position)
        elif _text(decision) == _text(labels.iloc[position]):
            confirmed += 1
        else:
            relabelled += 1
            value = spelling[_text(decision)] if spelling is not None else decision
            new.iloc[position, new.columns.get_loc(target)] = value
    kept = np.setdiff1d(np.arange(len(new)), dropped)
    new = new.iloc[kept]

    if kind == "csv":
        write_sep = (
            sep
            if sep is not None
            else ("\t" if ".tsv" in data_path.name.lower() else ",")
        )
        compression = _COMPRESSION.get(out_path.suffix.lower())
        if compression == "zip":
            compression = {"method": "zip", "archive_name": out_path.stem}

        def write(path: Path) -> None:
            new.to_csv(path, index=False, sep=write_sep, compression=compression)

    else:
        keep_index = not isinstance(typed.index, pd.RangeIndex)
        if not keep_index:
            new = new.reset_index(drop=True)

        def write(path: Path) -> None:
            new.to_parquet(path, index=keep_index)

    atomic_write(out_path, write)
    return ReviewSummary(
        n_rows_in=len(raw),
        n_relabelled=relabelled,
        n_confirmed=confirmed,
        n_dropped=len(dropped),
        n_rows_out=len(new),
    )

"""Reading and writing the user's tables: CSV or Parquet, checked on the way in.

``sknoisy audit`` and ``sknoisy apply`` work on files a person made with a
spreadsheet or an export script. This module turns the usual ways such a
file goes wrong (empty, another delimiter, no such column) into errors that
say what was found and what to do, and writes new files atomically so that
an interrupted run never leaves half a file behind.
"""

from __future__ import annotations

import difflib
import lzma
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

__all__ = [
    "TableError",
    "atomic_write",
    "check_columns",
    "detect_format",
    "read_table",
    "same_file",
]

# Name endings that decide how a file is read; a CSV may be compressed.
_CSV_ENDINGS = (".csv", ".tsv", ".txt")
_COMPRESSIONS = ("", ".gz", ".bz2", ".xz", ".zip", ".zst")
_PARQUET_ENDINGS = (".parquet", ".pq")
# Delimiters that give a one-column table away when read with another one.
_OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe", ",": "comma"}


class TableError(ValueError):
    """A user's file or column choice that sknoisy cannot work with.

    The message says what was found and what would work; the command line
    prints it without a traceback.
    """


def detect_format(path: str | os.PathLike, what: str = "DATA") -> str:
    """``"csv"`` or ``"parquet"``, from the end of the file name.

    Parameters
    ----------
    path : str or path-like
        The file name.
    what : str, default="DATA"
        How the file is called in error messages.

    Returns
    -------
    format : {"csv", "parquet"}

    Raises
    ------
    TableError
        When the name ends in neither a CSV nor a Parquet suffix.

    Examples
    --------
    >>> from sknoisy._tables import detect_format
    >>> detect_format("labels.csv.gz"), detect_format("labels.parquet")
    ('csv', 'parquet')
    """
    name = Path(path).name.lower()
    if name.endswith(_PARQUET_ENDINGS):
        return "parquet"
    if any(name.endswith(e + c) for e in _CSV_ENDINGS for c in _COMPRESSIONS):
        return "csv"
    raise TableError(
        f"{what} {str(path)!r} is neither CSV nor Parquet (judged by its name); "
        "name it *.csv (also .tsv, .txt, or compressed: .csv.gz, .csv.zip, ...) "
        "or *.parquet. A spreadsheet can save its sheet as CSV."
    )


def _default_sep(path: str | os.PathLike) -> str:
    return "\t" if ".tsv" in Path(path).name.lower() else ","


def read_table(
    path: str | os.PathLike,
    *,
    sep: str | None = None,
    as_text: bool = False,
    what: str = "DATA",
) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame, refusing unusable files.

    Parameters
    ----------
    path : str or path-like
        The file; its name ending decides the format (see
        :func:`detect_format`).
    sep : str, default=None
        CSV delimiter; None means a tab for ``.tsv`` files and a comma
        otherwise. Ignored for Parquet.
    as_text : bool, default=False
        Read every CSV cell as the text it is, empty cells as ``""``, so
        that writing the table back changes nothing (no ``007`` turned into
        ``7``, no ``0.10`` into ``0.1``). Parquet keeps its stored types.
    what : str, default="DATA"
        How the file is called in error messages.

    Returns
    -------
    table : DataFrame
        Row ``i`` (by position) is the ``i``-th data row, header excluded
        and blank lines skipped. A CSV gets a ``RangeIndex``; a Parquet
        file keeps the index stored with it, if any.

    Raises
    ------
    TableError
        When the file is missing, empty, has a header but no rows, cannot be
        parsed, or is read as a single column whose header shows another
        delimiter.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sknoisy._tables import read_table
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("x,label\\n007,cat\\n0.10,dog\\n")
    >>> read_table(folder / "a.csv", as_text=True)["x"].tolist()
    ['007', '0.10']
    >>> _ = (folder / "b.csv").write_text("x;label\\n1;cat\\n")
    >>> read_table(folder / "b.csv")
    Traceback (most recent call last):
    ...
    sknoisy._tables.TableError: DATA ... looks semicolon-separated; pass --sep ';'.

    With a delimiter other than a comma, a column of numbers written with a
    decimal comma, as spreadsheets save them in many locales, is read as
    numbers:

    >>> _ = (folder / "c.csv").write_text("x;label\\n12,5;cat\\n-0,25;dog\\n")
    >>> read_table(folder / "c.csv", sep=";")["x"].tolist()
    [12.5, -0.25]
    """
    path = Path(path)
    kind = detect_format(path, what)
    if not path.exists():
        raise TableError(f"{what} file not found: {str(path)!r}.")
    if path.is_dir():
        raise TableError(f"{what} {str(path)!r} is a folder, not a file.")
    if path.stat().st_size == 0:
        raise TableError(f"{what} {str(path)!r} is empty (0 bytes).")

    if kind == "parquet":
        table = _read_parquet(path, what)
    else:
        table = _read_csv(
            path, sep if sep is not None else _default_sep(path), as_text, what
        )

    if len(table.columns) == 0:
        raise TableError(f"{what} {str(path)!r} has no columns.")
    if len(table) == 0:
        raise TableError(
            f"{what} {str(path)!r} has a header ({_column_list(table.columns)}) "
            "but no data rows."
        )
    return table


def _read_parquet(path: Path, what: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except ImportError as exc:
        raise TableError(
            f'Reading Parquet needs pyarrow: pip install "sknoisy[parquet]" ({exc}).'
        ) from exc
    except Exception as exc:  # pyarrow raises its own error types
        raise TableError(
            f"{what} {str(path)!r} could not be read as Parquet: {exc}"
        ) from exc


def _read_csv(path: Path, sep: str, as_text: bool, what: str) -> pd.DataFrame:
    text_options = {"dtype": str, "keep_default_na": False} if as_text else {}
    try:
        # utf-8-sig: spreadsheets often start a saved CSV with a byte-order mark.
        table = pd.read_csv(path, sep=sep, encoding="utf-8-sig", **text_options)
    except pd.errors.EmptyDataError as exc:
        raise TableError(
            f"{what} {str(path)!r} has no header row (only blank lines)."
        ) from exc
    except UnicodeDecodeError as exc:
        raise TableError(
            f"{what} {str(path)!r} is not UTF-8 text (byte "
            f"{exc.object[exc.start : exc.start + 1]!r} at offset {exc.start}); "
            "save it as CSV UTF-8."
        ) from exc
    except (EOFError, OSError, zipfile.BadZipFile, lzma.LZMAError, zlib.error) as exc:
        raise TableError(
            f"{what} {str(path)!r} could not be decompressed or read: {exc}. "
            "Check that the file is complete and that its name ends as its "
            "compression (.gz, .bz2, .zip, .xz, .zst) or save it uncompressed."
        ) from exc
    except pd.errors.ParserError as exc:
        raise TableError(
            f"{what} {str(path)!r} could not be read as CSV with delimiter "
            f"{sep!r}: {str(exc).strip()}. Check the delimiter (--sep) and the "
            "quoting of cells that contain it."
        ) from exc

    if len(table.columns) == 1:
        _refuse_wrong_delimiter(path, str(table.columns[0]), sep, what)
    _refuse_duplicate_columns(path, sep, what)
    if sep != "," and not as_text:
        _read_decimal_commas(table)
    return table


# A number written with a decimal comma, as spreadsheets in many locales save
# it when the delimiter is not a comma: 12,5 or -0,25 or 3.
_COMMA_NUMBER = r"[+-]?\d+(?:,\d+)?"


def _read_decimal_commas(table: pd.DataFrame) -> None:
    """Turn text columns of decimal-comma numbers (``12,5``) into floats."""
    for name in table.columns:
        column = table[name]
        if not (
            pd.api.types.is_object_dtype(column.dtype)
            or pd.api.types.is_string_dtype(column.dtype)
        ):
            continue
        present = column.dropna().astype(str).str.strip()
        present = present[present != ""]
        if (
            present.empty
            or not present.str.fullmatch(_COMMA_NUMBER).all()
            or not present.str.contains(",", regex=False).any()
        ):
            continue
        text = column.astype(object).map(
            lambda v: v.strip().replace(",", ".") if isinstance(v, str) else v
        )
        table[name] = pd.to_numeric(text.replace("", float("nan")), errors="coerce")


def _refuse_duplicate_columns(path: Path, sep: str, what: str) -> None:
    """Refuse a header that names a column twice.

    pandas would rename the second one (``label.1``), and a duplicated target
    would then be a feature that gives every label away.
    """
    header = pd.read_csv(
        path, sep=sep, encoding="utf-8-sig", header=None, nrows=1, dtype=str
    ).iloc[0]
    names = [str(name).strip() for name in header.dropna()]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise TableError(
            f"{what} {str(path)!r} names column(s) {repeated} more than once; "
            "give every column its own name."
        )


def _refuse_wrong_delimiter(path: Path, header: str, sep: str, what: str) -> None:
    """A single column whose name holds another delimiter means a wrong ``sep``."""
    for other, name in _OTHER_DELIMITERS.items():
        if other != sep and other in header:
            shown = "\\t" if other == "\t" else other
            raise TableError(
                f"{what} {str(path)!r} was read with delimiter {sep!r} as a single "
                f"column named {header!r}, and it looks {name}-separated; pass "
                f"--sep '{shown}'."
            )


def _column_list(columns: Sequence, limit: int = 30) -> str:
    names = [str(c) for c in columns]
    shown = ", ".join(repr(n) for n in names[:limit])
    more = f", ... ({len(names) - limit} more)" if len(names) > limit else ""
    return f"[{shown}{more}]"


def check_columns(
    table: pd.DataFrame,
    names: Sequence[str],
    *,
    what: str = "DATA",
    role: str = "column",
) -> None:
    """Raise a :class:`TableError` naming every one of ``names`` not in ``table``.

    The message lists the columns there are and suggests a close match
    (``Label`` for ``label``), if any.

    Examples
    --------
    >>> import pandas as pd
    >>> from sknoisy._tables import check_columns
    >>> check_columns(pd.DataFrame({"Label": [1]}), ["label"], role="target column")
    Traceback (most recent call last):
    ...
    sknoisy._tables.TableError: DATA has no target column 'label' (did you mean
    'Label'?); its columns are ['Label'].
    """
    present = [str(c) for c in table.columns]
    missing = [n for n in names if n not in table.columns]
    if not missing:
        return
    lowered = {p.lower().strip(): p for p in present}
    hints = []
    for name in missing:
        close = lowered.get(name.lower().strip())
        if close is None:
            matches = difflib.get_close_matches(name, present, n=1)
            close = matches[0] if matches else None
        hints.append(f"{name!r} (did you mean {close!r}?)" if close else repr(name))
    plural = "s" if len(missing) > 1 else ""
    raise TableError(
        f"{what} has no {role}{plural} {', '.join(hints)}; its columns are "
        f"{_column_list(present)}."
    )


def same_file(first: str | os.PathLike, second: str | os.PathLike) -> bool:
    """Whether two paths name the same file (links and ``..`` included)."""
    first, second = Path(first), Path(second)
    if first.exists() and second.exists():
        return os.path.samefile(first, second)
    return first.resolve() == second.resolve()


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> None:
    """Create ``path`` through a temporary file in its folder and ``os.replace``.

    ``write`` gets the temporary path and fills it. Readers of ``path`` see
    the old file or the complete new one, never a part; when ``write``
    fails, or the run is interrupted, the temporary file is removed and
    ``path`` is untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sknoisy._tables import atomic_write
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> atomic_write(target, lambda tmp: tmp.write_text("done"))
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise TableError(f"The folder of {str(path)!r} does not exist.")
    handle, temporary = tempfile.mkstemp(
        dir=folder, prefix=f".{path.name}.", suffix=".tmp"
    )
    os.close(handle)
    temporary = Path(temporary)
    try:
        # mkstemp makes the file private; give it the mode a new file gets.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        write(temporary)
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

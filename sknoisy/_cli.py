"""The ``sknoisy`` command line."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

__all__ = ["main"]

# numpy's seeds, which split the data and flip the labels, are 32-bit.
_MAX_SEED = 2**32 - 1


def _noise_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1); got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 0 <= value <= _MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"seeds must be in [0, 2**32 - 1]; got {value}"
        )
    return value


def _n_jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError(
            "must be a positive count of jobs, or -1 for all cores (-2 for all "
            "but one, ...); got 0"
        )
    return value


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sknoisy",
        description="Learning from wrongly labelled data with scikit-learn.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo",
        help="compare noise-handling strategies on real digits with injected noise",
        description=(
            "Split scikit-learn's bundled handwritten digits into train and "
            "test, flip a known fraction of the training labels, then fit each "
            "strategy and print detection precision/recall/F1 of the flipped "
            "rows and accuracy on the clean test labels."
        ),
    )
    demo.add_argument(
        "--noise-rate",
        type=_noise_rate,
        default=0.2,
        help="fraction of training labels to flip (default: 0.2)",
    )
    demo.add_argument(
        "--noise-kind",
        choices=["symmetric", "pair"],
        default="symmetric",
        help="symmetric: to a random other class; pair: class k to k+1 "
        "(default: symmetric)",
    )
    demo.add_argument(
        "--seeds",
        type=_seed,
        nargs="+",
        default=[0],
        metavar="SEED",
        help="one run per seed, reported as mean ± std (default: 0)",
    )
    demo.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=None,
        help="cross-validation folds fitted in parallel, -1 for all cores "
        "(default: serial)",
    )
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_audit_parser(commands)
    _add_apply_parser(commands)
    return parser


_AUDIT_EPILOG = """\
The audit writes two files into DIR:
  suspects.csv  the suspect rows, most suspicious first: rank, row id,
                given_label, suggested_label, label_quality (0-1, higher is
                more trustworthy), an empty reviewed_label column for you to
                fill in, then the row's own cells
  report.html   summary, plots and the top suspects; opens in any browser,
                no network needed

The row id is the 0-based number of the data row (the header is not counted;
row 0 is the first line under it), or the value of --id-column.

Features: number columns are used with missing cells filled by the column's
median and standardised; text and category columns are one-hot encoded (a
missing cell is a category of its own). Text columns with more than 100
distinct values, or a different value in every row, are free text or ids and
are left out, as are empty, constant and date columns; a note says which.

examples:
  sknoisy audit animals.csv --target species
  sknoisy audit animals.csv --target species --id-column animal_id --out review/
  sknoisy audit scans.parquet --target diagnosis --method lossrank
  sknoisy audit export.csv --target label --sep ';' --exclude comment

then fill in reviewed_label and run:
  sknoisy apply animals.csv review/suspects.csv --target species \\
      --out animals_reviewed.csv
"""

_APPLY_EPILOG = """\
In REVIEWED (the suspects.csv of an audit, filled in by a person), the
reviewed_label column says what happens to each row:
  empty          keep the given label
  a class label  set the row's label to it (it must be a label that already
                 occurs in the target column)
  drop           remove the row from NEW (any letter case; see --drop-keyword)
Rows of DATA that are not in REVIEWED are copied unchanged.

DATA is never changed. NEW is written through a temporary file in its folder
and renamed into place, so it is either complete or absent. Nothing is written
when REVIEWED is ambiguous: row ids that are not in DATA or that occur twice,
labels that are not classes, missing columns, or a given_label column that no
longer matches DATA. REVIEWED may be comma-, semicolon- or tab-separated.

examples:
  sknoisy apply animals.csv review/suspects.csv --target species \\
      --out animals_reviewed.csv
  sknoisy apply animals.csv review/suspects.csv --target species \\
      --id-column animal_id --out animals_reviewed.csv --force
"""


def _positive_folds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2; got {value}")
    return value


def _top(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {value}")
    return value


def _sep(text: str) -> str:
    text = {"\\t": "\t", "tab": "\t"}.get(text, text)
    if len(text) != 1:
        raise argparse.ArgumentTypeError(
            f"must be one character (or '\\t' for tab); got {text!r}"
        )
    return text


def _add_audit_parser(commands) -> None:
    from ._audit import AUDIT_METHODS, DETECTORS

    audit = commands.add_parser(
        "audit",
        help="rank the rows of your CSV or Parquet file whose label looks wrong",
        description=(
            "Score every row's label in DATA with a model that did not train\n"
            "on that row, and write the suspects for review by a person\n"
            "(suspects.csv) and a report with plots (report.html)."
        ),
        epilog=_AUDIT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    audit.add_argument("data", metavar="DATA", help="the table: .csv or .parquet")
    audit.add_argument(
        "--target", required=True, metavar="COLUMN", help="the column with the labels"
    )
    audit.add_argument(
        "--method",
        choices=AUDIT_METHODS,
        default="confident",
        help="confident: confident learning on out-of-fold probabilities (K "
        "models, each trained without one fold); lossrank: rank by the margin "
        "of one briefly trained network (faster; finds more where there are "
        "many wrong labels, but may find none when only a few per cent are "
        "wrong) (default: confident)",
    )
    audit.add_argument(
        "--detector",
        choices=DETECTORS,
        default="net",
        help="the model behind --method confident: a small neural network, or "
        "a logistic regression (many times faster on large files, but flags "
        "more correct labels when classes are not separated by straight "
        "lines) (default: net)",
    )
    audit.add_argument(
        "--features",
        nargs="+",
        metavar="COL",
        help="the columns to learn from (default: all but the target and the id)",
    )
    audit.add_argument(
        "--exclude", nargs="+", metavar="COL", default=[], help="columns never used"
    )
    audit.add_argument(
        "--id-column",
        metavar="COL",
        help="a column of unique row ids to report (default: row numbers)",
    )
    audit.add_argument(
        "--sep",
        type=_sep,
        metavar="CHAR",
        help="CSV delimiter, e.g. ';' or '\\t' (default: tab for .tsv, else comma)",
    )
    audit.add_argument(
        "--folds",
        type=_positive_folds,
        default=5,
        metavar="K",
        help="cross-validation folds for --method confident; every class needs "
        "at least K rows (default: 5)",
    )
    audit.add_argument(
        "--seed", type=_seed, default=0, help="seeds folds and training (default: 0)"
    )
    audit.add_argument(
        "--top",
        type=_top,
        default=50,
        metavar="N",
        help="suspects listed in the report (all go to suspects.csv; default: 50)",
    )
    audit.add_argument(
        "--out",
        metavar="DIR",
        help="folder for suspects.csv and report.html, created if needed "
        "(default: DATA's name plus '-audit', in the current folder)",
    )
    audit.add_argument(
        "--force",
        action="store_true",
        help="replace suspects.csv and report.html in DIR (they may hold review "
        "work, so by default they are kept and the audit stops)",
    )
    audit.add_argument(
        "--quiet", action="store_true", help="no progress bar and no summary"
    )


def _add_apply_parser(commands) -> None:
    from ._review import DROP_KEYWORD

    apply = commands.add_parser(
        "apply",
        help="merge reviewed labels from suspects.csv into a new copy of your data",
        description=(
            "Write NEW: a copy of DATA in which the decisions in REVIEWED's\n"
            "reviewed_label column are applied. DATA itself is only read."
        ),
        epilog=_APPLY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    apply.add_argument("data", metavar="DATA", help="the table the audit ran on")
    apply.add_argument(
        "review", metavar="REVIEWED", help="suspects.csv with reviewed_label filled in"
    )
    apply.add_argument(
        "--target", required=True, metavar="COLUMN", help="the column with the labels"
    )
    apply.add_argument(
        "--out",
        required=True,
        metavar="NEW",
        help="the file to write, of DATA's format; never DATA itself",
    )
    apply.add_argument(
        "--id-column",
        metavar="COL",
        help="the --id-column the audit used (default: row numbers)",
    )
    apply.add_argument(
        "--sep",
        type=_sep,
        metavar="CHAR",
        help="CSV delimiter of DATA, also used for NEW (default: tab for .tsv, "
        "else comma)",
    )
    apply.add_argument(
        "--drop-keyword",
        default=DROP_KEYWORD,
        metavar="WORD",
        help=f"the reviewed_label that removes a row (default: {DROP_KEYWORD})",
    )
    apply.add_argument("--force", action="store_true", help="replace NEW if it exists")
    apply.add_argument("--quiet", action="store_true", help="no summary line")


def _demo(args: argparse.Namespace) -> int:
    from ._demo import format_demo_table, run_demo

    results = run_demo(
        args.noise_rate,
        args.noise_kind,
        args.seeds,
        progress=not args.quiet,
        n_jobs=args.n_jobs,
    )
    seeds = ", ".join(str(s) for s in args.seeds)
    print(
        f"Digits (1797 real handwritten images, 8x8), 75/25 split; "
        f"{args.noise_rate:.0%} {args.noise_kind} noise injected into the "
        f"training labels only; seed(s) {seeds}.\n"
        "Detection scores compare the flagged rows with the flipped ones; "
        "accuracy is on the clean test labels; 'stopped at' is the epoch "
        "where MemorizationStopper ended training.\n"
    )
    print(format_demo_table(results))
    return 0


def _audit(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ._audit import audit_table, write_suspects
    from ._report import build_report, write_report
    from ._tables import TableError, atomic_write, read_table, same_file

    data = Path(args.data)
    out = Path(args.out) if args.out else Path(f"{data.name.split('.')[0]}-audit")
    suspects_path, report_path = out / "suspects.csv", out / "report.html"
    if out.exists() and not out.is_dir():
        raise TableError(f"--out {str(out)!r} is a file, not a folder.")
    for output in (suspects_path, report_path):
        if same_file(data, output):
            # Even --force never writes over the data being audited.
            raise TableError(
                f"DATA {str(data)!r} is the {output.name} that the audit would "
                "write; choose another --out."
            )
    existing = [p.name for p in (suspects_path, report_path) if p.exists()]
    if existing and not args.force:
        raise TableError(
            f"{' and '.join(existing)} already exist in {str(out)!r} and may hold "
            "review work; pass --force to replace them, or choose another --out."
        )

    table = read_table(data, sep=args.sep)
    result = audit_table(
        table,
        args.target,
        method=args.method,
        features=args.features,
        exclude=args.exclude,
        id_column=args.id_column,
        folds=args.folds,
        detector=args.detector,
        seed=args.seed,
        progress=not args.quiet,
        source=data.name,
    )
    apply_command = _apply_command(args, suspects_path)
    page = build_report(result, top=args.top, apply_command=apply_command)

    out.mkdir(parents=True, exist_ok=True)
    atomic_write(suspects_path, lambda path: write_suspects(result, path))
    atomic_write(report_path, lambda path: write_report(page, path))
    if not args.quiet:
        n_suspects = len(result.suspects)
        print(
            f"{n_suspects} suspect label(s) among {len(result.issues)} rows "
            f"({n_suspects / len(result.issues):.1%}).\n"
            f"wrote {suspects_path}\nwrote {report_path}\n"
            f"Fill in reviewed_label in suspects.csv, then run:\n  {apply_command}"
        )
    return 0


def _apply_command(args: argparse.Namespace, suspects_path) -> str:
    import shlex
    from pathlib import Path

    data = Path(args.data)
    suffix = data.suffix
    if (
        suffix.lower() in (".gz", ".bz2", ".xz", ".zip", ".zst")
        and len(data.suffixes) > 1
    ):
        suffix = "".join(data.suffixes[-2:])
    stem = data.name[: len(data.name) - len(suffix)] or data.name
    new = data.with_name(f"{stem}_reviewed{suffix}")
    words = [
        "sknoisy",
        "apply",
        str(data),
        str(suspects_path),
        "--target",
        args.target,
        "--out",
        str(new),
    ]
    if args.id_column:
        words += ["--id-column", args.id_column]
    if args.sep:
        words += ["--sep", "\\t" if args.sep == "\t" else args.sep]
    return shlex.join(words)


def _apply(args: argparse.Namespace) -> int:
    from ._review import apply_review

    summary = apply_review(
        args.data,
        args.review,
        args.target,
        args.out,
        id_column=args.id_column,
        sep=args.sep,
        drop_keyword=args.drop_keyword,
        force=args.force,
    )
    if not args.quiet:
        print(f"wrote {args.out}: {summary}.")
        if summary.n_relabelled + summary.n_confirmed + summary.n_dropped == 0:
            print(
                f"sknoisy apply: note: no row of {args.review} has a "
                "reviewed_label, so the new file has the labels of DATA; fill "
                "in reviewed_label for the rows you checked.",
                file=sys.stderr,
            )
    return 0


def _print_warnings(command: str, caught: list) -> None:
    seen = set()
    for warning in caught:
        text = str(warning.message)
        if text not in seen:
            seen.add(text)
            print(f"sknoisy {command}: note: {text}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sknoisy`` command line; returns the exit status."""
    args = _build_parser().parse_args(argv)
    if args.command == "demo":
        return _demo(args)
    run = {"audit": _audit, "apply": _apply}[args.command]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            status = run(args)
        except (ValueError, OSError) as exc:
            _print_warnings(args.command, caught)
            print(f"sknoisy {args.command}: error: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print(
                f"sknoisy {args.command}: interrupted; no file is left half-written.",
                file=sys.stderr,
            )
            return 130
    _print_warnings(args.command, caught)
    return status


if __name__ == "__main__":
    sys.exit(main())

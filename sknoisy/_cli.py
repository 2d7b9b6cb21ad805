"""The ``sknoisy`` command line."""

from __future__ import annotations

import argparse
import sys
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
    return parser


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sknoisy`` command line; returns the exit status."""
    args = _build_parser().parse_args(argv)
    if args.command == "demo":
        return _demo(args)
    raise AssertionError(f"unhandled command {args.command!r}")


if __name__ == "__main__":
    sys.exit(main())

"""B5: do the detectors find label errors that people confirmed?

Question: on a real test set whose wrong labels were found and confirmed
by people, how many of them land in each method's flagged set and in its
100 most suspicious rows, and how many reviewed-and-correct rows does it
flag by mistake?

Set-up: the data set ``mnist_test`` in the shared data folder next to the
repository (``../shared/data/mnist_test``), described by
``../shared/data/README``. Every method scores out of fold (5 folds).

This benchmark runs only where that folder and its README exist, and only
once a loader for the README's documented format is written: the format
is not guessed. Otherwise it prints why it did not run and records that
in ``benchmarks/results/b5_real_errors.json``, with no figures.

Run from the repository root::

    .venv/bin/python benchmarks/b5_real_errors.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _results import machine, write_json_atomically

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "mnist_test"
README = DATA.parent / "README"
RESULTS = Path(__file__).parent / "results"


def availability(data: Path = DATA, readme: Path = README) -> tuple[bool, str]:
    """Whether B5 can run here, and the reason when it cannot."""
    if not data.exists():
        return False, f"not run: data absent ({data.resolve()} does not exist)"
    if not readme.exists():
        return False, (
            f"not run: {data.resolve()} exists but {readme.resolve()} does not, "
            "so its format and its confirmed errors are undocumented"
        )
    return False, (
        f"not run: {readme.resolve()} exists, but no loader for its format has "
        "been written for it"
    )


def run(quick: bool = False, *, data: Path = DATA, readme: Path = README) -> dict:
    """The benchmark as a JSON-ready dict: here, why it did not run."""
    ran, status = availability(data, readme)
    return {
        "benchmark": "B5 real errors",
        "question": "confirmed errors found among flagged and top-100 rows",
        "quick": quick,
        "command": "python benchmarks/b5_real_errors.py",
        "ran": ran,
        "status": status,
        "looked_for": str(data.resolve()),
        "machine_at_start": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="same as without")
    args = parser.parse_args()
    payload = run(args.quick)
    print(f"B5 real errors: {payload['status']}")
    write_json_atomically(payload, RESULTS / "b5_real_errors.json")


if __name__ == "__main__":
    main()

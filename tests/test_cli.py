"""The ``sknoisy`` command line."""

import re
import subprocess
import sys

import pytest

from sknoisy import ConfidentCleaner, SmoothedNetClassifier
from sknoisy._cli import main
from sknoisy._demo import STRATEGIES, format_demo_table, run_demo


def test_help_lists_demo(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "demo" in capsys.readouterr().out


def test_demo_help_explains_options(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    out = capsys.readouterr().out
    for option in ("--noise-rate", "--noise-kind", "--seeds", "--quiet"):
        assert option in out


@pytest.mark.parametrize(
    "bad", ["1.5", "-0.1", "abc"], ids=["above-one", "negative", "not-a-number"]
)
def test_demo_rejects_bad_noise_rate(bad, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--noise-rate", bad])
    assert exit_info.value.code == 2
    assert "--noise-rate" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "bad", "message"),
    [
        ("--n-jobs", "0", r"--n-jobs: must be a positive count .*-1 for all cores"),
        ("--n-jobs", "two", r"--n-jobs: not an integer: 'two'"),
        ("--seeds", "-1", r"--seeds: seeds must be in \[0, 2\*\*32 - 1\]; got -1"),
        ("--seeds", str(2**32), r"seeds must be in \[0, 2\*\*32 - 1\]; got 4294967296"),
        ("--seeds", "1.5", r"--seeds: not an integer: '1.5'"),
    ],
    ids=["n-jobs-zero", "n-jobs-word", "seed-negative", "seed-too-big", "seed-float"],
)
def test_demo_rejects_bad_integer_options(option, bad, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", option, bad])
    assert exit_info.value.code == 2
    assert re.search(message, capsys.readouterr().err)


def test_demo_passes_valid_n_jobs_and_seeds_on(monkeypatch, capsys):
    import sknoisy._demo

    received = {}

    def fake_run_demo(noise_rate, noise_kind, seeds, *, progress, n_jobs):
        received.update(seeds=seeds, n_jobs=n_jobs)
        return "results"

    monkeypatch.setattr(sknoisy._demo, "run_demo", fake_run_demo)
    monkeypatch.setattr(sknoisy._demo, "format_demo_table", lambda results: results)

    assert main(["demo", "--n-jobs", "-1", "--seeds", "0", str(2**32 - 1)]) == 0
    assert received == {"seeds": [0, 2**32 - 1], "n_jobs": -1}
    assert main(["demo", "--n-jobs", "3"]) == 0
    assert received["n_jobs"] == 3
    assert "seed(s) 0" in capsys.readouterr().out


def test_demo_rejects_unknown_noise_kind(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--noise-kind", "diagonal"])
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.slow
def test_demo_cleaner_beats_noisy_baseline(capsys):
    assert main(["demo", "--quiet", "--seeds", "0"]) == 0
    out = capsys.readouterr().out
    for name in STRATEGIES:
        assert name in out

    accuracy = {}
    for line in out.splitlines():
        for name in STRATEGIES:
            # Columns are separated by two spaces, so no name can match a
            # longer one that starts with it.
            if line.startswith(name + "  "):
                accuracy[name] = float(line[len(name) :].split()[-2])
    assert accuracy.keys() == STRATEGIES.keys()
    for better in (
        "ConfidentCleaner drop",
        "LossRankFilter auto, drop",
        "MemorizationStopper(net)",
    ):
        assert accuracy[better] > accuracy["net on noisy labels"], better
    assert accuracy["oracle: net on true labels"] > accuracy["net on noisy labels"]


def test_demo_table_averages_seeds():
    import pandas as pd

    results = pd.DataFrame(
        {
            "seed": [0, 1],
            "strategy": ["a", "a"],
            "precision": [0.5, 0.7],
            "recall": [float("nan")] * 2,
            "f1": [0.5, 0.7],
            "accuracy": [0.9, 0.8],
            "fit_seconds": [1.0, 3.0],
        }
    )
    table = format_demo_table(results)
    assert "0.600 ± 0.141" in table
    assert "0.850 ± 0.071" in table
    assert " 2.0" in table
    assert "-" in table.splitlines()[-1]


def test_run_demo_detection_columns_only_for_cleaners():
    def tiny_net(seed):
        return SmoothedNetClassifier(max_epochs=3, random_state=seed)

    strategies = {
        "net": (tiny_net, False),
        "cleaner": (lambda seed: ConfidentCleaner(tiny_net(seed), cv=3), False),
        "oracle": (tiny_net, True),
    }
    results = run_demo(0.2, "pair", seeds=[3, 4], progress=False, strategies=strategies)
    assert list(results["strategy"]) == ["net", "cleaner", "oracle"] * 2
    assert results.loc[results["strategy"] != "cleaner", "f1"].isna().all()
    assert results.loc[results["strategy"] == "cleaner", "f1"].between(0, 1).all()
    assert results["accuracy"].between(0, 1).all()


def test_python_dash_m_runs_the_cli():
    completed = subprocess.run(
        [sys.executable, "-m", "sknoisy", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0
    assert "demo" in completed.stdout

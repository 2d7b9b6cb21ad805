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


# ------------------------------------------------------------ audit and apply


@pytest.fixture
def iris_csv(tmp_path):
    """Iris as a user's CSV: species names with 10 % flipped, an id column.

    Returns ``(path, true_species)``.
    """
    import numpy as np
    from sklearn.datasets import load_iris

    from sknoisy import inject_label_noise

    iris = load_iris(as_frame=True)
    table = iris.frame.drop(columns="target")
    noisy, _ = inject_label_noise(iris.target, 0.1, random_state=0)
    table.insert(0, "animal_id", [f"A{i:03d}" for i in range(150)])
    table["species"] = iris.target_names[noisy]
    path = tmp_path / "iris.csv"
    table.to_csv(path, index=False)
    return path, np.asarray(iris.target_names[iris.target])


def _run(argv, capsys):
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _audit(path, out, capsys, *extra):
    status, _, err = _run(
        ["audit", path, "--target", "species", "--out", out, "--quiet", *extra],
        capsys,
    )
    assert status == 0, err
    import pandas as pd

    return pd.read_csv(out / "suspects.csv", dtype=str, keep_default_na=False)


def _fail(argv, capsys, message, *unchanged):
    """Run a command that must fail; check its message and untouched files."""
    before = {path: path.read_bytes() for path in unchanged}
    status, out, err = _run(argv, capsys)
    assert status == 1
    command = argv[0]
    assert err.startswith(f"sknoisy {command}: error: ") or (
        f"\nsknoisy {command}: error: " in err
    ), err
    assert "Traceback" not in err
    assert re.search(message, err), err
    for path, content in before.items():
        assert path.read_bytes() == content, path
    return err


def test_help_of_audit_and_apply_explains_options_and_examples(capsys):
    for command, options in {
        "audit": ["--target", "--method", "--features", "--id-column", "--out"],
        "apply": ["--target", "--out", "--force", "--drop-keyword", "--id-column"],
    }.items():
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
        out = capsys.readouterr().out
        for option in options:
            assert option in out, (command, option)
        assert "examples:" in out
        assert f"sknoisy {command} " in out


def test_audit_review_apply_round_trip(iris_csv, tmp_path, capsys):
    import pandas as pd

    path, truth = iris_csv
    original = path.read_bytes()
    out = tmp_path / "review"
    suspects = _audit(path, out, capsys)
    assert (out / "report.html").stat().st_size > 10_000
    assert list(suspects.columns[:6]) == [
        "rank",
        "row",
        "given_label",
        "suggested_label",
        "label_quality",
        "reviewed_label",
    ]
    assert (suspects["reviewed_label"] == "").all()

    # The reviewer fixes the first five, drops the sixth, skips the rest.
    rows = suspects["row"].astype(int).to_numpy()
    suspects.loc[:4, "reviewed_label"] = truth[rows[:5]]
    suspects.loc[5, "reviewed_label"] = "DROP"
    suspects.to_csv(out / "suspects.csv", index=False)

    new = tmp_path / "iris_reviewed.csv"
    status, stdout, err = _run(
        ["apply", path, out / "suspects.csv", "--target", "species", "--out", new],
        capsys,
    )
    assert status == 0, err
    assert "149 rows out" in stdout and "1 dropped" in stdout
    assert path.read_bytes() == original

    before = pd.read_csv(path, dtype=str)
    after = pd.read_csv(new, dtype=str)
    assert len(after) == 149
    assert rows[5] not in after.index.map(lambda i: i + (i >= rows[5]))
    kept = before.drop(index=rows[5]).reset_index(drop=True)
    fixed = kept["animal_id"].isin(before.loc[rows[:5], "animal_id"])
    assert (after.loc[fixed, "species"].to_numpy() == truth[sorted(rows[:5])]).all()
    # Everything else is byte-for-byte the same text.
    assert after.drop(columns="species").equals(kept.drop(columns="species"))
    assert after.loc[~fixed, "species"].equals(kept.loc[~fixed, "species"])


def test_audit_and_apply_a_parquet_file(iris_csv, tmp_path, capsys):
    pytest.importorskip("pyarrow")
    import pandas as pd

    path, truth = iris_csv
    data = tmp_path / "iris.parquet"
    pd.read_csv(path).to_parquet(data)
    out = tmp_path / "review"
    status, _, err = _run(
        ["audit", data, "--target", "species", "--out", out, "--quiet"], capsys
    )
    assert status == 0, err
    suspects = pd.read_csv(out / "suspects.csv")
    suspects["reviewed_label"] = truth[suspects["row"]]
    suspects.to_csv(out / "suspects.csv", index=False)
    new = tmp_path / "new.parquet"
    status, _, err = _run(
        ["apply", data, out / "suspects.csv", "--target", "species", "--out", new],
        capsys,
    )
    assert status == 0, err
    after = pd.read_parquet(new)
    assert (after.loc[suspects["row"], "species"] == truth[suspects["row"]]).all()


def test_audit_with_id_column_and_apply_by_id(iris_csv, tmp_path, capsys):
    import pandas as pd

    path, truth = iris_csv
    out = tmp_path / "review"
    suspects = _audit(path, out, capsys, "--id-column", "animal_id")
    assert suspects.columns[1] == "animal_id"
    first = suspects.loc[0, "animal_id"]
    suspects.loc[0, "reviewed_label"] = truth[int(first[1:])]
    # A spreadsheet in a semicolon locale.
    suspects.to_csv(out / "suspects.csv", index=False, sep=";")

    new = tmp_path / "new.csv"
    status, _, err = _run(
        ["apply", path, out / "suspects.csv", "--target", "species"]
        + ["--id-column", "animal_id", "--out", new, "--quiet"],
        capsys,
    )
    assert status == 0, err
    after = pd.read_csv(new).set_index("animal_id")
    assert after.loc[first, "species"] == truth[int(first[1:])]


@pytest.mark.parametrize(
    ("content", "argv", "message"),
    [
        ("", [], r"is empty \(0 bytes\)"),
        ("a;b;species\n1;2;x\n", [], r"looks semicolon-separated; pass --sep ';'"),
        ("a,b\n1,2\n", [], r"no target column 'species'; its columns are \['a', 'b'\]"),
        (
            "a,species\n"
            + "".join(f"{i},{'x' if i < 8 else 'y'}\n" for i in range(10)),
            [],
            r"Too few rows for class 'y' \(2 rows\)",
        ),
        (
            "a,species\n" + "".join(f"{i},{'xy'[i % 2]}\n" for i in range(10)),
            ["--features", "b"],
            r"no feature column 'b'",
        ),
    ],
    ids=["empty", "semicolon", "no-target", "small-class", "no-feature"],
)
def test_audit_errors_are_one_line_and_touch_nothing(
    tmp_path, capsys, content, argv, message
):
    path = tmp_path / "data.csv"
    path.write_text(content)
    out = tmp_path / "out"
    _fail(
        ["audit", path, "--target", "species", "--out", out, "--quiet", *argv],
        capsys,
        message,
        path,
    )
    assert not out.exists()


def test_audit_keeps_review_work_unless_forced(iris_csv, tmp_path, capsys):
    path, _ = iris_csv
    out = tmp_path / "review"
    _audit(path, out, capsys)
    (out / "suspects.csv").write_text("rank,row,reviewed_label\n1,3,setosa\n")
    _fail(
        ["audit", path, "--target", "species", "--out", out, "--quiet"],
        capsys,
        "already exist .* pass --force",
        out / "suspects.csv",
        path,
    )
    _audit(path, out, capsys, "--force")
    assert "rank,row,given_label" in (out / "suspects.csv").read_text()


def test_audit_notes_left_out_columns_and_prints_next_step(iris_csv, tmp_path, capsys):
    path, _ = iris_csv
    status, out, err = _run(
        ["audit", path, "--target", "species", "--out", tmp_path / "r"], capsys
    )
    assert status == 0
    assert "sknoisy audit: note: Column 'animal_id' is left out" in err
    assert "sknoisy apply" in out and "iris_reviewed.csv" in out


@pytest.fixture
def small_review(tmp_path):
    """A 6-row CSV with text cells to keep, and a review file to fill in."""
    data = tmp_path / "data.csv"
    data.write_text(
        "code,weight,label\n007,0.10,10\n008,,20\n009,1.50,30\n"
        "010,2.0,10\n011,3,20\n012,4,30\n"
    )
    return data, tmp_path / "review.csv", tmp_path / "new.csv"


def _apply_argv(data, review, new, *extra):
    return ["apply", data, review, "--target", "label", "--out", new, *extra]


def test_apply_keeps_integer_labels_and_every_other_cell(small_review, capsys):
    data, review, new = small_review
    review.write_text(
        "rank,row,given_label,reviewed_label\n1,1,20,30.0\n2,0,10,\n3,2,30,30\n"
        "4,4,20,drop\n"
    )
    status, out, err = _run(_apply_argv(data, review, new), capsys)
    assert status == 0, err
    assert "1 relabelled, 1 confirmed as given, 1 dropped, 5 rows out" in out
    assert new.read_text() == (
        "code,weight,label\n007,0.10,10\n008,,30\n009,1.50,30\n010,2.0,10\n012,4,30\n"
    )


def test_apply_of_an_untouched_review_says_nothing_was_filled_in(small_review, capsys):
    data, review, new = small_review
    review.write_text("rank,row,given_label,reviewed_label\n1,1,20,\n2,0,10,\n")
    status, out, err = _run(_apply_argv(data, review, new), capsys)
    assert status == 0, err
    assert "0 relabelled, 0 confirmed as given, 0 dropped, 6 rows out" in out
    assert "no row of" in err and "has a reviewed_label" in err
    assert new.read_text() == data.read_text()


def test_apply_keeps_the_parquet_label_dtype(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    import pandas as pd

    data = tmp_path / "data.parquet"
    pd.DataFrame({"x": [1.0, 2.0, 3.0], "label": [1, 2, 3]}).to_parquet(data)
    review = tmp_path / "review.csv"
    review.write_text("row,reviewed_label\n0,3\n1,drop\n")
    new = tmp_path / "new.parquet"
    status, _, err = _run(_apply_argv(data, review, new), capsys)
    assert status == 0, err
    after = pd.read_parquet(new)
    assert after["label"].dtype == "int64"
    assert after["label"].tolist() == [3, 3]
    assert after.index.equals(pd.RangeIndex(2))


@pytest.mark.parametrize(
    ("review_text", "message"),
    [
        (
            "row,reviewed_label\n3,10\n17,20\n40,drop\n",
            r"names 2 row id\(s\) that are not in DATA \(17, 40\); DATA has "
            r"rows 0 to 5",
        ),
        ("row,reviewed_label\n3,10\n3,20\n", r"lists 1 row value\(s\) more than once"),
        (
            "row,reviewed_label\n0,11\n1,cat\n2,cat\n",
            r"3 reviewed_label cell\(s\) hold labels that are no class of 'label': "
            r"'11', 'cat'\. The classes are '10', '20', '30'",
        ),
        ("row,label\n0,10\n", r"The review file has no column 'reviewed_label'"),
        ("id,reviewed_label\n0,10\n", r"The review file has no column 'row'"),
        (
            "row,given_label,reviewed_label\n0,20,30\n",
            r"given_label differs from DATA's 'label' \(row 0: '20' in the review, "
            r"'10' in DATA\)",
        ),
        ("row,reviewed_label\nfirst,10\n", r"must hold whole row numbers"),
        ("row,reviewed_label\n,10\n", r"have a reviewed_label but no 'row'"),
    ],
    ids=[
        "unknown-ids",
        "duplicate-ids",
        "unknown-labels",
        "no-review-column",
        "no-id-column",
        "given-label-changed",
        "id-not-a-number",
        "decision-without-id",
    ],
)
def test_apply_refuses_ambiguous_reviews(small_review, capsys, review_text, message):
    data, review, new = small_review
    review.write_text(review_text)
    _fail(_apply_argv(data, review, new), capsys, message, data, review)
    assert not new.exists()
    assert sorted(p.name for p in data.parent.iterdir()) == ["data.csv", "review.csv"]


def test_apply_never_overwrites_data_and_needs_force_for_new(small_review, capsys):
    data, review, new = small_review
    review.write_text("row,reviewed_label\n0,20\n")
    _fail(_apply_argv(data, review, data, "--force"), capsys, "is DATA itself", data)
    _fail(
        _apply_argv(data, review, review, "--force"),
        capsys,
        "is the review file",
        review,
    )
    new.write_text("precious")
    _fail(_apply_argv(data, review, new), capsys, "exists; pass --force", new, data)
    status, _, err = _run(_apply_argv(data, review, new, "--force", "--quiet"), capsys)
    assert status == 0, err
    assert new.read_text().splitlines()[1] == "007,0.10,20"


def test_apply_refuses_a_drop_keyword_that_is_a_class(tmp_path, capsys):
    data = tmp_path / "data.csv"
    data.write_text("x,label\n1,keep\n2,drop\n")
    review = tmp_path / "review.csv"
    review.write_text("row,reviewed_label\n0,drop\n")
    _fail(
        _apply_argv(data, review, tmp_path / "new.csv"),
        capsys,
        "drop keyword 'drop' is also a class",
        data,
    )
    status, _, err = _run(
        _apply_argv(data, review, tmp_path / "new.csv", "--drop-keyword", "__drop__"),
        capsys,
    )
    assert status == 0, err
    assert (tmp_path / "new.csv").read_text() == "x,label\n1,drop\n2,drop\n"


def test_apply_refuses_a_new_file_of_another_format(small_review, capsys):
    data, review, _ = small_review
    review.write_text("row,reviewed_label\n0,20\n")
    _fail(
        _apply_argv(data, review, data.parent / "new.parquet"),
        capsys,
        "must be a csv file like DATA",
        data,
    )


def test_audit_never_writes_over_its_data_even_with_force(tmp_path, capsys):
    from sklearn.datasets import load_iris

    frame = load_iris(as_frame=True).frame
    data = tmp_path / "suspects.csv"
    frame.to_csv(data, index=False)
    argv = ["audit", data, "--target", "target", "--out", tmp_path, "--force"]
    _fail(argv, capsys, "is the suspects.csv that the audit would write", data)


def test_audit_refuses_a_column_named_twice(tmp_path, capsys):
    data = tmp_path / "twice.csv"
    data.write_text("a,species,species\n1,x,x\n2,y,y\n3,x,x\n4,y,y\n")
    argv = ["audit", data, "--target", "species", "--out", tmp_path / "out"]
    _fail(argv, capsys, r"names column\(s\) \['species'\] more than once", data)

"""Reading a user's table, checking it, and auditing its labels."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris, load_wine

from sknoisy import SknoisyWarning, inject_label_noise
from sknoisy._audit import (
    SUSPECT_COLUMNS,
    audit_table,
    encode_features,
    plan_features,
)
from sknoisy._tables import TableError, atomic_write, check_columns, read_table


@pytest.fixture
def noisy_iris():
    """Iris with species names, 10 % flipped labels, a category and an id column.

    Returns ``(table, is_flipped)``.
    """
    iris = load_iris(as_frame=True)
    table = iris.frame.drop(columns="target")
    noisy, is_flipped = inject_label_noise(iris.target, 0.1, random_state=0)
    table["species"] = iris.target_names[noisy]
    table["colour"] = ["red", "blue", None] * 50
    table["animal_id"] = [f"A{i:03d}" for i in range(150)]
    return table, is_flipped


# ------------------------------------------------------------------ reading


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", r"is empty \(0 bytes\)"),
        ("\n\n", "no header row"),
        ("a,b,label\n", r"has a header \(\['a', 'b', 'label'\]\) but no data rows"),
        ("a;b;label\n1;2;x\n", r"looks semicolon-separated; pass --sep ';'"),
        ("a\tb\tlabel\n1\t2\tx\n", r"looks tab-separated; pass --sep '\\t'"),
        ('a,b\n1,"2\n', "could not be read as CSV"),
    ],
    ids=["empty", "blank-lines", "header-only", "semicolon", "tab", "bad-quote"],
)
def test_read_table_refuses_unusable_csv(tmp_path, content, message):
    path = tmp_path / "data.csv"
    path.write_text(content)
    with pytest.raises(TableError, match=message):
        read_table(path)


def test_read_table_reads_the_delimiter_it_is_given(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a;b;label\n1;2;x\n")
    assert list(read_table(path, sep=";").columns) == ["a", "b", "label"]


def test_read_table_names_missing_files_and_formats(tmp_path):
    with pytest.raises(TableError, match="file not found"):
        read_table(tmp_path / "absent.csv")
    with pytest.raises(TableError, match="neither CSV nor Parquet"):
        read_table(tmp_path / "sheet.xlsx")
    (tmp_path / "latin.csv").write_bytes("a,label\n1,caf\xe9\n".encode("latin-1"))
    with pytest.raises(TableError, match="not UTF-8"):
        read_table(tmp_path / "latin.csv")


def test_read_table_as_text_keeps_cells_verbatim(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("\ufeffid,x,label\n007,0.10,3\n008,,4\n")
    table = read_table(path, as_text=True)
    assert list(table.columns) == ["id", "x", "label"]
    assert table.to_numpy().tolist() == [["007", "0.10", "3"], ["008", "", "4"]]


def test_read_table_reads_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "data.parquet"
    pd.DataFrame({"x": [1.5, 2.5], "label": [3, 4]}).to_parquet(path)
    table = read_table(path)
    assert table["label"].dtype == np.int64
    (tmp_path / "broken.parquet").write_text("not parquet")
    with pytest.raises(TableError, match="could not be read as Parquet"):
        read_table(tmp_path / "broken.parquet")


def test_check_columns_lists_columns_and_suggests_a_close_one():
    table = pd.DataFrame({"Species": [1], "petal": [2]})
    with pytest.raises(TableError) as error:
        check_columns(table, ["species"], role="target column")
    text = str(error.value)
    assert "no target column 'species' (did you mean 'Species'?)" in text
    assert "['Species', 'petal']" in text


def test_atomic_write_leaves_nothing_behind_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")

    def fail(path):
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, fail)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


# ----------------------------------------------------------------- features


def test_plan_features_encodes_numbers_and_categories():
    table = pd.DataFrame(
        {
            "size": [1.0, np.nan, 3.0, 4.0],
            "colour": pd.Series(["red", "blue", None, "red"], dtype="category"),
            "flag": [True, False, True, True],
            "label": ["a", "b", "a", "b"],
        }
    )
    plan = plan_features(table, "label")
    assert plan.numeric == ["size", "flag"]
    assert plan.categorical == ["colour"]
    X = encode_features(table, plan)
    # size (imputed, standardised), its missing indicator, flag, 3 colours.
    assert X.shape == (4, 6)
    assert not np.isnan(X).any()


def test_plan_features_leaves_out_what_it_cannot_encode_and_says_so():
    n = 30
    table = pd.DataFrame(
        {
            "x": np.arange(n, dtype=float),
            "comment": [f"free text {i}" for i in range(n)],
            "empty": [np.nan] * n,
            "constant": [7] * n,
            "when": pd.date_range("2024-01-01", periods=n),
            "label": ["a", "b"] * (n // 2),
        }
    )
    with pytest.warns(SknoisyWarning) as caught:
        plan = plan_features(table, "label")
    assert plan.columns == ["x"]
    assert set(plan.left_out) == {"comment", "empty", "constant", "when"}
    messages = " ".join(str(w.message) for w in caught)
    assert (
        "'comment' is left out of the audit: text with 30 distinct values" in messages
    )
    assert "'when' is left out" in messages


def test_plan_features_refuses_named_columns_it_cannot_encode():
    table = pd.DataFrame(
        {
            "x": np.arange(20.0),
            "comment": [f"text {i}" for i in range(20)],
            "label": ["a", "b"] * 10,
        }
    )
    with pytest.raises(TableError, match="feature column 'comment' cannot be used"):
        plan_features(table, "label", features=["x", "comment"])
    with pytest.raises(TableError, match="target 'label' cannot also be a feature"):
        plan_features(table, "label", features=["x", "label"])
    with pytest.raises(TableError, match="no feature column 'y'"):
        plan_features(table, "label", features=["y"])
    with pytest.raises(TableError, match="No usable feature column"):
        plan_features(table, "label", exclude=["x", "comment"])


def test_mostly_numeric_text_column_is_numeric_with_bad_cells_missing():
    values = [str(v) for v in range(19)] + ["1,5"]
    table = pd.DataFrame({"weight": values, "label": ["a", "b"] * 10})
    with pytest.warns(SknoisyWarning, match=r"'weight' holds numbers, but 1 cell"):
        plan = plan_features(table, "label")
    assert plan.numeric == ["weight"]
    assert plan.bad_numbers == {"weight": 1}
    assert not np.isnan(encode_features(table, plan)).any()


def test_infinite_values_are_refused_with_their_rows():
    table = pd.DataFrame({"x": [1.0, np.inf, 3.0, 4.0], "label": ["a", "b"] * 2})
    plan = plan_features(table, "label")
    with pytest.raises(TableError, match=r"'x' holds infinite values in 1 row\(s\)"):
        encode_features(table, plan)


# -------------------------------------------------------------------- audit


def test_audit_ranks_suspects_with_their_data(noisy_iris):
    table, is_flipped = noisy_iris
    result = audit_table(table, "species", exclude=["animal_id"])
    suspects = result.suspects

    assert (
        list(suspects.columns[:6])
        == [SUSPECT_COLUMNS[0], "row"] + (SUSPECT_COLUMNS[1:])
    )
    assert "colour" in suspects.columns and "species" not in suspects.columns
    assert suspects["rank"].tolist() == list(range(1, len(suspects) + 1))
    assert suspects["label_quality"].is_monotonic_increasing
    assert (suspects[SUSPECT_COLUMNS[-1]] == "").all()
    assert len(suspects) == int(result.issues["is_label_issue"].sum())
    assert is_flipped[suspects["row"].to_numpy()].mean() > 0.5
    # Row numbers point at the rows whose cells are shown.
    first = suspects.iloc[0]
    assert first["given_label"] == table.loc[first["row"], "species"]
    assert first["sepal length (cm)"] == table.loc[first["row"], "sepal length (cm)"]
    assert len(result.issues) == len(table)
    assert result.plan.categorical == ["colour"]


def test_audit_reports_the_id_column(noisy_iris):
    table, _ = noisy_iris
    result = audit_table(table, "species", id_column="animal_id")
    assert result.suspects.columns[1] == "animal_id"
    assert result.suspects["animal_id"].str.match(r"A\d{3}").all()
    assert "animal_id" not in result.plan.columns


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: t.assign(animal_id="A1"),
            r"'animal_id' has 1 value\(s\) that occur more than once \('A1'\)",
        ),
        (
            lambda t: t.assign(animal_id=[None] + list(t["animal_id"][1:])),
            r"id column 'animal_id' is empty in 1 row\(s\) \(rows 0\)",
        ),
    ],
    ids=["duplicate", "missing"],
)
def test_audit_refuses_unusable_ids(noisy_iris, change, message):
    table, _ = noisy_iris
    with pytest.raises(TableError, match=message):
        audit_table(change(table), "species", id_column="animal_id")


def test_audit_names_classes_with_too_few_rows(noisy_iris):
    table, _ = noisy_iris
    table = table.copy()
    table = table.drop(columns="animal_id")
    table.loc[[3, 9, 20], "species"] = "rare"
    with pytest.raises(TableError) as error:
        audit_table(table, "species")
    assert "Too few rows for class 'rare' (3 rows) of 'species'" in str(error.value)
    assert "at least 5 rows" in str(error.value)
    # Fewer folds make it possible.
    assert len(audit_table(table, "species", folds=3).issues) == 150


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([None, "a"] + ["a", "b"] * 9, r"empty in 1 row\(s\) \(rows 0;"),
        (np.linspace(0, 1, 20), "holds continuous numbers"),
        (["a"] * 20, "has a single class, 'a', in all 20 rows"),
    ],
    ids=["missing", "continuous", "one-class"],
)
def test_audit_refuses_unusable_targets(labels, message):
    table = pd.DataFrame({"x": np.arange(20.0), "label": labels})
    with pytest.raises(TableError, match=message):
        audit_table(table, "label")


def test_audit_refuses_an_unknown_target_and_method(noisy_iris):
    table, _ = noisy_iris
    with pytest.raises(TableError, match="no target column 'Species'"):
        audit_table(table, "Species")
    with pytest.raises(ValueError, match="method must be one of"):
        audit_table(table, "species", method="vote")


def test_audit_keeps_integer_labels(noisy_iris):
    table, _ = noisy_iris
    table = table.assign(
        species=table["species"].map({"setosa": 10, "versicolor": 20, "virginica": 30})
    )
    result = audit_table(table, "species", exclude=["animal_id"])
    assert result.suspects["given_label"].dtype.kind == "i"
    assert set(result.classes) == {10, 20, 30}


@pytest.mark.slow
def test_audit_by_loss_ranking_records_the_stopper(noisy_iris):
    table, _ = noisy_iris
    result = audit_table(table, "species", method="lossrank", exclude=["animal_id"])
    assert result.stopper is not None
    assert len(result.stopper.history_) >= 1
    assert "warm-up epochs" in result.settings


def test_a_saved_row_index_is_not_a_feature():
    table = pd.DataFrame(
        {
            "Unnamed: 0": np.arange(40)[::-1],
            "x": np.tile([1.0, 2.0, 3.0, 5.0], 10),
            "label": ["a", "b"] * 20,
        }
    )
    with pytest.warns(SknoisyWarning, match="'Unnamed: 0' is left out.*row index"):
        plan = plan_features(table, "label")
    assert plan.columns == ["x"]


@pytest.mark.parametrize("kind", ["numeric", "categorical"])
def test_audit_runs_on_one_kind_of_column(kind):
    rng = np.random.default_rng(0)
    label = np.repeat(["a", "b"], 20)
    if kind == "numeric":
        feature = np.where(label == "a", 0.0, 6.0) + rng.normal(scale=0.5, size=40)
    else:
        feature = np.where(label == "a", "low", "high")
    table = pd.DataFrame({"feature": feature, "label": label})
    table.loc[[0, 1], "label"] = "b"
    result = audit_table(table, "label", detector="logistic")
    assert getattr(result.plan, kind) == ["feature"]
    assert {0, 1} <= set(result.suspects["row"])


def test_semicolon_file_with_decimal_commas_is_read_as_numbers(tmp_path):
    frame = load_wine(as_frame=True).frame
    path = tmp_path / "wine.csv"
    frame.to_csv(path, sep=";", index=False, decimal=",")
    table = read_table(path, sep=";")
    assert all(pd.api.types.is_float_dtype(table[c]) for c in frame.columns[:-1])
    np.testing.assert_allclose(table["alcohol"], frame["alcohol"])
    # A column that merely contains commas in text stays text.
    (tmp_path / "t.csv").write_text("note;label\nred, round;a\n1,5;b\n")
    assert read_table(tmp_path / "t.csv", sep=";")["note"].tolist() == [
        "red, round",
        "1,5",
    ]


def test_a_corrupt_compressed_file_is_named(tmp_path):
    path = tmp_path / "data.csv.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00broken")
    with pytest.raises(TableError, match=r"data\.csv\.gz.*could not be decompressed"):
        read_table(path)


def test_values_beyond_float_range_are_refused_with_their_rows():
    table = pd.DataFrame({"x": [1.0, 2e200, 3.0, 4.0], "label": list("abab")})
    plan = plan_features(table, "label")
    with pytest.raises(TableError, match=r"'x' holds values beyond 1e\+38.*rows 1"):
        encode_features(table, plan)


def test_a_value_present_in_some_rows_only_is_a_feature():
    table = pd.DataFrame(
        {
            "flag": ["yes", None, "yes", None] * 5,
            "num": [1.0, np.nan, 1.0, np.nan] * 5,
            "same": [2.0] * 20,
            "label": list("abab") * 5,
        }
    )
    with pytest.warns(SknoisyWarning, match="'same' is left out.*same value"):
        plan = plan_features(table, "label")
    assert "num" in plan.numeric
    assert "flag" in plan.categorical
    assert "same" not in plan.numeric + plan.categorical

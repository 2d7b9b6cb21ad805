"""Tests for sknoisy.find_label_issues, the label-issue rules on given probabilities."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

from sknoisy import (
    ConfidentCleaner,
    LossRankFilter,
    detection_scores,
    find_label_issues,
    inject_label_noise,
)

COLUMNS = ["given_label", "suggested_label", "label_quality", "is_label_issue"]
METHODS = {
    "confident": {"method": "confident"},
    "loss_rank": {"method": "loss_rank", "fraction": 3 / 60},
}
WRONG_ROWS = [0, 25, 50]


def logreg():
    return LogisticRegression(max_iter=1000)


def synthetic_probs():
    """60 rows, 3 classes; the given labels of rows 0, 25 and 50 are wrong.

    Returns ``(codes, pred_probs)``: given class codes 0..2 and probabilities
    that favour each row's true class.
    """
    rng = np.random.RandomState(0)
    true = np.repeat([0, 1, 2], 20)
    codes = true.copy()
    codes[WRONG_ROWS] = (true[WRONG_ROWS] + 1) % 3
    pred_probs = rng.uniform(0.0, 0.2, size=(60, 3))
    pred_probs[np.arange(60), true] += rng.uniform(0.6, 0.9, size=60)
    pred_probs = pred_probs / pred_probs.sum(axis=1, keepdims=True)
    # The wrong rows are unmistakable, so that every rule flags just them.
    pred_probs[WRONG_ROWS] = 0.025
    pred_probs[WRONG_ROWS, true[WRONG_ROWS]] = 0.95
    return codes, pred_probs


@pytest.fixture(scope="module")
def digits_oof(digits_scaled):
    """900 digits, 20 % symmetric noise, out-of-fold logistic-regression probs."""
    X, y = digits_scaled
    X, y = X[:900], y[:900]
    y_noisy, is_flipped = inject_label_noise(y, 0.2, random_state=0)
    pred_probs = cross_val_predict(logreg(), X, y_noisy, method="predict_proba")
    return X, y_noisy, is_flipped, pred_probs


# ------------------------------------------------------------------ table


@pytest.mark.parametrize("method", list(METHODS))
def test_table_layout_and_flags(method):
    codes, pred_probs = synthetic_probs()

    table = find_label_issues(codes, pred_probs, **METHODS[method])

    assert list(table.columns) == COLUMNS
    pd.testing.assert_index_equal(table.index, pd.RangeIndex(60))
    np.testing.assert_array_equal(table["given_label"], codes)
    np.testing.assert_array_equal(table["suggested_label"], pred_probs.argmax(axis=1))
    assert table["is_label_issue"].dtype == bool
    assert table["label_quality"].between(0, 1).all()
    np.testing.assert_array_equal(np.flatnonzero(table["is_label_issue"]), WRONG_ROWS)


@pytest.mark.parametrize(
    ("params", "expected_quality"),
    [
        ({"method": "confident"}, lambda p_given, p_other: p_given),
        (
            {"method": "loss_rank", "rank_by": "margin"},
            lambda p_given, p_other: p_given / (p_given + p_other),
        ),
        ({"method": "loss_rank", "rank_by": "loss"}, lambda p_given, p_other: p_given),
    ],
    ids=["confident-self-confidence", "margin", "loss"],
)
def test_label_quality_formula(params, expected_quality):
    codes, pred_probs = synthetic_probs()
    rows = np.arange(len(codes))
    p_given = pred_probs[rows, codes]
    others = pred_probs.copy()
    others[rows, codes] = -1
    p_other = others.max(axis=1)

    table = find_label_issues(codes, pred_probs, **params)

    np.testing.assert_allclose(
        table["label_quality"], expected_quality(p_given, p_other), rtol=1e-10
    )


@pytest.mark.parametrize(
    "names",
    [np.array(["cat", "dog", "eel"]), np.array([3, 7, 20])],
    ids=["strings", "int-gaps"],
)
@pytest.mark.parametrize("method", list(METHODS))
def test_columns_follow_sorted_labels(names, method):
    codes, pred_probs = synthetic_probs()
    # Rows reversed so that the first label seen is the last class.
    codes, pred_probs = codes[::-1], pred_probs[::-1]
    y = names[codes]

    table = find_label_issues(y, pred_probs, **METHODS[method])
    by_codes = find_label_issues(codes, pred_probs, **METHODS[method])

    np.testing.assert_array_equal(table["given_label"], y)
    np.testing.assert_array_equal(
        table["suggested_label"], names[pred_probs.argmax(axis=1)]
    )
    np.testing.assert_array_equal(table["label_quality"], by_codes["label_quality"])
    np.testing.assert_array_equal(table["is_label_issue"], by_codes["is_label_issue"])
    np.testing.assert_array_equal(
        np.flatnonzero(table["is_label_issue"]), 59 - np.array(WRONG_ROWS[::-1])
    )


def test_explicit_classes_may_hold_a_label_missing_from_y():
    codes, pred_probs = synthetic_probs()
    names = np.array(["cat", "dog", "eel"])
    # A fourth column for "fox", which no row is labelled with; "eel" wins
    # it nothing, "fox" is the most probable class of row 5.
    pred_probs = np.column_stack([pred_probs, np.zeros(60)])
    pred_probs[5] = [0.1, 0.1, 0.1, 0.7]

    table = find_label_issues(
        names[codes],
        pred_probs,
        method="loss_rank",
        fraction=4 / 60,
        classes=["cat", "dog", "eel", "fox"],
    )

    assert table.loc[5, "suggested_label"] == "fox"
    np.testing.assert_array_equal(
        np.flatnonzero(table["is_label_issue"]), sorted([*WRONG_ROWS, 5])
    )


@pytest.mark.parametrize("method", list(METHODS))
def test_explicit_classes_equal_to_unique_change_nothing(method):
    codes, pred_probs = synthetic_probs()
    y = np.array(["cat", "dog", "eel"])[codes]

    implicit = find_label_issues(y, pred_probs, **METHODS[method])
    explicit = find_label_issues(
        y, pred_probs, classes=["cat", "dog", "eel"], **METHODS[method]
    )

    pd.testing.assert_frame_equal(implicit, explicit)


@pytest.mark.parametrize("method", list(METHODS))
def test_series_y_gives_the_table_its_index(method):
    codes, pred_probs = synthetic_probs()
    index = pd.Index([f"id{i}" for i in range(60)][::-1])
    y = pd.Series(codes, index=index, name="target")

    table = find_label_issues(y, pred_probs, **METHODS[method])

    pd.testing.assert_index_equal(table.index, index)
    assert list(table.loc[["id59", "id34", "id9"], "is_label_issue"]) == [True] * 3


# ------------------------------------------------- same rules as the cleaners


def test_confident_matches_confident_cleaner(digits_oof):
    X, y_noisy, is_flipped, pred_probs = digits_oof

    table = find_label_issues(y_noisy, pred_probs, method="confident")
    cleaner_table = ConfidentCleaner(logreg(), cv=5).find_label_issues(X, y_noisy)

    pd.testing.assert_frame_equal(table, cleaner_table)
    scores = detection_scores(is_flipped, table["is_label_issue"])
    assert scores["recall"] > 0.8  # measured 0.872 (seeds 0-2: 0.872-0.894)


@pytest.mark.parametrize("fraction", [0.2, "auto"])
def test_loss_rank_matches_loss_rank_filter(digits_oof, fraction):
    X, y_noisy, is_flipped, pred_probs = digits_oof

    table = find_label_issues(
        y_noisy, pred_probs, method="loss_rank", fraction=fraction
    )
    cleaner_table = LossRankFilter(
        logreg(), logreg(), cv=5, fraction=fraction
    ).find_label_issues(X, y_noisy)

    pd.testing.assert_frame_equal(table, cleaner_table)
    if fraction == 0.2:
        assert table["is_label_issue"].sum() == round(0.2 * len(y_noisy)) == 180
    scores = detection_scores(
        is_flipped, table["is_label_issue"], table["label_quality"]
    )
    # measured 0.794 (fraction=0.2) and 0.805 (auto); seeds 0-2 min 0.744, 0.740
    assert scores["f1"] > 0.7


# ------------------------------------------------------------------ errors


def _small_case():
    """Six rows, two classes, valid probabilities."""
    y = np.array([0, 0, 1, 1, 0, 1])
    pred_probs = np.array(
        [[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8], [0.1, 0.9], [0.7, 0.3]]
    )
    return y, pred_probs


@pytest.mark.parametrize(
    ("make_probs", "shapes"),
    [
        (lambda p: np.column_stack([p, np.zeros(6)]), ("(6, 2)", "(6, 3)")),
        (lambda p: p[:5], ("(6, 2)", "(5, 2)")),
        (lambda p: p[:, :1], ("(6, 2)", "(6, 1)")),
    ],
    ids=["extra-column", "missing-row", "one-column"],
)
@pytest.mark.parametrize("method", ["confident", "loss_rank"])
def test_wrong_shape_names_both_shapes(make_probs, shapes, method):
    y, pred_probs = _small_case()

    with pytest.raises(ValueError, match="shape") as info:
        find_label_issues(y, make_probs(pred_probs), method=method)
    for shape in shapes:
        assert shape in str(info.value)


@pytest.mark.parametrize(
    ("rows", "values", "n_bad"),
    [
        ([1, 3], [[0.5, 0.3], [0.5, 0.6]], 2),
        ([1], [[1.2, -0.2]], 1),
        ([1, 2, 4], [[-0.1, 0.5], [0.6, 0.6], [0.5, -0.5]], 3),
    ],
    ids=["not-summing-to-one", "negative-summing-to-one", "mixed"],
)
def test_not_probabilities_counts_bad_rows(rows, values, n_bad):
    y, pred_probs = _small_case()
    pred_probs[rows] = values

    with pytest.raises(ValueError, match="probabilities") as info:
        find_label_issues(y, pred_probs)
    assert f"{n_bad} of 6 rows" in str(info.value)


@pytest.mark.parametrize(
    ("value", "message"), [(np.nan, "NaN"), (np.inf, "infinity")], ids=["nan", "inf"]
)
def test_non_finite_probabilities_are_rejected(value, message):
    y, pred_probs = _small_case()
    pred_probs[2, 0] = value

    with pytest.raises(ValueError, match=rf"pred_probs contains {message}"):
        find_label_issues(y, pred_probs)


def test_unknown_method_is_rejected():
    y, pred_probs = _small_case()

    with pytest.raises(ValueError, match=r"'method' parameter.*Got 'cleanlab'"):
        find_label_issues(y, pred_probs, method="cleanlab")


@pytest.mark.parametrize(
    ("classes", "shown"),
    [([1, 0], "[1, 0]"), ([0, 0], "[0, 0]"), (["b", "a"], "['b', 'a']")],
    ids=["unsorted", "duplicate", "unsorted-strings"],
)
def test_bad_classes_are_rejected(classes, shown):
    y, pred_probs = _small_case()
    if isinstance(classes[0], str):
        y = np.array(["a", "b"])[y]

    with pytest.raises(ValueError, match="sorted and unique") as info:
        find_label_issues(y, pred_probs, classes=classes)
    assert shown in str(info.value)


def test_label_missing_from_classes_is_named():
    y, pred_probs = _small_case()
    y = np.array(["cat", "dog"])[y].astype(object)
    y[3] = "eel"

    with pytest.raises(ValueError, match=r"'eel'") as info:
        find_label_issues(y, pred_probs, classes=["cat", "dog"])
    assert "['cat', 'dog']" in str(info.value)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("fraction", 0),
        ("fraction", 1),
        ("fraction", -0.1),
        ("fraction", 1.5),
        ("fraction", "half"),
        ("fraction", None),
        ("threshold", 0),
        ("threshold", 1.0),
        ("threshold", "high"),
        ("rank_by", "entropy"),
    ],
    ids=[
        "fraction-zero",
        "fraction-one",
        "fraction-negative",
        "fraction-big",
        "fraction-string",
        "fraction-none",
        "threshold-zero",
        "threshold-one",
        "threshold-string",
        "rank-by",
    ],
)
def test_bad_loss_rank_option_is_rejected(param, value):
    y, pred_probs = _small_case()

    with pytest.raises(ValueError, match=re.escape(param)) as info:
        find_label_issues(y, pred_probs, method="loss_rank", **{param: value})
    assert repr(value) in str(info.value)


@pytest.mark.parametrize(
    ("param", "value", "valid"),
    [
        ("frac_noise", 0, r"\(0.0, 1.0\]"),
        ("frac_noise", -1, r"\(0.0, 1.0\]"),
        ("frac_noise", np.nan, r"\(0.0, 1.0\]"),
        ("frac_noise", 1.5, r"\(0.0, 1.0\]"),
        ("frac_noise", "half", r"\(0.0, 1.0\]"),
        ("frac_noise", None, r"\(0.0, 1.0\]"),
        ("frac_noise", True, r"\(0.0, 1.0\]"),
        ("min_examples_per_class", -1, r"int in the range \[0, inf\)"),
        ("min_examples_per_class", 2.5, r"int in the range \[0, inf\)"),
        ("min_examples_per_class", None, r"int in the range \[0, inf\)"),
        ("min_examples_per_class", True, r"int in the range \[0, inf\)"),
        ("filter_by", "typo", "prune_by_noise_rate"),
        ("quality_method", "typo", "self_confidence"),
        ("fraction", 0.5j, "auto"),
        ("threshold", 0.5j, r"\(0.0, 1.0\)"),
    ],
    ids=[
        "frac-noise-zero",
        "frac-noise-negative",
        "frac-noise-nan",
        "frac-noise-big",
        "frac-noise-string",
        "frac-noise-none",
        "frac-noise-bool",
        "min-examples-negative",
        "min-examples-float",
        "min-examples-none",
        "min-examples-bool",
        "filter-by",
        "quality-method",
        "fraction-complex",
        "threshold-complex",
    ],
)
@pytest.mark.parametrize("method", ["confident", "loss_rank"])
def test_bad_option_is_rejected_whatever_the_method(param, value, valid, method):
    y, pred_probs = _small_case()

    with pytest.raises(ValueError, match=rf"'{param}' parameter") as info:
        find_label_issues(y, pred_probs, method=method, **{param: value})
    message = str(info.value)
    assert f"Got {value!r} instead" in message
    assert re.search(valid, message), message


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"min_examples_per_class": np.int64(0)}, WRONG_ROWS),
        ({"frac_noise": np.float32(1.0)}, WRONG_ROWS),
        ({"filter_by": "both", "quality_method": "normalized_margin"}, WRONG_ROWS),
    ],
    ids=["numpy-int", "numpy-float", "other-options"],
)
def test_valid_options_of_numpy_types_are_accepted(params, expected):
    codes, pred_probs = synthetic_probs()

    table = find_label_issues(codes, pred_probs, **params)

    np.testing.assert_array_equal(np.flatnonzero(table["is_label_issue"]), expected)


@pytest.mark.parametrize(
    ("classes", "error", "match"),
    [
        (
            [0, "a"],
            TypeError,
            r"one comparable type.*a mix of int, str: \[0, 'a'\]",
        ),
        ([[0, 1]], ValueError, r"classes must be 1-D.*got shape \(1, 2\)"),
        ([[0], [1, 2]], ValueError, r"classes must be 1-D.*got nested sequences"),
        ([0], ValueError, r"at least 2 labels.*got \[0\]"),
        ("ab", ValueError, r"'classes' parameter.*array-like. Got 'ab'"),
    ],
    ids=["mixed-types", "2-d", "ragged", "one-label", "string"],
)
def test_malformed_classes_are_rejected(classes, error, match):
    y, pred_probs = _small_case()

    with pytest.raises(error, match=match):
        find_label_issues(y, pred_probs, classes=classes)


def test_classes_mixing_ints_and_floats_are_one_type():
    y, pred_probs = _small_case()

    table = find_label_issues(y, pred_probs, classes=[0, 1.0])

    np.testing.assert_array_equal(table["given_label"], y)

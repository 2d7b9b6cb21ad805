"""Tests for sknoisy._noise.inject_label_noise."""

import re

import numpy as np
import pandas as pd
import pytest

from sknoisy import inject_label_noise

GAP_LABELS = np.array([3, 7, 20])


@pytest.fixture
def y_gaps():
    """Integer labels with gaps, 3 classes, 300 samples."""
    return np.random.RandomState(0).choice(GAP_LABELS, size=300)


@pytest.mark.parametrize("kind", ["symmetric", "pair"])
@pytest.mark.parametrize(
    ("n_samples", "noise_rate", "n_flips"),
    [
        (300, 0.0, 0),
        (300, 0.2, 60),
        (301, 0.1, 30),
        (10, 0.25, 2),  # round(2.5) is 2: ties go to the even number
        (10, 0.35, 4),
        (300, 0.99, 297),
    ],
    ids=["zero", "fifth", "rounds-down", "half-to-even", "rounds-up", "almost-all"],
)
def test_flip_count_is_exact(kind, n_samples, noise_rate, n_flips):
    y = np.random.RandomState(1).choice(GAP_LABELS, size=n_samples)

    y_noisy, is_flipped = inject_label_noise(y, noise_rate, kind=kind, random_state=0)

    assert is_flipped.dtype == bool
    assert is_flipped.sum() == n_flips
    np.testing.assert_array_equal(is_flipped, y_noisy != y)


@pytest.mark.parametrize("kind", ["symmetric", "pair"])
def test_flips_go_to_an_existing_other_class(y_gaps, kind):
    y_noisy, is_flipped = inject_label_noise(y_gaps, 0.5, kind=kind, random_state=0)

    assert np.all(y_noisy[is_flipped] != y_gaps[is_flipped])
    assert set(np.unique(y_noisy)) <= set(GAP_LABELS)
    np.testing.assert_array_equal(y_noisy[~is_flipped], y_gaps[~is_flipped])


def test_symmetric_spreads_flips_over_all_other_classes():
    y = np.repeat([0, 1, 2, 3], 5000)

    y_noisy, is_flipped = inject_label_noise(y, 0.6, random_state=0)

    for true_class in range(4):
        targets = y_noisy[is_flipped & (y == true_class)]
        shares = np.bincount(targets, minlength=4) / targets.size
        expected = np.where(np.arange(4) == true_class, 0.0, 1 / 3)
        np.testing.assert_allclose(shares, expected, atol=0.03)


def test_pair_maps_each_class_to_the_next_and_wraps(y_gaps):
    y_noisy, is_flipped = inject_label_noise(y_gaps, 0.5, kind="pair", random_state=0)

    next_class = {3: 7, 7: 20, 20: 3}
    expected = np.array([next_class[label] for label in y_gaps[is_flipped]])
    np.testing.assert_array_equal(y_noisy[is_flipped], expected)
    # Every class, the wrapping one included, was actually flipped at least once.
    assert set(y_gaps[is_flipped]) == set(GAP_LABELS)


def test_pair_uses_sorted_order_for_strings():
    y = np.array(["cat", "ant", "bee"] * 20)

    y_noisy, is_flipped = inject_label_noise(y, 0.5, kind="pair", random_state=0)

    next_class = {"ant": "bee", "bee": "cat", "cat": "ant"}
    expected = [next_class[label] for label in y[is_flipped]]
    assert y_noisy[is_flipped].tolist() == expected


def test_matrix_empirical_rates_match_noise_matrix():
    noise_matrix = np.array(
        [
            [0.7, 0.2, 0.1],
            [0.0, 0.9, 0.1],
            [0.25, 0.25, 0.5],
        ]
    )
    y = np.repeat(["a", "b", "c"], 20000)

    y_noisy, is_flipped = inject_label_noise(
        y, kind="matrix", noise_matrix=noise_matrix, random_state=0
    )

    observed = pd.crosstab(y, y_noisy, normalize="index").to_numpy()
    np.testing.assert_allclose(observed, noise_matrix, atol=0.01)
    # A zero probability is never sampled, not merely rarely.
    assert not np.any((y == "b") & (y_noisy == "a"))
    np.testing.assert_array_equal(is_flipped, y_noisy != y)


def test_matrix_ignores_noise_rate(y_gaps):
    noise_matrix = np.full((3, 3), 1 / 3)

    first, _ = inject_label_noise(
        y_gaps, 0.0, kind="matrix", noise_matrix=noise_matrix, random_state=0
    )
    second, _ = inject_label_noise(
        y_gaps, 0.9, kind="matrix", noise_matrix=noise_matrix, random_state=0
    )

    np.testing.assert_array_equal(first, second)


def test_identity_matrix_flips_nothing(y_gaps):
    y_noisy, is_flipped = inject_label_noise(
        y_gaps, kind="matrix", noise_matrix=np.eye(3), random_state=0
    )

    assert not is_flipped.any()
    np.testing.assert_array_equal(y_noisy, y_gaps)


@pytest.mark.parametrize(
    "y",
    [
        np.array([3, 7, 20, 3, 7, 20, 3, 7, 20, 3], dtype=np.int32),
        np.array(["low", "mid", "high", "low", "mid"] * 2),
        np.array([0.0, 1.0, 2.0, 0.0, 1.0] * 2),
        np.array([True, False] * 5),
    ],
    ids=["int32-gaps", "unicode", "float-classes", "bool"],
)
def test_numpy_input_keeps_dtype(y):
    y_noisy, is_flipped = inject_label_noise(y, 0.4, random_state=0)

    assert isinstance(y_noisy, np.ndarray)
    assert y_noisy.dtype == y.dtype
    assert is_flipped.sum() == 4
    np.testing.assert_array_equal(is_flipped, y_noisy != y)


def test_list_input_gives_numpy_array():
    y = ["spam", "ham", "eggs"] * 4

    y_noisy, is_flipped = inject_label_noise(y, 0.25, random_state=0)

    assert isinstance(y_noisy, np.ndarray)
    assert is_flipped.sum() == 3
    np.testing.assert_array_equal(is_flipped, y_noisy != np.asarray(y))


@pytest.mark.parametrize(
    "dtype",
    [None, "category", "Int64", "string"],
    ids=["default", "categorical", "nullable-int", "string"],
)
def test_series_keeps_index_name_and_dtype(dtype):
    values = [1, 2, 3] * 4 if dtype == "Int64" else ["x", "y", "z"] * 4
    y = pd.Series(values, index=np.arange(100, 112)[::-1], name="label", dtype=dtype)
    y_before = y.copy()

    y_noisy, is_flipped = inject_label_noise(y, 0.5, random_state=0)

    assert isinstance(y_noisy, pd.Series)
    pd.testing.assert_index_equal(y_noisy.index, y.index)
    assert y_noisy.name == "label"
    assert y_noisy.dtype == y.dtype
    assert is_flipped.sum() == 6
    np.testing.assert_array_equal(is_flipped, (y_noisy != y).to_numpy())
    pd.testing.assert_series_equal(y, y_before)


def test_categorical_keeps_unused_categories_and_order():
    dtype = pd.CategoricalDtype(["hi", "mid", "lo", "unused"], ordered=True)
    y = pd.Series(["hi", "mid", "lo"] * 5, dtype=dtype)

    y_noisy, is_flipped = inject_label_noise(y, 0.4, random_state=0)

    assert y_noisy.dtype == dtype
    assert "unused" not in set(y_noisy)
    assert is_flipped.sum() == 6


def test_input_array_is_not_modified(y_gaps):
    y_before = y_gaps.copy()

    y_noisy, _ = inject_label_noise(y_gaps, 0.5, random_state=0)

    np.testing.assert_array_equal(y_gaps, y_before)
    assert not np.shares_memory(y_noisy, y_gaps)


@pytest.mark.parametrize(
    ("kind", "noise_matrix"),
    [("symmetric", None), ("pair", None), ("matrix", np.full((3, 3), 1 / 3))],
    ids=["symmetric", "pair", "matrix"],
)
def test_same_random_state_gives_same_noise(y_gaps, kind, noise_matrix):
    def run(random_state):
        return inject_label_noise(
            y_gaps, 0.3, kind=kind, noise_matrix=noise_matrix, random_state=random_state
        )

    first, first_mask = run(42)
    second, second_mask = run(42)
    from_instance, _ = run(np.random.RandomState(42))
    other_seed, _ = run(43)

    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first_mask, second_mask)
    np.testing.assert_array_equal(first, from_instance)
    assert not np.array_equal(first, other_seed)


@pytest.mark.parametrize(
    ("noise_rate", "error", "match"),
    [
        (-0.1, ValueError, "noise_rate must be in [0, 1); got -0.1."),
        (1.0, ValueError, "noise_rate must be in [0, 1); got 1.0."),
        (float("nan"), ValueError, "noise_rate must be in [0, 1); got nan."),
        ("0.2", TypeError, "noise_rate must be a real number in [0, 1); got '0.2'"),
        (None, TypeError, "got None of type NoneType"),
        (True, TypeError, "got True of type bool"),
    ],
    ids=["negative", "one", "nan", "string", "none", "bool"],
)
def test_bad_noise_rate(y_gaps, noise_rate, error, match):
    with pytest.raises(error, match=re.escape(match)):
        inject_label_noise(y_gaps, noise_rate)


@pytest.mark.parametrize(
    ("y", "kwargs", "match"),
    [
        (
            [1, 2, 3],
            {"kind": "uniform"},
            "kind must be one of ['symmetric', 'pair', 'matrix']; got 'uniform'.",
        ),
        (
            [1, 2, 3],
            {"kind": "matrix"},
            'kind="matrix" requires a noise_matrix; got None.',
        ),
        (
            [1, 2, 3],
            {"noise_matrix": np.eye(3)},
            "noise_matrix is only used with kind=\"matrix\"; got kind='symmetric'.",
        ),
        (
            ["a", "a", "a"],
            {},
            "y must contain at least 2 classes to flip between; got 1 (['a']).",
        ),
        (
            np.zeros((4, 2)),
            {},
            "y must be 1-D; got an array of shape (4, 2).",
        ),
        (
            ["a", None, "b"],
            {},
            "y must not contain missing values; got 1.",
        ),
        (
            np.array([1.0, np.nan, 2.0]),
            {},
            "y must not contain missing values; got 1.",
        ),
        (
            [0.1, 0.2, 0.35],
            {},
            "Unknown label type: continuous",
        ),
        (
            [1, 2, 3],
            {"kind": "matrix", "noise_matrix": np.eye(2)},
            "noise_matrix must have shape (3, 3), one row and column per class of "
            "y; got shape (2, 2).",
        ),
        (
            [1, 2],
            {"kind": "matrix", "noise_matrix": [[1.2, -0.2], [0.0, 1.0]]},
            "only non-negative probabilities; got minimum -0.2.",
        ),
        (
            [1, 2],
            {"kind": "matrix", "noise_matrix": [[np.nan, 1.0], [0.0, 1.0]]},
            "only finite probabilities; got 1 NaN or infinite entries.",
        ),
        (
            [1, 2, 3],
            {
                "kind": "matrix",
                "noise_matrix": [[1.0, 0.0, 0.0], [0.5, 0.4, 0.0], [0.0, 0.0, 1.0]],
            },
            "Every row of noise_matrix must sum to 1 (within 1e-6); rows [1] sum "
            "to [0.9].",
        ),
    ],
    ids=[
        "unknown-kind",
        "matrix-without-noise-matrix",
        "noise-matrix-without-matrix-kind",
        "one-class",
        "two-dimensional-y",
        "none-in-y",
        "nan-in-y",
        "continuous-y",
        "matrix-wrong-shape",
        "matrix-negative",
        "matrix-nan",
        "matrix-row-sum",
    ],
)
def test_bad_input_raises_value_error(y, kwargs, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        inject_label_noise(y, **kwargs)


def test_row_sums_within_tolerance_are_accepted():
    noise_matrix = [[0.5, 0.5 - 5e-7], [0.0, 1.0 + 5e-7]]

    _, is_flipped = inject_label_noise(
        [0, 1] * 50, kind="matrix", noise_matrix=noise_matrix, random_state=0
    )

    assert 0 < is_flipped.sum() < 100

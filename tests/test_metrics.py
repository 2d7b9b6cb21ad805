"""Tests for sknoisy._metrics.detection_scores."""

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from sknoisy import detection_scores

# Hand-computed example. Flipped rows: 0 and 2; flagged rows: 0, 1 and 4.
# tp = 1, so precision = 1/3, recall = 1/2, f1 = 2 * (1/6) / (5/6) = 0.4.
# Suspiciousness is -label_quality: flipped -0.2, -0.5; clean -0.1, -0.9, -0.5.
# -0.2 beats -0.9 and -0.5 (2 of 3); -0.5 beats -0.9 and ties -0.5 (1.5 of 3),
# so auroc = 3.5 / 6 = 7/12.
IS_FLIPPED = [True, False, True, False, False]
IS_LABEL_ISSUE = [True, True, False, False, True]
LABEL_QUALITY = [0.2, 0.1, 0.5, 0.9, 0.5]


def test_hand_computed_example():
    scores = detection_scores(IS_FLIPPED, IS_LABEL_ISSUE, LABEL_QUALITY)

    assert list(scores) == [
        "precision",
        "recall",
        "f1",
        "auroc",
        "n_flagged",
        "n_flipped",
    ]
    assert scores["precision"] == pytest.approx(1 / 3)
    assert scores["recall"] == pytest.approx(1 / 2)
    assert scores["f1"] == pytest.approx(0.4)
    assert scores["auroc"] == pytest.approx(7 / 12)
    assert scores["n_flagged"] == 3
    assert scores["n_flipped"] == 2


def test_returns_plain_python_numbers():
    scores = detection_scores(IS_FLIPPED, IS_LABEL_ISSUE, LABEL_QUALITY)

    for key in ["precision", "recall", "f1", "auroc"]:
        assert type(scores[key]) is float
    for key in ["n_flagged", "n_flipped"]:
        assert type(scores[key]) is int


def test_perfect_detector():
    scores = detection_scores(
        [True, False, False, True], [True, False, False, True], [0.1, 0.8, 0.9, 0.2]
    )

    assert scores["precision"] == 1.0
    assert scores["recall"] == 1.0
    assert scores["f1"] == 1.0
    assert scores["auroc"] == 1.0


def test_high_quality_means_clean():
    # Giving the flipped labels the *highest* quality is the worst ranking.
    scores = detection_scores([True, False, False], [False] * 3, [0.9, 0.1, 0.2])

    assert scores["auroc"] == 0.0


def test_nothing_flagged_scores_zero_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = detection_scores([True, False, True], [False, False, False])

    assert scores["precision"] == 0.0
    assert scores["recall"] == 0.0
    assert scores["f1"] == 0.0
    assert scores["n_flagged"] == 0
    assert scores["n_flipped"] == 2


@pytest.mark.parametrize(
    "is_flipped", [[False] * 4, [True] * 4], ids=["none-flipped", "all-flipped"]
)
def test_auroc_is_nan_when_mask_has_one_class(is_flipped):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = detection_scores(
            is_flipped, [True, False, True, False], [0.1, 0.2, 0.3, 0.4]
        )

    assert math.isnan(scores["auroc"])


def test_auroc_is_nan_without_label_quality():
    scores = detection_scores(IS_FLIPPED, IS_LABEL_ISSUE)

    assert math.isnan(scores["auroc"])
    assert scores["precision"] == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    "convert",
    [
        np.asarray,
        lambda values: pd.Series(values, index=[10, 3, 7, 1, 0]),
        lambda values: pd.Series(values, dtype="boolean"),
        lambda values: np.asarray(values, dtype=int),
    ],
    ids=["numpy", "series-shuffled-index", "series-nullable-boolean", "zero-one"],
)
def test_array_like_inputs_give_same_scores(convert):
    expected = detection_scores(IS_FLIPPED, IS_LABEL_ISSUE, LABEL_QUALITY)

    scores = detection_scores(
        convert(IS_FLIPPED), convert(IS_LABEL_ISSUE), pd.Series(LABEL_QUALITY)
    )

    assert scores == pytest.approx(expected)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"is_flipped": [True, False, True], "is_label_issue": [True, False]},
            "is_flipped and is_label_issue must have the same length; got 3 and 2.",
        ),
        (
            {
                "is_flipped": [True, False],
                "is_label_issue": [True, False],
                "label_quality": [0.1, 0.2, 0.3],
            },
            "is_flipped and label_quality must have the same length; got 2 and 3.",
        ),
        (
            {"is_flipped": [], "is_label_issue": []},
            "is_flipped must not be empty.",
        ),
        (
            {"is_flipped": [[True, False]], "is_label_issue": [True, False]},
            "is_flipped must be 1-D; got shape (1, 2).",
        ),
        (
            {"is_flipped": [True, False], "is_label_issue": ["yes", "no"]},
            "is_label_issue must be boolean (or 0/1); got dtype <U3",
        ),
        (
            {"is_flipped": [0, 2], "is_label_issue": [True, False]},
            "is_flipped must be boolean (or 0/1); got dtype int64 with values "
            "['0', '2']",
        ),
        (
            {
                "is_flipped": [True, False],
                "is_label_issue": [True, False],
                "label_quality": [0.5, np.nan],
            },
            "label_quality must be finite; got 1 NaN or infinite values.",
        ),
        (
            {
                "is_flipped": [True, False],
                "is_label_issue": [True, False],
                "label_quality": [[0.5, 0.2]],
            },
            "label_quality must be 1-D; got shape (1, 2).",
        ),
    ],
    ids=[
        "mask-length-mismatch",
        "quality-length-mismatch",
        "empty",
        "two-dimensional-mask",
        "string-mask",
        "non-binary-int-mask",
        "nan-quality",
        "two-dimensional-quality",
    ],
)
def test_bad_input_raises_value_error(kwargs, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        detection_scores(**kwargs)


def test_nothing_flipped_gives_zero_recall_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = detection_scores([False, False, False], [True, False, False])

    assert scores["precision"] == 0.0
    assert scores["recall"] == 0.0
    assert scores["f1"] == 0.0
    assert scores["n_flagged"] == 1
    assert scores["n_flipped"] == 0


def test_nothing_flipped_nor_flagged_scores_zero():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = detection_scores([False] * 3, [False] * 3, [0.5, 0.6, 0.7])

    assert [scores[key] for key in ["precision", "recall", "f1"]] == [0.0] * 3
    assert math.isnan(scores["auroc"])

"""Properties that must hold for any data: row order, label names, seeds.

Hypothesis draws the data sets (sizes, class counts, seeds, orders and
label mappings); each property is checked on a few dozen of them at most,
so the module stays fast.
"""

import numpy as np
import pandas as pd
import pytest
from _helpers import logreg
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from sknoisy import (
    ConfidentCleaner,
    LossRankFilter,
    SmoothedNetClassifier,
    find_label_issues,
)

# No example database: the runs leave nothing behind in the working tree.
FAST = settings(deadline=None, database=None, max_examples=25)
SLOW = settings(FAST, max_examples=6)

# Every option of find_label_issues that changes which rows are flagged.
RULES = {
    "confident": {"method": "confident"},
    "confident-by-class": {"method": "confident", "filter_by": "prune_by_class"},
    "confident-both": {"method": "confident", "filter_by": "both"},
    "confident-learning": {"method": "confident", "filter_by": "confident_learning"},
    "confident-margin": {"method": "confident", "filter_by": "low_normalized_margin"},
    "loss-rank-auto": {"method": "loss_rank"},
    "loss-rank-loss-auto": {"method": "loss_rank", "rank_by": "loss"},
    "loss-rank-fraction": {"method": "loss_rank", "fraction": 0.2},
}


@st.composite
def labelled_probs(draw, min_per_class=3):
    """Given labels ``0..K-1`` (each class present) and continuous probabilities.

    The probabilities favour each row's given class, so most labels look
    right and a few look wrong. They come from a seeded generator: ties
    between rows, on which every rule breaks by position, have probability
    zero.
    """
    n_classes = draw(st.integers(2, 4))
    n_rows = draw(st.integers(min_per_class * n_classes, 60))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    codes = np.r_[
        np.repeat(np.arange(n_classes), min_per_class),
        rng.integers(0, n_classes, n_rows - min_per_class * n_classes),
    ]
    logits = rng.normal(size=(n_rows, n_classes)) + 2.0 * np.eye(n_classes)[codes]
    pred_probs = np.exp(logits)
    return codes, pred_probs / pred_probs.sum(axis=1, keepdims=True)


@st.composite
def relabelling(draw, n_classes, order_preserving=False):
    """New names for classes ``0..K-1``: ints with gaps or strings, any order."""
    kind = draw(st.sampled_from(["int", "str"]))
    if kind == "int":
        names = st.integers(-1000, 1000)
    else:
        names = st.text("abcxyz", min_size=1, max_size=3)
    new = draw(st.lists(names, min_size=n_classes, max_size=n_classes, unique=True))
    if order_preserving:
        new = sorted(new)
    return np.array(new)


def columns_for(names, pred_probs):
    """Columns of ``pred_probs`` (one per old code) in the sorted order of ``names``."""
    return pred_probs[:, np.argsort(names, kind="stable")]


def blobs(seed, n_rows, n_classes=3):
    """Overlapping Gaussian blobs with about 15 % of the labels wrong."""
    rng = np.random.default_rng(seed)
    true = np.r_[np.arange(n_classes).repeat(6), rng.integers(0, n_classes, n_rows)]
    X = rng.normal(size=(len(true), 3)) + 1.5 * np.eye(n_classes, 3)[true]
    flip = rng.random(len(true)) < 0.15
    y = np.where(flip, (true + rng.integers(1, n_classes, len(true))) % n_classes, true)
    return X, y


def folds_by_row(n_rows, n_folds=3):
    """Explicit folds, each row's fold fixed by its position in the original data."""
    fold = np.arange(n_rows) % n_folds
    return [
        (np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(n_folds)
    ]


def folds_after_shuffle(folds, order):
    """The same folds for ``rows[order]``: every row keeps its fold."""
    position = np.argsort(order)
    return [
        (np.sort(position[train]), np.sort(position[test])) for train, test in folds
    ]


# --------------------------------------------------------------- row order


@pytest.mark.parametrize("rule", list(RULES))
@FAST
@given(data=labelled_probs(), order=st.randoms(use_true_random=False))
def test_shuffling_rows_shuffles_the_table(rule, data, order):
    codes, pred_probs = data
    y = pd.Series(codes, index=[f"row{i}" for i in range(len(codes))])
    permutation = np.array(order.sample(range(len(codes)), len(codes)))

    table = find_label_issues(y, pred_probs, **RULES[rule])
    shuffled = find_label_issues(
        y.iloc[permutation], pred_probs[permutation], **RULES[rule]
    )

    pd.testing.assert_frame_equal(shuffled.loc[table.index], table)


@SLOW
@given(
    seed=st.integers(0, 2**32 - 1),
    n_rows=st.integers(20, 60),
    order=st.randoms(use_true_random=False),
)
def test_shuffling_rows_shuffles_the_confident_cleaner_table(seed, n_rows, order):
    # Each row keeps its cross-validation fold, so only the order changes.
    X, y = blobs(seed, n_rows)
    frame = pd.DataFrame(X, index=[f"row{i}" for i in range(len(y))])
    permutation = np.array(order.sample(range(len(y)), len(y)))
    folds = folds_by_row(len(y))

    table = ConfidentCleaner(logreg(), cv=folds).find_label_issues(frame, y)
    shuffled = ConfidentCleaner(
        logreg(), cv=folds_after_shuffle(folds, permutation)
    ).find_label_issues(frame.iloc[permutation], y[permutation])

    shuffled = shuffled.loc[table.index]
    for column in ["given_label", "suggested_label", "is_label_issue"]:
        pd.testing.assert_series_equal(shuffled[column], table[column])
    # lbfgs adds up the rows in another order: equal to rounding.
    np.testing.assert_allclose(shuffled["label_quality"], table["label_quality"])


# ------------------------------------------------------------- label names


@pytest.mark.parametrize("rule", list(RULES))
@FAST
@given(data=labelled_probs(), draw=st.data())
def test_renaming_classes_keeps_the_flags(rule, data, draw):
    codes, pred_probs = data
    names = draw.draw(relabelling(pred_probs.shape[1]))

    table = find_label_issues(codes, pred_probs, **RULES[rule])
    renamed = find_label_issues(
        names[codes], columns_for(names, pred_probs), **RULES[rule]
    )

    np.testing.assert_array_equal(renamed["given_label"], names[codes])
    np.testing.assert_array_equal(
        renamed["suggested_label"], names[table["suggested_label"]]
    )
    np.testing.assert_array_equal(renamed["label_quality"], table["label_quality"])
    np.testing.assert_array_equal(renamed["is_label_issue"], table["is_label_issue"])


@pytest.mark.parametrize(
    "make_cleaner",
    [
        lambda: ConfidentCleaner(logreg(), cv=3),
        lambda: LossRankFilter(logreg(), cv=3),
        lambda: LossRankFilter(logreg(), fraction=0.2),
    ],
    ids=["confident", "loss-rank-auto", "loss-rank-fraction"],
)
@SLOW
@pytest.mark.filterwarnings(
    "ignore:fraction='auto' found no group:sknoisy.SknoisyWarning"
)
@given(seed=st.integers(0, 2**32 - 1), n_rows=st.integers(20, 60), draw=st.data())
def test_renaming_classes_keeps_the_cleaners_flags(make_cleaner, seed, n_rows, draw):
    X, codes = blobs(seed, n_rows)
    names = draw.draw(relabelling(3))

    table = make_cleaner().find_label_issues(X, codes)
    renamed = make_cleaner().find_label_issues(X, names[codes])

    np.testing.assert_array_equal(renamed["given_label"], names[codes])
    np.testing.assert_array_equal(
        renamed["suggested_label"], names[table["suggested_label"]]
    )
    np.testing.assert_array_equal(renamed["is_label_issue"], table["is_label_issue"])
    np.testing.assert_allclose(renamed["label_quality"], table["label_quality"])


@SLOW
@given(seed=st.integers(0, 2**32 - 1), draw=st.data())
def test_order_preserving_names_train_the_same_net(seed, draw):
    # The net's output units follow the sorted classes, so names that sort
    # like the codes give the very same training run.
    X, codes = blobs(seed, 30)
    names = draw.draw(relabelling(3, order_preserving=True))
    net = SmoothedNetClassifier((8,), max_epochs=5, random_state=0)

    by_codes = clone(net).fit(X, codes)
    by_names = clone(net).fit(X, names[codes])

    np.testing.assert_array_equal(by_names.classes_, names)
    np.testing.assert_array_equal(by_names.predict_proba(X), by_codes.predict_proba(X))
    np.testing.assert_array_equal(by_names.predict(X), names[by_codes.predict(X)])


# ------------------------------------------------------------------- seeds


@SLOW
@given(
    seed=st.integers(0, 2**32 - 1),
    random_state=st.integers(0, 2**31 - 2),
    dropout=st.sampled_from([0.0, 0.3]),
)
def test_same_random_state_same_net(seed, random_state, dropout):
    X, y = blobs(seed, 30)
    net = SmoothedNetClassifier(
        (8,), dropout=dropout, max_epochs=5, batch_size=16, random_state=random_state
    )

    first = clone(net).fit(X, y)
    proba = first.predict_proba(X)
    second = clone(net).fit(X, y)
    first.fit(X, y)

    np.testing.assert_array_equal(second.predict_proba(X), proba)
    np.testing.assert_array_equal(first.predict_proba(X), proba)
    assert second.loss_curve_ == first.loss_curve_


@SLOW
@given(seed=st.integers(0, 2**32 - 1), random_state=st.integers(0, 2**31 - 2))
def test_same_random_state_same_loss_rank_filter(seed, random_state):
    X, y = blobs(seed, 30)
    net = SmoothedNetClassifier((8,), max_epochs=5, random_state=random_state)
    cleaner = LossRankFilter(net, warmup_epochs=3, fraction=0.2)

    first = clone(cleaner).fit(X, y)
    second = clone(cleaner).fit(X, y)

    pd.testing.assert_frame_equal(first.label_issues_, second.label_issues_)
    np.testing.assert_array_equal(first.sample_scores_, second.sample_scores_)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))

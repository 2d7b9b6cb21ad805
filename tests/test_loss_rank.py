"""Tests for sknoisy.LossRankFilter."""

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from _helpers import (
    COLUMNS,
    ClaimedClassModel,
    SpyClassifier,
    class_c_claimed_as_a,
    logreg,
    tiny_net,
)
from imblearn.pipeline import Pipeline as ImbPipeline
from scipy.stats import spearmanr
from sklearn import config_context, get_config
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknoisy import (
    LossRankFilter,
    MemorizationStopper,
    SknoisyWarning,
    SmoothedNetClassifier,
    detection_scores,
    inject_label_noise,
)


def n_flagged(table):
    return int(table["is_label_issue"].sum())


# ----------------------------------------------------------------- helpers


@pytest.fixture
def blobs_scaled(noisy_blobs):
    """``noisy_blobs`` standardised, for rankers that are networks."""
    X, y_noisy, is_flipped, y_true = noisy_blobs
    return StandardScaler().fit_transform(X), y_noisy, is_flipped, y_true


@pytest.fixture(scope="module")
def digits_half(digits_scaled):
    """The first 900 digits with 20 % symmetric noise (seed 0)."""
    X, y = digits_scaled
    y_noisy, is_flipped = inject_label_noise(y[:900], 0.2, random_state=0)
    return X[:900], y_noisy, is_flipped


# ---------------------------------------------------------- sklearn checks


def expected_failed_checks(estimator):
    # Only the ranking is weight-aware: the cut counts rows.
    failed = {
        "check_sample_weight_equivalence_on_dense_data": (
            "the cut counts rows, not weight: round(fraction * n) and the mixture "
            "fit see a repeated row twice but a row of weight 2 once, so they "
            "flag different rows (the ranker's sample_scores_ do agree)"
        ),
    }
    if not isinstance(estimator.estimator, SmoothedNetClassifier):
        failed["check_sample_weight_equivalence_on_sparse_data"] = failed[
            "check_sample_weight_equivalence_on_dense_data"
        ]
    return failed


@parametrize_with_checks(
    [
        # lr=1e-2: the checks' data sets are under one batch, so at the
        # default lr three warm-up epochs are three tiny steps from random.
        LossRankFilter(tiny_net(lr=1e-2), warmup_epochs=3),
        LossRankFilter(LogisticRegression()),
    ],
    expected_failed_checks=expected_failed_checks,
)
# The checks' tiny random data often has no high-loss group to cut.
@pytest.mark.filterwarnings(
    "ignore:fraction='auto' found no group:sknoisy.SknoisyWarning"
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_score_delegates_to_estimator(noisy_blobs):
    # No parameter may shadow ClassifierMixin.score, which
    # Pipeline.score and GridSearchCV's default scoring call.
    X, y, _, _ = noisy_blobs

    cleaner = LossRankFilter(logreg(), rank_by="loss", fraction=0.1).fit(X, y)

    assert cleaner.score(X, y) == cleaner.estimator_.score(X, y)
    assert make_pipeline(StandardScaler(), cleaner).fit(X, y).score(X, y) > 0.6


# --------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("hidden", "warmup"),
    [((100,), 20), ((32,), 10)],
    ids=["default-net", "tiny-net"],
)
def test_auto_flags_almost_nothing_on_clean_digits(digits_scaled, hidden, warmup):
    X, y = digits_scaled
    net = SmoothedNetClassifier(hidden, max_epochs=20, random_state=0)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cleaner = LossRankFilter(net, warmup_epochs=warmup).fit(X, y)

    # measured: 0 of 1797 rows for both nets, margin and loss alike
    flagged = cleaner.label_issues_["is_label_issue"]
    assert flagged.mean() < 0.01
    # Flagging nothing is said, so that it is not mistaken for a clean bill.
    said = [w for w in caught if "flagged none of the 1797 rows" in str(w.message)]
    assert len(said) == (0 if flagged.any() else 1)
    assert cleaner.estimator_.score(X, y) > 0.95


@pytest.mark.parametrize("seed", [0, 1], ids=["seed0", "seed1"])
@pytest.mark.parametrize(
    ("kind", "min_auto_f1", "min_fraction_f1"),
    [
        # measured over seeds 0-2: auto f1 0.868-0.876, fraction=0.2 f1 0.872-0.880
        ("symmetric", 0.80, 0.80),
        # measured over seeds 0-2: auto f1 0.688-0.720, fraction=0.2 f1 0.741-0.777
        ("pair", 0.64, 0.67),
    ],
    ids=["symmetric", "pair"],
)
def test_detection_on_digits(digits_scaled, kind, seed, min_auto_f1, min_fraction_f1):
    X, y = digits_scaled
    y_noisy, is_flipped = inject_label_noise(y, 0.2, kind=kind, random_state=seed)

    auto = LossRankFilter(tiny_net(), warmup_epochs=10).find_label_issues(X, y_noisy)
    fixed = LossRankFilter(
        tiny_net(), warmup_epochs=10, fraction=0.2
    ).find_label_issues(X, y_noisy)

    auto_scores = detection_scores(
        is_flipped, auto["is_label_issue"], auto["label_quality"]
    )
    assert auto_scores["f1"] > min_auto_f1
    assert auto_scores["auroc"] > 0.88  # measured 0.937-0.986
    assert n_flagged(fixed) == round(0.2 * len(y)) == 359
    assert detection_scores(is_flipped, fixed["is_label_issue"])["f1"] > min_fraction_f1
    # Same ranker, same scores: only the cut differs.
    np.testing.assert_array_equal(auto["label_quality"], fixed["label_quality"])


def test_in_sample_and_out_of_fold_agree_on_obvious_flips(digits_scaled):
    X, y = digits_scaled
    y_noisy, is_flipped = inject_label_noise(y, 0.2, random_state=0)

    in_sample = LossRankFilter(tiny_net(), warmup_epochs=10).fit(X, y_noisy)
    out_of_fold = LossRankFilter(tiny_net(), warmup_epochs=10, cv=3).fit(X, y_noisy)

    top_in = np.argsort(-in_sample.sample_scores_, kind="stable")[:20]
    top_oof = np.argsort(-out_of_fold.sample_scores_, kind="stable")[:100]
    flagged_oof = out_of_fold.label_issues_["is_label_issue"].to_numpy()
    # measured: 20 of 20 for each
    assert flagged_oof[top_in].sum() >= 16
    assert np.isin(top_in, top_oof).sum() >= 16
    assert is_flipped[top_in].sum() >= 16
    assert not np.allclose(in_sample.sample_scores_, out_of_fold.sample_scores_)
    rho = spearmanr(in_sample.sample_scores_, out_of_fold.sample_scores_).statistic
    assert rho > 0.9  # measured 0.975 (seeds 0 and 1)


@pytest.mark.parametrize(
    "make_ranker",
    [lambda: tiny_net(lr=1e-2), logreg],
    ids=["net", "logreg"],
)
def test_margin_sign_matches_misprediction(blobs_scaled, make_ranker):
    # After a single scoring round the margin is negative exactly where the
    # ranker predicts the given label.
    X, y, _, _ = blobs_scaled

    cleaner = LossRankFilter(logreg(), make_ranker(), warmup_epochs=1).fit(X, y)
    issues = cleaner.label_issues_
    mispredicted = issues["suggested_label"] != issues["given_label"]

    assert 0 < mispredicted.sum() < len(y)
    np.testing.assert_array_equal(cleaner.sample_scores_ > 0, mispredicted)


# ------------------------------------------------------------ score options


def _replay(X, y, n_epochs):
    """Warm a clone of tiny_net() up by hand, as LossRankFilter should."""
    net = tiny_net()
    losses, log_probas, probas = [], [], []
    for _ in range(n_epochs):
        net.partial_fit(X, y, classes=np.unique(y))
        losses.append(net.per_sample_loss(X, y))
        log_probas.append(net.predict_log_proba(X))
        probas.append(net.predict_proba(X))
    return np.array(losses), np.array(log_probas), np.array(probas)


def _margin_badness(log_proba, y):
    rows = np.arange(len(y))
    others = log_proba.copy()
    others[rows, y] = -np.inf
    return others.max(axis=1) - log_proba[rows, y]


@pytest.mark.parametrize("average_epochs", [True, False], ids=["mean", "last"])
@pytest.mark.parametrize("rank_by", ["loss", "margin"])
def test_scores_replay_warm_up_by_hand(iris_scaled, rank_by, average_epochs):
    X, y = iris_scaled
    losses, log_probas, probas = _replay(X, y, n_epochs=4)
    if rank_by == "loss":
        per_epoch = losses
        expected_quality = lambda s: np.exp(-s)  # noqa: E731
    else:
        per_epoch = np.array([_margin_badness(lp, y) for lp in log_probas])
        expected_quality = lambda s: 1 / (1 + np.exp(s))  # noqa: E731
    expected = per_epoch.mean(axis=0) if average_epochs else per_epoch[-1]

    cleaner = LossRankFilter(
        tiny_net(),
        warmup_epochs=4,
        rank_by=rank_by,
        average_epochs=average_epochs,
        fraction=0.1,
    ).fit(X, y)
    issues = cleaner.label_issues_

    np.testing.assert_allclose(cleaner.sample_scores_, expected, rtol=1e-10)
    np.testing.assert_allclose(
        issues["label_quality"], expected_quality(expected), rtol=1e-10
    )
    # The suggestion is the most probable class averaged over the epochs.
    np.testing.assert_array_equal(
        issues["suggested_label"], probas.mean(axis=0).argmax(axis=1)
    )
    assert cleaner.n_warmup_epochs_ == 4


def test_score_and_average_epochs_change_the_scores(iris_scaled):
    X, y = iris_scaled

    def scores(**params):
        cleaner = LossRankFilter(tiny_net(), warmup_epochs=4, fraction=0.1, **params)
        return cleaner.fit(X, y).sample_scores_

    loss, margin = scores(rank_by="loss"), scores(rank_by="margin")
    last = scores(average_epochs=False)

    assert loss.shape == margin.shape == last.shape == (len(y),)
    assert np.all(loss > 0)
    assert np.any(margin < 0)
    assert not np.allclose(loss, margin)
    assert not np.allclose(margin, last)
    # Both rank the same samples as the worst, broadly.
    assert spearmanr(loss, margin).statistic > 0.9  # measured 0.978


@pytest.mark.parametrize(
    ("make_ranker", "expected"),
    [(tiny_net, 7), (logreg, 1)],
    ids=["net-partial-fit", "logreg-fit-once"],
)
def test_n_warmup_epochs(noisy_blobs, make_ranker, expected):
    X, y, _, _ = noisy_blobs

    cleaner = LossRankFilter(
        logreg(), make_ranker(), warmup_epochs=7, fraction=0.1
    ).fit(X, y)

    assert cleaner.n_warmup_epochs_ == expected


# ----------------------------------------------------------------- actions


def _pipeline(action, fraction=0.1, **params):
    ranker = tiny_net(lr=1e-2)
    return make_pipeline(
        StandardScaler(),
        LossRankFilter(
            SpyClassifier(),
            ranker,
            warmup_epochs=10,
            fraction=fraction,
            action=action,
            **params,
        ),
    )


@pytest.mark.parametrize("fraction", [0.1, "auto"], ids=["fraction", "auto"])
def test_drop_in_pipeline_fits_kept_rows(noisy_blobs, fraction):
    X, y, _, _ = noisy_blobs

    pipe = _pipeline("drop", fraction).fit(X, y)
    cleaner = pipe[-1]
    keep = ~cleaner.label_issues_["is_label_issue"].to_numpy()
    spy = cleaner.estimator_

    assert 0 < (~keep).sum() < len(y)
    if fraction == 0.1:
        assert (~keep).sum() == 15
    np.testing.assert_allclose(spy.fit_X_, pipe[0].transform(X)[keep])
    np.testing.assert_array_equal(spy.fit_y_, y[keep])
    assert spy.fit_sample_weight_ is None
    assert set(pipe.predict(X)) <= {0, 1, 2}


def test_relabel_in_pipeline_uses_suggested_labels(noisy_blobs):
    X, y, _, _ = noisy_blobs

    pipe = _pipeline("relabel").fit(X, y)
    issues = pipe[-1].label_issues_
    is_issue = issues["is_label_issue"].to_numpy()
    suggested = issues["suggested_label"].to_numpy()
    spy = pipe[-1].estimator_

    assert is_issue.sum() == 15
    assert np.all(suggested[is_issue] != y[is_issue])
    np.testing.assert_array_equal(spy.fit_y_, np.where(is_issue, suggested, y))
    assert len(spy.fit_y_) == len(y)


@pytest.mark.parametrize("cv", [None, 3], ids=["in-sample", "cv3"])
def test_suggested_label_is_rankers_prediction(noisy_blobs, cv):
    # A ranker without partial_fit is fitted once, so its suggestion is
    # plainly its prediction: in sample, or out of fold with the same folds.
    X, y, _, _ = noisy_blobs

    issues = LossRankFilter(
        logreg(), logreg(), cv=cv, action="relabel", fraction=0.1
    ).find_label_issues(X, y)

    if cv is None:
        expected = logreg().fit(X, y).predict(X)
    else:
        expected = cross_val_predict(logreg(), X, y, cv=cv)
    np.testing.assert_array_equal(issues["suggested_label"], expected)


@pytest.mark.parametrize("user_weight", [False, True], ids=["unweighted", "weighted"])
def test_reweight_in_pipeline_multiplies_by_quality(noisy_blobs, user_weight):
    X, y, _, _ = noisy_blobs
    sample_weight = (
        np.random.RandomState(0).uniform(0.5, 2.0, size=len(y)) if user_weight else None
    )

    pipe = _pipeline("reweight")
    pipe.fit(X, y, lossrankfilter__sample_weight=sample_weight)
    issues = pipe[-1].label_issues_
    is_issue = issues["is_label_issue"].to_numpy()
    base = np.ones(len(y)) if sample_weight is None else sample_weight
    expected = base * np.where(is_issue, issues["label_quality"].to_numpy(), 1.0)
    spy = pipe[-1].estimator_

    assert is_issue.sum() == 15
    np.testing.assert_array_equal(spy.fit_y_, y)
    np.testing.assert_allclose(spy.fit_sample_weight_, expected)
    np.testing.assert_array_equal(spy.fit_sample_weight_[~is_issue], base[~is_issue])
    assert np.all(spy.fit_sample_weight_[is_issue] < base[is_issue])


def test_user_weights_reach_the_ranker(blobs_scaled):
    X, y, _, _ = blobs_scaled
    sample_weight = np.where(np.arange(len(y)) % 2 == 0, 0.1, 3.0)

    plain = LossRankFilter(logreg(), logreg(), fraction=0.1).fit(X, y)
    weighted = LossRankFilter(logreg(), logreg(), fraction=0.1).fit(
        X, y, sample_weight=sample_weight
    )
    by_hand = logreg().fit(X, y, sample_weight=sample_weight)

    assert not np.allclose(plain.sample_scores_, weighted.sample_scores_)
    np.testing.assert_array_equal(
        weighted.label_issues_["suggested_label"], by_hand.predict(X)
    )


def test_grid_search_over_fraction_and_action(noisy_blobs):
    X, y, _, y_true = noisy_blobs
    pipe = make_pipeline(
        StandardScaler(),
        LossRankFilter(logreg(), tiny_net(lr=1e-2), warmup_epochs=10),
    )
    grid = {
        "lossrankfilter__fraction": [0.1, "auto"],
        "lossrankfilter__action": ["drop", "relabel", "reweight"],
    }

    # Default scoring, as a user would write it: it calls pipe.score.
    search = GridSearchCV(pipe, grid, cv=3, error_score="raise").fit(X, y)

    assert len(search.cv_results_["params"]) == 6
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    best = search.best_estimator_[-1]
    assert best.action == search.best_params_["lossrankfilter__action"]
    assert best.fraction == search.best_params_["lossrankfilter__fraction"]
    assert search.score(X, y_true) > 0.7


# ---------------------------------------------------------------- parallel


class ConfigEchoRanker(ClassifierMixin, BaseEstimator):
    """Ranker whose probabilities reveal scikit-learn's ``assume_finite`` setting."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        first = 0.9 if get_config()["assume_finite"] else 0.6
        n_classes = len(self.classes_)
        proba = np.full((len(X), n_classes), (1 - first) / (n_classes - 1))
        proba[:, 0] = first
        return proba


def test_parallel_folds_give_same_scores(blobs_scaled):
    X, y, _, _ = blobs_scaled

    def fit(n_jobs):
        cleaner = LossRankFilter(
            tiny_net(), tiny_net(lr=1e-2), warmup_epochs=5, cv=3, n_jobs=n_jobs
        )
        return cleaner.fit(X, y)

    serial, parallel = fit(None), fit(2)

    pd.testing.assert_frame_equal(serial.label_issues_, parallel.label_issues_)
    np.testing.assert_array_equal(serial.sample_scores_, parallel.sample_scores_)


def test_parallel_folds_see_the_callers_sklearn_config(noisy_blobs):
    X, y, _, _ = noisy_blobs
    cleaner = LossRankFilter(logreg(), ConfigEchoRanker(), fraction=0.1, cv=3)

    with config_context(assume_finite=True):
        serial = clone(cleaner).fit(X, y).sample_scores_
        parallel = clone(cleaner).set_params(n_jobs=2).fit(X, y).sample_scores_

    np.testing.assert_array_equal(parallel, serial)


# ------------------------------------------------- drop and relabel safety


def test_min_examples_per_class_keeps_the_least_suspicious_rows():
    X, y = class_c_claimed_as_a()
    cleaner = LossRankFilter(
        logreg(), ClaimedClassModel(), fraction=1 / 3, min_examples_per_class=3
    )

    issues = cleaner.find_label_issues(X, y)
    is_c = y == "c"
    assert int((is_c & ~issues["is_label_issue"].to_numpy()).sum()) == 3
    assert not issues["is_label_issue"][~is_c].any()


@pytest.mark.parametrize("action", ["drop", "relabel"])
def test_emptying_a_class_is_refused_naming_it(action):
    X, y = class_c_claimed_as_a()
    # min_examples_per_class=0 lets the cut take a whole class; the action
    # must then refuse rather than fit a model that cannot predict it.
    cleaner = LossRankFilter(
        logreg(),
        ClaimedClassModel(),
        fraction=1 / 3,
        action=action,
        min_examples_per_class=0,
    )

    issues = cleaner.find_label_issues(X, y)
    np.testing.assert_array_equal(issues["is_label_issue"], y == "c")
    np.testing.assert_array_equal(issues["suggested_label"], np.where(y == "c", "a", y))
    verb = "remove" if action == "drop" else "relabel"
    with pytest.raises(ValueError, match=rf"{verb} every row of class 'c'") as info:
        cleaner.fit(X, y)
    assert "all 20 rows flagged" in str(info.value)
    assert "'a'" not in str(info.value)
    assert "'b'" not in str(info.value)
    assert not hasattr(cleaner, "estimator_")


def test_auto_cut_leaves_every_class_a_row_on_random_labels():
    # Labels with no signal: the ranker predicts one class, so every row of
    # the other is mispredicted and high-loss. A cut that flags all 41 of them
    # makes a plain fit raise on valid data (most of the sklearn checks above
    # fail this way); an automatic cut must not wipe out a class.
    rng = np.random.RandomState(1)
    X, y = rng.normal(size=(100, 2)), rng.randint(0, 2, 100)

    cleaner = LossRankFilter(logreg()).fit(X, y)

    kept = y[~cleaner.label_issues_["is_label_issue"].to_numpy()]
    assert set(kept) == {0, 1}


def test_confident_ranker_with_zero_probabilities_gives_finite_scores():
    # LogisticRegression.predict_log_proba is log(predict_proba), -inf where a
    # probability underflows; the scores must stay finite (as the clipped
    # predict_proba path makes them) and the auto cut must not crash.
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(-5, 1, (50, 2)), rng.normal(5, 1, (50, 2))])
    y = np.repeat([0, 1], 50)
    y[[0, 1, 60]] = 1 - y[[0, 1, 60]]
    ranker = LogisticRegression(C=1e6, max_iter=10000)

    # Three wrong labels out of 100 make no high-loss group for the cut.
    with pytest.warns(SknoisyWarning, match="flagged none of the 100 rows"):
        cleaner = LossRankFilter(logreg(), ranker, cv=3).fit(X, y)

    assert np.all(np.isfinite(cleaner.sample_scores_))
    assert cleaner.label_issues_["label_quality"].between(0, 1).all()
    top = np.argsort(-cleaner.sample_scores_, kind="stable")[:3]
    np.testing.assert_array_equal(np.sort(top), [0, 1, 60])


# ---------------------------------------------------------------- imblearn


def test_cleaner_in_middle_of_imblearn_pipeline(noisy_blobs):
    X, y, _, _ = noisy_blobs
    pipe = ImbPipeline(
        [
            ("clean", LossRankFilter(LogisticRegression(), fraction=0.1)),
            ("clf", SpyClassifier()),
        ]
    )

    pipe.fit(X, y)
    cleaner = pipe.named_steps["clean"]

    assert n_flagged(cleaner.label_issues_) == 15
    assert len(pipe.named_steps["clf"].fit_y_) == len(y) - 15
    assert not hasattr(cleaner, "estimator_")
    assert pipe.score(X, y) > 0.6


def test_fit_resample_refuses_reweight(noisy_blobs):
    X, y, _, _ = noisy_blobs

    with pytest.raises(ValueError, match="reweight"):
        LossRankFilter(logreg(), action="reweight").fit_resample(X, y)


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("fraction", -0.1),
        ("fraction", 0),
        ("fraction", 1),
        ("fraction", 1.5),
        ("fraction", "half"),
        ("fraction", None),
        ("threshold", 0.0),
        ("threshold", 1.0),
        ("threshold", "high"),
        ("rank_by", "entropy"),
        ("warmup_epochs", 0),
        ("warmup_epochs", 2.5),
        ("average_epochs", "yes"),
        ("action", "delete"),
        ("cv", "five"),
    ],
    ids=[
        "fraction-negative",
        "fraction-zero",
        "fraction-one",
        "fraction-big",
        "fraction-string",
        "fraction-none",
        "threshold-zero",
        "threshold-one",
        "threshold-string",
        "rank-by",
        "warmup-zero",
        "warmup-float",
        "average-epochs",
        "action",
        "cv",
    ],
)
def test_bad_parameter_is_rejected(noisy_blobs, param, value):
    X, y, _, _ = noisy_blobs
    cleaner = LossRankFilter(logreg()).set_params(**{param: value})

    with pytest.raises(InvalidParameterError, match=re.escape(param)) as info:
        cleaner.fit(X, y)
    assert f"Got {value!r}" in str(info.value)
    with pytest.raises(ValueError, match=re.escape(param)):
        cleaner.find_label_issues(X, y)
    assert not hasattr(cleaner, "label_issues_")


@pytest.mark.parametrize(
    ("make_cleaner", "named"),
    [
        (lambda: LossRankFilter(tiny_net(), warmup_epochs="auto"), "estimator"),
        (
            lambda: LossRankFilter(
                MemorizationStopper(tiny_net()), logreg(), warmup_epochs="auto"
            ),
            "ranker",
        ),
    ],
    ids=["estimator", "ranker"],
)
def test_auto_warmup_needs_a_stopper(blobs_scaled, make_cleaner, named):
    X, y, _, _ = blobs_scaled

    with pytest.raises(ValueError, match="MemorizationStopper") as info:
        make_cleaner().fit(X, y)
    assert f"the {named} is a" in str(info.value)


@pytest.mark.parametrize(
    "make_cleaner",
    [
        lambda: LossRankFilter(logreg(), ranker=LinearSVC()),
        lambda: LossRankFilter(LinearSVC()),
    ],
    ids=["ranker", "estimator-as-ranker"],
)
def test_ranker_without_predict_proba_is_rejected(noisy_blobs, make_cleaner):
    X, y, _, _ = noisy_blobs

    with pytest.raises(TypeError, match=r"LinearSVC has no predict_proba"):
        make_cleaner().fit(X, y)


def test_y_none_and_single_class_are_rejected(noisy_blobs):
    X, _, _, _ = noisy_blobs

    with pytest.raises(ValueError, match="requires y"):
        LossRankFilter(logreg()).fit(X, None)
    with pytest.raises(ValueError, match="at least 2 classes"):
        LossRankFilter(logreg()).fit(X, np.zeros(len(X), dtype=int))


# -------------------------------------------------------- warmup "auto"


@pytest.mark.parametrize(
    ("lr", "onset_found"),
    [(1e-2, True), (1e-3, False)],
    ids=["memorization-epoch", "best-epoch-fallback"],
)
@pytest.mark.parametrize("via", ["estimator", "ranker"])
def test_auto_warmup_takes_the_stoppers_epoch(digits_scaled, lr, onset_found, via):
    X, y = digits_scaled
    X = X[:600]
    y_noisy, _ = inject_label_noise(y[:600], 0.2, random_state=0)
    stopper = MemorizationStopper(
        tiny_net(lr=lr), max_epochs=30, patience=5, random_state=0
    )
    reference = clone(stopper).fit(X, y_noisy)
    if via == "estimator":
        cleaner = LossRankFilter(stopper, warmup_epochs="auto")
    else:
        cleaner = LossRankFilter(logreg(), stopper, warmup_epochs="auto")

    cleaner.fit(X, y_noisy)

    onset = reference.memorization_epoch_
    # measured: onset 4 at lr=1e-2; none at lr=1e-3, best epoch 30
    assert (onset is not None) == onset_found
    expected = onset if onset is not None else reference.best_epoch_
    assert cleaner.n_warmup_epochs_ == expected
    # Warm-up ran the network itself, not the stopper: the same scores as
    # a fixed warm-up of that many epochs.
    fixed = LossRankFilter(logreg(), tiny_net(lr=lr), warmup_epochs=expected)
    np.testing.assert_array_equal(
        cleaner.sample_scores_, fixed.fit(X, y_noisy).sample_scores_
    )


# ------------------------------------------------------------ label_issues_


def test_label_issues_table_layout(noisy_blobs):
    X, y, _, _ = noisy_blobs

    cleaner = LossRankFilter(logreg(), fraction=0.2, cv=3).fit(X, y)
    issues = cleaner.label_issues_

    assert list(issues.columns) == COLUMNS
    assert len(issues) == len(y) == len(cleaner.sample_scores_)
    pd.testing.assert_index_equal(issues.index, pd.RangeIndex(len(y)))
    np.testing.assert_array_equal(issues["given_label"].to_numpy(), y)
    assert issues["is_label_issue"].dtype == bool
    assert issues["label_quality"].between(0, 1).all()
    # The cut takes the least clean rows: every flagged row looks worse than
    # every kept one.
    flagged = issues["is_label_issue"]
    assert n_flagged(issues) == 30
    assert (
        issues.loc[flagged, "label_quality"].max()
        <= issues.loc[~flagged, "label_quality"].min()
    )


@pytest.mark.parametrize(
    "make_index",
    [
        lambda n: pd.Index([f"row{i}" for i in range(n)]),
        lambda n: pd.Index(np.random.RandomState(0).permutation(n) + 1000),
    ],
    ids=["string-index", "shuffled-int-index"],
)
@pytest.mark.parametrize("cv", [None, 3], ids=["in-sample", "cv3"])
def test_label_issues_take_dataframe_index(blobs_scaled, make_index, cv):
    X, y, _, _ = blobs_scaled
    index = make_index(len(y))
    X_df = pd.DataFrame(X, columns=["a", "b"], index=index)

    cleaner = LossRankFilter(
        logreg(), tiny_net(lr=1e-2), warmup_epochs=5, cv=cv, fraction=0.1
    ).fit(X_df, y)
    reference = LossRankFilter(
        logreg(), tiny_net(lr=1e-2), warmup_epochs=5, cv=cv, fraction=0.1
    ).fit(X, y)
    issues = cleaner.label_issues_

    pd.testing.assert_index_equal(issues.index, index)
    np.testing.assert_array_equal(issues["given_label"].to_numpy(), y)
    np.testing.assert_array_equal(cleaner.feature_names_in_, ["a", "b"])
    np.testing.assert_array_equal(issues.to_numpy(), reference.label_issues_.to_numpy())
    np.testing.assert_array_equal(
        cleaner.predict(X_df), cleaner.estimator_.predict(X_df)
    )


@pytest.mark.parametrize(
    "names",
    [np.array(["cat", "dog", "eel"]), np.array([3, 7, 20])],
    ids=["strings", "int-gaps"],
)
@pytest.mark.parametrize("action", ["drop", "relabel"])
def test_labels_of_any_type_end_to_end(blobs_scaled, names, action):
    X, codes, _, _ = blobs_scaled
    y = names[codes]

    cleaner = LossRankFilter(
        tiny_net(lr=1e-2), warmup_epochs=10, fraction=0.1, action=action
    ).fit(X, y)
    by_codes = LossRankFilter(
        tiny_net(lr=1e-2), warmup_epochs=10, fraction=0.1, action=action
    ).fit(X, codes)
    issues = cleaner.label_issues_

    np.testing.assert_array_equal(cleaner.classes_, names)
    np.testing.assert_array_equal(cleaner.estimator_.classes_, names)
    np.testing.assert_array_equal(issues["given_label"].to_numpy(), y)
    # The labels' names change nothing but the names.
    np.testing.assert_array_equal(
        issues["suggested_label"].to_numpy(),
        names[by_codes.label_issues_["suggested_label"].to_numpy()],
    )
    np.testing.assert_array_equal(cleaner.sample_scores_, by_codes.sample_scores_)
    np.testing.assert_array_equal(cleaner.predict(X), names[by_codes.predict(X)])
    assert cleaner.predict(X).dtype == names.dtype


def test_find_label_issues_matches_fit_and_fits_nothing(blobs_scaled):
    X, y, _, _ = blobs_scaled

    fitted = LossRankFilter(tiny_net(), warmup_epochs=5).fit(X, y)
    cleaner = LossRankFilter(tiny_net(), warmup_epochs=5)
    table = cleaner.find_label_issues(X, y)

    pd.testing.assert_frame_equal(table, fitted.label_issues_)
    for name in ["label_issues_", "estimator_", "sample_scores_", "n_warmup_epochs_"]:
        assert not hasattr(cleaner, name), name
    with pytest.raises(NotFittedError):
        cleaner.predict(X)


def test_find_label_issues_leaves_fitted_cleaner_unchanged(noisy_blobs):
    X, y, _, _ = noisy_blobs
    cleaner = LossRankFilter(logreg(), fraction=0.1).fit(X, y)
    before = {k: v for k, v in vars(cleaner).items() if k.endswith("_")}

    table = cleaner.find_label_issues(X[:90], y[:90])

    assert len(table) == 90
    after = {k: v for k, v in vars(cleaner).items() if k.endswith("_")}
    assert after.keys() == before.keys()
    for name, value in before.items():
        assert after[name] is value, name


@pytest.mark.parametrize("cv", [None, 3], ids=["in-sample", "cv3"])
def test_two_fits_with_same_seeds_agree(blobs_scaled, cv):
    X, y, _, _ = blobs_scaled

    def fit():
        ranker = tiny_net(lr=1e-2)
        return LossRankFilter(tiny_net(), ranker, warmup_epochs=5, cv=cv).fit(X, y)

    first, second = fit(), fit()

    pd.testing.assert_frame_equal(first.label_issues_, second.label_issues_)
    np.testing.assert_array_equal(first.sample_scores_, second.sample_scores_)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))


def test_pickle_round_trip(blobs_scaled):
    X, y, _, _ = blobs_scaled
    cleaner = LossRankFilter(tiny_net(), warmup_epochs=5, fraction=0.1).fit(X, y)

    restored = pickle.loads(pickle.dumps(cleaner))

    np.testing.assert_array_equal(restored.predict_proba(X), cleaner.predict_proba(X))
    pd.testing.assert_frame_equal(restored.label_issues_, cleaner.label_issues_)
    np.testing.assert_array_equal(restored.sample_scores_, cleaner.sample_scores_)
    assert restored.n_warmup_epochs_ == 5


def test_clone_of_fitted_cleaner_refits_identically(blobs_scaled):
    X, y, _, _ = blobs_scaled
    cleaner = LossRankFilter(tiny_net(), warmup_epochs=5, fraction=0.1).fit(X, y)

    copy = clone(cleaner)

    for name in ["label_issues_", "estimator_", "sample_scores_"]:
        assert not hasattr(copy, name), name
    copy.fit(X, y)
    np.testing.assert_array_equal(copy.predict_proba(X), cleaner.predict_proba(X))
    pd.testing.assert_frame_equal(copy.label_issues_, cleaner.label_issues_)


def test_user_estimators_are_left_alone(blobs_scaled):
    X, y, _, _ = blobs_scaled
    estimator, ranker = tiny_net(), tiny_net(lr=1e-2)
    params = (estimator.get_params(), ranker.get_params())

    cleaner = LossRankFilter(estimator, ranker, warmup_epochs=3).fit(X, y)

    assert cleaner.estimator is estimator and cleaner.ranker is ranker
    assert (estimator.get_params(), ranker.get_params()) == params
    assert not hasattr(estimator, "net_") and not hasattr(ranker, "net_")
    assert cleaner.estimator_ is not estimator


# ------------------------------------------------------------------ ranker


def test_logreg_ranker_out_of_fold_flags_most_flips(digits_half):
    X, y_noisy, is_flipped = digits_half

    cleaner = LossRankFilter(tiny_net(), logreg(), cv=5)
    issues = cleaner.find_label_issues(X, y_noisy)
    scores = detection_scores(
        is_flipped, issues["is_label_issue"], issues["label_quality"]
    )

    # measured on 900 rows, seeds 0 / 1: recall 0.828 / 0.911, precision
    # 0.784 / 0.624, auroc 0.956 / 0.947
    assert scores["recall"] > 0.75
    assert scores["precision"] > 0.55
    assert scores["auroc"] > 0.88

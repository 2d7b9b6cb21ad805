"""The trusted subset: fine-tuning, cleaners that spare it, and its scorer."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from _helpers import SpyClassifier, logreg, tiny_net
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GridSearchCV, cross_validate, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknoisy import (
    ConfidentCleaner,
    LossRankFilter,
    MemorizationStopper,
    SmoothedNetClassifier,
    inject_label_noise,
    trusted_scorer,
)
from sknoisy._trusted import check_trusted


class TrustedSpy(SpyClassifier):
    """A spy whose fit also takes, and remembers, a trusted mask."""

    def fit(self, X, y, sample_weight=None, trusted=None):
        self.fit_trusted_ = None if trusted is None else np.asarray(trusted)
        return super().fit(X, y, sample_weight=sample_weight)


def every_tenth(n_rows):
    mask = np.zeros(n_rows, dtype=bool)
    mask[::10] = True
    return mask


@pytest.fixture(scope="module")
def noisy_digits(digits_scaled):
    """Digits with 40 % symmetric noise, a checked 10 % and a clean test split.

    Returns ``(X, y_given, trusted, X_test, y_test)``; the trusted rows carry
    their true labels.
    """
    X, y = digits_scaled
    X, X_test, y, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    y_noisy, _ = inject_label_noise(y, 0.4, random_state=0)
    rows = np.arange(len(y))
    checked, _ = train_test_split(rows, train_size=0.1, stratify=y, random_state=0)
    trusted = np.isin(rows, checked)
    return X, np.where(trusted, y, y_noisy), trusted, X_test, y_test


# ------------------------------------------------------------ the mask


@pytest.mark.parametrize(
    ("mask", "error", "match"),
    [
        (np.ones(9, dtype=bool), ValueError, "9 entries but the data has 10 rows"),
        (np.arange(10) % 2, TypeError, "boolean mask.*int64.*np.isin"),
        (np.array([0, 3, 7]), TypeError, "boolean mask"),
        (np.ones((10, 1), dtype=bool), ValueError, "1-D.*shape \\(10, 1\\)"),
        (
            pd.Series([True, None] * 5, dtype="boolean"),
            ValueError,
            "5 missing value",
        ),
    ],
    ids=["wrong-length", "zero-one-ints", "positions", "2-d", "missing"],
)
def test_bad_masks_are_refused_with_the_reason(mask, error, match):
    with pytest.raises(error, match=match):
        check_trusted(mask, 10)


@pytest.mark.parametrize(
    "mask",
    [
        [True, False] * 5,
        pd.Series([True, False] * 5, index=range(100, 110)),
        pd.Series([True, False] * 5, dtype="boolean"),
        np.array([True, False] * 5, dtype=object),
    ],
    ids=["list", "series-other-index", "nullable-boolean", "object-bools"],
)
def test_boolean_masks_of_any_container_are_accepted(mask):
    checked = check_trusted(mask, 10)
    assert checked.dtype == bool
    assert checked.tolist() == [True, False] * 5


def test_a_series_mask_is_aligned_on_the_index_of_the_data(noisy_digits):
    X, y, trusted, _, _ = noisy_digits
    frame = pd.DataFrame(X, index=np.arange(len(y)) * 7 + 3)
    mask = pd.Series(trusted, index=frame.index)
    shuffled = mask.sample(frac=1.0, random_state=0)
    cleaner = ConfidentCleaner(logreg(), cv=3)
    aligned = cleaner.fit(frame, y, trusted=shuffled).label_issues_
    in_order = ConfidentCleaner(logreg(), cv=3).fit(frame, y, trusted=trusted)
    pd.testing.assert_frame_equal(aligned, in_order.label_issues_)

    other = pd.Series(trusted, index=np.arange(len(y)))
    with pytest.raises(ValueError, match="index does not hold the same labels"):
        cleaner.fit(frame, y, trusted=other)


# ------------------------------------------------------------ the network


def test_fit_with_trusted_fine_tunes_after_the_main_training(iris_scaled):
    X, y = iris_scaled
    net = tiny_net(max_epochs=10, finetune_epochs=7).fit(
        X, y, trusted=every_tenth(len(y))
    )
    assert net.n_finetune_epochs_ == 7
    assert net.n_epochs_ == 17
    assert len(net.loss_curve_) == 17

    plain = tiny_net(max_epochs=10, finetune_epochs=7).fit(X, y)
    assert plain.n_finetune_epochs_ == 0
    assert plain.n_epochs_ == 10


def test_fine_tuning_on_checked_rows_beats_none_under_heavy_noise(noisy_digits):
    X, y, trusted, X_test, y_test = noisy_digits
    params = {"hidden_layer_sizes": (64,), "max_epochs": 60, "random_state": 0}
    plain = SmoothedNetClassifier(**params).fit(X, y)
    tuned = SmoothedNetClassifier(**params).fit(X, y, trusted=trusted)
    assert tuned.score(X_test, y_test) > plain.score(X_test, y_test) + 0.02


def test_fine_tune_method_equals_fit_with_trusted(iris_scaled):
    X, y = iris_scaled
    trusted = every_tenth(len(y))
    params = {"max_epochs": 8, "finetune_epochs": 5}
    at_once = tiny_net(**params).fit(X, y, trusted=trusted)
    in_two = tiny_net(**params).fit(X, y).fine_tune(X[trusted], y[trusted])
    np.testing.assert_allclose(
        at_once.predict_proba(X), in_two.predict_proba(X), rtol=1e-5, atol=1e-6
    )
    assert in_two.n_epochs_ == 13


def test_finetune_lr_is_used_and_then_restored(iris_scaled):
    X, y = iris_scaled
    trusted = every_tenth(len(y))
    frozen = tiny_net(max_epochs=5, finetune_lr=1e-12).fit(X, y)
    before = frozen.predict_proba(X)
    frozen.fine_tune(X[trusted], y[trusted])
    # A learning rate of 1e-12 leaves the network where it was...
    np.testing.assert_allclose(frozen.predict_proba(X), before, atol=1e-6)
    # ...and the main learning rate is back for the next epoch.
    assert [g["lr"] for g in frozen.net_.optimizer_.param_groups] == [frozen.lr]
    frozen.partial_fit(X, y)
    assert not np.allclose(frozen.predict_proba(X), before, atol=1e-4)


def test_finetune_epochs_zero_turns_fine_tuning_off(iris_scaled):
    X, y = iris_scaled
    trusted = np.zeros(len(y), dtype=bool)
    trusted[:5] = True  # class 0 only: fine, nothing is fine-tuned
    net = tiny_net(max_epochs=5, finetune_epochs=0).fit(X, y, trusted=trusted)
    assert net.n_finetune_epochs_ == 0
    assert net.n_epochs_ == 5


def test_a_class_without_trusted_rows_is_named(iris_scaled):
    X, y = iris_scaled
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    trusted = labels != "virginica"
    with pytest.raises(ValueError, match=r"no trusted rows of class \['virginica'\]"):
        tiny_net(max_epochs=2).fit(X, labels, trusted=trusted)


def test_fine_tune_errors_leave_the_network_as_it_was(iris_scaled):
    X, y = iris_scaled
    net = tiny_net(max_epochs=3).fit(X, y)
    before = net.predict_proba(X)
    with pytest.raises(ValueError, match=r"class \[2\].*add checked rows"):
        net.fine_tune(X[y < 2], y[y < 2])
    with pytest.raises(ValueError, match="7"):
        net.fine_tune(X[:3], [0, 1, 7])
    assert net.n_epochs_ == 3
    np.testing.assert_array_equal(net.predict_proba(X), before)


def test_fine_tune_needs_a_fitted_network(iris_scaled):
    X, y = iris_scaled
    with pytest.raises(sklearn.exceptions.NotFittedError):
        tiny_net().fine_tune(X, y)


@pytest.mark.parametrize(
    ("params", "match"),
    [({"finetune_epochs": -1}, "finetune_epochs"), ({"finetune_lr": 0}, "finetune_lr")],
    ids=["negative-epochs", "zero-lr"],
)
def test_bad_fine_tuning_parameters_are_refused(iris_scaled, params, match):
    X, y = iris_scaled
    with pytest.raises(ValueError, match=match):
        tiny_net(**params).fit(X, y, trusted=every_tenth(len(y)))


def test_stopper_fine_tunes_the_kept_model(iris_scaled):
    X, y = iris_scaled
    stopper = MemorizationStopper(
        tiny_net(finetune_epochs=4), max_epochs=15, random_state=0
    ).fit(X, y, trusted=every_tenth(len(y)))
    assert stopper.estimator_.n_finetune_epochs_ == 4
    assert stopper.estimator_.n_epochs_ == stopper.best_epoch_ + 4


def test_stopper_refuses_trusted_rows_it_cannot_fine_tune_on(iris_scaled):
    X, y = iris_scaled
    stopper = MemorizationStopper(SGDClassifier(loss="log_loss"), max_epochs=3)
    with pytest.raises(TypeError, match="SGDClassifier has none"):
        stopper.fit(X, y, trusted=every_tenth(len(y)))
    assert not hasattr(stopper, "estimator_")


# ------------------------------------------------------------ the cleaners


@pytest.mark.parametrize(
    "make_cleaner",
    [
        lambda est: ConfidentCleaner(est, cv=3),
        lambda est: LossRankFilter(est, fraction=0.2),
    ],
    ids=["confident", "loss-rank"],
)
@pytest.mark.parametrize("action", ["drop", "relabel", "reweight"])
def test_cleaners_never_act_on_trusted_rows(noisy_digits, make_cleaner, action):
    X, y, _, _, _ = noisy_digits
    suspects = make_cleaner(logreg()).find_label_issues(X, y)["is_label_issue"]
    assert suspects.sum() > 50
    # Trust half of the rows the cleaner would have flagged.
    trusted = suspects.to_numpy() & (np.arange(len(y)) % 2 == 0)

    cleaner = make_cleaner(TrustedSpy()).set_params(action=action)
    cleaner.fit(X, y, trusted=trusted)
    issues = cleaner.label_issues_
    assert not issues["is_label_issue"][trusted].any()
    np.testing.assert_array_equal(issues["suggested_label"][trusted], y[trusted])

    spy = cleaner.estimator_
    kept = ~issues["is_label_issue"].to_numpy() if action == "drop" else slice(None)
    # The final estimator gets the mask of exactly the rows it is fitted on,
    # with their given labels.
    np.testing.assert_array_equal(spy.fit_trusted_, trusted[kept])
    np.testing.assert_array_equal(spy.fit_y_[spy.fit_trusted_], y[trusted])
    if action == "reweight":
        assert np.all(spy.fit_sample_weight_[trusted] == 1.0)


def test_cleaner_fits_an_estimator_without_trusted_unchanged(noisy_digits):
    X, y, trusted, _, _ = noisy_digits
    cleaner = ConfidentCleaner(LogisticRegression(max_iter=300), cv=3)
    cleaner.fit(X, y, trusted=trusted)
    assert not cleaner.label_issues_["is_label_issue"][trusted].any()
    assert cleaner.score(X, y) > 0.5


def test_cleaner_mask_of_the_wrong_length_is_refused(noisy_digits):
    X, y, trusted, _, _ = noisy_digits
    cleaner = ConfidentCleaner(logreg(), cv=3)
    with pytest.raises(ValueError, match="ConfidentCleaner: the trusted mask has"):
        cleaner.fit(X, y, trusted=trusted[:-1])
    assert not hasattr(cleaner, "label_issues_")


def test_fit_resample_keeps_trusted_rows(noisy_digits):
    X, y, trusted, _, _ = noisy_digits
    cleaner = ConfidentCleaner(logreg(), cv=3)
    flagged = cleaner.find_label_issues(X, y)["is_label_issue"].to_numpy()
    protect = flagged & trusted | flagged & (np.arange(len(y)) % 3 == 0)
    X_new, _ = cleaner.fit_resample(X, y, trusted=protect)
    assert len(X_new) == len(y) - (flagged & ~protect).sum()


# ------------------------------------------------------------ Pipeline, search


def test_trusted_mask_through_a_pipeline(noisy_digits):
    X, y, trusted, _, _ = noisy_digits
    pipe = make_pipeline(
        StandardScaler(),
        ConfidentCleaner(tiny_net(finetune_epochs=3), detector=logreg(), cv=3),
    )
    pipe.fit(X, y, confidentcleaner__trusted=trusted)
    cleaner = pipe[-1]
    assert cleaner.estimator_.n_finetune_epochs_ == 3
    assert not cleaner.label_issues_["is_label_issue"][trusted].any()


def test_trusted_scorer_scores_only_trusted_rows():
    # The trusted rows are all class 0, the rest class 1: a model that always
    # predicts 0 is perfect on the trusted rows and poor on the others.
    X = np.arange(200, dtype=float).reshape(-1, 1)
    y = np.where(np.arange(200) % 4 == 0, 0, 1)
    trusted = y == 0
    model = DummyClassifier(strategy="constant", constant=0)
    with sklearn.config_context(enable_metadata_routing=True):
        scores = cross_validate(
            model,
            X,
            y,
            cv=4,
            scoring={"trusted": trusted_scorer(), "noisy": "accuracy"},
            params={"trusted": trusted},
        )
    np.testing.assert_array_equal(scores["test_trusted"], 1.0)
    assert np.all(scores["test_noisy"] < 0.3)
    assert np.mean(scores["test_noisy"]) == pytest.approx(0.25)


def test_trusted_scorer_passes_other_scoring_options():
    X = np.zeros((8, 1))
    y = np.array([0, 1] * 4)
    model = DummyClassifier(strategy="constant", constant=1).fit(X, y)
    scorer = trusted_scorer("balanced_accuracy")
    trusted = np.array([True] * 4 + [False] * 4)
    assert scorer(model, X, y, trusted=trusted) == 0.5
    assert repr(scorer) == "trusted_scorer('balanced_accuracy')"


def test_trusted_scorer_explains_how_to_route_the_mask(iris_scaled):
    X, y = iris_scaled
    # Without routing the mask never arrives: every fold's score is NaN, and
    # scikit-learn's warning carries the scorer's explanation.
    with pytest.warns(UserWarning, match="enable_metadata_routing=True"):
        scores = cross_validate(logreg(), X, y, cv=2, scoring=trusted_scorer())
    assert np.all(np.isnan(scores["test_score"]))


def test_trusted_scorer_refuses_a_fold_without_trusted_rows():
    model = DummyClassifier().fit(np.zeros((4, 1)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="none of the 4 evaluation rows"):
        trusted_scorer()(model, np.zeros((4, 1)), [0, 1, 0, 1], trusted=[False] * 4)


class _Recorder(TrustedSpy):
    """A trusted spy that also records, across clones, what each fit got."""

    seen: list = []

    def fit(self, X, y, sample_weight=None, trusted=None):
        self.seen.append((sample_weight is not None, trusted is not None))
        return super().fit(X, y, sample_weight=sample_weight, trusted=trusted)


def test_grid_search_routes_weights_and_mask_through_a_pipeline(noisy_digits):
    X, y, trusted, _, _ = noisy_digits
    weight = np.ones(len(y))
    _Recorder.seen = []
    with sklearn.config_context(enable_metadata_routing=True):
        cleaner = ConfidentCleaner(
            _Recorder().set_fit_request(sample_weight=True, trusted=True),
            detector=logreg(),
            cv=3,
        ).set_fit_request(sample_weight=True)
        search = GridSearchCV(
            make_pipeline(
                StandardScaler().set_fit_request(sample_weight=False), cleaner
            ),
            {"confidentcleaner__action": ["drop", "reweight"]},
            scoring=trusted_scorer(),
            cv=3,
        ).fit(X, y, sample_weight=weight, trusted=trusted)
    # 2 candidates x 3 folds, plus the refit: every final fit got both.
    assert _Recorder.seen == [(True, True)] * 7
    assert search.best_params_["confidentcleaner__action"] in ("drop", "reweight")


@pytest.mark.slow
def test_grid_search_with_trusted_scorer_picks_fine_tuning(noisy_digits):
    X, y, trusted, X_test, y_test = noisy_digits
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            SmoothedNetClassifier(hidden_layer_sizes=(64,), random_state=0),
            {"finetune_epochs": [0, 50], "max_epochs": [60]},
            scoring=trusted_scorer(),
            cv=3,
        ).fit(X, y, trusted=trusted)
    assert search.best_params_["finetune_epochs"] == 50
    assert search.best_estimator_.score(X_test, y_test) > 0.85


def test_divergence_in_fine_tuning_names_finetune_lr(iris_scaled):
    X, y = iris_scaled
    net = tiny_net(max_epochs=2, optimizer="sgd", finetune_lr=1e30)
    with pytest.raises(ValueError, match=r"Lower finetune_lr \(now 1e\+30\)"):
        net.fit(X, y, trusted=every_tenth(len(y)))
    assert not hasattr(net, "net_")

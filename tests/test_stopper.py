"""Tests for sknoisy._stopper.MemorizationStopper and plot_loss_curves."""

import pickle
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknoisy import (
    ConfidentCleaner,
    MemorizationStopper,
    SmoothedNetClassifier,
    inject_label_noise,
    plot_loss_curves,
)
from sknoisy._stopper import _EarlyStopping


def sgd(**params):
    return SGDClassifier(**({"loss": "log_loss", "random_state": 0} | params))


def tiny_net(**params):
    """A net small enough for dozens of epochs in well under a second."""
    defaults = {"hidden_layer_sizes": (8,), "lr": 0.01, "batch_size": 32}
    return SmoothedNetClassifier(**(defaults | {"random_state": 0} | params))


class NoWeightSGD(SGDClassifier):
    """SGDClassifier whose partial_fit takes no sample_weight."""

    def partial_fit(self, X, y, classes=None):
        return super().partial_fit(X, y, classes=classes)


@pytest.fixture(scope="module")
def memorising_fit():
    """A wide net on 40 % noisy digits: validation loss turns up early.

    Returns ``(stopper, X_val, y_val)``; the validation rows are explicit
    so that the training rows are all of ``X``.
    """
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)[:600]
    y_noisy, _ = inject_label_noise(y[:600], 0.4, random_state=0)
    X_train, X_val, y_train, y_val = train_test_split(
        X, y_noisy, test_size=0.25, stratify=y_noisy, random_state=0
    )
    net = SmoothedNetClassifier((256,), lr=3e-3, batch_size=32, random_state=0)
    stopper = MemorizationStopper(net, max_epochs=60, patience=8)
    stopper.fit(X_train, y_train, validation_data=(X_val, y_val))
    return stopper, X_train, y_train, X_val, y_val


# -------------------------------------------------------- sklearn's checks


def expected_failed_checks(estimator):
    reason = (
        "the stratified hold-out is drawn from the rows, so repeating a row "
        "instead of weighting it changes which rows are held out"
    )
    failures = {"check_sample_weight_equivalence_on_dense_data": reason}
    if get_tags(estimator).input_tags.sparse:
        failures["check_sample_weight_equivalence_on_sparse_data"] = reason
    return failures


@parametrize_with_checks(
    [
        # The checks' data sets have 10 to 30 rows: hold out enough of them.
        MemorizationStopper(sgd(), validation_fraction=0.3, random_state=0),
        MemorizationStopper(
            tiny_net(),
            max_epochs=30,
            patience=5,
            validation_fraction=0.3,
            random_state=0,
        ),
    ],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# ------------------------------------------------------------ the estimator


def test_estimator_without_partial_fit():
    X, y = make_blobs(60, centers=2, random_state=0)
    with pytest.raises(TypeError, match="LogisticRegression has no partial_fit"):
        MemorizationStopper(LogisticRegression()).fit(X, y)


def test_estimator_without_predict_proba():
    X, y = make_blobs(60, centers=2, random_state=0)
    with pytest.raises(TypeError, match="SGDClassifier has no predict_proba"):
        MemorizationStopper(SGDClassifier(loss="hinge")).fit(X, y)


def test_partial_fit_without_sample_weight():
    X, y = make_blobs(60, centers=2, random_state=0)
    stopper = MemorizationStopper(NoWeightSGD(loss="log_loss"))
    with pytest.raises(TypeError, match="NoWeightSGD.partial_fit does not accept"):
        stopper.fit(X, y, sample_weight=np.ones(60))
    assert stopper.fit(X, y).n_epochs_ >= 1


def test_history_and_attributes(iris_scaled):
    X, y = iris_scaled
    stopper = MemorizationStopper(sgd(), max_epochs=15, random_state=0).fit(X, y)

    history = stopper.history_
    assert list(history.columns) == [
        "epoch",
        "train_loss",
        "valid_loss",
        "valid_accuracy",
    ]
    assert list(history["epoch"]) == list(range(1, stopper.n_epochs_ + 1))
    assert 1 <= stopper.best_epoch_ <= stopper.n_epochs_ <= 15
    best = history["valid_loss"].iloc[stopper.best_epoch_ - 1]
    assert best == pytest.approx(history["valid_loss"].min(), abs=stopper.tol)
    assert history["valid_accuracy"].between(0, 1).all()
    np.testing.assert_array_equal(stopper.classes_, [0, 1, 2])
    assert stopper.n_features_in_ == 4
    assert stopper.estimator_ is not stopper.estimator


def test_restore_best_returns_the_best_epochs_model(memorising_fit):
    stopper, X_train, y_train, X_val, _ = memorising_fit
    assert stopper.best_epoch_ < stopper.n_epochs_

    # The same seeded training, run by hand for best_epoch_ epochs.
    manual = clone(stopper.estimator)
    for _ in range(stopper.best_epoch_):
        manual.partial_fit(X_train, y_train, classes=stopper.classes_)

    np.testing.assert_array_equal(
        stopper.predict_proba(X_val), manual.predict_proba(X_val)
    )
    assert stopper.estimator_.n_epochs_ == stopper.best_epoch_


def test_restore_best_false_returns_the_last_epochs_model(iris_scaled):
    X, y = iris_scaled
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    stopper = MemorizationStopper(
        tiny_net(), max_epochs=8, patience=2, restore_best=False
    ).fit(X_train, y_train, validation_data=(X_val, y_val))

    assert stopper.estimator_.n_epochs_ == stopper.n_epochs_


def test_validation_data_replaces_the_hold_out(iris_scaled):
    X, y = iris_scaled
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    params = {"max_epochs": 6, "patience": 6, "random_state": 0}
    held_out = MemorizationStopper(sgd(), **params).fit(X_train, y_train)
    explicit = MemorizationStopper(sgd(), **params).fit(
        X_train, y_train, validation_data=(X_val, y_val)
    )

    assert explicit.n_epochs_ == len(explicit.history_) == 6
    # Every row of X trained: SGD's t_ counts one update per row per epoch.
    assert explicit.estimator_.t_ == 1 + explicit.best_epoch_ * len(X_train)
    best = explicit.history_.iloc[explicit.best_epoch_ - 1]
    assert best["valid_loss"] == pytest.approx(
        log_loss(y_val, explicit.predict_proba(X_val), labels=[0, 1, 2])
    )
    assert best["valid_accuracy"] == pytest.approx(explicit.score(X_val, y_val))
    assert not np.allclose(
        held_out.history_["valid_loss"], explicit.history_["valid_loss"]
    )


def test_validation_data_with_weights(iris_scaled):
    X, y = iris_scaled
    X_val, y_val = X[::3], y[::3]
    weights = np.where(y_val == 0, 0.0, 1.0)
    stopper = MemorizationStopper(sgd(), max_epochs=4, patience=4)
    stopper.fit(X, y, validation_data=(X_val, y_val, weights))

    kept = weights > 0
    best = stopper.history_["valid_loss"].iloc[stopper.best_epoch_ - 1]
    proba = stopper.predict_proba(X_val[kept])
    assert best == pytest.approx(log_loss(y_val[kept], proba, labels=[0, 1, 2]))


@pytest.mark.parametrize(
    ("validation_data", "match"),
    [
        ("not a tuple", "must be a tuple"),
        ((1, 2, 3, 4), "length 4"),
        ((np.zeros((5, 3)), np.zeros(5)), "3 features, but X has 4"),
        ((np.zeros((2, 4)), np.array([0, 7])), r"never occur in y: \[7\]"),
        (
            (np.zeros((2, 4)), np.zeros(3)),
            "validation_data: .*inconsistent numbers of samples",
        ),
        (
            (np.zeros(5), np.zeros(5)),
            r"validation_data: X_val must be 2-D .*got shape \(5,\).*reshape\(-1, 1\)",
        ),
        (
            (np.zeros((5, 4, 1)), np.zeros(5)),
            r"validation_data: X_val must be 2-D .*got shape \(5, 4, 1\)\.$",
        ),
        ((np.zeros((0, 4)), np.zeros(0)), "validation_data has 0 samples"),
        (
            (np.zeros((5, 4)), np.zeros(5), np.ones(3)),
            r"validation_data: sample_weight_val is not valid: .*expected \(5,\)",
        ),
        (
            (np.zeros((5, 4)), np.zeros(5), -np.ones(5)),
            "validation_data: sample_weight_val is not valid: Negative values",
        ),
    ],
    ids=[
        "not-a-tuple",
        "too-long",
        "feature-count",
        "unknown-label",
        "lengths",
        "one-d-X",
        "three-d-X",
        "empty",
        "weight-length",
        "negative-weight",
    ],
)
def test_bad_validation_data(iris_scaled, validation_data, match):
    X, y = iris_scaled
    with pytest.raises(ValueError, match=match):
        MemorizationStopper(sgd()).fit(X, y, validation_data=validation_data)


@pytest.mark.parametrize(
    ("n_rare", "validation_fraction", "message", "advice"),
    [
        (1, 0.1, "class 'rare' has 1 row", "A class needs 2 rows"),
        (
            3,
            0.1,
            "class 'rare' has 3 rows, 0 of them for validation and 3 for training",
            "Use a larger validation_fraction",
        ),
        (
            2,
            0.9,
            "class 'rare' has 2 rows, 2 of them for validation and 0 for training",
            "Use a smaller validation_fraction",
        ),
    ],
    ids=["one-row", "none-for-validation", "none-for-training"],
)
def test_validation_split_too_small_names_the_class(
    n_rare, validation_fraction, message, advice
):
    X, y = make_blobs(100, centers=2, random_state=0)
    y = np.where(y == 0, "common", "other").astype(object)
    y[:n_rare] = "rare"
    stopper = MemorizationStopper(
        sgd(), validation_fraction=validation_fraction, random_state=0
    )
    with pytest.raises(ValueError, match=message) as error:
        stopper.fit(X, y)
    assert advice in str(error.value)
    assert "validation_data=(X_val, y_val)" in str(error.value)


def test_validation_fraction_too_small_for_the_classes():
    X, y = make_blobs(20, centers=4, random_state=0)
    with pytest.raises(ValueError, match="holds out 2 of 20 rows.*4 classes") as error:
        MemorizationStopper(sgd()).fit(X, y)
    assert "Use a larger validation_fraction" in str(error.value)


@pytest.mark.parametrize(
    ("validation_fraction", "message"),
    [
        (0.99, "holds out 20 of 20 rows .*leaves 0 for training"),
        (0.9, "holds out 18 of 20 rows .*leaves 2 for training"),
    ],
    ids=["all-held-out", "too-few-left"],
)
def test_validation_fraction_too_large_for_the_classes(validation_fraction, message):
    X, y = make_blobs(20, centers=4, random_state=0)
    stopper = MemorizationStopper(sgd(), validation_fraction=validation_fraction)
    with pytest.raises(ValueError, match=message) as error:
        stopper.fit(X, y)
    assert "4 classes. Use a smaller validation_fraction" in str(error.value)
    assert "larger" not in str(error.value)


def test_hold_out_error_counts_the_rows_the_stopper_was_given():
    X, y = make_blobs(40, centers=2, random_state=0)
    y[np.flatnonzero(y == 1)[3:]] = 0  # 3 rows of class 1 in 40
    stopper = MemorizationStopper(sgd(), max_epochs=2, random_state=0)
    cleaner = ConfidentCleaner(stopper, cv=3)

    # Each cross-validation fold hands the stopper about 26 of the 40 rows.
    with pytest.raises(ValueError, match=r"of 2\d rows given to MemorizationStopper"):
        cleaner.fit(X, y)


@pytest.mark.parametrize(
    "empty",
    [(np.zeros((0, 2)), np.zeros(0)), ([], []), (np.zeros((0, 2)), [0, 1])],
    ids=["array", "list", "only-X"],
)
def test_empty_training_data_says_0_samples(empty):
    with pytest.raises(ValueError, match="got 0 samples"):
        MemorizationStopper(sgd()).fit(*empty)


def test_nan_in_validation_data_names_validation_data(iris_scaled):
    X, y = iris_scaled
    X_val = X[::5].copy()
    X_val[0, 0] = np.nan
    stopper = MemorizationStopper(sgd(), max_epochs=2)

    with pytest.raises(ValueError, match="^validation_data: .*contains NaN") as error:
        stopper.fit(X, y, validation_data=(X_val, y[::5]))
    assert "contains NaN" in str(error.value.__cause__)


def test_split_is_stratified(iris_scaled):
    X, y = iris_scaled
    stopper = MemorizationStopper(sgd(), max_epochs=1, validation_fraction=0.2)
    stopper.fit(X, y)
    # 30 held-out rows, 10 per class: SGD saw the other 120 in its one epoch.
    assert stopper.estimator_.t_ == 1 + 120


def test_same_random_state_same_history(iris_scaled):
    X, y = iris_scaled
    first = MemorizationStopper(tiny_net(), max_epochs=12, random_state=3).fit(X, y)
    second = MemorizationStopper(tiny_net(), max_epochs=12, random_state=3).fit(X, y)
    other = MemorizationStopper(tiny_net(), max_epochs=12, random_state=4).fit(X, y)

    pd.testing.assert_frame_equal(first.history_, second.history_)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    assert not first.history_.equals(other.history_)


def test_clone_and_pickle_of_fitted(iris_scaled):
    X, y = iris_scaled
    stopper = MemorizationStopper(tiny_net(), max_epochs=10, random_state=0).fit(X, y)

    cloned = clone(stopper)
    assert not hasattr(cloned, "estimator_")
    np.testing.assert_array_equal(
        cloned.fit(X, y).predict_proba(X), stopper.predict_proba(X)
    )
    restored = pickle.loads(pickle.dumps(stopper))
    np.testing.assert_array_equal(restored.predict_proba(X), stopper.predict_proba(X))
    pd.testing.assert_frame_equal(restored.history_, stopper.history_)


def test_user_estimator_is_never_changed(iris_scaled):
    X, y = iris_scaled
    net = tiny_net()
    MemorizationStopper(net, max_epochs=3).fit(X, y)
    assert not hasattr(net, "net_")


def test_refit_full_trains_best_epoch_epochs_on_all_rows(iris_scaled):
    X, y = iris_scaled
    stopper = MemorizationStopper(
        sgd(), max_epochs=20, patience=3, refit_full=True, random_state=0
    ).fit(X, y)

    assert stopper.estimator_.t_ == 1 + stopper.best_epoch_ * len(X)
    assert stopper.best_epoch_ <= stopper.n_epochs_


def test_refit_full_with_validation_data_uses_both(iris_scaled):
    X, y = iris_scaled
    X_val, y_val = X[:30], y[:30]
    stopper = MemorizationStopper(tiny_net(), max_epochs=5, refit_full=True).fit(
        X[30:], y[30:], validation_data=(X_val, y_val)
    )
    assert stopper.estimator_.n_epochs_ == stopper.best_epoch_
    sgd_stopper = MemorizationStopper(sgd(), max_epochs=5, refit_full=True).fit(
        X[30:], y[30:], validation_data=(X_val, y_val)
    )
    assert sgd_stopper.estimator_.t_ == 1 + sgd_stopper.best_epoch_ * 150


def test_refit_full_needs_weights_on_both_sides(iris_scaled):
    X, y = iris_scaled
    stopper = MemorizationStopper(sgd(), refit_full=True)
    with pytest.raises(ValueError, match="both or neither"):
        stopper.fit(
            X[30:], y[30:], sample_weight=np.ones(120), validation_data=(X[:30], y[:30])
        )


def test_sample_weight_reaches_partial_fit_and_losses(iris_scaled):
    X, y = iris_scaled
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    weight = np.where(y_train == 2, 3.0, 1.0)
    params = {"max_epochs": 3, "patience": 3}
    weighted = MemorizationStopper(sgd(), **params).fit(
        X_train, y_train, sample_weight=weight, validation_data=(X_val, y_val)
    )
    manual = sgd()
    for _ in range(weighted.best_epoch_):
        manual.partial_fit(X_train, y_train, classes=[0, 1, 2], sample_weight=weight)

    np.testing.assert_array_equal(
        weighted.predict_proba(X_val), manual.predict_proba(X_val)
    )
    best = weighted.history_.iloc[weighted.best_epoch_ - 1]
    assert best["train_loss"] == pytest.approx(
        log_loss(y_train, manual.predict_proba(X_train), sample_weight=weight)
    )


def test_string_labels_and_dataframe(iris_scaled):
    X, y = iris_scaled
    names = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y]
    frame = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    stopper = MemorizationStopper(tiny_net(), max_epochs=15, random_state=0)
    stopper.fit(frame, pd.Series(names))

    np.testing.assert_array_equal(
        stopper.classes_, ["setosa", "versicolor", "virginica"]
    )
    assert set(stopper.predict(frame)) <= set(stopper.classes_)
    np.testing.assert_array_equal(stopper.feature_names_in_, frame.columns)
    assert stopper.score(frame, names) > 0.6


def test_sparse_X_with_sgd(iris_scaled):
    X, y = iris_scaled
    stopper = MemorizationStopper(sgd(), max_epochs=5, random_state=0)
    stopper.fit(sp.csr_matrix(X), y)
    assert stopper.predict(sp.csr_matrix(X)).shape == (150,)
    assert get_tags(stopper).input_tags.sparse
    assert not get_tags(MemorizationStopper(tiny_net())).input_tags.sparse


def test_mlp_classifier(iris_scaled):
    X, y = iris_scaled
    mlp = MLPClassifier((16,), learning_rate_init=0.01, random_state=0)
    stopper = MemorizationStopper(mlp, max_epochs=30, random_state=0).fit(X, y)
    assert stopper.score(X, y) > 0.8


def test_delegation_follows_the_estimator(iris_scaled):
    X, y = iris_scaled
    linear = MemorizationStopper(sgd(), max_epochs=3).fit(X, y)
    net = MemorizationStopper(tiny_net(), max_epochs=3).fit(X, y)

    assert linear.decision_function(X).shape == (150, 3)
    assert not hasattr(net, "decision_function")
    np.testing.assert_allclose(
        net.predict_log_proba(X), np.log(net.predict_proba(X)), rtol=1e-6
    )
    assert not hasattr(linear, "partial_fit")
    with pytest.raises(NotFittedError):
        MemorizationStopper(sgd()).predict(X)


def test_verbose_prints_each_epoch(iris_scaled, capsys):
    X, y = iris_scaled
    MemorizationStopper(sgd(), max_epochs=3, patience=3, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert out.count("valid_loss") == 4
    assert "Stopped after 3 epochs" in out


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"patience": 0}, "patience"),
        ({"max_epochs": 0}, "max_epochs"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"tol": -1.0}, "tol"),
    ],
    ids=["patience", "max-epochs", "validation-fraction", "tol"],
)
def test_bad_parameters(iris_scaled, params, match):
    X, y = iris_scaled
    with pytest.raises(ValueError, match=match):
        MemorizationStopper(sgd(), **params).fit(X, y)


# ------------------------------------------------------ the memorisation rule


def monitor_for(valid, train=None, patience=10, tol=1e-4):
    train = np.linspace(1.0, 0.1, len(valid)) if train is None else train
    monitor = _EarlyStopping(patience=patience, tol=tol)
    for t, v in zip(train, valid, strict=True):
        monitor.update(t, v)
    return monitor


def test_rule_u_shaped_curve():
    valid = [1.0, 0.8, 0.6, 0.5, 0.501, 0.502, 0.55, 0.6, 0.7, 0.8]
    monitor = monitor_for(valid, patience=6)
    assert monitor.best_epoch == 4
    # epochs 5 and 6 stay within 1 % of the best; from epoch 7 on it rose.
    assert monitor.memorization_epoch() == 6
    assert monitor.should_stop


def test_rule_single_spike_is_not_memorisation():
    valid = [1.0, 0.8, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.7]
    assert monitor_for(valid).memorization_epoch() is None


def test_rule_still_falling():
    valid = np.linspace(1.0, 0.3, 12)
    monitor = monitor_for(valid)
    assert monitor.best_epoch == 12
    assert monitor.memorization_epoch() is None
    assert not monitor.should_stop


def test_rule_plateau_within_one_percent():
    valid = [1.0, 0.6, 0.5] + [0.5 + 0.004 * (i % 2) for i in range(10)]
    assert monitor_for(valid).memorization_epoch() is None


def test_rule_needs_falling_training_loss():
    valid = [1.0, 0.5, 0.6, 0.7, 0.8]
    train = [1.0, 0.5, 0.6, 0.7, 0.8]
    assert monitor_for(valid, train).memorization_epoch() is None
    assert monitor_for(valid).memorization_epoch() == 2


def test_rule_short_patience_needs_fewer_epochs():
    valid = [1.0, 0.5, 0.7]
    assert monitor_for(valid, patience=1).memorization_epoch() == 2
    assert monitor_for(valid, patience=3).memorization_epoch() is None


def test_rule_tol_sets_what_counts_as_improvement():
    valid = [1.0, 0.5, 0.49, 0.48, 0.47]
    assert monitor_for(valid, tol=0.05).best_epoch == 2
    assert monitor_for(valid, tol=0.0).best_epoch == 5


def test_memorisation_found_on_noisy_digits(memorising_fit):
    stopper = memorising_fit[0]
    history = stopper.history_

    assert stopper.memorization_epoch_ is not None
    assert stopper.best_epoch_ <= stopper.memorization_epoch_ < stopper.n_epochs_
    assert stopper.n_epochs_ < stopper.max_epochs
    best = history["valid_loss"].iloc[stopper.best_epoch_ - 1]
    assert history["valid_loss"].iloc[-1] > 1.05 * best
    assert (
        history["train_loss"].iloc[-1]
        < history["train_loss"].iloc[stopper.best_epoch_ - 1]
    )


def test_no_memorisation_on_clean_easy_data():
    X, y = make_blobs(300, centers=3, cluster_std=0.5, random_state=0)
    net = tiny_net(lr=1e-3)
    stopper = MemorizationStopper(net, max_epochs=15, random_state=0).fit(X, y)

    assert stopper.history_["valid_loss"].is_monotonic_decreasing
    assert stopper.best_epoch_ == stopper.n_epochs_ == 15
    assert stopper.memorization_epoch_ is None


# ------------------------------------------------------------------ nesting


def test_nested_in_confident_cleaner(noisy_blobs):
    X, y_noisy, is_flipped, _ = noisy_blobs
    stopper = MemorizationStopper(tiny_net(), max_epochs=15, patience=5, random_state=0)
    cleaner = ConfidentCleaner(stopper, cv=3).fit(X, y_noisy)

    assert isinstance(cleaner.estimator_, MemorizationStopper)
    assert cleaner.estimator_.n_epochs_ >= 1
    flagged = cleaner.label_issues_["is_label_issue"].to_numpy()
    assert flagged.any()
    assert is_flipped[flagged].mean() > is_flipped.mean()
    assert cleaner.predict_proba(X).shape == (150, 3)


def test_grid_search_over_patience_and_label_smoothing(noisy_blobs):
    X, y, _, y_true = noisy_blobs
    stopper = MemorizationStopper(tiny_net(), max_epochs=15, random_state=0)
    pipe = make_pipeline(StandardScaler(), stopper)
    grid = {
        "memorizationstopper__patience": [2, 5],
        "memorizationstopper__estimator__label_smoothing": [0.0, 0.1],
    }

    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)

    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_[-1]
    assert best.patience == search.best_params_["memorizationstopper__patience"]
    assert (
        best.estimator_.label_smoothing
        == search.best_params_["memorizationstopper__estimator__label_smoothing"]
    )
    assert search.score(X, y_true) > 0.7


# ------------------------------------------------------------------ plotting


def test_plot_loss_curves(memorising_fit):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stopper = memorising_fit[0]
    ax = plot_loss_curves(stopper)
    try:
        lines = ax.get_lines()
        assert len(lines) == 4
        np.testing.assert_array_equal(
            lines[0].get_ydata(), stopper.history_["train_loss"]
        )
        np.testing.assert_array_equal(
            lines[1].get_ydata(), stopper.history_["valid_loss"]
        )
        assert list(lines[2].get_xdata()) == [stopper.best_epoch_] * 2
        assert list(lines[3].get_xdata()) == [stopper.memorization_epoch_] * 2
        legend = [text.get_text() for text in ax.get_legend().get_texts()]
        assert legend[:2] == ["training", "validation"]
        assert f"best epoch ({stopper.best_epoch_})" in legend
        assert ax.get_xlabel() == "epoch"
        assert ax.get_ylabel()
    finally:
        plt.close("all")


def test_plot_loss_curves_without_memorisation_on_given_axes(iris_scaled):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = iris_scaled
    pipe = make_pipeline(StandardScaler(), MemorizationStopper(sgd(), max_epochs=3))
    pipe.fit(X, y)
    _, ax = plt.subplots()
    try:
        assert plot_loss_curves(pipe, ax=ax) is ax
        assert len(ax.get_lines()) == 2 + (pipe[-1].memorization_epoch_ is not None) + 1
    finally:
        plt.close("all")


def test_plot_loss_curves_needs_a_fitted_stopper():
    pytest.importorskip("matplotlib")
    with pytest.raises(NotFittedError):
        plot_loss_curves(MemorizationStopper(sgd()))


@pytest.fixture
def agg_pyplot():
    """pyplot on the Agg backend; every figure is closed afterwards."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


@pytest.mark.parametrize(
    "wrap",
    [
        lambda stopper: ConfidentCleaner(stopper, cv=3),
        lambda stopper: ConfidentCleaner(
            make_pipeline(StandardScaler(), stopper), cv=3
        ),
    ],
    ids=["cleaner", "cleaner-of-pipeline"],
)
def test_plot_loss_curves_finds_the_stopper_in_a_cleaner(iris_scaled, agg_pyplot, wrap):
    X, y = iris_scaled
    cleaner = wrap(MemorizationStopper(sgd(), max_epochs=3, random_state=0)).fit(X, y)
    fitted = cleaner.estimator_
    stopper = fitted[-1] if hasattr(fitted, "steps") else fitted

    ax = plot_loss_curves(cleaner)

    np.testing.assert_array_equal(
        ax.get_lines()[1].get_ydata(), stopper.history_["valid_loss"]
    )


@pytest.mark.parametrize(
    ("make", "shown"),
    [
        (lambda X, y: tiny_net(max_epochs=2).fit(X, y), "got SmoothedNetClassifier."),
        (
            lambda X, y: ConfidentCleaner(tiny_net(max_epochs=2), cv=3).fit(X, y),
            "got ConfidentCleaner wrapping SmoothedNetClassifier.",
        ),
        (lambda X, y: make_pipeline(StandardScaler(), sgd()).fit(X, y), "got Pipeline"),
        (lambda X, y: "stopper", "got str."),
    ],
    ids=["net", "cleaner-of-net", "pipeline-of-sgd", "string"],
)
def test_plot_loss_curves_rejects_what_holds_no_stopper(
    iris_scaled, agg_pyplot, make, shown
):
    X, y = iris_scaled
    with pytest.raises(TypeError, match="expects a MemorizationStopper") as error:
        plot_loss_curves(make(X, y))
    assert shown in str(error.value)


@pytest.mark.parametrize(
    ("unfitted", "match"),
    [
        (
            make_pipeline(StandardScaler(), MemorizationStopper(sgd())),
            "MemorizationStopper instance is not fitted",
        ),
        (
            ConfidentCleaner(MemorizationStopper(sgd())),
            "ConfidentCleaner is not fitted",
        ),
        (
            ConfidentCleaner(
                make_pipeline(StandardScaler(), MemorizationStopper(sgd()))
            ),
            "ConfidentCleaner is not fitted",
        ),
    ],
    ids=["pipeline", "cleaner", "cleaner-of-pipeline"],
)
def test_plot_loss_curves_unfitted_wrapper(agg_pyplot, unfitted, match):
    with pytest.raises(NotFittedError, match=match):
        plot_loss_curves(unfitted)


@pytest.mark.parametrize("ax", ["x", 1, [None]], ids=["string", "int", "list"])
def test_plot_loss_curves_rejects_what_is_not_axes(iris_scaled, agg_pyplot, ax):
    X, y = iris_scaled
    stopper = MemorizationStopper(sgd(), max_epochs=2).fit(X, y)
    with pytest.raises(TypeError, match=r"ax must be a matplotlib Axes.*got "):
        plot_loss_curves(stopper, ax=ax)


def test_plot_loss_curves_without_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "sknoisy\[plot\]"'):
        plot_loss_curves(MemorizationStopper(sgd()))


# ---------------------------------------------------------------------- demo


def test_demo_reports_where_the_stopper_stopped():
    from sknoisy._demo import STRATEGIES, format_demo_table, run_demo

    def stopped(seed):
        return MemorizationStopper(tiny_net(), max_epochs=4, random_state=seed)

    strategies = {"net": (lambda seed: tiny_net(max_epochs=2), False)}
    strategies["stopper"] = (stopped, False)
    results = run_demo(0.2, seeds=[0, 1], progress=False, strategies=strategies)

    assert results.loc[results["strategy"] == "net", "stopped_at"].isna().all()
    assert (
        results.loc[results["strategy"] == "stopper", "stopped_at"].between(1, 4).all()
    )
    table = format_demo_table(results).splitlines()
    assert "stopped at" in table[0]
    assert table[2].split()[4] == "-"
    assert "MemorizationStopper(net)" in STRATEGIES
    no_stopper = format_demo_table(results[results["strategy"] == "net"])
    assert "stopped at" not in no_stopper

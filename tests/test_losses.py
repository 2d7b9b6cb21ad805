"""The per-sample losses: values worked out by hand, gradients, and their use."""

import math

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV

from sknoisy import LossRankFilter, SmoothedNetClassifier, inject_label_noise
from sknoisy._losses import LOSSES, make_loss

# One sample, two classes: logits (0, ln 3) give p = (0.25, 0.75).
LOGITS = torch.tensor([[0.0, math.log(3.0)]])
LN_P0, LN_P1 = math.log(0.25), math.log(0.75)

HAND_VALUES = [
    ("cross_entropy", {}, 1, -LN_P1),
    ("cross_entropy", {"label_smoothing": 0.2}, 1, -(0.1 * LN_P0 + 0.9 * LN_P1)),
    ("generalized_cross_entropy", {"gce_q": 0.5}, 1, (1 - math.sqrt(0.75)) / 0.5),
    # q = 1 is the absolute error sum_k t_k (1 - p_k) on the smoothed target.
    (
        "generalized_cross_entropy",
        {"gce_q": 1.0, "label_smoothing": 0.2},
        1,
        0.1 * 0.75 + 0.9 * 0.25,
    ),
    # alpha CE + beta * (-A)(1 - p_y), A = -4.
    ("symmetric_cross_entropy", {}, 1, 0.1 * -LN_P1 + 4 * 0.25),
    (
        "symmetric_cross_entropy",
        {"sce_alpha": 1.0, "sce_beta": 0.5, "label_smoothing": 0.2},
        1,
        -(0.1 * LN_P0 + 0.9 * LN_P1)
        + 0.5 * -(0.25 * math.log(0.1) + 0.75 * math.log(0.9)),
    ),
    # soft: target 0.95 e_1 + 0.05 p.
    (
        "soft_bootstrap",
        {},
        1,
        -((0.05 * 0.25) * LN_P0 + (0.95 + 0.05 * 0.75) * LN_P1),
    ),
    # hard: the prediction is class 1, so with given class 0 the target is
    # 0.8 e_0 + 0.2 e_1.
    ("hard_bootstrap", {}, 0, -(0.8 * LN_P0 + 0.2 * LN_P1)),
    ("hard_bootstrap", {"bootstrap_beta": 0.5}, 0, -(0.5 * LN_P0 + 0.5 * LN_P1)),
]


@pytest.mark.parametrize(
    ("name", "params", "target", "expected"),
    HAND_VALUES,
    ids=[f"{name}-{params}-y{target}" for name, params, target, _ in HAND_VALUES],
)
def test_loss_matches_hand_computed_value(name, params, target, expected):
    loss = make_loss(name, **params)(LOGITS, torch.tensor([target]))
    assert loss.shape == (1,)
    assert loss.item() == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("name", LOSSES)
def test_loss_is_per_sample_and_gradients_flow(name):
    logits = torch.tensor(
        [[2.0, -1.0, 0.5], [0.1, 0.2, 0.3], [-3.0, 4.0, 0.0]], requires_grad=True
    )
    target = torch.tensor([0, 2, 0])
    losses = make_loss(name, label_smoothing=0.1)(logits, target)
    assert losses.shape == (3,)
    assert torch.all(losses > 0)

    losses.sum().backward()
    assert logits.grad is not None
    assert torch.all(torch.isfinite(logits.grad))
    # Each sample's loss depends on its own logits only, and on all of them.
    assert torch.all(logits.grad.abs().sum(dim=1) > 0)


@pytest.mark.parametrize("name", LOSSES)
def test_loss_prefers_the_given_class(name):
    # Gradient descent on a lone sample's logits raises p of its label.
    logits = torch.zeros(1, 3, requires_grad=True)
    loss = make_loss(name)(logits, torch.tensor([1]))
    loss.sum().backward()
    assert logits.grad[0, 1] < 0
    assert logits.grad[0, 0] > 0 and logits.grad[0, 2] > 0


def test_bounded_losses_cap_the_loss_of_a_confidently_wrong_label():
    # A label the network is certain is wrong costs a bounded amount under
    # GCE and SCE, and without bound under cross-entropy.
    logits = torch.tensor([[30.0, 0.0]])
    target = torch.tensor([1])
    assert make_loss("cross_entropy")(logits, target).item() > 29
    assert make_loss("generalized_cross_entropy", gce_q=0.7)(
        logits, target
    ).item() == pytest.approx(1 / 0.7, rel=1e-4)
    assert make_loss("symmetric_cross_entropy", sce_alpha=0.0)(
        logits, target
    ).item() == pytest.approx(4.0, rel=1e-4)


def test_unknown_loss_name_is_refused():
    with pytest.raises(ValueError, match="hinge.*cross_entropy"):
        make_loss("hinge")


@pytest.mark.parametrize("name", LOSSES)
def test_net_learns_with_every_loss(iris_scaled, name):
    X, y = iris_scaled
    net = SmoothedNetClassifier(
        hidden_layer_sizes=(16,), loss=name, lr=0.01, max_epochs=40, random_state=0
    )
    assert net.fit(X, y).score(X, y) > 0.85
    # sample_weight reaches the per-sample loss: zero weight on class 0
    # makes the net stop predicting it.
    weight = np.where(y == 0, 0.0, 1.0)
    weighted = net.fit(X, y, sample_weight=weight)
    assert np.mean(weighted.predict(X[y == 0]) == 0) < 0.5


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"gce_q": 0.0}, "gce_q"),
        ({"gce_q": 1.5}, "gce_q"),
        ({"sce_alpha": -1.0}, "sce_alpha"),
        ({"sce_beta": -0.1}, "sce_beta"),
        ({"bootstrap_beta": 1.2}, "bootstrap_beta"),
        ({"bootstrap_beta": "soft"}, "bootstrap_beta"),
        ({"bootstrap_beta": 0.0}, "bootstrap_beta"),
        ({"gce_q": True}, "gce_q"),
        ({"finetune_epochs": False}, "finetune_epochs"),
        (
            {"loss": "symmetric_cross_entropy", "sce_alpha": 0, "sce_beta": 0},
            "sce_alpha=0 and sce_beta=0",
        ),
        ({"loss": "gce"}, "loss.*gce"),
    ],
    ids=lambda v: str(v),
)
def test_bad_loss_parameters_are_refused_at_fit(iris_scaled, params, match):
    X, y = iris_scaled
    with pytest.raises(ValueError, match=match):
        SmoothedNetClassifier(max_epochs=1, **params).fit(X, y)


def test_robust_loss_keeps_loss_ranking_working(digits_scaled):
    X, y = digits_scaled
    X, y = X[:600], y[:600]
    y_noisy, flipped = inject_label_noise(y, 0.2, random_state=0)
    ranker = LossRankFilter(
        SmoothedNetClassifier(
            hidden_layer_sizes=(64,),
            loss="generalized_cross_entropy",
            lr=0.01,
            random_state=0,
        ),
        warmup_epochs=15,
        fraction=0.2,
    ).fit(X, y_noisy)
    flagged = ranker.label_issues_["is_label_issue"].to_numpy()
    precision = flagged[flipped].sum() / flagged.sum()
    assert precision > 0.7


def test_loss_parameters_are_tunable_in_grid_search(iris_scaled):
    X, y = iris_scaled
    search = GridSearchCV(
        SmoothedNetClassifier(
            hidden_layer_sizes=(8,), loss="generalized_cross_entropy", max_epochs=10
        ),
        {"gce_q": [0.3, 0.9], "loss": ["generalized_cross_entropy"]},
        cv=2,
    ).fit(X, y)
    assert search.best_params_["gce_q"] in (0.3, 0.9)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))

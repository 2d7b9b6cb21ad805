"""Per-sample classification losses for :class:`SmoothedNetClassifier`.

Each loss maps logits ``(n, K)`` and integer targets ``(n,)`` to one loss per
sample, so that sample weights and loss ranking can be applied on top. Every
loss is defined on a soft target: the one-hot target after label smoothing,
``t = (1 - label_smoothing) * e_y + label_smoothing / K``. Without smoothing
each reduces to its paper's form.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "BootstrappingLoss",
    "GeneralizedCrossEntropy",
    "LOSSES",
    "SmoothedCrossEntropy",
    "SymmetricCrossEntropy",
    "make_loss",
]


def _soft_target(
    logits: torch.Tensor, target: torch.Tensor, label_smoothing: float
) -> torch.Tensor:
    n_classes = logits.shape[1]
    one_hot = F.one_hot(target, n_classes).to(logits.dtype)
    return (1.0 - label_smoothing) * one_hot + label_smoothing / n_classes


class SmoothedCrossEntropy(nn.Module):
    """Cross-entropy against the smoothed target, one value per sample.

    ``-sum_k t_k log p_k``. The target puts ``1 - label_smoothing`` on the
    given class and spreads ``label_smoothing`` uniformly over all ``K``
    classes (Szegedy et al., 2016), which keeps the network from becoming
    certain of any label, wrong ones included.

    Parameters
    ----------
    label_smoothing : float, default=0.0
        Mass in ``[0, 1)`` moved from the given class to the uniform
        distribution.
    """

    def __init__(self, label_smoothing: float = 0.0):
        super().__init__()
        self.label_smoothing = label_smoothing

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(
            logits, target, label_smoothing=self.label_smoothing, reduction="none"
        )


class GeneralizedCrossEntropy(nn.Module):
    """Generalized cross-entropy (the ``L_q`` loss), one value per sample.

    ``sum_k t_k (1 - p_k ** q) / q``; with a one-hot target this is
    ``(1 - p_y ** q) / q``. As ``q -> 0`` it tends to cross-entropy, at
    ``q = 1`` it is the mean absolute error between ``p`` and the one-hot
    target. The loss of a sample is bounded by ``1 / q``, so a wrong label
    the network disagrees with cannot dominate the gradient as it does
    under cross-entropy.

    Parameters
    ----------
    q : float, default=0.7
        Exponent in ``(0, 1]``; 0.7 is the value Zhang and Sabuncu used.
    label_smoothing : float, default=0.0
        Mass in ``[0, 1)`` moved from the given class to the uniform
        distribution.

    References
    ----------
    Z. Zhang and M. R. Sabuncu, "Generalized Cross Entropy Loss for Training
    Deep Neural Networks with Noisy Labels", NeurIPS 2018.
    """

    def __init__(self, q: float = 0.7, label_smoothing: float = 0.0):
        super().__init__()
        self.q = q
        self.label_smoothing = label_smoothing

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        t = _soft_target(logits, target, self.label_smoothing)
        # p ** q computed as exp(q log p): finite and differentiable at p -> 0.
        p_q = torch.exp(self.q * F.log_softmax(logits, dim=1))
        return (t * (1.0 - p_q)).sum(dim=1) / self.q


class SymmetricCrossEntropy(nn.Module):
    """Symmetric cross-entropy, one value per sample.

    ``alpha * CE(t, p) + beta * RCE(t, p)`` where the reverse cross-entropy
    ``RCE = -sum_k p_k log t_k`` swaps the roles of prediction and target,
    with ``log 0`` replaced by ``A = -4`` as in the paper. With a one-hot
    target ``RCE = 4 (1 - p_y)``, a bounded term that is robust to wrong
    labels; the cross-entropy term keeps learning fast.

    Parameters
    ----------
    alpha : float, default=0.1
        Weight of the cross-entropy term.
    beta : float, default=1.0
        Weight of the reverse cross-entropy term.
    label_smoothing : float, default=0.0
        Mass in ``[0, 1)`` moved from the given class to the uniform
        distribution, in both terms.

    References
    ----------
    Y. Wang, X. Ma, Z. Chen, Y. Luo, J. Yi and J. Bailey, "Symmetric Cross
    Entropy for Robust Learning with Noisy Labels", ICCV 2019.
    """

    #: The value that replaces ``log 0`` in the reverse term.
    LOG_ZERO = -4.0

    def __init__(
        self, alpha: float = 0.1, beta: float = 1.0, label_smoothing: float = 0.0
    ):
        super().__init__()
        self.alpha = alpha
        self.beta = beta
        self.label_smoothing = label_smoothing

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        t = _soft_target(logits, target, self.label_smoothing)
        log_p = F.log_softmax(logits, dim=1)
        ce = -(t * log_p).sum(dim=1)
        log_t = torch.log(t.clamp_min(math.exp(self.LOG_ZERO)))
        rce = -(log_p.exp() * log_t).sum(dim=1)
        return self.alpha * ce + self.beta * rce


class BootstrappingLoss(nn.Module):
    """Soft or hard bootstrapping, one value per sample.

    Cross-entropy against a target that mixes the given label with the
    network's own belief: ``-sum_k (beta t_k + (1 - beta) z_k) log p_k``,
    where ``z = p`` (soft) or the one-hot of ``argmax p`` (hard). Where the
    network is confident that a label is wrong, the target moves toward
    what it predicts. The soft form equals cross-entropy plus an entropy
    penalty on the predictions; the hard form gives no gradient through
    ``z``.

    Parameters
    ----------
    kind : {"soft", "hard"}, default="soft"
        Which of the network's beliefs enters the target.
    beta : float, default=0.95
        Weight in ``[0, 1]`` of the given label; the paper used 0.95 for
        soft and 0.8 for hard bootstrapping.
    label_smoothing : float, default=0.0
        Mass in ``[0, 1)`` moved from the given class to the uniform
        distribution before mixing.

    References
    ----------
    S. Reed, H. Lee, D. Anguelov, C. Szegedy, D. Erhan and A. Rabinovich,
    "Training Deep Neural Networks on Noisy Labels with Bootstrapping", ICLR
    2015 workshop.
    """

    def __init__(
        self, kind: str = "soft", beta: float = 0.95, label_smoothing: float = 0.0
    ):
        super().__init__()
        self.kind = kind
        self.beta = beta
        self.label_smoothing = label_smoothing

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        t = _soft_target(logits, target, self.label_smoothing)
        log_p = F.log_softmax(logits, dim=1)
        if self.kind == "soft":
            belief = log_p.exp()
        else:
            belief = F.one_hot(log_p.argmax(dim=1), logits.shape[1]).to(log_p.dtype)
        mixed = self.beta * t + (1.0 - self.beta) * belief
        return -(mixed * log_p).sum(dim=1)


# Default beta of each bootstrapping kind, from Reed et al.
BOOTSTRAP_BETA = {"soft": 0.95, "hard": 0.8}

# Names accepted by ``SmoothedNetClassifier(loss=...)``.
LOSSES = (
    "cross_entropy",
    "generalized_cross_entropy",
    "symmetric_cross_entropy",
    "soft_bootstrap",
    "hard_bootstrap",
)


def make_loss(
    name: str,
    *,
    label_smoothing: float = 0.0,
    gce_q: float = 0.7,
    sce_alpha: float = 0.1,
    sce_beta: float = 1.0,
    bootstrap_beta: float | None = None,
) -> nn.Module:
    """Build the criterion named by ``SmoothedNetClassifier(loss=name)``.

    Parameters
    ----------
    name : str
        One of :data:`LOSSES`.
    label_smoothing, gce_q, sce_alpha, sce_beta, bootstrap_beta
        The estimator's parameters of the same names; each loss takes the
        ones it uses. ``bootstrap_beta=None`` picks the paper's value for the
        kind of bootstrapping.

    Returns
    -------
    criterion : torch.nn.Module
        A module mapping ``(logits, target)`` to per-sample losses.

    Examples
    --------
    >>> import torch
    >>> from sknoisy._losses import make_loss
    >>> loss = make_loss("generalized_cross_entropy", gce_q=1.0)
    >>> loss(torch.zeros(1, 2), torch.tensor([0]))  # 1 - p_y with p_y = 0.5
    tensor([0.5000])
    """
    if name == "cross_entropy":
        return SmoothedCrossEntropy(label_smoothing)
    if name == "generalized_cross_entropy":
        return GeneralizedCrossEntropy(gce_q, label_smoothing)
    if name == "symmetric_cross_entropy":
        return SymmetricCrossEntropy(sce_alpha, sce_beta, label_smoothing)
    if name in ("soft_bootstrap", "hard_bootstrap"):
        kind = name.split("_")[0]
        beta = BOOTSTRAP_BETA[kind] if bootstrap_beta is None else bootstrap_beta
        return BootstrappingLoss(kind, beta, label_smoothing)
    raise ValueError(f"Unknown loss {name!r}; choose one of {', '.join(LOSSES)}.")

"""Per-sample classification losses for :class:`SmoothedNetClassifier`.

Each loss maps logits ``(n, K)`` and integer targets ``(n,)`` to one loss per
sample, so that sample weights and loss ranking can be applied on top.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["SmoothedCrossEntropy", "LOSSES"]


class SmoothedCrossEntropy(nn.Module):
    """Cross-entropy against a smoothed one-hot target, one value per sample.

    The target puts ``1 - label_smoothing`` on the given class and spreads
    ``label_smoothing`` uniformly over all ``K`` classes (Szegedy et al.,
    2016), which keeps the network from becoming certain of any label, wrong
    ones included.
    """

    def __init__(self, label_smoothing: float = 0.0):
        super().__init__()
        self.label_smoothing = label_smoothing

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(
            logits, target, label_smoothing=self.label_smoothing, reduction="none"
        )


# Name accepted by ``SmoothedNetClassifier(loss=...)`` -> criterion class.
LOSSES: dict[str, type[nn.Module]] = {"cross_entropy": SmoothedCrossEntropy}

"""sknoisy: learning from wrongly labelled data as a normal scikit-learn step."""

from ._confident import ConfidentCleaner
from ._find_issues import find_label_issues
from ._loss_rank import LossRankFilter
from ._metrics import detection_scores
from ._net import MLPModule, SmoothedNetClassifier
from ._noise import inject_label_noise
from ._plotting import plot_loss_curves
from ._stopper import MemorizationStopper
from ._trusted import trusted_scorer
from ._warnings import SknoisyWarning

__version__ = "0.1.0"

__all__ = [
    "ConfidentCleaner",
    "LossRankFilter",
    "MLPModule",
    "MemorizationStopper",
    "SknoisyWarning",
    "SmoothedNetClassifier",
    "detection_scores",
    "find_label_issues",
    "inject_label_noise",
    "plot_loss_curves",
    "trusted_scorer",
]

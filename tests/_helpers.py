"""Small estimators and data shared by the test modules.

Imported as ``from _helpers import ...``: pytest puts ``tests/`` on the path.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from sknoisy import SmoothedNetClassifier

COLUMNS = ["given_label", "suggested_label", "label_quality", "is_label_issue"]


def tiny_net(**params):
    """A network small and short enough for many fits per test."""
    params = {
        "hidden_layer_sizes": (32,),
        "max_epochs": 20,
        "random_state": 0,
        **params,
    }
    return SmoothedNetClassifier(**params)


def logreg():
    return LogisticRegression(max_iter=1000)


class SpyClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression that remembers what its ``fit`` was given."""

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y, sample_weight=None):
        self.fit_X_ = X
        self.fit_y_ = np.asarray(y)
        self.fit_sample_weight_ = sample_weight
        self.model_ = LogisticRegression(C=self.C, max_iter=1000)
        self.model_.fit(X, y, sample_weight=sample_weight)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


class ClaimedClassModel(ClassifierMixin, BaseEstimator):
    """Adversarial detector or ranker: column 0 of X is the class code it believes."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        claimed = np.asarray(X)[:, 0].astype(int)
        proba = np.full((len(claimed), len(self.classes_)), 0.05)
        proba[np.arange(len(claimed)), claimed] = 1.0
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def class_c_claimed_as_a():
    """60 rows, 20 per class; the model is sure every 'c' row is an 'a'."""
    codes = np.repeat([0, 1, 2], 20)
    claimed = np.where(codes == 2, 0, codes)
    X = np.column_stack([claimed, np.random.RandomState(0).normal(size=60)])
    return X, np.array(["a", "b", "c"])[codes]

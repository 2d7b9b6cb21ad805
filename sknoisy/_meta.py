"""What every sknoisy meta-estimator shares: delegation to ``estimator_``.

The cleaners and the stopper all fit a clone of a wrapped classifier as
``estimator_``. Their predict-time methods exist only when that classifier
has them, and their tags follow it.
"""

from __future__ import annotations

import functools
import inspect
from contextlib import contextmanager
from numbers import Integral

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils._param_validation import Interval
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._persist import frame_from_state, frame_state

__all__ = [
    "N_JOBS_CONSTRAINT",
    "NumberInterval",
    "WrappingClassifier",
    "accepts_param",
    "accepts_sample_weight",
    "own_routing",
    "param_kwargs",
    "restore_on_error",
    "row_indexable",
    "sample_weight_params",
]


class NumberInterval(Interval):
    """An :class:`Interval` that refuses booleans.

    ``True`` is an ``int`` to Python, so a plain interval takes
    ``frac_noise=True`` for 1.0; a flag where a number belongs is a mistake.
    """

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


# joblib's n_jobs: None, -1 (all cores), -2 (all but one), ... or a positive
# count; 0 has no meaning.
N_JOBS_CONSTRAINT = [
    None,
    NumberInterval(Integral, None, -1, closed="right"),
    NumberInterval(Integral, 1, None, closed="left"),
]


def restore_on_error(method):
    """Leave the estimator exactly as it was when ``method`` raises.

    Covers validation errors after ``n_features_in_`` was set, training that
    diverges and a KeyboardInterrupt mid-epoch alike: the learned attributes
    are those of the last successful fit, or absent.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        saved = dict(vars(self))
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            vars(self).clear()
            vars(self).update(saved)
            raise

    return wrapper


@contextmanager
def own_routing():
    """Hand fit parameters to wrapped estimators by sknoisy's own rule.

    sknoisy's meta-estimators consume ``sample_weight`` and ``trusted``
    themselves and pass them on to the estimators they wrap when those
    accept them (:func:`accepts_param`). Inside, scikit-learn's metadata
    routing is switched off, so a user who routes metadata to the
    meta-estimator need not also set requests on everything it wraps, and
    a wrapped Pipeline takes ``<step>__sample_weight`` as usual.
    """
    with config_context(enable_metadata_routing=False):
        yield


def accepts_param(estimator, name: str, method: str = "fit", *, kwargs=True) -> bool:
    """Whether ``estimator.<method>`` takes the keyword ``name``.

    With ``kwargs=True`` a ``**kwargs`` catch-all counts as taking it. A
    Pipeline's ``fit(**params)`` takes such a value only as
    ``<last step>__<name>``; it counts as accepting it when its last step does
    (see :func:`param_kwargs`).
    """
    if isinstance(estimator, Pipeline):
        last = estimator.steps[-1][1]
        return last not in (None, "passthrough") and accepts_param(
            last, name, method, kwargs=kwargs
        )
    try:
        params = inspect.signature(getattr(estimator, method)).parameters
    except (AttributeError, TypeError, ValueError):
        return False
    return name in params or (
        kwargs and any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    )


def param_kwargs(estimator, **values) -> dict:
    """Keyword arguments that hand ``values`` to ``estimator.fit``.

    Values that are ``None`` are left out; for a Pipeline each name becomes
    ``<last step>__<name>``. Check :func:`accepts_param` first: this does not.
    """
    values = {name: value for name, value in values.items() if value is not None}
    if isinstance(estimator, Pipeline):
        step = estimator.steps[-1][0]
        return {f"{step}__{name}": value for name, value in values.items()}
    return values


def accepts_sample_weight(estimator, method: str = "fit") -> bool:
    """Whether ``estimator.<method>`` takes ``sample_weight`` (or ``**kwargs``)."""
    return accepts_param(estimator, "sample_weight", method)


def sample_weight_params(estimator, sample_weight, method: str = "fit") -> dict:
    """Keyword arguments that hand ``sample_weight`` to ``estimator.<method>``.

    Empty when there are no weights; ``{"<step>__sample_weight": w}`` for a
    Pipeline (its last step gets them). Call :func:`accepts_sample_weight`
    first: this does not check.
    """
    return param_kwargs(estimator, sample_weight=sample_weight)


def row_indexable(X):
    """``X`` in a form whose rows can be selected, changed as little as may be.

    DataFrames and arrays pass through; sparse matrices become CSR (COO has
    no row indexing); anything else (lists, array-likes) becomes an array.
    """
    if sp.issparse(X):
        return X.tocsr()
    if hasattr(X, "shape") and hasattr(X, "__getitem__"):
        return X
    return np.asarray(X)


def _estimator_has(attr):
    """Check the fitted estimator if there is one, else the unfitted one."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


class WrappingClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Base of a classifier that wraps ``estimator`` and predicts with ``estimator_``.

    Subclasses fit ``estimator_`` (a clone of ``estimator``) in their own
    ``fit``; this class supplies the delegated predict-time methods and the
    input tags of the wrapped estimator.
    """

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict with the fitted ``estimator_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        check_is_fitted(self)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the fitted ``estimator_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log-probabilities from the fitted ``estimator_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the fitted ``estimator_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        scores : ndarray
            The wrapped estimator's decision scores.
        """
        check_is_fitted(self)
        return self.estimator_.decision_function(X)

    def __getstate__(self):
        # skops cannot store DataFrames (label_issues_, history_): they travel
        # as numpy arrays and plain values and are rebuilt by __setstate__.
        state = dict(super().__getstate__())
        frames = []
        for name, value in list(state.items()):
            portable = frame_state(value) if isinstance(value, pd.DataFrame) else None
            if portable is not None:
                state[name] = portable
                frames.append(name)
        if frames:
            state["_dataframes"] = frames
        return state

    def __setstate__(self, state):
        state = dict(state)
        for name in state.pop("_dataframes", []):
            state[name] = frame_from_state(state[name])
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        # X reaches the detector or ranker too, when one is given: the
        # cleaner takes only what every model it trains takes.
        seeing_X = [inner] + [
            get_tags(model)
            for model in (
                getattr(self, "detector", None),
                getattr(self, "ranker", None),
            )
            if model is not None
        ]
        tags.input_tags.sparse = all(t.input_tags.sparse for t in seeing_X)
        tags.input_tags.allow_nan = all(t.input_tags.allow_nan for t in seeing_X)
        tags.input_tags.pairwise = inner.input_tags.pairwise
        tags.non_deterministic = any(t.non_deterministic for t in seeing_X)
        if inner.classifier_tags is not None:
            tags.classifier_tags.poor_score = inner.classifier_tags.poor_score
        return tags

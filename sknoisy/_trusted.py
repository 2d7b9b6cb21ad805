"""The trusted subset: rows whose labels a person has checked.

The last step of the noisy-label playbook is to pre-train on the large
noisy set and then fine-tune on a small checked one. sknoisy takes that
subset as a boolean ``trusted`` mask over the training rows, passed to
``fit`` like ``sample_weight``, so it travels through a Pipeline and
GridSearchCV with the rows it belongs to. :func:`trusted_scorer` judges a
model on the trusted rows of each validation fold only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import check_scoring
from sklearn.utils import _safe_indexing
from sklearn.utils.metadata_routing import MetadataRequest
from sklearn.utils.validation import _check_method_params

from ._labels import format_labels

__all__ = [
    "TrustedScorer",
    "check_every_class_trusted",
    "check_trusted",
    "trusted_scorer",
]


def check_trusted(
    trusted,
    n_rows: int,
    *,
    codes: np.ndarray | None = None,
    classes: np.ndarray | None = None,
    who: str = "",
    remedy: str = "check a few rows of it too, or set finetune_epochs=0",
    index: pd.Index | None = None,
) -> np.ndarray | None:
    """Validate a trusted mask; return it as a boolean ndarray (or ``None``).

    Parameters
    ----------
    trusted : array-like of bool of shape (n_rows,) or None
        The mask. Booleans only: an integer array would be ambiguous between
        a 0/1 mask and row positions.
    n_rows : int
        Rows of the data the mask belongs to.
    codes, classes : ndarray, default=None
        When given, every class must have at least one trusted row.
    who : str, default=""
        What needs the mask, for the error messages.
    remedy : str, default="check a few rows of it too, or set finetune_epochs=0"
        What the error for a class without trusted rows advises.
    index : pandas.Index, default=None
        The index of the data when it came as pandas. A Series mask is then
        aligned on it by label, as pandas aligns; one whose labels differ is
        refused rather than read by position.

    Returns
    -------
    trusted : ndarray of bool of shape (n_rows,) or None
    """
    if trusted is None:
        return None
    prefix = f"{who}: " if who else ""
    if isinstance(trusted, pd.Series) and index is not None:
        if not trusted.index.equals(index):
            if (
                trusted.index.has_duplicates
                or len(trusted.index) != len(index)
                or not trusted.index.isin(index).all()
            ):
                raise ValueError(
                    f"{prefix}the trusted mask is a Series whose index does not "
                    "hold the same labels as the data's index, so it cannot be "
                    "matched to the rows; index it like X, or pass a numpy array "
                    "in row order."
                )
            trusted = trusted.reindex(index)
    if isinstance(trusted, (pd.Series, pd.Index)):
        missing = int(np.asarray(pd.isna(trusted)).sum())
        if missing:
            raise ValueError(
                f"{prefix}the trusted mask has {missing} missing value(s); mark "
                "each row True (checked by a person) or False."
            )
        trusted = trusted.to_numpy()
    mask = np.asarray(trusted)
    if mask.dtype == object and all(isinstance(v, (bool, np.bool_)) for v in mask):
        mask = mask.astype(bool)
    if mask.ndim != 1:
        raise ValueError(
            f"{prefix}trusted must be a 1-D boolean mask with one entry per "
            f"row; got shape {mask.shape}."
        )
    if mask.dtype != bool:
        raise TypeError(
            f"{prefix}trusted must be a boolean mask (True for rows whose label a "
            f"person checked); got dtype {mask.dtype}. To mark rows by position, "
            "pass np.isin(np.arange(n_samples), positions)."
        )
    if len(mask) != n_rows:
        raise ValueError(
            f"{prefix}the trusted mask has {len(mask)} entries but the data has "
            f"{n_rows} rows; it must have one entry per training row."
        )
    if codes is not None and classes is not None:
        check_every_class_trusted(codes[mask], classes, who=who, remedy=remedy)
    return mask


def check_every_class_trusted(
    trusted_codes: np.ndarray,
    classes: np.ndarray,
    *,
    who: str = "",
    remedy: str = "check a few rows of it too, or set finetune_epochs=0",
) -> None:
    """Refuse trusted rows that leave out a class, naming the classes missing.

    Fine-tuning on such rows alone would teach the network to forget them.
    """
    counts = np.bincount(trusted_codes, minlength=len(classes))
    absent = np.flatnonzero(counts == 0)
    if absent.size:
        prefix = f"{who}: " if who else ""
        raise ValueError(
            f"{prefix}no trusted rows of class {format_labels(classes[absent])} "
            f"({len(trusted_codes)} trusted rows in all). Fine-tuning on the "
            "trusted rows alone would make the network forget that class: "
            f"{remedy}."
        )


class TrustedScorer:
    """Score a model on the trusted rows of the evaluation data only.

    Made by :func:`trusted_scorer`; see there.
    """

    def __init__(self, scoring=None):
        self.scoring = scoring

    def __call__(self, estimator, X, y_true, trusted=None, **kwargs):
        """Score ``estimator`` on the rows of ``X`` where ``trusted`` is True.

        Parameters
        ----------
        estimator : estimator
            A fitted model.
        X : array-like of shape (n_samples, n_features)
            Evaluation features.
        y_true : array-like of shape (n_samples,)
            Their labels; only the trusted ones are used.
        trusted : array-like of bool of shape (n_samples,)
            Which rows a person checked.
        **kwargs : dict
            Passed to the underlying scorer, indexed to the trusted rows when
            they have one entry per row (such as ``sample_weight``).

        Returns
        -------
        score : float
            The score of the trusted rows.
        """
        if trusted is None:
            raise ValueError(
                "trusted_scorer needs the trusted mask, and it was not given. "
                "Turn on metadata routing with "
                "sklearn.set_config(enable_metadata_routing=True) and pass "
                "trusted=mask to the fit of GridSearchCV or cross_validate."
            )
        n_rows = len(y_true)
        mask = check_trusted(trusted, n_rows, who="trusted_scorer")
        n_trusted = int(mask.sum())
        if n_trusted == 0:
            raise ValueError(
                f"trusted_scorer: none of the {n_rows} evaluation rows is "
                "trusted, so there is nothing to score; use fewer folds or "
                "check more rows."
            )
        rows = np.flatnonzero(mask)
        # Per-row keyword arguments are cut to the same rows, as
        # cross-validation cuts them to a fold.
        params = _check_method_params(X, kwargs, indices=rows)
        scorer = check_scoring(estimator, scoring=self.scoring)
        return scorer(
            estimator, _safe_indexing(X, rows), _safe_indexing(y_true, rows), **params
        )

    def get_metadata_routing(self):
        """Request ``trusted`` for scoring (scikit-learn's metadata routing).

        Returns
        -------
        routing : MetadataRequest
            The request: ``trusted`` at ``score``.
        """
        request = MetadataRequest(owner=type(self).__name__)
        request.score.add_request(param="trusted", alias=True)
        return request

    def __repr__(self):
        return f"trusted_scorer({self.scoring!r})"


def trusted_scorer(scoring=None) -> TrustedScorer:
    """A scorer that judges a model on labels a person checked.

    Cross-validating a cleaning strategy on noisy folds scores it against
    the same wrong labels it tries to undo. This scorer scores each
    validation fold on its trusted rows only. GridSearchCV and
    ``cross_validate`` hand it the fold's part of the ``trusted`` mask
    through scikit-learn's metadata routing, which must be switched on.

    Parameters
    ----------
    scoring : str, callable or None, default=None
        The score to compute on the trusted rows, as for GridSearchCV's
        ``scoring`` (``None``: the estimator's ``score``, accuracy for a
        classifier).

    Returns
    -------
    scorer : TrustedScorer
        A callable ``scorer(estimator, X, y, trusted=mask)`` that requests
        ``trusted`` through metadata routing.

    See Also
    --------
    SmoothedNetClassifier.fine_tune : Fine-tune a network on trusted rows.

    Examples
    --------
    >>> import numpy as np
    >>> import sklearn
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sknoisy import trusted_scorer
    >>> X, y = load_iris(return_X_y=True)
    >>> trusted = np.random.default_rng(0).random(len(y)) < 0.3
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     search = GridSearchCV(
    ...         LogisticRegression(max_iter=500), {"C": [0.01, 1.0]},
    ...         scoring=trusted_scorer("accuracy"),
    ...     ).fit(X, y, trusted=trusted)
    >>> search.best_params_
    {'C': 1.0}
    """
    return TrustedScorer(scoring)

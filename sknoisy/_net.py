"""SmoothedNetClassifier: a torch network behind scikit-learn's classifier API."""

from __future__ import annotations

import contextlib
import copy
import threading
import warnings
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)
from skorch import NeuralNet
from skorch.history import History
from skorch.utils import to_tensor
from torch import nn

from ._labels import as_label_array, encode_labels, format_labels
from ._losses import LOSSES, make_loss
from ._meta import NumberInterval, restore_on_error
from ._persist import to_arrays, to_tensors
from ._torch_data import (
    BatchLoader,
    TensorDataset,
    as_float_tensor,
    check_float32_range,
    check_numeric_columns,
)
from ._trusted import check_every_class_trusted, check_trusted
from ._warnings import SknoisyWarning

__all__ = ["SmoothedNetClassifier", "MLPModule"]

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU}
_OPTIMIZERS = {
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
    "sgd": (torch.optim.SGD, {"momentum": 0.9}),
}
# Rows per forward pass at predict time: large enough to amortise the call,
# small enough to keep the activations of a wide MLP in a few hundred MB.
_PREDICT_CHUNK = 8192


class MLPModule(nn.Module):
    """Fully connected network returning one logit per class.

    Parameters
    ----------
    n_features : int
        Width of the input.
    n_classes : int
        Number of output logits.
    hidden_layer_sizes : tuple of int, default=(100,)
        Width of each hidden layer; ``()`` gives a linear (softmax
        regression) model.
    activation : {"relu", "tanh", "gelu"}, default="relu"
        Non-linearity after each hidden layer.
    dropout : float, default=0.0
        Dropout probability after each hidden layer.

    Examples
    --------
    >>> import torch
    >>> from sknoisy import MLPModule
    >>> module = MLPModule(4, 3, hidden_layer_sizes=(8,))
    >>> module(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
    """

    def __init__(
        self,
        n_features: int,
        n_classes: int,
        hidden_layer_sizes: tuple[int, ...] = (100,),
        activation: str = "relu",
        dropout: float = 0.0,
    ):
        super().__init__()
        layers: list[nn.Module] = []
        width = n_features
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, size), _ACTIVATIONS[activation]()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        self.hidden = nn.Sequential(*layers)
        self.output = nn.Linear(width, n_classes)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.output(self.hidden(X))


class _WeightedNet(NeuralNet):
    """skorch net whose criterion returns per-sample losses.

    A batch's X may be ``{"X": tensor, "sample_weight": tensor}``; the module
    only ever sees the tensor, the loss applies the weights.
    """

    def infer(self, x, **fit_params):
        if isinstance(x, Mapping):
            x = x["X"]
        return self.module_(to_tensor(x, device=self.device), **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        losses = self.criterion_(y_pred, to_tensor(y_true, device=self.device))
        if isinstance(X, Mapping):
            losses = losses * to_tensor(X["sample_weight"], device=self.device)
        return losses.mean()

    def train_epochs(self, dataset, epochs):
        """Like skorch's ``partial_fit`` but lets KeyboardInterrupt through.

        skorch swallows the interrupt and returns a half-trained net; the
        estimator instead leaves its previous state untouched.
        """
        self.notify("on_train_begin", X=dataset, y=None)
        self.fit_loop(dataset, None, epochs=epochs)
        self.notify("on_train_end", X=dataset, y=None)


class SmoothedNetClassifier(
    ClassifierMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Neural network classifier with label smoothing, trained with skorch.

    A multi-layer perceptron (or any torch module) behind scikit-learn's
    classifier API: it takes numpy or pandas ``X`` of any numeric dtype and
    labels of any type, sizes its input and output layers from the data at
    fit time, and can be cloned, pickled, put in a Pipeline and tuned with
    GridSearchCV. Use it where a few labels are wrong and there is no time
    to clean them: ``label_smoothing`` keeps the network from growing
    certain of any single label, so the wrong ones pull less. It is also
    the default model inside sknoisy's cleaners.

    All of ``X`` is used for training; no validation split is held out
    unless you ask for one (wrap the net in a stopper for that).

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Width of each hidden layer of the default MLP; ``()`` gives a
        softmax regression. Ignored when ``module`` is given.
    activation : {"relu", "tanh", "gelu"}, default="relu"
        Non-linearity of the default MLP.
    dropout : float, default=0.0
        Dropout probability after each hidden layer of the default MLP.
    label_smoothing : float, default=0.0
        Mass in ``[0, 1)`` taken from the given label and spread uniformly
        over all classes in the training target.
    loss : {"cross_entropy", "generalized_cross_entropy", \
"symmetric_cross_entropy", "soft_bootstrap", "hard_bootstrap"}, \
default="cross_entropy"
        Training loss, computed per sample so ``sample_weight`` applies. The
        last four are robust to wrong labels; see Notes. Each is computed
        against the smoothed target, so ``label_smoothing`` combines with
        all of them.
    gce_q : float, default=0.7
        Exponent in ``(0, 1]`` of ``"generalized_cross_entropy"``: near 0 it
        behaves like cross-entropy, at 1 like the mean absolute error.
    sce_alpha : float, default=0.1
        Weight of the cross-entropy term of ``"symmetric_cross_entropy"``.
    sce_beta : float, default=1.0
        Weight of the reverse cross-entropy term of
        ``"symmetric_cross_entropy"``.
    bootstrap_beta : float or None, default=None
        Weight in ``(0, 1]`` of the given label in the bootstrapping target
        (the rest goes to the network's own prediction); ``None`` uses 0.95
        for ``"soft_bootstrap"`` and 0.8 for ``"hard_bootstrap"``.
    finetune_epochs : int, default=50
        Epochs of fine-tuning on the trusted rows, after the main training,
        when ``fit`` gets a ``trusted`` mask (and in :meth:`fine_tune`);
        ``0`` turns fine-tuning off.
    finetune_lr : float or None, default=None
        Learning rate of fine-tuning; ``None`` uses ``lr``.
    module : callable, torch.nn.Module or None, default=None
        Custom network. A callable (such as an ``nn.Module`` subclass) is
        called as ``module(n_features, n_classes)``; an ``nn.Module``
        instance is used as a template: every fit trains a deep copy whose
        parameters are re-initialised from ``random_state``, so clones and
        cross-validation folds never share trained weights. Its output must
        be one logit per class; :meth:`transform` returns the input of its
        last ``nn.Linear`` layer.
    optimizer : {"adam", "adamw", "sgd"} or torch optimizer class, \
default="adam"
        Optimiser; ``"sgd"`` uses momentum 0.9.
    lr : float, default=1e-3
        Learning rate.
    weight_decay : float, default=0.0
        L2 penalty passed to the optimiser.
    max_epochs : int, default=100
        Passes over the training data made by :meth:`fit`.
    batch_size : int, default=128
        Rows per gradient step (capped at the number of rows).
    device : str or torch.device, default="cpu"
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (CUDA when
        available). A CUDA device asked for but absent falls back to the CPU
        with a :class:`SknoisyWarning`.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout and batch order. With an int,
        two fits on the same data and device give the same predictions.
    verbose : int, default=0
        Print skorch's epoch table when positive.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in fit, in their original type.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of a DataFrame ``X``; only defined for DataFrames.
    net_ : skorch.NeuralNet
        The fitted skorch net; ``net_.module_`` is the torch module and
        ``net_.history`` its training record.
    device_ : str
        The device training ran on.
    n_epochs_ : int
        Epochs trained so far (fit resets it, partial_fit adds one).
    loss_curve_ : list of float
        Mean training loss of each epoch, fine-tuning epochs included.
    n_finetune_epochs_ : int
        Epochs of fine-tuning on trusted rows in the last fit (0 without).

    See Also
    --------
    ConfidentCleaner : Find and drop or relabel wrong labels before fitting.
    sklearn.neural_network.MLPClassifier : scikit-learn's own MLP.

    Notes
    -----
    Label smoothing replaces the one-hot target of a sample with given
    class :math:`y` by :math:`(1-\\epsilon)\\,e_y + \\epsilon/K`, which
    bounds how far the logits can separate and so how hard the network can
    fit a wrong label [1]_. Lukasik et al. show that it behaves like loss
    correction under symmetric label noise [2]_. It helps most with a few
    per cent of wrong labels; with many more, clean the data first.

    The robust losses bound how much a wrong label can pull. Generalized
    cross-entropy :math:`(1 - p_y^q)/q` interpolates between cross-entropy
    and the mean absolute error [3]_. Symmetric cross-entropy adds to a
    down-weighted cross-entropy the reverse cross-entropy
    :math:`-\\sum_k p_k \\log t_k`, with :math:`\\log 0` replaced by -4
    [4]_. Bootstrapping trains against a mix of the given label and the
    network's own (soft) or most likely (hard) prediction [5]_. They are
    slower to fit than cross-entropy, so they may need more epochs or a
    larger ``lr``.

    With ``trusted`` given, :meth:`fit` trains on every row as usual and
    then continues for ``finetune_epochs`` on the trusted rows alone: the
    pre-train on noisy data, fine-tune on checked data recipe. Every class
    needs at least one trusted row.

    Predictions are computed in float32 by the network and returned as
    float64 probabilities that sum to one.

    References
    ----------
    .. [1] C. Szegedy, V. Vanhoucke, S. Ioffe, J. Shlens and Z. Wojna,
       "Rethinking the Inception Architecture for Computer Vision", CVPR 2016.
    .. [2] M. Lukasik, S. Bhojanapalli, A. K. Menon and S. Kumar, "Does label
       smoothing mitigate label noise?", ICML 2020.
    .. [3] Z. Zhang and M. R. Sabuncu, "Generalized Cross Entropy Loss for
       Training Deep Neural Networks with Noisy Labels", NeurIPS 2018.
    .. [4] Y. Wang, X. Ma, Z. Chen, Y. Luo, J. Yi and J. Bailey, "Symmetric
       Cross Entropy for Robust Learning with Noisy Labels", ICCV 2019.
    .. [5] S. Reed, H. Lee, D. Anguelov, C. Szegedy, D. Erhan and
       A. Rabinovich, "Training Deep Neural Networks on Noisy Labels with
       Bootstrapping", ICLR 2015 workshop.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknoisy import SmoothedNetClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> net = SmoothedNetClassifier(label_smoothing=0.1, max_epochs=50,
    ...                             random_state=0).fit(X, y)
    >>> net.predict_proba(X[:2]).sum(axis=1)
    array([1., 1.])
    >>> net.score(X, y) > 0.9
    True

    A robust loss, and fine-tuning on rows a person checked:

    >>> import numpy as np
    >>> trusted = np.zeros(len(y), dtype=bool)
    >>> trusted[::10] = True
    >>> net = SmoothedNetClassifier(loss="generalized_cross_entropy", lr=0.01,
    ...                             max_epochs=50, random_state=0)
    >>> net.fit(X, y, trusted=trusted).n_finetune_epochs_
    50
    """

    # ``trusted`` is requested by default under metadata routing: a mask
    # passed to a search is meant for every step that can use it.
    __metadata_request__fit = {"trusted": True}

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            Interval(Integral, 1, None, closed="left"),
            "array-like",
        ],
        "activation": [StrOptions(set(_ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "loss": [StrOptions(set(LOSSES))],
        "gce_q": [NumberInterval(Real, 0, 1, closed="right")],
        "sce_alpha": [NumberInterval(Real, 0, None, closed="left")],
        "sce_beta": [NumberInterval(Real, 0, None, closed="left")],
        # beta = 0 would train on the network's own predictions alone.
        "bootstrap_beta": [None, NumberInterval(Real, 0, 1, closed="right")],
        "finetune_epochs": [NumberInterval(Integral, 0, None, closed="left")],
        "finetune_lr": [None, NumberInterval(Real, 0, None, closed="neither")],
        "module": [None, callable],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), callable],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        dropout=0.0,
        label_smoothing=0.0,
        loss="cross_entropy",
        gce_q=0.7,
        sce_alpha=0.1,
        sce_beta=1.0,
        bootstrap_beta=None,
        finetune_epochs=50,
        finetune_lr=None,
        module=None,
        optimizer="adam",
        lr=1e-3,
        weight_decay=0.0,
        max_epochs=100,
        batch_size=128,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.label_smoothing = label_smoothing
        self.loss = loss
        self.gce_q = gce_q
        self.sce_alpha = sce_alpha
        self.sce_beta = sce_beta
        self.bootstrap_beta = bootstrap_beta
        self.finetune_epochs = finetune_epochs
        self.finetune_lr = finetune_lr
        self.module = module
        self.optimizer = optimizer
        self.lr = lr
        self.weight_decay = weight_decay
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit

    @restore_on_error
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, trusted=None):
        """Train a freshly initialised network for ``max_epochs`` epochs.

        With ``trusted``, training then goes on for ``finetune_epochs`` on
        the trusted rows alone (see :meth:`fine_tune`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features; any numeric dtype, numpy or pandas.
        y : array-like of shape (n_samples,)
            Labels of any type (strings, integers with gaps, categoricals).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the loss; rescaled to mean
            one, so only the ratios matter.
        trusted : array-like of bool of shape (n_samples,), default=None
            True for the rows whose label a person checked. Every class needs
            at least one. Requested by default under metadata routing.

        Returns
        -------
        self : SmoothedNetClassifier
            The fitted classifier.
        """
        index = X.index if isinstance(X, pd.DataFrame) else None
        self._check_loss_weights()
        X, y = self._validate_xy(X, y, reset=True)
        classes, codes = encode_labels(y)
        weight = self._check_sample_weight(sample_weight, X)
        finetuning = self.finetune_epochs > 0
        trusted = check_trusted(
            trusted,
            len(codes),
            codes=codes if finetuning else None,
            classes=classes if finetuning else None,
            who=type(self).__name__,
            index=index,
        )

        state = self._new_training_state(X, classes)
        self._run_epochs(state, X, codes, weight, self.max_epochs)
        n_finetune = 0
        if trusted is not None and finetuning:
            n_finetune = self._fine_tune_state(
                state,
                X[trusted],
                codes[trusted],
                None if weight is None else self._rescale(weight[trusted]),
            )
        self._set_fitted(state, classes)
        self.n_finetune_epochs_ = n_finetune
        return self

    @restore_on_error
    def fine_tune(self, X, y, sample_weight=None):
        """Go on training the fitted network on rows whose labels are trusted.

        Runs ``finetune_epochs`` epochs over ``X`` alone at learning rate
        ``finetune_lr`` (``lr`` when None), keeping the optimiser's state:
        the second half of pre-training on a large noisy set and
        fine-tuning on a small checked one. ``fit(X, y, trusted=mask)`` does
        both in one call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features of the trusted rows.
        y : array-like of shape (n_samples,)
            Their checked labels, each one of ``classes_``; every class must
            appear, or the network would learn to forget the missing ones.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss, rescaled to mean one.

        Returns
        -------
        self : SmoothedNetClassifier
            The fine-tuned classifier.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sknoisy import SmoothedNetClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> net = SmoothedNetClassifier(max_epochs=5, finetune_epochs=3,
        ...                             random_state=0).fit(X, y)
        >>> net.fine_tune(X[::5], y[::5]).n_epochs_
        8
        """
        check_is_fitted(self)
        self._validate_params()
        X, y = self._validate_xy(X, y, reset=False)
        _, codes = encode_labels(y, self.classes_)
        check_every_class_trusted(
            codes,
            self.classes_,
            who=f"{type(self).__name__}.fine_tune",
            remedy="add checked rows of it to X and y",
        )
        weight = self._check_sample_weight(sample_weight, X)

        state = self._training_state()
        n_finetune = self._fine_tune_state(state, X, codes, weight)
        self._set_fitted(state, self.classes_)
        self.n_finetune_epochs_ = n_finetune
        return self

    @restore_on_error
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one more epoch, initialising the network on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features.
        y : array-like of shape (n_samples,)
            Labels; on later calls each must be one of ``classes_``.
        classes : array-like of shape (n_classes,), default=None
            Every label the network will ever see. Needed on the first call
            when that batch does not contain all classes; ignored afterwards
            unless it contradicts ``classes_``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss, rescaled to mean one.

        Returns
        -------
        self : SmoothedNetClassifier
            The updated classifier.

        Notes
        -----
        The network, optimiser and device are built by the first call; later
        calls keep them, so changing ``hidden_layer_sizes``, ``module``,
        ``optimizer``, ``lr`` or ``device`` with ``set_params`` takes effect at
        the next :meth:`fit`. Each epoch trains a copy of the network, so an
        error or a KeyboardInterrupt mid-epoch leaves the previous state.
        """
        first_call = not hasattr(self, "net_")
        self._validate_params()
        self._check_loss_weights()
        X, y = self._validate_xy(X, y, reset=first_call)

        if first_call:
            known = (
                None if classes is None else encode_labels(as_label_array(classes))[0]
            )
            classes_, codes = encode_labels(y, known)
            state = self._new_training_state(X, classes_)
        else:
            if classes is not None and not np.array_equal(
                encode_labels(as_label_array(classes))[0], self.classes_
            ):
                raise ValueError(
                    f"classes={format_labels(np.unique(classes))} differs from "
                    f"the classes of the first partial_fit call, "
                    f"{format_labels(self.classes_)}."
                )
            classes_, codes = encode_labels(y, self.classes_)
            state = self._training_state()

        weight = self._check_sample_weight(sample_weight, X)
        self._run_epochs(state, X, codes, weight, 1)
        self._set_fitted(state, classes_)
        return self

    # ------------------------------------------------------------ predict

    def predict_proba(self, X):
        """Class probabilities as float64 rows that sum to one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features with the columns seen in fit.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, columns in the order of ``classes_``.
        """
        logits = self._logits(X)
        return torch.softmax(logits.double(), dim=1).numpy()

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably from logits.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features with the columns seen in fit.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class.
        """
        logits = self._logits(X)
        return torch.log_softmax(logits.double(), dim=1).numpy()

    def predict(self, X):
        """Most probable class of each sample, as one of ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features with the columns seen in fit.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        logits = self._logits(X)
        return self.classes_[logits.argmax(dim=1).numpy()]

    def per_sample_loss(self, X, y):
        """Cross-entropy of each sample's given label under the network.

        This is the plain, unsmoothed loss whatever ``loss`` trained the
        network: the quantity loss-ranking methods sort by. Wrong labels
        tend to have high loss early in training.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features with the columns seen in fit.
        y : array-like of shape (n_samples,)
            Given labels, each one of ``classes_``.

        Returns
        -------
        loss : ndarray of shape (n_samples,)
            ``-log p(y_i | x_i)`` in float64.
        """
        log_proba = self.predict_log_proba(X)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(log_proba):
            raise ValueError(
                f"y must be 1-D with one label per row of X ({len(log_proba)} "
                f"rows); got shape {y.shape}."
            )
        _, codes = encode_labels(y, self.classes_)
        return -log_proba[np.arange(len(codes)), codes]

    def transform(self, X):
        """Penultimate-layer activations: the network's embedding of ``X``.

        For the default MLP this is the output of the last hidden layer
        (``X`` itself when there is none); for a custom module, the input
        of its last ``nn.Linear`` layer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features with the columns seen in fit.

        Returns
        -------
        embedding : ndarray or DataFrame of shape (n_samples, n_hidden)
            float32 activations; a DataFrame with columns
            ``smoothednetclassifier0, ...`` after
            ``set_output(transform="pandas")``.
        """
        check_is_fitted(self)
        captured = []
        hook = self._output_layer().register_forward_pre_hook(
            lambda _module, inputs: captured.append(inputs[0].detach().cpu())
        )
        try:
            self._logits(X)
        finally:
            hook.remove()
        return torch.cat(captured).numpy()

    @property
    def _n_features_out(self) -> int:
        # Read by get_feature_names_out: one name per embedding dimension.
        check_is_fitted(self)
        return self._output_layer().in_features

    def _output_layer(self) -> nn.Linear:
        module = self.net_.module_
        linear = [m for m in module.modules() if isinstance(m, nn.Linear)]
        if not linear:
            raise AttributeError(
                "transform needs a module with an nn.Linear output layer; "
                f"{type(module).__name__} has none."
            )
        return linear[-1]

    # ------------------------------------------------------------ helpers

    def _validate_xy(self, X, y, *, reset):
        check_numeric_columns(X, type(self).__name__)
        y = None if y is None else as_label_array(y)
        X, y = validate_data(self, X, y, dtype=[np.float32, np.float64], reset=reset)
        check_float32_range(X)
        return X, y

    def _validate_x(self, X):
        check_numeric_columns(X, type(self).__name__)
        X = validate_data(self, X, dtype=[np.float32, np.float64], reset=False)
        check_float32_range(X)
        return X

    def _check_loss_weights(self) -> None:
        if (
            self.loss == "symmetric_cross_entropy"
            and self.sce_alpha == 0
            and self.sce_beta == 0
        ):
            raise ValueError(
                "sce_alpha=0 and sce_beta=0 make the symmetric cross-entropy zero "
                "for every sample, so the network would never learn; give at "
                "least one of them a positive weight."
            )

    def _check_sample_weight(self, sample_weight, X):
        if sample_weight is None:
            return None
        weight = _check_sample_weight(
            sample_weight, X, dtype=np.float32, ensure_non_negative=True
        )
        return self._rescale(weight)

    @staticmethod
    def _rescale(weight: np.ndarray) -> np.ndarray:
        total = weight.sum()
        if not total > 0:
            raise ValueError(
                "sample_weight must have a positive sum; got all zeros for "
                f"{len(weight)} rows."
            )
        return weight * (len(weight) / total)

    def _resolve_device(self) -> str:
        device = str(self.device)
        if device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        if device.startswith("cuda") and not torch.cuda.is_available():
            warnings.warn(
                f"device={device!r} was requested but CUDA is not available; "
                "training on the CPU.",
                SknoisyWarning,
                stacklevel=3,
            )
            return "cpu"
        try:
            parsed = torch.device(device)
        except RuntimeError:
            parsed = None
        if parsed is None or parsed.type not in ("cpu", "cuda"):
            raise ValueError(
                f"device={self.device!r} is not supported; use 'cpu', 'cuda', "
                "'cuda:N' or 'auto'."
            )
        if parsed.type == "cuda" and (parsed.index or 0) >= torch.cuda.device_count():
            raise ValueError(
                f"device={self.device!r} does not exist: this machine has "
                f"{torch.cuda.device_count()} CUDA device(s), cuda:0 to "
                f"cuda:{torch.cuda.device_count() - 1}."
            )
        return device

    def _hidden_sizes(self) -> tuple[int, ...]:
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
        if not all(isinstance(s, Integral) and s > 0 for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must be positive integers; got "
                f"{self.hidden_layer_sizes!r}."
            )
        return sizes

    def _build_module(self, n_features: int, n_classes: int) -> nn.Module:
        if self.module is None:
            return MLPModule(
                n_features,
                n_classes,
                hidden_layer_sizes=self._hidden_sizes(),
                activation=self.activation,
                dropout=self.dropout,
            )
        if isinstance(self.module, nn.Module):
            module = copy.deepcopy(self.module)
            for layer in module.modules():
                if hasattr(layer, "reset_parameters"):
                    layer.reset_parameters()
            return module
        module = self.module(n_features, n_classes)
        if not isinstance(module, nn.Module):
            raise TypeError(
                f"module(n_features, n_classes) must return a torch.nn.Module; "
                f"got {type(module).__name__}."
            )
        return module

    def _fine_tune_state(self, state, X, codes, weight) -> int:
        """Train ``state`` on the given rows at the fine-tuning learning rate."""
        if self.finetune_epochs == 0:
            return 0
        optimizer = state["net"].optimizer_
        lr = self.lr if self.finetune_lr is None else self.finetune_lr
        saved = [group["lr"] for group in optimizer.param_groups]
        for group in optimizer.param_groups:
            group["lr"] = lr
        try:
            self._run_epochs(
                state,
                X,
                codes,
                weight,
                self.finetune_epochs,
                lr_name="lr" if self.finetune_lr is None else "finetune_lr",
            )
        finally:
            for group, value in zip(optimizer.param_groups, saved, strict=True):
                group["lr"] = value
        return self.finetune_epochs

    def _new_training_state(self, X: np.ndarray, classes: np.ndarray) -> dict:
        """Build an untrained skorch net; nothing is stored on ``self`` yet."""
        device = self._resolve_device()
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        optimizer, optimizer_kwargs = (
            _OPTIMIZERS[self.optimizer]
            if isinstance(self.optimizer, str)
            else (self.optimizer, {})
        )
        with _forked_rng(device):
            _seed(device, seed)
            module = self._build_module(X.shape[1], len(classes))
            rng_state = _get_rng_state(device)
        self._check_module_output(module, X, len(classes), device)

        net = _WeightedNet(
            module=module,
            criterion=make_loss(
                self.loss,
                label_smoothing=self.label_smoothing,
                gce_q=self.gce_q,
                sce_alpha=self.sce_alpha,
                sce_beta=self.sce_beta,
                bootstrap_beta=self.bootstrap_beta,
            ),
            optimizer=optimizer,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train=BatchLoader,
            iterator_valid=BatchLoader,
            iterator_train__shuffle=True,
            train_split=None,
            verbose=self.verbose,
            device=device,
            **{f"optimizer__{k}": v for k, v in optimizer_kwargs.items()},
            optimizer__weight_decay=self.weight_decay,
        )
        with _forked_rng(device):
            net.initialize()
        return {
            "net": net,
            "device": device,
            "rng_state": rng_state,
            "params": self.get_params(deep=False),
        }

    def _check_module_output(self, module, X, n_classes, device):
        probe = as_float_tensor(X[:2]).to(device)
        module.to(device).eval()
        try:
            with torch.no_grad():
                out = module(probe)
        except Exception as exc:
            raise ValueError(
                f"module {type(module).__name__} failed on input of shape "
                f"{tuple(probe.shape)} ({X.shape[1]} features): {exc}"
            ) from exc
        finally:
            module.train()
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (
            len(probe),
            n_classes,
        ):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out)
            raise ValueError(
                f"module must return logits of shape (n_samples, {n_classes}); "
                f"got {shape} for {len(probe)} samples."
            )

    def _training_state(self) -> dict:
        # A copy, so that an epoch that fails half-way changes nothing.
        return {
            "net": copy.deepcopy(self.net_),
            "device": self.device_,
            "rng_state": self._torch_rng_state,
            "params": self._net_params,
        }

    def _run_epochs(self, state, X, codes, weight, epochs, lr_name="lr"):
        dataset = TensorDataset(
            as_float_tensor(X),
            torch.from_numpy(np.asarray(codes, dtype=np.int64)),
            None if weight is None else torch.from_numpy(weight),
        )
        with _forked_rng(state["device"]):
            _set_rng_state(state["device"], state["rng_state"])
            state["net"].train_epochs(dataset, epochs)
            state["rng_state"] = _get_rng_state(state["device"])

        losses = np.asarray(state["net"].history[:, "train_loss"][-epochs:], float)
        if not np.all(np.isfinite(losses)):
            epoch = (
                len(state["net"].history)
                - epochs
                + int(np.argmin(np.isfinite(losses)))
                + 1
            )
            raise ValueError(
                f"Training diverged: the loss became {losses[~np.isfinite(losses)][0]} "
                f"in epoch {epoch}. Lower {lr_name} (now "
                f"{getattr(self, lr_name)!r}) or scale X "
                "(e.g. StandardScaler in the Pipeline); the estimator was left "
                "as it was before this call."
            )

    def _set_fitted(self, state, classes):
        self.net_ = state["net"]
        self.device_ = state["device"]
        self._torch_rng_state = state["rng_state"]
        self._net_params = state["params"]
        self.classes_ = classes
        self.n_finetune_epochs_ = getattr(self, "n_finetune_epochs_", 0)
        history = self.net_.history
        self.n_epochs_ = len(history)
        self.loss_curve_ = [float(v) for v in history[:, "train_loss"]]

    def _logits(self, X) -> torch.Tensor:
        check_is_fitted(self)
        X = self._validate_x(X)
        module = self.net_.module_
        was_training = module.training
        module.eval()
        device = self.device_
        try:
            with torch.inference_mode():
                # One chunk at a time to float32, so that a large or
                # memory-mapped X is never copied whole.
                chunks = [
                    module(
                        as_float_tensor(X[start : start + _PREDICT_CHUNK]).to(device)
                    )
                    .float()
                    .cpu()
                    for start in range(0, len(X), _PREDICT_CHUNK)
                ]
        finally:
            module.train(was_training)
        return torch.cat(chunks) if chunks else torch.empty(0, len(self.classes_))

    # -------------------------------------------------------- persistence

    def __getstate__(self):
        # skops refuses torch tensors, and pickle would store them for the
        # training device: the fitted network travels as numpy arrays and
        # plain values, and __setstate__ rebuilds it on a device this
        # machine has. (A copy: BaseEstimator hands back vars(self) itself.)
        state = dict(super().__getstate__())
        if "net_" in state:
            net = self.net_
            state["net_"] = {
                "module": to_arrays(dict(net.module_.state_dict())),
                "optimizer": to_arrays(net.optimizer_.state_dict()),
                "history": [dict(epoch) for epoch in copy.deepcopy(net.history)],
                "best_scores": {
                    name: callback.best_score_
                    for name, callback in net.callbacks_
                    if hasattr(callback, "best_score_")
                },
            }
            state["_torch_rng_state"] = to_arrays(list(self._torch_rng_state))
        return state

    def __setstate__(self, state):
        state = dict(state)
        saved = state.pop("net_", None)
        rng_state = state.pop("_torch_rng_state", None)
        super().__setstate__(state)
        if saved is not None:
            self._restore_net(saved, rng_state)

    def __deepcopy__(self, memo):
        # A copy in memory needs no portable form: copy the skorch net as it
        # is, on its device.
        copied = type(self).__new__(type(self))
        memo[id(self)] = copied
        copied.__dict__.update(copy.deepcopy(vars(self), memo))
        return copied

    def _restore_net(self, saved: dict, rng_state: list) -> None:
        """Rebuild ``net_`` from the arrays :meth:`__getstate__` stored."""
        device, (cpu_rng, cuda_rng) = self.device_, rng_state
        if _cuda_index(device) and not _cuda_device_exists(device):
            warnings.warn(
                f"This {type(self).__name__} was trained on {device!r}, which "
                "this machine does not have (no CUDA); it is loaded on the CPU.",
                SknoisyWarning,
                stacklevel=3,
            )
            device, cuda_rng = "cpu", None
        # The network as fit built it (random_state is immaterial: every
        # weight and the generator state are restored below).
        builder = clone(
            type(self)(**{**self._net_params, "device": device, "random_state": 0})
        )
        probe = np.zeros((2, self.n_features_in_), dtype=np.float32)
        net = builder._new_training_state(probe, self.classes_)["net"]
        net.module_.load_state_dict(to_tensors(saved["module"]))
        net.optimizer_.load_state_dict(to_tensors(saved["optimizer"]))
        net.history = History(copy.deepcopy(saved["history"]))
        callbacks = dict(net.callbacks_)
        for name, best_score in saved["best_scores"].items():
            callbacks[name].best_score_ = best_score

        self.net_ = net
        self.device_ = device
        self._torch_rng_state = (
            to_tensors(cpu_rng),
            None if cuda_rng is None else to_tensors(cuda_rng),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        # A fixed random_state repeats a CPU run exactly; CUDA kernels may
        # add up in another order from run to run.
        tags.non_deterministic = str(self.device) != "cpu"
        # transform returns float32 activations whatever the input dtype.
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _cuda_index(device: str) -> list[int]:
    if not device.startswith("cuda"):
        return []
    return [torch.device(device).index or 0]


def _cuda_device_exists(device: str) -> bool:
    return torch.cuda.is_available() and _cuda_index(device)[0] < (
        torch.cuda.device_count()
    )


# torch has one global generator per process, and weight initialisation,
# dropout and batch order draw from it. Two threads training at once
# (joblib's threading backend, a Dask worker with several threads) would
# interleave their draws and lose reproducibility, so every section that
# seeds or draws from it holds this lock.
_GLOBAL_RNG_LOCK = threading.RLock()


@contextlib.contextmanager
def _forked_rng(device: str):
    """Use torch's global RNG without disturbing the caller or other threads."""
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=_cuda_index(device)):
        yield


def _seed(device: str, seed: int) -> None:
    """Seed the CPU generator and the training device's, no other GPU's."""
    torch.random.default_generator.manual_seed(seed)
    for index in _cuda_index(device):
        with torch.cuda.device(index):
            torch.cuda.manual_seed(seed)


def _get_rng_state(device: str):
    cuda = _cuda_index(device)
    return (
        torch.get_rng_state(),
        torch.cuda.get_rng_state(cuda[0]) if cuda else None,
    )


def _set_rng_state(device: str, state) -> None:
    cpu_state, cuda_state = state
    torch.set_rng_state(cpu_state)
    if cuda_state is not None:
        torch.cuda.set_rng_state(cuda_state, _cuda_index(device)[0])

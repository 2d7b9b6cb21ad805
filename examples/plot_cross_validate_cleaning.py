"""
Cross-validating cleaning strategies
====================================

**Which cleaning strategy should I pick, when my validation folds carry the
same wrong labels as my training folds?**

GridSearchCV scores each candidate on held-out folds of the labels you
have. When some of those labels are wrong, a candidate is rewarded for
agreeing with them, and the score says little about how good the model is.
If a person has checked a few rows, :func:`~sknoisy.trusted_scorer` scores
each fold on those rows alone.

The data is scikit-learn's handwritten digits, with 30 % *pair* noise: a
label ``k`` becomes ``k + 1``, the way a labeller who confuses two classes
would err. 15 % of the training rows are "checked": they get their true
label back and are marked in a boolean ``trusted`` mask.
"""

# %%
# Noisy labels and a checked subset
# ---------------------------------
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import sklearn
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sknoisy import (
    ConfidentCleaner,
    SmoothedNetClassifier,
    inject_label_noise,
    trusted_scorer,
)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
y_noisy, is_flipped = inject_label_noise(y_train, 0.3, kind="pair", random_state=0)

# A person checks a stratified sample of rows and corrects their labels.
checked, _ = train_test_split(
    np.arange(len(y_noisy)), train_size=0.15, stratify=y_noisy, random_state=0
)
trusted = np.isin(np.arange(len(y_noisy)), checked)
y_checked = np.where(trusted, y_train, y_noisy)
print(f"{trusted.sum()} checked rows, {is_flipped.sum()} wrong labels in all")

# %%
# The candidates
# --------------
# No cleaning, or a :class:`~sknoisy.ConfidentCleaner` that drops what a cheap
# logistic-regression detector flags; each with or without fine-tuning the
# network on the checked rows afterwards. The cleaner never flags a checked
# row.
net = SmoothedNetClassifier(max_epochs=30, batch_size=256, random_state=0)
cleaner = ConfidentCleaner(net, detector=LogisticRegression(max_iter=500), cv=3)
pipe = Pipeline([("scale", StandardScaler()), ("clf", net)])
grid = [
    {"clf": [net], "clf__finetune_epochs": [0, 50]},
    {
        "clf": [cleaner],
        "clf__estimator__finetune_epochs": [0, 50],
    },
]

# %%
# Two scores at once
# ------------------
# Metadata routing hands every fold's part of the ``trusted`` mask to the
# estimators (which fine-tune on it) and to the trusted scorer. Plain
# accuracy on the same folds is computed alongside, for comparison.
with sklearn.config_context(enable_metadata_routing=True):
    search = GridSearchCV(
        pipe,
        grid,
        scoring={"trusted": trusted_scorer("accuracy"), "noisy": "accuracy"},
        refit=False,
        cv=3,
    )
    search.fit(X_train, y_checked, trusted=trusted)


def describe(params):
    clf = params["clf"]
    if isinstance(clf, ConfidentCleaner):
        tuned = params["clf__estimator__finetune_epochs"]
        name = "cleaned (drop)"
    else:
        tuned = params["clf__finetune_epochs"]
        name = "no cleaning"
    return name + (", fine-tuned" if tuned else "")


# %%
# What each score would pick, and what the test labels say
# --------------------------------------------------------
# To see which choice was right, every candidate is refitted on the whole
# training set and scored on the clean test labels.
rows = []
with sklearn.config_context(enable_metadata_routing=True):
    for params, on_trusted, on_noisy in zip(
        search.cv_results_["params"],
        search.cv_results_["mean_test_trusted"],
        search.cv_results_["mean_test_noisy"],
        strict=True,
    ):
        model = (
            clone(pipe).set_params(**params).fit(X_train, y_checked, trusted=trusted)
        )
        rows.append(
            {
                "candidate": describe(params),
                "CV on noisy folds": on_noisy,
                "CV on checked rows": on_trusted,
                "clean test accuracy": model.score(X_test, y_test),
            }
        )
results = pd.DataFrame(rows).set_index("candidate")
results.round(3)

# %%
# Reading the two scores
# ----------------------
# **Level.** With 30 % of the validation labels wrong, even a perfect model
# would score about 0.7 on the noisy folds, so that column says little about
# how good a model is. The score on the checked rows is on the same scale as
# the clean test accuracy.
#
# **Ranking.** The noisy-fold scores of the candidates lie within a few
# points of each other, although their test accuracies differ by much more:
# a gap that small is easily reversed by chance. The checked-row scores
# spread as the test accuracies do, but they rest on few rows, so close
# candidates can still swap places. Their standard error shrinks as
# 1/√n with the number of checked rows:
per_fold = trusted.sum() / search.n_splits_
accuracy = results["CV on checked rows"].max()
print(f"about {per_fold:.0f} checked rows per fold;")
print(
    "standard error of the mean over the folds at that accuracy:",
    f"{np.sqrt(accuracy * (1 - accuracy) / trusted.sum()):.3f}",
)

# %%
# What each score picks, against the best candidate on the test labels:
for column in ["CV on noisy folds", "CV on checked rows", "clean test accuracy"]:
    pick = results[column].idxmax()
    test = results.loc[pick, "clean test accuracy"]
    print(f"{column:>20} picks {pick!r}: test accuracy {test:.3f}")

# %%
ax = results.plot.barh(figsize=(8, 4.5), width=0.8)
ax.set_xlim(0.5, 1.0)
ax.set_xlabel("accuracy")
ax.set_ylabel("")
ax.invert_yaxis()
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=3)
plt.tight_layout()
plt.show()

# %%
# Under symmetric noise, accuracy on noisy folds at least ranks models in the
# right order; under pair noise, as here, it need not. The checked rows do a
# second job as well: fine-tuning on them is a candidate of its own in the
# grid, and the test column shows what it is worth on this data. See
# :doc:`/trusted` for the measurements over several seeds.

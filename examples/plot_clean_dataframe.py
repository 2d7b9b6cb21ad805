"""
Cleaning a pandas table with string labels
==========================================

**Which rows of my DataFrame carry a wrong label, and what should they say?**

A table arrives as a :class:`pandas.DataFrame` with a text column for the
class. :class:`~sknoisy.ConfidentCleaner` takes it as it is: the labels stay
strings, and the table of suspects keeps the DataFrame's index, so each
suspect can be looked up in the original data.

The data is scikit-learn's breast cancer set (569 tumours, 30 measurements
each), with the diagnosis as ``"malignant"`` or ``"benign"``. 10 % of the
training labels are flipped on purpose, so that we can see how many of them
the cleaner finds.
"""

# %%
# A DataFrame with string labels
# ------------------------------
# The rows get an identifier of their own as index, the way a table exported
# from a database would have one.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknoisy import ConfidentCleaner, detection_scores, inject_label_noise

data = load_breast_cancer(as_frame=True)
X = data.data
X.index = [f"T{i:04d}" for i in range(len(X))]
y = data.target.map(dict(enumerate(data.target_names))).set_axis(X.index)
y.name = "diagnosis"

X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
y_noisy, is_flipped = inject_label_noise(y_train, 0.1, random_state=0)
print(y_noisy.value_counts())
print("labels flipped:", is_flipped.sum(), "of", len(y_noisy))

# %%
# Clean, then fit
# ---------------
# The cleaner is the last step of the Pipeline. It fits its detector on 4 of
# 5 folds and scores the fifth, so that every row is judged by a model that
# did not see its label. The flagged rows are dropped before the final fit.
# The training rows come in a shuffled order, but a seeded shuffling
# splitter makes the folds reproducible.
cleaner = ConfidentCleaner(
    LogisticRegression(max_iter=1000),
    cv=StratifiedKFold(5, shuffle=True, random_state=0),
    action="drop",
)
pipe = make_pipeline(StandardScaler(), cleaner).fit(X_train, y_noisy)

# %%
# The suspects
# ------------
# ``label_issues_`` has one row per training row, with the same index.
# Sorting by ``label_quality`` puts the least trustworthy labels first. The
# column ``truly_flipped`` is only available because the noise was injected.
issues = pipe[-1].label_issues_
issues["truly_flipped"] = is_flipped
suspects = issues.sort_values("label_quality")
suspects.head(10)

# %%
# Because the index is the table's own, the suspects join back onto the
# measurements, ready for a person to check.
suspects.head(5).join(X_train[["mean radius", "mean texture", "worst area"]])

# %%
# How well did it find the flipped labels?
scores = detection_scores(is_flipped, issues["is_label_issue"], issues["label_quality"])
print({k: round(v, 3) if isinstance(v, float) else v for k, v in scores.items()})

# %%
# Does cleaning help the model? Both are scored on test labels that were
# never touched. A logistic regression on these 30 measurements is barely
# disturbed by 10 % wrong labels, so the two scores differ by less than a
# point. What the cleaner adds here is the table of suspects.
plain = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
plain.fit(X_train, y_noisy)
print("trained on noisy labels:", round(plain.score(X_test, y_test), 3))
print("cleaned, then trained:  ", round(pipe.score(X_test, y_test), 3))

# %%
# A picture of the suspects
# -------------------------
# On the left, ``label_quality`` for the rows whose label was flipped and for
# the others: the wrong labels gather at the low end. On the right, the
# training rows on two measurements, coloured by their given label, with the
# flagged rows circled.
fig, (ax_hist, ax_scatter) = plt.subplots(1, 2, figsize=(11, 4.5))

bins = np.linspace(0, 1, 21)
ax_hist.hist(
    issues.loc[~is_flipped, "label_quality"], bins=bins, label="label kept", alpha=0.7
)
ax_hist.hist(
    issues.loc[is_flipped, "label_quality"], bins=bins, label="label flipped", alpha=0.7
)
ax_hist.set_yscale("log")
ax_hist.set_xlabel("label_quality (higher is cleaner)")
ax_hist.set_ylabel("training rows")
ax_hist.legend()

for diagnosis, color in [("malignant", "tab:red"), ("benign", "tab:blue")]:
    rows = y_noisy == diagnosis
    ax_scatter.scatter(
        X_train.loc[rows, "mean radius"],
        X_train.loc[rows, "mean texture"],
        s=12,
        color=color,
        alpha=0.6,
        label=f"given: {diagnosis}",
    )
flagged = issues["is_label_issue"]
ax_scatter.scatter(
    X_train.loc[flagged, "mean radius"],
    X_train.loc[flagged, "mean texture"],
    s=80,
    facecolors="none",
    edgecolors="black",
    label="flagged",
)
ax_scatter.set_xlabel("mean radius")
ax_scatter.set_ylabel("mean texture")
ax_scatter.legend(loc="upper right")
fig.tight_layout()
plt.show()

"""
Finding wrong labels in an embedding
====================================

**My inputs are raw pixels: can a network's embedding help a cleaner find
the wrong labels?**

A simple detector on raw pixels sees the images through the wrong features.
A network learns better ones, and
:meth:`SmoothedNetClassifier.transform <sknoisy.SmoothedNetClassifier.transform>`
returns them: the activations of its last hidden layer. A cheap cleaner then
works on that embedding.

The data is scikit-learn's handwritten digits (1,797 images of 8×8 pixels),
with 25 % of the labels flipped to a random other digit.
"""

# %%
# Noisy labels
# ------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknoisy import (
    ConfidentCleaner,
    SmoothedNetClassifier,
    detection_scores,
    inject_label_noise,
)

digits = load_digits()
X, y = digits.data, digits.target
y_noisy, is_flipped = inject_label_noise(y, 0.25, random_state=0)

# %%
# An embedding from a briefly trained network
# -------------------------------------------
# The network is trained on the noisy labels for a few epochs only, with the
# generalized cross-entropy loss, which bounds the pull of a wrong label.
# A network trained for long would memorise the wrong labels, and its
# embedding would place each image next to its given label. In a Pipeline,
# the network is a transformer like any other: ``fit_transform`` trains it
# and returns the embedding for the next step.
embedder = SmoothedNetClassifier(
    hidden_layer_sizes=(128, 32),
    loss="generalized_cross_entropy",
    lr=0.01,
    max_epochs=15,
    random_state=0,
)
embedding = make_pipeline(StandardScaler(), embedder).fit_transform(X, y_noisy)
print("embedding:", embedding.shape)

# %%
# The same cleaner on pixels and on the embedding
# -----------------------------------------------
# A logistic regression scores every row out of fold in both cases; only its
# input differs.
detector = LogisticRegression(max_iter=1000)
on_pixels = ConfidentCleaner(detector, cv=5).fit(
    StandardScaler().fit_transform(X), y_noisy
)
on_embedding = ConfidentCleaner(detector, cv=5).fit(embedding, y_noisy)

for name, cleaner in [("pixels", on_pixels), ("embedding", on_embedding)]:
    issues = cleaner.label_issues_
    scores = detection_scores(
        is_flipped, issues["is_label_issue"], issues["label_quality"]
    )
    print(
        f"{name:>9}: flagged {scores['n_flagged']:4d}, "
        f"precision {scores['precision']:.3f}, recall {scores['recall']:.3f}, "
        f"F1 {scores['f1']:.3f}, AUROC {scores['auroc']:.3f}"
    )

# %%
# On the embedding, the cleaner flags far fewer correct labels: precision,
# F1 and AUROC rise, for a little less recall.

# %%
# The most suspicious images
# --------------------------
# The 18 rows with the lowest ``label_quality`` on the embedding, with the
# label they were given and the one the cleaner suggests. A green title means
# the given label was indeed flipped; a red one would mark a correct label
# that the cleaner suspects.
issues = on_embedding.label_issues_
worst = issues.sort_values("label_quality").index[:18]

fig, axes = plt.subplots(3, 6, figsize=(9, 5.4))
for ax, row in zip(axes.ravel(), worst, strict=True):
    ax.imshow(digits.images[row], cmap="gray_r")
    given = issues.loc[row, "given_label"]
    suggested = issues.loc[row, "suggested_label"]
    ax.set_title(
        f"given {given}, suggested {suggested}",
        fontsize=9,
        color="tab:green" if is_flipped[row] else "tab:red",
    )
    ax.set_axis_off()
fig.suptitle("Lowest label quality on the network's embedding")
fig.tight_layout()
plt.show()

# %%
# How often the suggested label is the true one, among the flagged rows that
# were really flipped:
flagged_flipped = issues["is_label_issue"].to_numpy() & is_flipped
print(
    "suggested label is the true digit for",
    f"{np.mean(issues['suggested_label'][flagged_flipped] == y[flagged_flipped]):.1%}",
    "of the wrong labels found",
)

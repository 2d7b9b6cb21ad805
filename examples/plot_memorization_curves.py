"""
Watching memorisation happen
============================

**When does my network start learning the wrong labels by heart, and can I
stop it before it does?**

A network trained on partly wrong labels first learns what most of the data
agrees on, and only later memorises the labels that contradict it. This
example makes the two phases visible, then lets
:class:`~sknoisy.MemorizationStopper` find the turning point from a noisy
hold-out alone.

The data is scikit-learn's handwritten digits, with 40 % of the training
labels flipped to a random other digit. The test labels stay clean.
"""

# %%
# Noisy labels
# ------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sknoisy import (
    MemorizationStopper,
    SmoothedNetClassifier,
    inject_label_noise,
    plot_loss_curves,
)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
y_noisy, is_flipped = inject_label_noise(y_train, 0.4, random_state=0)

# %%
# Two phases, epoch by epoch
# --------------------------
# ``partial_fit`` trains one epoch per call. After each one we measure what
# only this experiment can know: how many of the *wrong* labels the network
# already reproduces on its training rows, and its accuracy on the clean
# test labels.
n_epochs = 60
net = SmoothedNetClassifier(hidden_layer_sizes=(256,), random_state=0)
memorised, test_accuracy = [], []
for _ in range(n_epochs):
    net.partial_fit(X_train, y_noisy)
    predicted = net.predict(X_train)
    memorised.append(np.mean(predicted[is_flipped] == y_noisy[is_flipped]))
    test_accuracy.append(net.score(X_test, y_test))

epochs = np.arange(1, n_epochs + 1)
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(epochs, test_accuracy, label="accuracy on clean test labels")
ax.plot(epochs, memorised, label="wrong training labels reproduced")
ax.set_xlabel("epoch")
ax.set_ylim(0, 1)
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Early on, the network predicts the *true* digit for most of the flipped
# rows, so it reproduces few wrong labels and its test accuracy climbs. Then
# it starts fitting the flipped rows one by one: the share of wrong labels it
# reproduces rises and the test accuracy falls.
best = int(np.argmax(test_accuracy))
print(f"best test accuracy {test_accuracy[best]:.3f} after epoch {best + 1}")
print(f"after epoch {n_epochs}: {test_accuracy[-1]:.3f}")

# %%
# Stopping from a noisy hold-out
# ------------------------------
# In practice there are no clean labels to watch. The stopper holds out 10 %
# of the *noisy* rows, stops when their loss has not improved for
# ``patience`` epochs, and returns the model of the best epoch.
stopper = MemorizationStopper(
    SmoothedNetClassifier(hidden_layer_sizes=(256,), random_state=0),
    max_epochs=n_epochs,
    random_state=0,
).fit(X_train, y_noisy)
print("best epoch:", stopper.best_epoch_, "| epochs run:", stopper.n_epochs_)
print("memorisation after epoch:", stopper.memorization_epoch_)
print(f"test accuracy of the stopped model: {stopper.score(X_test, y_test):.3f}")

# %%
# ``history_`` has one row per epoch.
stopper.history_.head()

# %%
# :func:`~sknoisy.plot_loss_curves` draws the same story from what the
# stopper could see: the training loss keeps falling while the validation
# loss, on noisy held-out labels, bottoms out and climbs again.
ax = plot_loss_curves(stopper)
ax.figure.set_size_inches(7, 4)
ax.figure.tight_layout()
plt.show()

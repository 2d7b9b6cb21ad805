"""The HTML audit report: content, escaping, self-containment, and a browser."""

import dataclasses
import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import SGDClassifier

from sknoisy import MemorizationStopper, inject_label_noise
from sknoisy._audit import audit_table
from sknoisy._report import build_report, noise_matrix

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture(scope="module")
def audit():
    """An audit of iris whose column names and labels contain HTML."""
    iris = load_iris(as_frame=True)
    table = iris.frame.drop(columns="target")
    noisy, _ = inject_label_noise(iris.target, 0.15, random_state=1)
    names = np.array(["$5-$10 setosa", "versi<b>color</b>", "virginica & co"])
    table[HOSTILE] = names[noisy]
    table["colour <i>"] = ["red", "<blue>", None] * 50
    return audit_table(table, HOSTILE, source="iris <2>.csv")


@pytest.fixture(scope="module")
def stopped_audit(audit):
    """The same audit with a fitted MemorizationStopper attached."""
    X, y = load_iris(return_X_y=True)
    stopper = MemorizationStopper(
        SGDClassifier(loss="log_loss", random_state=0),
        max_epochs=15,
        validation_fraction=0.2,
        random_state=0,
    ).fit(X, y)
    return dataclasses.replace(audit, stopper=stopper)


class _Collector(HTMLParser):
    """Tags, attributes and text of a page."""

    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    return collector


def test_noise_matrix_counts_suspects_under_their_suggested_label(audit):
    counts = noise_matrix(audit)
    issues = audit.issues
    assert counts.to_numpy().sum() == len(issues)
    assert np.trace(counts.to_numpy()) == len(issues) - int(
        (
            issues["is_label_issue"]
            & (issues["given_label"] != issues["suggested_label"])
        ).sum()
    )
    per_class = counts.sum(axis=1)
    assert per_class.to_dict() == issues["given_label"].value_counts().to_dict()


def test_report_is_self_contained(stopped_audit):
    page = build_report(stopped_audit, apply_command="sknoisy apply a.csv b.csv")
    parsed = _parse(page)
    images = [attrs for tag, attrs in parsed.tags if tag == "img"]
    # Heatmap, histogram, loss curves.
    assert len(images) == 3
    assert all(a["src"].startswith("data:image/png;base64,") for a in images)
    for tag, attrs in parsed.tags:
        for name in ("src", "href"):
            value = attrs.get(name, "")
            assert not re.match(r"(https?:)?//", value), (tag, value)
    assert not any(tag in ("script", "link", "iframe") for tag, _ in parsed.tags)
    assert "@import" not in page and "url(" not in page


def test_report_escapes_every_user_string(audit):
    page = build_report(audit, apply_command=f"sknoisy apply --target '{HOSTILE}'")
    parsed = _parse(page)
    assert not any(tag in ("script", "b", "i", "blue") for tag, _ in parsed.tags)
    text = "".join(parsed.text)
    for raw in (
        HOSTILE,
        "versi<b>color</b>",
        "virginica & co",
        "colour <i>",
        "iris <2>",
    ):
        assert raw in text, raw


def test_report_shows_summary_classes_and_top_suspects(audit):
    page = build_report(audit, top=5)
    text = " ".join(_parse(page).text)
    n_suspects = int(audit.issues["is_label_issue"].sum())
    assert f"{n_suspects}" in text and "suspect labels" in text
    assert "estimated noise rate" in text
    assert f"The 5 most suspicious of {n_suspects} suspects" in text
    tables = re.findall(r"<table.*?</table>", page, flags=re.S)
    suspects = [t for t in tables if 'class="suspects"' in t]
    assert suspects and suspects[0].count("<tr>") == 1 + 5
    # No curves without a stopper.
    assert "Training and validation loss" not in text


def test_report_says_when_there_are_no_suspects(audit):
    calm = audit.issues.assign(is_label_issue=False, rank=pd.NA)
    quiet = dataclasses.replace(audit, issues=calm, suspects=audit.suspects.iloc[:0])
    page = build_report(quiet)
    assert "No suspects" in page
    assert page.count("<img") == 2


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="no Chromium binary found")
def test_report_renders_in_headless_chromium(stopped_audit, tmp_path):
    matplotlib_image = pytest.importorskip("matplotlib.image")
    report = tmp_path / "report.html"
    report.write_text(build_report(stopped_audit), encoding="utf-8")
    screenshot = tmp_path / "report.png"
    browser = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        # No network: every host resolves to nothing.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1100,4000",
    ]

    dom = subprocess.run(
        [*browser, "--dump-dom", report.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    parsed = _parse(dom)
    images = [a for tag, a in parsed.tags if tag == "img"]
    assert len(images) == 3
    assert all(a["src"].startswith("data:image/png;base64,") for a in images)
    assert sum(tag == "table" for tag, _ in parsed.tags) >= 3
    assert "Top suspects" in "".join(parsed.text)

    subprocess.run(
        [*browser, f"--screenshot={screenshot}", report.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    pixels = matplotlib_image.imread(screenshot)[..., :3]
    assert pixels.shape[:2] == (4000, 1100)
    # The plots drew: the suspects' red (#e45756) and the heatmap's reds.
    red = (pixels[..., 0] > 0.75) & (pixels[..., 1] < 0.45) & (pixels[..., 2] < 0.45)
    assert red.sum() > 2000

"""The benchmark scripts run end to end on tiny settings, and render a page.

These runs are far too small to measure anything; they only keep the
scripts in ``benchmarks/`` from rotting as the package changes.
"""

import importlib
import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    """Import a benchmark script by name, with ``benchmarks/`` on the path."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield importlib.import_module
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def tiny_results(bench, tmp_path_factory):
    """Every benchmark's payload from a tiny run, written as the scripts do."""
    results = tmp_path_factory.mktemp("results")
    write = bench("_results").write_json_atomically

    b1 = bench("b1_detection")
    write(
        b1.run(
            True,
            datasets=("wine",),
            only=(b1.SAME_BASE, b1.CLEANLAB, b1.NET_METHODS[1]),
            net_epochs=2,
            repeats=1,
        ),
        results / "b1_detection_quick.json",
    )

    b2 = bench("b2_robustness")
    write(
        b2.run(True, only=("generalized_cross_entropy",), max_epochs=2),
        results / "b2_robustness_quick.json",
    )

    b3 = bench("b3_speed")
    write(b3.run(True, n_rows=600, rounds=1, epochs=1), results / "b3_speed_quick.json")

    b4 = bench("b4_scale")
    write(
        b4.run(
            True,
            sizes=(400, 800),
            only=("ConfidentCleaner, LogisticRegression detector",),
        ),
        results / "b4_scale_quick.json",
    )

    b5 = bench("b5_real_errors")
    write(b5.run(data=results / "absent"), results / "b5_real_errors.json")
    return results


@pytest.mark.slow
def test_detection_scores_every_method_against_cleanlab(tiny_results):
    payload = json.loads((tiny_results / "b1_detection_quick.json").read_text())
    assert {r["method"] for r in payload["runs"]} >= {
        "ConfidentCleaner, LogisticRegression detector",
        "cleanlab CleanLearning(LogisticRegression)",
    }
    assert all(0 <= r["f1"] <= 1 for r in payload["runs"])
    against = payload["against_cleanlab"]
    assert against["n_runs"] == 2  # wine, symmetric and pair, seed 0
    assert len(against["best_per_setting"]) == 2


@pytest.mark.slow
def test_robustness_reports_recovered_fraction(tiny_results):
    payload = json.loads((tiny_results / "b2_robustness_quick.json").read_text())
    models = {s["model"] for s in payload["summary"]}
    assert models == {"plain net (cross_entropy)", "generalized_cross_entropy"}
    plain = [s for s in payload["summary"] if s["model"].startswith("plain")]
    assert all(s["recovered_fraction"] in (0, None) for s in plain)
    assert all(t["noise_rate"] in (0.2, 0.4) for t in payload["targets"])


@pytest.mark.slow
def test_speed_compares_every_contender_with_the_hand_loop(bench, tiny_results):
    b3 = bench("b3_speed")
    payload = json.loads((tiny_results / "b3_speed_quick.json").read_text())
    assert set(payload["runs"]) == set(b3.CONTENDERS)
    assert payload["runs"][b3.HAND]["median_ratio_to_hand_loop"] == 1.0
    assert payload["profile"]["parts"]["training epochs (_run_epochs)"]["seconds"] > 0


@pytest.mark.slow
def test_scale_measures_each_point_in_a_subprocess(tiny_results):
    payload = json.loads((tiny_results / "b4_scale_quick.json").read_text())
    assert [p["n_rows"] for p in payload["points"]] == [400, 800]
    assert all(
        "error" not in p and p["peak_traced_bytes"] > 0 for p in payload["points"]
    )
    assert "time_slope" in payload["slopes"][0]


def test_real_errors_skip_without_their_data(bench, tmp_path):
    b5 = bench("b5_real_errors")
    ran, status = b5.availability(tmp_path / "mnist_test", tmp_path / "README")
    assert not ran
    assert status.startswith("not run: data absent")
    (tmp_path / "mnist_test").mkdir()
    assert "README" in b5.availability(tmp_path / "mnist_test", tmp_path / "README")[1]


@pytest.mark.slow
def test_render_writes_every_section_and_both_plots(bench, tiny_results, tmp_path):
    render = bench("render")
    page, images = tmp_path / "benchmarks.md", tmp_path / "images"
    text = render.render(tiny_results, page, images)
    assert page.read_text() == text
    for heading in (
        "## Targets",
        "## B1 — detection",
        "## B2 — robustness",
        "## B3 — training speed",
        "## B4 — scale",
        "## B5 — real, human-confirmed errors",
        "## Where it ran",
    ):
        assert heading in text
    assert "Not measured here" in text
    assert (images / render.B1_PLOT).stat().st_size > 0
    assert (images / render.B3_PLOT).stat().st_size > 0

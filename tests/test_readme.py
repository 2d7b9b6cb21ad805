"""README.md's promises: the two commands exist and the example runs."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_names_the_two_commands_and_ci_runs_the_test_one():
    assert "make demo" in README
    assert "make test" in README
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:", makefile, flags=re.M)
    assert re.search(r"^test:", makefile, flags=re.M)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test\b", ci, flags=re.M)


@pytest.mark.slow
def test_readme_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks, "README.md has no python example"
    # One namespace: the README is read top to bottom, each block going on
    # from the one before.
    namespace = {"__name__": "__readme__"}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "confidentcleaner__action" in out
    accuracy = float(re.search(r"accuracy on clean test labels: ([0-9.]+)", out)[1])
    assert accuracy > 0.9
    assert "label_quality" in out
    checked = float(re.search(r"with the checked rows: ([0-9.]+)", out)[1])
    assert checked > 0.9

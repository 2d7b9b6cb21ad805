"""Sphinx configuration for the sknoisy documentation.

Build from the repository root:

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Set ``SKNOISY_DOCS_QUICK=1`` (or pass ``-D plot_gallery=0``) to lay out the
example gallery without running the examples.
"""

import os
import re
from pathlib import Path

import sknoisy

HERE = Path(__file__).resolve().parent

project = "sknoisy"
author = "the sknoisy developers"
copyright = "the sknoisy developers"
release = sknoisy.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

# The Markdown pages link to each other's sections by heading.
myst_heading_anchors = 3

# API reference: one page per public name, methods listed on the class page.
autosummary_generate = True
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "inherited-members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# Example gallery. Only ``plot_*.py`` scripts belong to it; other scripts in
# examples/ are run by hand.
QUICK = os.environ.get("SKNOISY_DOCS_QUICK", "") not in ("", "0")
plot_gallery = "False" if QUICK else "True"
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": re.escape(os.sep) + "plot_",
    "ignore_pattern": r"__init__\.py|^(?!plot_).*\.py$",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sknoisy",),
    "reference_url": {"sknoisy": None},
    "backreferences_dir": "generated/backreferences",
    "download_all_examples": False,
    "remove_config_comments": True,
}

html_theme = "pydata_sphinx_theme"
html_title = f"sknoisy {release}"
html_theme_options = {
    "navbar_align": "left",
    "header_links_before_dropdown": 6,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
toc_object_entries_show_parents = "hide"
# Short pages need no section navigation; example pages need the width for
# 88-column code.
html_sidebars = {
    "index": [],
    "getting_started": [],
    "changelog": [],
    "auto_examples/plot_*": [],
}


# Pages added to docs/ after the toctrees were written would fail a build
# with -W as "not included in any toctree". They are listed under "More" on
# the front page until someone places them.
TOCTREE_BLOCK = re.compile(r"```\{toctree\}\n(.*?)```", re.DOTALL)
TOCTREE_ENTRY = re.compile(r"^(?:.*<)?([\w./-]+?)(?:\.md|\.rst)?>?$")


def _pages_in_toctrees() -> set[str]:
    listed = {"index"}
    for page in HERE.glob("*.md"):
        for block in TOCTREE_BLOCK.findall(page.read_text(encoding="utf-8")):
            for line in block.splitlines():
                line = line.strip()
                match = TOCTREE_ENTRY.match(line)
                if line and not line.startswith(":") and match:
                    listed.add(match.group(1))
    return listed


def _unplaced_pages() -> list[str]:
    listed = _pages_in_toctrees()
    return sorted({p.stem for p in HERE.glob("*.md")} - listed)


def _list_unplaced_pages(app, docname, source):
    if docname != root_doc:
        return
    unplaced = _unplaced_pages()
    if unplaced:
        entries = "\n".join(unplaced)
        toctree = f"```{{toctree}}\n:caption: More\n:maxdepth: 1\n\n{entries}\n```"
        source[0] += f"\n\n{toctree}\n"


def _reread_index(app, env, added, changed, removed):
    return [root_doc]


def _skip_foreign_members(app, what, name, obj, skip, options):
    # Methods inherited from scikit-learn, torch or Python (get_params,
    # set_output, state_dict, ...) are documented there. scikit-learn also
    # adds set_{method}_request to every estimator; sknoisy's estimators
    # request what they need by default.
    if what not in ("class", "exception"):
        return None
    if re.fullmatch(r"set_\w+_request", name):
        return True
    module = getattr(obj, "__module__", None) or getattr(
        getattr(obj, "__objclass__", None), "__module__", None
    )
    if callable(obj) and not (module or "").startswith("sknoisy"):
        return True
    return None


def setup(app):
    app.connect("source-read", _list_unplaced_pages)
    app.connect("env-get-outdated", _reread_index)
    app.connect("autodoc-skip-member", _skip_foreign_members)

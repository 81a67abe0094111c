"""Sphinx configuration for symbackprop's own documentation, built with its own directive.

Build: ``npm ci --prefix docs`` (MathJax, served from the site: no CDN), then
``python -m sphinx -W -b html docs docs/_build/html``.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import symbackprop  # noqa: E402

project = "symbackprop"
author = "the symbackprop authors"
copyright = "the symbackprop authors"
version = release = symbackprop.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "symbackprop.sphinx",
    "cliref",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
myst_enable_extensions = ["dollarmath"]
exclude_patterns = ["_build", "node_modules", "Thumbs.db", ".DS_Store"]

html_theme = "alabaster"
html_title = f"symbackprop {release}"
html_static_path = ["_static"]
html_css_files = ["symbackprop.css"]
html_theme_options = {"page_width": "1120px", "sidebar_width": "230px"}
numfig = True  # the figures' :numref: targets are numbered
smartquotes_action = "qe"  # quotes and ellipses; "--format" stays two hyphens

# MathJax 3 from the npm package (docs/package.json), copied into the site's _static: the
# pages render offline, with no CDN.  SVG output needs no web fonts.
MATHJAX = HERE / "node_modules" / "mathjax" / "es5" / "tex-svg.js"
mathjax_path = "tex-svg.js"
if MATHJAX.is_file():
    html_static_path.append(str(MATHJAX))

autodoc_member_order = "bysource"
autodoc_typehints = "description"

# docs/fuzzing.md is written alongside the reliability work; the index lists it once it exists.
HAS_FUZZING = (HERE / "fuzzing.md").is_file()


def _check_mathjax(app):  # type: ignore[no-untyped-def]
    if app.builder.format == "html" and not MATHJAX.is_file():
        from sphinx.util import logging

        logging.getLogger("symbackprop.docs").warning(
            "MathJax is missing (%s): run 'npm ci --prefix docs' so that math renders offline", MATHJAX.name
        )


def _toctree_without_missing(app, docname, source):  # type: ignore[no-untyped-def]
    if docname == "index" and not HAS_FUZZING:
        source[0] = "\n".join(line for line in source[0].splitlines() if line.strip() != "fuzzing")


def setup(app):  # type: ignore[no-untyped-def]
    app.connect("builder-inited", _check_mathjax)
    app.connect("source-read", _toctree_without_missing)

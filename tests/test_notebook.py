"""Jupyter: a result displays as its derivation; its views display themselves."""

from __future__ import annotations

import shutil

import pytest

import symbackprop


def test_mimebundle_has_latex_markdown_and_text():
    r = symbackprop.neuron()
    bundle = r._repr_mimebundle_()
    assert set(bundle) == {"text/latex", "text/markdown", "text/plain"}
    assert bundle["text/markdown"] == r.markdown()
    assert bundle["text/plain"] == r.text()
    assert bundle["text/latex"] == r._repr_latex_()
    assert bundle["text/latex"].startswith("$$") and bundle["text/latex"].endswith("$$")


def test_mimebundle_include_and_exclude():
    r = symbackprop.derive("x*w", at={"x": 2, "w": 3})
    assert set(r._repr_mimebundle_(include=["text/latex"])) == {"text/latex"}
    assert set(r._repr_mimebundle_(exclude=["text/markdown"])) == {"text/latex", "text/plain"}


def test_walkthrough_view():
    r = symbackprop.derive("tanh(x*w + b)", at={"x": 1, "w": 0.5, "b": 0})
    view = r.walkthrough()
    assert view._repr_markdown_() == r.markdown()
    assert str(view) == r.text()
    assert set(view._repr_mimebundle_()) == {"text/markdown", "text/plain"}


def test_equations_view():
    r = symbackprop.neuron(wrt=["w0"])
    view = r.equations()
    assert set(view._repr_mimebundle_()) == {"text/latex", "text/markdown", "text/plain"}
    assert view._repr_latex_() == r._repr_latex_()
    assert view._repr_markdown_().startswith("$$\n") and r"\partial w_{0}" in str(view)


@pytest.mark.skipif(shutil.which("dot") is None, reason="the graph's SVG needs Graphviz's dot")
def test_graph_view_is_svg():
    r = symbackprop.neuron()
    if not hasattr(r, "graph"):
        pytest.skip("Result.graph() is not there yet")
    svg = r.graph()._repr_svg_()
    assert "<svg" in svg


def test_ipython_picks_the_bundle():
    formatters = pytest.importorskip("IPython.core.formatters")
    data, _meta = formatters.DisplayFormatter().format(symbackprop.neuron())
    assert {"text/latex", "text/markdown", "text/plain"} <= set(data)

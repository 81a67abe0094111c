"""The Sphinx extension: real math_block nodes from the LaTeX renderer, figures, code, warnings, cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from docutils import nodes
from sphinx.util.console import strip_colors

import symbackprop
from symbackprop import _docspec
from symbackprop.render import latex
from symbackprop.render.blocks import Math

ROOTS = Path(__file__).parent / "roots"
HAS_DOT = shutil.which("dot") is not None


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS


@pytest.fixture(autouse=True)
def _fresh_memory_cache():
    _docspec._MEMORY.clear()
    yield
    _docspec._MEMORY.clear()


def _bodies(app, docname: str = "index") -> list[str]:
    return [n.astext() for n in app.env.get_doctree(docname).findall(nodes.math_block)]


def _expected() -> list[str]:
    """What the test roots' directives show, straight from the LaTeX renderer's block functions."""
    n = symbackprop.neuron()
    d = n.derivation
    out = [latex.loose_block(d), latex.flat_block(d), latex.nested_block(d)]
    out += [latex.chain_block(d, leaf) for leaf in d.chains]
    out += [latex.gradients_block(d), latex.step_block(d)]
    e = symbackprop.derive(
        "relu(x0*w0 + x1*w1 + b)", at=dict(x0=1, w0=-3, x1=-2, w1=-1, b=1), wrt=["w0", "b"]
    )
    out += [latex.chain_block(e.derivation, leaf) for leaf in ("w0", "b")]
    s = symbackprop.derive("sigmoid(x*w + b)", at=dict(x=0.5, w=2, b=-1), dvalue=2, lr=0.1, update=["w", "b"])
    out += [b.body for b in s.blocks() if isinstance(b, Math)]
    g = symbackprop.derive(r"\sigma(x w)", at=dict(x=1, w=2), latex_input=True)
    out += [latex.gradients_block(g.derivation)]
    return [str(x) for x in out]


@pytest.mark.sphinx("html", testroot="backprop", srcdir="backprop-html")
def test_math_blocks_are_the_latex_renderers(app, warning):
    app.build()
    assert warning.getvalue() == ""
    assert _bodies(app) == _expected()
    doctree = app.env.get_doctree("index")
    (code,) = doctree.findall(nodes.literal_block)
    assert code["language"] == "python"
    expected = symbackprop.derive(
        "relu(x0*w0 + x1*w1 + b)", at=dict(x0=1, w0=-3, x1=-2, w1=-1, b=1), wrt=["w0", "b"]
    )
    assert code.astext() == expected.python()
    rubrics = [r.astext() for r in doctree.findall(nodes.rubric)]
    assert "Forward pass" in rubrics and "Update" in rubrics
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert html.count('<div class="math notranslate nohighlight">') == len(_expected())
    assert "mathjax" in html.lower()


@pytest.mark.sphinx("html", testroot="backprop-myst", srcdir="backprop-myst")
def test_myst_gives_the_same_nodes(app, warning):
    app.build()
    assert warning.getvalue() == ""
    assert _bodies(app) == _expected()


def test_parallel_safe_and_registered(make_app, sphinx_test_tempdir, rootdir):
    srcdir = sphinx_test_tempdir / "backprop-meta"
    if not srcdir.exists():
        shutil.copytree(rootdir / "test-backprop", srcdir)
    app = make_app("html", srcdir=srcdir)
    ext = app.extensions["symbackprop.sphinx"]
    assert ext.parallel_read_safe is True
    assert ext.parallel_write_safe is True


def _project(tmp_path: Path, body: str, conf: str = 'extensions = ["symbackprop.sphinx"]\n') -> Path:
    (tmp_path / "conf.py").write_text(conf, encoding="utf-8")
    (tmp_path / "index.rst").write_text("Page\n====\n\n" + body, encoding="utf-8")
    return tmp_path


BAD = """\
Before.

.. backprop:: relu(x0*w0
   :at: x0=1

.. backprop:: x*w
   :at: x=1, w=oops

.. backprop:: x*w
   :at: x=1, w=2
   :show: chain, everything

.. backprop:: x*w
   :at: x=1
   :show: code

.. backprop:: x*w
   :at: x=1, w=2
   :show: step

.. backprop:: x*w
   :at: x=1, w=2
   :show: gradients

After.
"""


def test_a_bad_spec_is_a_warning_with_file_and_line(make_app, tmp_path):
    src = _project(tmp_path, BAD)
    app = make_app("html", srcdir=src)
    app.build()
    lines = [line for line in strip_colors(app.warning.getvalue()).splitlines() if "backprop" in line]
    assert len(lines) == 5, lines
    where = [line.split(": WARNING")[0] for line in lines]
    assert where == [f"{src / 'index.rst'}:{n}" for n in (6, 9, 12, 16, 20)]
    assert "unclosed '('" in lines[0] and "(at column 5)" in lines[0]
    assert "'oops' is not a number" in lines[1]
    assert "unknown part 'everything'" in lines[2]
    assert "w" in lines[3] and "value" in lines[3]
    assert "no step" in lines[4]
    html = (app.outdir / "index.html").read_text(encoding="utf-8")  # the page still builds
    assert "Before." in html and "After." in html
    assert len(_bodies(app)) == 1  # the good directive


def test_a_bad_spec_fails_under_W(make_app, tmp_path):
    app = make_app("html", srcdir=_project(tmp_path, "Text.\n\n.. backprop:: x*\n"), warningiserror=True)
    app.build()
    assert app.statuscode == 1
    assert "Text." in (app.outdir / "index.html").read_text(encoding="utf-8")


def test_no_derivation_on_a_warm_rebuild(make_app, tmp_path, monkeypatch):
    """A rebuild of every page (-E) with a warm cache reads the cached strings: no derivation at all."""
    src = _project(tmp_path, ".. backprop::\n   :show: chain, gradients, code\n\n.. backprop:: x*\n")
    app = make_app("html", srcdir=src)
    app.build()
    first = _bodies(app)
    assert list((Path(app.doctreedir) / "symbackprop").glob("*.json"))

    def fail(spec):
        raise AssertionError("derived again")

    monkeypatch.setattr(_docspec, "result", fail)
    _docspec._MEMORY.clear()
    again = make_app("html", srcdir=src, freshenv=True)
    again.build(force_all=True)
    assert _bodies(again) == first
    assert "backprop: " in again.warning.getvalue()  # the bad spec is remembered, and still reported


def test_cache_can_be_switched_off(make_app, tmp_path):
    src = _project(
        tmp_path,
        ".. backprop::\n   :show: gradients\n",
        'extensions = ["symbackprop.sphinx"]\nbackprop_cache = False\n',
    )
    app = make_app("html", srcdir=src)
    app.build()
    assert _bodies(app) == [latex.gradients_block(symbackprop.neuron().derivation)]
    assert not (Path(app.doctreedir) / "symbackprop").exists()


def test_default_show_from_conf(make_app, tmp_path):
    src = _project(
        tmp_path, ".. backprop::\n", 'extensions = ["symbackprop.sphinx"]\nbackprop_show = "gradients"\n'
    )
    app = make_app("html", srcdir=src)
    app.build()
    assert _bodies(app) == [latex.gradients_block(symbackprop.neuron().derivation)]


def test_a_vectors_mark_prints_back_in_the_directive(make_app, tmp_path):
    body = ".. backprop:: \\sigma(\\mathbf{w}^\\top \\mathbf{x} + b)\n   :latex-input:\n   :at: w=-3,-1,2, x=1,-2,3, b=1\n"
    app = make_app("html", srcdir=_project(tmp_path, body + "   :show: expression, gradients\n"))
    app.build()
    *expression, gradients = _bodies(app)
    # the elements as scalars, the vectors as written
    assert r"\sigma\Big(w_{0} x_{0} + w_{1} x_{1} + w_{2} x_{2} + b\Big)" in "\n".join(expression)
    assert r"d\mathbf{w} &= \begin{bmatrix}" in gradients and r"d\mathbf{x} &= \begin{bmatrix}" in gradients


@pytest.mark.skipif(not HAS_DOT, reason="the graph's SVG needs Graphviz's dot")
def test_graph_is_an_svg_figure_cached_by_hash(make_app, tmp_path):
    src = _project(tmp_path, ".. backprop::\n   :show: graph\n")
    app = make_app("html", srcdir=src)
    app.build()
    (svg,) = (app.outdir / "_images").glob("backprop-*.svg")
    assert svg.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg", "<!--"))
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert f'src="_images/{svg.name}"' in html and "<figure" in html and "gradients in red" in html
    (figure,) = app.env.get_doctree("index").findall(nodes.figure)
    assert figure.get("classes") == ["backprop-graph"]


def test_latex_builder_gets_math_and_tikz(make_app, tmp_path):
    src = _project(tmp_path, ".. backprop::\n   :show: chain, graph\n")
    app = make_app("latex", srcdir=src)
    app.build()
    (tex,) = app.outdir.glob("*.tex")
    text = tex.read_text(encoding="utf-8")
    assert r"\begin{tikzpicture}" in text and r"\usepackage{tikz}" in text
    assert r"\frac{\partial}{\partial x_{0}}" in text
    assert app.warning.getvalue() == ""


def test_text_builder_shows_the_graph_as_words(make_app, tmp_path):
    app = make_app("text", srcdir=_project(tmp_path, ".. backprop::\n   :show: graph\n"))
    app.build()
    assert "Computation graph of the chapter's neuron" in (app.outdir / "index.txt").read_text(
        encoding="utf-8"
    )


@pytest.mark.sphinx("html", testroot="backprop-network", srcdir="backprop-network")
def test_network_spec_relative_to_the_page(app, warning):
    network = pytest.importorskip("symbackprop._network")
    rn = pytest.importorskip("symbackprop.render.network.latex")
    app.build()
    r = network.network(str(ROOTS / "test-backprop-network" / "net.json"), wrt=["W1[2,0]"])
    nd = r.derivation
    expression = [rn.forward_block(nd, lp) for lp in nd.layers] + [rn.loss_block(nd)]
    gradients = [body for lp in nd.layers for _, body in rn.dense_blocks(nd, lp)[:2]]
    scalar = [b.body for b in rn.scalar_blocks(nd)]
    bodies = _bodies(app)
    assert bodies[: len(expression) + len(gradients)] == expression + gradients
    assert bodies[-len(scalar) :] == scalar and len(scalar) == 1
    lines = [line for line in strip_colors(warning.getvalue()).splitlines() if "backprop" in line]
    assert len(lines) == 2, lines
    assert "index.rst:13" in lines[0] and "cannot read the network spec 'missing.json'" in lines[0]
    assert "index.rst:16" in lines[1] and "does not apply to a network" in lines[1]
    assert "net.json" in {Path(p).name for p in app.env.dependencies["index"]}  # edited spec: page rebuilt


def test_a_graph_that_cannot_be_drawn_is_a_warning_and_the_rest_still_shows(make_app, tmp_path, monkeypatch):
    def no_dot(r, fmt):
        raise symbackprop.SymbackpropError("drawing SVG needs Graphviz")

    monkeypatch.setattr(_docspec, "_graph", no_dot)
    app = make_app("html", srcdir=_project(tmp_path, ".. backprop::\n   :show: graph, gradients\n"))
    app.build()
    assert "the graph: drawing SVG needs Graphviz" in app.warning.getvalue()
    assert _bodies(app) == [latex.gradients_block(symbackprop.neuron().derivation)]
    assert not list(app.env.get_doctree("index").findall(nodes.figure))


def test_the_extension_ships_its_stylesheet(make_app, tmp_path):
    """Wide equations scroll, never clipped, with no CSS of the project's own (the extension's)."""
    src = _project(tmp_path, ".. backprop::\n   :show: chain\n")
    app = make_app("html", srcdir=src)
    app.build()
    css = app.outdir / "_static" / "backprop.css"
    assert "overflow-x: auto" in css.read_text(encoding="utf-8")
    assert 'href="_static/backprop.css' in (app.outdir / "index.html").read_text(encoding="utf-8")


def test_an_edited_figure_leaves_no_orphaned_svg(make_app, tmp_path):
    """After an edit, _images/ holds the new figure only; another page's figure stays (issue 14, part 13)."""
    (tmp_path / "conf.py").write_text('extensions = ["symbackprop.sphinx"]\n', encoding="utf-8")
    index = tmp_path / "index.rst"
    index.write_text(
        "Page\n====\n\n.. toctree::\n\n   other\n\n.. backprop:: x*w\n   :at: x=1, w=2\n   :show: graph\n",
        encoding="utf-8",
    )
    (tmp_path / "other.rst").write_text(
        "Other\n=====\n\n.. backprop:: x+w\n   :at: x=1, w=2\n   :show: graph\n", encoding="utf-8"
    )
    app = make_app("html", srcdir=tmp_path)
    app.build()
    images = Path(app.outdir) / "_images"
    first = {p.name for p in images.glob("backprop-*.svg")}
    assert len(first) == 2
    index.write_text(index.read_text(encoding="utf-8").replace("x*w", "x*w*2"), encoding="utf-8")
    again = make_app("html", srcdir=tmp_path)
    again.build()
    second = {p.name for p in images.glob("backprop-*.svg")}
    assert len(second) == 2 and len(first & second) == 1  # the other page's stays, the edited one's is new
    html = (Path(again.outdir) / "index.html").read_text(encoding="utf-8")
    assert all(
        name in html or name in (Path(again.outdir) / "other.html").read_text("utf-8") for name in second
    )


# --- the directive's own options: caption, name, label, class, align ------------------------------

PRESENTED = """\
See :numref:`neuron-graph` and equations :eq:`grads` and :eq:`grads-w0`.

.. backprop::
   :show: chain, gradients, graph
   :wrt: w0, b
   :caption: The neuron with :math:`x_0 = 1`.
   :name: neuron-graph
   :label: grads
   :class: wide-eq
   :align: left
   :x: 1, -2, 3
   :activation: sigmoid
"""


@pytest.mark.skipif(not HAS_DOT, reason="the graph's SVG needs Graphviz's dot")
def test_caption_name_label_class_align_in_html(make_app, tmp_path):
    src = _project(tmp_path, PRESENTED, 'extensions = ["symbackprop.sphinx"]\nnumfig = True\n')
    app = make_app("html", srcdir=src)
    app.build()
    assert strip_colors(app.warning.getvalue()) == ""
    doctree = app.env.get_doctree("index")
    (figure,) = doctree.findall(nodes.figure)
    assert figure["names"] == ["neuron-graph"] and figure["align"] == "left"
    (caption,) = figure.findall(nodes.caption)
    assert caption.astext() == "The neuron with x_0 = 1." and list(caption.findall(nodes.math))
    (box,) = (n for n in doctree.findall(nodes.container) if "backprop" in n["classes"])
    assert box["classes"] == ["backprop", "wide-eq"]
    # the neuron's options reached the derivation: a sigmoid neuron of these inputs
    expected = symbackprop.neuron(x=[1, -2, 3], activation="sigmoid", wrt=["w0", "b"]).derivation
    maths = list(doctree.findall(nodes.math_block))
    assert [m.astext() for m in maths] == [latex.chain_block(expected, leaf) for leaf in ("w0", "b")] + [
        latex.gradients_block(expected)
    ]
    assert [m["label"] for m in maths] == ["grads-w0", "grads-b", "grads"]
    assert [m["number"] for m in maths] == [1, 2, 3]
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert "Fig. 1" in html and 'href="#neuron-graph"' in html  # :numref: numbered the figure
    assert 'id="equation-grads"' in html and 'href="#equation-grads"' in html and "(3)" in html
    assert 'class="docutils container backprop wide-eq"' in html or "backprop wide-eq" in html


def test_figure_options_without_a_figure_are_a_warning(make_app, tmp_path):
    src = _project(tmp_path, ".. backprop::\n   :show: gradients\n   :caption: Nothing to caption\n")
    app = make_app("html", srcdir=src)
    app.build()
    warnings = strip_colors(app.warning.getvalue())
    assert "index.rst:4" in warnings and ":caption: is the figure's: it needs graph in :show:" in warnings
    assert _bodies(app) == [latex.gradients_block(symbackprop.neuron().derivation)]


def test_a_wrong_align_names_the_choices(make_app, tmp_path):
    src = _project(tmp_path, ".. backprop::\n   :show: graph\n   :align: middle\n")
    app = make_app("html", srcdir=src)
    app.build()
    assert '"middle" unknown; choose from "left", "center", or "right"' in app.warning.getvalue()


def test_latex_builder_keeps_the_figure_where_it_is_written(make_app, tmp_path):
    body = "Section\n-------\n\n" + PRESENTED.replace("   :align: left\n", "")
    src = _project(tmp_path, body, 'extensions = ["symbackprop.sphinx"]\nnumfig = True\n')
    app = make_app("latex", srcdir=src)
    app.build()
    (tex,) = app.outdir.glob("*.tex")
    text = tex.read_text(encoding="utf-8")
    assert r"\begin{figure}[H]" in text and r"\begin{figure}[htbp]" not in text  # not a float
    assert text.index(r"\chapter{Section}") < text.index(r"\begin{figure}[H]")
    assert (
        r"\label{\detokenize{index:neuron-graph}}" in text
        and r"\ref{\detokenize{index:neuron-graph}}" in text
    )
    assert r"\label{equation:index:grads}" in text and r"\eqref{equation:index:grads}" in text
    assert r"\caption{The neuron with \(x_0 = 1\).}" in text
    assert app.warning.getvalue() == ""


def test_label_numbers_the_walkthroughs_gradient_equations(make_app, tmp_path):
    body = "See :eq:`g` and :eq:`g-b`.\n\n.. backprop::\n   :show: walkthrough\n   :label: g\n"
    app = make_app("html", srcdir=_project(tmp_path, body))
    app.build()
    assert app.warning.getvalue() == ""
    maths = list(app.env.get_doctree("index").findall(nodes.math_block))
    labelled = [m["label"] for m in maths if m["label"]]
    leaves = list(symbackprop.neuron().derivation.chains)
    assert labelled == [f"g-{leaf}" for leaf in leaves] + ["g"]  # the chains, then the gradients
    assert [m["number"] for m in maths if m["label"]] == list(range(1, len(leaves) + 2))
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert 'href="#equation-g"' in html and 'href="#equation-g-b"' in html

"""The Sphinx extension: ``extensions = ["symbackprop.sphinx"]`` and a ``backprop`` directive.

.. code-block:: rst

   .. backprop:: relu(x0*w0 + x1*w1 + b)
      :at: x0=1, w0=-3, x1=-2, w1=-1, b=1
      :show: chain, gradients, graph

The directive emits docutils ``math_block`` nodes (so MathJax, KaTeX and the LaTeX builder
all typeset them) whose bodies are the LaTeX renderer's blocks, a figure for ``graph`` (SVG
in HTML, TikZ in LaTeX) and a Python code block for ``code``.  It works unchanged from MyST
(a ``{backprop}`` fence).  A wrong spec is a warning with the file and line, never a crash.
Rendered strings are cached under a content hash in the doctree directory, figures under
``_images/`` of the output, so a rebuild (``-E`` included) does not derive again.
"""

from __future__ import annotations

import posixpath
from html import escape
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from . import __version__
from ._docspec import (
    DEFAULT_SHOW,
    OPTIONS,
    Spec,
    nothing_to_show,
    parse_show,
    parse_spec,
    parts,
    write_atomically,
)
from ._files import read_inside
from .errors import InputError, SymbackpropError
from .limits import DEFAULT
from .options import entrance, spell
from .render.blocks import BulletList, Code, Heading, Inline, Math, Paragraph, from_data

logger = logging.getLogger(__name__)

#: The figure format each builder format embeds; other builders show the alt text.
FIGURE_FORMATS = {"html": "svg", "latex": "tikz"}


class backprop_graph(nodes.General, nodes.Inline, nodes.Element):
    """The computation graph; ``spec`` is the :class:`Spec` as a dict, rendered when the page is written."""


class backprop_figure(nodes.figure):
    """The figure that holds the graph: numbered as a figure (a ``:numref:`` target with ``:name:``),
    and in LaTeX not a float, so that it stays where the directive is, under its heading."""


#: The directive's own options, about how it shows on the page (the others are the derivation's,
#: from the options table, and the fence's keys too).
PRESENTATION: dict[str, Any] = {
    "caption": directives.unchanged_required,
    "name": directives.unchanged_required,
    "label": directives.unchanged_required,
    "class": directives.class_option,
    "align": lambda text: directives.choice(text, ("left", "center", "right")),
}
#: The options that are about the figure, which ``:show:`` must include ``graph`` for.
FIGURE_OPTIONS = ("caption", "name", "align")
DEFAULT_CAPTION = "Computation graph: forward values on the edges, gradients in red."


def _cache_dir(config: Any, doctreedir: str | Path) -> Path | None:
    """``<doctreedir>/symbackprop``: kept across builds, ``-E`` included; ``backprop_cache = False`` skips it."""
    return Path(doctreedir) / "symbackprop" if config.backprop_cache else None


def _builder_format(env: Any) -> str:
    cls = getattr(env, "_builder_cls", None)  # Sphinx 8.1+; env.app is deprecated there
    return str(cls.format if cls is not None else env.app.builder.format)


def _spec_from_node(node: nodes.Element) -> Spec:
    return Spec.from_dict(node["spec"])


class BackpropDirective(SphinxDirective):
    """``.. backprop:: EXPR`` with the contract's options; no argument is the chapter's neuron.
    A program of named steps (or the chapter's Python cells, with ``:python-input:``) may be the
    directive's content instead, one statement per line."""

    has_content = True
    required_arguments = 0
    optional_arguments = 1
    final_argument_whitespace = True
    # Every option of the table (at, x, w, b, activation, ..., max-nodes ..., show), as text: the
    # table's parsers read it in parse_spec, so a wrong value is the same message as the fence's.
    option_spec: ClassVar[dict[str, Any]] = {**dict.fromkeys(OPTIONS, directives.unchanged), **PRESENTATION}

    def run(self) -> list[nodes.Node]:
        try:
            with entrance("directive"):  # messages name options as :at:, :lr: ...
                return self._run()
        except SymbackpropError as err:
            self._warn(str(err))
        except RecursionError:
            self._warn("the expression is nested too deeply")
        except MemoryError:
            self._warn("out of memory: the spec is too large for this machine (lower its size or its limits)")
        except Exception as err:  # a doc build is never crashed by one directive
            self._warn(f"internal error: {type(err).__name__}: {err}")
        return []

    def _warn(self, message: str, subtype: str = "spec") -> None:
        logger.warning(
            "backprop: %s", message, location=self.get_location(), type="backprop", subtype=subtype
        )

    def _read_network(self, path: str) -> str:
        """The spec file, relative to the page (``/net.json``: to the source directory), inside
        the source directory unless ``backprop_network_anywhere``; a regular file, size-bounded."""
        if "\0" in path:
            raise InputError("cannot read the network spec: the path contains a NUL character")
        relative, absolute = self.env.relfn2path(path, self.env.docname)
        self.env.note_dependency(absolute)
        return read_inside(
            relative,
            str(self.env.srcdir),
            DEFAULT.max_spec_length,
            "the network spec",
            spell("max_spec_length"),
            "the source directory",
            anywhere=bool(self.config.backprop_network_anywhere),
        )

    def _run(self) -> list[nodes.Node]:
        default = parse_show(self.config.backprop_show, DEFAULT_SHOW)
        text = "\n".join([*self.arguments[:1], *self.content]).strip("\n")
        derivation = {k: v for k, v in self.options.items() if k not in PRESENTATION}
        spec = parse_spec(text or None, derivation, self._read_network, default)
        if "graph" not in spec.show:
            for name in FIGURE_OPTIONS:
                if name in self.options:
                    self._warn(f":{name}: is the figure's: it needs graph in :show:")
        cache = _cache_dir(self.config, self.env.doctreedir)
        wanted = [s for s in spec.show if s != "graph"]
        if "label" in self.options and "chain" in spec.show:
            wanted.append("chain_leaves")  # each chain's equation is labelled by its leaf
        got = parts(spec, wanted, cache)
        for w in got["warnings"]:  # clipping, say: suppress_warnings = ["backprop.derivation"]
            self._warn(w, "derivation")
        figure = "graph" in spec.show and self._graph_ready(spec, cache)
        box = nodes.container(classes=["backprop", *self.options.get("class", [])])
        self.set_source_info(box)
        for part in spec.show:
            if part == "walkthrough":
                box += self._walkthrough(got["walkthrough"])
            elif part == "code":
                code = got["code"]
                block = nodes.literal_block(code, code, language="python")
                self.set_source_info(block)
                box += block
            elif part == "graph":
                if figure:
                    box += self._figure(spec)
            else:
                if not got[part]:
                    self._warn(nothing_to_show(spec, part))
                if part == "chain" and "label" in self.options:
                    labels = [self._label(f"for {leaf}") for leaf in got["chain_leaves"]]
                else:
                    labels = [self._label(part) for _ in got[part]]
                box += [node for body, label in zip(got[part], labels) for node in self._math(body, label)]
        return [box]

    def _label(self, what: str) -> str | None:
        """The label of an equation ``:label:`` numbers: the gradients are ``NAME`` (``NAME-2`` ... after
        the first), the chain rule for ``x0`` is ``NAME-x0``; other equations are not numbered."""
        name = self.options.get("label")
        if name is None:
            return None
        if what.startswith("for "):
            return f"{name}-{what[4:]}"
        if what != "gradients":
            return None
        self._gradients = getattr(self, "_gradients", 0) + 1
        return name if self._gradients == 1 else f"{name}-{self._gradients}"

    def _graph_ready(self, spec: Spec, cache: Path | None) -> bool:
        """Render the figure for this builder now, so a failure is reported here, with the line."""
        fmt = FIGURE_FORMATS.get(_builder_format(self.env))
        if fmt is None:
            return True
        try:
            parts(spec, [fmt], cache)
        except Exception as err:
            self._warn(f"the graph: {err}")
            return False
        return True

    def _math(self, body: str, label: str | None = None) -> list[nodes.Node]:
        """A display equation; with a label, numbered and a target of ``:eq:``, as Sphinx's own ``math``."""
        node = nodes.math_block(body, body, docname=self.env.docname, number=None, label=label, nowrap=False)
        node["no-wrap"] = False
        self.set_source_info(node)
        if label is None:
            return [node]
        domain = self.env.get_domain("math")
        domain.note_equation(self.env.docname, label, location=node)  # type: ignore[attr-defined]
        node["number"] = domain.get_equation_number_for(label)  # type: ignore[attr-defined]
        target = nodes.target("", "", ids=[nodes.make_id(f"equation-{label}")])
        self.state.document.note_explicit_target(target)
        return [target, node]

    def _inline(self, runs: Inline) -> list[nodes.Node]:
        out: list[nodes.Node] = []
        for kind, run in runs:
            if kind == "math":
                out.append(nodes.math(run, run))
            elif kind == "code":
                out.append(nodes.literal(run, run))
            else:
                out.append(nodes.Text(run))
        return out

    def _walkthrough(self, data: list[dict[str, Any]]) -> list[nodes.Node]:
        """The walkthrough's blocks as docutils nodes: headings become rubrics."""
        out: list[nodes.Node] = []
        for b in from_data(data):
            node: nodes.Element
            if isinstance(b, Math):
                what = f"for {b.comment.rpartition(' for ')[2]}" if b.role == "chain" else b.role
                label = self._label(what)
                out += self._math(b.body, label)
                continue
            elif isinstance(b, Heading):
                node = nodes.rubric("", "", *self._inline(b.inline), classes=[f"backprop-h{b.level}"])
            elif isinstance(b, BulletList):
                node = nodes.bullet_list()
                for item in b.items:
                    node += nodes.list_item("", nodes.paragraph("", "", *self._inline(item)))
            elif isinstance(b, Paragraph):
                node = nodes.paragraph("", "", *self._inline(b.inline))
            elif isinstance(b, Code):
                node = nodes.literal_block(b.source, b.source, language=b.language)
            else:
                text = "\n".join(b.lines)
                node = nodes.literal_block(text, text)
            self.set_source_info(node)
            out.append(node)
        return out

    def _figure(self, spec: Spec) -> nodes.figure:
        alt = f"Computation graph of {spec.describe()}: forward values, and gradients in red"
        graph = backprop_graph(spec=_spec_dict(spec), key=spec.key(), alt=alt)
        _graph_keys(self.env).setdefault(self.env.docname, set()).add(graph["key"])
        self.set_source_info(graph)
        caption = nodes.caption("", "", *self._caption())
        figure = backprop_figure("", graph, caption, classes=["backprop-graph"])
        if "align" in self.options:
            figure["align"] = self.options["align"]
        self.set_source_info(figure)
        self.add_name(figure)  # :name: -- a target that :numref: numbers
        return figure

    def _caption(self) -> list[nodes.Node]:
        """``:caption:`` as inline reStructuredText (math and roles work), or the figure's own words."""
        text = self.options.get("caption")
        if text is None:
            return [nodes.Text(DEFAULT_CAPTION)]
        inline, messages = self.state.inline_text(text, self.lineno)
        return [*inline, *messages]


def _graph_keys(env: Any) -> dict[str, set[str]]:
    """Each document's figures (their keys), kept in the environment: what the image folder must hold."""
    if not hasattr(env, "backprop_graphs"):
        env.backprop_graphs = {}
    keys: dict[str, set[str]] = env.backprop_graphs
    return keys


def _purge_graphs(app: Sphinx, env: Any, docname: str) -> None:
    _graph_keys(env).pop(docname, None)


def _merge_graphs(app: Sphinx, env: Any, docnames: set[str], other: Any) -> None:
    theirs = _graph_keys(other)
    _graph_keys(env).update({d: theirs[d] for d in docnames if d in theirs})


def _remove_orphaned_graphs(app: Sphinx, exception: BaseException | None) -> None:
    """After an HTML build, the figures no page shows any more (an edited expression's old SVG) go."""
    if exception is not None or app.builder.format != "html":
        return
    live = {f"backprop-{key}.svg" for keys in _graph_keys(app.env).values() for key in keys}
    folder = Path(app.builder.outdir) / app.builder.imagedir
    for old in folder.glob("backprop-*.svg"):
        if old.name not in live:
            old.unlink()


def _spec_dict(spec: Spec) -> dict[str, Any]:
    from dataclasses import asdict

    data = asdict(spec)
    data["show"] = list(spec.show)
    return data


def _figure_text(translator: Any, node: nodes.Element, fmt: str) -> str | None:
    """The graph in ``fmt`` from the cache (rendered again only if the cache was emptied)."""
    builder = translator.builder
    try:
        with entrance("directive"):
            return str(
                parts(_spec_from_node(node), [fmt], _cache_dir(builder.config, builder.doctreedir))[fmt]
            )
    except Exception as err:  # reported, and the alt text stands in
        logger.warning("backprop: %s", err, location=node, type="backprop", subtype="graph")
        return None


def html_visit_graph(self: Any, node: nodes.Element) -> None:
    svg = _figure_text(self, node, "svg")
    if svg is None:
        self.body.append(f"<p>{escape(_alt(node))}</p>")
        raise nodes.SkipNode
    name = f"backprop-{node['key']}.svg"
    out = Path(self.builder.outdir) / self.builder.imagedir / name
    if not out.exists():
        write_atomically(out, svg)
    src = posixpath.join(self.builder.imgpath, name)
    self.body.append(f'<img src="{escape(src)}" alt="{escape(_alt(node))}" class="backprop-graph" />')
    raise nodes.SkipNode


def _alt(node: nodes.Element) -> str:
    """The alt text on one line: no builder's line-start commands (groff's ``.so``) can begin in it."""
    return " ".join(str(node["alt"]).split())


def latex_visit_graph(self: Any, node: nodes.Element) -> None:
    tikz = _figure_text(self, node, "tikz")
    if tikz is None:
        self.body.append(self.encode(_alt(node)))  # LaTeX's specials escaped, as the builder's own text
    else:
        self.body.append("\n\\resizebox{\\linewidth}{!}{%\n" + tikz.strip() + "\n}\n")
    raise nodes.SkipNode


def latex_visit_figure(self: Any, node: nodes.Element) -> None:
    """A figure where it is written: Sphinx's figure, with floats off (``[H]``) as inside a table."""
    self.no_latex_floats += 1
    self.visit_figure(node)


def latex_depart_figure(self: Any, node: nodes.Element) -> None:
    self.depart_figure(node)
    self.no_latex_floats -= 1


def text_visit_graph(self: Any, node: nodes.Element) -> None:
    self.add_text(f"[{_alt(node)}]")
    raise nodes.SkipNode


def other_visit_graph(self: Any, node: nodes.Element) -> None:
    """man and texinfo: the alt text written as the builder writes any text, its escaping included
    (groff's backslashes and a leading dot, texinfo's ``@`` and braces)."""
    self.visit_Text(nodes.Text(f"[{_alt(node)}]"))
    raise nodes.SkipNode


def _add_static_path(app: Sphinx) -> None:
    app.config.html_static_path.append(str(Path(__file__).parent / "_static"))


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive, the figure node and the config values."""
    app.add_node(
        backprop_graph,
        html=(html_visit_graph, None),
        latex=(latex_visit_graph, None),
        text=(text_visit_graph, None),
        man=(other_visit_graph, None),
        texinfo=(other_visit_graph, None),
    )
    app.add_enumerable_node(backprop_figure, "figure", latex=(latex_visit_figure, latex_depart_figure))
    app.add_directive("backprop", BackpropDirective)
    # What a directive without :show: shows, e.g. "chain, gradients".
    app.add_config_value("backprop_show", ", ".join(DEFAULT_SHOW), "env", types=frozenset({str}))
    # Keep rendered derivations under <doctreedir>/symbackprop (a rebuild does not derive again).
    app.add_config_value("backprop_cache", True, "env", types=frozenset({bool}))
    # A network spec may be read from outside the source directory (trusted authors only).
    app.add_config_value("backprop_network_anywhere", False, "env", types=frozenset({bool}))
    app.add_latex_package("tikz")
    # its stylesheet: long equations scroll instead of being cut at the column's edge
    app.connect("builder-inited", _add_static_path)
    app.connect("env-purge-doc", _purge_graphs)
    app.connect("env-merge-info", _merge_graphs)
    app.connect("build-finished", _remove_orphaned_graphs)
    app.add_css_file("backprop.css")
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 2}

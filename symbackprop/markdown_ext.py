"""A Python-Markdown extension: a ``backprop`` fence becomes the derivation, as in Sphinx.

.. code-block:: python

   markdown.markdown(text, extensions=["pymdownx.arithmatex", "symbackprop.markdown_ext"],
                     extension_configs={"pymdownx.arithmatex": {"generic": True}})

MkDocs: list ``pymdownx.arithmatex`` (``generic: true``) and ``symbackprop.markdown_ext`` under
``markdown_extensions``.  The fence takes the directive's options as ``key: value`` lines; the
expression goes after ``backprop`` on the opening line or on a line of its own::

    ```backprop relu(x0*w0 + x1*w1 + b)
    at: x0=1, w0=-3, x1=-2, w1=-1, b=1
    show: chain, gradients
    ```

Math comes out in the form ``pymdownx.arithmatex`` produces (its settings are followed when it
is loaded; ``generic`` otherwise), so MathJax or KaTeX set up for arithmatex typesets it.
"""

from __future__ import annotations

import html
import logging
import os
import re
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from ._docspec import DEFAULT_SHOW, Spec, nothing_to_show, parse_show, parse_spec, parts
from ._files import read_inside
from .errors import InputError, SymbackpropError
from .limits import DEFAULT
from .options import entrance, spell
from .render.blocks import BulletList, Code, Heading, Inline, Math, Paragraph, from_data

logger = logging.getLogger(__name__)
#: Under MkDocs, the logger whose warnings ``mkdocs build --strict`` counts (it counts the ``mkdocs``
#: namespace's); the extension's own logger everywhere else.
MKDOCS_LOGGER = logging.getLogger("mkdocs.plugins.symbackprop")


def _page(md: Markdown) -> Any:
    """The page being converted, where the caller says: MkDocs registers a tree processor holding
    the page's file (``relpath``) on the Markdown instance it converts the page with; None elsewhere."""
    try:
        return getattr(md.treeprocessors["relpath"], "file", None)
    except KeyError:
        return None


_OPEN = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*\{?backprop\}?(?:[ \t]+(?P<arg>.*?))?\s*$")
_OPTION = re.compile(r"^:?(?P<key>[A-Za-z][\w-]*):(?:\s+(?P<value>.*?))?\s*$")


class BackpropPreprocessor(Preprocessor):
    """Replaces each ``backprop`` fence with Markdown and stashed HTML (math, code, figure)."""

    def __init__(self, md: Markdown, extension: BackpropExtension) -> None:
        super().__init__(md)
        self.ext = extension

    def run(self, lines: list[str]) -> list[str]:
        self.figure_ids: dict[str, int] = {}  # a page's figures by their id: the same figure twice is renamed
        out: list[str] = []
        i = 0
        while i < len(lines):
            m = _OPEN.match(lines[i])
            if m is None:
                out.append(lines[i])
                i += 1
                continue
            fence = m.group("fence")
            end = i + 1
            while end < len(lines) and not (
                lines[end].strip().startswith(fence[0] * len(fence))
                and not lines[end].strip().strip(fence[0])
            ):
                end += 1
            out += ["", *self.fence(m.group("arg"), lines[i + 1 : end], i + 1), ""]
            i = end + 1
        return out

    def fence(self, argument: str | None, body: list[str], line: int) -> list[str]:
        """One fence's output; a wrong spec is logged and shown in place of the derivation."""
        try:
            with entrance("directive"):  # messages name options as the directive does: :at:, :lr: ...
                return self.render(argument, body)
        except SymbackpropError as err:
            message = f"backprop fence at line {line}: {err}"
        except RecursionError:
            message = f"backprop fence at line {line}: the expression is nested too deeply"
        except MemoryError:
            message = f"backprop fence at line {line}: out of memory: the spec is too large for this machine"
        except Exception as err:  # a page is never lost to one fence (nor a Sphinx build to one directive)
            message = f"backprop fence at line {line}: internal error: {type(err).__name__}: {err}"
        page = _page(self.md)
        if page is not None and getattr(page, "src_uri", None):
            message = f"{page.src_uri}: {message}"
        if self.ext.getConfig("strict"):
            raise InputError(message)
        self.log(message)
        return [self.stash(f'<pre class="backprop-error">{html.escape(message)}</pre>')]

    def render(self, argument: str | None, body: list[str]) -> list[str]:
        options: dict[str, str | None] = {}
        expression = [argument] if argument else []
        for text in body:
            m = _OPTION.match(text.strip())
            if m:  # parse_spec names an unknown option
                options[m.group("key")] = m.group("value")
            elif text.strip():
                expression.append(text.rstrip())
        default = parse_show(self.ext.getConfig("show"), DEFAULT_SHOW)
        spec = parse_spec("\n".join(expression) or None, options, self.read_file, default)
        cache = self.ext.getConfig("cache_dir") or None
        got = parts(spec, [p for p in spec.show if p != "graph"], cache)
        for w in got["warnings"]:
            self.log(f"backprop: {w}")
        out: list[str] = []
        for part in spec.show:
            if part == "walkthrough":
                out += self.walkthrough(got["walkthrough"])
            elif part == "code":
                code = html.escape(got["code"])
                out += [
                    self.stash(
                        f'<pre class="backprop-code"><code class="language-python">{code}</code></pre>'
                    ),
                    "",
                ]
            elif part == "graph":
                out += [self.graph(spec, cache), ""]
            else:
                if not got[part]:
                    raise InputError(nothing_to_show(spec, part))
                out += [line for body in got[part] for line in (self.block(body), "")]
        return out

    def graph(self, spec: Spec, cache: str | None) -> str:
        """The figure, or (Graphviz missing, say) its error in its place: the equations still show."""
        try:
            return self.stash(self.figure(parts(spec, ["svg"], cache)["svg"], spec))
        except SymbackpropError as err:
            if self.ext.getConfig("strict"):
                raise
            self.log(f"backprop: the graph: {err}")
            return self.stash(f'<pre class="backprop-error">the graph: {html.escape(str(err))}</pre>')

    def log(self, message: str) -> None:
        """A warning: under MkDocs in its namespace (``--strict`` fails the build on it), else ours."""
        (MKDOCS_LOGGER if _page(self.md) is not None else logger).warning(message)

    def read_file(self, path: str) -> str:
        """A fence's ``network:``: relative to the page where the page is known (MkDocs), else to
        ``base_path``, and inside ``base_path`` (``network_files``: ``"inside"``, the default;
        ``"anywhere"``; ``"off"``), a regular file, size-bounded; its errors say nothing of what is
        on the disk (a page may be anyone's content)."""
        mode = str(self.ext.getConfig("network_files"))
        if mode == "off":
            raise InputError("network: is turned off here (the extension's network_files setting)")
        base = str(self.ext.getConfig("base_path") or ".")
        page = _page(self.md)
        source = getattr(page, "abs_src_path", None)
        return read_inside(
            path,
            os.path.dirname(source) if isinstance(source, str) and source else base,
            DEFAULT.max_spec_length,
            "the network spec",
            spell("max_spec_length"),
            "base_path",
            anywhere=mode == "anywhere",
            quiet=True,
            within=base,
        )

    def walkthrough(self, data: list[dict[str, Any]]) -> list[str]:
        offset = int(self.ext.getConfig("heading_offset"))
        out: list[str] = []
        for b in from_data(data):
            if isinstance(b, Math):
                out.append(self.block(b.body))
            elif isinstance(b, Heading):
                out.append("#" * min(6, b.level + offset) + " " + self.inline(b.inline))
            elif isinstance(b, BulletList):
                out += [f"- {self.inline(item)}" for item in b.items]
            elif isinstance(b, Paragraph):
                out.append(self.inline(b.inline))
            elif isinstance(b, Code):
                code = html.escape(b.source)
                out.append(
                    self.stash(
                        f'<pre class="backprop-code"><code class="language-{b.language}">{code}</code></pre>'
                    )
                )
            else:
                out.append(self.stash(f"<pre>{html.escape(chr(10).join(b.lines))}</pre>"))
            out.append("")
        return out

    # --- HTML in arithmatex's form, stashed so Markdown leaves it alone --------------------------

    def stash(self, text: str) -> str:
        return str(self.md.htmlStash.store(text))

    def _arithmatex(self) -> dict[str, Any]:
        """The loaded arithmatex's settings, or generic output when it is not loaded."""
        for ext in self.md.registeredExtensions:
            if type(ext).__name__ == "ArithmatexExtension":
                return dict(ext.getConfigs())
        return {"generic": bool(self.ext.getConfig("generic")), "preview": False}

    def block(self, body: str) -> str:
        cfg = self._arithmatex()
        tag = cfg.get("block_tag", "div")
        if cfg.get("generic"):
            open_, close = cfg.get("tex_block_wrap", ["\\[", "\\]"])
            return self.stash(
                f'<{tag} class="arithmatex">{open_}\n{html.escape(body, quote=False)}\n{close}</{tag}>'
            )
        preview = (
            f'<div class="MathJax_Preview">\n{html.escape(body, quote=False)}\n</div>\n'
            if cfg.get("preview")
            else ""
        )
        script = f'<script type="math/tex; mode=display">\n{html.escape(body, quote=False)}\n</script>\n'
        return self.stash(f'<{tag} class="arithmatex">\n{preview}{script}</{tag}>')

    def inline_math(self, math: str) -> str:
        cfg = self._arithmatex()
        tag = cfg.get("inline_tag", "span")
        text = html.escape(math, quote=False)
        if cfg.get("generic"):
            open_, close = cfg.get("tex_inline_wrap", ["\\(", "\\)"])
            return self.stash(f'<{tag} class="arithmatex">{open_}{text}{close}</{tag}>')
        preview = f'<span class="MathJax_Preview">{text}</span>' if cfg.get("preview") else ""
        return self.stash(
            f'<{tag} class="arithmatex">{preview}<script type="math/tex">{text}</script></{tag}>'
        )

    def inline(self, runs: Inline) -> str:
        out = []
        for kind, run in runs:
            if kind == "math":
                out.append(self.inline_math(run))
            elif kind == "code":
                out.append(self.stash(f"<code>{html.escape(run)}</code>"))
            else:
                out.append(run)
        return "".join(out)

    def figure(self, svg: str, spec: Spec) -> str:
        """The SVG inline (no file to copy), without its XML prolog."""
        start = svg.find("<svg")
        m = re.search(r'<g id="(backprop_[0-9a-f]+)"', svg)
        if m:  # ids are a hash of the figure: one drawn twice on a page gets a second set
            seen = self.figure_ids[m.group(1)] = self.figure_ids.get(m.group(1), 0) + 1
            svg = svg.replace(f'id="{m.group(1)}', f'id="{m.group(1)}_{seen}') if seen > 1 else svg
        alt = html.escape(f"Computation graph of {spec.describe()}: forward values, and gradients in red")
        return (
            f'<figure class="backprop-graph" role="img" aria-label="{alt}">\n{svg[start:].strip()}\n'
            "<figcaption>Computation graph: forward values on the edges, gradients in red.</figcaption>\n</figure>"
        )


class BackpropExtension(Extension):
    """``backprop`` fences; configure ``show`` (the default parts), ``heading_offset``, ``base_path`` …"""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "show": [", ".join(DEFAULT_SHOW), "what a fence without 'show:' shows"],
            "heading_offset": [2, "levels added to the walkthrough's headings (# becomes ###)"],
            "generic": [True, "without arithmatex loaded: its generic form (\\[ … \\]) or MathJax scripts"],
            "base_path": [".", "the directory 'network:' paths are relative to, and stay inside"],
            "network_files": [
                "inside",
                "where 'network:' may read: 'inside' base_path, 'anywhere', or 'off'",
            ],
            "cache_dir": ["", "a directory to cache rendered derivations in (none: memory only)"],
            "strict": [False, "raise on a wrong spec instead of logging it and showing the error"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtension(self)
        # Before fenced_code / superfences (25) take the fence for a code block.
        md.preprocessors.register(BackpropPreprocessor(md, self), "backprop", 28)


def makeExtension(**kwargs: Any) -> BackpropExtension:
    return BackpropExtension(**kwargs)

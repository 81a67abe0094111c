"""The Python-Markdown extension: a backprop fence becomes the same math as the directive, arithmatex-style."""

from __future__ import annotations

import html
import re
import shutil

import markdown
import pytest

import symbackprop
from symbackprop import _docspec
from symbackprop.errors import InputError
from symbackprop.render import latex

FENCE = """\
Before.

```backprop relu(x0*w0 + x1*w1 + b)
at: x0=1, w0=-3, x1=-2, w1=-1, b=1
wrt: w0, b
show: chain, gradients, code
```

After.
"""


def _expr():
    return symbackprop.derive(
        "relu(x0*w0 + x1*w1 + b)", at=dict(x0=1, w0=-3, x1=-2, w1=-1, b=1), wrt=["w0", "b"]
    )


def _blocks(out: str) -> list[str]:
    """The display math of generic arithmatex output, unescaped."""
    return [
        html.unescape(m) for m in re.findall(r'<div class="arithmatex">\\\[\n(.*?)\n\\\]</div>', out, re.S)
    ]


def test_fence_gives_the_latex_renderers_blocks_generic():
    out = markdown.markdown(FENCE, extensions=["symbackprop.markdown_ext"])
    r = _expr()
    assert _blocks(out) == [latex.chain_block(r.derivation, n) for n in ("w0", "b")] + [
        latex.gradients_block(r.derivation)
    ]
    assert '<code class="language-python">' in out and html.escape(r.python()) in out
    assert out.index("Before.") < out.index("arithmatex") < out.index("After.")


def test_follows_arithmatex_when_loaded():
    generic = markdown.markdown(
        FENCE + "\nand $x$ inline\n",
        extensions=["pymdownx.arithmatex", "symbackprop.markdown_ext"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )
    assert len(_blocks(generic)) == 3
    assert '<span class="arithmatex">\\(x\\)</span>' in generic  # arithmatex itself, for the page's own math
    scripts = markdown.markdown(FENCE, extensions=["pymdownx.arithmatex", "symbackprop.markdown_ext"])
    assert scripts.count('<script type="math/tex; mode=display">') == 3


def test_same_as_arithmatex_would_make_of_the_markdown():
    """The walkthrough's math is what arithmatex makes of the Markdown renderer's own $$ blocks."""
    cfg = {"pymdownx.arithmatex": {"generic": True}}
    ours = markdown.markdown(
        "```backprop\nshow: walkthrough\n```",
        extensions=["pymdownx.arithmatex", "symbackprop.markdown_ext"],
        extension_configs={**cfg, "symbackprop.markdown_ext": {"heading_offset": 0}},
    )
    theirs = markdown.markdown(
        symbackprop.neuron().markdown(), extensions=["pymdownx.arithmatex"], extension_configs=cfg
    )
    assert _blocks(ours) == _blocks(theirs) and len(_blocks(ours)) > 10
    assert re.findall(r"<h\d>(.*?)</h\d>", ours)[:3] == re.findall(r"<h\d>(.*?)</h\d>", theirs)[:3]
    assert "<h3>" in markdown.markdown("```backprop\n```", extensions=["symbackprop.markdown_ext"])


def test_leaves_other_fences_alone():
    out = markdown.markdown(
        "```python\nprint(1)\n```\n", extensions=["fenced_code", "symbackprop.markdown_ext"]
    )
    assert "print(1)" in out and "arithmatex" not in out


def test_a_wrong_spec_is_shown_and_logged(caplog):
    out = markdown.markdown("```backprop x*\n```\n\nAfter.", extensions=["symbackprop.markdown_ext"])
    assert 'class="backprop-error"' in out and "After." in out
    assert "line 1" in caplog.text and "backprop" in caplog.text
    with pytest.raises(InputError, match="unknown option 'shwo'"):
        markdown.markdown(
            "```backprop\nshwo: chain\n```",
            extensions=["symbackprop.markdown_ext"],
            extension_configs={"symbackprop.markdown_ext": {"strict": True}},
        )


@pytest.mark.skipif(shutil.which("dot") is None, reason="the graph's SVG needs Graphviz's dot")
def test_graph_is_inline_svg():
    _docspec._MEMORY.clear()
    out = markdown.markdown("```backprop\nshow: graph\n```", extensions=["symbackprop.markdown_ext"])
    assert '<figure class="backprop-graph"' in out and "<svg" in out and "<?xml" not in out


def test_network_spec_from_base_path(tmp_path):
    pytest.importorskip("symbackprop._network")
    (tmp_path / "net.json").write_text(
        '{"inputs": [[1, 2]], "layers": [{"weights": [[0.5], [-1]], "biases": [0.1], "activation": "relu"}]}',
        encoding="utf-8",
    )
    out = markdown.markdown(
        "```backprop\nnetwork: net.json\nshow: chain\n```",
        extensions=["symbackprop.markdown_ext"],
        extension_configs={"symbackprop.markdown_ext": {"base_path": str(tmp_path), "strict": True}},
    )
    assert len(_blocks(out)) >= 3 and "W^{[1]}" in html.unescape(out)


def test_a_graph_that_cannot_be_drawn_leaves_the_equations(monkeypatch, caplog):
    def no_dot(r, fmt):
        raise symbackprop.SymbackpropError("drawing SVG needs Graphviz")

    monkeypatch.setattr(_docspec, "_graph", no_dot)
    _docspec._MEMORY.clear()
    out = markdown.markdown(
        "```backprop\nshow: graph, gradients\n```", extensions=["symbackprop.markdown_ext"]
    )
    assert "the graph: drawing SVG needs Graphviz" in out and len(_blocks(out)) == 1
    assert "drawing SVG needs Graphviz" in caplog.text


# --- under MkDocs: the page in messages, --strict, network: relative to the page ---------------------

MKDOCS_YML = """\
site_name: fences
markdown_extensions:
  - pymdownx.arithmatex:
      generic: true
  - symbackprop.markdown_ext
"""


def _mkdocs(tmp_path, *args: str):
    import subprocess
    import sys

    pytest.importorskip("mkdocs")
    (tmp_path / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    docs = tmp_path / "docs"
    (docs / "nets").mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text("# Home\n\n```backprop\nshow: gradients\n```\n", encoding="utf-8")
    spec = (
        '{"inputs": [[1, 2]], "layers": [{"weights": [[0.5], [-1]], "biases": [0.25], "activation": "relu"}]}'
    )
    (docs / "nets" / "net.json").write_text(spec, encoding="utf-8")
    # network: relative to the page (docs/nets/), not to the directory mkdocs runs in
    (docs / "nets" / "layer.md").write_text(
        "# Layer\n\n```backprop\nnetwork: net.json\n```\n", encoding="utf-8"
    )
    (docs / "nets" / "broken.md").write_text(
        "# Broken\n\ntext\n\n```backprop relu(x*\n```\n", encoding="utf-8"
    )
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_mkdocs_names_the_page_of_a_broken_fence_and_strict_fails(tmp_path):
    done = _mkdocs(tmp_path, "--strict")
    assert done.returncode != 0, done.stderr
    assert (
        "WARNING" in done.stderr
        and "nets/broken.md: backprop fence at line 5: missing operand" in done.stderr
    )


def test_mkdocs_without_strict_builds_with_network_relative_to_the_page(tmp_path):
    done = _mkdocs(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "nets/broken.md: backprop fence at line 5" in done.stderr
    assert done.stderr.count("backprop") == 1, done.stderr  # the good fences are quiet
    page = (tmp_path / "site" / "nets" / "layer" / "index.html").read_text(encoding="utf-8")
    expected = symbackprop.network(str(tmp_path / "docs" / "nets" / "net.json"))
    assert _blocks(page)[: len(expected.part("expression"))] == expected.part("expression")
    broken = (tmp_path / "site" / "nets" / "broken" / "index.html").read_text(encoding="utf-8")
    assert 'class="backprop-error"' in broken and "missing operand" in broken


def test_outside_mkdocs_the_network_stays_relative_to_base_path(tmp_path, caplog):
    (tmp_path / "net.json").write_text('{"inputs": [[1]], "layers": [{"weights": [[2]], "biases": [0]}]}')
    out = markdown.markdown(
        "```backprop\nnetwork: net.json\nshow: gradients\n```\n",
        extensions=["symbackprop.markdown_ext"],
        extension_configs={"symbackprop.markdown_ext": {"base_path": str(tmp_path)}},
    )
    assert _blocks(out) and not caplog.records

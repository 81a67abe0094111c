r"""User text that reaches a doc builder is escaped for it (issue 14, part 9): a figure's alt text in
HTML, LaTeX, man (groff) and texinfo, and in the Markdown fence's HTML.

The hostile text rides in a valid derivation: a comment of the chapter's Python (``:python-input:``),
which the alt text quotes, carrying groff escapes (``\fB``, ``\X'...'``), a ``.so FILE`` request,
texinfo's ``@`` commands and braces, and HTML.  A left side that is no name is refused, never skipped.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import markdown
import pytest
from docutils import nodes

import symbackprop
from symbackprop import sphinx as ext
from symbackprop.errors import ParseError

HOSTILE = r"# \fB bold \X'ps: exec' .so SECRET @include evil.texi @bye {x} </p><img src=x onerror=alert(1)>"
PROGRAM = f"{HOSTILE}\ny = x * 2\n"
SECRET = "THE-SECRET-FILE-CONTENT"


def _project(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        'extensions = ["symbackprop.sphinx"]\nproject = "t"\n'
        'man_pages = [("index", "t", "t", [], 1)]\n'
        'texinfo_documents = [("index", "t", "t", "a", "t", "t", "Misc")]\n',
        encoding="utf-8",
    )
    body = "\n".join(f"   {line}" for line in PROGRAM.splitlines())
    (src / "index.rst").write_text(
        f"Page\n====\n\n.. backprop::\n   :python-input:\n   :at: x=1\n   :show: graph\n\n{body}\n",
        encoding="utf-8",
    )
    (src / "SECRET").write_text(SECRET + "\n", encoding="utf-8")
    return src


def _build(src: Path, builder: str, out: Path) -> None:
    done = subprocess.run(
        ["sphinx-build", "-q", "-b", builder, str(src), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=src,  # where groff would look for SECRET
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_man_page_quotes_the_alt_text_as_text(tmp_path):
    src = _project(tmp_path)
    _build(src, "man", tmp_path / "man")
    page = (tmp_path / "man" / "t.1").read_text(encoding="utf-8")
    line = next(row for row in page.splitlines() if "Computation graph of" in row)
    assert r"\efB bold \eX\(aqps: exec\(aq .so SECRET" in line  # backslashes written as \e, quotes as \(aq
    assert not line.startswith(".")
    assert not any(row.startswith(".so") for row in page.splitlines())
    if shutil.which("groff"):
        shown = subprocess.run(
            ["groff", "-man", "-Tutf8", "t.1"], cwd=tmp_path / "man", capture_output=True, timeout=60
        ).stdout.decode("utf-8", "replace")
        assert ".so SECRET" in shown.replace("\u2010", "-") and SECRET not in shown


def test_the_texinfo_file_quotes_the_alt_text_as_text(tmp_path):
    src = _project(tmp_path)
    _build(src, "texinfo", tmp_path / "texinfo")
    text = (tmp_path / "texinfo" / "t.texi").read_text(encoding="utf-8")
    line = next(row for row in text.splitlines() if "Computation graph of" in row)
    assert "@@include evil.texi @@bye @{x@}" in line
    assert "@include evil" not in line.replace("@@", "")


def test_the_html_quotes_the_alt_text(tmp_path):
    src = _project(tmp_path)
    _build(src, "html", tmp_path / "html")
    page = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_latex_fallback_is_encoded(make_app, tmp_path, monkeypatch):
    """Where the TikZ figure fails, the alt text stands in: as LaTeX text, its specials escaped."""
    monkeypatch.setattr(ext, "_figure_text", lambda *args: None)
    src = _project(tmp_path)
    (src / "index.rst").write_text(
        "Page\n====\n\n.. backprop::\n   :python-input:\n   :at: x=1\n   :show: graph\n\n"
        "   # \\input{/etc/passwd} $x$ 50% #1 ~ ^ {b}\n   y = x * 2\n",
        encoding="utf-8",
    )
    app = make_app("latex", srcdir=src)
    app.build()
    tex = next((Path(app.outdir)).glob("*.tex")).read_text(encoding="utf-8")
    line = next(row for row in tex.splitlines() if "Computation graph of" in row)
    assert r"\input{" not in line and r"\textbackslash{}input\{/etc/passwd\}" in line
    assert r"\$x\$" in line and r"50\%" in line and r"\#1" in line


class _Translator:
    """A man or texinfo translator as the fallback sees it: a body, and its builder's text escaping."""

    def __init__(self, visit_text) -> None:
        self.body: list[str] = []
        self.visit_Text = lambda node: self.body.append(visit_text(node.astext()))


def test_a_newline_in_the_alt_text_never_starts_a_line(monkeypatch):
    """Whatever the alt text holds, the man and texinfo fallbacks write it on one line."""
    seen: list[str] = []
    t = _Translator(lambda s: seen.append(s) or s)
    with pytest.raises(nodes.SkipNode):
        ext.other_visit_graph(t, ext.backprop_graph(alt="a\n.so FILE\r\n'br"))
    assert seen == ["[a .so FILE 'br]"]


def test_the_alt_text_is_one_line_of_printable_text():
    from symbackprop._docspec import Spec

    spec = Spec(expr="y = x\r\n# a\x0b.so B\x00\x1b[2J\u2028.so C")
    described = spec.describe()
    assert described.isprintable() and "\n" not in described
    assert described == "y = x; # a; .so B [2J; .so C"


def test_the_fence_quotes_the_alt_text():
    page = markdown.markdown(
        f"```backprop\npython-input: true\nat: x=1\nshow: graph\n{PROGRAM}```\n",
        extensions=["symbackprop.markdown_ext"],
    )
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize(
    "text",
    [
        r"\text{.so FILE} = x \cdot 2",
        r"\foo{bar} = x \cdot 2",
        r"\frac{a}{b} = x \cdot 2",
        r"\operatorname{f}(x) = x \cdot 2",
        r"\hat{y}\text{x} = x \cdot 2",
    ],
)
def test_a_left_side_that_is_no_name_is_refused(text):
    with pytest.raises(ParseError, match="the left side of '=' must be a name"):
        symbackprop.derive(text, latex_input=True)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (r"\hat{y} = x \cdot 2", "y_hat"),
        (r"\mathrm{out} = x \cdot 2", "out"),
        (r"W^{[2]} = x \cdot 2", "W_layer2"),
    ],
)
def test_a_left_side_that_is_a_name_is_read(text, name):
    assert symbackprop.derive(text, latex_input=True).to_dict()["nodes"][-1]["var"] == name

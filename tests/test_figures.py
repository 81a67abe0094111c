"""Figures an author can ship: ids unique on a page, operand roles, each label pair on its edge, the
legend and the layout options in every entrance, a network's parameters drawn once, TikZ pictures
that ``\\input`` into a document or stand as pages of their own size, and Beamer slides with one
overlay per step (compiled by pdflatex)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import markdown
import pytest

import symbackprop
from symbackprop import _docspec, options
from symbackprop.cli import main
from symbackprop.render import figure

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
needs_poppler = pytest.mark.skipif(
    shutil.which("pdfinfo") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils is not installed",
)
SOFTMAX = Path(__file__).resolve().parent.parent / "docs" / "specs" / "softmax-cce.json"
SVG = "{http://www.w3.org/2000/svg}"

PAGE = """\
# Three figures

```backprop
show: graph
```

```backprop sigmoid(x*w + b)
at: x=0.5, w=2, b=-1
show: graph
```

```backprop
show: graph
```

```backprop a / b - c
at: a=3, b=2, c=1
show: graph
layout: TB
```
"""


def _page() -> str:
    _docspec._MEMORY.clear()
    return markdown.markdown(PAGE, extensions=["symbackprop.markdown_ext"])


@needs_dot
def test_a_page_of_figures_has_no_id_twice_and_the_same_bytes_every_run():
    out = _page()
    assert out.count("<svg") == 4  # the neuron twice, two others
    ids = re.findall(r'\bid="([^"]*)"', out)
    assert len(ids) > 4 * 20 and [i for i, n in Counter(ids).items() if n > 1] == []
    code = (
        "import markdown, sys; sys.stdout.write(markdown.markdown(sys.stdin.read(), "
        "extensions=['symbackprop.markdown_ext']))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            input=PAGE,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            timeout=300,
        ).stdout
        for seed in ("1", "2")
    }
    assert runs == {out}


def _labels(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {
        g.find(f"{SVG}title").text: g
        for g in root.iter(f"{SVG}g")
        if g.get("class") in ("node", "edge") and g.find(f"{SVG}title") is not None
    }


@needs_dot
def test_each_value_and_gradient_sit_above_and_below_their_own_edge():
    """In the SVG itself: each label's rule is the piece of its edge between the two legs, the value
    above it and the gradient below, both over it -- so 3 over 2 is never read as 2 over 3."""
    r = symbackprop.derive("z = a - b; q = z / c; y = q ** 2", at={"a": 3, "b": 2, "c": 2})
    svg = r.render("svg")
    groups = _labels(svg)
    dot = r.render("dot")
    legs = re.findall(r"^  (\w+) -> l(\d+):m:w .*\n  l\2:m:e -> (\w+) ", dot, re.M)
    assert len(legs) == 6  # a and b into sub, z and c into div, q into pow, y out
    for tail, k, _head in legs:
        label = groups[f"l{k}"]
        texts = [
            (t.text, float(t.get("x")), float(t.get("y")), t.get("fill")) for t in label.iter(f"{SVG}text")
        ]
        numbers = [t for t in texts if t[0] and re.fullmatch(r"-?[\d.]+", t[0])]
        (value,) = [t for t in numbers if t[3] != "red"]
        (gradient,) = [t for t in numbers if t[3] == "red"]
        rule = [float(v) for v in re.findall(r"-?[\d.]+", label.find(f"{SVG}polyline").get("points"))]
        left, right, height = min(rule[0::2]), max(rule[0::2]), rule[1]
        assert value[2] < height < gradient[2]  # above, on, below (SVG's y grows downward)
        assert left < value[1] < right and left < gradient[1] < right
        first = groups[f"{tail}->l{k}:w"].find(f"{SVG}path").get("d")
        end = [float(v) for v in re.findall(r"-?[\d.]+", first)[-2:]]
        assert abs(end[0] - left) < 1.5 and abs(end[1] - height) < 1.5  # the first leg ends at the rule
    assert 'font-family="Times,serif"' in svg and "Helvetica" not in svg  # serif, as the math beside it


def test_non_commutative_operations_name_each_edge_s_role():
    r = symbackprop.derive("a / b - c ** x", at={"a": 3, "b": 2, "c": 2, "x": 3})
    dot, tex = r.render("dot"), r.render("tikz")
    drawn = sorted(re.findall(r"<I>(minuend|subtrahend|numerator|denominator|base|exponent)</I>", dot))
    assert drawn == sorted(["numerator", "denominator", "base", "exponent", "minuend", "subtrahend"])
    # the numerator's edge carries a's value, the denominator's b's, the base's c's, the exponent's x's
    for role, value in (("numerator", "3"), ("denominator", "2"), ("base", "2"), ("exponent", "3")):
        assert re.search(
            rf'<I>{role}</I></FONT></TD></TR><TR><TD WIDTH="\d+" HEIGHT="14" FIXEDSIZE="TRUE">{value}</TD>',
            dot,
        )
    assert r"{\scriptsize\itshape numerator}\\$3$" in tex and r"{\scriptsize\itshape base}\\$2$" in tex
    plain = symbackprop.derive("a * b + c", at={"a": 1, "b": 2, "c": 3}).render("dot")
    assert "<I>" not in re.sub(
        r"^  n\d+ .*$|^  out .*$|^  graph .*$", "", plain, flags=re.M
    )  # sum, mul commute


def test_a_user_operation_names_its_parameters_on_its_edges():
    r = symbackprop.derive("f(p, q)", at={"p": 1, "q": 2}, define={"f(a,b)": "a*b + a"})
    assert re.findall(r"<I>([ab])</I></FONT>", r.render("dot")) == ["a", "b"]


def test_legend_on_by_default_and_off_everywhere():
    r = symbackprop.neuron()
    assert "the value flowing forward" in r.render("dot") and "the value flowing forward" in r.render("tikz")
    off = symbackprop.neuron(legend=False)
    assert "flowing forward" not in off.render("dot") and "flowing forward" not in off.render("tikz")
    assert "flowing forward" not in off.latex(standalone=True)  # the document's figure too
    assert "flowing forward" in r.latex(standalone=True)
    assert options.BY_KEYWORD["legend"].flags == ("--no-legend",)
    spec = _docspec.parse_spec(None, {"legend": "false", "layout": "tb"})
    assert spec.legend is False and spec.layout == "TB"
    assert "flowing forward" not in _docspec.result(spec).render("dot")
    with pytest.raises(symbackprop.SymbackpropError, match=r"layout= must be one of LR, TB, not 'up'"):
        symbackprop.neuron(layout="up")


def test_cli_no_legend_and_layout(capsys):
    assert main(["neuron", "--format", "dot", "--no-legend", "--layout", "tb"]) == 0
    out, _ = capsys.readouterr()
    assert "rankdir=TB" in out and "flowing forward" not in out
    assert main(["derive", "x*w", "--at", "x=2", "--at", "w=3", "--format", "dot"]) == 0
    out, _ = capsys.readouterr()
    assert "rankdir=LR" in out and "flowing forward" in out
    assert main(["neuron", "--layout", "diagonal"]) == 2
    assert "--layout" in capsys.readouterr().err


def test_top_to_bottom_tikz_puts_the_output_below_the_leaves():
    tex = symbackprop.neuron(layout="TB").render("tikz")
    at = {
        name: (float(x), float(y))
        for name, x, y in re.findall(r"\\node\[[^\]]*\] \((\w+)\) at \((-?[\d.]+),(-?[\d.]+)\)", tex)
    }
    leaves = [at[f"n{i}"] for i in (0, 1, 3, 4, 6, 7, 9)]  # x0 w0 x1 w1 x2 w2 b
    assert (
        len({y for _, y in leaves}) == 1 and at["out"][1] < leaves[0][1] - 3
    )  # a row on top, the output low
    assert [x for x, _ in leaves] == sorted(x for x, _ in leaves)  # in the tree's order, left to right
    assert "value/.style={left" in tex and "gradient/.style={right" in tex  # beside the vertical edges


def test_a_network_s_scalar_figure_draws_each_parameter_once():
    r = symbackprop.network(str(SOFTMAX), wrt=["W1[0,0]"])
    dot = r.render("dot")
    leaves = re.findall(r"^  n\d+ \[label=<<I>([^<]*)</I>>", dot, re.M)
    assert leaves and [n for n, k in Counter(leaves).items() if k > 1] == []
    weights = [n for n in leaves if n.startswith("W")]
    assert "W₁[0,0]" in weights and len(weights) == len(set(weights))
    occurrences = sum(1 for n in r.derivation.scalar.derivation.graph.nodes if n.var.startswith("W"))
    assert len(weights) < occurrences  # the graph has an occurrence per sample; the figure one item each


def _pdflatex(folder: Path, name: str) -> str:
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", name],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=180,
    )
    log = (folder / name.replace(".tex", ".log")).read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, log[-2000:]
    return log


@needs_tex
def test_a_tikz_picture_and_a_frame_input_into_a_document(tmp_path):
    r = symbackprop.derive("z = a - b; q = z / c; y = q ** 2", at={"a": 3, "b": 2, "c": 2})
    (tmp_path / "figure.tex").write_text(r.render("tikz"), encoding="utf-8")
    (tmp_path / "down.tex").write_text(symbackprop.neuron(layout="TB").render("tikz"), encoding="utf-8")
    assert main(["neuron", "--format", "tikz", "--frames", str(tmp_path / "frames"), "-o", os.devnull]) == 0
    chapter = (
        "\\documentclass[10pt]{article}\n\\usepackage{amsmath}\n\\usepackage{tikz}\n"
        "\\setlength{\\textwidth}{16cm}\\setlength{\\oddsidemargin}{0cm}\n\\begin{document}\n"
        "\\section{A chapter}\nText before.\n\n\\input{figure.tex}\n\nBetween.\n\n"
        "\\input{frames/frame-08.tex}\n\nAnd top to bottom.\n\n\\input{down.tex}\n\nAfter.\n\\end{document}\n"
    )
    (tmp_path / "chapter.tex").write_text(chapter, encoding="utf-8")
    log = _pdflatex(tmp_path, "chapter.tex")
    wide = [float(w) for w in re.findall(r"Overfull \\hbox \((\d+\.\d+)pt too wide\)", log)]
    assert all(w <= 1.0 for w in wide), wide
    assert "Output written on chapter.pdf (2 pages" in log


def _page_and_ink(pdf: Path) -> tuple[tuple[float, float], tuple[float, float, float, float]]:
    """The first page's size in pt (pdfinfo), and the box (left, top, right, bottom) of its ink in pt,
    from the page drawn at 288 dpi (small grey type drawn coarser may fall below the threshold)."""
    info = subprocess.run(["pdfinfo", pdf.name], cwd=pdf.parent, capture_output=True, text=True, check=True)
    found = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout, re.M)
    assert found is not None, info.stdout
    gray = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "288", "-gray", "-singlefile", "-f", "1", "-l", "1", pdf.name, gray.name],
                   cwd=pdf.parent, check=True)  # fmt: skip
    kind, width, height, _, pixels = gray.with_suffix(".pgm").read_bytes().split(maxsplit=4)
    assert kind == b"P5"
    w, h = int(width), int(height)
    dark = [(i % w, i // w) for i, v in enumerate(pixels[: w * h]) if v < 192]
    xs, ys = [x for x, _ in dark], [y for _, y in dark]
    ink = (min(xs) / 4, min(ys) / 4, (max(xs) + 1) / 4, (max(ys) + 1) / 4)
    return (float(found.group(1)), float(found.group(2))), ink


@needs_tex
@needs_poppler
def test_a_standalone_tikz_figure_and_frame_are_pages_the_size_of_their_pictures(tmp_path):
    r = symbackprop.neuron()
    (tmp_path / "figure.tex").write_text(r.render("tikz", standalone=True), encoding="utf-8")
    (tmp_path / "figure-input.tex").write_text(r.render("tikz"), encoding="utf-8")
    out = str(tmp_path / "derivation.tex")
    frames = ["derive", "x*w", "--at", "x=2", "--at", "w=3", "--format", "tikz", "-o", out, "--frames"]
    assert main([*frames, str(tmp_path / "frames"), "--standalone"]) == 0
    assert main([*frames, str(tmp_path / "fragments")]) == 0
    (tmp_path / "frame.tex").write_bytes((tmp_path / "frames" / "frame-05.tex").read_bytes())
    (tmp_path / "frame-input.tex").write_bytes((tmp_path / "fragments" / "frame-05.tex").read_bytes())
    for name in ("figure", "frame"):
        # the oracle: the same picture \input on a letter page, where nothing crops it
        letter = (
            "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{tikz}\n\\pagestyle{empty}\n"
            f"\\begin{{document}}\n\\noindent\\input{{{name}-input.tex}}\n\\end{{document}}\n"
        )
        (tmp_path / f"{name}-letter.tex").write_text(letter, encoding="utf-8")
        assert "(1 page" in _pdflatex(tmp_path, f"{name}.tex")
        _pdflatex(tmp_path, f"{name}-letter.tex")
        (width, height), (left, top, right, bottom) = _page_and_ink(tmp_path / f"{name}.pdf")
        (letter_width, _), (l_left, l_top, l_right, l_bottom) = _page_and_ink(tmp_path / f"{name}-letter.pdf")
        assert letter_width == 612 and width < 400 and height < 300, (name, width, height)
        # all of the picture's ink, and a margin of at most a few points on each side
        assert (
            abs((right - left) - (l_right - l_left)) <= 0.5
            and abs((bottom - top) - (l_bottom - l_top)) <= 0.5
        )
        margins = (left, top, width - right, height - bottom)
        assert all(0.5 <= m <= 5 for m in margins), (name, margins)


@needs_tex
@pytest.mark.skipif(
    shutil.which("kpsewhich") is None
    or not subprocess.run(["kpsewhich", "beamer.cls"], capture_output=True, text=True).stdout.strip(),
    reason="Beamer is not installed",
)
@pytest.mark.parametrize(
    "make",
    [
        lambda: symbackprop.neuron(),
        lambda: symbackprop.derive(
            "z = a - b; q = z / c; y = q ** 2", at={"a": 3, "b": 2, "c": 2}, layout="TB"
        ),
        lambda: symbackprop.network(str(SOFTMAX)),
    ],
)
def test_beamer_slides_compile_with_one_overlay_per_frame(make, tmp_path):
    r = make()
    steps = len(r.frames("dot"))
    slides = r.render("beamer", standalone=True)
    assert slides.startswith("\\documentclass{beamer}") and slides.count("\\begin{frame}") == 1
    pictures = re.findall(r"^\\only<(\d+)>\{\\resizebox.*\{%$", slides, re.M)
    equations = re.findall(r"^\\only<(\d+)>\{\\resizebox\{\\ifdim.*\$\}\}%$", slides, re.M)
    assert [int(k) for k in pictures] == list(range(1, steps + 1)) and len(equations) == steps
    (tmp_path / "slides.tex").write_text(slides, encoding="utf-8")
    log = _pdflatex(tmp_path, "slides.tex")
    assert f"Output written on slides.pdf ({steps} pages" in log  # one page per overlay
    assert "Overfull" not in log
    fragment = r.beamer()
    assert fragment.startswith("% symbackprop slides") and "\\documentclass" not in fragment
    talk = (
        "\\documentclass{beamer}\n\\usepackage{tikz}\n\\begin{document}\n\\input{step.tex}\n\\end{document}\n"
    )
    (tmp_path / "step.tex").write_text(fragment, encoding="utf-8")
    (tmp_path / "talk.tex").write_text(talk, encoding="utf-8")
    assert f"Output written on talk.pdf ({steps} pages" in _pdflatex(tmp_path, "talk.tex")


@needs_tex
@needs_poppler
@pytest.mark.skipif(
    shutil.which("kpsewhich") is None
    or not subprocess.run(["kpsewhich", "beamer.cls"], capture_output=True, text=True).stdout.strip(),
    reason="Beamer is not installed",
)
def test_the_slides_math_is_serif_as_in_the_documents(tmp_path):
    """Beamer's math is sans-serif; ours is Computer Modern's serif, words in it too (pdffonts: a slide
    of math alone uses no sans-serif font)."""
    from symbackprop.render.figure.slides import BEAMER_PREAMBLE

    math = r"\begin{frame}$\displaystyle y = \text{ReLU}\big(\operatorname{sum}(x_{0}, 1.5)\big)$\end{frame}"
    (tmp_path / "math.tex").write_text(BEAMER_PREAMBLE + math + "\n\\end{document}\n", encoding="utf-8")
    _pdflatex(tmp_path, "math.tex")
    done = subprocess.run(["pdffonts", "math.pdf"], cwd=tmp_path, capture_output=True, text=True, check=True)
    fonts = {line.split()[0].split("+")[-1] for line in done.stdout.splitlines()[2:]}
    assert {"CMMI10", "CMR10"} <= fonts and not any(f.startswith("CMSS") for f in fonts), fonts


def test_beamer_from_the_command_line(capsys):
    assert main(["derive", "x*w", "--at", "x=2", "--at", "w=3", "--format", "beamer"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("% symbackprop slides") and out.count("\\only<") == 2 * 5  # picture and equation
    assert main(["derive", "x*w", "--format", "beamer", "--standalone"]) == 0
    assert capsys.readouterr()[0].startswith("\\documentclass{beamer}")
    assert figure.beamer(symbackprop.neuron().derivation).count("\\begin{tikzpicture}") == 18


@needs_dot
@pytest.mark.parametrize("layout", ["LR", "TB"])
def test_graphviz_draws_every_label_without_a_warning(layout, tmp_path):
    """Each label's cells are sized for their text (Graphviz says so on standard error otherwise)."""
    runs = [
        ["neuron"],
        ["derive", "a / b - c ** x", "--at", "a=3", "--at", "b=2", "--at", "c=2", "--at", "x=3"],
        ["network", str(SOFTMAX)],
        ["network", str(SOFTMAX), "--wrt", "W1[0,0]"],
    ]
    for argv in runs:
        done = subprocess.run(
            [sys.executable, "-m", "symbackprop", *argv, "--format", "svg", "--layout", layout],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
        assert done.returncode == 0 and "<svg" in done.stdout and done.stderr == "", (argv, done.stderr)

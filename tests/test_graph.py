"""Computation-graph figures: the chapter's neuron with its printed numbers, the frame sequence,
determinism, the missing-Graphviz message, TikZ that compiles, and the command line."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from symbackprop import derive, neuron, numbers
from symbackprop.cli import main
from symbackprop.render import figure as graph
from symbackprop.render.figure import GRADIENT_COLOR, GraphvizMissing

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
LABEL = re.compile(r"^  l(\d+) \[label=<(.*)>, fontsize=\d+, margin=0, width=0, height=0\];$", re.M)
INTO = re.compile(r"^  (\w+) -> l(\d+):m:[wn] \[", re.M)  # an edge's first leg: into its label
OUT_OF = re.compile(r"^  l(\d+):m:[es] -> (\w+) \[", re.M)  # ... and the second, on to the operation


def edges(dot: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(tail, head) -> (value, gradient) as drawn on the edge; '' where a frame does not show it yet."""
    tails = {k: tail for tail, k in INTO.findall(dot)}
    heads = dict(OUT_OF.findall(dot))
    out = {}
    for k, label in LABEL.findall(dot):
        cells = re.findall(r'FIXEDSIZE="TRUE"[^>]*>(.*?)</TD>', label)
        value = re.sub(r"<[^>]*>", "", cells[0])
        red = re.search(rf'<FONT COLOR="{GRADIENT_COLOR}">(.*?)</FONT>', label)
        out[(tails[k], heads[k])] = (html.unescape(value), html.unescape(red.group(1)) if red else "")
    return out


def caption(dot: str) -> str:
    """A frame's caption: the graph's label (its first row, above the legend)."""
    m = re.search(r'label=<<TABLE[^>]*><TR><TD ALIGN="LEFT" BALIGN="LEFT">(.*?)</TD>', dot)
    return html.unescape(m.group(1)) if m else re.search(r'label="(.*)"\];\n', dot).group(1)


def by_var(d) -> dict[str, str]:
    """The chapter's names to dot node ids: ``xw0`` -> ``n2``."""
    return {n.var: f"n{i}" for i, n in enumerate(d.graph.nodes)}


def out_edge(d, name: str, e) -> tuple[str, str]:
    """The label of the edge leaving the node named ``name`` (its value, its gradient)."""
    ids = by_var(d)
    (label,) = [v for (tail, _), v in e.items() if tail == ids[name]]
    return label


# --- the chapter's neuron ---------------------------------------------------------------------


def test_neuron_figure_has_every_forward_value_and_gradient_of_the_chapter():
    d = neuron().derivation
    e = edges(graph.render(d, "dot"))
    # Forward values the chapter prints: xw0, xw1, xw2 = -3.0 2.0 6.0; z = 6.0; y = 6.0
    assert [out_edge(d, v, e)[0] for v in ("xw0", "xw1", "xw2", "z", "y")] == ["-3", "2", "6", "6", "6"]
    # drelu_dz = 1.0; drelu_dxw0 ... drelu_db = 1.0 1.0 1.0 1.0
    assert [out_edge(d, v, e)[1] for v in ("z", "xw0", "xw1", "xw2", "b")] == ["1"] * 5
    # drelu_dx0, drelu_dw0, drelu_dx1, drelu_dw1, drelu_dx2, drelu_dw2 = -3.0 1.0 -1.0 -2.0 2.0 3.0
    leaves = ("x0", "w0", "x1", "w1", "x2", "w2")
    assert [out_edge(d, v, e)[1] for v in leaves] == ["-3", "1", "-1", "-2", "2", "3"]
    # the inputs' own values, on the edges leaving them
    assert [out_edge(d, v, e)[0] for v in leaves] == ["1", "-3", "-2", "-1", "3", "2"]
    assert e[(by_var(d)["y"], "out")] == ("6", "1")  # output and the gradient from the next layer


def test_neuron_figure_counts_nodes_and_edges():
    d = neuron().derivation
    dot = graph.render(d, "dot")
    assert len(re.findall(r"^  n\d+ \[label=", dot, re.M)) == 12  # 7 leaves, 3 mul, sum, ReLU
    assert len(re.findall(r"^  out \[label=", dot, re.M)) == 1
    assert len(edges(dot)) == 12  # one labelled edge per node
    drawn = [line for line in dot.splitlines() if " -> " in line and "invis" not in line]
    assert len(drawn) == 24  # each edge in two legs, through its label: no routing point of its own
    assert "shape=point" not in dot
    assert dot.count(f'<FONT COLOR="{GRADIENT_COLOR}">') == 12 + 1  # every edge has its gradient; the legend
    for name in ("mul", "sum", "ReLU"):  # the operations, labelled as the chapter
        assert re.search(rf"label=<{name}<BR/>", dot)
    assert "id(" not in dot and re.findall(r"\bn(\d+)\b", dot)


@needs_dot
def test_neuron_svg_draws_gradients_in_red():
    d = neuron().derivation
    svg = graph.render(d, "svg")
    assert svg.startswith("<?xml") and "<svg" in svg
    red = [html.unescape(t) for t in re.findall(rf'fill="{GRADIENT_COLOR}">([^<]*)</text>', svg)]
    assert sorted(red) == sorted(["-3", "1", "-1", "-2", "2", "3", "1", "1", "1", "1", "1", "1", "gradient"])
    assert svg.count('class="node"') == 25  # 12 + the output + each edge's label
    assert svg.count('class="edge"') == 24  # each edge in two legs


def test_tikz_is_balanced_and_has_the_numbers():
    d = neuron().derivation
    tex = graph.render(d, "tikz")
    assert tex.startswith("% symbackprop figure: needs \\usepackage{tikz}")  # a fragment to \input
    assert tex.split("\n")[1] == r"\begin{tikzpicture}[font=\small, >=latex," and tex.rstrip().endswith(
        r"\end{tikzpicture}"
    )
    depth = 0
    for ch in tex:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    assert tex.count("node[gradient]") == 12 and "text=red" in tex
    for v in ("-3", "2", "6"):
        assert f"node[value] {{${v}$}}" in tex
    assert tex.count(r"\node[op") == 5 and r"{$\mathrm{\text{ReLU}}$}" in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_tikz_compiles_with_pdflatex(tmp_path):
    d = derive("sigmoid(x*w + b)**2 / (x + 3) - log(x)", at={"x": 0.5, "w": 2, "b": -1}).derivation
    from symbackprop import network

    net = network(NET)
    docs = [
        graph.render(neuron().derivation, "tikz", standalone=True),
        *graph.frames(d, "tikz", standalone=True)[-2:],
        net.render("tikz", standalone=True),
        net.frames("tikz")[8],  # the combined softmax + cross-entropy step
        network(NET, wrt=["b1[2]"]).render("tikz", standalone=True),
    ]
    docs[4] = graph.TIKZ_PREAMBLE + docs[4] + graph.TIKZ_END
    for k, doc in enumerate(docs):
        (tmp_path / f"f{k}.tex").write_text(doc, encoding="utf-8")
        run = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"f{k}.tex"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stdout[-2000:]
        assert (tmp_path / f"f{k}.pdf").stat().st_size > 1000


# --- the sequence --------------------------------------------------------------------------------


def _things(dot: str) -> set[tuple[str, str, str]]:
    """Every number a frame shows: (edge, kind, text)."""
    out = set()
    for (tail, head), (value, gradient) in edges(dot).items():
        if value:
            out.add((f"{tail}->{head}", "value", value))
        if gradient:
            out.add((f"{tail}->{head}", "gradient", gradient))
    return out


@pytest.mark.parametrize(
    "make",
    [
        lambda: neuron(),
        lambda: derive("x*x + 2*x - relu(x*w)", at={"x": 3, "w": -1}),
        lambda: derive("sigmoid(x*w + b)**2 / (x + 3)", at={"x": 0.5, "w": 2, "b": -1}),
    ],
)
def test_each_frame_adds_exactly_one_thing(make):
    d = make().derivation
    ops = sum(n.op is not None for n in d.graph.nodes)
    steps = [e for e in d.graph.backward_edges() if d.flows(e)]  # numbers take no gradient
    texts = graph.frames(d, "dot")
    # frame 1: the leaves' values; one per operation; the gradient from the next layer; one per factor
    # (a number is drawn inside the operation that takes it: no edge, no frame)
    assert len(texts) == 1 + ops + 1 + len(steps)
    shown = [_things(t) for t in texts]
    leaves = sum(n.is_variable for n in d.graph.nodes)
    assert len(shown[0]) == leaves and all(kind == "value" for _, kind, _ in shown[0])
    for k in range(1, len(shown)):
        assert shown[k - 1] < shown[k] and len(shown[k] - shown[k - 1]) == 1, k
        ((_, kind, _),) = shown[k] - shown[k - 1]
        assert kind == ("value" if k <= ops else "gradient")
        assert texts[k].count("<B>") == 1  # and it is in bold
    assert shown[-1] == _things(graph.render(d, "dot"))  # the last frame is the complete figure
    assert "<B>" not in graph.render(d, "dot")


def test_neuron_sequence_is_the_chapters_and_captions_say_what_each_adds():
    d = neuron().derivation
    texts = graph.frames(d, "dot")
    assert len(texts) == 18  # 1 + 5 forward + 1 dvalue + 11 backward: as many as the chapter's 9-1 ... 9-18
    captions = [caption(t) for t in texts]
    assert captions[1] == "xw₀ = x₀ · w₀ = -3"
    assert captions[4] == "z = xw₀ + xw₁ + xw₂ + b = 6"
    assert captions[5] == "y = ReLU(z) = 6"
    assert "dvalue = 1" in captions[6]
    assert captions[7] == "∂y/∂z = ∂y/∂y · dReLU/dsum = 1 · 1(z > 0) = 1 · 1 = 1"
    assert captions[8] == "∂y/∂xw₀ = ∂y/∂z · ∂sum/∂mul(x₀, w₀) = 1 · 1 = 1"
    assert captions[12] == "∂y/∂x₀ = ∂y/∂xw₀ · ∂mul(x₀, w₀)/∂x₀ = 1 · w₀ = 1 · (-3) = -3"
    # operations the forward pass has not reached are grey, then black
    assert texts[0].count('color="gray70", fontcolor="gray70"') == 5
    assert texts[5].count('color="black", fontcolor="black"') == 5


def test_wrt_draws_gradients_only_on_the_named_leaves_paths():
    d = neuron(wrt=["w0"]).derivation
    red = [g for _, g in edges(graph.render(d, "dot")).values() if g]
    assert red == ["1", "1", "1", "1"]  # w0, xw0, z and the output edge
    assert len(graph.frames(d, "dot")) == 1 + 5 + 1 + 3


def test_write_frames_numbers_files_and_replaces_an_older_sequence(tmp_path):
    d = neuron().derivation
    stale = tmp_path / "frame-40.dot"
    stale.write_text("old")
    keep = tmp_path / "frame-40.svg"
    keep.write_text("another format: kept")
    paths = graph.write_frames(d, tmp_path, "dot")
    assert [p.name for p in paths] == [f"frame-{k:02d}.dot" for k in range(1, 19)]
    assert not stale.exists() and keep.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".dot") == [p.name for p in paths]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
    big = neuron(x=[1.0] * 30, w=[0.5] * 30).derivation  # 126 frames: three digits
    names = [p.name for p in graph.write_frames(big, tmp_path / "big", "tikz")]
    assert names[0] == "frame-001.tex" and names[-1] == f"frame-{len(names):03d}.tex" and len(names) > 99


# --- determinism ------------------------------------------------------------------------------


DIGEST = """
import hashlib
from symbackprop import derive, neuron
from symbackprop import numbers
from symbackprop.render import figure as graph
from symbackprop._network import derive_network, parse_spec
d = derive("sigmoid(x*w + b)**2 / (x + 3) - log(x) + max(x, w)", at={"x": 0.5, "w": 2, "b": -1}).derivation
n = neuron().derivation
net = derive_network(parse_spec(SPEC))
formats = ["dot", "tikz"] + (["svg"] if FORMAT_SVG else [])
parts = [t for fmt in formats for t in graph.frames(d, fmt) + graph.frames(n, fmt) + [graph.render(n, fmt)]]
parts += [t for fmt in formats for t in graph.frames(net, fmt)]
print(hashlib.sha256("\\x00".join(parts).encode()).hexdigest())
"""


def test_output_is_byte_identical_across_runs_and_hash_seeds():
    code = DIGEST.replace("FORMAT_SVG", str(shutil.which("dot") is not None)).replace("SPEC", repr(NET))
    digests = set()
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
        )
        assert run.returncode == 0, run.stderr
        digests.add(run.stdout.strip())
    assert len(digests) == 1


def test_node_names_are_indices_not_ids():
    d = neuron().derivation
    dot = graph.render(d, "dot")
    names = set(re.findall(r"^  (\w+) \[", dot, re.M)) - {"graph", "node", "edge"}
    assert names == {f"n{i}" for i in range(12)} | {f"l{k}" for k in range(12)} | {"out"}
    assert graph.render(d, "dot") == dot


# --- Graphviz missing ----------------------------------------------------------------------------


def test_missing_dot_says_what_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    d = neuron().derivation
    with pytest.raises(GraphvizMissing) as err:
        graph.render(d, "svg")
    message = str(err.value)
    assert "\n" not in message
    assert "apt-get install graphviz" in message and "pip install 'symbackprop[graph]'" in message
    assert graph.render(d, "tikz") and graph.render(d, "dot")  # neither needs the program
    assert main(["neuron", "--format", "svg"]) == 1
    out, errs = capsys.readouterr()
    assert out == "" and errs.count("\n") == 1
    assert errs.startswith("symbackprop: error: ") and "apt-get install graphviz" in errs


def test_unknown_figure_format():
    with pytest.raises(Exception, match="unknown figure format 'png'"):
        graph.render(neuron().derivation, "png")


# --- Python API and command line ----------------------------------------------------------------


@needs_dot
def test_result_graph_displays_in_jupyter():
    r = neuron()
    fig = r.graph()
    assert "<svg" in fig._repr_svg_() and str(fig) == fig._repr_svg_()
    dot = r.graph("dot")
    assert str(dot).startswith("digraph backprop {") and "<svg" in dot._repr_svg_()
    assert r"\begin{tikzpicture}" in str(r.graph("tikz"))
    assert r.render("dot") == str(dot) and r.render("tikz") == str(r.graph("tikz"))


@needs_dot
def test_cli_format_svg(capsys, tmp_path):
    assert main(["neuron", "--format", "svg"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "<svg" in out and f'fill="{GRADIENT_COLOR}"' in out
    target = tmp_path / "y.svg"
    assert (
        main(
            [
                "derive",
                "relu(x*w + b)",
                "--at",
                "x=1",
                "--at",
                "w=2",
                "--at",
                "b=-1",
                "--format",
                "svg",
                "-o",
                str(target),
            ]
        )
        == 0
    )
    assert "<svg" in target.read_text(encoding="utf-8")


def test_cli_format_dot_and_tikz_standalone(capsys):
    assert main(["neuron", "--format", "dot"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("digraph backprop {")
    assert main(["neuron", "--format", "tikz", "--standalone"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith(r"\documentclass") and r"\begin{tikzpicture}" in out


@needs_dot
def test_cli_frames_writes_the_sequence(capsys, tmp_path):
    folder = tmp_path / "frames"
    assert main(["neuron", "--frames", str(folder)]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "Forward pass" in out  # the usual output still goes to stdout
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"frame-{k:02d}.svg" for k in range(1, 19)]
    assert all("<svg" in (folder / n).read_text(encoding="utf-8") for n in names)


def test_cli_frames_takes_a_graph_format_from_format(capsys, tmp_path):
    assert (
        main(["derive", "x*w", "--at", "x=2", "--at", "w=3", "--format", "tikz", "--frames", str(tmp_path)])
        == 0
    )
    capsys.readouterr()
    # 1 + one operation + dvalue + two factors
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"frame-0{k}.tex" for k in range(1, 6)]
    frame = (tmp_path / "frame-05.tex").read_text(encoding="utf-8")  # a picture to \input
    assert frame.startswith("% symbackprop figure") and r"\documentclass" not in frame
    argv = ["derive", "x*w", "--at", "x=2", "--at", "w=3", "--format", "tikz", "--standalone"]
    assert main([*argv, "--frames", str(tmp_path / "docs")]) == 0
    capsys.readouterr()
    assert (tmp_path / "docs" / "frame-05.tex").read_text(encoding="utf-8").startswith(r"\documentclass")


def test_cli_frames_into_a_file_is_a_one_line_error(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["neuron", "--format", "dot", "--frames", str(blocker)]) == 2
    _, err = capsys.readouterr()
    assert err.startswith("symbackprop: error: cannot write frames") and err.count("\n") == 1


def test_a_larger_neuron_draws_every_edge():
    d = neuron(x=[1.0] * 40, w=[0.5] * 40).derivation  # 123 nodes
    dot, tex = graph.render(d, "dot"), graph.render(d, "tikz")
    assert len(edges(dot)) == len(d.graph.nodes)
    assert tex.count(r"\draw") == len(d.graph.nodes) + 1  # and the legend's sample edge


# --- networks: layer level, and the scalar view of --wrt -----------------------------------------

NET = {  # the chapter's layer of three neurons, then a softmax layer and categorical cross-entropy
    "inputs": [[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]],
    "layers": [
        {
            "weights": [[0.2, 0.5, -0.26], [0.8, -0.91, -0.27], [-0.5, 0.26, 0.17], [1, -0.5, 0.87]],
            "biases": [2, 3, 0.5],
            "activation": "relu",
        },
        {
            "weights": [[0.1, -0.14, 0.5], [-0.5, 0.12, -0.33], [-0.44, 0.73, -0.13]],
            "biases": [-1, 2, -0.5],
            "activation": "softmax",
        },
    ],
    "loss": {"kind": "categorical_crossentropy", "targets": [0, 1, 1]},
}


def node_labels(dot: str) -> dict[str, str]:
    """Node id -> its name as drawn (the first line of an operation's label)."""
    out = {}
    for node, quoted, markup in re.findall(r'^  (n\d+|out) \[label=(?:"(.*?)"|<(.*?)>)(?:\];|, )', dot, re.M):
        out[node] = quoted or html.unescape(re.sub(r"<[^>]*>", "", markup.split("<BR/>")[0]))
    return out


def test_network_draws_layers_with_shapes_and_the_books_gradients():
    from symbackprop import network

    r = network(NET)
    dot = r.render("dot")
    names = node_labels(dot)
    drawn = [names[f"n{i}"] for i in range(10)] + [names["out"]]
    assert drawn == [
        "X",
        "W₁",
        "b₁",
        "dense",
        "ReLU",
        "W₂",
        "b₂",
        "dense",
        "softmax",
        "categorical cross-entropy",
        "L",
    ]
    e = edges(dot)
    assert (
        e[("n0", "n3")] == ("3×4", "dX")
        and e[("n1", "n3")] == ("4×3", "dW₁")
        and e[("n2", "n3")] == ("3", "db₁")
    )
    assert e[("n3", "n4")] == ("3×3", "dZ₁") and e[("n4", "n7")] == ("3×3", "dA₁")
    assert e[("n9", "out")] == (numbers.short(r.loss), "1")  # the mean loss, and ∂L/∂L
    assert sum(1 for _, red in e.values() if red) == 10
    texts = r.frames("dot")
    assert len(texts) == 1 + 5 + 10  # the inputs; dense, ReLU, dense, softmax, loss; ten gradients
    shown = [_things(t) for t in texts]
    assert all(len(shown[k] - shown[k - 1]) == 1 and shown[k - 1] < shown[k] for k in range(1, len(shown)))
    captions = [caption(t) for t in texts]
    assert captions[1] == "Z₁ = X · W₁ + b₁  (3×3)" and captions[2] == "A₁ = ReLU(Z₁)"
    assert captions.index("dZ₂ = (Ŷ − Y) / N: softmax and cross-entropy combined") == 8
    assert "dZ₁ = 1(Z₁ > 0) ⊙ dA₁" in captions and "dW₂ = A₁ᵀ · dZ₂" in captions
    assert len(re.findall(r"node\[(?:pos=[\d.]+, )?gradient", str(r.graph("tikz")))) == 10


def test_network_without_a_loss_takes_dvalues_and_linear_layers_have_no_activation():
    from symbackprop import network

    spec = {
        "inputs": [[1, 2]],
        "layers": [{"weights": [[1, 0], [0, 1]], "biases": [0, 0], "activation": "linear"}],
    }
    e = edges(network({**spec, "dvalues": [[1, 2]]}).render("dot"))
    assert list(e) == [("n0", "n3"), ("n1", "n3"), ("n2", "n3"), ("n3", "out")]
    assert e[("n3", "out")] == ("1×2", "dvalues")
    assert edges(network(spec).render("dot"))[("n3", "out")] == ("1×2", "ones")


def test_network_with_wrt_draws_the_scalar_subgraph_whose_gradients_add_up_to_the_matrix_view():
    from symbackprop import network

    r = network(NET, wrt=["W2[0,1]"])
    dot = r.render("dot")
    names = node_labels(dot)
    uses = [node for node, label in names.items() if label == "W₂[0,1]"]
    assert len(uses) == 1  # drawn once, however many samples use it
    red = [float(g) for (tail, _), (_, g) in edges(dot).items() if tail in uses]
    assert len(red) == 3  # an edge to each sample's use
    assert sum(red) == pytest.approx(r.derivation.layers[1].dweights[0, 1], rel=1e-3)
    assert "dense" not in names.values() and "mul" in names.values()


def test_network_cli_figures(capsys, tmp_path):
    spec = tmp_path / "net.json"
    spec.write_text(json.dumps(NET), encoding="utf-8")
    assert main(["network", str(spec), "--format", "tikz", "--standalone"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith(r"\documentclass") and r"\text{categorical cross-entropy}" in out
    assert main(["network", str(spec), "--format", "dot", "--frames", str(tmp_path / "f")]) == 0
    capsys.readouterr()
    assert len(list((tmp_path / "f").glob("frame-*.dot"))) == 16

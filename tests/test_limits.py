"""Bounds on what a user's text may ask for: each one at its edge, past it, and raised.

Past a bound the answer is a LimitError (exit 2) naming the option that raises it, before the
work it guards; pathological but valid input ends in a result or a clean error, never a
RecursionError, a crash or a hang.  No test here measures time (speed lives in benchmarks/):
the size of each input is what keeps the suite fast.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import symbackprop
from symbackprop.cli import main
from symbackprop.errors import EvaluationError, LimitError, SymbackpropError
from symbackprop.limits import DEFAULT, LIMIT_HELP, MAX_DEPTH, Limits, recursion_room
from symbackprop.options import entrance

FORMATS = ("text", "latex", "markdown", "python", "json")


def _limit_error(expr: str, latex: bool = False, **bounds: int) -> str:
    """The message of the LimitError that ``expr`` raises under the given bounds."""
    limits = DEFAULT.merge(**bounds)
    with pytest.raises(LimitError) as info:
        symbackprop.derive(expr, latex_input=latex, limits=limits)
    assert info.value.exit_status == 2
    message = str(info.value)
    assert "\n" not in message and len(message) < 400
    return message


def _derives(expr: str, latex: bool = False, at: dict[str, float] | None = None, **bounds: int):
    return symbackprop.derive(expr, at=at or {}, latex_input=latex, limits=DEFAULT.merge(**bounds))


# --- the bounds themselves --------------------------------------------------------------------


def test_defaults_are_far_above_real_use():
    assert {name: getattr(DEFAULT, name) for name in LIMIT_HELP} == {
        "max_length": 1_000_000,
        "max_nodes": 100_000,
        "max_depth": 250,
        "max_exponent": 10_000,
        "max_sum_terms": 10_000,
        "max_digits": 400,
        "max_latex_operands": 800,
        "max_output": 50_000,
        "max_paths": 10_000,
        "max_spec_length": 16_000_000,
        "max_simplify_seconds": 10,
        "max_elements": 2_000_000,
    }
    assert Limits() == DEFAULT and Limits(max_nodes=5) == DEFAULT.merge(max_nodes=5)
    assert DEFAULT.max_depth <= MAX_DEPTH
    # a neuron of 100 inputs, written as a \sum, is nowhere near any bound
    at = {**{f"x{i}": 1.0 for i in range(100)}, **{f"w{i}": 0.5 for i in range(100)}, "b": 1.0}
    r = symbackprop.derive(r"\text{ReLU}\left(\sum_{i=0}^{99} x_i w_i + b\right)", latex_input=True, at=at)
    assert r.derivation.output == 51.0


def test_every_bound_has_its_option(capsys):
    assert main(["derive", "--help"]) == 0 and main(["network", "--help"]) == 0  # an expression's, a spec's
    help_text = " ".join(capsys.readouterr().out.split())
    for field in LIMIT_HELP:
        option = "--" + field.replace("_", "-")
        assert option in help_text, option
        assert f"(default: {getattr(DEFAULT, field)})" in help_text


def test_merge_keeps_none_and_refuses_nonsense():
    assert DEFAULT.merge(max_nodes=None) == DEFAULT
    assert DEFAULT.merge(max_nodes=7).max_nodes == 7
    for bad in (0, -1):
        with pytest.raises(LimitError, match=re.escape("limits=Limits(max_nodes=...) must be at least 1")):
            DEFAULT.merge(max_nodes=bad)


def test_max_depth_cannot_pass_what_the_stack_holds():
    """Raising the depth past MAX_DEPTH once crashed the interpreter (a C stack overflow)."""
    assert Limits(max_depth=MAX_DEPTH).max_depth == MAX_DEPTH
    for make in (lambda: Limits(max_depth=MAX_DEPTH + 1), lambda: DEFAULT.merge(max_depth=10**20)):
        with pytest.raises(
            LimitError, match=re.escape(f"limits=Limits(max_depth=...) can be at most {MAX_DEPTH}")
        ):
            make()
    with pytest.raises(LimitError), recursion_room(MAX_DEPTH + 1):
        pass
    limit = sys.getrecursionlimit()
    with recursion_room(MAX_DEPTH):
        assert sys.getrecursionlimit() >= limit
    assert sys.getrecursionlimit() == limit


def test_huge_values_are_shown_short():
    message = _limit_error("x^1e300")
    assert "the exponent is about 10^300" in message and "limits=Limits(max_exponent=...)" in message


# --- each bound: at the edge, one past it, raised ------------------------------------------

# (bound, a function n -> expression text of size n in that bound's measure, latex?)
EDGES = [
    ("max_length", lambda n: "x" + " " * (n - 1), False),
    ("max_length", lambda n: "x" + " " * (n - 1), True),
    ("max_nodes", lambda n: "+".join(["x"] * (n - 1)), False),  # n - 1 leaves and their sum
    ("max_depth", lambda n: "relu(" * n + "x" + ")" * n, False),
    ("max_depth", lambda n: "(" * n + "x" + ")" * n, False),
    ("max_depth", lambda n: r"\left(" * n + "x" + r"\right)" * n, True),
    ("max_exponent", lambda n: f"x^{n}", False),
    ("max_exponent", lambda n: f"x^(-{n})", False),
    ("max_exponent", lambda n: f"x^{{{n}}}", True),
    ("max_exponent", lambda n: f"pow(x, {n})", False),
    ("max_sum_terms", lambda n: rf"\sum_{{i=1}}^{{{n}}} x_i", True),
    ("max_digits", lambda n: "x * 0." + "1" * (n - 2) + "5", False),
    ("max_digits", lambda n: "x + " + "1" * n, True),
]


def _within(text: str, latex: bool, **bounds: int) -> None:
    """Parses and derives under the bounds (a missing value, found after parsing, is fine here)."""
    try:
        _derives(text, latex, **bounds)
    except EvaluationError as err:
        assert "no value for" in str(err)


@pytest.mark.parametrize(
    ("bound", "text", "latex"), EDGES, ids=[f"{b}-{'latex' if t else 'infix'}" for b, _, t in EDGES]
)
def test_each_bound_at_its_edge(bound, text, latex):
    edge = 40
    _within(text(edge), latex, **{bound: edge})  # at the bound: fine
    message = _limit_error(text(edge + 1), latex, **{bound: edge})
    assert f"(raise it with limits=Limits({bound}=...))" in message, message
    _within(text(edge + 1), latex, **{bound: edge + 1})  # raised: fine again


def test_nodes_count_tokens_in_latex():
    assert "limits=Limits(max_nodes=...)" in _limit_error(" + ".join(["x"] * 50), latex=True, max_nodes=20)


def test_sum_ranges_are_refused_before_expanding():
    r"""``\sum_{i=0}^{10^8}`` is refused from its bounds alone, whatever the summand."""
    for text in (
        r"\sum_{i=0}^{10^8} x_i",
        r"\sum_{i=0}^{10^{8}} x_i w_i",
        r"\sum_{i=0}^{99999999999999999999999999999999999999} x_i",
        r"\sum_{i=0}^{9^{99}} x_i",
        r"\sum_{i=-100000}^{0} i x",
    ):
        message = _limit_error(text, latex=True)
        assert "limits=Limits(max_sum_terms=...)" in message, (text, message)
    assert "about 10^30" in _limit_error(r"\sum_{i=0}^{10^{400}} x_i", latex=True)


def test_the_written_derivation_is_bounded():
    """An n-ary product's local derivatives are quadratic in its width; a deep wide tree's chains too."""
    product = "*".join(["x"] * 60)  # 60 local derivatives of 59 factors each
    message = _limit_error(product, max_output=2000)
    assert "limits=Limits(max_output=...)" in message
    r = _derives(product, at={"x": 1.0}, max_output=10_000)
    assert r.derivation.gradients["x"] == 60.0
    deep_and_wide = "relu(" * 40 + "+".join(["x"] * 40) + ")" * 40  # 40 chains of 41 factors
    assert "limits=Limits(max_output=...)" in _limit_error(deep_and_wide, max_output=1000)
    assert _derives(deep_and_wide, at={"x": 1.0}).derivation.gradients["x"] == 40.0


def test_a_wide_product_of_the_default_size_is_refused_at_once():
    """2 000 factors would mean 4 million terms of local derivatives (it once took minutes and GBs)."""
    assert "limits=Limits(max_output=...)" in _limit_error("*".join(["x"] * 2000))
    assert "limits=Limits(max_output=...)" in _limit_error(
        "max(" + ",".join(["x"] * 500) + ")", max_output=100_000
    )


def test_wide_sums_render_in_every_format():
    """Sums are linear: a 3 000-term sum renders (labels, padding, the nested form were quadratic)."""
    n = 3000
    names = [f"x{i}" for i in range(n)]
    r = symbackprop.derive("+".join(names), at=dict.fromkeys(names, 1.0))
    for fmt in ("text", "latex", "markdown", "json"):
        out = r.render(fmt)
        assert len(out) < 2_000 * n, (fmt, len(out))  # linear in n, not quadratic


# --- deep nesting: an error or a result, never a RecursionError ------------------------------


@pytest.mark.parametrize("latex", [False, True], ids=["infix", "latex"])
def test_5000_deep_relu_is_a_limit_error(latex):
    text = ("relu(" * 5000 + "x" + ")" * 5000) if not latex else (r"\text{ReLU}(" * 5000 + "x" + ")" * 5000)
    message = _limit_error(text, latex)
    assert "limits=Limits(max_depth=...)" in message
    with pytest.raises(LimitError):  # even with the depth raised as far as it goes
        symbackprop.derive(text, latex_input=latex, limits=DEFAULT.merge(max_depth=MAX_DEPTH))


def test_a_deep_tree_renders_everywhere():
    depth = 400  # above the default; JSON names every node, so its size is quadratic in the depth
    r = _derives(
        "relu(" * depth + "x" + ")" * depth, at={"x": 2.0}, max_depth=depth, max_output=100_000
    )  # 80 200 terms
    assert r.derivation.gradients == {"x": 1.0}
    for fmt in (*FORMATS, "dot", "tikz"):
        try:
            r.render(fmt)
        except LimitError:  # a format may refuse a tree this deep, but only cleanly
            pass


def test_deep_input_from_the_cli_is_one_error_line(cli):
    deep = "relu(" * 5000 + "x" + ")" * 5000
    status, out, err = cli(["derive", "-", "--at", "x=1"], deep)
    assert status == 2 and out == ""
    assert err.startswith("symbackprop: error: ") and err.count("\n") == 1 and "--max-depth" in err
    status, out, err = cli(["derive", "x", "--at", "x=1", "--max-depth", "100000"])
    assert status == 2 and f"at most {MAX_DEPTH}" in err and err.count("\n") == 1


@pytest.mark.parametrize("fmt", ["text", "latex"])
def test_the_deepest_allowed_tree_as_a_process(tmp_path, fmt):
    """--max-depth 20000 once segfaulted the interpreter (C stack): now the cap is safe to reach."""
    deep = "relu(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    argv = ["derive", "-", "--at", "x=1", "--max-depth", str(MAX_DEPTH), "--format", fmt]
    argv += ["--max-output", "1000000"]  # each of the 1 000 nodes' way to the output: 500 500 terms
    proc = subprocess.run(
        [sys.executable, "-m", "symbackprop", *argv],
        input=deep,
        capture_output=True,
        text=True,
        timeout=300,  # a hang guard only
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    assert "Traceback" not in proc.stderr


# --- pathological but valid input ------------------------------------------------------------

PATHOLOGICAL = [
    ("9^(9^(9^9))", False, {}),
    (r"9^{9^{9^{9}}}", True, {}),
    ("(x+1)^100000", False, {"x": 1.0}),
    (r"(x+1)^{100000}", True, {"x": 1.0}),
    ("(x+1)^10000", False, {"x": 1.0}),
    ("(x+1)^10000", False, {"x": 0.0}),
    ("exp(exp(exp(exp(1000*x))))", False, {"x": 1.0}),
    ("exp(exp(exp(exp(1000*x))))", False, {"x": -1.0}),
    (r"\exp(\exp(\exp(\exp(1000 x))))", True, {"x": 1.0}),
    (r"e^{e^{e^{e^{1000 x}}}}", True, {"x": 1.0}),
    ("x^y", False, {"x": 10.0, "y": 1e6}),
    ("2^(2^(2^(2^(2^x))))", False, {"x": 3.0}),
    ("x*y", False, {"x": 1e200, "y": 1e200}),
    ("tanh(x)^1000 * sigmoid(x)", False, {"x": 800.0}),
    ("log(exp(x))", False, {"x": 1000.0}),
    ("sqrt(sqrt(sqrt(x)))", False, {"x": 0.0}),
]


@pytest.mark.parametrize(
    ("text", "latex", "at"), PATHOLOGICAL, ids=[f"{t[:24]}-{a}" for t, _, a in PATHOLOGICAL]
)
def test_pathological_input_ends_in_a_result_or_a_clean_error(text, latex, at):
    try:
        r = symbackprop.derive(text, at=at, latex_input=latex)
    except LimitError as err:
        assert "limits=Limits(max_" in str(err)
        return
    except EvaluationError as err:
        assert err.exit_status == 1 and "\n" not in str(err)
        return
    for fmt in FORMATS:
        r.render(fmt)


def test_overflow_names_the_subexpression():
    with pytest.raises(EvaluationError, match=r"overflows in exp\(1000 \* x\)"):
        symbackprop.derive("exp(exp(exp(exp(1000*x))))", at={"x": 1.0})
    with pytest.raises(EvaluationError, match=r"power overflows in 9\^9\^9"):
        symbackprop.derive("9^(9^(9^9))")


def test_nothing_but_symbackprop_errors_from_any_bound():
    """Every bound, far past its edge, is a SymbackpropError from the API: never RecursionError,
    MemoryError, OverflowError or ValueError."""
    huge = [
        "x" * 2_000_000,
        "(" * 100_000 + "x" + ")" * 100_000,
        "-" * 100_000 + "x",
        "x" + "^x" * 100_000,
        "x^" + "9" * 5000,
        "9" * 5000,
    ]
    for text in huge:
        for latex in (False, True):
            with pytest.raises(SymbackpropError):
                symbackprop.derive(text, latex_input=latex)


# --- the same bounds in the doc-build entrances ---------------------------------------------


def test_the_directive_and_the_fence_take_the_bounds(tmp_path):
    from symbackprop import _docspec

    deep = "relu(" * 300 + "x" + ")" * 300
    with pytest.raises(LimitError, match=":max-depth:"), entrance("directive"):
        _docspec.result(_docspec.parse_spec(deep, {"at": "x=1"}))
    spec = _docspec.parse_spec(deep, {"at": "x=1", "max-depth": "400"})
    assert _docspec.result(spec).derivation.gradients == {"x": 1.0}
    assert spec.key() != _docspec.parse_spec(deep, {"at": "x=1", "max-depth": "401"}).key()
    for value, words in [
        ("abc", "not a whole number"),
        ("0", "at least 1"),
        ("5000", f"at most {MAX_DEPTH}"),
    ]:
        with pytest.raises(SymbackpropError, match=words):
            _docspec.parse_spec(deep, {"max-depth": value})
    markdown = pytest.importorskip("markdown")
    text = f"```backprop {deep}\nat: x=1\nmax-depth: 400\nshow: gradients\n```\n"
    html = markdown.markdown(text, extensions=["symbackprop.markdown_ext"])
    assert "backprop-error" not in html and "arithmatex" in html


def test_the_sphinx_directive_takes_the_bounds(make_app, tmp_path):
    pytest.importorskip("sphinx")
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["symbackprop.sphinx"]\n', encoding="utf-8")
    deep = "relu(" * 300 + "x" + ")" * 300
    (src / "index.rst").write_text(
        f"Page\n====\n\n.. backprop:: {deep}\n   :at: x=1\n   :max-depth: 400\n   :show: gradients, chain\n\n"
        f".. backprop:: {deep}\n   :at: x=1\n   :show: gradients\n",
        encoding="utf-8",
    )
    app = make_app("html", srcdir=src)
    app.build()
    warnings = [line for line in app.warning.getvalue().splitlines() if "WARNING" in line]
    assert len(warnings) == 1 and ":max-depth:" in warnings[0] and "index.rst:" in warnings[0], warnings


@pytest.mark.parametrize(
    ("opening", "closing"),
    [("x^{", "}"), (r"\frac{1}{", "}"), (r"\sqrt{", "}"), (r"\text{ReLU}(", ")"), (r"\sigma(", ")")],
)
def test_latex_reads_as_deep_as_the_limit_allows(opening, closing):
    """The recursive LaTeX reader once gave up at 240 levels, inside the default bound of 250."""
    depth = DEFAULT.max_depth - 10
    text = opening * depth + "x" + closing * depth
    try:
        symbackprop.derive(text, latex_input=True, at={"x": 0.5})
    except LimitError as err:
        assert "limits=Limits(max_output=...)" in str(
            err
        )  # x^{x^{...}} writes a quadratic derivation: another bound
    deeper = opening * 600 + "x" + closing * 600
    assert "limits=Limits(max_depth=...)" in _limit_error(deeper, latex=True)
    try:
        _derives(deeper, latex=True, at={"x": 0.5}, max_depth=700)
    except (LimitError, EvaluationError) as err:
        assert "limits=Limits(max_depth=...)" not in str(err)


def test_unbraced_latex_chains_end_cleanly():
    for text in (r"\log " * 3000 + "x", r"\exp " * 3000 + "x", r"\tanh " * 3000 + "x", "e^" * 3000 + "x"):
        with pytest.raises(SymbackpropError):
            symbackprop.derive(text, latex_input=True, at={"x": 0.5})


def test_svg_of_a_huge_graph_is_refused_not_hung():
    """Graphviz took more than 8 minutes on 9 000 nodes: past SVG_NODES the SVG is refused at once."""
    from symbackprop.render.figure import SVG_NODES

    n = SVG_NODES // 3 + 1  # three nodes per term: x_i, w_i and their product
    names = [f"x{i}" for i in range(n)]
    at = {**dict.fromkeys(names, 1.0), **{f"w{i}": 0.5 for i in range(n)}}
    r = symbackprop.derive("+".join(f"x{i}*w{i}" for i in range(n)), at=at)
    with pytest.raises(LimitError, match="choose the dot or tikz format"):
        r.render("svg")
    assert r.render("dot") and r.render("tikz")  # laid out by no one, or by us: linear


# --- limits travel with the derivation ------------------------------------------------------


def test_limits_raised_in_python_reach_the_frames():
    """The figure sequence is bounded by the derivation's own max_output, not the default's."""
    n = 300  # 903 nodes in each of some 1 800 frames: past the default 50 000
    with pytest.raises(LimitError, match=r"raise limits=Limits\(max_output=\.\.\.\)"):
        symbackprop.neuron([1.0] * n, [0.5] * n, 1.0).frames("dot")
    chapter = symbackprop.neuron()
    drawn = len(chapter.frames("dot")) * (len(chapter.derivation.graph.nodes))  # what the sequence draws
    with pytest.raises(LimitError, match=f"more than {drawn - 1} in all"):
        symbackprop.neuron(limits=DEFAULT.merge(max_output=drawn - 1)).frames("dot")
    assert symbackprop.neuron(limits=DEFAULT.merge(max_output=drawn)).frames("dot") == chapter.frames("dot")


def test_a_network_is_refused_at_a_lowered_bound_and_passes_at_a_raised_one():
    spec = {
        "inputs": [[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]],
        "layers": [{"weights": [[0.5, -0.25], [0.1, 0.3]], "biases": [0.0, 0.1], "activation": "relu"}],
        "loss": {"kind": "mse", "targets": [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]},
    }
    with pytest.raises(
        LimitError, match=r"more than the limit of 2 \(raise it with limits=Limits\(max_paths"
    ):
        symbackprop.network(spec, wrt=["W1[0,0]"], limits=DEFAULT.merge(max_paths=2))
    r = symbackprop.network(spec, wrt=["W1[0,0]"], limits=DEFAULT.merge(max_paths=3))
    assert len(r.chain("W1[0,0]")) == 3  # one path per sample
    assert r.derivation.limits.max_paths == 3


def test_the_latex_parser_reads_a_bounded_number_of_new_operands(cli):
    """latex2sympy2 takes milliseconds per operand of a term shape it has not read: their operands are
    counted before it reads them; a long sum of one shape is read once."""
    import symbackprop

    shared = " + ".join(
        rf"\frac{{a_{{{k}}}}}{{b_{{{k}}}}} \cdot c_{{{k}}}^{{2}} d_{{{k}}}" for k in range(400)
    )
    r = symbackprop.derive(shared, latex_input=True, at={f"{v}{k}": 1.5 for v in "abcd" for k in range(400)})
    assert len(r.gradients) == 1600  # 400 terms of one shape: its operands counted once
    ops = [r" \cdot ", " / ", " ", r" \times "]
    varied = " + ".join(  # every term a shape of its own: 3 to 6 operands each
        "x" + "".join(ops[(k >> (2 * j)) % 4] + f"y_{{{k}{j}}}" for j in range(2 + k % 4)) for k in range(400)
    )
    status, out, err = cli(["derive", varied, "--latex-input"])
    assert (status, out) == (2, "")
    assert err.startswith(
        "symbackprop: error: the number of operands the LaTeX parser reads in terms of new shapes is "
    )
    assert err.endswith("more than the limit of 800 (raise it with --max-latex-operands)\n")
    status, out, err = cli(
        ["derive", varied, "--latex-input", "--max-latex-operands", "5000", "--format", "json"]
    )
    assert status == 0, err


def test_the_neuron_is_bounded_by_max_output_like_every_derivation(cli):
    """--max-output was an option of neuron that did nothing: a 100 000-input neuron took 20 s."""
    import symbackprop

    x, w = [1.0] * 4000, [0.5] * 4000
    with pytest.raises(
        LimitError, match=r"more than 50000 terms \(raise it with limits=Limits\(max_output=\.\.\.\)\)"
    ):
        symbackprop.neuron(x, w, 1.0)
    r = symbackprop.neuron(x, w, 1.0, limits=DEFAULT.merge(max_output=200_000))
    assert r.gradients["w3999"] == 1.0 and r.gradients["x0"] == 0.5
    listed = ",".join(["1"] * 4000)
    status, out, err = cli(["neuron", "--x", listed, "--w", listed, "--format", "json"])
    assert (status, out) == (2, "") and err.endswith("(raise it with --max-output)\n")
    status, out, err = cli(
        ["neuron", "--x", listed, "--w", listed, "--format", "json", "--max-output", "200000"]
    )
    assert status == 0, err

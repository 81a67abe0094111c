"""Fuzzing: every input ends in a result or a SymbackpropError subclass, never anything else.

Hypothesis strategies over the infix grammar (valid, near-valid and garbage), LaTeX fragments,
network specs and command lines.  In the suite each runs a modest, derandomized number of
examples; maintainers run the long fuzz (see docs/fuzzing.md)::

    SYMBACKPROP_FUZZ_EXAMPLES=20000 python -m pytest -q tests/test_fuzz.py

``SYMBACKPROP_FUZZ_EXAMPLES`` scales every strategy's example count (the suite's defaults are
below) and makes the run random rather than derandomized; ``SYMBACKPROP_FUZZ_DEADLINE_MS``
(long runs only) fails an example that takes longer, to find hangs.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import string
import sys

import pytest
import sympy
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import symbackprop
from symbackprop.cli import main
from symbackprop.errors import SymbackpropError
from symbackprop.graph import build_graph
from symbackprop.limits import DEFAULT
from symbackprop.parse import parse_infix
from symbackprop.printing import nested_text

# --- settings ---------------------------------------------------------------------------------

_LONG = os.environ.get("SYMBACKPROP_FUZZ_EXAMPLES")
_DEADLINE = os.environ.get("SYMBACKPROP_FUZZ_DEADLINE_MS")


def _examples(suite_default: int) -> int:
    """The suite's modest count, or the long run's (the same for every strategy)."""
    return int(_LONG) if _LONG else suite_default


def fuzz(suite_default: int):
    return settings(
        max_examples=_examples(suite_default),
        deadline=int(_DEADLINE) if (_LONG and _DEADLINE) else None,  # no timing in the suite
        derandomize=not _LONG,  # the suite is reproducible; the long run explores
        database=None,  # nothing written into the working tree
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        print_blob=True,
    )


FORMATS = ("text", "latex", "markdown", "python", "json", "dot", "tikz")
SMALL = DEFAULT.merge(max_nodes=2000, max_output=50_000)  # keeps each example small and quick


def _strict_json(text: str) -> object:
    def refuse(token: str) -> float:
        raise AssertionError(f"{token} in JSON output")

    return json.loads(text, parse_constant=refuse)


def _render_all(result) -> None:
    for fmt in FORMATS:
        out = result.render(fmt)
        assert isinstance(out, str) and out
    _strict_json(result.render("json"))


def _ends_well(call) -> object | None:
    """The call returns or raises a SymbackpropError with a one-line message; nothing else."""
    try:
        got = call()
    except SymbackpropError as err:
        event(type(err).__name__)  # --hypothesis-show-statistics tells how often each outcome came
        message = str(err)
        assert message and "\n" not in message and len(message) <= 400, repr(message)
        assert err.exit_status in (1, 2)
        return None
    event(f"a {type(got).__name__}")
    return got


# --- values ----------------------------------------------------------------------------------

values = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -3.0, 1e-300, 5e-324, 1e300, -1e300, 700.0, -1000.0]),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.integers(-1000, 1000).map(float),
)

# --- the infix grammar ------------------------------------------------------------------------

NAMES = ["x", "y", "w0", "w1", "x0", "b", "x_1", "alpha", "z9", "Relu", "e", "pi"]
FUNCS = ["relu", "sigmoid", "tanh", "exp", "log", "ln", "sqrt", "abs", "max", "min", "ReLU", "σ"]
NESTED = ["mul", "sum", "sub", "neg", "div", "pow"]
ARITY = {
    "max": (2, 4),
    "min": (2, 4),
    "mul": (2, 4),
    "sum": (2, 4),
    "sub": (2, 2),
    "div": (2, 2),
    "pow": (2, 2),
}

numbers = st.one_of(
    st.integers(0, 10**6).map(str),
    st.sampled_from(["0", "1", "2", "0.5", ".5", "1.", "1e3", "1E-3", "2.5e+2", "1e308", "1e-320", "007"]),
    st.floats(min_value=0, max_value=1e6, allow_nan=False).map(repr),
)
atoms = st.one_of(st.sampled_from(NAMES), numbers)


def _infix(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(
        children, st.sampled_from(["+", "-", "*", "/", "**", "^", " + ", " * "]), children
    ).map("".join)
    unary = st.tuples(st.sampled_from(["-", "+", "- ", "--"]), children).map("".join)
    paren = children.map(lambda c: f"({c})")

    def called(name: str, arity: tuple[int, int]) -> st.SearchStrategy[str]:
        return st.lists(children, min_size=arity[0], max_size=arity[1]).map(
            lambda a: f"{name}({', '.join(a)})"
        )

    right = st.sampled_from(FUNCS + NESTED).flatmap(lambda f: called(f, ARITY.get(f, (1, 1))))
    wrong = st.sampled_from(FUNCS + NESTED).flatmap(lambda f: called(f, (0, 4)))
    return st.one_of(binary, unary, paren, right, right, wrong)


infix = st.recursive(atoms, _infix, max_leaves=25)

# Near-valid: a valid expression with one character inserted, dropped or replaced.
_NOISE = list("()+-*/^,. _eE0123456789xσ") + [
    "**",
    "\t",
    "\n",
    "\\",
    "'",
    "[",
    "]",
    "{",
    "}",
    "=",
    ";",
    "é",
    "\x00",
]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(infix)
    for _ in range(draw(st.integers(1, 3))):
        pos = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "drop", "replace"]))
        noise = draw(st.sampled_from(_NOISE))
        if kind == "insert":
            text = text[:pos] + noise + text[pos:]
        elif kind == "drop":
            text = text[:pos] + text[pos + 1 :]
        else:
            text = text[:pos] + noise + text[pos + 1 :]
    return text


garbage = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
any_infix = st.one_of(infix, infix, mutated(), garbage)


def _derive_infix(text: str, leaf_values: list[float], dvalue: float) -> None:
    tree = _ends_well(lambda: parse_infix(text, SMALL))
    if tree is None:
        return
    # the tool's own nested notation parses back to a tree that prints the same (integers past
    # 2**53 print as the floats they evaluate to, so the trees may differ in those leaves only)
    printed = nested_text(build_graph(tree))[-1]
    assert nested_text(build_graph(parse_infix(printed, SMALL)))[-1] == printed, (text, printed)
    names = sorted(s.name for s in tree.free_symbols if isinstance(s, sympy.Symbol))
    at = {n: leaf_values[k % len(leaf_values)] for k, n in enumerate(names)}
    result = _ends_well(lambda: symbackprop.derive(text, at=at, dvalue=dvalue, limits=SMALL))
    if result is None:
        return
    d = result.derivation
    assert math.isfinite(d.output)
    assert all(math.isfinite(g) for g in d.gradients.values())
    assert set(d.gradients) == set(names)
    _render_all(result)


@fuzz(300)
@given(any_infix, st.lists(values, min_size=1, max_size=6), values)
def test_fuzz_infix(text, leaf_values, dvalue):
    _derive_infix(text, leaf_values, dvalue)


@fuzz(100)
@given(infix, st.lists(values, min_size=1, max_size=6), st.sampled_from([0.1, 1e-3, 1e300]))
def test_fuzz_infix_with_a_step(text, leaf_values, lr):
    tree = _ends_well(lambda: parse_infix(text, SMALL))
    if tree is None:
        return
    names = sorted(s.name for s in tree.free_symbols if isinstance(s, sympy.Symbol))
    if not names:
        return
    at = {n: leaf_values[k % len(leaf_values)] for k, n in enumerate(names)}
    result = _ends_well(lambda: symbackprop.derive(text, at=at, lr=lr, update=names[:2], limits=SMALL))
    if result is not None:
        assert result.derivation.step is not None
        assert all(math.isfinite(v) for v in result.derivation.step.values.values())
        _strict_json(result.render("json"))


# --- LaTeX fragments --------------------------------------------------------------------------

LATEX_ATOMS = [
    "x", "y", "b", "x_0", "x_{0}", "w_{12}", "x_i", r"\alpha", r"\theta_1", "2", "0.5", "10", "e",
    r"\pi", "i", "3x", "y_{out}", "z",
]  # fmt: skip
LATEX_NOISE = [
    "{", "}", "(", ")", "[", "]", "|", "^", "_", "+", "-", "=", ",", r"\\", "&", "$", "~", r"\,", r"\left",
    r"\right", r"\frac", r"\sqrt", r"\sum", r"\text", r"\cdot", r"\begin{matrix}", r"\end{matrix}", r"\partial",
    r"\unknown", "'", "!", "%", "#", r"\big(", r"\Big)", "é", r"\mathrm{", "d", r"\infty", r"\hat{y}",
]  # fmt: skip


def _latex(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    two = st.tuples(children, children)
    return st.one_of(
        st.tuples(
            children, st.sampled_from([" + ", " - ", r" \cdot ", r" \times ", " ", "/", r" \div "]), children
        ).map("".join),
        st.tuples(children, children).map(lambda t: f"{{{t[0]}}}^{{{t[1]}}}"),
        st.tuples(st.sampled_from(["-", "+"]), children).map("".join),
        two.map(lambda t: rf"\frac{{{t[0]}}}{{{t[1]}}}"),
        children.map(lambda c: rf"\sqrt{{{c}}}"),
        two.map(lambda t: rf"\sqrt[{t[0]}]{{{t[1]}}}"),
        children.map(lambda c: f"e^{{{c}}}"),
        children.map(lambda c: rf"\left({c}\right)"),
        children.map(lambda c: rf"\Big({c}\Big)"),
        children.map(lambda c: f"|{c}|"),
        children.map(lambda c: f"({c})"),
        st.tuples(
            st.sampled_from(
                [
                    r"\text{ReLU}",
                    r"\operatorname{ReLU}",
                    r"\mathrm{ReLU}",
                    r"\sigma",
                    r"\tanh",
                    r"\exp",
                    r"\log",
                    r"\ln",
                    "ReLU",
                    "sum",
                    "mul",
                    r"\text{sigmoid}",
                ]
            ),
            children,
        ).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from([r"\tanh", r"\exp", r"\log", r"\ln", r"\log_{2}"]), children).map(
            lambda t: f"{t[0]} {t[1]}"
        ),
        two.map(lambda t: rf"\max({t[0]}, {t[1]})"),
        two.map(lambda t: rf"\min\left({t[0]}, {t[1]}\right)"),
        st.tuples(st.integers(-2, 4), st.integers(-2, 5), children).map(
            lambda t: rf"\sum_{{i={t[0]}}}^{{{t[1]}}} {t[2]}"
        ),
    )


latex = st.recursive(st.sampled_from(LATEX_ATOMS), _latex, max_leaves=12)


@st.composite
def latex_mutated(draw: st.DrawFn) -> str:
    text = draw(latex)
    for _ in range(draw(st.integers(1, 2))):
        pos = draw(st.integers(0, len(text)))
        noise = draw(st.sampled_from(LATEX_NOISE))
        text = text[:pos] + noise + text[pos + draw(st.integers(0, 1)) :]
    return text


any_latex = st.one_of(
    latex, latex, latex_mutated(), st.lists(st.sampled_from(LATEX_NOISE + LATEX_ATOMS)).map(" ".join)
)


@fuzz(120)
@given(any_latex, st.lists(values, min_size=1, max_size=4))
def test_fuzz_latex(text, leaf_values):
    from symbackprop.latex_input import parse_latex

    tree = _ends_well(lambda: parse_latex(text, SMALL))
    if tree is None:
        return
    names = sorted(s.name for s in tree.free_symbols if isinstance(s, sympy.Symbol))
    at = {n: leaf_values[k % len(leaf_values)] for k, n in enumerate(names)}
    result = _ends_well(lambda: symbackprop.derive(text, at=at, latex_input=True, limits=SMALL))
    if result is not None:
        assert all(math.isfinite(g) for g in result.derivation.gradients.values())
        _render_all(result)


# --- network specs ----------------------------------------------------------------------------

_WEIRD = st.sampled_from(
    [math.nan, math.inf, -math.inf, 10**400, "1", "__import__('os')", None, True, [], {}, [1.0], -0.0, 1e308]
)
spec_numbers = st.one_of(values, values, values, _WEIRD)


@st.composite
def network_specs(draw: st.DrawFn) -> object:
    """Mostly well-shaped specs with random numbers, sometimes one field broken or missing."""
    samples = draw(st.integers(1, 3))
    widths = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    clean = st.floats(-10, 10, allow_nan=False)
    num = spec_numbers if draw(st.booleans()) else clean

    def matrix(rows: int, cols: int, numbers=num) -> list[list[object]]:
        return [[draw(numbers) for _ in range(cols)] for _ in range(rows)]

    layers = []
    for k in range(len(widths) - 1):
        layers.append(
            {
                "weights": matrix(widths[k], widths[k + 1]),
                "biases": [draw(num) for _ in range(widths[k + 1])],
                "activation": draw(
                    st.sampled_from(["relu", "sigmoid", "tanh", "softmax", "linear", "ReLU", "gelu", ""])
                ),
            }
        )
    spec: dict[str, object] = {"inputs": matrix(samples, widths[0]), "layers": layers}
    outputs = widths[-1]
    ending = draw(st.sampled_from(["none", "cce", "cce-onehot", "bce", "mse", "dvalues", "both", "badloss"]))
    if ending == "cce":
        spec["loss"] = {
            "kind": "categorical_crossentropy",
            "targets": [draw(st.integers(-1, outputs)) for _ in range(samples)],
        }
    elif ending == "cce-onehot":
        spec["loss"] = {
            "kind": "categorical_crossentropy",
            "targets": matrix(samples, outputs, st.sampled_from([0, 1, 0.5])),
        }
    elif ending == "bce":
        spec["loss"] = {
            "kind": "binary_crossentropy",
            "targets": matrix(samples, outputs, st.sampled_from([0, 1, 2])),
        }
    elif ending == "mse":
        spec["loss"] = {"kind": "mse", "targets": matrix(samples, outputs, clean)}
    elif ending in ("dvalues", "both"):
        spec["dvalues"] = matrix(samples, outputs)
        if ending == "both":
            spec["loss"] = {"kind": "mse", "targets": matrix(samples, outputs, clean)}
    elif ending == "badloss":
        spec["loss"] = draw(
            st.one_of(_WEIRD, st.just({"kind": "hinge", "targets": [0]}), st.just({"targets": [0]}))
        )
    if draw(st.booleans()):
        spec["lr"] = draw(st.one_of(st.sampled_from([0.001, 0.1, 1e300]), _WEIRD))
    breakage = draw(st.sampled_from(["none"] * 6 + ["drop", "extra", "swap", "wrap", "ragged"]))
    if breakage == "drop":
        spec.pop(draw(st.sampled_from(sorted(spec))))
    elif breakage == "extra":
        spec[draw(st.sampled_from(["__class__", "Layers", "inputs ", "comment"]))] = draw(_WEIRD)
    elif breakage == "swap" and len(layers) > 1:
        layers[0], layers[-1] = layers[-1], layers[0]
    elif breakage == "wrap":
        return draw(st.sampled_from([[spec], "spec.json", 3, None, {"spec": spec}]))
    elif breakage == "ragged" and spec["inputs"]:
        spec["inputs"][0].append(1.0)  # type: ignore[index, union-attr]
    return spec


def _network():
    module = pytest.importorskip("symbackprop._network")
    return module.network


@fuzz(150)
@given(network_specs(), st.sampled_from([None, ["W1[0,0]"], ["b1[0]", "X[0,0]"], ["W9[0,0]"], ["W1[0,0"]]))
def test_fuzz_network_specs(spec, wrt):
    network = _network()
    if isinstance(spec, str):
        spec = "/nonexistent/" + spec  # a str is a path
    result = _ends_well(lambda: network(spec, wrt=wrt) if wrt else network(spec))
    if result is None:
        return
    d = result.to_dict()
    _strict_json(json.dumps(d, allow_nan=False))
    for fmt in ("text", "latex", "markdown", "python", "json"):
        assert result.render(fmt)


# --- command lines ----------------------------------------------------------------------------

_ARGS = st.sampled_from(
    [
        "neuron", "derive", "network", "x*w + b", "relu(x)", "-", "--at", "x=1", "w=-2", "b=nan", "x=", "=1",
        "--x", "--w", "--b", "1,2,3", "-3,-1,2", "--format", "json", "latex", "python", "dot", "tikz", "svg",
        "--wrt", "x,w", "--lr", "0.1", "--update", "w", "--dvalue", "-inf", "--standalone", "--latex-input",
        "--max-nodes", "3", "--max-depth", "0", "--activation", "sigmoid", "--help", "--version", "-o", "",
        "--frames", "--scalar", "--max-paths", "W1[0,0]",
    ]
)  # fmt: skip


@fuzz(150)
@given(st.lists(st.one_of(_ARGS, _ARGS, _ARGS, st.text(string.printable, max_size=12)), max_size=8))
def test_fuzz_command_lines(argv):
    """Any command line: a status of 0, 1 or 2, and on stderr only symbackprop's own one-line messages."""
    if any(a in ("-o", "--output", "--frames") for a in argv):
        return  # writes files: covered by the reproducibility tests
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _stdin("x*w"):
        status = main(argv)
    assert status in (0, 1, 2), (argv, status)
    text = err.getvalue()
    assert "Traceback" not in text and "internal error" not in text, text
    if "--help" in argv or "--version" in argv or not argv:
        return
    lines = text.splitlines()
    if status == 0:
        assert all(line.startswith("symbackprop: warning: ") for line in lines), lines
    else:
        assert len(lines) >= 1 and lines[-1].startswith("symbackprop: error: "), (argv, text)
        assert all(line.startswith("symbackprop: ") for line in lines), lines


@contextlib.contextmanager
def _stdin(text: str):
    old, sys.stdin = sys.stdin, io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = old

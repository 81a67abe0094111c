"""The generated Python program: it runs, reads like the chapter, and its gradients are right.

Oracles: the chapter's printed numbers for its neuron, and central finite differences of
plain-Python forward functions written here for random neurons and a table of expressions.
"""

from __future__ import annotations

import ast
import contextlib
import io
import math
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import symbackprop
from symbackprop import ops
from symbackprop.api import derive, neuron
from symbackprop.derivation import Derivation
from symbackprop.errors import LimitError
from symbackprop.names import ChapterNames
from symbackprop.ops import table as op_table
from symbackprop.render import python as python_render
from symbackprop.render.python import render

# What chapter 9's cells print for its neuron, in order (In [2], [3], [4], [5], [6], [7], [9], [10], [11]).
# The chapter's printed numbers, each labelled with the name it prints (the chapter's cells print bare numbers).
CHAPTER_PRINTS = [
    "xw0 = -3.0 xw1 = 2.0 xw2 = 6.0",
    "z = 6.0",
    "y = 6.0",
    "drelu_dz = 1.0",
    "drelu_dxw0 = 1.0 drelu_dxw1 = 1.0 drelu_dxw2 = 1.0 drelu_db = 1.0",
    "drelu_dx0 = -3.0 drelu_dw0 = 1.0 drelu_dx1 = -1.0 drelu_dw1 = -2.0 drelu_dx2 = 2.0 drelu_dw2 = 3.0",
    "w = [-3.0, -1.0, 2.0] b = 1.0",
    "w = [-3.001, -0.998, 1.997] b = 0.999",
    "y = 5.985",
]

# Lines of the chapter's cells, verbatim (up to the spacing before a comment, and its prints labelled), in the
# chapter's order.
CHAPTER_LINES = [
    "x = [1.0, -2.0, 3.0]  # input values",
    "w = [-3.0, -1.0, 2.0]  # weights",
    "b = 1.0  # bias",
    "xw0 = x[0] * w[0]",
    "xw1 = x[1] * w[1]",
    "xw2 = x[2] * w[2]",
    "z = xw0 + xw1 + xw2 + b",
    "# Backward pass",
    "dvalue = 1.0",
    "drelu_dz = dvalue * (1. if z > 0 else 0.)",
    "dsum_dxw0 = 1",
    "dsum_dxw1 = 1",
    "dsum_dxw2 = 1",
    "dsum_db = 1",
    "drelu_dxw0 = drelu_dz * dsum_dxw0",
    "drelu_dxw1 = drelu_dz * dsum_dxw1",
    "drelu_dxw2 = drelu_dz * dsum_dxw2",
    "drelu_db = drelu_dz * dsum_db",
    "dmul_dx0 = w[0]",
    "dmul_dx1 = w[1]",
    "dmul_dx2 = w[2]",
    "dmul_dw0 = x[0]",
    "dmul_dw1 = x[1]",
    "dmul_dw2 = x[2]",
    "drelu_dx0 = drelu_dxw0 * dmul_dx0",
    "drelu_dw0 = drelu_dxw0 * dmul_dw0",
    "drelu_dx1 = drelu_dxw1 * dmul_dx1",
    "drelu_dw1 = drelu_dxw1 * dmul_dw1",
    "drelu_dx2 = drelu_dxw2 * dmul_dx2",
    "drelu_dw2 = drelu_dxw2 * dmul_dw2",
    "dx = [drelu_dx0, drelu_dx1, drelu_dx2]  # gradients on inputs",
    "dw = [drelu_dw0, drelu_dw1, drelu_dw2]  # gradients on weights",
    'print("w =", w, "b =", b)',
    "w[0] += -0.001 * dw[0]",
    "w[1] += -0.001 * dw[1]",
    "w[2] += -0.001 * dw[2]",
    "b += -0.001 * db",
    'print("w =", w, "b =", b)',
    "xw0 = x[0] * w[0]",
    "xw1 = x[1] * w[1]",
    "xw2 = x[2] * w[2]",
    "z = xw0 + xw1 + xw2 + b",
    'print("y =", y)',
]


def printed_value(line: str, name: str | None = None) -> float:
    """The number of a printed line ``y = 5.985``, which names what it prints (``name``, if given)."""
    m = re.fullmatch(r"(\S+) = (\S+)", line)
    assert m is not None, f"an unlabelled print: {line!r}"
    assert name is None or m.group(1) == name, line
    return float(m.group(2))


def run(source: str) -> tuple[dict[str, Any], list[str]]:
    """Execute our own generated program in a fresh namespace; its variables and printed lines."""
    namespace: dict[str, Any] = {"__name__": "__generated__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<generated>", "exec"), namespace)
    return namespace, out.getvalue().splitlines()


def imports(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add((node.module or "").split(".")[0])
    return found


def uses_math(source: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "math" for n in ast.walk(ast.parse(source)))


def check_standard_library(source: str) -> None:
    assert imports(source) <= {"math"}
    assert ("math" in imports(source)) == uses_math(source)


def central_difference(f: Callable[[dict[str, float]], float], at: Mapping[str, float], name: str) -> float:
    h = 1e-6 * max(1.0, abs(at[name]))
    up, down = dict(at), dict(at)
    up[name] += h
    down[name] -= h
    return (f(up) - f(down)) / (2 * h)


# -- the chapter's neuron ----------------------------------------------------


@pytest.fixture(scope="module")
def chapter_program() -> str:
    return neuron().python()


def test_chapter_program_prints_the_chapters_numbers(chapter_program: str, tmp_path: Path) -> None:
    path = tmp_path / "neuron.py"
    path.write_text(chapter_program)
    done = subprocess.run(
        [sys.executable, "-I", str(path)], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stderr == ""
    assert done.stdout.splitlines() == CHAPTER_PRINTS
    assert done.stdout.splitlines()[-1] == "y = 5.985"


def test_chapter_program_has_the_chapters_lines_in_order(chapter_program: str) -> None:
    lines = chapter_program.splitlines()
    position = -1
    for expected in CHAPTER_LINES:
        assert expected in lines[position + 1 :], f"{expected!r} missing (or out of order)"
        position = lines.index(expected, position + 1)


def test_chapter_program_sections(chapter_program: str) -> None:
    lines = chapter_program.splitlines()
    sections = ["# Forward pass", "# Backward pass", "# Update", "# Forward pass again"]
    assert [line for line in lines if line in sections] == sections
    assert "db = drelu_db  # gradient on bias" in lines
    assert lines[-1] == 'print("y =", y)'


def test_chapter_program_variables(chapter_program: str) -> None:
    namespace, _ = run(chapter_program)
    assert namespace["drelu_dz"] == 1.0
    # The chapter's "In [7]": the gradients on inputs and weights, then the bias's from "In [6]".
    assert namespace["dx"] == [-3.0, -1.0, 2.0]
    assert namespace["dw"] == [1.0, -2.0, 3.0]
    assert namespace["db"] == 1.0
    assert namespace["w"] == [-3.001, -0.998, 1.997]
    assert namespace["b"] == 0.999
    assert namespace["y"] == 5.985


def test_chapter_program_is_standard_library_only(chapter_program: str) -> None:
    check_standard_library(chapter_program)
    assert "import math" not in chapter_program


def test_output_is_deterministic() -> None:
    assert neuron().python() == neuron().python()
    assert render(neuron(activation="sigmoid").derivation) == render(neuron(activation="sigmoid").derivation)


def test_without_a_step_the_last_line_is_the_output() -> None:
    result = neuron(lr=None)
    source = result.python()
    assert "# Update" not in source
    namespace, printed = run(source)
    assert printed_value(printed[-1]) == result.output == 6.0
    assert namespace["dw"] == [1.0, -2.0, 3.0]


def test_sigmoid_neuron_imports_math_and_its_helper() -> None:
    source = neuron(activation="sigmoid").python()
    check_standard_library(source)
    assert source.startswith("import math\n")
    assert source.count("def _sigmoid(") == 1


def test_renderer_names_no_operation() -> None:
    """Everything op-specific comes from the op classes and the printer."""
    tree = ast.parse(Path(python_render.__file__).read_text())
    op_classes = [c for c in vars(op_table).values() if isinstance(c, type) and issubclass(c, ops.Op)]
    class_names = {c.__name__ for c in op_classes if c is not ops.Op}
    op_names = {c.name for c in op_classes if c.name}
    identifiers = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    identifiers |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    identifiers |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert not identifiers & class_names
    assert not strings & op_names


# -- random neurons against finite differences ------------------------------

ACTIVATION: dict[str, Callable[[float], float]] = {
    "relu": lambda z: max(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
    "tanh": math.tanh,
    "linear": lambda z: z,
    "softplus": lambda z: math.log(1.0 + math.exp(z)),
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "elu": lambda z: z if z > 0 else math.exp(z) - 1.0,
    "gelu": lambda z: z * (1.0 + math.erf(z / math.sqrt(2.0))) / 2.0,
    "gelu_tanh": lambda z: z * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (z + 0.044715 * z**3))) / 2.0,
    "silu": lambda z: z / (1.0 + math.exp(-z)),
}


def neuron_output(activation: str, n: int) -> Callable[[dict[str, float]], float]:
    def f(v: dict[str, float]) -> float:
        z = sum(v[f"x{i}"] * v[f"w{i}"] for i in range(n)) + v["b"]
        return ACTIVATION[activation](z)

    return f


value = st.floats(min_value=-3, max_value=3, allow_nan=False).map(lambda v: round(v, 3))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    n=st.integers(min_value=1, max_value=4),
    data=st.data(),
    activation=st.sampled_from(sorted(ops.NEURON_ACTIVATIONS)),
    dvalue=st.sampled_from([1.0, -0.5, 2.0]),
    lr=st.sampled_from([0.001, 0.01, 0.5]),
)
def test_random_neurons_against_finite_differences(
    n: int, data: st.DataObject, activation: str, dvalue: float, lr: float
) -> None:
    x = data.draw(st.lists(value, min_size=n, max_size=n))
    w = data.draw(st.lists(value, min_size=n, max_size=n))
    b = data.draw(value)
    at = {**{f"x{i}": x[i] for i in range(n)}, **{f"w{i}": w[i] for i in range(n)}, "b": b}
    f = neuron_output(activation, n)
    assume(abs(sum(x[i] * w[i] for i in range(n)) + b) > 1e-3)  # away from ReLU's kink

    result = neuron(x, w, b, activation=activation, dvalue=dvalue, lr=lr)
    source = result.python()
    check_standard_library(source)
    namespace, printed = run(source)

    expected = {k: dvalue * central_difference(f, at, k) for k in at}
    got = {
        **{f"x{i}": namespace["dx"][i] for i in range(n)},
        **{f"w{i}": namespace["dw"][i] for i in range(n)},
        "b": namespace["db"],
    }
    assert got == pytest.approx(expected, rel=1e-5, abs=1e-6)
    assert got == result.gradients  # the same floats as ours
    # The update, as the chapter does it, and the forward pass again.
    stepped = {**at, **{k: at[k] - lr * expected[k] for k in at if k[0] != "x"}}
    assert printed_value(printed[-1]) == pytest.approx(f(stepped), rel=1e-6, abs=1e-6)
    assert result.derivation.step is not None
    assert printed_value(printed[-1]) == result.derivation.step.output


# -- a table of expressions against finite differences ----------------------

E = math.exp

EXPRESSIONS: list[tuple[str, dict[str, float], Callable[[dict[str, float]], float]]] = [
    (
        "relu(x0*w0 + x1*w1 + b)",
        {"x0": 1.0, "w0": -3.0, "x1": -2.0, "w1": -1.0, "b": 1.5},
        lambda v: max(v["x0"] * v["w0"] + v["x1"] * v["w1"] + v["b"], 0.0),
    ),
    (
        "x*x + sigmoid(x*w) + max(x, w, 1) - abs(w)/x",
        {"x": 2.0, "w": 0.5},
        lambda v: v["x"] ** 2 + 1 / (1 + E(-v["x"] * v["w"])) + max(v["x"], v["w"], 1) - abs(v["w"]) / v["x"],
    ),
    (
        "tanh(x*y) * exp(-x) / sqrt(y)",
        {"x": 0.3, "y": 1.7},
        lambda v: math.tanh(v["x"] * v["y"]) * E(-v["x"]) / math.sqrt(v["y"]),
    ),
    (
        "log(x**2 + 1) - x**3 + x**y",
        {"x": 1.3, "y": 0.7},
        lambda v: math.log(v["x"] ** 2 + 1) - v["x"] ** 3 + v["x"] ** v["y"],
    ),
    (
        "min(a, b) * a - (b - a)**2",
        {"a": 0.4, "b": 1.1},
        lambda v: min(v["a"], v["b"]) * v["a"] - (v["b"] - v["a"]) ** 2,
    ),
    (
        "sigmoid(sigmoid(x) * w - b)",
        {"x": -0.7, "w": 2.5, "b": 0.2},
        lambda v: 1 / (1 + E(-(v["w"] / (1 + E(-v["x"])) - v["b"]))),
    ),
    ("neg(x) * y / (x - y)", {"x": 0.5, "y": 2.0}, lambda v: -v["x"] * v["y"] / (v["x"] - v["y"])),
    (
        "abs(x - 3) * sqrt(x) + x * 2**3",
        {"x": 1.5},
        lambda v: abs(v["x"] - 3) * math.sqrt(v["x"]) + v["x"] * 8,
    ),
    ("max(0, x) + max(x, 0) * x", {"x": 0.25}, lambda v: max(0.0, v["x"]) + max(v["x"], 0.0) * v["x"]),
    ("x", {"x": 4.0}, lambda v: v["x"]),
    ("x + x*x + x/x", {"x": 3.0}, lambda v: v["x"] + v["x"] * v["x"] + 1.0),
    # Leaves named like Python keywords, builtins and the program's own names.
    (
        "lambda * 2 + max(lambda, 0) + print * sum",
        {"lambda": 1.5, "print": -1.0, "sum": 0.25},
        lambda v: v["lambda"] * 2 + max(v["lambda"], 0.0) + v["print"] * v["sum"],
    ),
    (
        "dvalue * math + lr - y * relu",
        {"dvalue": 0.5, "math": 3.0, "lr": 1.0, "y": 2.0, "relu": -1.5},
        lambda v: v["dvalue"] * v["math"] + v["lr"] - v["y"] * v["relu"],
    ),
]


def leaf_gradients(d: Derivation, namespace: dict[str, Any]) -> dict[str, float]:
    total = ChapterNames.of(d.graph).total
    return {leaf: namespace[total[leaf]] for leaf in d.graph.leaves}


@pytest.mark.parametrize("dvalue", [1.0, -2.5])
@pytest.mark.parametrize(("expression", "at", "f"), EXPRESSIONS, ids=[e[0] for e in EXPRESSIONS])
def test_expressions_against_finite_differences(
    expression: str, at: dict[str, float], f: Callable[[dict[str, float]], float], dvalue: float
) -> None:
    pytest.importorskip("symbackprop.parse")
    update = sorted(at)[-1:]
    result = derive(expression, at=at, dvalue=dvalue, lr=0.01, update=update)
    source = result.python()
    check_standard_library(source)
    namespace, printed = run(source)

    expected = {k: dvalue * central_difference(f, at, k) for k in at}
    got = leaf_gradients(result.derivation, namespace)
    assert got == pytest.approx(expected, rel=1e-5, abs=1e-6)
    assert got == result.gradients

    stepped = {**at, **{k: at[k] - 0.01 * expected[k] for k in update}}
    assert printed_value(printed[-1]) == pytest.approx(f(stepped), rel=1e-6, abs=1e-6)
    assert result.derivation.step is not None
    assert printed_value(printed[-1]) == result.derivation.step.output


@pytest.mark.parametrize(("expression", "at", "f"), EXPRESSIONS, ids=[e[0] for e in EXPRESSIONS])
def test_expressions_without_a_step_print_the_output_last(
    expression: str, at: dict[str, float], f: Callable[[dict[str, float]], float]
) -> None:
    pytest.importorskip("symbackprop.parse")
    result = derive(expression, at=at)
    namespace, printed = run(result.python())
    assert printed_value(printed[-1]) == result.output == pytest.approx(f(at))
    assert leaf_gradients(result.derivation, namespace) == result.gradients


def test_every_quantity_has_its_own_name() -> None:
    """A sum under a sum: the local ∂v5/∂v1 must not overwrite the gradient at v1."""
    pytest.importorskip("symbackprop.parse")
    source = derive("(x*y + x) + sigmoid(y)", at={"x": 1.0, "y": 2.0}).python()
    assigned = [
        t.id
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    ]
    backward = assigned[assigned.index("dvalue") :]
    assert len(backward) == len(set(backward))


def test_square_of_a_negative_number() -> None:
    pytest.importorskip("symbackprop.parse")
    result = derive("(x - 3)**2", at={"x": 1.0})
    namespace, printed = run(result.python())
    assert leaf_gradients(result.derivation, namespace) == {"x": pytest.approx(-4.0)}
    assert printed_value(printed[-1]) == 4.0
    assert "log" not in result.python()


def test_a_sum_too_long_for_pythons_compiler_is_a_clear_error() -> None:
    """Python refuses a chain ``a + b + ...`` of some 3000 terms (more on 3.13): valid code or a LimitError."""
    n = 3000
    result = neuron([0.5] * n, [0.25] * n)
    try:
        source = result.python()
    except LimitError as err:
        assert "line for z" in str(err)
        return
    _, printed = run(source)
    assert result.derivation.step is not None
    assert printed_value(printed[-1]) == result.derivation.step.output


@pytest.mark.parametrize(
    "make",
    [
        lambda: symbackprop.neuron(),
        lambda: symbackprop.neuron(activation="sigmoid"),
        lambda: symbackprop.derive("z = w*x + b; a = relu(z); y = a*z + a", at={"x": 1, "w": 2, "b": 0.5}),
        lambda: symbackprop.network(
            {
                "inputs": [[1, 2], [3, -1]],
                "layers": [{"weights": [[0.1, 0.2], [0.3, -0.4]], "biases": [0, 0], "activation": "softmax"}],
                "loss": {"kind": "categorical_crossentropy", "targets": [0, 1]},
            }
        ),
        lambda: symbackprop.network(
            {
                "inputs": [[1, 2]],
                "layers": [{"weights": [[0.1], [0.3]], "biases": [0], "activation": "sigmoid"}],
                "loss": {"kind": "binary_crossentropy", "targets": [[1]]},
            }
        ),
    ],
)
def test_generated_programs_are_ascii(make) -> None:
    """pdflatex (the Sphinx PDF build with :show: code) stops on ᵀ, Σ, ŷ or × in a listing."""
    program = make().python()
    assert program.isascii(), [line for line in program.splitlines() if not line.isascii()]

"""Named steps, the chapter's code cells, shared intermediates, symbolic derivations and constants
(issue 10), each against an oracle of its own.

The oracles: the chapter's printed numbers for its pasted cells; ``sympy.diff`` of plain SymPy
rewrites written here by hand (ReLU as ``Piecewise``, sigmoid as ``1/(1+exp(-z))``, never our
operations) for the closed forms in ``gradient_infix`` and for the numbers; central finite
differences of plain Python functions for shared intermediates; and, for random programs, the
same program inlined into one expression.  No expected value is copied from our own output.
"""

from __future__ import annotations

import json
import math
import random
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import symbackprop
from symbackprop import EvaluationError, SymbackpropError
from symbackprop.limits import DEFAULT

ORACLE_REL = 1e-9  # float64 work against an exact derivative evaluated at 30 digits
FD_REL = 1e-6  # central differences against our gradients
NUMBER = r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"

# The chapter's code cells In [1] to In [4], as the chapter prints them.
CHAPTER_CELLS = """\
x = [1.0, -2.0, 3.0] # input values
w = [-3.0, -1.0, 2.0] # weights
b = 1.0 # bias

xw0 = x[0] * w[0]
print(xw0)

xw1 = x[1] * w[1]
xw2 = x[2] * w[2]

print(xw0, xw1, xw2)

# Adding weighted inputs and a bias
z = xw0 + xw1 + xw2 + b
print(z)

# ReLU activation function
y = max(z, 0)
print(y)
"""


def run_cli(
    args: list[str], stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The command line as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "symbackprop", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def run_python(program: str, cwd: Path) -> str:
    """A generated program run by the interpreter running the tests; its standard output."""
    path = cwd / "generated.py"
    path.write_text(program)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, cwd=cwd, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def close(ours: float | None, oracle: float, scale: float = 1.0) -> bool:
    return ours is not None and math.isclose(ours, oracle, rel_tol=ORACLE_REL, abs_tol=ORACLE_REL * scale)


def assert_one_line_error(status: int, out: str, err: str, code: int = 2) -> None:
    assert status == code, (status, out, err)
    assert out == ""
    assert err.startswith("symbackprop: error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err


# --- the plain SymPy oracle ---------------------------------------------------------------------------


def relu(z: sympy.Expr) -> sympy.Expr:
    return sympy.Piecewise((z, z > 0), (0, True))


def sigmoid(z: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-z))


def symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def plain(expr: sympy.Expr, point: Mapping[str, float]) -> float:
    """A plain SymPy expression's value at the exact point (each float as the rational it is)."""
    subs = {symbol(k): sympy.Rational(v) for k, v in point.items()}
    return float(sympy.N(expr.subs(subs), 30))


_CALLED = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()")


def infix_names(text: str) -> set[str]:
    """The leaves an infix text uses: every identifier that is not called and is not ``pi``."""
    return {m.group(1) for m in _CALLED.finditer(text) if m.group(1) != "pi" and not m.group(1)[0].isdigit()}


def parse_back(infix: str, point: Mapping[str, float]) -> float:
    """A closed form read back through our own parser and evaluated at ``point``."""
    names = infix_names(infix)
    assert names <= set(point), (infix, names)
    out = symbackprop.derive(infix, at={k: point[k] for k in names} or None).output
    assert out is not None, infix
    return out


# --- 1. the chapter's cells ------------------------------------------------------------------------------

# The numbers the chapter prints for the cells and for the backward pass (In [5] to In [8]).
CHAPTER_NODES = [("xw0", -3.0), ("xw1", 2.0), ("xw2", 6.0), ("z", 6.0), ("y", 6.0)]
CHAPTER_NODE_GRADIENTS = {"xw0": 1.0, "xw1": 1.0, "xw2": 1.0, "z": 1.0, "y": 1.0}  # In [5], In [6]
CHAPTER_DX = [-3.0, -1.0, 2.0]
CHAPTER_DW = [1.0, -2.0, 3.0]
CHAPTER_DB = 1.0


def assert_chapter(d: Mapping[str, Any]) -> None:
    assert d["output"] == 6.0
    assert [(n["var"], n["value"]) for n in d["nodes"]] == CHAPTER_NODES
    assert {n["var"]: n["gradient"] for n in d["nodes"]} == CHAPTER_NODE_GRADIENTS
    g = d["gradients"]
    assert [g["x0"], g["x1"], g["x2"]] == CHAPTER_DX
    assert [g["w0"], g["w1"], g["w2"]] == CHAPTER_DW
    assert g["b"] == CHAPTER_DB
    assert d["values"] == {"x0": 1.0, "x1": -2.0, "x2": 3.0, "w0": -3.0, "w1": -1.0, "w2": 2.0, "b": 1.0}


def neuron_json_without_step() -> dict[str, Any]:
    reference = json.loads(json.dumps(symbackprop.neuron().to_dict()))
    del reference["step"]
    return reference


def test_chapter_cells_through_the_api() -> None:
    d = json.loads(json.dumps(symbackprop.derive(CHAPTER_CELLS, python_input=True).to_dict()))
    assert_chapter(d)
    assert d == neuron_json_without_step()


def test_chapter_cells_on_standard_input() -> None:
    done = run_cli(["derive", "-", "--python-input", "--format", "json"], stdin=CHAPTER_CELLS)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    d = json.loads(done.stdout)
    assert_chapter(d)
    assert d == neuron_json_without_step()


def test_chapter_cells_take_the_chapters_update_step() -> None:
    """9.4: one step of lr 0.001 on the weights and the bias, the chapter's In [10] and In [11]."""
    d = symbackprop.derive(
        CHAPTER_CELLS, python_input=True, lr=0.001, update=["w0", "w1", "w2", "b"]
    ).to_dict()
    step = d["step"]
    for name, chapter in {"w0": -3.001, "w1": -0.998, "w2": 1.997, "b": 0.999}.items():
        assert math.isclose(step["values"][name], chapter, rel_tol=1e-12), name
    assert set(step["values"]) == {"w0", "w1", "w2", "b"}  # never the inputs
    assert math.isclose(step["output"], 5.985, rel_tol=1e-12)


def test_chapter_cells_as_a_program_print_the_chapters_numbers(cli, tmp_path) -> None:
    status, program, err = cli(["derive", "-", "--python-input", "--format", "python"], stdin=CHAPTER_CELLS)
    assert status == 0 and err == ""
    for name in ["drelu_dz", "drelu_dxw0", "drelu_dxw1", "drelu_dxw2", "drelu_db"]:
        assert re.search(rf"^{name} = ", program, re.M), name
    for k in range(3):
        for name in [f"drelu_dx{k}", f"drelu_dw{k}"]:
            assert re.search(rf"^{name} = ", program, re.M), name
    lines = run_python(program + "\nprint(dx, dw, db)\n", tmp_path).splitlines()
    printed = [  # what the chapter's cells print, in their order, each number labelled with its name
        "xw0 = -3.0 xw1 = 2.0 xw2 = 6.0",  # In [2]
        "z = 6.0",  # In [3]
        "y = 6.0",  # In [4]
        "drelu_dz = 1.0",  # In [5]
        "drelu_dxw0 = 1.0 drelu_dxw1 = 1.0 drelu_dxw2 = 1.0 drelu_db = 1.0",  # In [6]
        "drelu_dx0 = -3.0 drelu_dw0 = 1.0 drelu_dx1 = -1.0 drelu_dw1 = -2.0 drelu_dx2 = 2.0 drelu_dw2 = 3.0",  # In [7]
    ]
    at = 0
    for line in printed:
        assert line in lines[at:], (line, lines)
        at = lines.index(line, at) + 1
    assert lines[-1] == f"{CHAPTER_DX} {CHAPTER_DW} {CHAPTER_DB}"  # In [8]'s dx, dw, db


# --- 2. gradient_infix as a function ---------------------------------------------------------------------

Point = dict[str, float]


@dataclass(frozen=True)
class Case:
    """A program, its plain SymPy rewrite and where its kinks are."""

    id: str
    text: str
    leaves: tuple[str, ...]  # every leaf, with its value at each point
    oracle: Callable[[Callable[[str], sympy.Symbol]], sympy.Expr]
    const: tuple[str, ...] = ()
    ok: Callable[[Point], bool] = lambda p: True  # away from kinks and ties
    latex: bool = False
    python: bool = False  # the text is a template: the values are written into the code
    low: Mapping[str, float] = field(default_factory=dict)  # a leaf's lower bound (default -2)

    def points(self, n: int) -> list[Point]:
        rng = random.Random(self.id)
        out: list[Point] = []
        while len(out) < n:
            p = {k: round(rng.uniform(self.low.get(k, -2.0), 2.0), 6) for k in self.leaves}
            if self.ok(p):
                out.append(p)
        return out

    def derive(self, p: Point) -> dict[str, Any]:
        if self.python:
            return symbackprop.derive(self.text.format(**p), python_input=True, const=self.const).to_dict()
        return symbackprop.derive(self.text, at=p, latex_input=self.latex, const=self.const).to_dict()


def _shared(s: Callable[[str], sympy.Symbol]) -> sympy.Expr:
    z = s("w") * s("x") + s("b")
    a = relu(z)
    return a * z + a


CASES = [
    Case(
        "named-sigmoid-loss-const-t",
        "z = w*x + b; a = sigmoid(z); L = (a - t)**2 / 2",
        ("x", "w", "b", "t"),
        lambda s: (sigmoid(s("w") * s("x") + s("b")) - s("t")) ** 2 / 2,
        const=("t",),
    ),
    Case(
        "expression-sigmoid", "sigmoid(x*w + b)", ("x", "w", "b"), lambda s: sigmoid(s("x") * s("w") + s("b"))
    ),
    Case(
        "relu-tanh-exp-log",
        "h = relu(w*x + b)\ny = tanh(h) * exp(-h) + log(1 + h*h)",
        ("x", "w", "b"),
        lambda s: (
            sympy.tanh(relu(s("w") * s("x") + s("b"))) * sympy.exp(-relu(s("w") * s("x") + s("b")))
            + sympy.log(1 + relu(s("w") * s("x") + s("b")) ** 2)
        ),
        ok=lambda p: abs(p["w"] * p["x"] + p["b"]) > 0.05,
    ),
    Case(
        "div-pow-sqrt-abs",
        "u = x/(w*w + 1); v = u**3 - sqrt(b*b + 1); y = v / (1 + abs(u))",
        ("x", "w", "b"),
        lambda s: (
            ((s("x") / (s("w") ** 2 + 1)) ** 3 - sympy.sqrt(s("b") ** 2 + 1))
            / (1 + sympy.Abs(s("x") / (s("w") ** 2 + 1)))
        ),
        ok=lambda p: abs(p["x"]) > 0.05,
    ),
    Case(
        "max-min",
        "m = max(x*w, b); y = m*m + min(x, b)",
        ("x", "w", "b"),
        lambda s: sympy.Max(s("x") * s("w"), s("b")) ** 2 + sympy.Min(s("x"), s("b")),
        ok=lambda p: abs(p["x"] * p["w"] - p["b"]) > 0.05 and abs(p["x"] - p["b"]) > 0.05,
    ),
    Case(
        "shared-relu",
        "z = w*x + b; a = relu(z); y = a*z + a",
        ("x", "w", "b"),
        _shared,
        ok=lambda p: abs(p["w"] * p["x"] + p["b"]) > 0.05,
    ),
    Case(
        "expression-exp-log-div",
        "log(1 + exp(x*w)) - x**3 / (b*b + 2)",
        ("x", "w", "b"),
        lambda s: sympy.log(1 + sympy.exp(s("x") * s("w"))) - s("x") ** 3 / (s("b") ** 2 + 2),
    ),
    Case(
        "power-of-leaves",
        "y = x**w * b",
        ("x", "w", "b"),
        lambda s: s("x") ** s("w") * s("b"),
        low={"x": 0.2},
    ),
    Case(
        "max-zero-is-relu",
        "y = max(x*w + b, 0) * x",
        ("x", "w", "b"),
        lambda s: relu(s("x") * s("w") + s("b")) * s("x"),
        ok=lambda p: abs(p["w"] * p["x"] + p["b"]) > 0.05,
    ),
    Case(
        "latex-program-const-t",
        r"z = wx + b \\ a = \sigma(z) \\ L = \frac{1}{2}(a - t)^2",
        ("x", "w", "b", "t"),
        lambda s: (sigmoid(s("w") * s("x") + s("b")) - s("t")) ** 2 / 2,
        const=("t",),
        latex=True,
    ),
    Case(
        "latex-aligned-shared",
        r"\begin{aligned} z &= wx + b \\ a &= \text{ReLU}(z) \\ y &= a z + a \end{aligned}",
        ("x", "w", "b"),
        _shared,
        ok=lambda p: abs(p["w"] * p["x"] + p["b"]) > 0.05,
        latex=True,
    ),
    Case(
        "python-cells-sigmoid-log",
        "x = [{x0!r}, {x1!r}]\nw = [{w0!r}, {w1!r}]\nb = {b!r}\n"
        "z = x[0]*w[0] + x[1]*w[1] + b\ny = 1/(1 + np.exp(-z))\nL = -math.log(y)\nprint(L)\n",
        ("x0", "x1", "w0", "w1", "b"),
        lambda s: -sympy.log(sigmoid(s("x0") * s("w0") + s("x1") * s("w1") + s("b"))),
        python=True,
    ),
    Case("pi-and-exp", "pi*r**2 + exp(r)", ("r",), lambda s: sympy.pi * s("r") ** 2 + sympy.exp(s("r"))),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_gradient_infix_is_the_gradient(case: Case) -> None:
    f = case.oracle(symbol)
    derived = [k for k in case.leaves if k not in case.const]
    diffs = {k: sympy.diff(f, symbol(k)) for k in derived}
    for p in case.points(3):
        d = case.derive(p)
        assert set(d["gradient_infix"]) == set(derived) == set(d["gradient_latex"])
        assert set(d["gradients"]) == set(derived)
        assert "gradient_steps" not in d  # short closed forms are in the leaves alone
        assert close(d["output"], plain(f, p)), (d["output"], plain(f, p))
        for k in derived:
            want = plain(diffs[k], p)
            assert close(d["gradients"][k], want), (k, p, d["gradients"][k], want)
            back = parse_back(d["gradient_infix"][k], p)
            assert close(back, want), (k, p, d["gradient_infix"][k], back, want)


def test_gradient_steps_define_the_named_steps_of_a_long_closed_form() -> None:
    """When the closed forms in the leaves would be too long, the author's steps stay in them and
    ``gradient_steps`` defines them: steps and gradient together are a program our parser reads."""
    steps = ["a1 = x*w + b", *(f"a{k} = a{k - 1}*a{k - 1} / 4 + sigmoid(a{k - 1})" for k in range(2, 6))]
    point = {"x": 0.5, "w": -0.3, "b": 0.1}
    d = symbackprop.derive("\n".join(steps), at=point, limits=DEFAULT.merge(max_output=300)).to_dict()
    assert "gradient_steps" in d
    s = {k: symbol(k) for k in point}
    a = s["w"] * s["x"] + s["b"]
    for _ in range(4):
        a = a**2 / 4 + sigmoid(a)
    for k in point:
        program = "; ".join(f"{name} = {body}" for name, body in d["gradient_steps"].items())
        program += f"; gradient = 1 * ({d['gradient_infix'][k]})"
        # only the value is wanted: no chains (wrt=[]), whose paths multiply where steps are shared
        leaves = symbackprop.derive(program, wrt=[]).gradients  # which leaves the program uses
        back = symbackprop.derive(program, at={n: point[n] for n in leaves}, wrt=[]).output
        want = plain(sympy.diff(a, s[k]), point)
        assert close(back, want) and close(d["gradients"][k], want), (k, back, d["gradients"][k], want)


def test_named_steps_keep_the_authors_names() -> None:
    """The author's step names in the JSON, the walkthrough, the chains, LaTeX and the program; each
    generated name a block shows is defined in the forward pass."""
    r = symbackprop.derive(
        "z = w*x + b; a = sigmoid(z); L = (a - t)**2 / 2",
        at={"x": 1.0, "w": 2.0, "b": 0.5, "t": 1.0},
        const=["t"],
    )
    names = [n["var"] for n in r.to_dict()["nodes"]]
    assert [v for v in names if v in ("z", "a", "L")] == ["z", "a", "L"] and names[-1] == "L"
    generated = [v for v in names if v not in ("z", "a", "L")]
    assert generated and all(re.fullmatch(r"v\d+", v) for v in generated)
    text = r.text()
    forward = text.split("Forward pass", 1)[1].split("Backward pass", 1)[0]
    for name in set(re.findall(r"\bv\d+\b", text)):
        assert re.search(rf"^\s*{name}\s+=", forward, re.M), name
    for row in ("dL_da ", "dL_dz ", "dL_dw "):
        assert re.search(rf"^\s*{row}", text, re.M), row
    assert "da_dz" in text and "∂v2/∂a · da/dz · ∂z/∂v1 · ∂v1/∂w" in text
    latex = r.latex()
    assert r"\frac{\partial L}{\partial a}" in latex and r"\frac{d a}{d z}" in latex
    program = r.python()
    assert re.search(r"^dL_da = ", program, re.M) and re.search(r"^da_dz = ", program, re.M)


# --- 3. shared intermediates ------------------------------------------------------------------------------

SHARED = "z = w*x + b; a = relu(z); y = a*z + a"
SHARED_AT = {"x": 1.5, "w": 0.8, "b": 0.3}  # z = 1.5: away from ReLU's kink


def shared_plain(x: float, w: float, b: float) -> float:
    z = w * x + b
    a = max(z, 0.0)
    return a * z + a


def central(f: Callable[..., float], point: Mapping[str, float], name: str) -> float:
    h = 1e-6 * max(1.0, abs(point[name]))
    up, down = dict(point), dict(point)
    up[name] += h
    down[name] -= h
    return (f(**up) - f(**down)) / (2 * h)


def shared_shares(p: Mapping[str, float]) -> tuple[float, dict[str, float], float, dict[str, float]]:
    """∂y/∂z and ∂y/∂a from plain Python, and each use's share: z feeds a = relu(z) and a*z; a feeds
    a*z and the output's sum."""
    z = p["w"] * p["x"] + p["b"]
    a = max(z, 0.0)
    step = 1.0 if z > 0 else 0.0
    dz = central(lambda z: max(z, 0.0) * z + max(z, 0.0), {"z": z}, "z")
    da = central(lambda a: a * z + a, {"a": a}, "a")
    return dz, {"a": da * step, "product": a}, da, {"product": z, "output": 1.0}


@pytest.mark.parametrize(
    "text, kind",
    [
        (SHARED, {}),
        ("z = w*x + b\na = max(z, 0)\ny = a*z + a", {"python_input": True}),
        (r"z = wx + b \\ a = \text{ReLU}(z) \\ y = az + a", {"latex_input": True}),
    ],
    ids=["infix", "python", "latex"],
)
@pytest.mark.parametrize(
    "point", [SHARED_AT, {"x": -0.7, "w": 1.9, "b": 2.2}, {"x": 1.1, "w": -2.0, "b": 0.4}]
)
def test_shared_intermediate_gradients_match_finite_differences(text, kind, point) -> None:
    d = symbackprop.derive(text, at=point, **kind).to_dict()
    assert math.isclose(d["output"], shared_plain(**point), rel_tol=1e-12)
    assert set(d["gradients"]) == {"x", "w", "b"}
    for name in point:
        fd = central(shared_plain, point, name)
        assert math.isclose(d["gradients"][name], fd, rel_tol=FD_REL, abs_tol=FD_REL), (name, fd)
        paths = sum(path["value"] for path in d["chains"][name])  # one reverse pass, summed in its order
        assert math.isclose(d["gradients"][name], paths, rel_tol=1e-12), (name, paths)
    nodes = {n["var"]: n for n in d["nodes"] if n["var"] in ("z", "a")}
    assert [n["var"] for n in d["nodes"]].count("z") == 1
    assert [n["var"] for n in d["nodes"]].count("a") == 1
    dz, _, da, _ = shared_shares(point)
    assert math.isclose(nodes["z"]["gradient"], dz, rel_tol=FD_REL, abs_tol=FD_REL)
    assert math.isclose(nodes["a"]["gradient"], da, rel_tol=FD_REL, abs_tol=FD_REL)


def _backward_lines(text: str) -> dict[str, str]:
    lines = text.split("Backward pass", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    out = {}
    for line in lines:
        name, _, rest = line.strip().partition(" = ")
        out[name.strip()] = rest
    return out


def _last_number(rest: str) -> float:
    rest = re.sub(r"\s*\(.*\)\s*$", "", rest.rstrip(" \\"))  # the local derivative's note
    return float(re.findall(NUMBER, rest)[-1])


def test_shared_intermediate_in_text_shows_each_use_and_the_sum() -> None:
    text = symbackprop.derive(SHARED, at=SHARED_AT).text()
    rows = _backward_lines(text)
    dz, z_shares, da, a_shares = shared_shares(SHARED_AT)
    for node, total, shares in (("z", dz, z_shares), ("a", da, a_shares)):
        uses = {k: _last_number(v) for k, v in rows.items() if k.startswith(f"dy_d{node}_")}
        assert len(uses) == 2, rows
        assert sorted(uses.values()) == pytest.approx(sorted(shares.values()), rel=FD_REL)
        sum_row = rows[f"dy_d{node}"]
        assert set(sum_row.split(" = ")[0].split(" + ")) == set(uses)
        assert _last_number(sum_row) == pytest.approx(total, rel=FD_REL)


def test_shared_intermediate_in_latex_shows_each_use_and_the_sum() -> None:
    latex = symbackprop.derive(SHARED, at=SHARED_AT).latex()
    rows = latex.split("% Backward pass, node by node", 1)[1].split(r"\end{aligned}", 1)[0].splitlines()
    dz, z_shares, da, a_shares = shared_shares(SHARED_AT)
    for node, total, shares in (("z", dz, z_shares), ("a", da, a_shares)):
        head = rf"\frac{{\partial y}}{{\partial {node}}}"
        via = [r for r in rows if r.startswith(head + r"\Big|_{\text{via ")]
        assert len(via) == 2, rows
        assert sorted(_last_number(r) for r in via) == pytest.approx(sorted(shares.values()), rel=FD_REL)
        (sum_row,) = [r for r in rows if r.startswith(head + " &=")]
        assert sum_row.split("=")[1].count(r"\Big|_{\text{via ") == 2
        assert _last_number(sum_row) == pytest.approx(total, rel=FD_REL)
    assert any(r.startswith(r"\frac{\partial y}{\partial z}\Big|_{\text{via } a}") for r in rows)


def test_shared_intermediate_is_one_node_in_the_figure() -> None:
    dot = symbackprop.derive(SHARED, at=SHARED_AT).render("dot")
    ids = re.findall(r"^\s*(\w+) \[label=<[^\n]*?><I>z</I></FONT>>", dot, re.M)
    assert len(ids) == 1, dot
    labels = dict(re.findall(r"^\s*l(\d+) \[label=<(.*)>, fontsize", dot, re.M))  # each edge's labels
    edges = [(k, labels[k]) for k in re.findall(rf"^\s*{ids[0]} -> l(\d+):m", dot, re.M)]
    assert len(edges) == 2, dot
    red = sorted(
        float(v) for _, label in edges for v in re.findall(r'<FONT COLOR="red">([^<]+)</FONT>', label)
    )
    _, shares, _, _ = shared_shares(SHARED_AT)
    assert red == pytest.approx(sorted(shares.values()), rel=1e-3)  # the figure rounds its labels


def test_shared_intermediate_as_a_program_prints_the_gradients(cli, tmp_path) -> None:
    args = [f"--at={k}={v}" for k, v in SHARED_AT.items()]
    status, program, err = cli(["derive", SHARED, *args, "--format", "python"])
    assert status == 0, err
    out = run_python(program + "\nprint('GRADIENTS', dy_dw, dy_dx, dy_db)\n", tmp_path)
    numbers = [float(v) for v in out.splitlines()[-1].split()[1:]]
    fd = [central(shared_plain, SHARED_AT, k) for k in ("w", "x", "b")]
    assert numbers == pytest.approx(fd, rel=FD_REL)


# --- 4. random programs against the same expression inlined ----------------------------------------------

LEAVES = ("x", "w", "b")
POINT = {"x": 0.7, "w": -1.3, "b": 0.4}
BINARY = ("{} + {}", "{} - {}", "{} * {}", "{} / {}", "max({}, {})", "{} * {} + {}")
UNARY = ("relu({})", "sigmoid({})", "tanh({})", "{} ** 2", "{} ** 3", "abs({})", "-{}", "exp({})")


@st.composite
def programs(draw: st.DrawFn) -> list[tuple[str, str]]:
    """3 to 12 single assignments of operations on earlier steps, the leaves and small numbers.
    Each step builds on one of the two before it and may use any earlier name besides, so the
    output uses most steps and names are used more than once."""
    steps: list[tuple[str, str]] = []
    for k in range(draw(st.integers(3, 12))):
        names = [n for n, _ in steps]
        first = draw(st.sampled_from(names[-2:] or list(LEAVES)))  # a step always uses a name
        other = st.sampled_from(list(LEAVES) + names) | st.sampled_from(["2", "0.5", "3"])
        if draw(st.booleans()):
            body = draw(st.sampled_from(UNARY)).format(first)
        else:
            template = draw(st.sampled_from(BINARY))
            rest = [draw(other) for _ in range(template.count("{}") - 1)]
            if template.startswith("{} * {} +"):
                rest[-1] = first  # the same value used twice in one step
            pair = [first, rest[0]]
            if draw(st.booleans()):
                pair.reverse()
            body = template.format(*pair, *rest[1:])
        steps.append((f"h{k}", body))
    return steps


def inline(steps: list[tuple[str, str]]) -> str:
    """The output's expression with each step's name replaced by its parenthesised body."""
    bodies: dict[str, str] = {}
    for name, body in steps:
        bodies[name] = re.sub(r"\bh\d+\b", lambda m: f"({bodies[m.group()]})", body)
    return bodies[steps[-1][0]]


def attempt(text: str, at: Mapping[str, float]) -> dict[str, Any] | None:
    try:
        return symbackprop.derive(text, at=dict(at)).to_dict()
    except EvaluationError:
        return None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_program_equals_its_inlined_expression(steps: list[tuple[str, str]]) -> None:
    expression = inline(steps)
    assume(len(expression) < 2000)  # inlining copies every shared step: bound the copies
    at = {k: v for k, v in POINT.items() if re.search(rf"\b{k}\b", expression)}
    program = "\n".join(f"{name} = {body}" for name, body in steps)
    as_program, as_expression = attempt(program, at), attempt(expression, at)
    assert (as_program is None) == (as_expression is None), (program, expression)
    assume(as_program is not None)
    assert as_program is not None and as_expression is not None
    scale = 1.0 + sum(abs(p["value"]) for paths in as_expression["chains"].values() for p in paths)
    assert close(as_program["output"], as_expression["output"], scale)
    assert set(as_program["gradients"]) == set(as_expression["gradients"]) == set(at)
    for name, value in as_expression["gradients"].items():
        assert close(as_program["gradients"][name], value, scale), (name, program, expression)
    named = {n["var"] for n in as_program["nodes"]}
    used = {name for name, _ in steps if re.search(rf"\b{name}\b", program.split(f"{steps[-1][0]} =")[-1])}
    assert used <= named  # the author's names of the steps the output uses


# --- 5. Python the reader refuses, and never runs ---------------------------------------------------------

PREAMBLE = "# the chapter's values\nx = [1.0, -2.0, 3.0]\nb = 1.0\n"  # so the construct is on line 4

REFUSED = [  # (what, code after the preamble, line, column) -- run, each would create MARKER
    ("for loop", "for i in range(1):\n    open('MARKER', 'w')\n", 4, 1),
    ("while loop", "while not open('MARKER', 'w'):\n    y = b\n", 4, 1),
    ("if", "if open('MARKER', 'w'):\n    y = b * 2\n", 4, 1),
    ("def", "def f(m=open('MARKER', 'w')):\n    return m\n", 4, 1),
    ("class", "class A:\n    m = open('MARKER', 'w')\n", 4, 1),
    ("import", "import os\ny = os.system('touch MARKER')\n", 4, 1),
    ("from-import", "from os import system\ny = system('touch MARKER')\n", 4, 1),
    ("augmented assignment", "y = b * 2\ny += len(open('MARKER', 'w').name)\n", 5, 1),
    ("lambda", "f = lambda: open('MARKER', 'w')\n", 4, 5),
    ("called lambda", "y = b * (lambda: open('MARKER', 'w'))()\n", 4, 9),
    ("comprehension", "y = [open('MARKER', 'w') for i in range(1)]\n", 4, 5),
    ("generator", "y = sum(open('MARKER', 'w') for i in range(1))\n", 4, 5),
    ("with", "with open('MARKER', 'w') as f:\n    y = b * 2\n", 4, 1),
    ("try", "try:\n    y = open('MARKER', 'w')\nexcept OSError:\n    y = b\n", 4, 1),
    ("os.system", "y = os.system('touch MARKER')\n", 4, 5),
    ("attribute of a call", "y = __import__('os').system('touch MARKER')\n", 4, 5),
    ("attribute value", "y = x.real * b\n", 4, 5),
    ("np.random", "y = np.random.rand() * b\n", 4, 5),
    ("eval", "y = eval(\"open('MARKER', 'w')\")\n", 4, 5),
    ("exec", "exec(\"open('MARKER', 'w')\")\ny = b * 2\n", 4, 1),
    ("open", "y = open('MARKER', 'w')\n", 4, 5),
    ("conditional expression", "y = open('MARKER', 'w') if b > 0 else b\n", 4, 5),
    ("tuple unpacking", "y, m = b * 2, open('MARKER', 'w')\n", 4, 1),
    ("string", "y = 'MARKER'\n", 4, 5),
    ("negative index", "y = x[-1] * b\n", 4, 5),
    ("name index", "i = 0\ny = x[i] * b\n", 5, 5),
    ("keyword argument", "y = max(b, 0, key=lambda v: open('MARKER', 'w'))\n", 4, 5),
]


@pytest.mark.parametrize("what, code, line, column", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_python_is_one_line_with_line_and_column(
    cli, tmp_path, monkeypatch, what, code, line, column
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = cli(["derive", "-", "--python-input"], stdin=PREAMBLE + code)
    assert_one_line_error(status, out, err)
    assert re.search(rf"\bline {line}, column {column}\b", err), err
    with pytest.raises(SymbackpropError, match=rf"line {line}, column {column}\b"):
        symbackprop.derive(PREAMBLE + code, python_input=True)
    assert not (tmp_path / "MARKER").exists()


def test_refused_python_as_a_real_process_never_runs_it(tmp_path) -> None:
    code = PREAMBLE + "y = b * 2\nz = open('MARKER', 'w')\n"
    done = run_cli(["derive", "-", "--python-input"], stdin=code, cwd=tmp_path)
    assert_one_line_error(done.returncode, done.stdout, done.stderr)
    assert "line 5, column 5" in done.stderr
    assert not (tmp_path / "MARKER").exists()


def test_print_calls_are_ignored_and_never_run(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code = "x = [1.0, -2.0]\nb = 1.0\ny = x[0] * x[1] + b\nprint(open('MARKER', 'w'))\n"
    d = symbackprop.derive(code, python_input=True).to_dict()
    assert d["output"] == 1.0 * -2.0 + 1.0 and d["gradients"] == {"x0": -2.0, "x1": 1.0, "b": 1.0}
    assert not (tmp_path / "MARKER").exists()


def test_values_the_output_does_not_use_are_no_error(cli) -> None:
    status, out, err = cli(
        ["derive", "-", "--python-input", "--format", "json"], stdin=PREAMBLE + "y = b * 2\n"
    )
    assert "--at" not in err  # the caller gave no --at
    assert status == 0, err
    assert json.loads(out)["gradients"] == {"b": 2.0}


# --- 6. constants ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, kind, name, f, df",
    [
        ("pi*r**2", {}, "r", lambda r: math.pi * r * r, lambda r: 2 * math.pi * r),
        (r"\pi r^2", {"latex_input": True}, "r", lambda r: math.pi * r * r, lambda r: 2 * math.pi * r),
        (
            "y = math.pi * r**2",
            {"python_input": True},
            "r",
            lambda r: math.pi * r * r,
            lambda r: 2 * math.pi * r,
        ),
        (r"\mathrm{e}^{x}", {"latex_input": True}, "x", math.exp, math.exp),
        (r"e^{x}", {"latex_input": True}, "x", math.exp, math.exp),
        ("y = np.e ** x", {"python_input": True}, "x", math.exp, math.exp),
    ],
)
def test_pi_and_e_need_no_value(text, kind, name, f, df) -> None:
    d = symbackprop.derive(text, at={name: 0.7}, **kind).to_dict()
    assert set(d["values"]) == {name}
    assert set(d["gradients"]) == set(d["chains"]) == set(d["gradient_infix"]) == {name}
    assert math.isclose(d["output"], f(0.7), rel_tol=1e-12)
    assert math.isclose(d["gradients"][name], df(0.7), rel_tol=1e-12)
    assert math.isclose(parse_back(d["gradient_infix"][name], {name: 0.7}), df(0.7), rel_tol=1e-12)
    symbolic = symbackprop.derive(text, **kind).to_dict()  # no value asked for pi or e
    assert symbolic["output"] is None and set(symbolic["gradients"]) == {name}


def test_pi_is_no_leaf_on_the_command_line(cli) -> None:
    status, out, err = cli(["derive", "pi*r**2", "--at", "pi=3", "--at", "r=1"])
    assert_one_line_error(status, out, err)
    status, out, err = cli(["derive", "pi*r**2", "--at", "r=2", "--format", "json"])
    assert status == 0 and math.isclose(json.loads(out)["output"], 4 * math.pi, rel_tol=1e-12)


def test_numbers_are_never_leaves() -> None:
    r = symbackprop.derive("(a - t)**2 + 3*a", at={"a": 1.0, "t": 3.0})
    d = r.to_dict()
    assert set(d["values"]) == set(d["gradients"]) == set(d["chains"]) == {"a", "t"}
    assert d["gradients"] == {"a": 2 * (1.0 - 3.0) + 3, "t": -2 * (1.0 - 3.0)}
    dot = r.render("dot")
    leaves = re.findall(r"^\s*n\d+ \[label=<((?:(?!<BR/>).)*?)>(?:\]|, fontcolor)", dot, re.M)
    assert sorted(re.sub(r"<[^>]*>", "", label) for label in leaves) == ["a", "a", "t"]
    for label in leaves:
        assert not re.fullmatch(NUMBER, re.sub(r"<[^>]*>", "", label)), label  # inside their operation


def test_const_leaf_has_no_gradient_and_no_chain() -> None:
    r = symbackprop.derive("(a - t)**2", at={"a": 1.0, "t": 3.0}, const=["t"])
    d = r.to_dict()
    assert d["values"] == {"a": 1.0, "t": 3.0}
    assert set(d["gradients"]) == set(d["chains"]) == set(d["gradient_infix"]) == {"a"}
    assert d["gradients"]["a"] == 2 * (1.0 - 3.0)
    gradients = r.text().split("\nGradients\n", 1)[1]
    assert "da" in gradients and "dt" not in gradients
    dot = r.render("dot")
    (t,) = re.findall(r"^\s*(\w+) \[label=<<I>t</I>>", dot, re.M)
    (k,) = re.findall(rf"^\s*{t} -> l(\d+):m", dot, re.M)
    (label,) = re.findall(rf"^\s*l{k} \[label=(.*)$", dot, re.M)
    assert "FIXEDSIZE" in label and 'COLOR="red"' not in label  # drawn as data: no gradient on its edge


def test_const_leaf_gets_no_gradient_in_any_format() -> None:
    r = symbackprop.derive(
        "z = w*x + b; y = (z - t)**2", at={"x": 2.0, "w": 1.0, "b": 0.5, "t": 1.0}, const=["t"]
    )
    assert "dy_dt" not in r.text()
    assert "dy_dt" not in r.python()
    assert r"{\partial t}" not in r.latex()
    assert r"{\partial t}" not in r.markdown()


def test_const_leaf_cannot_be_updated(cli) -> None:
    status, out, err = cli(
        ["derive", "(a - t)**2", "--at", "a=1", "--at", "t=3", "--const", "t", "--update", "t", "--lr", "0.1"]
    )
    assert_one_line_error(status, out, err)
    assert "t" in err and "--const" in err


# --- 7. symbolic derivations ------------------------------------------------------------------------------

SIGMOID = "sigmoid(x*w+b)"


def sigmoid_oracle() -> sympy.Expr:
    return sigmoid(symbol("x") * symbol("w") + symbol("b"))


def test_symbolic_derivation_without_values(cli) -> None:
    status, out, err = cli(["derive", SIGMOID, "--format", "json"])
    assert status == 0 and err == ""
    d = json.loads(out)
    assert d["output"] is None
    assert d["gradients"] == {"x": None, "w": None, "b": None}
    assert all(n["value"] is None for n in d["nodes"])
    assert set(d["chains"]) == {"x", "w", "b"}
    for paths in d["chains"].values():
        for path in paths:
            assert len(path["factors"]) == len(path["derivatives"]) == len(path["values"]) > 0
            assert all(isinstance(s, str) and s for s in path["derivatives"])
            assert path["value"] is None
            assert path["values"][0] is None  # σ′ of an unknown argument
    assert set(d["gradient_latex"]) == set(d["gradient_infix"]) == {"x", "w", "b"}
    f = sigmoid_oracle()
    rng = random.Random(7)
    for _ in range(3):
        p = {k: rng.uniform(-2, 2) for k in ("x", "w", "b")}
        for k in p:
            want = plain(sympy.diff(f, symbol(k)), p)
            assert close(parse_back(d["gradient_infix"][k], p), want), k


def test_symbolic_derivation_with_some_values() -> None:
    x = 2.0
    d = symbackprop.derive("sigmoid(x*w+b) * exp(x)", at={"x": x}).to_dict()
    assert d["output"] is None and d["gradients"] == {"x": None, "w": None, "b": None}
    # each node's value and gradient: a number where it depends on x alone, else null
    e = math.exp(x)
    expected = {
        "mul(x, w)": (None, None),
        "sum(mul(x, w), b)": (None, None),
        "sigmoid(sum(mul(x, w), b))": (None, e),  # ∂y/∂σ = exp(x)
        "exp(x)": (e, None),  # ∂y/∂exp = σ(xw + b)
        "mul(sigmoid(sum(mul(x, w), b)), exp(x))": (None, 1.0),
    }
    got = {n["name"]: (n["value"], n["gradient"]) for n in d["nodes"]}
    assert got.keys() == expected.keys()
    for name, (value, gradient) in expected.items():
        for ours, want in zip(got[name], (value, gradient)):
            assert (ours is None) if want is None else close(ours, want), (name, got[name])
    (w_path,) = d["chains"]["w"]
    assert w_path["values"][-1] == x  # ∂(xw)/∂w = x is known
    assert w_path["value"] is None


def test_symbolic_quantities_of_the_known_leaves_are_numbers() -> None:
    d = symbackprop.derive("y = x*x + w", at={"x": 2.0}).to_dict()
    assert d["output"] is None
    assert d["gradients"] == {"x": 2 * 2.0, "w": 1.0}  # 2x and 1 need no value of w
    assert d["values"].get("w") is None


def test_symbolic_update_is_no_number() -> None:
    d = symbackprop.derive(SIGMOID, lr=0.1, update=["w"]).to_dict()
    assert d["step"]["lr"] == 0.1
    assert d["step"]["values"] == {"w": None} and d["step"]["output"] is None
    latex = symbackprop.derive(SIGMOID, lr=0.1, update=["w"]).latex()
    assert re.search(r"w &\\leftarrow w - 0\.1 \\cdot \\frac\{\\partial y\}\{\\partial w\}", latex), latex
    partial = symbackprop.derive("y = x*x + w", at={"x": 2.0}, lr=0.1, update=["x", "w"]).to_dict()
    assert partial["step"]["values"]["x"] == pytest.approx(2.0 - 0.1 * 2 * 2.0, rel=1e-12)
    assert partial["step"]["values"]["w"] is None and partial["step"]["output"] is None


def test_symbolic_update_in_text(cli) -> None:
    status, out, err = cli(["derive", SIGMOID, "--lr", "0.1", "--update", "w"])
    assert status == 0, err
    update = out.split("\nUpdate", 1)[1].splitlines()[1:]
    assert update and all(line.partition(":")[2].strip() for line in update), update
    assert any("w" in line.partition(":")[2] for line in update), update
    assert not re.search(rf"w\s*=\s*{NUMBER}", "\n".join(update))


# --- many paths: the listing is bounded, the node-by-node pass is not ----------------------------


def test_too_many_paths_are_not_listed_and_the_backward_pass_still_gives_the_gradient(cli) -> None:
    """a_k = a_{k-1}^2 twenty times: 2^20 paths to x; y = x^(2^20), dy/dx = 2^20 x^(2^20 - 1)."""
    program = "; ".join(["a1 = x*x", *(f"a{k} = a{k - 1}*a{k - 1}" for k in range(2, 21))])
    status, out, err = cli(["derive", program, "--at", "x=1.00001", "--format", "json"])
    assert status == 0
    data = json.loads(out)
    expected = 2**20 * 1.00001 ** (2**20 - 1)
    assert math.isclose(data["gradients"]["x"], expected, rel_tol=1e-9)
    assert data["chains"] == {} and data["gradient_infix"] == {}
    message = (
        "the chains of x have 1048576 paths, more than --max-paths allows (10000): they are not "
        "written out; the node-by-node backward pass gives every gradient"
    )
    assert data["warnings"] == [message]
    assert err == f"symbackprop: warning: {message}\n"
    status, out, _ = cli(["derive", program, "--at", "x=1.00001", "--format", "text"])
    assert status == 0 and "da20_da1 = da20_da1_a2_1 + da20_da1_a2_2 =" in re.sub(" +", " ", out)
    assert len(out) < 20_000  # each shared step written once, not 2^20 leaves inlined


def test_a_step_used_twice_by_one_operation_has_a_share_per_argument(cli) -> None:
    status, out, _ = cli(["derive", "a1 = x*x; a2 = a1*a1; y = a2 + a1", "--at", "x=1.5", "--format", "text"])
    assert status == 0
    shares = [line.split("=")[0].strip() for line in out.splitlines() if line.strip().startswith("dy_da1")]
    assert shares == ["dy_da1_a2_1", "dy_da1_a2_2", "dy_da1_y", "dy_da1"]
    status, out, _ = cli(
        ["derive", "a1 = x*x; a2 = a1*a1; y = a2 + a1", "--at", "x=1.5", "--format", "latex"]
    )
    assert r"\text{via } a_{2}\text{, argument } 1" in out and r"\text{via } a_{2}\text{, argument } 2" in out
    status, out, _ = cli(
        ["derive", "a1 = x*x; a2 = a1*a1; y = a2 + a1", "--at", "x=1.5", "--format", "python"]
    )
    run = subprocess.run([sys.executable, "-c", out], capture_output=True, text=True, check=True)
    # y = x^4 + x^2: dy/dx = 4 x^3 + 2 x = 16.5 at 1.5, printed by the program's last gradients line
    assert "16.5" in run.stdout.split()

"""Gradients against independent oracles: ``sympy.diff`` on plain SymPy, and central finite differences.

No expected value comes from our own output.  The plain SymPy expressions are built without
``symbackprop.ops`` (ReLU as ``Piecewise``, sigmoid as ``1/(1+exp(-z))``, as the contract's
"Oracles in tests" asks), the finite differences use plain-Python floats, and the only
hand-derived numbers are the kink conventions the contract fixes (as PyTorch has them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
import sympy
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import symbackprop
from symbackprop.api import derive, neuron

SETTINGS = settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])

# --- tolerances -----------------------------------------------------------------------------------

ORACLE_REL = 1e-9  # float64 against sympy's exact derivative, evaluated at 50 digits
ROUNDING = 1e-12  # times the scale of the terms summed: the absolute rounding floor of float64 work
FD_REL = 1e-5  # central differences against the exact value
FD_STEP = 1e-6  # relative step: truncation O(h²) and rounding O(ε/h) both stay far below FD_REL
TINY = 1e-290  # differences below this are near the subnormal range, where float64 has no precision left


def exact(value: float) -> sympy.Rational:
    """A float as the exact rational it is, so the oracle sees the very point we evaluated."""
    return sympy.Rational(value)


def oracle_value(expr: sympy.Expr, point: Mapping[sympy.Symbol, float]) -> float:
    """``expr`` at ``point``, substituted exactly and evaluated at 50 digits, then rounded to a float."""
    value = expr.subs({s: exact(v) for s, v in point.items()}).evalf(50)
    assert value.is_real and value.is_finite, f"the oracle is not a finite real here: {value}"
    return float(value)


def path_scale(result: Any, name: str) -> float:
    """Σ over the paths to ``name`` of |dvalue| · Π max(1, |factor|): how large the summed terms can be.

    A floating-point sum of products is off by a few ε times this (more than the size of the result
    when terms cancel, or when a factor such as 1 - tanh² rounds to 0 from values near 1).
    """
    chains = result.to_dict()
    total = 0.0
    for path in chains["chains"][name]:
        term = abs(chains["dvalue"])
        for v in path["values"]:
            term *= max(1.0, abs(v))
        total += term
    return total


def assert_matches_oracle(ours: float, oracle: float, scale: float, what: str) -> None:
    assert math.isclose(ours, oracle, rel_tol=ORACLE_REL, abs_tol=ROUNDING * scale + TINY), (
        f"{what}: ours {ours!r}, sympy.diff {oracle!r}"
    )


def central_difference(f: Callable[[dict[str, float]], float], point: dict[str, float], name: str) -> float:
    h = FD_STEP * max(1.0, abs(point[name]))
    up, down = dict(point), dict(point)
    up[name] += h
    down[name] -= h
    return (f(up) - f(down)) / (up[name] - down[name])  # the step as represented, not as intended


def assert_matches_fd(ours: float, fd: float, magnitude: float, what: str) -> None:
    """Finite differences are good to FD_REL, plus rounding of about ε·magnitude/h from the values."""
    assert math.isclose(ours, fd, rel_tol=FD_REL, abs_tol=1e-8 * magnitude + TINY), (
        f"{what}: ours {ours!r}, finite differences {fd!r}"
    )


class Undefined(Exception):
    """The function is not defined at this point (log of a negative number, division by zero ...)."""


class Unsuitable(Exception):
    """Defined, but too near a singularity, kink or tie, or too large, for the oracles to be trusted."""


def finite_floats(bound: float) -> st.SearchStrategy[float]:
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False)


# --- a. random neurons ---------------------------------------------------------------------------


def plain_sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


# activation -> (plain SymPy, plain Python float); the SymPy forms are the contract's.
NEURON_ACTIVATIONS: dict[str, tuple[Callable[[sympy.Expr], sympy.Expr], Callable[[float], float]]] = {
    "relu": (lambda z: sympy.Piecewise((z, z > 0), (0, True)), lambda z: max(z, 0.0)),
    "sigmoid": (lambda z: 1 / (1 + sympy.exp(-z)), plain_sigmoid),
    "tanh": (sympy.tanh, math.tanh),
    "linear": (lambda z: z, lambda z: z),
}


@st.composite
def neurons(draw: st.DrawFn) -> tuple[list[float], list[float], float, str, float]:
    n = draw(st.integers(1, 6))
    x = draw(st.lists(finite_floats(10), min_size=n, max_size=n))
    w = draw(st.lists(finite_floats(10), min_size=n, max_size=n))
    return (
        x,
        w,
        draw(finite_floats(10)),
        draw(st.sampled_from(sorted(NEURON_ACTIVATIONS))),
        draw(finite_floats(5)),
    )


@SETTINGS
@given(neurons())
def test_neuron_gradients_match_sympy_diff_and_finite_differences(
    case: tuple[list[float], list[float], float, str, float],
) -> None:
    x, w, b, activation, dvalue = case
    n = len(x)
    symbolic_act, float_act = NEURON_ACTIVATIONS[activation]
    z_value = math.fsum(xi * wi for xi, wi in zip(x, w)) + b
    if activation == "relu":
        assume(abs(z_value) > 1e-6)  # away from the kink (the convention there is tested below)

    xs, ws, bs = sympy.symbols(f"x0:{n}"), sympy.symbols(f"w0:{n}"), sympy.Symbol("b")
    plain = symbolic_act(sum((xi * wi for xi, wi in zip(xs, ws)), sympy.Integer(0)) + bs)
    point = {**dict(zip(xs, x)), **dict(zip(ws, w)), bs: b}
    values = {s.name: v for s, v in point.items()}

    def pre_activation(v: Mapping[str, float]) -> float:
        return sum(v[f"x{i}"] * v[f"w{i}"] for i in range(n)) + v["b"]

    def f(v: dict[str, float]) -> float:
        z = pre_activation(v)
        if activation == "relu" and (z > 0) != (z_value > 0):
            raise Unsuitable("the step crossed the kink")
        return dvalue * float_act(z)

    result = neuron(x, w, b, activation=activation, dvalue=dvalue)
    assert set(result.gradients) == set(values)
    assert_matches_oracle(result.output, oracle_value(plain, point), max(1.0, abs(z_value)), "output")
    # the largest value the plain evaluation adds up, for the rounding floors
    scale = max([1.0, abs(b), *(abs(xi * wi) for xi, wi in zip(x, w))])
    magnitude = abs(dvalue) * scale
    oracle_gradients: dict[str, float] = {}
    for symbol in point:
        name = symbol.name
        ours = result.gradients[name]
        oracle_gradients[name] = dvalue * oracle_value(sympy.diff(plain, symbol), point)
        assert_matches_oracle(ours, oracle_gradients[name], path_scale(result, name), f"∂/∂{name}")
        try:
            fd = central_difference(f, values, name)
        except Unsuitable:
            continue  # a step of h crosses the ReLU kink: no finite difference for this one
        assert_matches_fd(ours, fd, magnitude, f"∂/∂{name}")

    # The step: p += -lr·∂p on the weights and the bias only (never the inputs), then the forward pass.
    step = result.to_dict()["step"]
    assert set(step["values"]) == {f"w{i}" for i in range(n)} | {"b"}
    updated = dict(values)
    for name, new in step["values"].items():
        updated[name] = values[name] + -0.001 * oracle_gradients[name]
        assert math.isclose(new, updated[name], rel_tol=1e-9, abs_tol=ROUNDING * magnitude)
    assert math.isclose(
        step["output"], float_act(pre_activation(updated)), rel_tol=1e-9, abs_tol=ROUNDING * scale
    )


# --- b. random expressions ------------------------------------------------------------------------
#
# One random structure (a small tree) gives both the infix text for ``derive`` and a plain SymPy
# expression for the oracle, plus a plain-Python float evaluation for finite differences and to
# decide where the expression is defined.

VARIABLES = ("x", "y", "w0", "b")
CONSTANTS = (0, 1, 2, 3, 0.5, 1.5)
UNARY = ("neg", "relu", "sigmoid", "tanh", "exp", "log", "sqrt", "abs")
BINARY = ("sub", "div", "max", "min")
NARY = ("add", "mul")  # two or three terms, written as one chain: a + b + c is one sum
EXPONENTS = (-2, -1, 0, 1, 2, 3)

DOMAIN_MARGIN = 1e-3  # log and sqrt arguments, denominators and bases of negative powers: this far from 0
KINK_MARGIN = 1e-6  # relu and abs arguments, and max/min ties: this far from the kink
LARGE = 1e6  # larger intermediate values are not compared (finite differences lose their precision)


@dataclass(frozen=True)
class Tree:
    """A random expression: ``op`` is "var", "const", "pow" (``leaf`` is the exponent) or an op name."""

    op: str
    args: tuple[Tree, ...] = ()
    leaf: str | float = ""
    spelling: str = ""  # how "pow" is written: "**" or "^"


def to_infix(t: Tree) -> str:
    """The text a user would type, fully parenthesised except for the flat chains of ``+`` and ``*``."""
    if t.op == "var":
        return str(t.leaf)
    if t.op == "const":
        return repr(t.leaf)
    args = [to_infix(a) for a in t.args]
    if t.op == "add":
        return "(" + " + ".join(args) + ")"
    if t.op == "mul":
        return "(" + " * ".join(args) + ")"
    if t.op == "sub":
        return f"({args[0]} - {args[1]})"
    if t.op == "div":
        return f"({args[0]} / {args[1]})"
    if t.op == "neg":
        return f"(-{args[0]})"
    if t.op == "pow":
        return f"({args[0]} {t.spelling} {t.leaf})"
    return f"{t.op}({', '.join(args)})"


def to_sympy(t: Tree) -> sympy.Expr:
    """The same function as plain SymPy, without any of our operations (the contract's oracle rule)."""
    if t.op == "var":
        return sympy.Symbol(str(t.leaf), real=True)
    if t.op == "const":
        return sympy.Rational(t.leaf)  # type: ignore[arg-type]
    a = [to_sympy(arg) for arg in t.args]
    plain: dict[str, Callable[[], sympy.Expr]] = {
        "add": lambda: sympy.Add(*a),
        "mul": lambda: sympy.Mul(*a),
        "sub": lambda: a[0] - a[1],
        "div": lambda: a[0] / a[1],
        "neg": lambda: -a[0],
        "pow": lambda: a[0] ** sympy.Integer(t.leaf),  # type: ignore[arg-type]
        "relu": lambda: sympy.Piecewise((a[0], a[0] > 0), (0, True)),
        "sigmoid": lambda: 1 / (1 + sympy.exp(-a[0])),
        "tanh": lambda: sympy.tanh(a[0]),
        "exp": lambda: sympy.exp(a[0]),
        "log": lambda: sympy.log(a[0]),
        "sqrt": lambda: sympy.sqrt(a[0]),
        "abs": lambda: sympy.Abs(a[0]),
        "max": lambda: sympy.Max(*a),
        "min": lambda: sympy.Min(*a),
    }
    return plain[t.op]()


def variables(t: Tree) -> list[str]:
    if t.op == "var":
        return [str(t.leaf)]
    return sorted({name for a in t.args for name in variables(a)})


@dataclass
class Trace:
    """What a plain evaluation saw: the side of every kink taken and the largest value on the way."""

    branches: list[bool] = field(default_factory=list)
    peak: float = 1.0
    powers: list[tuple[float, int]] = field(default_factory=list)  # (base, exponent) of every power


def plain_value(t: Tree, env: Mapping[str, float], trace: Trace) -> float:
    """The function in plain-Python floats, refusing points where it is undefined or unsuitable."""
    if t.op == "var":
        return env[str(t.leaf)]
    if t.op == "const":
        return float(t.leaf)
    a = [plain_value(arg, env, trace) for arg in t.args]
    branches = trace.branches
    op = t.op
    if op in ("relu", "abs"):
        if abs(a[0]) <= KINK_MARGIN:
            raise Unsuitable(op)
        branches.append(a[0] > 0)
    if op in ("max", "min"):
        if abs(a[0] - a[1]) <= KINK_MARGIN * max(1.0, abs(a[0]), abs(a[1])):
            raise Unsuitable(op)
        branches.append(a[0] > a[1])
    if op == "div" or (op == "pow" and float(t.leaf) < 0):
        denominator = a[1] if op == "div" else a[0]
        if denominator == 0:
            raise Undefined(op)
        if abs(denominator) < DOMAIN_MARGIN:
            raise Unsuitable(op)
    if op == "pow":
        trace.powers.append((a[0], int(t.leaf)))  # type: ignore[arg-type]
    if op in ("log", "sqrt"):
        if a[0] <= -DOMAIN_MARGIN or (op == "log" and a[0] == 0):
            raise Undefined(op)
        if a[0] < DOMAIN_MARGIN:
            raise Unsuitable(op)
    try:
        value = {
            "add": lambda: sum(a[1:], a[0]),  # left to right, as written
            "mul": lambda: math.prod(a),
            "sub": lambda: a[0] - a[1],
            "div": lambda: a[0] / a[1],
            "neg": lambda: -a[0],
            "pow": lambda: a[0] ** int(t.leaf),  # type: ignore[arg-type]
            "relu": lambda: max(a[0], 0.0),
            "sigmoid": lambda: plain_sigmoid(a[0]),
            "tanh": lambda: math.tanh(a[0]),
            "exp": lambda: math.exp(a[0]),
            "log": lambda: math.log(a[0]),
            "sqrt": lambda: math.sqrt(a[0]),
            "abs": lambda: abs(a[0]),
            "max": lambda: max(a),
            "min": lambda: min(a),
        }[op]()
    except OverflowError:
        raise Unsuitable("overflow") from None
    if not abs(value) <= LARGE:
        raise Unsuitable("large")
    trace.peak = max(trace.peak, abs(value))
    return float(value)


def extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    return st.one_of(
        st.builds(lambda op, a: Tree(op, (a,)), st.sampled_from(UNARY), children),
        st.builds(lambda op, a, b: Tree(op, (a, b)), st.sampled_from(BINARY), children, children),
        st.builds(
            lambda op, a: Tree(op, tuple(a)),
            st.sampled_from(NARY),
            st.lists(children, min_size=2, max_size=3),
        ),
        st.builds(
            lambda a, k, s: Tree("pow", (a,), k, s),
            children,
            st.sampled_from(EXPONENTS),
            st.sampled_from(["**", "^"]),
        ),
    )


trees = st.recursive(
    st.one_of(
        st.sampled_from(VARIABLES).map(lambda name: Tree("var", leaf=name)),
        st.sampled_from(CONSTANTS).map(lambda c: Tree("const", leaf=c)),
    ),
    extend,
    max_leaves=8,
)


@st.composite
def expressions(draw: st.DrawFn) -> tuple[Tree, dict[str, float], float]:
    tree = draw(trees.filter(lambda t: t.op not in ("var", "const") and bool(variables(t))))
    values = st.one_of(st.sampled_from([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0]), finite_floats(4))
    at = {name: draw(values) for name in variables(tree)}
    return tree, at, draw(finite_floats(5))


def occurrences(t: Tree, name: str) -> int:
    if t.op == "var":
        return int(t.leaf == name)
    return sum(occurrences(a, name) for a in t.args)


def check_against_oracles(tree: Tree, at: dict[str, float], dvalue: float) -> None:
    """``derive`` on the tree's text: output, every gradient and every chain, against the oracles."""
    text = to_infix(tree)
    trace = Trace()
    try:
        plain_value(tree, at, trace)
    except Undefined:
        # Ill-defined by the plain evaluation: we must refuse it too, as an evaluation error (exit 1).
        with pytest.raises(symbackprop.EvaluationError) as refused:
            derive(text, at=at, dvalue=dvalue)
        assert refused.value.exit_status == 1
        event("undefined: refused")
        return
    except Unsuitable as why:
        event(f"not compared: {why}")
        assume(False)

    def f(env: dict[str, float]) -> float:
        seen = Trace()
        out = plain_value(tree, env, seen)
        if seen.branches != trace.branches:
            raise Unsuitable("the step crossed a kink")
        return dvalue * out

    plain = to_sympy(tree)
    point = {sympy.Symbol(name, real=True): v for name, v in at.items()}
    result = derive(text, at=at, dvalue=dvalue)
    data = result.to_dict()
    assert set(result.gradients) == set(at) == set(data["chains"])
    event("compared")
    assert_matches_oracle(result.output, oracle_value(plain, point), trace.peak, f"{text}")
    for symbol in point:
        name = symbol.name
        ours = result.gradients[name]
        oracle = dvalue * oracle_value(sympy.diff(plain, symbol), point)
        assert_matches_oracle(ours, oracle, path_scale(result, name), f"{text}: ∂/∂{name}")
        try:
            fd = central_difference(f, at, name)
        except (Undefined, Unsuitable):
            fd = None  # a step of h leaves the domain or crosses a kink: no finite difference here
        if fd is not None:
            assert_matches_fd(ours, fd, abs(dvalue) * trace.peak, f"{text}: ∂/∂{name}")
        # d. one path per occurrence of the leaf, each dvalue · Π factors, summing to the gradient
        paths = data["chains"][name]
        assert len(paths) == occurrences(tree, name)
        for path in paths:
            assert len(path["factors"]) == len(path["derivatives"]) == len(path["values"])
            assert math.isclose(
                path["value"], math.prod(path["values"]), rel_tol=1e-12
            )  # the contract: dvalue leads when not 1
        assert math.isclose(ours, sum(p["value"] for p in paths), rel_tol=1e-12, abs_tol=TINY)


@settings(SETTINGS, max_examples=100)
@given(expressions())
def test_expression_gradients_match_sympy_diff_and_finite_differences(
    case: tuple[Tree, dict[str, float], float],
) -> None:
    check_against_oracles(*case)


X, Y = Tree("var", leaf="x"), Tree("var", leaf="y")
ONE_OPERATION = [
    *(Tree(op, (X,)) for op in UNARY),
    *(Tree(op, (X, Y)) for op in BINARY + NARY),
    *(Tree(op, (X, Y, X)) for op in NARY),
    *(Tree("pow", (X,), k, "**") for k in EXPONENTS),
    Tree("pow", (X,), 2, "^"),
]


@pytest.mark.parametrize("tree", ONE_OPERATION, ids=to_infix)
@settings(SETTINGS, max_examples=15)
@given(x=finite_floats(4), y=finite_floats(4), dvalue=finite_floats(5))
def test_each_operation_matches_sympy_diff(tree: Tree, x: float, y: float, dvalue: float) -> None:
    """Every local rule on its own, so a wrong one cannot hide in how rarely the random trees use it."""
    at = {"x": x, "y": y} if "y" in variables(tree) else {"x": x}
    check_against_oracles(tree, at, dvalue)


# --- c. conventions at kinks ----------------------------------------------------------------------
#
# The contract fixes these as PyTorch has them: ReLU'(0) = 0 (the chapter's 1(z > 0)), abs'(0) = 0
# (sign(0) = 0) and a tie in max/min of two expressions splits the gradient equally.  The expected
# values below are derived by hand from those rules; they are the only hand-typed gradients here.

KINK_CASES = [
    # (expression, at, dvalue, expected gradients)
    ("relu(x)", {"x": 0.0}, 1.0, {"x": 0.0}),
    ("relu(x - y)", {"x": 2.0, "y": 2.0}, 1.0, {"x": 0.0, "y": 0.0}),
    ("max(x, 0)", {"x": 0.0}, 1.0, {"x": 0.0}),  # max(z, 0) is ReLU(z): not a tie split
    ("max(0, x)", {"x": 0.0}, 1.0, {"x": 0.0}),
    ("abs(x)", {"x": 0.0}, 1.0, {"x": 0.0}),
    ("abs(x - y)", {"x": 1.5, "y": 1.5}, 3.0, {"x": 0.0, "y": 0.0}),
    ("max(x, y)", {"x": 1.5, "y": 1.5}, 1.0, {"x": 0.5, "y": 0.5}),
    ("min(x, y)", {"x": -2.0, "y": -2.0}, 1.0, {"x": 0.5, "y": 0.5}),
    ("max(x, y)", {"x": 1.0, "y": 1.0}, 4.0, {"x": 2.0, "y": 2.0}),
    ("max(2*x, y)", {"x": 1.0, "y": 2.0}, 1.0, {"x": 1.0, "y": 0.5}),  # ½ · ∂(2x)/∂x = 1
    ("min(x*y, 3)", {"x": 1.0, "y": 3.0}, 1.0, {"x": 1.5, "y": 0.5}),  # ½ · y and ½ · x
    ("max(x, x)", {"x": 2.0}, 1.0, {"x": 1.0}),  # two paths of ½: the true derivative, 1
]


@pytest.mark.parametrize(("text", "at", "dvalue", "expected"), KINK_CASES, ids=[c[0] for c in KINK_CASES])
def test_kink_conventions(text: str, at: dict[str, float], dvalue: float, expected: dict[str, float]) -> None:
    result = derive(text, at=at, dvalue=dvalue)
    assert result.gradients == expected


def test_max_tie_shows_the_half_as_the_factor() -> None:
    (path,) = derive("max(x, y)", at={"x": 1.0, "y": 1.0}).chain("x")
    assert path["values"] == [0.5]
    assert path["value"] == 0.5


@pytest.mark.parametrize(
    ("x", "w", "b"), [([0.0], [1.0], 0.0), ([1.0, 2.0], [1.0, -0.5], 0.0), ([3.0], [1.0], -3.0)]
)
def test_relu_neuron_at_the_kink_has_zero_gradient(x: list[float], w: list[float], b: float) -> None:
    """z = 0 exactly: the chapter's drelu_dz = dvalue · (1. if z > 0 else 0.) is 0, and so is every gradient."""
    result = neuron(x, w, b)
    assert result.output == 0.0
    assert set(result.gradients.values()) == {0.0}
    (path,) = result.chain("b")
    assert path["values"][0] == 0.0


# --- d. chains ------------------------------------------------------------------------------------


S = sympy.Symbol  # plain SymPy symbols for the hand-built oracle expressions below
REUSE_CASES = [
    # (text, values, the same function in plain SymPy, paths per leaf)
    ("x*x", {"x": 3.0}, S("x") * S("x"), {"x": 2}),
    ("x*y + x", {"x": 2.0, "y": -1.5}, S("x") * S("y") + S("x"), {"x": 2, "y": 1}),
    (
        "sigmoid(x*w + b) * x",
        {"x": 0.5, "w": -2.0, "b": 0.25},
        S("x") / (1 + sympy.exp(-(S("x") * S("w") + S("b")))),
        {"x": 2, "w": 1, "b": 1},
    ),
]


@pytest.mark.parametrize(("text", "at", "plain", "counts"), REUSE_CASES, ids=[c[0] for c in REUSE_CASES])
def test_leaf_used_twice_has_one_path_per_use(
    text: str, at: dict[str, float], plain: sympy.Expr, counts: dict[str, int]
) -> None:
    dvalue = -2.5
    result = derive(text, at=at, dvalue=dvalue)
    point = {S(name): v for name, v in at.items()}
    for name, count in counts.items():
        paths = result.chain(name)
        assert len(paths) == count
        for path in paths:
            assert path["factors"] and len(path["factors"]) == len(path["derivatives"]) == len(path["values"])
            assert math.isclose(
                path["value"], math.prod(path["values"]), rel_tol=1e-12
            )  # the contract: dvalue leads when not 1
        assert result.gradients[name] == sum(p["value"] for p in paths)
        oracle = dvalue * oracle_value(sympy.diff(plain, S(name)), point)
        assert math.isclose(result.gradients[name], oracle, rel_tol=ORACLE_REL)


def test_wrt_limits_the_chains_but_not_the_gradients() -> None:
    at = {"x": 2.0, "y": -1.5}
    everything = derive("x*y + x", at=at)
    limited = derive("x*y + x", at=at, wrt=["x"])
    assert set(limited.to_dict()["chains"]) == {"x"}
    assert limited.gradients == everything.gradients
    assert set(limited.gradients) == {"x", "y"}
    with pytest.raises(symbackprop.InputError):
        limited.chain("y")


def test_wrt_on_a_neuron() -> None:
    result = neuron(wrt=["w0", "b"])
    assert set(result.to_dict()["chains"]) == {"w0", "b"}
    assert set(result.gradients) == {"x0", "x1", "x2", "w0", "w1", "w2", "b"}


def test_derive_update_step_moves_only_the_named_leaves() -> None:
    at = {"x": 1.5, "w": -0.5, "b": 0.25}
    result = derive("tanh(x*w + b)", at=at, lr=0.1, update=["w", "b"])
    step = result.to_dict()["step"]
    assert step["lr"] == 0.1
    assert set(step["values"]) == {"w", "b"}
    plain = sympy.tanh(S("x") * S("w") + S("b"))
    point = {S(name): v for name, v in at.items()}
    new = dict(at)
    for name in ("w", "b"):
        new[name] = at[name] + -0.1 * oracle_value(sympy.diff(plain, S(name)), point)
        assert math.isclose(step["values"][name], new[name], rel_tol=1e-12)
    assert math.isclose(step["output"], math.tanh(new["x"] * new["w"] + new["b"]), rel_tol=1e-12)


# --- e. errors through the API --------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"x": [1.0, 2.0], "w": [1.0]},  # lists of different lengths
        {"x": [1.0], "w": [1.0, 2.0, 3.0]},
        {"x": [math.nan, 1.0, 2.0]},
        {"w": [1.0, math.inf, 2.0]},
        {"b": -math.inf},
        {"b": math.nan},
        {"dvalue": math.nan},
        {"lr": math.inf},
        {"wrt": ["q"]},  # an unknown name
        {"activation": "mish"},
    ],
    ids=repr,
)
def test_neuron_input_errors(kwargs: dict[str, Any]) -> None:
    with pytest.raises(symbackprop.InputError) as err:
        neuron(**kwargs)
    assert err.value.exit_status == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"at": {"x": math.nan, "y": 1.0}},
        {"at": {"x": math.inf, "y": 1.0}},
        {"at": {"x": 1.0, "y": 1.0, "z": 1.0}},  # a name the expression does not have
        {"at": {"x": 1.0, "y": 1.0}, "wrt": ["z"]},
        {"at": {"x": 1.0, "y": 1.0}, "lr": 0.1},  # --lr without --update
        {"at": {"x": 1.0, "y": 1.0}, "update": ["x"]},  # --update without --lr
        {"at": {"x": 1.0, "y": 1.0}, "dvalue": math.inf},
    ],
    ids=repr,
)
def test_derive_input_errors(kwargs: dict[str, Any]) -> None:
    with pytest.raises(symbackprop.InputError) as err:
        derive("x*y", **kwargs)
    assert err.value.exit_status == 2


@pytest.mark.parametrize(
    ("text", "at", "named"),
    [
        ("log(x)", {"x": 0.0}, "log(x)"),
        ("log(x) + y", {"x": -1.0, "y": 1.0}, "log(x)"),
        ("x/(y-y)", {"x": 1.0, "y": 2.0}, "y - y"),
        ("sqrt(x - 3)", {"x": 1.0}, "x - 3"),
        ("exp(exp(x))", {"x": 10.0}, "exp(exp(x))"),  # overflows: a non-finite intermediate
    ],
)
def test_evaluation_errors_name_the_sub_expression(text: str, at: dict[str, float], named: str) -> None:
    with pytest.raises(symbackprop.EvaluationError) as err:
        derive(text, at=at)
    assert err.value.exit_status == 1
    assert named in str(err.value)
    assert "\n" not in str(err.value)


# --- powers at the edge of their domain (both found by the random tests above) ----------------


@pytest.mark.parametrize(("text", "x"), [("x**2", -1.0), ("x**2", 0.0), ("x**3", -2.0), ("x**-1", -2.0)])
def test_power_of_a_non_positive_base(text: str, x: float) -> None:
    """The literal exponent gets no derivative: a^k·log(a) would fail for a <= 0 though nothing needs it."""
    k = int(text.split("**")[1])
    oracle = oracle_value(sympy.diff(S("x") ** k, S("x")), {S("x"): x})
    assert derive(text, at={"x": x}).gradients == {"x": oracle}


@pytest.mark.parametrize("x", [1e-310, 0.0])
def test_zeroth_power_near_zero(x: float) -> None:
    assert derive("x**0", at={"x": x}).gradients == {"x": 0.0}

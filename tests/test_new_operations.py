"""The operations issue 11 added, end to end through ``derive`` (issue 11's tests): every gradient against
a plain rewrite in Python's ``math`` (central finite differences), against ``sympy.diff`` of a plain SymPy
rewrite, and against PyTorch's autograd where it is installed; at each kink, PyTorch's convention, which is
a one-sided difference (ReLU, leaky ReLU, ELU: the left side) or the central one (abs, a tie in max).

None of the oracles reads the rule table: each function is written here again, the way its definition
states it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sympy

import symbackprop

H = 1e-6


@dataclass(frozen=True)
class Case:
    """One operation applied to ``x*w + b``: the infix, the function on floats, on SymPy, in PyTorch."""

    infix: str  # with {} for the argument
    f: Callable[[float], float]
    plain: Callable[[sympy.Expr], sympy.Expr]
    torch: Callable[..., object] | None  # (torch, tensor) -> tensor
    positive: bool = False  # defined for positive arguments only (the logs)


def _pw(then: sympy.Expr, otherwise: sympy.Expr, z: sympy.Expr) -> sympy.Expr:
    return sympy.Piecewise((then, z > 0), (otherwise, True))


SQ2PI = math.sqrt(2 / math.pi)

CASES = {
    "softplus": Case(
        "softplus({})",
        lambda z: math.log1p(math.exp(z)),
        lambda z: sympy.log(1 + sympy.exp(z)),
        lambda t, z: t.nn.functional.softplus(z),
    ),
    "leaky_relu": Case(
        "leaky_relu({})",
        lambda z: z if z > 0 else 0.01 * z,
        lambda z: _pw(z, sympy.Rational(1, 100) * z, z),
        lambda t, z: t.nn.functional.leaky_relu(z, 0.01),
    ),
    "leaky_relu slope": Case(
        "LeakyReLU({}, 0.2)",
        lambda z: z if z > 0 else 0.2 * z,
        lambda z: _pw(z, sympy.Rational(1, 5) * z, z),
        lambda t, z: t.nn.functional.leaky_relu(z, 0.2),
    ),
    "elu": Case(
        "elu({})",
        lambda z: z if z > 0 else math.exp(z) - 1,
        lambda z: _pw(z, sympy.exp(z) - 1, z),
        lambda t, z: t.nn.functional.elu(z),
    ),
    "elu alpha": Case(
        "ELU({}, 0.5)",
        lambda z: z if z > 0 else 0.5 * (math.exp(z) - 1),
        lambda z: _pw(z, sympy.Rational(1, 2) * (sympy.exp(z) - 1), z),
        lambda t, z: t.nn.functional.elu(z, alpha=0.5),
    ),
    "gelu": Case(
        "gelu({})",
        lambda z: z * (1 + math.erf(z / math.sqrt(2))) / 2,
        lambda z: z * (1 + sympy.erf(z / sympy.sqrt(2))) / 2,
        lambda t, z: t.nn.functional.gelu(z),
    ),
    "gelu_tanh": Case(
        "GELU_tanh({})",
        lambda z: z * (1 + math.tanh(SQ2PI * (z + 0.044715 * z**3))) / 2,
        lambda z: z * (1 + sympy.tanh(sympy.sqrt(2 / sympy.pi) * (z + sympy.Float("0.044715") * z**3))) / 2,
        lambda t, z: t.nn.functional.gelu(z, approximate="tanh"),
    ),
    "silu": Case(
        "silu({})",
        lambda z: z / (1 + math.exp(-z)),
        lambda z: z / (1 + sympy.exp(-z)),
        lambda t, z: t.nn.functional.silu(z),
    ),
    "swish": Case(
        "Swish({})",
        lambda z: z / (1 + math.exp(-z)),
        lambda z: z / (1 + sympy.exp(-z)),
        lambda t, z: z * t.sigmoid(z),
    ),
    "log2": Case("log2({})", math.log2, lambda z: sympy.log(z, 2), lambda t, z: t.log2(z), positive=True),
    "log10": Case(
        "log10({})", math.log10, lambda z: sympy.log(z, 10), lambda t, z: t.log10(z), positive=True
    ),
    "sin": Case("sin({})", math.sin, sympy.sin, lambda t, z: t.sin(z)),
    "cos": Case("cos({})", math.cos, sympy.cos, lambda t, z: t.cos(z)),
}


def points(case: Case, seed: int) -> list[dict[str, float]]:
    """Points (x, w, b) away from every kink: z = x*w + b not within 0.1 of 0 (positive for a log)."""
    rng = random.Random(seed)
    out = []
    while len(out) < 4:
        p = {"x": rng.uniform(-2, 2), "w": rng.uniform(-2, 2), "b": rng.uniform(-1, 1)}
        z = p["x"] * p["w"] + p["b"]
        if abs(z) > 0.1 and (z > 0.1 or not case.positive):
            out.append(p)
    return out


def central(g: Callable[[dict[str, float]], float], p: dict[str, float], leaf: str) -> float:
    up, down = dict(p), dict(p)
    up[leaf] += H
    down[leaf] -= H
    return (g(up) - g(down)) / (2 * H)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_against_finite_differences_and_sympy(name: str) -> None:
    case = CASES[name]
    expr = case.infix.format("x*w + b")
    x, w, b = sympy.symbols("x w b")
    plain = case.plain(x * w + b)

    def g(p: dict[str, float]) -> float:
        return case.f(p["x"] * p["w"] + p["b"])

    for p in points(case, seed=len(name)):
        r = symbackprop.derive(expr, at=p)
        assert r.output == pytest.approx(g(p), rel=1e-12, abs=1e-15)
        subs = {x: p["x"], w: p["w"], b: p["b"]}
        for leaf, symbol in (("x", x), ("w", w), ("b", b)):
            got = r.gradients[leaf]
            assert got == pytest.approx(central(g, p, leaf), rel=1e-6, abs=1e-8), (name, leaf, p)
            assert got == pytest.approx(float(sympy.diff(plain, symbol).subs(subs)), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_against_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    case = CASES[name]
    assert case.torch is not None
    expr = case.infix.format("x*w + b")
    for p in points(case, seed=len(name) + 100):
        t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in p.items()}
        out = case.torch(torch, t["x"] * t["w"] + t["b"])
        out.backward()
        r = symbackprop.derive(expr, at=p)
        assert r.output == pytest.approx(float(out.detach()), rel=1e-12, abs=1e-15)
        for leaf in p:
            assert r.gradients[leaf] == pytest.approx(float(t[leaf].grad), rel=1e-10, abs=1e-12), (name, leaf)


# --- the kinks --------------------------------------------------------------------------------------------

# (the expression with z = x*w + b = 0 exactly at x = 1, w = 2, b = -2; the function of z; the side of the
# difference quotient PyTorch's convention is; PyTorch's function)
KINKS = [
    ("relu({})", lambda z: max(z, 0.0), "left", lambda t, z: t.relu(z)),
    ("leaky_relu({})", lambda z: z if z > 0 else 0.01 * z, "left", lambda t, z: t.nn.functional.leaky_relu(z)),
    ("leaky_relu({}, 0.2)", lambda z: z if z > 0 else 0.2 * z, "left", lambda t, z: t.nn.functional.leaky_relu(z, 0.2)),
    ("elu({})", lambda z: z if z > 0 else math.expm1(z), "left", lambda t, z: t.nn.functional.elu(z)),
    ("elu({}, 0.5)", lambda z: z if z > 0 else 0.5 * math.expm1(z), "left", lambda t, z: t.nn.functional.elu(z, 0.5)),
    ("abs({})", abs, "central", lambda t, z: t.abs(z)),
    ("max({}, 0.5*({}))", lambda z: max(z, 0.5 * z), "central", lambda t, z: t.maximum(z, 0.5 * z)),
]  # fmt: skip
AT_KINK = {"x": 1.0, "w": 2.0, "b": -2.0}


def side(f: Callable[[float], float], which: str) -> float:
    """f'(0) as the one-sided (left) or central difference quotient."""
    if which == "left":
        return (f(0.0) - f(-H)) / H
    return (f(H) - f(-H)) / (2 * H)


@pytest.mark.parametrize(("infix", "f", "which", "torch_f"), KINKS, ids=[k[0] for k in KINKS])
def test_each_kink_is_pytorchs_convention(infix: str, f, which: str, torch_f) -> None:
    expr = infix.format("x*w + b", "x*w + b")
    r = symbackprop.derive(expr, at=AT_KINK)
    slope = side(f, which)  # df/dz at z = 0, as the convention's side has it; then the chain: dz/dx = w ...
    expected = {"x": slope * AT_KINK["w"], "w": slope * AT_KINK["x"], "b": slope}
    assert r.gradients == pytest.approx(expected, abs=1e-5)
    torch = pytest.importorskip("torch")
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in AT_KINK.items()}
    torch_f(torch, t["x"] * t["w"] + t["b"]).backward()
    assert r.gradients == {k: float(v.grad) for k, v in t.items()}  # exactly PyTorch's numbers


@pytest.mark.parametrize(
    ("infix", "f"),
    [("leaky_relu(z, s)", lambda z, s: z if z > 0 else s * z), ("elu(z, s)", lambda z, s: z if z > 0 else s * math.expm1(z))],
)  # fmt: skip
def test_the_parameter_has_its_own_gradient(infix: str, f) -> None:
    for z in (-1.5, -0.25, 0.75):
        r = symbackprop.derive(infix, at={"z": z, "s": 0.3})
        assert r.gradients["s"] == pytest.approx((f(z, 0.3 + H) - f(z, 0.3 - H)) / (2 * H), abs=1e-8)


# --- softmax in derive ---------------------------------------------------------------------------------

Z = [0.5, -1.0, 2.0]


def softmax(z: list[float]) -> list[float]:
    e = [math.exp(v) for v in z]
    return [v / sum(e) for v in e]


@pytest.mark.parametrize("k", [0, 1, 2])
@pytest.mark.parametrize(("template", "latex"), [("softmax_{k}(z)", False), ("-log(softmax_{k}(z))", False),
                                                 (r"\text{{softmax}}_{{{k}}}(\mathbf{{z}})", True),
                                                 (r"-\log \operatorname{{softmax}}(z)_{k}", True)])  # fmt: skip
def test_softmax_against_finite_differences_sympy_and_pytorch(template: str, latex: bool, k: int) -> None:
    loss = template.startswith("-")
    r = symbackprop.derive(template.format(k=k), at={"z": Z}, latex_input=latex)

    def g(z: list[float]) -> float:
        s = softmax(z)[k]
        return -math.log(s) if loss else s

    zs = sympy.symbols("z0:3")
    s = sympy.exp(zs[k]) / sum(sympy.exp(v) for v in zs)
    plain = -sympy.log(s) if loss else s
    assert r.output == pytest.approx(g(Z), rel=1e-12)
    for j in range(3):
        up, down = list(Z), list(Z)
        up[j] += H
        down[j] -= H
        got = r.gradients[f"z{j}"]
        assert got == pytest.approx((g(up) - g(down)) / (2 * H), rel=1e-6, abs=1e-9)
        assert got == pytest.approx(
            float(sympy.diff(plain, zs[j]).subs(dict(zip(zs, Z)))), rel=1e-12, abs=1e-15
        )
    torch = pytest.importorskip("torch")
    t = torch.tensor(Z, dtype=torch.float64, requires_grad=True)
    out = torch.softmax(t, dim=0)[k]
    (-torch.log(out) if loss else out).backward()
    assert [r.gradients[f"z{j}"] for j in range(3)] == pytest.approx(t.grad.tolist(), rel=1e-12, abs=1e-15)


def test_softmax_written_out_is_the_same_function() -> None:
    a = symbackprop.derive("softmax_2(z)", at={"z": Z})
    b = symbackprop.derive("softmax_2(p, q, r)", at={"p": Z[0], "q": Z[1], "r": Z[2]})
    assert list(b.gradients.values()) == pytest.approx(list(a.gradients.values()), rel=1e-15)


def test_cross_entropy_of_softmax_is_p_minus_y() -> None:
    # the network's combined gradient, (softmax(z) - y) for a one-hot y, from the same rule
    r = symbackprop.derive("-log(softmax_1(z))", at={"z": Z})
    s = softmax(Z)
    assert [r.gradients[f"z{j}"] for j in range(3)] == pytest.approx([s[0], s[1] - 1, s[2]], rel=1e-12)


Y = [0.2, 0.3, 0.5]  # a soft target


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        (r"-\sum_{k=0}^{2} y_k \log \text{softmax}_k(z)", True),
        (r"-\sum_k y_k \log \operatorname{softmax}(\mathbf{z})_k", True),
        ("-(y0*log(softmax_0(z)) + y1*log(softmax_1(z)) + y2*log(softmax_2(z)))", False),
    ],
)
def test_cross_entropy_with_a_target_vector(text: str, latex: bool) -> None:
    at: dict[str, object] = {"z": Z, "y": Y} if latex else {"z": Z, "y0": Y[0], "y1": Y[1], "y2": Y[2]}
    r = symbackprop.derive(text, at=at, latex_input=latex, const=["y"] if latex else ["y0", "y1", "y2"])

    def g(z: list[float]) -> float:
        return -sum(y * math.log(s) for y, s in zip(Y, softmax(z)))

    assert r.output == pytest.approx(g(Z), rel=1e-12)
    for j in range(3):
        up, down = list(Z), list(Z)
        up[j] += H
        down[j] -= H
        assert r.gradients[f"z{j}"] == pytest.approx((g(up) - g(down)) / (2 * H), rel=1e-6, abs=1e-9)
    torch = pytest.importorskip("torch")
    t = torch.tensor(Z, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.cross_entropy(t[None, :], torch.tensor([Y], dtype=torch.float64)).backward()
    assert [r.gradients[f"z{j}"] for j in range(3)] == pytest.approx(t.grad.tolist(), rel=1e-12, abs=1e-15)


def test_a_sum_past_the_softmax_outputs_is_refused() -> None:
    with pytest.raises(symbackprop.SymbackpropError, match=r"\\text\{softmax\}_\{3\} of 3 values"):
        symbackprop.derive(r"\sum_{k=1}^{3} y_k \log \text{softmax}_k(z)", at={"z": Z}, latex_input=True)


# --- an operation of the user's own --------------------------------------------------------------------


def test_a_defined_operation_against_its_plain_body() -> None:
    x, w = sympy.symbols("x w")
    plain = x * w / (1 + sympy.exp(-2 * x * w))
    for p in ({"x": 0.5, "w": 2.0}, {"x": -1.25, "w": 0.75}):
        r = symbackprop.derive("swish2(x*w)", at=p, define={"swish2": "x * sigmoid(2*x)"})
        for leaf, s in (("x", x), ("w", w)):
            assert r.gradients[leaf] == pytest.approx(
                float(sympy.diff(plain, s).subs({x: p["x"], w: p["w"]}))
            )


# --- every refusal: its message, exit status 2, in each entrance ---------------------------------------

# (the expression, LaTeX input?, the values, what the one-line refusal says)
REFUSED = [
    ("leaky_relu(x, 1, 2)", False, {"x": 1}, "leaky_relu takes 1 or 2 arguments, got 3"),
    ("softplus()", False, {}, "softplus takes exactly 1 argument, got 0"),
    ("gelu(x, 2)", False, {"x": 1}, "gelu takes exactly 1 argument, got 2"),
    ("elu()", False, {}, "elu takes 1 or 2 arguments, got 0"),
    ("sin(x, y)", False, {"x": 1, "y": 1}, "sin takes exactly 1 argument, got 2"),
    ("softmax(z)", False, {"z": [1, 2, 3]}, "softmax(z) is a vector of 3 values, and a derivation's output is one "
     "number: take one output, softmax_0(z) ... softmax_2(z), or a loss of it, as -log(softmax_0(z))"),
    ("softmax_3(z)", False, {"z": [1, 2, 3]}, "softmax_3(z) of 3 values: the outputs are softmax_0(z) ... softmax_2(z)"),
    ("softmax_0(a, z)", False, {"a": 1, "z": [1, 2]}, "z is a vector (2 values) where a number belongs"),
    ("softmax_0(z + 1)", False, {"z": [1, 2]}, "softmax takes a vector (a name with a list of values"),
    ("softmax_0(a)", False, {"a": 1}, "softmax takes a vector (a name with a list of values"),
    (r"\text{softmax}(\mathbf{z})", True, {"z": [1, 2]}, r"take one output, \text{softmax}_{0}(z) ... \text{softmax}_{1}(z)"),
    (r"\text{softmax}_{x}(z)", True, {"z": [1, 2]}, "a softmax's subscript is the output's index, a whole number"),
    (r"\text{softmax}_{0}", True, {"z": [1, 2]}, "softmax needs its arguments in parentheses"),
    (r"\tanh^{x}(x)", True, {"x": 1}, r"a power of a function is a whole number (\tanh^{2}(x))"),
    (r"\tanh^{-1}(x)", True, {"x": 0.5}, r"\tanh^{-1} (an inverse function) is not supported"),
    (r"\sigma(\cdot)", True, {}, r"'\cdot' as an argument stands for any argument (a placeholder)"),
    (r"\max 0, x", True, {"x": 1}, r"\max needs its arguments in parentheses"),
    ("dot(w)", False, {"w": [1, 2]}, "dot takes two vectors, as in dot(w, x)"),
    ("dot(w, x)", False, {"w": [1, 2], "x": [1, 2, 3]}, "w has 2 values and x has 3: a dot product needs vectors of one length"),
    ("w + 1", False, {"w": [1, 2]}, "w is a vector (2 values) where a number belongs"),
    (r"w^\top x", True, {"w": [1, 2], "x": 3}, "x is not a vector"),
]  # fmt: skip


def _at_flags(at: dict[str, object]) -> list[str]:
    out = []
    for k, v in at.items():
        out += ["--at", f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}"]
    return out


@pytest.mark.parametrize(("text", "latex", "at", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_every_refusal_is_one_line_and_exit_2(cli, text: str, latex: bool, at, message: str) -> None:
    with pytest.raises(symbackprop.SymbackpropError) as info:
        symbackprop.derive(text, at=at, latex_input=latex)
    assert message in str(info.value) and info.value.exit_status == 2
    status, out, err = cli(["derive", text, *(["--latex-input"] if latex else []), *_at_flags(at)])
    assert (status, out) == (2, "")
    assert err.startswith("symbackprop: error: ") and message in err and err.count("\n") == 1


def test_softmax_in_the_fence() -> None:
    markdown = pytest.importorskip("markdown")
    ok = markdown.markdown(
        "```backprop -log(softmax_1(z))\nat: z=0.5,-1,2\nshow: gradients\n```\n",
        extensions=["symbackprop.markdown_ext"],
    )
    s = softmax(Z)
    assert f"{s[1] - 1:.6g}" in ok and f"{s[0]:.6g}" in ok  # the gradients, p - y, at the shared precision
    refused = markdown.markdown(
        "```backprop softmax(z)\nat: z=1,2\n```\n", extensions=["symbackprop.markdown_ext"]
    )
    assert "softmax(z) is a vector of 2 values" in refused

"""--simplify: each gradient's closed form as SymPy simplifies it, checked as a function.

The oracle is ``sympy.diff`` of the expression written here in plain SymPy (not through our
operations); the simplified closed form (``gradient_infix``) is read back by our own parser and
evaluated at random points.
"""

from __future__ import annotations

import json
import math
import random
import time

import pytest
import sympy

import symbackprop
from symbackprop import simplify
from symbackprop.limits import DEFAULT

x, w, b, a, t = sympy.symbols("x w b a t")
CASES = [
    ("x*x*w + 2*x*3", x * x * w + 6 * x),
    ("(a - t)^2/2", (a - t) ** 2 / 2),
    ("log(exp(x)*w)", sympy.log(sympy.exp(x) * w)),
    ("z = x*w; y = z + relu(z)", x * w + sympy.Max(x * w, 0)),
    ("sigmoid(x*w + b)", 1 / (1 + sympy.exp(-(x * w + b)))),
    ("tanh(x*w) * x", sympy.tanh(x * w) * x),
    ("u = x + w; v = u*u; y = v/u + sqrt(v)", (x + w) ** 2 / (x + w) + sympy.sqrt((x + w) ** 2)),
]


def _point(rng: random.Random, names: list[str]) -> dict[str, float]:
    return {n: rng.uniform(0.3, 2.0) * rng.choice([1, 1, -1]) for n in names}


@pytest.mark.parametrize(("text", "plain"), CASES, ids=[c[0] for c in CASES])
def test_simplified_gradients_are_the_derivatives(text: str, plain: sympy.Expr) -> None:
    data = symbackprop.derive(text, simplify=True).to_dict()
    leaves = sorted(data["gradient_infix"])
    assert leaves == sorted(str(s) for s in plain.free_symbols)
    assert "gradient_steps" not in data  # in the leaves alone
    rng = random.Random(text)
    for _ in range(5):
        point = _point(rng, leaves)
        if "sqrt" in text and point["x"] + point["w"] <= 0:
            continue
        env = {sympy.Symbol(k): v for k, v in point.items()}
        for leaf in leaves:
            expected = float(sympy.diff(plain, sympy.Symbol(leaf)).subs(env))
            closed = data["gradient_infix"][leaf]
            got = symbackprop.derive(closed, at={k: v for k, v in point.items() if k in closed}).output
            assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12), (leaf, closed)


def test_simplify_shortens_what_it_can_and_keeps_what_is_already_short() -> None:
    before = symbackprop.derive("x*x*w + 2*x*3").to_dict()["gradient_infix"]
    after = symbackprop.derive("x*x*w + 2*x*3", simplify=True).to_dict()["gradient_infix"]
    assert len(after["x"]) < len(before["x"])
    sigmoid = symbackprop.derive("sigmoid(x*w + b)")
    simplified = symbackprop.derive("sigmoid(x*w + b)", simplify=True)
    # SymPy's form of σ' is 1/(4 cosh²(z/2)): longer than σ(z)(1 - σ(z)), so the derived form stays
    assert simplified.to_dict()["gradient_infix"] == sigmoid.to_dict()["gradient_infix"]
    assert simplified.to_dict()["warnings"] == []


def test_an_operation_without_a_plain_form_leaves_the_forms_with_a_warning() -> None:
    plain = symbackprop.derive("max(x, w) * x").to_dict()
    got = symbackprop.derive("max(x, w) * x", simplify=True).to_dict()
    assert got["gradient_infix"] == plain["gradient_infix"]
    assert got["warnings"] == ["simplify=: the closed forms stay as they are (share has no plain SymPy form)"]


def _slowly(exprs: list[sympy.Expr]) -> list[sympy.Expr]:
    time.sleep(60)
    return exprs


def test_past_the_time_bound_the_forms_stay_and_a_warning_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simplify, "_simplify_all", _slowly)  # the forked child runs this one
    started = time.monotonic()
    got = symbackprop.derive("x*x*w", simplify=True, limits=DEFAULT.merge(max_simplify_seconds=1)).to_dict()
    assert time.monotonic() - started < 30  # the child was killed, not waited for
    assert got["gradient_infix"] == symbackprop.derive("x*x*w").to_dict()["gradient_infix"]
    assert got["warnings"] == [
        "simplifying took more than 1 s: the closed forms are not simplified "
        "(raise the bound with limits=Limits(max_simplify_seconds=...))"
    ]


def test_the_command_line_simplifies_and_says_why_not(cli) -> None:
    status, out, err = cli(["derive", "x*x*w + 2*x*3", "--simplify", "--format", "text"])
    assert status == 0 and err == ""
    assert "∂y/∂x = 6 + 2 * w * x" in out and "∂y/∂w = x^2" in out
    status, out, err = cli(["derive", "max(x, w)", "--simplify", "--format", "json"])
    assert status == 0
    assert (
        err
        == "symbackprop: warning: --simplify: the closed forms stay as they are (share has no plain SymPy form)\n"
    )
    assert json.loads(out)["warnings"] == [err.removeprefix("symbackprop: warning: ").strip()]

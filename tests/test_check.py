"""--check: a student's backward pass, checked step by step.

The oracles: the chapter's own cells and the numbers it prints (In [5]–In [11], transcribed
below as a student pastes them), and for random neurons the same quantities computed here in
plain Python.  Each mistake is injected into a real copy of the cells, one line changed, and
must be found at that line, with the right value, the mistake's name, and every later wrong
answer explained by it.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import symbackprop
from symbackprop.errors import EvaluationError, InputError, ParseError

# Chapter 9, In [5] and In [6] (which repeats In [5] and goes on), In [7], In [8], then the update,
# In [9]–In [11]: pasted as they are, comments and prints included.
IN_5 = """\
# Forward pass
x = [1.0, -2.0, 3.0] # input values
w = [-3.0, -1.0, 2.0] # weights
b = 1.0 # bias

# Multiplying inputs by weights
xw0 = x[0] * w[0]
xw1 = x[1] * w[1]
xw2 = x[2] * w[2]

# Adding weighted inputs and a bias
z = xw0 + xw1 + xw2 + b

# ReLU activation function
y = max(z, 0)

# Backward pass
# The derivative from the next layer
dvalue = 1.0

# Derivative of ReLU and the chain rule
drelu_dz = dvalue * (1. if z > 0 else 0.)
print(drelu_dz)
"""
IN_6 = (
    IN_5
    + """
# Partial derivatives of the multiplication, the chain rule
dsum_dxw0 = 1
dsum_dxw1 = 1
dsum_dxw2 = 1
dsum_db = 1
drelu_dxw0 = drelu_dz * dsum_dxw0
drelu_dxw1 = drelu_dz * dsum_dxw1
drelu_dxw2 = drelu_dz * dsum_dxw2
drelu_db = drelu_dz * dsum_db

print(drelu_dxw0, drelu_dxw1, drelu_dxw2, drelu_db)
"""
)
IN_7 = """\
# Partial derivatives of the multiplication, the chain rule
dmul_dx0 = w[0]
dmul_dx1 = w[1]
dmul_dx2 = w[2]
dmul_dw0 = x[0]
dmul_dw1 = x[1]
dmul_dw2 = x[2]
drelu_dx0 = drelu_dxw0 * dmul_dx0
drelu_dw0 = drelu_dxw0 * dmul_dw0
drelu_dx1 = drelu_dxw1 * dmul_dx1
drelu_dw1 = drelu_dxw1 * dmul_dw1
drelu_dx2 = drelu_dxw2 * dmul_dx2
drelu_dw2 = drelu_dxw2 * dmul_dw2

print(drelu_dx0, drelu_dw0, drelu_dx1, drelu_dw1, drelu_dx2, drelu_dw2)
"""
IN_8 = """\
dx = [drelu_dx0, drelu_dx1, drelu_dx2] # gradients on inputs
dw = [drelu_dw0, drelu_dw1, drelu_dw2] # gradients on weights
db = drelu_db # gradient on bias...just 1 bias here.
"""
IN_9_11 = """\
print(w, b)
w[0] += -0.001 * dw[0]
w[1] += -0.001 * dw[1]
w[2] += -0.001 * dw[2]
b += -0.001 * db
print(w, b)
# Multiplying inputs by weights
xw0 = x[0] * w[0]
xw1 = x[1] * w[1]
xw2 = x[2] * w[2]

# Adding
z = xw0 + xw1 + xw2 + b

# ReLU activation function
y = max(z, 0)

print(y)
"""
CELLS = "\n".join([IN_5, IN_6, IN_7, IN_8, IN_9_11])

# What the chapter prints (In [5]–In [7], In [10], In [11]), and the factors its cells write.
PRINTED = {
    "drelu_dz": 1.0, "drelu_dxw0": 1.0, "drelu_dxw1": 1.0, "drelu_dxw2": 1.0, "drelu_db": 1.0,
    "drelu_dx0": -3.0, "drelu_dw0": 1.0, "drelu_dx1": -1.0, "drelu_dw1": -2.0, "drelu_dx2": 2.0,
    "drelu_dw2": 3.0, "dmul_dw0": 1.0, "dmul_dw2": 3.0, "new_w0": -3.001, "new_w1": -0.998,
    "new_w2": 1.997, "new_b": 0.999, "new_y": 5.985,
}  # fmt: skip


def _roots(report: Any) -> list[Any]:
    return [e for e in report.entries if not e.ok and e.explained_by is None]


def _inject(text: str, old: str, new: str) -> tuple[str, int]:
    """The text with the last occurrence of line ``old`` replaced (the last one counts: In [6]
    repeats In [5]), and that line's number."""
    lines = text.split("\n")
    k = max(i for i, line in enumerate(lines) if line == old)
    lines[k] = new
    return "\n".join(lines), k + 1


def test_the_chapters_cells_are_right(tmp_path: Path, cli: Any) -> None:
    path = tmp_path / "cells.py"
    path.write_text(CELLS, encoding="utf-8")
    status, out, err = cli(["neuron", "--check", str(path)])
    assert (status, err) == (0, ""), err
    assert "every one is right" in out.splitlines()[0]
    report = symbackprop.neuron().check(path)
    given = {e.name: e.given for e in report.entries}
    for name, value in PRINTED.items():
        assert given[name] == pytest.approx(value, rel=1e-12), name
    assert given["dx"] == (-3.0, -1.0, 2.0) and given["dw"] == (1.0, -2.0, 3.0) and given["db"] == 1.0
    lines = {e.name: e.line for e in report.entries}
    assert lines["drelu_dz"] == CELLS.split("\n").index("drelu_dz = dvalue * (1. if z > 0 else 0.)", 30) + 1
    assert lines["new_w0"] < lines["new_xw0"] < lines["new_y"]


MISTAKES = [
    # (case, the line, what the student wrote, the answer it makes wrong, the mistake, right only by chance)
    ("sign", "drelu_dx0 = drelu_dxw0 * dmul_dx0", "drelu_dx0 = -drelu_dxw0 * dmul_dx0", "drelu_dx0", "sign", False),
    ("upstream gradient left out", "drelu_dx0 = drelu_dxw0 * dmul_dx0", "drelu_dx0 = dmul_dx0", "drelu_dx0",
     "upstream", True),
    ("dvalue left out", "drelu_dz = dvalue * (1. if z > 0 else 0.)", "drelu_dz = (1. if z > 0 else 0.)",
     "drelu_dz", "upstream", True),
    ("mul operands swapped in the factor", "dmul_dw0 = x[0]", "dmul_dw0 = w[0]", "dmul_dw0", "swapped", False),
    ("mul operands swapped in the product", "drelu_dw1 = drelu_dxw1 * dmul_dw1", "drelu_dw1 = drelu_dxw1 * w[1]",
     "drelu_dw1", "swapped", False),
    ("ReLU mask left out", "drelu_dz = dvalue * (1. if z > 0 else 0.)", "drelu_dz = dvalue", "drelu_dz", "mask",
     True),
    ("ReLU mask at the wrong z", "drelu_dz = dvalue * (1. if z > 0 else 0.)",
     "drelu_dz = dvalue * (1. if xw0 > 0 else 0.)", "drelu_dz", "wrong_z", False),
    ("factor of the line before", "drelu_dw0 = drelu_dxw0 * dmul_dw0", "drelu_dw0 = drelu_dxw0 * dmul_dx0",
     "drelu_dw0", "copied", False),
    ("factor line copied", "dmul_dw2 = x[2]", "dmul_dw2 = x[1]", "dmul_dw2", "copied", False),
    ("+lr in the update", "w[1] += -0.001 * dw[1]", "w[1] += 0.001 * dw[1]", "new_w1", "plus_lr", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "old", "new", "name", "kind", "by_chance"), MISTAKES, ids=[m[0] for m in MISTAKES]
)
def test_each_mistake_in_the_chapters_cells_is_found(case, old, new, name, kind, by_chance) -> None:
    text, line = _inject(CELLS, old, new)
    report = symbackprop.neuron().check(text)
    assert report.exit_status == 3
    (root,) = _roots(report)
    assert (root.name, root.line, root.kind, root.by_chance) == (name, line, kind, by_chance)
    assert root.expected == pytest.approx(PRINTED[name], rel=1e-12)
    assert root.mistake and root.rule in root.mistake  # one sentence, with the rule
    for e in report.wrong:
        assert e is root or e.explained_by == name, (e.name, e.explained_by)
    if not by_chance:  # the answers after it that use it are wrong because of it
        assert any(e.explained_by == name for e in report.wrong) or name.startswith(("dmul", "new_w"))


def test_the_command_line_names_the_line_the_right_value_and_the_mistake(tmp_path: Path, cli: Any) -> None:
    text, line = _inject(CELLS, "dmul_dw0 = x[0]", "dmul_dw0 = w[0]")
    (tmp_path / "cells.py").write_text(text, encoding="utf-8")
    status, out, err = cli(["neuron", "--check", str(tmp_path / "cells.py")])
    assert status == 3 and err == ""
    assert f"The first wrong step: dmul_dw0 (line {line})." in out
    (row,) = [r for r in out.splitlines() if r.strip().startswith("WRONG")]
    assert "dmul_dw0 = -3.0" in row and "right: 1.0" in row and f"(line {line})" in row
    assert "Swapped mul operands" in out and "because dmul_dw0 is wrong" in out
    status, out, _ = cli(["neuron", "--check", str(tmp_path / "cells.py"), "--format", "json"])
    data = json.loads(out)
    assert status == 3 and data["gradients"]["w0"] == 1.0  # the derivation's JSON, and the check
    entry = next(e for e in data["check"] if e["name"] == "dmul_dw0")
    assert {k: entry[k] for k in ("given", "expected", "ok", "explained_by", "mistake_kind", "line")} == {
        "given": -3.0,
        "expected": 1.0,
        "ok": False,
        "explained_by": None,
        "mistake_kind": "swapped",
        "line": line,
    }
    assert set(entry) >= {"name", "given", "expected", "ok", "explained_by", "mistake"}


# --- random neurons, random single mistakes ---------------------------------------------------------


def _cells(x: list[float], w: list[float], b: float, dvalue: float) -> str:
    """The chapter's cells for any neuron, written out as a student would."""
    n = len(x)
    lines = [f"x = {x!r}", f"w = {w!r}", f"b = {b!r}"]
    lines += [f"xw{i} = x[{i}] * w[{i}]" for i in range(n)]
    lines += [
        "z = " + " + ".join(f"xw{i}" for i in range(n)) + " + b",
        "y = max(z, 0)",
        f"dvalue = {dvalue!r}",
    ]
    lines += ["drelu_dz = dvalue * (1. if z > 0 else 0.)"]
    lines += [f"dsum_dxw{i} = 1" for i in range(n)] + ["dsum_db = 1"]
    lines += [f"drelu_dxw{i} = drelu_dz * dsum_dxw{i}" for i in range(n)] + ["drelu_db = drelu_dz * dsum_db"]
    lines += [f"dmul_dx{i} = w[{i}]" for i in range(n)] + [f"dmul_dw{i} = x[{i}]" for i in range(n)]
    for i in range(n):
        lines += [f"drelu_dx{i} = drelu_dxw{i} * dmul_dx{i}", f"drelu_dw{i} = drelu_dxw{i} * dmul_dw{i}"]
    lines += ["dw = [" + ", ".join(f"drelu_dw{i}" for i in range(n)) + "]", "db = drelu_db"]
    lines += [f"w[{i}] += -0.001 * dw[{i}]" for i in range(n)] + ["b += -0.001 * db"]
    lines += [f"xw{i} = x[{i}] * w[{i}]" for i in range(n)]
    lines += ["z = " + " + ".join(f"xw{i}" for i in range(n)) + " + b", "y = max(z, 0)"]
    return "\n".join(lines) + "\n"


def _oracle(x: list[float], w: list[float], b: float, dvalue: float) -> dict[str, float]:
    """The chapter's quantities for one neuron, in plain Python."""
    z = sum(a * c for a, c in zip(x, w)) + b
    drelu_dz = dvalue * (1.0 if z > 0 else 0.0)
    out = {"z": z, "drelu_dz": drelu_dz, "drelu_db": drelu_dz}
    for i, (a, c) in enumerate(zip(x, w)):
        out[f"drelu_dx{i}"], out[f"drelu_dw{i}"] = drelu_dz * c, drelu_dz * a
        out[f"new_w{i}"] = c - 0.001 * drelu_dz * a
    out["new_b"] = b - 0.001 * drelu_dz
    return out


def _mutations(n: int, i: int) -> list[tuple[str, str, str, str]]:
    """(line, mutated line, the answer it makes wrong, the mistake) for input ``i`` of ``n``."""
    return [
        (f"drelu_dx{i} = drelu_dxw{i} * dmul_dx{i}", f"drelu_dx{i} = -drelu_dxw{i} * dmul_dx{i}", f"drelu_dx{i}", "sign"),
        (f"drelu_dw{i} = drelu_dxw{i} * dmul_dw{i}", f"drelu_dw{i} = dmul_dw{i}", f"drelu_dw{i}", "upstream"),
        (f"dmul_dx{i} = w[{i}]", f"dmul_dx{i} = x[{i}]", f"dmul_dx{i}", "swapped"),
        (f"drelu_dw{i} = drelu_dxw{i} * dmul_dw{i}", f"drelu_dw{i} = drelu_dxw{i} * dmul_dx{i}", f"drelu_dw{i}", "copied"),
        ("drelu_dz = dvalue * (1. if z > 0 else 0.)", "drelu_dz = dvalue", "drelu_dz", "mask"),
        ("drelu_dz = dvalue * (1. if z > 0 else 0.)", "drelu_dz = (1. if z > 0 else 0.)", "drelu_dz", "upstream"),
        (f"w[{i}] += -0.001 * dw[{i}]", f"w[{i}] += 0.001 * dw[{i}]", f"new_w{i}", "plus_lr"),
    ]  # fmt: skip


@pytest.mark.parametrize("seed", range(30))
def test_random_neurons_with_one_random_mistake(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.choice((1, 2, 3, 4))
    halves = [k / 2 for k in range(-6, 7) if k]
    x, w = [rng.choice(halves) for _ in range(n)], [rng.choice(halves) for _ in range(n)]
    b, dvalue = rng.choice(halves), rng.choice((1.0, 2.0, -0.5, 3.0))
    if sum(a * c for a, c in zip(x, w)) + b == 0:
        b += 0.5  # not at the kink, where 1(z > 0) and its mistakes agree
    r = symbackprop.neuron(x, w, b, dvalue=dvalue)
    text = _cells(x, w, b, dvalue)
    right = r.check(text)
    assert right.ok, [e.name for e in right.wrong]
    oracle = _oracle(x, w, b, dvalue)
    for e in right.entries:
        if e.name in oracle:
            assert e.given == pytest.approx(oracle[e.name], rel=1e-12, abs=1e-15), e.name
    old, new, name, kind = rng.choice(_mutations(n, rng.randrange(n)))
    mutated, line = _inject(text, old, new)
    report = r.check(mutated)
    (root,) = _roots(report)
    assert (root.name, root.line, root.kind) == (name, line, kind), (old, new, root.mistake)
    assert all(e is root or e.explained_by == name for e in report.wrong)
    if name in oracle:
        assert root.expected == pytest.approx(oracle[name], rel=1e-12, abs=1e-15)


# --- named steps: a shared value's paths ----------------------------------------------------------


def test_a_missing_path_of_a_shared_value() -> None:
    r = symbackprop.derive("z = w*x + b; a = relu(z); y = a + z", at={"x": 2.0, "w": 0.5, "b": -0.25})
    report = r.check("dy_da=1, da_dz=1, dy_dz_a=1, dy_dz_y=1, dy_dz=1, dy_dw=2")
    (root,) = _roots(report)
    assert (root.name, root.kind, root.expected) == ("dy_dz", "path", 2.0)  # 1 + 1: both uses
    assert "z is used by a and y" in root.mistake
    assert {e.name: e.explained_by for e in report.wrong} == {"dy_dz": None, "dy_dw": "dy_dz"}
    # a leaf written twice: its gradient is the sum over its occurrences
    r = symbackprop.derive("x*y + y", at={"x": 2.0, "y": 3.0})  # d/dy = x + 1 = 3
    (root,) = _roots(r.check({"dsum_dy": 2.0}))
    assert (root.kind, root.expected) == ("path", 3.0)


def test_the_generated_program_is_a_right_answer_file() -> None:
    """What --format python prints for an expression is, line for line, answers --check accepts."""
    for expr, at in (
        ("z = w*x + b; a = relu(z); y = a + z", {"x": 2.0, "w": 0.5, "b": -0.25}),
        ("relu(x0*w0 + x1*w1 + b)", {"x0": 1.0, "w0": -3.0, "x1": -2.0, "w1": -1.0, "b": 1.0}),
        ("x*y + y", {"x": 2.0, "y": 3.0}),
    ):
        r = symbackprop.derive(expr, at=at, lr=0.1, update=list(at))
        report = r.check(r.python())
        assert report.ok, [(e.name, e.given, e.expected) for e in report.wrong]
        assert any(e.name.startswith("new_") for e in report.entries)
    report = symbackprop.neuron().check(symbackprop.neuron().python())
    assert report.ok and len(report.entries) > 30


# --- inline answers, JSON, dicts, tolerance --------------------------------------------------------


def test_inline_json_and_dict_answers(tmp_path: Path, cli: Any) -> None:
    status, out, _ = cli(["neuron", "--check", "drelu_dz=1, dw=[1,-2,3], db=1, dw0=1, dw[2]=3, new_y=5.985"])
    assert status == 0, out
    (tmp_path / "a.json").write_text('{"drelu_dx0": 3, "dmul_dx0": -3}', encoding="utf-8")
    status, out, _ = cli(["neuron", "--check", str(tmp_path / "a.json")])
    assert status == 3 and "drelu_dx0 = 3.0" in out and "Sign" in out
    report = symbackprop.neuron().check({"dw": [1.0, 2.0, 3.0]})
    (entry,) = report.entries
    assert not entry.ok and entry.kind == "sign" and entry.mistake.startswith("dw[1]: ")


def test_tolerance(cli: Any) -> None:
    r = symbackprop.derive("sigmoid(x*w)", at={"x": 1.0, "w": 0.5})  # dsigmoid/dw = s(1 - s) x = 0.2350037...
    assert not r.check("dsigmoid_dw=0.235").ok
    assert r.check("dsigmoid_dw=0.235", tol=1e-3).ok
    assert r.check("dsigmoid_dw=0.235", tol=(0, 1e-4)).ok
    assert (
        cli(["derive", "sigmoid(x*w)", "--at", "x=1", "--at", "w=0.5", "--check", "dsigmoid_dw=0.235"])[0]
        == 3
    )
    assert cli(["derive", "sigmoid(x*w)", "--at", "x=1", "--at", "w=0.5", "--check", "dsigmoid_dw=0.235",
                "--tol", "1e-3"])[0] == 0  # fmt: skip


def test_an_unknown_name_lists_the_nearest(cli: Any) -> None:
    status, out, err = cli(["neuron", "--check", "drelu_dxw=1"])
    assert status == 2 and out == ""
    assert err.startswith("symbackprop: error: unknown name 'drelu_dxw' in --check (column 1; the nearest: ")
    assert "drelu_dxw0" in err
    with pytest.raises(
        InputError, match=r"unknown name 'drelu_dzz' in check\(\) \(line 2; the nearest: drelu_dz"
    ):
        symbackprop.neuron().check("drelu_dz = 1.0\ndrelu_dzz = 1.0\n")
    with pytest.raises(InputError, match="no update step"):  # a step the derivation does not take
        symbackprop.derive("x*w", at={"x": 1.0, "w": 2.0}).check("w = 2.0\nw = w - 0.1 * 1.0\n")


def test_the_report_in_every_format() -> None:
    text, _ = _inject(CELLS, "drelu_dx0 = drelu_dxw0 * dmul_dx0", "drelu_dx0 = -drelu_dxw0 * dmul_dx0")
    report = symbackprop.neuron().check(text)
    md = report.markdown()
    assert md.startswith("# Checking the answers\n") and "- `drelu_dx0 = 3.0`: wrong (line " in md
    assert "It is wrong because `drelu_dx0` is." in md
    tex = report.latex(standalone=True)
    assert tex.startswith("\\documentclass") and "\\texttt{drelu\\_dx0 = 3.0}" in tex
    assert "\\textgreater{}" not in tex or "z \\textgreater{} 0" in tex
    data = json.loads(report.json())
    assert [e["name"] for e in data["check"]] == [e.name for e in report.entries]
    with pytest.raises(InputError, match="markdown, latex or json"):
        report.render("python")


# --- networks ---------------------------------------------------------------------------------------

SPEC = {
    "inputs": [[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]],
    "layers": [
        {"weights": [[0.2, 0.5, -0.26], [0.8, -0.91, -0.27], [-0.5, 0.26, 0.17], [1, -0.5, 0.87]],
         "biases": [2, 3, 0.5], "activation": "relu"},
        {"weights": [[0.1, 0.2], [0.5, -0.1], [0.3, 0.3]], "biases": [0, 0.1], "activation": "linear"},
    ],
    "loss": {"kind": "mse", "targets": [[1, 0], [0, 1], [0.5, 0.5]]},
    "lr": 0.1,
}  # fmt: skip


def _numpy_oracle() -> dict[str, np.ndarray]:
    """The network's backward pass in plain NumPy, written here from the formulas."""
    X = np.array(SPEC["inputs"], dtype=float)
    W1, b1 = np.array(SPEC["layers"][0]["weights"]), np.array(SPEC["layers"][0]["biases"], dtype=float)
    W2, b2 = np.array(SPEC["layers"][1]["weights"]), np.array(SPEC["layers"][1]["biases"], dtype=float)
    Y = np.array(SPEC["loss"]["targets"], dtype=float)
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0)
    Z2 = A1 @ W2 + b2
    dZ2 = 2 * (Z2 - Y) / Y.size  # mse: the mean over samples and outputs
    dA1 = dZ2 @ W2.T
    dZ1 = dA1 * (Z1 > 0)
    return {"dz2": dZ2, "dweights2": A1.T @ dZ2, "dvalues1": dA1, "dz1": dZ1, "dweights1": X.T @ dZ1,
            "dbiases1": dZ1.sum(axis=0), "new_weights1": W1 - 0.1 * (X.T @ dZ1)}  # fmt: skip


def test_network_answers_and_their_mistakes() -> None:
    r = symbackprop.network(SPEC)
    good = _numpy_oracle()
    assert r.check({k: v.tolist() for k, v in good.items()}).ok
    assert r.check({"dbiases1": [good["dbiases1"].tolist()]}).ok  # a bias row, as the book keeps it
    cases = {
        "transposed": ("dweights1", good["dweights1"].T),
        "sign": ("dz2", -good["dz2"]),
        "mask": ("dz1", good["dvalues1"]),
        "plus_lr": ("new_weights1", good["new_weights1"] + 2 * 0.1 * good["dweights1"]),
    }
    for kind, (name, value) in cases.items():
        report = r.check({name: value.tolist()})
        (root,) = _roots(report)
        assert (root.name, root.kind) == (name, kind), root.mistake
        np.testing.assert_allclose(root.expected, good[name], rtol=1e-12)
    report = r.check(
        {
            "dz1": good["dvalues1"].tolist(),
            "dweights1": (np.array(SPEC["inputs"]).T @ good["dvalues1"]).tolist(),
        }
    )
    assert [(e.name, e.explained_by) for e in report.wrong] == [("dz1", None), ("dweights1", "dz1")]


# --- the restricted evaluator ---------------------------------------------------------------------

REFUSED = [
    ("a call", "open('f')", "calling open is not read"),
    ("a call by attribute", "math.floor(1.5)", "calling math.floor is not read"),
    ("an attribute", "x.__class__", "is not read (only math./np. functions"),
    ("a comprehension", "[v for v in x]", "a comprehension is not read"),
    ("a generator", "sum(v for v in x)", "calling sum is not read"),
    ("a lambda", "(lambda: 1)()", "is not read"),
    ("a lambda on its own", "lambda: 1", "a lambda is not read"),
    ("a string", "'1.0'", "'1.0' is not a number"),
    ("a slice", "x[0:2]", "a list's item is taken by a whole number"),
    ("a name's item by a name", "x[b]", "a list's item is taken by a whole number"),
    ("an f-string", "f'{x}'", "is not read"),
    ("a walrus", "(q := 1)", "is not read"),
]


@pytest.mark.parametrize(("case", "expression", "message"), REFUSED, ids=[c[0] for c in REFUSED])
def test_the_evaluator_refuses_everything_else_with_line_and_column(case, expression, message) -> None:
    text = f"x = [1.0, -2.0, 3.0]\nb = 1.0\ndrelu_dz = {expression}\n"
    with pytest.raises(ParseError) as info:
        symbackprop.neuron().check(text)
    assert message in str(info.value) and "(at line 3, column " in str(info.value)


@pytest.mark.parametrize(
    "statement",
    ["import os", "from math import exp", "import numpy as numpy_", "def f(): pass", "for i in x: pass",
     "class A: pass", "with open('f') as g: pass", "global q", "del x", "x: float = 1.0", "assert x"],
)  # fmt: skip
def test_the_evaluator_refuses_statements_with_their_line(statement: str) -> None:
    with pytest.raises(ParseError, match=r"\(at line 2, column 1\)"):
        symbackprop.neuron().check(f"x = [1.0, -2.0, 3.0]\n{statement}\n")


def test_what_the_evaluator_reads() -> None:
    """The chapter's own constructs, math functions, comparisons, conditionals and lists."""
    r = symbackprop.derive("sigmoid(x*w)", at={"x": 1.0, "w": 0.5})
    s = 1 / (1 + 2.718281828459045**-0.5)
    text = (
        "import math\nimport numpy as np\n"
        "v1 = 1.0 * 0.5\ny = 1 / (1 + math.exp(-v1))\n"
        "dy_dv1 = dvalue * y * (1 - y) if dvalue else 0.0\n"
        "dvalue = 1.0\n"
    )
    with pytest.raises(InputError, match="dvalue is used before it is assigned"):
        r.check(text)
    text = "dvalue = 1.0\nq = [[1.0, 2.0], [3.0, 4.0]][1][0] - 3\ndsigmoid_dv1 = dvalue * (np.exp(q) / (1 + np.exp(-0.5)) ** 2 * np.exp(-0.5)) if -1 < q <= 0 and not q else 0.0\n"
    with pytest.raises(InputError, match="unknown name 'q'"):
        r.check(text)
    text = (
        "dvalue = 1.0\nv1 = 0.5\n"
        "dsigmoid_dv1 = dvalue * (1 / (1 + math.exp(-v1))) * (1 - 1 / (1 + math.exp(-v1))) "
        "+ max(min(abs(-v1), 9), 0) * 0 if v1 > 0 and v1 == v1 else 0.0\n"
    )
    report = r.check(text)
    assert report.ok and report.entries[-1].given == pytest.approx(s * (1 - s), rel=1e-15)
    # the same line without dvalue: right here (dvalue = 1), wrong at other points
    (root,) = _roots(r.check(text.replace("dvalue * (1 /", "(1 /")))
    assert (root.name, root.kind, root.by_chance) == ("dsigmoid_dv1", "upstream", True)


def test_evaluation_failures_name_the_line() -> None:
    with pytest.raises(EvaluationError, match=r"division by zero \(at line 2, column 12\)"):
        symbackprop.neuron().check("dvalue = 1.0\ndrelu_dz = dvalue / 0\n")
    with pytest.raises(EvaluationError, match="not a real number"):
        symbackprop.neuron().check("drelu_dz = (-8.0) ** 0.5\n")
    with pytest.raises(
        EvaluationError, match=r"overflow: the value is too large for a float \(at column 12\)"
    ):
        symbackprop.neuron().check("drelu_dz = 9 ** 9 ** 9\n")  # one line: NAME=VALUE pairs
    with pytest.raises(ParseError, match="not Python"):
        symbackprop.neuron().check("drelu_dz = = 1\nx = 1\n")

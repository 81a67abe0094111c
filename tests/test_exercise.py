"""Exercise sheets and their keys: the keys against the same neuron computed in plain Python, the
seeds' neurons solvable by hand, sheets byte-identical across runs and hash seeds, the key accepted
by --check, and the LaTeX document compiling with the key on its own page."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import symbackprop
from symbackprop.errors import InputError

SEEDS = range(10)


def _oracle(x: list[float], w: list[float], b: float, lr: float = 0.001) -> dict[str, float]:
    """One ReLU neuron's backward pass and step, in plain Python, by the chapter's names."""
    n = len(x)
    z = sum(a * c for a, c in zip(x, w)) + b
    mask = 1.0 if z > 0 else 0.0
    out = {"drelu_dz": mask, "dsum_db": 1.0, "drelu_db": mask}
    for i in range(n):
        out[f"dsum_dxw{i}"], out[f"drelu_dxw{i}"] = 1.0, mask
        out[f"dmul_dx{i}"], out[f"dmul_dw{i}"] = w[i], x[i]
        out[f"drelu_dx{i}"], out[f"drelu_dw{i}"] = mask * w[i], mask * x[i]
    new_w = [c - lr * mask * a for a, c in zip(x, w)]
    new_b = b - lr * mask
    out.update({f"new_w{i}": v for i, v in enumerate(new_w)})
    out["new_b"] = new_b
    out["new_y"] = max(sum(a * c for a, c in zip(x, new_w)) + new_b, 0.0)
    return out


def _values(sheet: Any) -> tuple[list[float], list[float], float]:
    d = sheet.result.derivation
    return (
        [d.values[f"x{i}"] for i in range(len(d.arrays["x"]))],
        [d.values[m] for m in d.arrays["w"]],
        d.values["b"],
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_a_seeds_key_is_the_neurons_and_solvable_by_hand(seed: int) -> None:
    sheet = symbackprop.exercise(seed=seed)
    x, w, b = _values(sheet)
    for v in (*x, *w, b):  # small integers or halves
        assert abs(v) <= 3 and (2 * v).is_integer()
    assert all(v != 0 for v in (*x, *w))
    z = sum(a * c for a, c in zip(x, w)) + b
    assert z != 0  # the kink, avoided
    oracle = _oracle(x, w, b)
    assert set(sheet.key) == set(oracle)
    for name, value in sheet.key.items():
        assert value == pytest.approx(oracle[name], rel=1e-12, abs=1e-15), name


@pytest.mark.parametrize("seed", SEEDS)
def test_kink_puts_relus_input_at_zero(seed: int) -> None:
    sheet = symbackprop.exercise(seed=seed, kink=True)
    x, w, b = _values(sheet)
    assert sum(a * c for a, c in zip(x, w)) + b == 0 and (2 * b).is_integer() and abs(b) <= 3
    assert sheet.key["drelu_dz"] == 0.0  # ReLU'(0) = 0, the chapter's 1(z > 0)
    assert sheet.key == pytest.approx(_oracle(x, w, b))


def test_ten_seeds_make_ten_distinct_sheets_with_keys() -> None:
    sheets = [symbackprop.exercise(seed=s) for s in SEEDS]
    assert len({s.markdown() for s in sheets}) == 10
    assert len({tuple(_values(s)[0] + _values(s)[1]) + (_values(s)[2],) for s in sheets}) == 10
    for s in sheets:
        assert "# Answer key (seed" in s.markdown() and s.markdown().count(
            "\\underline{\\hspace{4em}}"
        ) == len(s.key)


def test_blanks_are_what_blank_asks() -> None:
    parts = {
        "factors": {"factor"},
        "gradients": {"gradient", "update"},
        "all": {"factor", "gradient", "update"},
    }
    for blank, blanked in parts.items():
        sheet = symbackprop.exercise(seed=4, blank=blank)
        assert {q.part for q in sheet.questions if q.blank} == blanked
        assert all(q.blank == (q.part in blanked) for q in sheet.questions)
        key = sheet.markdown().split("\n---\n")[1]
        assert "\\underline" not in key  # the key fills every blank
    sheet = symbackprop.exercise(seed=4, blank="factors")
    given = sheet.markdown().split("\n---\n")[0]
    assert (
        "\\mathtt{dmul\\_dx0} &= \\frac{\\partial\\,\\operatorname{mul}(x_{0}, w_{0})}{\\partial x_{0}} = \\underline"
        in given
    )
    assert "\\mathtt{drelu\\_dx0} &= \\mathtt{drelu\\_dxw0} \\cdot \\mathtt{dmul\\_dx0} = " in given


def test_the_key_passes_check(tmp_path: Path, cli: Any) -> None:
    for seed in (0, 5):
        status, out, _ = cli(["exercise", "--seed", str(seed), "--format", "json"])
        data = json.loads(out)
        assert status == 0
        (tmp_path / "key.json").write_text(json.dumps(data["key"]), encoding="utf-8")
        command = data["check"].split()[1:]
        assert command[-2:] == ["--check", "answers.py"]
        status, out, _ = cli([*command[:-1], str(tmp_path / "key.json")])
        assert status == 0, out
        # the key's Python block, as the sheet prints it, is an answers file too
        block = symbackprop.exercise(seed=seed).markdown().split("```python\n")[-1].split("```")[0]
        (tmp_path / "key.py").write_text(block, encoding="utf-8")
        assert cli([*command[:-1], str(tmp_path / "key.py")])[0] == 0


def test_an_expression_and_a_network_have_sheets() -> None:
    sheet = symbackprop.exercise(
        expr="z = w*x + b; a = relu(z); y = a + z", at={"x": 2, "w": 0.5, "b": -0.25}
    )
    # dy/dz = 1(z > 0) + 1 = 2 at z = 0.75; dy/dw = 2 x = 4, dy/dx = 2 w = 1, dy/db = 2
    assert {k: sheet.key[k] for k in ("dy_dz", "dy_dw", "dy_dx", "dy_db")} == {
        "dy_dz": 2.0,
        "dy_dw": 4.0,
        "dy_dx": 1.0,
        "dy_db": 2.0,
    }
    assert sheet.check_command.startswith("symbackprop derive 'z = w*x + b; a = relu(z); y = a + z' --at x=2")
    spec = {"inputs": [[1.0, -2.0]], "layers": [{"weights": [[0.5], [1.5]], "biases": [0.5], "activation": "relu"}],
            "dvalues": [[2.0]], "lr": 0.1}  # fmt: skip
    sheet = symbackprop.exercise(spec=spec)
    # z = 0.5 - 3 + 0.5 = -2: the mask is 0, and so is every gradient below it
    assert sheet.key["dactivation1"].tolist() == [[0.0]] and sheet.key["dweights1"].tolist() == [[0.0], [0.0]]
    spec["layers"][0]["biases"] = [3.0]  # z = 0.5: dz = 2, dW = X^T dz = [[2], [-4]], dX = dz W^T = [[1, 3]]
    sheet = symbackprop.exercise(spec=spec)
    assert sheet.key["dweights1"].tolist() == [[2.0], [-4.0]] and sheet.key["dinputs1"].tolist() == [
        [1.0, 3.0]
    ]
    assert symbackprop.network(spec).check({k: v.tolist() for k, v in sheet.key.items()}).ok


def test_bad_requests_are_input_errors(cli: Any) -> None:
    for kwargs, message in (
        ({"kink": True}, "needs seed="),
        ({"seed": 1, "expr": "x*w"}, "does not go with expr="),
        ({"seed": 1, "kink": True, "activation": "sigmoid"}, "sigmoid has no kink"),
        ({"seed": -1}, "whole number from 0"),
        ({"blank": "some"}, "blank= is one of factors, gradients, all"),
    ):
        with pytest.raises(InputError, match=message):
            symbackprop.exercise(**kwargs)
    status, _, err = cli(["exercise", "--kink"])
    assert status == 2 and "--kink needs --seed" in err
    assert cli(["exercise", "--format", "text"])[0] == 2


def _run(args: list[str], hashseed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    done = subprocess.run(
        [sys.executable, "-m", "symbackprop", *args], capture_output=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("args", [["--seed", "7", "--kink", "--format", "latex", "--standalone"],
                                  ["--expr", "z = w*x + b; a = relu(z); y = a*z", "--at", "x=1", "--at", "w=2",
                                   "--at", "b=-0.5"]])  # fmt: skip
def test_sheets_are_byte_identical_across_runs_and_hash_seeds(args: list[str]) -> None:
    outputs = {_run(["exercise", *args], seed) for seed in ("0", "1", "0")}
    assert len(outputs) == 1
    assert (
        outputs.pop()
        == symbackprop.exercise(**_keywords(args)).render(_format(args), "--standalone" in args).encode()
    )


def _format(args: list[str]) -> str:
    return args[args.index("--format") + 1] if "--format" in args else "markdown"


def _keywords(args: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    it = iter(args)
    for a in it:
        if a == "--seed":
            out["seed"] = int(next(it))
        elif a == "--kink":
            out["kink"] = True
        elif a == "--expr":
            out["expr"] = next(it)
        elif a == "--at":
            k, v = next(it).split("=")
            out.setdefault("at", {})[k] = float(v)
        elif a == "--format":
            next(it)
    return out


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("kind", ["neuron", "network", "report"])
def test_the_standalone_latex_compiles_with_the_key_on_its_own_page(kind: str, tmp_path: Path) -> None:
    if kind == "neuron":
        tex = symbackprop.exercise(seed=2).latex(standalone=True)
    elif kind == "network":
        spec = {"inputs": [[1.0, -2.0, 0.5], [0.5, 1.0, -1.0]],
                "layers": [{"weights": [[0.5, -1.0], [1.5, 0.5], [-0.5, 1.0]], "biases": [0.5, -0.5], "activation": "relu"},
                           {"weights": [[1.0], [-1.0]], "biases": [0.0], "activation": "sigmoid"}],
                "loss": {"kind": "binary_crossentropy", "targets": [[1.0], [0.0]]}, "lr": 0.1}  # fmt: skip
        tex = symbackprop.exercise(spec=spec).latex(standalone=True)
    else:
        answers = "w = [-3.0, -1.0, 2.0]\ndrelu_dz = 1.0\ndsum_dxw0 = 1\ndrelu_dxw0 = drelu_dz * dsum_dxw0\n"
        answers += "dmul_dx0 = w[0]\ndrelu_dx0 = -drelu_dxw0 * dmul_dx0\ndx = [drelu_dx0, -1.0, 2.0]\n"
        tex = symbackprop.neuron().check(answers).latex(standalone=True)
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    if kind != "report":
        assert tex.count("\\clearpage") == 1 and tex.index("\\clearpage") < tex.index("Answer key")
    (tmp_path / "doc.tex").write_text(tex, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)  # fmt: skip
    log = (tmp_path / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, log[-3000:]
    assert "Overfull \\hbox" not in log and "Overfull \\vbox" not in log, log
    if kind != "report" and shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", "doc.pdf", "-"], cwd=tmp_path, capture_output=True,
                              text=True, timeout=60).stdout  # fmt: skip
        pages = text.split("\f")
        first_key = next(k for k, page in enumerate(pages) if "Answer key" in page)
        assert first_key > 0 and "Exercise" not in pages[first_key]  # the key begins a page of its own


def test_exercise_takes_the_tables_keywords_and_defaults() -> None:
    import inspect

    from symbackprop import options

    parameters = inspect.signature(symbackprop.exercise).parameters
    for opt in options.of_command("exercise"):
        if opt.call and opt.into is None:
            assert parameters[opt.keyword].default == opt.default, opt.keyword
    assert [o.keyword for o in options.of_command("exercise") if not o.call] == [
        "format",
        "standalone",
        "output",
    ]

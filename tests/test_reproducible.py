"""Reproducible output: every format byte-identical across runs and PYTHONHASHSEED values, and
files written atomically (all or nothing, a plain file's permissions, no temporary file left).

Each seed gets one fresh interpreter that writes every case in every format through the
command line's ``-o`` (so the writer is exercised too); the directories must match byte for
byte.  A doc-build cache is keyed on content: a changed directive never shows the old result.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from symbackprop import _files
from symbackprop.cli import main

HAS_SVG = shutil.which("dot") is not None and importlib.util.find_spec("graphviz") is not None
FORMATS = ["text", "latex", "markdown", "python", "json", "dot", "tikz"] + (["svg"] if HAS_SVG else [])

SPEC = {
    "inputs": [[1.0, 2.0, 3.0, 2.5], [2.0, 5.0, -1.0, 2.0]],
    "layers": [
        {
            "weights": [[0.2, 0.5], [0.8, -0.91], [-0.5, 0.26], [1.0, -0.5]],
            "biases": [2.0, 3.0],
            "activation": "relu",
        },
        {
            "weights": [[0.1, -0.14, 0.5], [-0.5, 0.12, -0.33]],
            "biases": [-1.0, 2.0, -0.5],
            "activation": "softmax",
        },
    ],
    "loss": {"kind": "categorical_crossentropy", "targets": [0, 2]},
    "lr": 0.01,
}

# Expressions with many leaves, repeated leaves, sets of names and every kind of operation, so
# that any iteration over a set or a hash-ordered dict would show.
CASES = {
    "neuron": ["neuron", "--wrt", "w2,b,x0,w0"],
    "sigmoid-neuron": [
        "neuron",
        "--activation",
        "sigmoid",
        "--x=0.5,-1.5,2,7",
        "--w=1,2,-3,0.25",
        "--lr",
        "0.1",
    ],
    "expression": [
        "derive",
        "relu(zeta*w0 + alpha*w1 + b) + max(a, b, c) * exp(-c) - log(sqrt(abs(a) + 1)) / tanh(q + 2)",
        *[
            f"--at={n}={v}"
            for n, v in zip(["zeta", "w0", "alpha", "w1", "b", "a", "c", "q"], [1, -3, -2, -1, 1, 0.5, 2, 3])
        ],
        "--wrt",
        "c,a,zeta,b",
        "--lr",
        "0.001",
        "--update",
        "w1,w0,b",
    ],
    "latex": [
        "derive",
        r"\text{ReLU}\left(\sum_{i=0}^{3} x_i w_i + b\right) + \sigma(x_0 x_3)",
        "--latex-input",
        *[f"--at=x{i}={i - 1.5}" for i in range(4)],
        *[f"--at=w{i}={0.25 * i}" for i in range(4)],
        "--at=b=1",
        "--dvalue",
        "2",
    ],
}

WRITER = textwrap.dedent(
    """
    import json, sys
    from symbackprop.cli import main
    cases, formats, out = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
    for name, argv in cases.items():
        for fmt in formats:
            if argv[0] == "network" and fmt in ("dot", "svg", "tikz"):
                continue
            status = main([*argv, "--format", fmt, "-o", f"{out}/{name}.{fmt}"])
            if status != 0:
                sys.exit(f"{name} {fmt}: status {status}")
        if argv[0] != "network":
            frames = ["--format", "tikz", "--frames", f"{out}/{name}-frames", "-o", f"{out}/{name}.t"]
            status = main([*argv, *frames])
            if status != 0:
                sys.exit(f"{name} frames: status {status}")
    """
)


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _write_everything(tmp_path: Path, seed: str, cases: dict[str, list[str]]) -> dict[str, str]:
    out = tmp_path / f"seed-{seed}"
    out.mkdir()
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run(
        [sys.executable, "-c", WRITER, json.dumps(cases), json.dumps(FORMATS), str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,  # a hang guard only
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not [p for p in out.rglob(".symbackprop-*")], "a temporary file was left behind"
    return _tree(out)


def _cases_with_network(tmp_path: Path) -> dict[str, list[str]]:
    cases = dict(CASES)
    try:
        import symbackprop._network  # noqa: F401
    except ImportError:
        return cases
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC), encoding="utf-8")
    cases["network"] = ["network", str(spec), "--wrt", "W1[2,0]", "--wrt", "b2[1]"]
    return cases


def test_every_format_is_byte_identical_across_hash_seeds(tmp_path):
    cases = _cases_with_network(tmp_path)
    runs = {seed: _write_everything(tmp_path, seed, cases) for seed in ("0", "1", "4242")}
    first = runs["0"]
    expected = {
        f"{name}.{fmt}"
        for name, argv in cases.items()
        for fmt in FORMATS
        if argv[0] != "network" or fmt not in ("dot", "svg", "tikz")
    }
    assert expected <= set(first), sorted(expected - set(first))
    assert any("-frames/" in name for name in first)
    for seed, tree in runs.items():
        differing = sorted(k for k in first.keys() | tree.keys() if first.get(k) != tree.get(k))
        assert not differing, f"PYTHONHASHSEED={seed} changed {differing}"


def test_output_file_is_what_stdout_shows(tmp_path, capsys):
    argv = CASES["expression"]
    for fmt in ("text", "json", "latex"):
        assert main([*argv, "--format", fmt]) == 0
        shown = capsys.readouterr().out
        target = tmp_path / f"out.{fmt}"
        assert main([*argv, "--format", fmt, "-o", str(target)]) == 0
        assert capsys.readouterr().out == ""
        assert target.read_bytes() == shown.encode("utf-8")


def test_api_output_is_stable_within_a_process():
    import symbackprop

    expr = "relu(zeta*w0 + alpha*w1 + b) + max(a, b, c)"
    at = dict(zeta=1, w0=-3, alpha=-2, w1=-1, b=1, a=0.5, c=2)
    first = symbackprop.derive(expr, at=at)
    again = symbackprop.derive(expr, at=dict(reversed(list(at.items()))))
    for fmt in ("text", "latex", "markdown", "python", "json", "dot", "tikz"):
        assert first.render(fmt) == first.render(fmt) == again.render(fmt), fmt


# --- writing files atomically ------------------------------------------------------------------


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_written_files_get_plain_permissions(tmp_path, capsys):
    new = tmp_path / "new.txt"
    assert main(["neuron", "-o", str(new)]) == 0
    assert new.stat().st_mode & 0o777 == 0o666 & ~_umask()  # was 0600: a private temporary file's
    existing = tmp_path / "existing.txt"
    existing.write_text("old", encoding="utf-8")
    existing.chmod(0o640)
    assert main(["neuron", "-o", str(existing)]) == 0
    assert existing.stat().st_mode & 0o777 == 0o640  # an existing file keeps its permissions
    assert existing.read_text(encoding="utf-8").startswith("y = ")


def test_a_failed_write_leaves_nothing_behind(tmp_path, capsys):
    folder = tmp_path / "a-directory"
    folder.mkdir()
    status = main(["neuron", "-o", str(folder)])
    _, err = capsys.readouterr()
    assert status == 2 and err.startswith("symbackprop: error: cannot write") and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-directory"]  # no .symbackprop-* left
    status = main(["neuron", "-o", str(tmp_path / "missing" / "out.txt")])
    assert status == 2 and "cannot write" in capsys.readouterr().err


def test_an_error_leaves_the_old_file_untouched(tmp_path, capsys):
    target = tmp_path / "out.json"
    target.write_text("previous\n", encoding="utf-8")
    assert main(["derive", "log(x)", "--at", "x=0", "--format", "json", "-o", str(target)]) == 1
    assert target.read_text(encoding="utf-8") == "previous\n"


def test_interrupted_replace_keeps_the_old_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    target.write_text("previous\n", encoding="utf-8")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        _files.write_atomically(target, "new text that never lands\n")
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_text_is_written_as_utf8_with_newlines(tmp_path):
    target = tmp_path / "out.txt"
    _files.write_atomically(target, "σ(z) ∂y/∂x\nline two\n")
    assert target.read_bytes() == "σ(z) ∂y/∂x\nline two\n".encode()


# --- the doc-build cache is keyed on content ----------------------------------------------------


def test_a_changed_directive_never_shows_the_old_result(make_app, tmp_path):
    pytest.importorskip("sphinx")
    from docutils import nodes

    from symbackprop import _docspec

    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["symbackprop.sphinx"]\n', encoding="utf-8")
    page = src / "index.rst"

    def build(w: str) -> list[str]:
        page.write_text(
            f"Page\n====\n\n.. backprop:: x*w\n   :at: x=3, w={w}\n   :show: gradients\n", encoding="utf-8"
        )
        _docspec._MEMORY.clear()  # a new build process has none; the disk cache stays
        app = make_app("html", srcdir=src)
        app.build()
        return [n.astext() for n in app.env.get_doctree("index").findall(nodes.math_block)]

    first, second = build("2"), build("5")
    assert first != second
    assert "3" in second[0] and "5" in second[0]
    assert build("2") == first  # and back: the cached entry for the first spec is still right

"""The command line, through ``main(argv)`` and as a real process."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from symbackprop import __version__
from symbackprop.cli import main


def run(argv, capsys, stdin: str | None = None, monkeypatch=None):
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_neuron_default_is_the_chapter(capsys):
    status, out, err = run(["neuron"], capsys)
    assert status == 0 and err == ""
    lines = out.splitlines()
    # the quantities the chapter's cells print, in their order
    order = [
        "xw0 ",
        "xw1 ",
        "xw2 ",
        "z ",
        "y ",
        "drelu_dz ",
        "drelu_dxw0 ",
        "drelu_db ",
        "drelu_dx0 ",
        "drelu_dw2 ",
    ]
    start = lines.index("Forward pass")
    positions = [
        next(k for k in range(start, len(lines)) if lines[k].strip().startswith(tag)) for tag in order
    ]
    assert positions == sorted(positions)
    assert "  dx = [-3.0, -1.0, 2.0]" in lines
    assert "  dw = [1.0, -2.0, 3.0]" in lines
    assert "  db = 1.0" in lines
    assert "  before: w = [-3.0, -1.0, 2.0]  b = 1.0" in lines
    assert "  after:  w = [-3.001, -0.998, 1.997]  b = 0.999" in lines
    assert lines[-1].strip() == "y = 5.985  (was 6.0)"


def test_neuron_json_matches_the_api(capsys):
    from symbackprop import api

    status, out, _ = run(["neuron", "--format", "json"], capsys)
    assert status == 0
    assert json.loads(out) == json.loads(json.dumps(api.neuron().to_dict()))


@pytest.mark.parametrize("form", [["--w=-3,-1,2"], ["--w", "-3,-1,2"]])
def test_negative_lists_with_and_without_equals(form, capsys):
    status, out, _ = run(["neuron", *form, "--x=1,-2,3", "--b", "1", "--format", "json"], capsys)
    assert status == 0
    assert json.loads(out)["gradients"]["x0"] == -3.0


def test_derive_with_update(capsys):
    status, out, _ = run(
        ["derive", "relu(x0*w0 + x1*w1 + b)", "--at", "x0=1", "--at", "w0=-3", "--at", "x1=-2"]
        + ["--at", "w1=-1", "--at", "b=5", "--lr", "0.5", "--update", "w0,b", "--format", "json"],
        capsys,
    )
    assert status == 0
    data = json.loads(out)
    assert data["expression"] == "ReLU(sum(mul(x0, w0), mul(x1, w1), b))"
    assert data["output"] == 4.0
    assert data["step"] == {"lr": 0.5, "values": {"w0": -3.5, "b": 4.5}, "output": 3.0}


def test_stdin_and_output_file(tmp_path, capsys, monkeypatch):
    target = tmp_path / "out.md"
    status, out, _ = run(
        ["derive", "-", "--at", "x=2", "--format", "markdown", "-o", str(target)], capsys, "x*x", monkeypatch
    )
    assert status == 0 and out == ""
    assert target.read_text().startswith("# Backpropagation through")
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["neuron", "--x=1,2"], 2, "--x has 2 values and --w has 3: they must have the same length"),
        (["neuron", "--x=1,a,3"], 2, "--x: 'a' is not a number (item 2 of '1,a,3')"),
        (["neuron", "--x=1,nan,3"], 2, "x1 must be finite"),
        (["neuron", "--b=inf"], 2, "b must be finite"),
        (["neuron", "--activation", "mish"], 2, "invalid choice: 'mish'"),
        (["neuron", "--wrt", "q7"], 2, "unknown name 'q7' in --wrt"),
        (["neuron", "--format", "svgz"], 2, "invalid choice: 'svgz'"),
        (["neuron", "--standalone"], 2, "--standalone applies to --format latex only"),
        (["derive", "x*y", "--at", "x=1", "--format", "python"], 1, "there is no value for y"),
        (["derive", "x*y", "--at", "x=1", "--at", "y=1", "--at", "z=2"], 2, "unknown name 'z' in --at"),
        (["derive", "x", "--at", "x"], 2, "--at: 'x' is not NAME=VALUE"),
        (["derive", "log(x)", "--at", "x=0"], 1, "log of a non-positive number (0.0) in log(x)"),
        (["derive", "x/(y - 1)", "--at", "x=1", "--at", "y=1"], 1, "division by zero in x / (y - 1)"),
        (["derive", "exp(x)", "--at", "x=1000"], 1, "exp(1000.0) overflows"),
        (["derive", "x*w", "--at", "x=1", "--at", "w=1", "--lr", "0.1"], 2, "--lr needs --update"),
        (["derive", "x +* y"], 2, "column"),
        (["bogus"], 2, "invalid choice: 'bogus'"),
    ],
)
def test_errors_are_one_line_with_status(argv, status, message, capsys):
    got, out, err = run(argv, capsys)
    assert got == status
    assert out == ""
    assert err.startswith("symbackprop: error: ")
    assert err.count("\n") == 1
    assert message in err
    assert "Traceback" not in err


def test_process_version_and_help():
    version = subprocess.run(
        [sys.executable, "-m", "symbackprop", "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0 and version.stdout.strip() == f"symbackprop {__version__}"
    for command in (["--help"], ["neuron", "--help"], ["derive", "--help"]):
        shown = subprocess.run(
            [sys.executable, "-m", "symbackprop", *command], capture_output=True, text=True
        )
        assert shown.returncode == 0
        assert "example" in shown.stdout


def test_process_error_has_no_traceback():
    done = subprocess.run(
        [sys.executable, "-m", "symbackprop", "derive", "log(x)", "--at", "x=-1"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr == "symbackprop: error: log of a non-positive number (-1.0) in log(x)\n"


def test_process_neuron_prints_the_new_output():
    done = subprocess.run([sys.executable, "-m", "symbackprop", "neuron"], capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stdout.splitlines()[-1].strip().startswith("y = 5.985")

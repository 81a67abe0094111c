"""Whole processes: the command line's start-up against a bare interpreter and ``import sympy``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from ._common import Mismatch, Timing, check_close, ratio, seconds
from ._report import Section, Target

PY = sys.executable


def console_script() -> list[str]:
    """The installed ``symbackprop`` command next to this interpreter (else ``python -m symbackprop``)."""
    script = Path(PY).with_name("symbackprop")
    return [str(script)] if script.exists() else [PY, "-m", "symbackprop"]


def commands() -> dict[str, list[str]]:
    cli = console_script()
    return {
        "python -c pass": [PY, "-c", "pass"],
        'python -c "import sympy"': [PY, "-c", "import sympy"],
        "symbackprop --help": [*cli, "--help"],
        "symbackprop neuron --format json": [*cli, "neuron", "--format", "json"],
        "symbackprop neuron --format latex": [*cli, "neuron", "--format", "latex"],
    }


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def _run(argv: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, env=_env(), check=False)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        raise Mismatch(f"{' '.join(argv[-3:])} exited with {out.returncode}: {out.stderr.strip()[-300:]}")
    return elapsed, out.stdout


def check_outputs(outputs: dict[str, str]) -> None:
    """The processes printed what the Python API computes, and micrograd agrees with the gradients."""
    import symbackprop

    from .neuron import run_micrograd

    if "usage: symbackprop" not in outputs["symbackprop --help"]:
        raise Mismatch("symbackprop --help printed no usage")
    result = symbackprop.neuron()
    got = json.loads(outputs["symbackprop neuron --format json"])
    check_close("symbackprop neuron --format json", got["gradients"], result.gradients)
    check_close(
        "the chapter's neuron against micrograd",
        got["gradients"],
        run_micrograd([1.0, -2.0, 3.0], [-3.0, -1.0, 2.0], 1.0),
    )
    if outputs["symbackprop neuron --format latex"] != result.latex():
        raise Mismatch("symbackprop neuron --format latex differs from Result.latex()")
    no_sympy = (
        "import sys\n"
        "from symbackprop.cli import main\n"
        "assert main(['--help']) == 0\n"
        "assert main(['neuron', '--no-such-option']) == 2\n"
        "assert 'sympy' not in sys.modules, 'help or a usage error imported SymPy'\n"
    )
    out = subprocess.run([PY, "-c", no_sympy], capture_output=True, text=True, env=_env(), check=False)
    if out.returncode != 0:
        raise Mismatch(out.stderr.strip().splitlines()[-1])


def import_profile(argv: list[str], top: int = 8) -> list[str]:
    """The slowest imports of one process (``-X importtime``, cumulative microseconds)."""
    env = {**_env(), "PYTHONPROFILEIMPORTTIME": "1"}
    out = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    rows = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _own, cumulative, name = line[len("import time:") :].split("|")
        rows.append((int(cumulative), name.rstrip()))
    rows.sort(reverse=True)
    return [f"{us / 1000:8.1f} ms  {name}" for us, name in rows[:top]]


def bench(repeat: int = 15) -> Section:
    cmds = commands()
    timings = {name: Timing() for name in cmds}
    outputs: dict[str, str] = {}
    for name, argv in cmds.items():  # one warm-up each: the file cache, .pyc files
        _, outputs[name] = _run(argv)
    check_outputs(outputs)
    for _ in range(repeat):  # interleaved, so drift in the machine's load hits all alike
        for name, argv in cmds.items():
            elapsed, _ = _run(argv)
            timings[name].runs.append(elapsed)
    base = timings["python -c pass"].median
    sympy_t = timings['python -c "import sympy"'].median
    s = Section("Start-up: whole processes")
    s.lines += [
        f"Each command as a fresh process, {repeat} runs interleaved, medians. `symbackprop` is the "
        "installed console script. Before timing, the outputs are checked: `--help` prints the "
        "usage, the JSON's gradients equal the Python API's and micrograd's, the LaTeX equals "
        "`Result.latex()`, and neither `--help` nor a usage error imports SymPy. Where the package "
        "is installed in editable mode, its import hook loads with every interpreter here, the "
        "bare ones too.",
        "",
        "| command | median | / `python -c pass` | / `import sympy` |",
        "|---|---:|---:|---:|",
    ]
    for name, t in timings.items():
        s.lines.append(
            f"| `{name}` | {seconds(t.median)} | {ratio(t.median, base)} | {ratio(t.median, sympy_t)} |"
        )
    help_r = timings["symbackprop --help"].median / base
    json_r = timings["symbackprop neuron --format json"].median / sympy_t
    s.targets += [
        Target("`symbackprop --help` within 2× of `python -c pass`", f"{help_r:.2f}×", help_r <= 2),
        Target(
            '`symbackprop neuron --format json` within 1.5× of `python -c "import sympy"`',
            f"{json_r:.2f}×",
            json_r <= 1.5,
        ),
    ]
    for target, name in (
        (s.targets[0], "symbackprop --help"),
        (s.targets[1], "symbackprop neuron --format json"),
    ):
        if not target.met:
            s.lines += ["", f"Slowest imports of `{name}` (`-X importtime`, cumulative):", "", "```"]
            s.lines += import_profile(cmds[name])
            s.lines += ["```"]
    return s


def smoke() -> None:
    outputs = {name: _run(argv)[1] for name, argv in commands().items()}
    check_outputs(outputs)

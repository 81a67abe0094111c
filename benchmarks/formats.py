"""Every format of one ReLU neuron as a user pays for it, ``neuron(x, w, b)`` and then the format,
against micrograd's forward and backward on the same neuron.

Each run's output is checked against micrograd before the next run starts: the gradients (the
JSON and ``to_dict()`` to every digit; the text, LaTeX and Markdown walkthroughs' gradients read
back from the page; the figure's red labels to the four digits it shows), the output after the
update step (micrograd's forward pass at the stepped weights and bias) and, for the generated
program, its inputs and, run once outside the timing, its last printed number.
"""

from __future__ import annotations

import ast
import dataclasses
import gc
import json
import math
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._common import Mismatch, Timing, check_close, profile_lines, ratio, run_with_stack, seconds, unbounded
from ._report import Section, Target
from .neuron import data, run_micrograd

SIZES = (10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
LR = 0.001  # the chapter's learning rate (symbackprop's default), given to both sides explicitly
RATIO = 3.0  # each format within this many times micrograd's forward and backward ...
RATIO_AT = 10_000  # ... at this many inputs
GROWTH = 11.0  # ten times the inputs for at most eleven times the time: t(10 n) / t(n)
RUN_PROGRAM_UP_TO = 10_000  # the generated program runs (once, untimed) up to this many inputs
FIGURE_REL = 1e-3  # the figure's labels show 4 significant digits
BUDGET = 300.0  # seconds of timed runs per size: no further round once the rounds so far took this

ROOT = Path(__file__).resolve().parent.parent
MICROGRAD = "micrograd forward and backward"
DERIVE = "neuron(x, w, b)"
PYTHON = 'render("python")'

#: The formats, each applied to ``symbackprop.neuron(x, w, b)`` inside the timing.
FORMATS: dict[str, Callable[[Any], Any]] = {
    "to_dict()": lambda r: r.to_dict(),
    'render("json")': lambda r: r.render("json"),
    'render("text")': lambda r: r.render("text"),
    'render("latex")': lambda r: r.render("latex"),
    'render("markdown")': lambda r: r.render("markdown"),
    'render("python")': lambda r: r.render("python"),
    'render("dot")': lambda r: r.render("dot"),
}
CONTENDERS = (MICROGRAD, DERIVE, *FORMATS)


@dataclass
class Reference:
    """What micrograd says about the neuron: every gradient and the output after the step."""

    x: list[float]
    w: list[float]
    b: float
    gradients: dict[str, float]
    after: float


def micrograd_after_step(x: list[float], w: list[float], b: float, grads: dict[str, float]) -> float:
    """micrograd's forward pass at ``w + (-lr) dw`` and ``b + (-lr) db``, summed in the same order."""
    from micrograd.engine import Value

    ws = [c + -LR * grads[f"w{i}"] for i, c in enumerate(w)]
    z = Value(x[0]) * Value(ws[0])
    for a, c in zip(x[1:], ws[1:]):
        z = z + Value(a) * Value(c)
    z = z + Value(b + -LR * grads["b"])
    return float(z.relu().data)


def reference(n: int) -> Reference:
    x, w, b = data(n)
    grads = run_micrograd(x, w, b)
    return Reference(x, w, b, grads, micrograd_after_step(x, w, b, grads))


def contender(name: str, x: list[float], w: list[float], b: float) -> Callable[[], Any]:
    """What one run of ``name`` times; its imports and a first call (the lazy imports) done here."""
    if name == MICROGRAD:
        run_micrograd([1.0], [1.0], 1.0)
        return lambda: run_micrograd(x, w, b)
    import symbackprop

    if name == DERIVE:
        symbackprop.neuron()
        return lambda: symbackprop.neuron(x, w, b, lr=LR, digits="full", limits=unbounded(len(x)))
    fmt = FORMATS[name]
    fmt(symbackprop.neuron())
    return lambda: fmt(
        symbackprop.neuron(x, w, b, lr=LR, digits="full", limits=unbounded(len(x)))
    )  # every digit, to check them


# -- the checks: each reads one contender's output and compares it with micrograd's ---------------


def _number(what: str, got: float, want: float) -> None:
    if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
        raise Mismatch(f"{what} is {got!r}, micrograd's is {want!r}")


def _nonempty(what: str, out: Any) -> str:
    if not isinstance(out, str) or not out.strip():
        raise Mismatch(f"{what} printed nothing")
    return out


def _find(what: str, pattern: str, text: str) -> re.Match[str]:
    found = re.search(pattern, text, re.MULTILINE)
    if found is None:
        raise Mismatch(f"{what}: no match for {pattern!r}")
    return found


def _by_name(dx: list[float], dw: list[float], db: float) -> dict[str, float]:
    """The gradients as the arrays print them (``dx``, ``dw``, ``db``), under the leaves' names."""
    grads = {f"x{i}": v for i, v in enumerate(dx)}
    grads.update({f"w{i}": v for i, v in enumerate(dw)})
    grads["b"] = db
    return grads


def check_micrograd(what: str, out: Any, ref: Reference) -> None:
    check_close(what, out, ref.gradients)


def check_derivation(what: str, out: Any, ref: Reference) -> None:
    check_close(what, out.gradients, ref.gradients)


def check_dict(what: str, out: Any, ref: Reference) -> None:
    """The JSON layout: every gradient to the digit, and the output after the step."""
    check_close(f"{what}: gradients", out["gradients"], ref.gradients)
    _number(f"{what}: the output after the step", float(out["step"]["output"]), ref.after)


def check_json(what: str, out: Any, ref: Reference) -> None:
    check_dict(what, json.loads(_nonempty(what, out)), ref)


def check_text(what: str, out: Any, ref: Reference) -> None:
    """The walkthrough's Gradients section (every digit) and its forward pass after the step."""
    text = _nonempty(what, out)
    grads = _find(what, r"^Gradients\n  dx = \[(.*)\]\n  dw = \[(.*)\]\n  db = (\S+)$", text)
    dx, dw = ([float(v) for v in grads[k].split(", ")] for k in (1, 2))
    check_close(f"{what}: Gradients", _by_name(dx, dw, float(grads[3])), ref.gradients)
    after = _find(what, r"^Forward pass again\n  y = (\S+)  \(was ", text)
    _number(f"{what}: the output after the step", float(after[1]), ref.after)


def latex_number(what: str, text: str) -> float:
    """A number as the LaTeX printer writes it: ``-0.25``, ``1``, ``1.5 \\cdot 10^{-7}``."""
    number = re.fullmatch(r"(-?\d+(?:\.\d+)?)(?: \\cdot 10\^\{(-?\d+)\})?", text.strip())
    if number is None:
        raise Mismatch(f"{what}: {text!r} is not a number")
    return float(number[1] + (f"e{number[2]}" if number[2] else ""))


def check_tex(what: str, out: Any, ref: Reference) -> None:
    """LaTeX and Markdown: the gradients' ``bmatrix`` rows and the output after the step."""
    text = _nonempty(what, out)
    # a vector as a bmatrix row, or (too wide for the line) a bracketed list wrapped over lines
    rows = [
        _find(
            what,
            rf"\\mathit\{{d{a}\}} &= (?:\\begin\{{bmatrix\}} (.*?) \\end\{{bmatrix\}}|\\bigl\[\\, (.*?) \\,\\bigr\])",
            text.replace(" \\\\\n&\\quad ", " "),
        ).group(1, 2)
        for a in ("x", "w")
    ]
    dx, dw = (
        [latex_number(what, v) for v in (matrix.split(" & ") if matrix else listed.split(", "))]
        for matrix, listed in rows
    )
    db = latex_number(what, _find(what, r"^\\mathit\{db\} &= (.*?)(?: \\\\)?$", text)[1])
    check_close(f"{what}: gradients", _by_name(dx, dw, db), ref.gradients)
    after = _find(what, r"^y &= (.*?) \\quad \(\\text\{was ", text)
    _number(f"{what}: the output after the step", latex_number(what, after[1]), ref.after)


def check_program(what: str, out: Any, ref: Reference) -> None:
    """The generated program starts from the neuron's numbers and ends by printing the output.

    Running it (:func:`run_program`) is the check of what it computes; that runs once, untimed."""
    program = _nonempty(what, out)
    for name, want in (("x", ref.x), ("w", ref.w)):
        if ast.literal_eval(_find(what, rf"^{name} = (\[[^\]\n]*\])", program)[1]) != want:
            raise Mismatch(f"{what}: the program's {name} differs from the neuron's")
    if float(_find(what, r"^b = (\S+)", program)[1]) != ref.b:
        raise Mismatch(f"{what}: the program's b differs from the neuron's")
    if not program.rstrip().endswith('print("y =", y)'):
        raise Mismatch(f"{what}: the program does not end by printing y")


def run_program(what: str, program: str, ref: Reference) -> None:
    """Run the generated program in a fresh interpreter: its last printed number is micrograd's
    output after the step."""
    done = subprocess.run(
        [sys.executable, "-I", "-"], input=program, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise Mismatch(f"{what}: the program exited with {done.returncode}: {done.stderr.strip()[-300:]}")
    printed = done.stdout.split()
    if not printed:
        raise Mismatch(f"{what}: the program printed nothing")
    _number(f"{what}: the program's last printed number", float(printed[-1]), ref.after)


_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def check_dot(what: str, out: Any, ref: Reference) -> None:
    """The figure: each leaf's edge carries its gradient in red, to the 4 digits a label shows."""
    text = _nonempty(what, out)
    if not text.startswith("digraph"):
        raise Mismatch(f"{what}: not a Graphviz digraph")
    # a leaf is a plain italic name; its edge runs through a label node whose red cell is the gradient
    leaves = {
        m[1]: m[2].translate(_SUBSCRIPTS)
        for m in re.finditer(r"^  (n\d+) \[label=<<I>([^<]+)</I>>\];$", text, re.M)
    }
    red = dict(re.findall(r'^  (l\d+) \[label=<.*?<FONT COLOR="red">([^<]+)</FONT>', text, re.M))
    edges = re.finditer(r"^  (n\d+) -> (l\d+):m:w ", text, re.M)
    grads = {leaves[m[1]]: float(red[m[2]]) for m in edges if m[1] in leaves and m[2] in red}
    check_close(f"{what}: the leaves' red labels", grads, ref.gradients, rel=FIGURE_REL)


CHECKS: dict[str, Callable[[str, Any, Reference], None]] = {
    MICROGRAD: check_micrograd,
    DERIVE: check_derivation,
    "to_dict()": check_dict,
    'render("json")': check_json,
    'render("text")': check_text,
    'render("latex")': check_tex,
    'render("markdown")': check_tex,
    'render("python")': check_program,
    'render("dot")': check_dot,
}


# -- the measurement ---------------------------------------------------------------------------------


def child(n: int, name: str, reference_file: str, mode: str) -> dict[str, Any]:
    """One run in this interpreter, started for it: ``time`` (the run, then its check), ``program``
    (the same, then the generated program run) or ``profile`` (the run under cProfile)."""
    x, w, b = data(n)
    run = contender(name, x, w, b)
    if mode == "profile":
        return {"profile": profile_lines(run)}
    gc.collect()
    start = time.perf_counter()
    out = run()
    elapsed = time.perf_counter() - start
    ref = Reference(**json.loads(Path(reference_file).read_text(encoding="utf-8")))
    what = f"{name}, n={n:,}"
    CHECKS[name](what, out, ref)
    if mode == "program":
        run_program(what, out, ref)
    return {"seconds": elapsed}


def spawn(n: int, name: str, reference_file: str | Path, mode: str) -> dict[str, Any]:
    """:func:`child` in a fresh interpreter; a failed check there fails here with its message."""
    argv = [sys.executable, "-m", "benchmarks.formats", str(n), name, str(reference_file), mode]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise Mismatch(f"{name}, n={n:,} (exit status {done.returncode}): {done.stderr.strip()[-800:]}")
    return dict(json.loads(done.stdout.splitlines()[-1]))


def measure(n: int, rounds: int, budget: float = BUDGET) -> dict[str, Timing]:
    """Every contender at n inputs, each run in a fresh interpreter, interleaved round by round (so
    drift in the machine's load hits all alike); the generated program runs in the first round."""
    ref = reference(n)
    timings = {name: Timing() for name in CONTENDERS}
    spent = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        reference_file = Path(tmp) / "reference.json"
        reference_file.write_text(json.dumps(dataclasses.asdict(ref)), encoding="utf-8")
        for k in range(rounds):
            for name in CONTENDERS:
                program = k == 0 and name == PYTHON and n <= RUN_PROGRAM_UP_TO
                elapsed = float(spawn(n, name, reference_file, "program" if program else "time")["seconds"])
                timings[name].runs.append(elapsed)
                spent += elapsed
            if spent > budget:
                break
    return timings


def bench(sizes: tuple[int, int] = SIZES, rounds: tuple[int, int] = (5, 3)) -> Section:
    return run_with_stack(lambda: _section({n: measure(n, k) for n, k in zip(sizes, rounds)}))


def _section(measured: dict[int, dict[str, Timing]]) -> Section:
    small, large = sorted(measured)
    lo, hi = measured[small], measured[large]
    s = Section("Every format: `neuron(x, w, b)` and one format, against micrograd")
    s.lines += [
        f"One ReLU neuron with {small:,} and {large:,} inputs, from lists of floats, the learning rate "
        f"{LR}. Each format is timed as a user pays for it: the whole `symbackprop.neuron(x, w, b)` "
        "and then that format. micrograd builds the same neuron and runs forward and backward; "
        "`neuron(x, w, b)` alone is the derivation without any format. Every run is a fresh "
        "interpreter, as a user's would be, that has imported what its contender needs and run it "
        "once on the chapter's neuron (the lazy imports) before the timed call: in one long process "
        "each run would inherit the allocator's state from the large runs before it, and micrograd "
        "slowed markedly after a large derivation. The runs interleave, one round of every contender "
        f"after another, medians of {len(lo[MICROGRAD].runs)} rounds at {small:,} inputs and "
        f"{len(hi[MICROGRAD].runs)} at {large:,}. "
        "Every output is checked against micrograd before the next run: the gradients (`to_dict()` "
        "and the JSON to every digit; text, LaTeX and Markdown read back from their Gradients "
        "section; the figure's red labels to the 4 digits it shows) and the output after the step "
        "(micrograd's forward pass at the stepped weights); the Python program's inputs and, run "
        f"once outside the timing at up to {RUN_PROGRAM_UP_TO:,} inputs, its last printed number.",
        "",
        f"| contender | {small:,} inputs | / micrograd | {large:,} inputs | / micrograd | "
        f"t({large:,}) / t({small:,}) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    mg_lo, mg_hi = lo[MICROGRAD].median, hi[MICROGRAD].median
    for name in lo:
        s.lines.append(
            f"| {_label(name)} | {lo[name].cell()} | {ratio(lo[name].median, mg_lo)} | {hi[name].cell()} | "
            f"{ratio(hi[name].median, mg_hi)} | {hi[name].median / lo[name].median:.1f} |"
        )
    s.lines += [
        "",
        f"Ten times the inputs: a cost per input that stays flat gives t({large:,}) / t({small:,}) = 10; "
        f"the target is at most {GROWTH:g}. micrograd's own growth is in its row.",
    ]
    missed: list[tuple[str, list[str]]] = []
    at = measured.get(RATIO_AT)
    for name in FORMATS:
        why = []
        if at is not None:
            r = at[name].median / at[MICROGRAD].median
            met = r <= RATIO
            s.targets.append(
                Target(f"`{name}` at {RATIO_AT:,} inputs within {RATIO:g}× of micrograd", f"{r:.2f}×", met)
            )
            if not met:
                why.append(f"{r:.2f}× micrograd at {RATIO_AT:,} inputs")
        growth = hi[name].median / lo[name].median
        met = growth <= GROWTH
        s.targets.append(
            Target(f"`{name}`: t({large:,}) / t({small:,}) at most {GROWTH:g}", f"{growth:.1f}", met)
        )
        if not met:
            why.append(f"t({large:,}) / t({small:,}) = {growth:.1f}")
        if why and at is not None:
            why.append(
                f"of its {seconds(at[name].median)}, the derivation alone takes {seconds(at[DERIVE].median)}"
            )
            missed.append((name, why))
    if missed:
        s.lines += [
            "",
            f"### Where the missed targets' time goes, at {RATIO_AT:,} inputs",
            "",
            "One more run of each format that misses a target, derivation included, in a fresh "
            "interpreter under cProfile "
            "(by own time; a collector pause counts for whichever function allocated when it began).",
        ]
        for name, why in missed:
            s.lines += ["", f"`{name}`: {'; '.join(why)}.", "", "```"]
            s.lines += _profile(name, RATIO_AT)
            s.lines += ["```"]
    return s


def _label(name: str) -> str:
    if name == MICROGRAD:
        return name
    if name == DERIVE:
        return f"`{DERIVE}` alone (no format)"
    return f"`neuron(x, w, b).{name}`"


def _profile(name: str, n: int) -> list[str]:
    return list(spawn(n, name, "-", "profile")["profile"])


def smoke(n: int = 10) -> None:
    """Every contender once at n inputs, each output checked, and the program run (the tests run this)."""
    run_with_stack(lambda: measure(n, rounds=1), stack_mib=64)


def _main(argv: list[str]) -> int:
    """The child's entry: ``python -m benchmarks.formats N CONTENDER REFERENCE_FILE MODE``."""
    n, name, reference_file, mode = argv
    try:
        result = run_with_stack(lambda: child(int(n), name, reference_file, mode))
    except Mismatch as err:
        print(err, file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


__all__ = ["CHECKS", "FORMATS", "Reference", "bench", "reference", "smoke"]

if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))

"""A Sphinx build of a page with 50 ``backprop`` directives: cold, and ``-E`` with a warm cache.

Cold: a new output and doctree directory, so every directive derives and renders (and every
figure is drawn).  Warm: ``sphinx-build -E`` into the same directories, so Sphinx reads every
page again from scratch, but the extension finds each derivation's strings (and figures) in
its cache under the doctree directory.  Each build runs ``python -m sphinx`` as a process.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ._common import Mismatch, Timing, ratio, seconds
from ._report import Section, Target

DIRECTIVES = 50
FUNCTIONS = ("relu", "sigmoid", "tanh")
#: What the directives show, in turn: the mix of parts the project's own docs show.
SHOWS = (
    "chain",
    "gradients",
    "chain, gradients",
    "graph, walkthrough",
    "walkthrough",
    "graph",
    "gradients, step",
    "expression, chain, step",
    "code",
    "chain, gradients, graph",
)


def cases(n: int = DIRECTIVES) -> list[tuple[str, dict[str, float]]]:
    """Distinct neurons and expressions with their values: no two directives share a cache entry."""
    out = []
    for k in range(n):
        f = FUNCTIONS[k % len(FUNCTIONS)]
        width = 2 + k % 4
        expr = f"{f}(" + " + ".join(f"x{i}*w{i}" for i in range(width)) + " + b)"
        at = {f"x{i}": round(0.1 * (k + 1) * (-1) ** i, 3) for i in range(width)}
        at.update({f"w{i}": round(0.5 - 0.07 * (i + k % 7), 3) for i in range(width)})
        at["b"] = round(0.25 * (k % 5), 3)
        out.append((expr, at))
    return out


def shows(graphs: bool) -> list[str]:
    """Each directive's ``:show:`` (without the figures when Graphviz is missing)."""
    out = []
    for k in range(DIRECTIVES):
        parts = [p.strip() for p in SHOWS[k % len(SHOWS)].split(",")]
        out.append(", ".join(p for p in parts if graphs or p != "graph") or "walkthrough")
    return out


def page(graphs: bool) -> str:
    lines = ["Benchmark", "=========", ""]
    for k, ((expr, at), show) in enumerate(zip(cases(), shows(graphs)), start=1):
        values = ", ".join(f"{name}={value!r}" for name, value in at.items())
        lines += [f"Derivation {k}:", "", f".. backprop:: {expr}", f"   :at: {values}", f"   :show: {show}"]
        if "step" in show:
            lines += ["   :lr: 0.1", "   :update: w0, b"]
        lines.append("")
    return "\n".join(lines)


def project(root: Path, graphs: bool) -> Path:
    src = root / "src"
    src.mkdir(parents=True)
    (src / "conf.py").write_text('extensions = ["symbackprop.sphinx"]\nproject = "benchmark"\n')
    (src / "index.rst").write_text(page(graphs))
    return src


def build(src: Path, out: Path, fresh_env: bool) -> float:
    argv = [sys.executable, "-m", "sphinx", "-q", "-b", "html", "-d", str(out / "doctrees")]
    if fresh_env:
        argv.append("-E")
    argv += [str(src), str(out / "html")]
    start = time.perf_counter()
    run = subprocess.run(argv, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if run.returncode != 0 or "WARNING" in run.stderr or "ERROR" in run.stderr:
        raise Mismatch(f"the Sphinx build failed or warned: {run.stderr.strip()[-500:]}")
    return elapsed


def check(html_page: str, graphs: bool) -> None:
    """Each directive that shows gradients has them on the page as the Python API prints them."""
    import symbackprop

    for (expr, at), show in zip(cases(), shows(graphs)):
        if "gradients" not in show:
            continue
        for block in symbackprop.derive(expr, at=at).part("gradients"):
            if html.escape(block, quote=False) not in html_page:
                raise Mismatch(f"the page lacks the gradients of {expr} at {at}")


def floor_page(graphs: bool) -> str:
    """The same page with each directive replaced by one ``.. math::`` block: Sphinx's own share."""
    lines = ["Benchmark", "=========", ""]
    for k, (expr, _) in enumerate(cases(), start=1):
        lines += [f"Derivation {k}:", "", ".. math::", "", f"   y = {expr.replace('*', ' ')}", ""]
    return "\n".join(lines)


def profile_warm(src: Path, out: Path) -> list[str]:
    """Where one warm ``-E`` build spends its time (cProfile, cumulative): Sphinx's phases and the extension."""
    import pstats

    prof = out.parent / "warm.prof"
    argv = [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "sphinx", "-q", "-b", "html"]
    argv += ["-d", str(out / "doctrees"), "-E", str(src), str(out / "html")]
    subprocess.run(argv, capture_output=True, check=True)
    stats = pstats.Stats(str(prof)).stats  # type: ignore[attr-defined]
    total = max(ct for (_, _, _, ct, _) in stats.values())
    phases = {
        "importing Sphinx, docutils, Jinja and the extensions": (
            "<frozen importlib._bootstrap>",
            "_find_and_load",
        ),
        "Sphinx reading the page (docutils parsing, directives included)": ("builders/__init__.py", "read"),
        "Sphinx writing the HTML": ("builders/__init__.py", "write"),
    }
    lines = [f"{seconds(total):>9}  the whole warm build, under the profiler"]
    for what, (file, func) in phases.items():
        times = [
            ct
            for (f, _, fn), (_, _, _, ct, callers) in stats.items()
            if f.endswith(file)
            and fn == func
            and not any(c[0].endswith(file) and c[2] == func for c in callers)
        ]
        lines.append(f"{seconds(sum(times)):>9}  {what}")
    ours = sum(
        ct
        for (f, _, _), (_, _, _, ct, callers) in stats.items()
        if "symbackprop" in f and not any("symbackprop" in c[0] for c in callers)
    )
    lines.append(f"{seconds(ours):>9}  in symbackprop's code (the directives, the cache, the figures' HTML)")
    return lines


def bench(repeat: int = 3) -> Section:
    s = Section("Documentation build: 50 `backprop` directives")
    try:
        import sphinx  # noqa: F401

        import symbackprop.sphinx  # noqa: F401
    except ImportError as err:
        s.lines.append(f"Not measured: {err}.")
        s.targets.append(Target("Sphinx `-E` rebuild with a warm cache ≥ 3× faster than cold", "—", None))
        return s
    graphs = shutil.which("dot") is not None
    cold, warm, floor = Timing(), Timing(), Timing()
    with tempfile.TemporaryDirectory(prefix="symbackprop-docs-") as tmp:
        src = project(Path(tmp), graphs)
        plain = Path(tmp) / "plain"
        plain.mkdir()
        (plain / "conf.py").write_text('project = "benchmark"\n')
        (plain / "index.rst").write_text(floor_page(graphs))
        for k in range(repeat):
            out = Path(tmp) / f"out{k}"
            cold.runs.append(build(src, out, fresh_env=False))
            first = (out / "html" / "index.html").read_text(encoding="utf-8")
            check(first, graphs)
            warm.runs.append(build(src, out, fresh_env=True))
            again = (out / "html" / "index.html").read_text(encoding="utf-8")
            if again != first:
                raise Mismatch("the -E rebuild from the cache wrote a different page")
            floor.runs.append(build(plain, Path(tmp) / f"plain{k}", fresh_env=False))
        speedup = cold.median / warm.median
        explained = [] if speedup >= 3 else profile_warm(src, Path(tmp) / "out0")
    s.lines += [
        "One page with 50 directives, each a different derivation, showing in turn what the "
        f"project's own docs show (`{'`; `'.join(SHOWS)}`"
        f"{'' if graphs else ' — without figures: Graphviz is not installed'}), built as a fresh "
        "process with `python -m sphinx -b html`. Cold: new output and "
        "doctree directories. Warm: `-E` into the same directories — Sphinx reads the page from "
        "scratch, the extension finds each derivation in its cache. Checked: the cold page holds "
        "the gradients of every directive that shows them as the Python API prints them, and the warm page equals it "
        f"byte for byte. {repeat} runs each, medians.",
        "",
        "| build | median | cold / this |",
        "|---|---:|---:|",
        f"| cold | {seconds(cold.median)} | 1.00× |",
        f"| `-E`, warm cache | {seconds(warm.median)} | {ratio(cold.median, warm.median)} |",
        f"| the same page without the extension (one `.. math::` per directive) | {seconds(floor.median)} | "
        f"{ratio(cold.median, floor.median)} |",
        "",
        f"Above that floor, the cold build spends {seconds(cold.median - floor.median)} and the warm one "
        f"{seconds(max(warm.median - floor.median, 0.0))}: "
        + (
            f"the cache takes away {1 - (warm.median - floor.median) / (cold.median - floor.median):.0%} "
            "of what the directives cost."
            if cold.median > floor.median
            else "the directives cost nothing measurable."
        ),
    ]
    if explained:
        s.lines += [
            "",
            "The warm build is mostly Sphinx's own work, which no cache of ours removes: even a warm "
            f"build that cost nothing over the floor would be only {cold.median / floor.median:.2f}× "
            "faster than cold. One warm `-E` build under cProfile (cumulative times; the phases "
            "overlap where a directive runs while the page is read):",
            "",
            "```",
            *explained,
            "```",
        ]
    s.targets.append(
        Target(
            "Sphinx `-E` rebuild with a warm cache ≥ 3× faster than cold",
            f"{speedup:.2f}× faster",
            speedup >= 3,
        )
    )
    return s

"""``python -m benchmarks``: run the suites side by side in one run and write ``benchmarks/RESULTS.md``."""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Callable
from pathlib import Path

from ._common import machine
from ._report import Section

HERE = Path(__file__).resolve().parent

# One BLAS thread for NumPy, as the network suite gives PyTorch one: set before anything loads NumPy.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def suites(quick: bool) -> dict[str, Callable[[], Section]]:
    from . import docs, formats, network, neuron, startup

    repeat = 3 if quick else 5
    sizes = (10, 1_000, 10_000) if quick else neuron.SIZES
    return {
        "neuron": lambda: neuron.bench(sizes, repeat=repeat, memory=not quick),
        "formats": lambda: formats.bench(
            formats.QUICK_SIZES if quick else formats.SIZES, rounds=(3, 3) if quick else (5, 3)
        ),
        "network": lambda: network.bench(repeat=repeat, quick=quick),
        "startup": lambda: startup.bench(repeat=5 if quick else 15),
        "docs": lambda: docs.bench(repeat=3),
    }


def report(sections: list[Section], command: str) -> str:
    targets = [t for s in sections for t in s.targets]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{command}` on {datetime.date.today().isoformat()}; every number below comes "
        "from that one run. Ratios are of medians measured in the same run, so they carry over "
        "between machines better than the times do.",
        "",
        "## Machine",
        "",
        *machine(),
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "|---|---|---|",
        *(t.row() for t in targets),
        "",
    ]
    return "\n".join(lines + [s.markdown() for s in sections])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--only", metavar="SUITES", help="comma-separated: neuron, formats, network, startup, docs"
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer runs (not for RESULTS.md)")
    parser.add_argument("-o", "--output", default=str(HERE / "RESULTS.md"), help="where to write the results")
    args = parser.parse_args(argv)
    available = suites(args.quick)
    chosen = list(available) if args.only is None else [s.strip() for s in args.only.split(",")]
    unknown = [s for s in chosen if s not in available]
    if unknown:
        parser.error(f"unknown suite {unknown[0]!r} (choose from {', '.join(available)})")
    sections = []
    for name in chosen:
        print(f"benchmarks: {name} ...", file=sys.stderr, flush=True)
        section = available[name]()
        sections.append(section)
        for t in section.targets:
            print(
                f"  {t.goal}: {t.measured} ({'met' if t.met else 'not met' if t.met is False else '-'})",
                file=sys.stderr,
            )
    command = "python -m benchmarks" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    Path(args.output).write_text(report(sections, command), encoding="utf-8")
    print(f"benchmarks: wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

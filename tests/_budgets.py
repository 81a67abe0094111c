"""The worst inputs the default limits admit, one per bound and entrance, and a child process that
runs one and reports its own CPU time and peak memory (``resource``, RUSAGE_SELF in the child).

``tests/test_budgets.py`` holds each to the budget (5 s of CPU, 1 GiB); ``python tests/_budgets.py``
prints the table docs/fuzzing.md quotes.  Each input sits at the edge of the bound that admits it.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

#: The budget every admitted input keeps to (issue 14): CPU seconds, and bytes of address space.
CPU_SECONDS = 5.0
MEMORY = 1 << 30

_DENSE_FACTORS = (
    lambda k, j: rf"\frac{{a_{{{k}}}}}{{b_{{{j}}}}}",
    lambda k, j: rf"\sqrt{{c_{{{k}}}}}",
    lambda k, j: rf"d_{{{j}}}^{{2}}",
    lambda k, j: f"x_{{{k}}}",
    lambda k, j: "2",
)
_DENSE_OPERATORS = (r" \cdot ", " ", r" \times ", " / ")


def dense_latex(length: int, seed: int = 0) -> str:
    r"""A long sum of varied terms (``\frac{a_{1}}{b_{1}} \cdot \sqrt{c_{1}} d_{2}^{2} + ...``): every term
    a new operator pattern, signs after operators; at most ``length`` characters."""
    pick = random.Random(seed)
    out: list[str] = []
    size, k = 0, 0
    while True:
        term = pick.choice(_DENSE_FACTORS)(k, 0)
        for j in range(1, pick.randint(2, 6)):
            op = pick.choice(_DENSE_OPERATORS)
            sign = "-" if op.strip() and pick.random() < 0.1 else ""
            term += op + sign + pick.choice(_DENSE_FACTORS)(k, j)
        if size + len(term) + 3 > length:
            return " + ".join(out)
        out.append(term)
        size += len(term) + 3
        k += 1


def _letters(tokens: int) -> str:
    """Terms of 99 letters written together (``abc...``): one token, one leaf per character."""
    word = ("abcfghkmnpqrstuvwxyz" * 5)[:99]
    return "+".join([word] * (tokens // 100))


def _terms(n: int) -> str:
    return "+".join(f"x{i}*w{i}" for i in range(n))


def _spec(samples: int, outputs: int) -> str:
    return json.dumps(
        {
            "inputs": [[0.1, -0.2] for _ in range(samples)],
            "layers": [{"weights": [[0.01] * outputs] * 2, "biases": [0] * outputs, "activation": "softmax"}],
        }
    )


#: name -> (command line, standard input): the worst admitted input of each kind at default limits.
CASES: dict[str, Callable[[], tuple[list[str], str]]] = {
    # LaTeX: the text is bounded by --max-nodes in tokens before anything is read
    "latex-dense": lambda: (
        ["derive", "-", "--latex-input"],
        dense_latex(42_000),
    ),  # just under --max-output
    "latex-dense-latex": lambda: (["derive", "-", "--latex-input", "--format", "latex"], dense_latex(42_000)),
    "latex-dense-nodes": lambda: (
        ["derive", "-", "--latex-input"],
        dense_latex(178_000),
    ),  # just under --max-nodes
    "latex-dense-1MB": lambda: (["derive", "-", "--latex-input"], dense_latex(1_000_000)),
    "latex-letters": lambda: (["derive", "-", "--latex-input"], _letters(99_900)),
    "fence-latex-dense": lambda: (
        ["fence"],
        "```backprop\nlatex-input: true\nshow: chain, gradients\n" + dense_latex(42_000) + "\n```\n",
    ),
    # infix at --max-nodes: one leaf used over and over, products, a wide max
    "infix-x+x": lambda: (["derive", "-"], "+".join(["x"] * 99_999)),
    "infix-x+x-333k": lambda: (["derive", "-"], "+".join(["x"] * 333_000)),
    "infix-products": lambda: (["derive", "-"], "+".join(f"a{i}*b{i}" for i in range(33_333))),
    "infix-products-100k": lambda: (["derive", "-"], "+".join(f"a{i}*b{i}*c{i}" for i in range(100_000))),
    # just under --max-output: the most a derivation may write, in each format
    "infix-x+x-output": lambda: (["derive", "-"], "+".join(["x"] * 16_600)),
    **{
        f"infix-products-output-{fmt}": (
            lambda fmt=fmt: (["derive", "-", "--format", fmt], "+".join(f"a{i}*b{i}" for i in range(4_500)))
        )
        for fmt in ("text", "latex", "markdown", "json")
    },
    "infix-max-5000": lambda: (["derive", "-"], "max(" + ",".join(f"x{i}" for i in range(5000)) + ")"),
    "infix-values": lambda: (
        ["derive", "-", "--format", "json", *[f"--at=a{i}=1" for i in range(2000)]],
        "+".join(f"a{i}*a{i + 1}" for i in range(1999)),
    ),
    # figures: SVG just under its node bound (Graphviz's CPU counted), TikZ laid out by us
    "svg-nodes": lambda: (["derive", "-", "--format", "svg"], "+".join(f"x{i}*w{i}" for i in range(499))),
    "svg-deep": lambda: (["derive", "-", "--format", "svg"], "relu(" * 240 + "x" + ")" * 240),
    "tikz-nodes": lambda: (
        ["derive", "-", "--format", "tikz"],
        "+".join(f"x{i}*w{i}" for i in range(4_500)),
    ),
    # frame sequences: the nodes all frames draw just under --max-output; SVG frames by Graphviz's time
    "frames-dot": lambda: (["derive", "-", "--frames", "frames", "--format", "dot"], _terms(60)),
    "frames-tikz": lambda: (["derive", "-", "--frames", "frames", "--format", "tikz"], _terms(60)),
    "frames-svg": lambda: (["derive", "-", "--frames", "frames", "--format", "svg"], _terms(60)),
    # the neuron just under --max-output, in its slowest format
    "neuron-output-latex": lambda: (
        ["neuron", "--x", ",".join(["1"] * 3000), "--w", ",".join(["0.5"] * 3000), "--format", "latex"],
        "",
    ),
    # a network at --max-elements (each softmax's Jacobians counted)
    "network-softmax": lambda: (["network", "-", "--format", "json"], _spec(100, 110)),
}


_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
argv = {argv!r}
if argv[0] == "fence":  # the Markdown fence, on standard input
    import markdown
    page = markdown.markdown(sys.stdin.read(), extensions=["symbackprop.markdown_ext"])
    status = 0 if "backprop-error" not in page else 2
else:
    from symbackprop.cli import main
    status = main(argv)
r, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)  # Graphviz's too
print("BUDGET", status, r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime, r.ru_maxrss * 1024, file=sys.stderr)
"""


def run(name: str, cwd: Path | None = None) -> tuple[int, float, int, str]:
    """Case ``name`` in a fresh interpreter under 1 GiB: (exit status, CPU seconds, peak bytes, the
    first line it wrote to standard error)."""
    if cwd is None:
        with tempfile.TemporaryDirectory() as tmp:
            return run(name, Path(tmp))
    argv, text = CASES[name]()
    code = _CHILD.format(memory=MEMORY, argv=argv)
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=text.encode(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=600,  # a hang guard only
        cwd=cwd,
    )
    lines = done.stderr.decode(errors="replace").splitlines()
    tail = [line for line in lines if line.startswith("BUDGET ")]
    if not tail:
        raise AssertionError(f"{name}: the child ended without a report: {lines[-5:]}")
    _, status, cpu, peak = tail[-1].split()
    first = next((line for line in lines if not line.startswith("BUDGET ")), "")
    return int(status), float(cpu), int(peak), first


if __name__ == "__main__":
    print("| case | exit | CPU s | peak MiB | message |\n|---|---|---|---|---|")
    for case in sys.argv[1:] or CASES:
        status, cpu, peak, first = run(case)
        print(f"| {case} | {status} | {cpu:.2f} | {peak >> 20} | {first[:110]} |", flush=True)

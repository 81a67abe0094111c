"""The chapter's walkthrough (sections 9.1-9.4) regenerated for the given function, as Markdown.

Math is in ``$$ … $$`` blocks (GitHub, MkDocs with arithmatex, MyST's dollarmath); the
equations are the LaTeX renderer's, so both always agree.
"""

from __future__ import annotations

from itertools import groupby

from ..derivation import Derivation
from ..ops import Op
from ..printing import latex_name
from . import latex
from .text import leaf_lists, num


def math(body: str) -> str:
    return f"$$\n{body}\n$$"


def render(d: Derivation) -> str:
    nodes = d.graph.nodes
    root = nodes[d.graph.root]
    what = "one neuron" if d.kind == "neuron" else f"${latex.flat_block(d)}$"
    out = [f"# Backpropagation through {what}", ""]

    loose = latex.loose_block(d)
    if loose is not None:
        out += ["The function, loosely:", "", math(loose), ""]
    out += ["In the form that matches the code:", "", math(latex.flat_block(d)), ""]
    out += [
        "Rewritten as nested functions, the form that makes the derivatives easy to take:",
        "",
        math(latex.nested_block(d)),
        "",
    ]

    out += ["## Forward pass", "", "The values:", ""]
    out += [f"- `{k} = {v}`" for k, v in leaf_lists(d, d.values)]
    out += [
        "",
        "Each operation in turn, from the inputs to the output:",
        "",
        math(latex.forward_block(d)),
        "",
    ]

    out += ["## Backward pass", ""]
    if d.dvalue == 1.0:
        out.append(
            f"The output receives a gradient of $1$ from the next layer, which changes no value, so "
            f"every number below is a derivative of ${latex_name(root.var)}$ itself."
        )
    else:
        out.append(f"The output receives the gradient $\\frac{{\\partial L}}{{\\partial y}} = {num(d.dvalue)}$ "
                   "from the next layer; the chain rule multiplies it through every step.")  # fmt: skip
    out.append("")
    stated: set[type[Op]] = set()
    for k, (op, level) in enumerate(_levels(d), start=1):
        out += [f"### {k}. Derivative of ${op.latex_name}$", ""]
        if op not in stated:
            stated.add(op)
            out += ["The rule:", "", math(latex.rule(op)), ""]
        out += [
            "With the chain rule, for each of its arguments:",
            "",
            math(latex.backward_block(d, level)),
            "",
        ]

    if d.chains:
        out += ["## The chain rule, leaf by leaf", ""]
        out += [
            "Each partial derivative is the product of the local derivatives on the way from the output:",
            "",
        ]
        for leaf in d.chains:
            out += [math(latex.chain_block(d, leaf)), ""]

    out += ["## Gradients", "", math(latex.gradients_block(d)), ""]
    step = latex.step_block(d)
    if step is not None and d.step is not None:
        change = (
            "decreased" if d.step.output < d.output else "increased" if d.step.output > d.output else "kept"
        )
        out += [
            "## Update",
            "",
            f"A step against the gradient with learning rate ${latex.format_number(d.step.lr, 'latex')}$, "
            "then the forward pass again:",
            "",
            math(step),
            "",
            f"The step {change} the output from ${latex.format_number(d.output, 'latex')}$ "
            f"to ${latex.format_number(d.step.output, 'latex')}$.",
            "",
        ]
    return "\n".join(out)


def _levels(d: Derivation) -> list[tuple[type[Op], list[int]]]:
    """The backward pass as the chapter's sections: runs of steps through one operation, output first."""
    steps = d.graph.backward_steps()
    runs = groupby(steps, key=lambda i: d.graph.parent(i).op)
    return [(op, list(group)) for op, group in runs if op is not None]

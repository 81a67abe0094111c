"""The chapter's walkthrough (sections 9.1-9.4) regenerated for the given function, as blocks.

The equations are the LaTeX renderer's, so both always agree.  :func:`walkthrough` is the
list of blocks the Markdown format, the Sphinx directive and the Markdown fence serialise.
"""

from __future__ import annotations

from itertools import groupby

from .. import numbers
from ..derivation import Derivation, Kind
from ..names import latex_name
from ..ops import Op
from ..printing import LATEX, node_piece
from . import latex
from ._fit import fit_display, width
from ._kinks import kinks
from ._strings import Strings
from .blocks import Block, BulletList, Heading, Math, Paragraph, code, math, text, to_markdown
from .text import leaf_lists

#: The widest function a heading spells out, in em of its own size: a 16 cm line is 31 em of a
#: heading's 14.4 pt, "Backpropagation through" takes 12 of them, and the estimate has its margin.
HEADING_EM = 16.0


def walkthrough(d: Derivation) -> list[Block]:
    g = d.graph
    printed = Strings(d)
    root = g.nodes[g.root]
    flat = latex.flat_block(d, printed)
    if d.kind is Kind.NEURON:
        what = text("one neuron")
    elif width(flat) <= HEADING_EM:
        what = text(math(flat))
    else:  # a heading's math does not break: a long function is shown below it, on its own line
        what = text("the function below")
    out: list[Block] = [Heading(1, text("Backpropagation through ", *what))]

    loose = latex.loose_block(d)
    if loose is not None:
        out += [Paragraph(text("The function, loosely:")), Math(loose, "The neuron, loosely", "expression")]
    out += [
        Paragraph(text("In the form that matches the code:")),
        Math(fit_display(flat), "The function", "expression"),
    ]
    out += [
        Paragraph(text("Rewritten as nested functions, the form that makes the derivatives easy to take:")),
        Math(latex.nested_block(d, printed), "As nested functions", "expression"),
    ]

    given = leaf_lists(d, d.values)
    out.append(Heading(2, text("Forward pass")))
    if given:
        out += [
            Paragraph(text("The values:")),
            BulletList(tuple(text(code(f"{k} = {v}")) for k, v in given)),
        ]
    elif d.graph.leaves:
        out.append(
            Paragraph(text("No values are given: every leaf stays a symbol, and so does every result."))
        )
    out += [
        Paragraph(text("Each operation in turn, from the inputs to the output:")),
        Math(latex.forward_block(d), "Forward pass", "forward"),
    ]

    out.append(Heading(2, text("Backward pass")))
    if d.dvalue == 1:
        out.append(
            Paragraph(
                text(
                    "The output receives a gradient of ",
                    math("1"),
                    " from the next layer, which changes nothing, so everything below is a derivative of ",
                    math(latex_name(root.var)),
                    " itself.",
                )
            )
        )
    else:
        out.append(
            Paragraph(
                text(
                    "The output receives the gradient ",
                    math(f"{Strings(d).upstream()} = {numbers.value(d.dvalue, 'latex')}"),
                    " from the next layer; the chain rule multiplies it through every step.",
                )
            )
        )
    for kink in kinks(d):  # a derivative taken by convention: said before it is used
        condition = kink.condition(d, lambda c: node_piece(g, c, LATEX).text)
        out.append(Paragraph(text("Note: ", math(condition), f" {kink.convention}.")))
    rules = {r.op: k for k, r in enumerate(d.rules)}
    stated: set[type[Op]] = set()
    for k, (op, level) in enumerate(_levels(d), start=1):
        out.append(Heading(3, text(f"{k}. Derivative of ", math(op.latex_name))))
        if op not in stated and op in rules:
            stated.add(op)
            out += [Paragraph(text("The rule:")), Math(latex.rule(d, rules[op]), "Rule", "rule")]
        out += [
            Paragraph(text("With the chain rule, for each of its arguments:")),
            Math(latex.backward_block(d, level, printed), "Backward pass", "backward"),
        ]

    if d.chains:
        out += [
            Heading(2, text("The chain rule, leaf by leaf")),
            Paragraph(
                text(
                    "Each partial derivative is the product of the local derivatives on the way from the output:"
                )
            ),
        ]
        out += [
            Math(latex.chain_block(d, leaf, printed), f"Chain rule for {leaf}", "chain") for leaf in d.chains
        ]

    out += [Heading(2, text("Gradients")), Math(latex.gradients_block(d, printed), "Gradients", "gradients")]
    step = latex.step_block(d)
    if step is not None and d.step is not None:
        out += [
            Heading(2, text("Update")),
            Paragraph(
                text(
                    "A step against the gradient with learning rate ",
                    math(numbers.value(d.step.lr, "latex")),
                    ", then the forward pass again:",
                )
            ),
            Math(step, "Update and the forward pass again", "step"),
        ]
        before, after = d.output, d.step.output
        if before is not None and after is not None:
            change = "decreased" if after < before else "increased" if after > before else "kept"
            out.append(
                Paragraph(
                    text(
                        f"The step {change} the output from ",
                        math(numbers.value(before, "latex")),
                        " to ",
                        math(numbers.value(after, "latex")),
                        ".",
                    )
                )
            )
    return out


def render(d: Derivation) -> str:
    return to_markdown(walkthrough(d))


def _levels(d: Derivation) -> list[tuple[type[Op], list[int]]]:
    """The backward pass as the chapter's sections: runs of edges into one operation, output first."""
    g = d.graph
    runs = groupby(d.backward_edges(), key=lambda e: g.parent(e).op)
    return [(op, list(group)) for op, group in runs if op is not None]

"""A network's walkthrough as blocks: the matrix view's equations, then the scalar view's chains."""

from __future__ import annotations

from ... import numbers
from ..._network import NetworkDerivation
from ..blocks import Block, BulletList, Heading, Paragraph, text, to_markdown
from ._matrices import summary
from .latex import matrix_blocks, scalar_blocks


def walkthrough(nd: NetworkDerivation) -> list[Block]:
    out: list[Block] = [
        Heading(1, text("Backpropagation through a network")),
        Paragraph(text(summary(nd) + ".")),
    ]
    if not nd.scalar_only:
        out += [
            Heading(2, text("The matrix view")),
            Paragraph(
                text(
                    "Each equation first with the shapes of its matrices, then with the numbers "
                    f"({numbers.precision_note()}; the JSON keeps every digit)."
                )
            ),
        ]
        for block in matrix_blocks(nd):
            out += [Heading(3, text(block.comment)), block]
    scalar = scalar_blocks(nd)
    if scalar:
        out += [
            Heading(2, text("The scalar view")),
            Paragraph(
                text(
                    "Each named parameter's gradient as the sum, over samples and neurons, of its chain-rule paths: "
                    "the product of the local derivatives from the loss down to it."
                )
            ),
        ]
        if nd.scalar is not None and nd.scalar.folded:
            out.append(
                Paragraph(
                    text(
                        "A neuron with more than 8 inputs shows only the terms that involve the named parameters; ",
                        ("math", "r"),
                        " is the sum of its other terms.",
                    )
                )
            )
        for block in scalar:
            out += [Heading(3, text(block.comment)), block]
    if nd.warnings:
        out += [Heading(2, text("Warnings")), BulletList(tuple(text(w) for w in nd.warnings))]
    return out


def render(nd: NetworkDerivation) -> str:
    return to_markdown(walkthrough(nd))

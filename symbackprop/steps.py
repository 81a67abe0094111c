"""Named steps: a derivation's input as a straight-line program, and the graph it makes.

A program is single assignments, the last one its output: ``z = w*x + b; a = sigmoid(z)``.
Each parser (infix, LaTeX, Python) reads its own syntax into a :class:`Program`;
:func:`program_graph` builds the graph, where a step is one node however many later steps
use it (its gradient is the sum over its uses) and keeps the author's name.  One expression
is the program of one unnamed step.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

import sympy

from .errors import ParseError
from .graph import Graph, GraphBuilder, default_names


class Style(enum.Enum):
    """How a derivation names its quantities in labels and in the programs it prints."""

    CHAPTER = "chapter"  # by operation, as the chapter does: dReLU/dsum(), drelu_dz, dsum_dxw0
    NAMED = "named"  # by the author's step names: ∂L/∂a · ∂a/∂z, dL_da, da_dz


@dataclass(frozen=True)
class Step:
    name: str  # the author's name ("" for an unnamed expression)
    tree: sympy.Basic  # in terms of leaves and earlier steps' names
    where: str  # where it was written, for messages: "line 3", "statement 2"


@dataclass
class Program:
    steps: list[Step]  # in order; the last is the output
    values: dict[str, float] = field(default_factory=dict)  # values the program itself gives
    arrays: dict[str, list[str]] = field(default_factory=dict)  # lists as written: x -> [x0, x1, ...]
    style: Style = Style.CHAPTER
    warnings: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(
        default_factory=dict
    )  # a letter for the vectors' length (\sum_{i=1}^{n}): n
    marks: dict[str, str] = field(default_factory=dict)  # w -> mathbf: written \mathbf{w}

    @classmethod
    def expression(cls, tree: sympy.Basic) -> Program:
        return cls([Step("", tree, "the expression")])

    @property
    def named(self) -> bool:
        return any(s.name for s in self.steps)


def symbols(tree: sympy.Basic) -> set[str]:
    """The names a tree uses, found without recursion (SymPy's free_symbols recurses, and a tree
    may be as deep as the depth limit allows)."""
    out: set[str] = set()
    stack = [tree]
    while stack:
        e = stack.pop()
        if isinstance(e, sympy.Symbol):
            out.add(e.name)
        else:
            stack.extend(e.args)
    return out


def check_assignments(steps: Iterable[Step]) -> None:
    """Single assignment: no name assigned twice, none used before it is assigned."""
    assigned: dict[str, str] = {}
    used: dict[str, str] = {}
    for s in steps:
        for symbol in symbols(s.tree):
            used.setdefault(symbol, s.where)
        if not s.name:
            continue
        if s.name in assigned:
            raise ParseError(
                f"{s.name} is assigned twice ({assigned[s.name]} and {s.where}): steps are single assignments"
            )
        if s.name in used and s.name not in assigned:
            raise ParseError(f"{s.name} is used ({used[s.name]}) before it is assigned ({s.where})")
        if isinstance(s.tree, sympy.Symbol):
            raise ParseError(
                f"{s.name} = {s.tree} only renames {s.tree} ({s.where}): a step computes something"
            )
        assigned[s.name] = s.where


def program_graph(program: Program) -> Graph:
    """The graph of a program's steps that the output needs (the others are left out, with a warning)."""
    steps = program.steps
    check_assignments(steps)
    by_name = {s.name: k for k, s in enumerate(steps) if s.name}
    needed = {len(steps) - 1}
    for k in reversed(range(len(steps))):
        if k in needed:
            needed |= {by_name[name] for name in symbols(steps[k].tree) if name in by_name}
    for k, s in enumerate(steps):
        if k not in needed:
            out = steps[-1].name or "the output"
            program.warnings.append(f"{s.name or 'a step'} ({s.where}) is not used by {out}: left out")
    builder = GraphBuilder()
    built: dict[str, int] = {}
    for k, s in enumerate(steps):
        if k in needed:
            built[s.name] = builder.tree(s.tree, s.name, built)
    taken = set(builder.leaves) | {s.name for s in steps if s.name}
    return builder.finish(default_names(taken))

"""Bounds on what a user's text may ask for, checked before any work that could hang or blow up."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import LimitError

#: The deepest tree the recursive printers (SymPy's and ours) can take on an ordinary thread's
#: stack on every supported Python; ``--max-depth`` cannot go past it (deeper crashed the process).
MAX_DEPTH = 1000
#: The longest answers ``--check`` reads, in characters: answers are written by hand, so this is
#: not an option to raise.
MAX_ANSWERS = 1_000_000


_EXPRESSION = ("derive",)
_EVERY = ("neuron", "derive", "network")

#: Each bound's default, what it limits, and the commands whose input it concerns (an expression's
#: text, a network's spec, or what any derivation writes), for the ``--max-...`` options and the docs.
BOUNDS: dict[str, tuple[int, str, tuple[str, ...]]] = {
    "max_length": (1_000_000, "longest expression text, in characters", _EXPRESSION),
    "max_nodes": (100_000, "most nodes in the expression tree", _EXPRESSION),
    "max_depth": (250, "deepest nesting of operations and parentheses", _EXPRESSION),
    "max_exponent": (10_000, "largest literal exponent", _EXPRESSION),
    "max_sum_terms": (10_000, r"most terms a \sum with numeric bounds expands to", _EXPRESSION),
    "max_digits": (400, "most digits in one number", _EXPRESSION),
    "max_latex_operands": (
        800,
        "most operands the LaTeX parser reads in terms of shapes not seen before (a few ms each)",
        _EXPRESSION,
    ),
    "max_output": (
        50_000,
        "most terms the derivation writes (chain factors, local derivatives, nodes; figure frames)",
        _EVERY,
    ),
    "max_paths": (
        10_000,
        "most chain-rule paths written out where values are shared (a network's scalar view)",
        ("derive", "network"),
    ),
    "max_elements": (
        2_000_000,
        "most numbers a network's matrices hold, each softmax's Jacobians (samples × outputs²) included",
        ("network",),
    ),
    "max_simplify_seconds": (
        10,
        "longest --simplify may take, in seconds (then the closed forms stay as they are, with a warning)",
        _EXPRESSION,
    ),
    "max_spec_length": (
        16_000_000,
        "longest network spec, in characters (a file or standard input)",
        ("network",),
    ),
}
LIMIT_HELP = {name: what for name, (_, what, _) in BOUNDS.items()}


class Limits:
    """Defaults far above any real derivation; raise them with --max-nodes, --max-depth (or ``limits=``).

    Immutable, compared by value.  A plain class, not a dataclass: the command line builds its
    ``--max-...`` options from this module on the way to ``--help``, and importing
    ``dataclasses`` (with ``inspect``) would take a quarter of that start-up.
    """

    __slots__ = tuple(BOUNDS)
    max_length: int  # characters of expression text
    max_nodes: int  # nodes of the tree (operations, variables and numbers)
    max_depth: int  # nesting of operations and parentheses
    max_exponent: int  # |k| of a literal exponent; larger powers of variables are refused
    max_sum_terms: int  # terms a \sum with numeric bounds may expand to
    max_digits: int  # digits of one numeric literal
    max_latex_operands: int  # operands latex2sympy2 reads in terms of new shapes
    max_output: int  # terms the derivation writes: chain factors, local derivatives, nodes
    max_paths: int  # chain-rule paths listed where a value is used more than once
    max_spec_length: int  # characters of a network spec read from a file or standard input
    max_simplify_seconds: int  # how long --simplify may run
    max_elements: int  # numbers in a network's matrices

    def __init__(self, **bounds: int) -> None:
        unknown = [name for name in bounds if name not in BOUNDS]
        if unknown:
            raise TypeError(f"Limits has no bound {unknown[0]!r}")
        for name, (default, _, _) in BOUNDS.items():
            object.__setattr__(self, name, bounds.get(name, default))
        if self.max_depth > MAX_DEPTH:
            from .options import spell  # options reads BOUNDS: imported here, not at the top

            raise LimitError(
                f"{spell('max_depth')} can be at most {MAX_DEPTH}, not {self.max_depth} "
                "(deeper trees overflow the stack)"
            )

    def _values(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in BOUNDS)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Limits are immutable: use merge({name}=...)")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Limits) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return "Limits(" + ", ".join(f"{name}={getattr(self, name)}" for name in BOUNDS) + ")"

    def merge(self, **changes: int | None) -> Limits:
        """A copy with the given bounds changed; ``None`` keeps the current one."""
        for name, value in changes.items():
            if value is not None and value < 1:
                from .options import spell

                raise LimitError(f"{spell(name)} must be at least 1, not {value}")
        current = {name: getattr(self, name) for name in BOUNDS}
        return Limits(**{**current, **{k: v for k, v in changes.items() if v is not None}})

    def check(self, what: str, value: int, bound: int, option: str) -> None:
        """Refuse ``value`` past ``bound``, naming the bound ``option`` (``max_nodes``; a flag such as
        ``--max-nodes`` is read as its name) as the caller spells it."""
        if value > bound:
            from .options import spell

            shown = str(value) if value < 10**15 else f"about 10^{int(value.bit_length() * 0.30103)}"
            name = spell(option.removeprefix("--").replace("-", "_"))
            raise LimitError(f"{what} is {shown}, more than the limit of {bound} (raise it with {name})")


DEFAULT = Limits()


@contextmanager
def recursion_room(depth: int) -> Iterator[None]:
    """Room on the interpreter's stack for printing a tree ``depth`` levels deep.

    SymPy's printers and ours recurse a few frames per level; the parsers have already
    bounded the depth (``max_depth``), so the room needed is known and bounded too.  A raised
    recursion limit does not enlarge the C stack, so past :data:`MAX_DEPTH` this refuses.
    """
    if depth > MAX_DEPTH:
        raise LimitError(f"the expression nests {depth} levels deep, more than the {MAX_DEPTH} it can print")
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 12 * depth + 1000))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)

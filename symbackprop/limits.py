"""Bounds on what a user's text may ask for, checked before any work that could hang or blow up."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from .errors import LimitError

#: The deepest tree the recursive printers (SymPy's and ours) can take on an ordinary thread's
#: stack on every supported Python; ``--max-depth`` cannot go past it (deeper crashed the process).
MAX_DEPTH = 1000


@dataclass(frozen=True)
class Limits:
    """Defaults far above any real derivation; raise them with --max-nodes, --max-depth (or ``limits=``)."""

    max_length: int = 1_000_000  # characters of expression text
    max_nodes: int = 1_000_000  # nodes of the tree (operations, variables and numbers)
    max_depth: int = 250  # nesting of operations and parentheses
    max_exponent: int = 10_000  # |k| of a literal exponent; larger powers of variables are refused
    max_sum_terms: int = 10_000  # terms a \sum with numeric bounds may expand to
    max_digits: int = 400  # digits of one numeric literal
    max_output: int = 1_000_000  # terms the derivation writes: chain factors, local derivatives, nodes

    def __post_init__(self) -> None:
        if self.max_depth > MAX_DEPTH:
            raise LimitError(
                f"--max-depth can be at most {MAX_DEPTH}, not {self.max_depth} (deeper trees overflow the stack)"
            )

    def merge(self, **changes: int | None) -> Limits:
        """A copy with the given bounds changed; ``None`` keeps the current one."""
        for name, value in changes.items():
            if value is not None and value < 1:
                raise LimitError(f"--{name.replace('_', '-')} must be at least 1, not {value}")
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def check(self, what: str, value: int, bound: int, option: str) -> None:
        if value > bound:
            shown = str(value) if value < 10**15 else f"about 10^{int(value.bit_length() * 0.30103)}"
            raise LimitError(f"{what} is {shown}, more than the limit of {bound} (raise it with {option})")


DEFAULT = Limits()

#: What each bound limits, for the command line's ``--max-...`` options and the docs.
LIMIT_HELP = {
    "max_length": "longest expression text, in characters",
    "max_nodes": "most nodes in the expression tree",
    "max_depth": "deepest nesting of operations and parentheses",
    "max_exponent": "largest literal exponent",
    "max_sum_terms": r"most terms a \sum with numeric bounds expands to",
    "max_digits": "most digits in one number",
    "max_output": "most terms the derivation writes (chain factors, local derivatives, nodes)",
}


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

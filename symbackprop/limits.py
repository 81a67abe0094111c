"""Bounds on what a user's text may ask for, checked before any work that could hang or blow up."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .errors import LimitError


@dataclass(frozen=True)
class Limits:
    """Defaults far above any real derivation; raise them with --max-nodes, --max-depth (or ``limits=``)."""

    max_length: int = 1_000_000  # characters of expression text
    max_nodes: int = 1_000_000  # nodes of the tree (operations, variables and numbers)
    max_depth: int = 1_000  # nesting of operations and parentheses
    max_exponent: int = 10_000  # |k| of a literal exponent; larger powers of variables are refused
    max_sum_terms: int = 10_000  # terms a \sum with numeric bounds may expand to
    max_digits: int = 400  # digits of one numeric literal

    def merge(self, **changes: int | None) -> Limits:
        """A copy with the given bounds changed; ``None`` keeps the current one."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def check(self, what: str, value: int, bound: int, option: str) -> None:
        if value > bound:
            raise LimitError(f"{what} is {value}, more than the limit of {bound} (raise it with {option})")


DEFAULT = Limits()

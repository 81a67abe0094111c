"""A Sphinx build of a page with 50 ``backprop`` directives: cold, and ``-E`` with a warm cache."""

from __future__ import annotations

from ._report import Section, Target


def bench(repeat: int = 3) -> Section:
    s = Section("Documentation build: 50 `backprop` directives")
    s.lines.append("Not measured: the Sphinx extension `symbackprop.sphinx` does not exist yet.")
    s.targets.append(Target("Sphinx `-E` rebuild with a warm cache ≥ 3× faster than cold", "—", None))
    return s

"""A suite's part of the results: its Markdown and the targets it measured."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Target:
    """One of the issue's goals, as a ratio measured in this run."""

    goal: str  # e.g. "10 000-input neuron within 3× of micrograd"
    measured: str  # e.g. "1.4×"
    met: bool | None  # None: not measured (a peer or a module missing)

    def row(self) -> str:
        mark = {True: "met", False: "**not met**", None: "not measured"}[self.met]
        return f"| {self.goal} | {self.measured} | {mark} |"


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def markdown(self) -> str:
        return "\n".join([f"## {self.title}", "", *self.lines, ""])

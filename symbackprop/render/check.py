"""The report of ``--check`` in each format: every answer right or wrong, in the order of the
backward pass; for a wrong one the right value, the rule, and the first wrong step upstream that
explains it or the mistake it is.  Everything printed here was decided by :mod:`symbackprop.check`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .blocks import (
    Block,
    BulletList,
    Heading,
    Inline,
    Lines,
    Paragraph,
    code,
    text,
    to_latex_pages,
    to_markdown,
    to_text,
)
from .json import _dump

if TYPE_CHECKING:
    from ..check import Entry, Report


def _show(value: object) -> str:
    from ..check import show

    return show(value)


def _where(e: Entry) -> str:
    return f"line {e.line}" if e.line is not None else ""


def _matrix(value: object) -> bool:
    return getattr(value, "ndim", 0) >= 1


def summary(r: Report) -> str:
    wrong = r.wrong
    n = len(r.entries)
    if not wrong:
        return f"{n} answer{'s' if n != 1 else ''} checked: every one is right."
    first = [e for e in wrong if e.explained_by is None]
    roots = ", ".join(e.name + (f" ({_where(e)})" if e.line is not None else "") for e in first[:5])
    more = f" and {len(first) - 5} more" if len(first) > 5 else ""
    steps = "the first wrong step" if len(first) == 1 else "first wrong steps"
    return f"{n} answer{'s' if n != 1 else ''} checked: {len(wrong)} wrong, {n - len(wrong)} right. " + (
        f"{steps.capitalize()}: {roots}{more}." if first else ""
    )


def _item(e: Entry) -> Inline:
    """One answer as a list item: its name and value, right or wrong, and why."""
    where = f" ({_where(e)})" if e.line is not None else ""
    if e.ok and _matrix(e.given):  # a right matrix is not repeated
        from .network._matrices import shape_text

        return text(code(e.name), f" ({shape_text(e.given.shape)}): right{where}.")  # type: ignore[union-attr]
    head = [code(f"{e.name} = {_show(e.given)}")]
    if e.ok:
        return text(*head, f": right{where}.")
    parts: list[str | tuple[str, str]] = [*head, ": "]
    if e.by_chance:
        parts.append(f"the right number here, but the line is wrong{where}. ")
    else:
        parts += [f"wrong{where}; the right value is ", code(_show(e.expected)), ". "]
    if e.explained_by is not None:
        parts += ["It is wrong because ", code(e.explained_by), " is."]
    else:
        if e.mistake:  # its sentence states the rule
            parts.append(e.mistake)
        elif e.rule:
            parts += ["The rule: ", code(e.rule), "."]
    return text(*parts)


def blocks(r: Report) -> list[Block]:
    out: list[Block] = [Heading(1, text("Checking the answers")), Paragraph(text(summary(r)))]
    out.append(BulletList(tuple(_item(e) for e in r.entries)))
    return out


def text_lines(r: Report) -> list[str]:
    """The terminal's report: one line per answer, and under each wrong one its rule and why."""
    lines = [summary(r), ""]
    scalars = [e for e in r.entries if not _matrix(e.given)]
    width = min(40, max((len(f"{e.name} = {_show(e.given)}") for e in scalars), default=0))
    for e in r.entries:
        status = "ok" if e.ok else "wrong" if e.explained_by is not None else "WRONG"
        where = f"  ({_where(e)})" if e.line is not None else ""
        if _matrix(e.given):  # a network's matrix: below its name, as the network's text shows them
            from .network._matrices import shape_text, tmatrix

            lines.append(f"  {status:<6} {e.name} ({shape_text(e.given.shape)}){where}")  # type: ignore[union-attr]
            if not e.ok:  # a right matrix is not repeated
                lines.append("         given:\n" + tmatrix(e.given, " " * 11))
                lines.append("         right:\n" + tmatrix(e.expected, " " * 11))
        else:
            answer = f"{e.name} = {_show(e.given)}".ljust(width)
            right = (
                "" if e.ok else ("  (right only here)" if e.by_chance else f"  right: {_show(e.expected)}")
            )
            lines.append(f"  {status:<6} {answer}{right}{where}".rstrip())
        if e.ok:
            continue
        if e.explained_by is not None:
            lines.append(f"         because {e.explained_by} is wrong")
            continue
        if e.mistake:  # its sentence states the rule
            lines.append(f"         {e.mistake}")
        elif e.rule:
            lines.append(f"         rule: {e.rule}")
    return lines


def plain(r: Report, standalone: bool = False) -> str:
    return to_text([Lines(tuple(text_lines(r)))])


def markdown(r: Report, standalone: bool = False) -> str:
    return to_markdown(blocks(r))


def latex(r: Report, standalone: bool = False) -> str:
    return to_latex_pages([blocks(r)], standalone)


def json_text(r: Report) -> str:
    return _dump(r.to_dict(), "") + "\n"

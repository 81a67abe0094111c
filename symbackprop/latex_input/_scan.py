r"""The LaTeX reader's first pass: tokens without spacing or sizing, and each bracket's match.

One pass bounds the text (tokens, bracket depth) and stops at the first unbalanced bracket,
before anything is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from ..errors import ParseError, non_ascii_digit
from ..limits import Limits

_TOKEN = re.compile(
    r"(?P<space>\s+|\\[,;:! ]|~|\$)"
    r"|(?P<cmd>\\[A-Za-z]+)"
    r"|(?P<num>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
    r"|(?P<letter>[A-Za-z])"
    r"|(?P<char>\\.|.)",
    re.S,
)
# Sizing, spacing and math delimiters: they change how it looks, not what it means.
_SKIPPED = {f"\\{s}{v}" for s in ("big", "Big", "bigg", "Bigg") for v in ("", "l", "r", "m")} | {
    r"\middle", r"\quad", r"\qquad", r"\displaystyle", r"\limits", r"\nolimits",
    r"\[", r"\]", r"\(", r"\)", "&",
}  # fmt: skip
_OPEN = {
    "(": ")", "[": "]", "{": "}", r"\{": r"\}", "|": "|", r"\left|": r"\right|", r"\lvert": r"\rvert",
    r"\langle": r"\rangle",
}  # fmt: skip
_CLOSE = {")", "]", "}", r"\}", r"\right|", r"\rvert", r"\rangle"}
#: The brackets of an absolute value.
BARS = {"|", r"\left|", r"\lvert"}
# Commands whose arguments without braces are one character each: a number after them is split.
_ONE_DIGIT_ARGUMENTS = {"^": 1, "_": 1, r"\frac": 2, r"\dfrac": 2, r"\tfrac": 2}


class Tok(NamedTuple):
    kind: str  # "num", "letter", "cmd" or "char"
    text: str
    pos: int  # 0-based offset in the source


def tokens(src: str) -> Iterator[Tok]:
    r"""Tokens without spacing or sizing; ``\left|`` and ``\right|`` stay, as they open and close."""
    pending = ""  # \left or \right, waiting for its delimiter
    previous = ""
    for m in _TOKEN.finditer(src):
        kind, text, pos = m.lastgroup or "char", m.group(), m.start()
        if kind == "space" or text in _SKIPPED:
            continue
        if text == "\u2212":  # the Unicode minus, as typeset text has it
            text = "-"
        elif kind == "char" and text.isdigit():
            raise ParseError(non_ascii_digit(text), pos + 1)
        if text in (r"\left", r"\right"):
            pending = text
            continue
        if pending:
            pending, outer = "", pending
            if text == ".":  # \left. is an invisible delimiter
                continue
            if text == "|":
                text = outer + "|"
        singles = _ONE_DIGIT_ARGUMENTS.get(previous, 0) if kind == "num" else 0
        while singles and len(text) > 1 and text[0] != ".":  # TeX: x^23 is x^{2} 3, \frac12 is \frac{1}{2}
            yield Tok(kind, text[0], pos)
            text, pos, singles = text[1:], pos + 1, singles - 1
        yield Tok(kind, text, pos)
        previous = text


def scan(src: str, limits: Limits) -> tuple[list[Tok], list[int]]:
    """The tokens and, for each opening bracket, the index of its closer (-1 elsewhere).

    One pass that stops at the first unbalanced bracket or exceeded bound, before any reading.
    """
    toks: list[Tok] = []
    match: list[int] = []
    stack: list[int] = []
    for i, t in enumerate(tokens(src)):
        toks.append(t)
        match.append(-1)
        top = toks[stack[-1]].text if stack else ""
        if t.text in _CLOSE or (t.text == "|" and top == "|"):
            if not stack or _OPEN[top] != t.text:
                where = f" '{top}' at column {toks[stack[-1]].pos + 1}" if stack else " anything"
                raise ParseError(f"'{t.text}' does not close{where}", t.pos + 1)
            match[stack.pop()] = i
        elif t.text in _OPEN:
            stack.append(i)
            limits.check("the nesting depth", len(stack), limits.max_depth, "--max-depth")
        limits.check("the number of tokens", i + 1, limits.max_nodes, "--max-nodes")
    if stack:
        raise ParseError(f"'{toks[stack[-1]].text}' is not closed", toks[stack[-1]].pos + 1)
    return toks, match

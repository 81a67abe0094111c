r"""Display lines that fit the page: a row of an ``aligned`` block wider than :data:`LINE_EM` breaks
after its ``=`` signs, then between the factors of a product or the terms of a sum.

The width is estimated from the LaTeX itself, in em of 10 pt math (a fraction as wide as its
wider part, a subscript at 70 %, sizing commands as nothing), on the side of too wide: the
tests measure the real widths, with pdflatex and in a browser.  Breaking is string work on the
row's top level (outside braces and brackets), linear in its length.
"""

from __future__ import annotations

import functools
import re

#: The widest row, in em: 16 cm at 10 pt is 45 em, a 700 px column at 16 px 43.75 em; what is left
#: is the margin for the estimate's error.
LINE_EM = 38.0

_SIZING = re.compile(r"\\(?:left|right|middle|[bB]igg?[lrm]?)(?![A-Za-z])|\\displaystyle")
#: What a sized delimiter adds to a plain one (cmex10: a parenthesis 0.39 em, \big 0.46, \Big 0.60,
#: \bigg 0.74, \Bigg 0.81; ``\left`` as \Big, which it is about for a fraction).
_SIZED = {r"\big": 0.07, r"\Big": 0.21, r"\bigg": 0.35, r"\Bigg": 0.42, r"\left": 0.21, r"\right": 0.21}
_SIZE = re.compile(r"\\(?:left|right|[bB]igg?)(?![A-Za-z])")
_WIDE = {
    r"\quad": 1.0, r"\qquad": 2.0, r"\cdot": 0.75, r"\to": 1.55, r"\leftarrow": 1.55, r"\odot": 1.2,
    r"\times": 1.2, r"\partial": 0.6, r"\sigma": 0.6,
}  # fmt: skip
#: Each character's width in em, roughly (binary operators and relations with their spacing).
_CHAR = {**dict.fromkeys("()[]", 0.39), **dict.fromkeys(",;", 0.45), ".": 0.28, "|": 0.28, "'": 0.3}
_CHAR.update({"=": 1.35, "<": 1.35, ">": 1.35, "+": 1.25, "-": 1.25, "1": 0.5})


_ZEROS = str.maketrans("123456789", "000000000")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_COMMAND_OR_SYMBOL = re.compile(r"\\[A-Za-z]+|\\.")
_BRACE = re.compile(r"(?<!\\)[{}]")  # a brace that is not \{ or \}
_WIDTHS: dict[str, float] = {}
_FITTING: set[str] = set()  # blocks (their digits as 0) whose rows fit as they are


def width(tex: str) -> float:
    """An estimate of ``tex``'s width in em (math mode: spaces are not space).  Every digit is as
    wide as any other, so the estimate is kept by the text with its digits as 0: the rows of a
    large derivation differ mostly in their indices (``x_{17}``, ``x_{42}``) and share one."""
    key = tex.translate(_ZEROS)
    got = _WIDTHS.get(key)
    if got is None:
        if len(_WIDTHS) > 8192:
            _WIDTHS.clear()
        sized = sum(_SIZED[m] for m in _SIZE.findall(tex))
        got = _WIDTHS[key] = _width(_SIZING.sub("", tex)) + sized
    return got


@functools.lru_cache(maxsize=65536)  # groups repeat: x_{0}, \frac{…}{…}, each measured once
def _width(tex: str) -> float:
    total, i, n = 0.0, 0, len(tex)
    while i < n:
        c = tex[i]
        if c == "\\":
            m = _COMMAND.match(tex, i)  # at i, not on a copy of the rest: linear in the row
            if m is None:  # \, \; \{ \\ \#
                total += {",": 0.17, ";": 0.28, "!": -0.17, ":": 0.22}.get(tex[i + 1 : i + 2], 0.5)
                i += 2
                continue
            name, i = m.group(0), i + len(m.group(0))
            if name in (r"\frac", r"\tfrac", r"\dfrac"):
                top, i = _group(tex, i)
                bottom, i = _group(tex, i)
                total += max(_width(top), _width(bottom)) * (0.75 if name == r"\tfrac" else 1.0) + 0.35
            elif name in (r"\text", r"\mathrm", r"\mathit", r"\operatorname", r"\mathbf", r"\texttt"):
                body, i = _group(tex, i)
                total += 0.62 * len(body)
            elif name in (r"\hat", r"\bar", r"\tilde", r"\vec", r"\dot", r"\sqrt"):
                body, i = _group(tex, i)
                total += _width(body) + (0.8 if name == r"\sqrt" else 0.0)
            elif name == r"\begin":  # a matrix: as wide as its widest row, and its brackets
                env, i = _group(tex, i)
                end = tex.find(rf"\end{{{env}}}", i)
                end = len(tex) if end < 0 else end
                total += max(_width(row) for row in tex[i:end].split(r"\\")) + 1.0
                i = end + len(env) + 6
            elif name == r"\end":
                _, i = _group(tex, i)
            else:
                total += _WIDE.get(name, 0.6)
        elif c in "_^":
            body, i = _group(tex, i + 1)
            total += 0.7 * _width(body)
        elif c in "{}":
            i += 1
        elif c == "&":  # a matrix's column gap (the row's own alignment point: an em too many)
            total += 1.0
            i += 1
        elif c == " ":
            i += 1
        else:
            total += _CHAR.get(c, 0.5 if c.isdigit() else 0.58)
            i += 1
    return total


def _group(tex: str, i: int) -> tuple[str, int]:
    """The braced group (or the single character) at ``i``, and the index after it."""
    while i < len(tex) and tex[i] == " ":
        i += 1
    if i >= len(tex):
        return "", i
    if tex[i] != "{":
        if tex[i] == "\\":
            m = _COMMAND_OR_SYMBOL.match(tex, i)
            j = m.end() if m else i + 1
            return tex[i:j], j
        return tex[i], i + 1
    depth = 0
    for m in _BRACE.finditer(tex, i):  # the braces only, found by the regular expression engine
        if m.group() == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return tex[i + 1 : m.start()], m.end()
    return tex[i + 1 :], len(tex)


def _split_top(tex: str, sep: str) -> list[str]:
    """``tex`` split at ``sep`` where it stands outside braces, parentheses, brackets and
    environments."""
    return _split_at(tex, sep, [pos for depth, _, pos in _separators(tex, sep) if depth == 0])


def _split_at(tex: str, sep: str, positions: list[int]) -> list[str]:
    out, start = [], 0
    for pos in positions:
        out.append(tex[start:pos])
        start = pos + len(sep)
    out.append(tex[start:])
    return out


_TOKENS: dict[str, re.Pattern[str]] = {}
_FOUND: dict[tuple[str, str], list[tuple[int, bool, int]]] = {}
_DELIMITER = r"\s*(?:\\[{}|]|\\[A-Za-z]+|.)"


def _separators(tex: str, sep: str) -> list[tuple[int, bool, int]]:
    r"""Each ``sep`` in ``tex``: how deep it stands, whether a line may end there, and where.  A
    line may end inside ``(``, ``[`` and ``\big(`` (they may close on a later line) but not inside
    a brace group, a ``\left … \right`` pair or an environment.  The text is read by a regular
    expression, token by token, and kept by the text with its digits as 0 (their places do not
    depend on the digits): a large derivation's rows of one shape are read once."""
    key = (tex.translate(_ZEROS), sep)
    known = _FOUND.get(key)
    if known is None:
        if len(_FOUND) > 8192:
            _FOUND.clear()
        known = _FOUND[key] = _read_separators(tex, sep)
    return known


def _read_separators(tex: str, sep: str) -> list[tuple[int, bool, int]]:
    tokens = _TOKENS.get(sep)
    if tokens is None:
        tokens = _TOKENS[sep] = re.compile(
            r"\\[{}|\\]|\\begin\{|\\end\{|\\left(?![A-Za-z])" + _DELIMITER
            + r"|\\right(?![A-Za-z])" + _DELIMITER + r"|[{(\[]|[})\]]|" + re.escape(sep)
        )  # fmt: skip
    stack: list[bool] = []  # each open bracket: may a line end inside it?
    found: list[tuple[int, bool, int]] = []
    for m in tokens.finditer(tex):
        t = m.group()
        if t == sep:
            found.append((len(stack), all(stack), m.start()))
        elif t[0] == "\\":
            if t.startswith(("\\begin", "\\left")):
                stack += [False, False] if t[1] == "b" else [False]  # \begin{ opens its brace too
            elif t.startswith(("\\end", "\\right")):
                del stack[-1:]  # \end{ closes the environment and opens a brace
                if t[1] == "e":
                    stack.append(False)
        elif t in "{([":
            stack.append(t != "{")
        elif stack:
            stack.pop()
    return found


def _split_shallowest(tex: str, sep: str) -> list[str]:
    r"""``tex`` split at ``sep`` where it stands least deep among the places a line may end
    (:func:`_separators`): ``\sigma\Big(a + b\Big)`` splits inside the parentheses,
    ``\frac{a + b}{c}`` not at all."""
    found = [(depth, pos) for depth, breakable, pos in _separators(tex, sep) if breakable]
    if not found:
        return [tex]
    least = min(depth for depth, _ in found)
    return _split_at(tex, sep, [pos for depth, pos in found if depth == least])


def fit_rows(rows: list[str], limit: float = LINE_EM) -> list[str]:
    r"""The rows of one ``aligned`` block, broken to fit ``limit`` em.  Every row's right side
    starts where the widest left side ends, so a left side wider than a third of the line goes on
    a line of its own (``&\frac{\partial}{\partial x}[…]``, then ``&= …``), and the right sides
    break after their ``=`` signs, then between factors or terms.

    Whether a block fits does not depend on its digits (each is as wide as any other): a large
    derivation's thousand chain blocks of one shape are measured once."""
    key = "\n".join(rows).translate(_ZEROS)
    if key in _FITTING:
        return rows
    out = _fit_rows(rows, limit)
    if out == rows:
        if len(_FITTING) > 8192:
            _FITTING.clear()
        _FITTING.add(key)
    return out


def _fit_rows(rows: list[str], limit: float) -> list[str]:
    split: list[tuple[str | None, str]] = []  # (left side or None for a row without "&", the rest)
    for row in rows:
        left, amp, right = row.partition("&")
        if not amp:
            split.append((None, row))
        elif len(left) > limit / 3 and width(left) > limit / 3:  # alone, in the right column
            split += [("", left.rstrip()), ("", right)]
        else:
            split.append((left, right))
    lefts = [width(side) for side, _ in split if side]
    room = limit - max(lefts, default=0.0)
    out: list[str] = []
    for side, rest in split:
        if side is None:
            out.append(rest)
            continue
        if len(rest) < room or width(rest) <= room:
            out.append(f"{side}&{rest}")
            continue
        if rest.startswith(_WHERE):  # a list of definitions breaks between them, never at their "="
            lines = _greedy(_split_top(rest, _AND), _AND, room - 2.0)  # \qquad before each continuation
            out += [f"{side}&{lines[0]}", *(rf"&\qquad {line}" for line in lines[1:])]
            continue
        steps = [step.strip() for step in _split_top(rest, " = ")]
        then = "&= " if rest.startswith("=") else "&\\quad = "  # after \\leftarrow, or a [s = 0] note
        for k, step in enumerate(steps):
            pieces = _pieces(step, room - 2.5)
            out.append(f"{side}&{pieces[0]}" if k == 0 else then + pieces[0])
            out += [f"&\\quad {p}" for p in pieces[1:]]
    return out


_WHERE = r"\quad \text{where } "
_AND = r",\ "


def _greedy(parts: list[str], sep: str, limit: float) -> list[str]:
    """``parts`` joined by ``sep`` into lines of at most ``limit`` em where each part allows (a
    continuation line does not repeat the separator)."""
    lines, current = [], parts[0]
    for part in parts[1:]:
        candidate = current + sep + part
        if width(candidate) > limit and current:
            lines.append(current + sep.rstrip(r"\ ").rstrip())
            current = part
        else:
            current = candidate
    lines.append(current)
    return lines


_VECTOR = re.compile(r"(= )?\\begin\{bmatrix\} ((?:(?!\\\\|\\begin).)*) \\end\{bmatrix\}")


def _pieces(step: str, limit: float) -> list[str]:
    """One step of a row in lines of at most ``limit`` em: a sum broken before its ``+``, a
    product before its ``\\cdot``; each continuation begins with the operator it was cut at.  A
    one-row matrix (a neuron's ``dw``) too wide for a line is a bracketed list that wraps."""
    if width(step) <= limit:
        return [step]
    vector = _VECTOR.fullmatch(step)
    if vector:
        lines = _wrapped(vector.group(2).split(" & "), limit)
        return [(vector.group(1) or "") + lines[0], *lines[1:]]
    for sep in (" + ", " - ", r" \cdot ", ", "):
        parts = _split_shallowest(step, sep)
        if len(parts) < 2:
            continue
        lines, current = [], parts[0]
        for part in parts[1:]:
            candidate = current + sep + part
            if width(candidate) > limit and current:
                lines.append(current + "," if sep == ", " else current)
                current = part if sep == ", " else sep.strip() + " " + part
            else:
                current = candidate
        lines.append(current)
        return lines
    return [step]


def fit_display(tex: str, limit: float = LINE_EM) -> str:
    """A one-line display (the function, flat or nested) that is too wide: an ``aligned`` block of
    its pieces, each continuation indented."""
    if len(tex) < limit or width(tex) <= limit:
        return tex
    pieces = _pieces(tex, limit - 2.5)
    if len(pieces) == 1:
        return tex
    return "\\begin{aligned}\n&" + " \\\\\n&\\quad ".join(pieces) + "\n\\end{aligned}"


def _wrapped(entries: list[str], limit: float) -> list[str]:
    r"""A vector's entries as ``\bigl[\, a, b, …`` over as many lines as they need, closed by
    ``\,\bigr]`` (brackets that need no partner on the same line, as ``\left`` would)."""
    lines, current = [], r"\bigl[\, " + entries[0]
    for entry in entries[1:]:
        if width(current) + width(entry) + 0.8 > limit:
            lines.append(current + ",")
            current = entry
        else:
            current += ", " + entry
    lines.append(current + r" \,\bigr]")
    return lines

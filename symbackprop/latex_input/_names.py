r"""Names as people write them in LaTeX, read into the leaves' ASCII spelling (see :mod:`symbackprop.names`).

``x_{0}`` is ``x0``, ``w_{1,2}`` is ``w1_2``, ``x_i`` is ``x_i``; ``\hat{y}_1`` is ``y_hat1``;
``W^{[2]}`` and ``x^{(i)}`` are part of the name (``W_layer2``, ``x_supi``), never a power;
``\mathbf{w}``, ``\boldsymbol{w}``, ``\bm{w}`` and ``\vec{w}`` are the name ``w``, the mark kept beside it (``marks``:
the first a name is written with) for LaTeX to print it back.
Under ``\sum_{i=…}`` an index ``i`` in a subscript or a superscript is marked ``{i}`` for the expansion.
"""

from __future__ import annotations

import functools
import re

import sympy

from ..errors import ParseError
from ..names import ACCENTS, GREEK, SUPERSCRIPT_INDEX, VECTOR_MARKS, Name, canonical, compose
from ._base import Base

_INDEX = re.compile(r"[A-Za-z0-9]+")
_WORD_COMMAND = re.compile(r"\\(?:text|mathrm|textrm|mathit|operatorname)\s*\{\s*([A-Za-z0-9]+)\s*\}")
#: The marks of a transposition, which a superscript may be instead of a power (w^T x, w^\top x).
TRANSPOSE = {"T", r"\top", r"\intercal", r"\mathsf{T}", r"\mathrm{T}", r"\text{T}"}


@functools.lru_cache(maxsize=4096)
def _symbol(base: str, accent: str, subs: tuple[str, ...], sup: tuple[str, str] | None) -> sympy.Symbol:
    """The leaf a name's parts spell, made once per name (a long text repeats its names)."""
    name = compose(Name(base, accent, subs, sup))
    return sympy.Symbol(name if "{" in name else canonical(name))  # \mathit{y_hat}: y_hat


class Names(Base):
    """Reading a name and its scripts."""

    def name(self, base: str, i: int, hi: int, accent: str = "") -> tuple[sympy.Basic, int]:
        r"""A variable from its base (a letter, a Greek letter's name, a word) and the scripts after token i."""
        subs, sup, i = self.scripts(base, i, hi)
        return _symbol(base, accent, subs, sup), i

    def scripts(
        self, base: str, i: int, hi: int, subs: tuple[str, ...] = (), sup: tuple[str, str] | None = None
    ) -> tuple[tuple[str, ...], tuple[str, str] | None, int]:
        """A subscript and a superscript that belongs to the name (``^{[2]}``, ``^{(i)}``), in either
        order; a superscript that is no index (a power, a transposition) is left to the term."""
        while i < hi:
            if self.is_text(i, hi, "_") and not subs:
                if i + 1 >= hi:
                    raise ParseError("a subscript is missing", self.col(i))
                subs = self.subscript(i + 1)
                i = self.next(i + 1)
            elif self.is_text(i, hi, "^") and sup is None and (index := self.superscript(base, i, hi)):
                sup, i = index
            else:
                break
        return subs, sup, i

    def subscript(self, i: int) -> tuple[str, ...]:
        r"""The indices of a subscript (a braced group or one token): ``{1,2}`` -> ("1", "2"), ``\alpha`` -> ("alpha",)."""
        raw = self.raw(i) if self.toks[i].text == "{" else self.toks[i].text
        out = []
        for item in raw.split(","):
            word = item.strip()
            if m := _WORD_COMMAND.fullmatch(word):  # x_{\text{in}}: the word
                word = m.group(1)
            elif word.startswith("\\") and word[1:] in GREEK:
                word = word[1:]
            if not _INDEX.fullmatch(word):
                raise ParseError(f"the subscript '{raw}' is not letters and digits", self.col(i))
            out.append("{" + word + "}" if word in self.indices else word)
        return tuple(out)

    def superscript(self, base: str, i: int, hi: int) -> tuple[tuple[str, str], int] | None:
        """``^{[2]}`` (a layer) or ``^{(i)}`` (an index in parentheses) at token i: part of the name; None
        for any other superscript.  A bracket without braces, or an index that is no number or letter,
        is refused: it would otherwise be read as a power."""
        j = i + 1
        if j >= hi:
            return None
        t = self.toks[j]
        if t.text in ("[", "("):
            shown = "[2]" if t.text == "[" else "(i)"
            raise ParseError(f"a superscript in brackets needs braces: write {base}^{{{shown}}}", self.col(j))
        if t.text != "{" or (not self.is_text(j + 1, hi, "[") and not self.is_text(j + 1, hi, "(")):
            return None
        if self.match[j + 1] != self.match[j] - 1:
            return None  # {(a + b) c}: a power
        kind = "layer" if self.toks[j + 1].text == "[" else "sup"
        inner = [tok.text for tok in self.toks[j + 2 : self.match[j + 1]]]
        index = inner[0] if len(inner) == 1 else ""
        if index.startswith("\\") and index[1:] in GREEK:
            index = index[1:]
        if not SUPERSCRIPT_INDEX.fullmatch(index) and index not in self.indices:
            shown = self.src[self.toks[j + 1].pos : self.toks[self.match[j + 1]].pos + 1]
            raise ParseError(
                f"the superscript {shown} is not an index of a name (a number or one letter, as in "
                f"W^{{[2]}} or x^{{(i)}}); a power is written x^{{2}}",
                self.col(j + 1),
            )
        if index in self.indices:
            index = "{" + index + "}"
        return (kind, index), self.match[j] + 1

    def decorated(self, i: int, hi: int) -> tuple[sympy.Basic, int]:
        r"""``\hat{y}``, ``\bar{x}_1``, ``\hat{y_1}``, ``\hat{\theta}``; ``\mathbf{w}``, ``\vec{x}`` (a vector's
        mark, not part of the name: recorded in ``marks``)."""
        command = self.toks[i].text[1:]
        accent = command if command in ACCENTS else ""
        mark = "" if accent else command
        a, b, j = self.operand(i + 1, hi)
        inner = self.toks[a].text[1:] if a < b and self.toks[a].kind == "cmd" else ""
        if (accent and inner in VECTOR_MARKS) or (mark and inner in ACCENTS):
            # \hat{\mathbf{y}} and \mathbf{\hat{y}}: an accent and a mark on one name, nothing beside it
            accent, mark = (accent, inner) if accent else (inner, mark)
            outer = b
            a, b, end = self.operand(a + 1, b)
            if end != outer:
                raise ParseError(
                    f"{self.toks[i].text}{{...}} takes one name: put the rest outside the braces",
                    self.col(end),
                )
        if a >= b:
            raise ParseError(f"{self.toks[i].text} needs a name, as in {self.toks[i].text}{{y}}", self.col(i))
        t = self.toks[a]
        if t.kind == "letter":
            k = a + 1 if accent else self.touching_letters(a, b)  # \mathbf{bias} is one word
            base = "".join(tok.text for tok in self.toks[a:k])
        elif t.kind == "cmd" and t.text[1:] in GREEK:
            base, k = t.text[1:], a + 1
        else:
            what = "an accent" if accent else f"{self.toks[i].text}"
            raise ParseError(
                f"{what} takes one letter, as in {self.toks[i].text}{{y}} or {self.toks[i].text}{{\\theta}}",
                self.col(a),
            )
        subs, sup, k = self.scripts(base, k, b)
        if k != b:
            raise ParseError(
                f"{self.toks[i].text}{{...}} takes one name: put the rest outside the braces", self.col(k)
            )
        subs, sup, j = self.scripts(base, j, hi, subs, sup)
        name = compose(Name(base, accent, subs, sup))
        if mark and "{" not in name:  # under \sum_i, \mathbf{w}_i is an element: a plain scalar
            self.marks.setdefault(name, mark)
        return sympy.Symbol(name), j

    def transposition(self, i: int, hi: int) -> int | None:
        r"""The end of a transposition mark at token i (``^T``, ``^{\top}``, ``^\intercal``), else None."""
        if not self.is_text(i, hi, "^") or i + 1 >= hi:
            return None
        j = i + 1
        if self.toks[j].text == "{":
            text, end = self.raw(j), self.match[j] + 1
        elif self.toks[j].text in (r"\mathsf", r"\mathrm", r"\text") and self.is_text(j + 1, hi, "{"):
            text, end = f"{self.toks[j].text}{{{self.raw(j + 1)}}}", self.match[j + 1] + 1
        else:
            text, end = self.toks[j].text, j + 1
        return end if text.replace(" ", "") in TRANSPOSE else None

r"""``\sum`` and vectors: ``\sum_{i=0}^{2} x_i w_i`` expanded term by term; with vectors (names given a
list of values) also ``\sum_i w_i x_i`` and ``\sum_{i=1}^{n} w_i x_i`` (n from the vectors' length), and
the dot products ``w^\top x``, ``w \cdot x``, ``\langle w, x\rangle`` (see :mod:`symbackprop.vectors`)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import sympy

from ..errors import ParseError
from ..names import canonical
from ..ops import Softmax
from ..vectors import check_softmax_outputs, dot_terms, misused
from ._names import Names

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_DIGITS = re.compile(r"[0-9]+")


class Sums(Names):
    """Reading ``\\sum`` and the uses of a vector."""

    def parts(self, lo: int, hi: int) -> list[sympy.Basic]:
        raise NotImplementedError

    def summation(self, i: int, hi: int) -> list[sympy.Basic]:
        r"""\sum_{i=a}^{b} summand, the summand running to the end of the term: b - a + 1 terms; without
        bounds (\sum_i) or with a letter for the last (\sum_{i=1}^{n}), as many as the vectors it indexes."""
        at, j = i, i + 1
        scripts: dict[str, tuple[int, int]] = {}
        while j < hi and self.toks[j].text in ("_", "^"):
            a, b, k = self.operand(j + 1, hi)
            scripts[self.toks[j].text] = (a, b)
            j = k
        if "_" not in scripts:
            raise ParseError(r"\sum needs numeric bounds, as in \sum_{i=0}^{2}", self.col(at))
        a, b = scripts["_"]
        word = self.toks[a].text.lstrip("\\")
        size = ""  # the letter standing for the vectors' length, as in \sum_{i=1}^{n}
        if b - a == 1 and _WORD.fullmatch(word) and "^" not in scripts and self.vectors:
            index, first, last = word, 0, None
        elif b - a < 3 or self.toks[a + 1].text != "=" or not _WORD.fullmatch(word):
            raise ParseError(r"\sum needs an index and bounds, as in \sum_{i=0}^{2}", self.col(a))
        elif "^" not in scripts:
            raise ParseError(r"\sum needs numeric bounds, as in \sum_{i=0}^{2}", self.col(at))
        else:
            c, d = scripts["^"]
            index, first = word, self.bound(a + 2, b)
            if d - c == 1 and self.toks[c].kind == "letter" and self.vectors:
                size, last = self.toks[c].text, None
            else:
                last = self.bound(c, d)
        if last is not None:
            self.count_terms(max(0, last - first + 1))
        self.indices.append(index)
        try:
            summands = self.parts(j, hi)  # more than one only if the summand is a \sum itself
        finally:
            self.indices.pop()
        if last is None:
            n = self.indexed_length(summands, index, scripts["^"][0] if size else a)
            last = first + n - 1
            self.count_terms(n)
            if size:
                self.sizes[size] = n
        count = max(0, last - first + 1)
        self.expanded += count * sum(1 for s in summands for _ in sympy.preorder_traversal(s))
        self.limits.check(
            r"the size of the expanded \sum", self.expanded, self.limits.max_nodes, "--max-nodes"
        )
        return self.expand(summands, index, range(first, last + 1), self.col(at))

    def count_terms(self, count: int) -> None:
        self.limits.check(r"the number of terms of \sum", count, self.limits.max_sum_terms, "--max-sum-terms")

    def indexed_length(self, summands: Sequence[sympy.Basic], index: str, at: int) -> int:
        r"""The length of the vectors the summand indexes by ``index`` (``w_i``): one length, or an error."""
        marker = "_{" + index + "}"
        lengths = {}
        for name in sorted({s.name for e in summands for s in e.free_symbols if isinstance(s, sympy.Symbol)}):
            if name.endswith(marker):
                base = canonical(name[: -len(marker)]) if "{" not in name[: -len(marker)] else ""
                if base in self.vectors:
                    lengths[base] = self.vectors[base]
        if not lengths:
            raise ParseError(
                r"\sum needs whole-number bounds, as in \sum_{i=0}^{2}, or vectors with values to run over "
                r"(\sum_i w_i x_i)",
                self.col(at),
            )
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{k} has {v}" for k, v in sorted(lengths.items()))
            raise ParseError(rf"the vectors of a \sum have different lengths ({shown})", self.col(at))
        return next(iter(lengths.values()))

    def bound(self, lo: int, hi: int) -> int:
        r"""A whole number, possibly a power (\sum_{i=0}^{10^8}); never computes a huge one."""
        texts = [t.text for t in self.toks[lo:hi] if t.text not in ("{", "}")]
        sign = -1 if texts[:1] == ["-"] else 1
        texts = texts[1:] if texts[:1] in (["-"], ["+"]) else texts
        if (
            len(texts) not in (1, 3)
            or texts[1:2] not in ([], ["^"])
            or not all(map(_DIGITS.fullmatch, texts[::2]))
        ):
            raise ParseError(r"\sum needs whole-number bounds, as in \sum_{i=0}^{2}", self.col(lo))
        huge = 10**30  # far past any limit: stands for every larger bound, which is never computed
        whole = [int(t) if len(t.lstrip("0")) <= 30 else huge for t in texts[::2]]  # a, or a ^ b
        base, power = whole[0], whole[1] if len(whole) > 1 else 1
        if base > 1 and power * math.log10(base) > 30:
            return sign * huge
        return sign * base**power

    def expand(
        self, summands: Sequence[sympy.Basic], index: str, values: range, col: int
    ) -> list[sympy.Basic]:
        """The terms of a \\sum, index by index: in each, x_{i} becomes x<k> and i becomes k; a vector's
        elements named so are recorded as its elements."""
        marker = "{" + index + "}"
        marked = {
            s for e in summands for s in e.free_symbols if isinstance(s, sympy.Symbol) and marker in s.name
        }
        if marked and values and values[0] < 0:
            raise ParseError(
                f"{min(s.name for s in marked)} with {index} = {values[0]} is not a variable name", col
            )
        for s in marked:
            base = s.name[: -len("_" + marker)] if s.name.endswith("_" + marker) else ""
            if base in self.vectors and "{" not in base:
                wanted = [_substituted(s.name, marker, k) for k in values]
                if self.arrays.setdefault(base, wanted) != wanted:
                    raise ParseError(
                        f"{base}'s elements are named two ways ({self.arrays[base][0]} ... and {wanted[0]} ...): "
                        "index a vector from the same first value throughout",
                        col,
                    )
        terms: list[sympy.Basic] = []
        for k in values:
            mapping: dict[sympy.Basic, sympy.Basic] = {
                s: sympy.Symbol(_substituted(s.name, marker, k)) for s in marked
            }
            mapping[sympy.Symbol(index)] = sympy.Integer(k)
            terms.extend(e.xreplace(mapping) for e in summands)
        if any(e.has(Softmax) for e in summands):  # \text{softmax}_k: the index must name an output
            check_softmax_outputs(terms, col)
        return terms

    # -- a vector as a whole -------------------------------------------------------------
    def vector_use(self, name: str, at: int, i: int, hi: int) -> tuple[list[sympy.Basic], int]:
        r"""Vector ``name`` (written at token ``at``) followed, at token i, by ``^\top x`` or ``\cdot x``: the
        dot product's terms; anything else is a vector where a number belongs, an error."""
        end = self.transposition(i, hi)
        if end is None and self.is_text(i, hi, r"\cdot"):
            end = i + 1
        if end is None:
            raise ParseError(misused(name, self.vectors[name]), self.col(at))
        other, j = self.atom(end, hi)
        if not isinstance(other, sympy.Symbol):
            raise ParseError(f"the other side of a dot product with {name} must be a vector", self.col(end))
        return dot_terms(name, other.name, self.vectors, self.arrays, self.col(at)), j

    def angle(self, i: int) -> list[sympy.Basic]:
        r"""``\langle w, x\rangle`` at token i: the dot product of two vectors."""
        ranges, sides = [], []
        start, k, end = i + 1, i + 1, self.match[i]
        while k < end:
            if self.toks[k].text == ",":
                ranges.append((start, k))
                start = k + 1
            k = self.next(k)
        ranges.append((start, end))
        for a, b in ranges:
            value, j = self.atom(a, b) if a < b else (None, a)
            if j != b or not isinstance(value, sympy.Symbol):
                raise ParseError(
                    r"\langle ... \rangle takes two vectors, as in \langle w, x \rangle", self.col(a)
                )
            sides.append(value.name)
        if len(sides) != 2:
            raise ParseError(
                r"\langle ... \rangle takes two vectors, as in \langle w, x \rangle", self.col(i)
            )
        return dot_terms(sides[0], sides[1], self.vectors, self.arrays, self.col(i))


def _substituted(name: str, marker: str, k: int) -> str:
    """A marked name with the index's value in place: ``w_{i}_1`` -> ``w0_1``; still marked for an outer
    \\sum, it stays as it is until that one expands."""
    name = name.replace(marker, str(k))
    return name if "{" in name else canonical(name)

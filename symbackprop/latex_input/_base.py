"""What every part of the LaTeX reader shares: the tokens of one text, each bracket's match, and
moving over them.  Token ranges are half-open [lo, hi); columns count from 1."""

from __future__ import annotations

import sympy

from ..errors import ParseError
from ..limits import Limits
from ._scan import scan


class Base:
    """The tokens of one text and the state of reading it."""

    def __init__(self, src: str, limits: Limits, vectors: dict[str, int] | None = None) -> None:
        self.src, self.limits = src, limits
        self.toks, self.match = scan(src, limits)
        self.indices: list[str] = []  # \sum indices in scope
        self.expanded = 0  # nodes made by \sum expansions so far
        self.new_operands = 0  # operands of skeletons latex2sympy2 had not read before (--max-latex-operands)
        self.vectors = dict(vectors or {})  # names given a list of values: their lengths
        self.arrays: dict[str, list[str]] = {}  # each vector used: its elements, as the expression names them
        self.sizes: dict[str, int] = {}  # a letter standing for the vectors' length (\sum_{i=1}^{n}): n
        self.marks: dict[str, str] = {}  # a name written with a vector's mark (\mathbf{w}): the first mark

    def col(self, i: int) -> int:
        return self.toks[i].pos + 1 if i < len(self.toks) else len(self.src) + 1

    def next(self, i: int) -> int:
        """The index after the token or bracket group at i."""
        return self.match[i] + 1 if self.match[i] >= 0 else i + 1

    def is_text(self, i: int, hi: int, text: str) -> bool:
        return i < hi and self.toks[i].text == text

    def raw(self, i: int) -> str:
        """The source text inside the braces at token i."""
        return self.src[self.toks[i].pos + 1 : self.toks[self.match[i]].pos].strip()

    def operand(self, i: int, hi: int) -> tuple[int, int, int]:
        r"""The token range of a command's argument: a braced group or one token (\frac12)."""
        if i >= hi:
            raise ParseError("an argument is missing", self.col(i))
        if self.toks[i].text == "{":
            return i + 1, self.match[i], self.match[i] + 1
        return i, i + 1, i + 1

    def touching_letters(self, i: int, hi: int) -> int:
        """The end of the run of letters written together from token i (``xw`` in ``\\mathit{xw}``)."""
        toks = self.toks
        j = i
        while j < hi and toks[j].kind == "letter" and toks[j].pos == toks[i].pos + j - i:
            j += 1
        return j

    # -- what the reader itself defines (an expression, an operand), for the parts that read one --
    def expr(self, lo: int, hi: int) -> sympy.Basic:
        raise NotImplementedError

    def atom(self, i: int, hi: int) -> tuple[sympy.Basic, int]:
        raise NotImplementedError

    def exponent(self, k: sympy.Basic) -> None:
        """Check a literal exponent against the limits."""
        raise NotImplementedError

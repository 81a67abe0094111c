r"""LaTeX -> tree: our front end around latex2sympy2, which reads each term's arithmetic.

latex2sympy2 alone misreads this tool's notation: ``\text{ReLU}(a + b)`` becomes a product,
``\log`` base 10, ``\operatorname`` and ``\Big`` do not parse, ``Max`` sorts its arguments,
and it is slow (measured: one ``x_{0}`` costs 35 ms, 300 flat terms 20 s, ``x^x^…^x`` of 50
powers 70 s; nested parentheses grow quadratically in the 3.13 package).  So the front end
bounds the text (length, tokens, bracket depth) in one pass, then reads everything with structure
itself -- brackets, names (``x_{0}`` is ``x0``), numbers, our functions and the nested
``sum(mul(…))`` notation, ``\frac``, ``\sqrt``, ``e^{…}``, ``|…|``, ``\sum`` -- and splits
every sum into its terms in the written order.  Each term's operators (juxtaposition,
``\cdot``, ``\times``, ``/``, ``^``, unary signs) go to latex2sympy2 as a short skeleton in
which every operand is a one-letter placeholder, e.g. ``A \cdot B ^ C``; its answer is turned
into our operations, factors in the written order, and the operands' subtrees put back.
Skeletons are memoised (the terms of a long sum share one), a term has at most 100 operands,
and what TeX itself refuses and latex2sympy2 reads in exponential time (``x^a^b``) is refused.
Numbers are Integer or Float, as in the infix parser; columns in error messages count from 1.
"""

from __future__ import annotations

import functools
import math
import re
import string
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import sympy

from .errors import InputError, LimitError, ParseError
from .limits import DEFAULT, Limits, recursion_room
from .names import GREEK
from .ops import FUNCTIONS, AbsOp, DivOp, Exp, LogOp, MaxOp, MulOp, NegOp, PowOp, Sqrt, SubOp, SumOp, maximum
from .options import spell
from .parse import float_literal  # as the infix parser reads numbers

__all__ = ["parse_latex"]

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
    r"\[", r"\]", r"\(", r"\)",
}  # fmt: skip
_OPEN = {"(": ")", "[": "]", "{": "}", r"\{": r"\}", "|": "|", r"\left|": r"\right|"}
_CLOSE = {")", "]", "}", r"\}", r"\right|"}
# Commands whose arguments without braces are one character each: a number after them is split.
_ONE_DIGIT_ARGUMENTS = {"^": 1, "_": 1, r"\frac": 2, r"\dfrac": 2, r"\tfrac": 2}
# Operators, handed to latex2sympy2 (but a stray _ is refused); a + or - after one is a sign, not a new term.
_OPERATORS = {"+", "-", "^", "_", "/", "*", r"\cdot", r"\times", r"\div"}
_NAME_COMMANDS = {"text", "mathrm", "operatorname", "mathit", "textrm", "textit"}
_FUNCTION_COMMANDS = {"tanh", "exp", "log", "ln", "max", "min"}
_NOT_EXPRESSIONS = {
    r"\int": "an integral", r"\iint": "an integral", r"\oint": "an integral",
    r"\partial": "a derivative", "∂": "a derivative", r"\nabla": "a gradient",
    r"\lim": "a limit", r"\prod": "a product", r"\begin": "an environment (a matrix?)",
    r"\infty": "infinity", ",": "a list", "=": "an equation", "<": "a relation", ">": "a relation",
    r"\leq": "a relation", r"\geq": "a relation", r"\le": "a relation", r"\ge": "a relation",
    r"\neq": "a relation", r"\ne": "a relation", r"\approx": "a relation", r"\to": "an arrow",
}  # fmt: skip
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_SUBSCRIPT = re.compile(r"[A-Za-z0-9]+")
_DIGITS = re.compile(r"[0-9]+")
# One-letter placeholders latex2sympy2 reads as plain symbols (d starts a differential; e, E, I are constants).
_SLOTS = [c for c in string.ascii_letters if c not in "deEI"]
# latex2sympy2 takes ~10 ms per operand of a term (1.9.1): a longer product is refused, not left to crawl.
_MAX_OPERANDS = 100


class _Tok(NamedTuple):
    kind: str  # "num", "letter", "cmd" or "char"
    text: str
    pos: int  # 0-based offset in the source


def parse_latex(text: str, limits: Limits = DEFAULT) -> sympy.Basic:
    """LaTeX -> the tree of our operations the infix parser gives for the same function.

    A leading ``y =`` (any ``NAME =``) is dropped.  Raises ParseError, LimitError or InputError only.
    """
    limits.check("the expression length", len(text), limits.max_length, "--max-length")
    try:
        reader = _Reader(text, limits)  # checks the nesting against max_depth, before any recursion
        with recursion_room(limits.max_depth):  # the descent recurses a few frames per level
            tree = reader.expr(reader.start(), len(reader.toks))
    except RecursionError:
        raise LimitError(f"the expression nests deeper than {spell('max_depth')} allows") from None
    # unbraced chains (e^e^x, \log \log x) nest without brackets: the tree's own depth, as infix
    limits.check("the nesting depth", _height(tree), limits.max_depth, "--max-depth")
    return tree


def _height(tree: sympy.Basic) -> int:
    """Operations on the longest path from the root to a leaf, counted without recursion."""
    deepest, stack = 0, [(tree, 0)]
    while stack:
        e, depth = stack.pop()
        if e.args:
            stack.extend((a, depth + 1) for a in e.args)
        else:
            deepest = max(deepest, depth)
    return deepest


@functools.cache
def _latex2sympy() -> Callable[[str], Any]:
    """latex2sympy2's reader, imported on first use (antlr is slow to import): 1.9.1 before 3.13, _extended after."""
    try:
        if sys.version_info >= (3, 13):
            from latex2sympy2_extended import latex2sympy
            from latex2sympy2_extended.latex2sympy2 import ConversionConfig

            config = ConversionConfig(lowercase_symbols=False)
            return functools.partial(latex2sympy, normalization_config=None, conversion_config=config)
        from latex2sympy2 import latex2sympy as read

        return read
    except ImportError as err:
        raise InputError(f"LaTeX input needs latex2sympy2 ({err})") from None


@functools.lru_cache(maxsize=1024)
def _read_skeleton(text: str) -> Any:
    """latex2sympy2's reading of a skeleton; the terms of a long sum mostly share one, e.g. ``A B``."""
    return _latex2sympy()(text)


def _tokens(src: str) -> Iterator[_Tok]:
    r"""Tokens without spacing or sizing; ``\left|`` and ``\right|`` stay, as they open and close."""
    pending = ""  # \left or \right, waiting for its delimiter
    previous = ""
    for m in _TOKEN.finditer(src):
        kind, text, pos = m.lastgroup or "char", m.group(), m.start()
        if kind == "space" or text in _SKIPPED:
            continue
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
            yield _Tok(kind, text[0], pos)
            text, pos, singles = text[1:], pos + 1, singles - 1
        yield _Tok(kind, text, pos)
        previous = text


def _scan(src: str, limits: Limits) -> tuple[list[_Tok], list[int]]:
    """The tokens and, for each opening bracket, the index of its closer (-1 elsewhere).

    One pass that stops at the first unbalanced bracket or exceeded bound, before any reading.
    """
    toks: list[_Tok] = []
    match: list[int] = []
    stack: list[int] = []
    for i, t in enumerate(_tokens(src)):
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


class _Reader:
    """A recursive descent over the tokens of one text; token ranges are half-open [lo, hi)."""

    def __init__(self, src: str, limits: Limits) -> None:
        self.src, self.limits = src, limits
        self.toks, self.match = _scan(src, limits)
        self.indices: list[str] = []  # \sum indices in scope
        self.expanded = 0  # nodes made by \sum expansions so far

    def col(self, i: int) -> int:
        return self.toks[i].pos + 1 if i < len(self.toks) else len(self.src) + 1

    def next(self, i: int) -> int:
        """The index after the token or bracket group at i."""
        return self.match[i] + 1 if self.match[i] >= 0 else i + 1

    def is_text(self, i: int, hi: int, text: str) -> bool:
        return i < hi and self.toks[i].text == text

    # -- sums and terms ------------------------------------------------------
    def start(self) -> int:
        """Where the expression starts: after a leading ``y =`` or ``f(x) =``."""
        eqs, i = [], 0
        while i < len(self.toks):
            if self.toks[i].text == "=":
                eqs.append(i)
            i = self.next(i)
        if not eqs:
            return 0
        if len(eqs) == 1 and self.is_lhs(0, eqs[0]):
            return eqs[0] + 1
        raise ParseError(
            "an equation is not an expression (only a leading 'y =' is dropped)", self.col(eqs[-1])
        )

    def is_lhs(self, i: int, hi: int) -> bool:
        r"""A name as the left side of ``=``: ``y``, ``out``, ``y_{0}``, ``\hat{y}``, ``f(x)``."""
        first = i
        while (
            i < hi and self.toks[i].kind == "letter" and self.toks[i].pos == self.toks[first].pos + i - first
        ):
            i += 1
        if i == first and i < hi and self.toks[i].kind == "cmd":
            i = self.next(i + 1) if self.is_text(i + 1, hi, "{") else i + 1
        if i == first:
            return False
        if self.is_text(i, hi, "_") and i + 1 < hi:
            i = self.next(i + 1)
        if self.is_text(i, hi, "("):
            i = self.next(i)
        return i == hi

    def expr(self, lo: int, hi: int) -> sympy.Basic:
        return _sum(self.parts(lo, hi))

    def parts(self, lo: int, hi: int) -> list[sympy.Basic]:
        """The terms of a sum, folded left as the infix parser does: a + b - c is sub(sum(a, b), c)."""
        acc: list[sympy.Basic] = []
        for sign, a, b in self.terms(lo, hi):
            term = self.term(a, b)
            items = term if isinstance(term, list) else [term]
            if sign == "+":
                acc.extend(items)  # a leading \sum's terms join the sum they stand in
            else:
                acc = [SubOp(_sum(acc), _sum(items))]
        return acc

    def terms(self, lo: int, hi: int) -> list[tuple[str, int, int]]:
        """Split at the top-level + and - that follow an operand: (sign, lo, hi) per term.

        A leading sign stays in its term, where it binds to the first factor (-a b is mul(neg(a), b)).
        """
        if not self.toks:
            raise ParseError("empty expression", 1)
        if lo >= hi:
            raise ParseError("an expression is missing", self.col(lo))
        sign, start = "+", lo
        out, i = [], start
        while i < hi:
            t = self.toks[i]
            if t.text in ("+", "-") and i > start and self.toks[i - 1].text not in _OPERATORS:
                out.append((sign, start, i))
                sign, start = t.text, i + 1
            i = self.next(i)
        out.append((sign, start, hi))
        for _, a, b in out:
            if a == b:
                raise ParseError(f"a term is missing after '{self.toks[a - 1].text}'", self.col(a - 1))
        return out

    def term(self, lo: int, hi: int) -> sympy.Basic | list[sympy.Basic]:
        r"""One term: operands read here, operators by latex2sympy2; a leading \sum gives its terms."""
        pieces: list[tuple[str, int]] = []  # the skeleton: (text, source offset)
        slots: dict[str, sympy.Basic] = {}
        i = lo
        while i < hi:
            t = self.toks[i]
            if t.text in _OPERATORS:
                self.operator(pieces, t)
                pieces.append((t.text, t.pos))
                i += 1
                continue
            if t.text == r"\sum":
                terms = self.summation(i, hi)
                if not pieces:
                    return terms
                value, i = _sum(terms), hi
            else:
                value, i = self.atom(i, hi)
            name = _slot(len(slots))
            slots[name] = value
            pieces.append((name, t.pos))
        if len(pieces) == 1 and slots:
            return slots[pieces[0][0]]  # a lone operand needs no parser
        return self.arithmetic(pieces, slots)

    def operator(self, pieces: list[tuple[str, int]], t: _Tok) -> None:
        """Refuse what TeX refuses and latex2sympy2 reads in exponential time: x^a^b, a stray _, +-+x."""
        if t.text == "_":
            raise ParseError("a subscript needs a name before it", t.pos + 1)
        if t.text == "^" and len(pieces) >= 2 and pieces[-2][0] == "^":
            raise ParseError("a double superscript: write x^{a^{b}} or {x^{a}}^{b}", t.pos + 1)
        if t.text in ("+", "-") and len(pieces) >= 2 and all(p in ("+", "-") for p, _ in pieces[-2:]):
            raise ParseError("three signs in a row", t.pos + 1)

    def arithmetic(self, pieces: list[tuple[str, int]], slots: dict[str, sympy.Basic]) -> sympy.Basic:
        """latex2sympy2 reads a term's skeleton, e.g. ``A \\cdot B ^ C``; the slots' subtrees go back in."""
        text = " ".join(p for p, _ in pieces)
        try:
            result = _read_skeleton(text)
        except RecursionError:
            raise
        except Exception as err:  # latex2sympy2 raises bare Exceptions, its message ending in a caret line
            lines = str(err).split("\n")
            at = len(lines[-1]) - 1 if len(lines) >= 3 and set(lines[-1]) <= {"~", "^"} else 0
            offsets = [sum(len(p) + 1 for p, _ in pieces[:j]) for j in range(len(pieces))]
            piece = max(j for j, offset in enumerate(offsets) if offset <= at)
            raise ParseError(f"cannot parse the LaTeX: {lines[0]}", pieces[piece][1] + 1) from None
        return _Converter(slots, self, pieces[0][1] + 1).convert(result)

    # -- operands ------------------------------------------------------------
    def atom(self, i: int, hi: int) -> tuple[sympy.Basic, int]:
        r"""One operand at token i: a bracket group, number, name, call, \frac, \sqrt or e^{…}."""
        if i >= hi:
            raise ParseError("an operand is missing", self.col(i))
        t = self.toks[i]
        if self.match[i] >= 0:
            inner = self.expr(i + 1, self.match[i])
            return (AbsOp(inner) if t.text in ("|", r"\left|") else inner), self.match[i] + 1
        if t.kind == "num":
            return self.number(t), i + 1
        if t.kind == "letter":
            call = self.word_call(i, hi)
            if call is not None:
                return call
            if t.text == "e" and not self.is_text(i + 1, hi, "_"):
                if self.is_text(i + 1, hi, "^"):
                    power, j = self.atom(i + 2, hi)
                    return Exp(power), j
                return Exp(sympy.Integer(1)), i + 1
            return self.name(t.text, i + 1, hi)
        if t.kind == "cmd":
            return self.command(i, hi)
        raise ParseError(_unexpected(t), t.pos + 1)

    def number(self, t: _Tok) -> sympy.Number:
        digits = sum(c.isdigit() for c in t.text)
        self.limits.check("the number of digits in a number", digits, self.limits.max_digits, "--max-digits")
        if math.isinf(float(t.text)):  # before int(), which refuses more than 4300 digits
            shown = t.text if len(t.text) <= 30 else t.text[:30] + "..."
            raise ParseError(f"number {shown!r} is out of floating-point range", t.pos + 1)
        return float_literal(t.text) if "." in t.text else sympy.Integer(int(t.text))

    def name(self, base: str, i: int, hi: int) -> tuple[sympy.Basic, int]:
        r"""A variable: x_{0} is x0, w_{12} is w12; x_{i} under \sum_{i=…} is marked for the expansion."""
        sub = ""
        if self.is_text(i, hi, "_"):
            if i + 1 >= hi:
                raise ParseError("a subscript is missing", self.col(i))
            sub = self.raw(i + 1) if self.toks[i + 1].text == "{" else self.toks[i + 1].text
            if not _SUBSCRIPT.fullmatch(sub):
                raise ParseError(f"the subscript '{sub}' is not letters and digits", self.col(i + 1))
            i = self.next(i + 1)
        if sub in self.indices:
            return sympy.Symbol(f"{base}_{{{sub}}}"), i
        return sympy.Symbol(base + sub), i

    def raw(self, i: int) -> str:
        """The source text inside the braces at token i."""
        return self.src[self.toks[i].pos + 1 : self.toks[self.match[i]].pos].strip()

    def word_call(self, i: int, hi: int) -> tuple[sympy.Basic, int] | None:
        """The nested notation's bare words: sum(…), mul(…), ReLU(…), max(…) … (touching letters)."""
        toks = self.toks
        if i > 0 and toks[i - 1].kind == "letter" and toks[i - 1].pos == toks[i].pos - 1:
            return None  # inside a word that is not a function: x s u m(…) stays letters
        j = i
        while j < hi and toks[j].kind == "letter" and toks[j].pos == toks[i].pos + j - i:
            j += 1
        word = "".join(t.text for t in toks[i:j])
        if j - i > 1 and self.is_text(j, hi, "(") and word.lower() in FUNCTIONS:
            return self.call(word, i, j)
        return None

    def command(self, i: int, hi: int) -> tuple[sympy.Basic, int]:
        r"""A command: Greek name, \sigma(…), \text{ReLU}(…), \text{name}, \frac, \sqrt, \tanh, \log …"""
        t = self.toks[i]
        name = t.text[1:]
        if name == "sigma" and self.is_text(i + 1, hi, "("):
            return self.call("sigmoid", i, i + 1)
        if name in GREEK:
            return self.name(name, i + 1, hi)
        if name in _NAME_COMMANDS:
            if not self.is_text(i + 1, hi, "{"):
                raise ParseError(f"{t.text} needs a name in braces", self.col(i + 1))
            word, j = self.raw(i + 1), self.next(i + 1)
            if not _WORD.fullmatch(word):
                raise ParseError(f"{t.text}{{{word}}} is not a name", t.pos + 1)
            if name != "mathit" and self.is_text(j, hi, "("):
                return self.call(word, i, j)
            if name != "mathit" and word.lower() in FUNCTIONS:
                raise ParseError(f"{word} needs its arguments in parentheses", self.col(j))
            return self.name(word, j, hi)
        if name in ("frac", "dfrac", "tfrac"):
            return self.fraction(i, hi)
        if name == "sqrt":
            return self.root(i, hi)
        if name in _FUNCTION_COMMANDS:
            return self.function_command(name, i, hi)
        raise ParseError(_unexpected(t), t.pos + 1)

    def function_command(self, name: str, i: int, hi: int) -> tuple[sympy.Basic, int]:
        r"""\tanh(x) or \tanh x (one operand), \log_{b} x = log(x) / log(b); \log and \ln are natural."""
        base = None
        j = i + 1
        if name == "log" and self.is_text(j, hi, "_"):
            base, j = self.atom(j + 1, hi)
        if self.is_text(j, hi, "("):
            value, j = self.call(name, i, j)
        elif name in ("max", "min"):
            raise ParseError(f"\\{name} needs its arguments in parentheses", self.col(j))
        else:
            arg, j = self.atom(j, hi)
            value = FUNCTIONS[name](arg)
        return (value if base is None else DivOp(value, LogOp(base))), j

    def call(self, word: str, at: int, i: int) -> tuple[sympy.Basic, int]:
        """``word(arg, …)`` with the parenthesis at token i: an operation of ops.FUNCTIONS, any case."""
        cls = FUNCTIONS.get(word.lower())
        if cls is None:
            raise ParseError(f"unknown function {word}", self.col(at))
        end = self.match[i]
        args = [self.expr(a, b) for a, b in self.arguments(i + 1, end)]
        low, high = cls.arity()
        if len(args) < low or (high is not None and len(args) > high):
            want = f"exactly {low}" if low == high else f"{low} or more"
            noun = "argument" if low == high == 1 else "arguments"
            raise ParseError(f"{word} takes {want} {noun}, got {len(args)}", self.col(at))
        if cls is PowOp:
            self.exponent(args[1])
        return (maximum(*args) if cls is MaxOp else cls(*args)), end + 1

    def arguments(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The ranges between top-level commas."""
        out, start, i = [], lo, lo
        while i < hi:
            if self.toks[i].text == ",":
                out.append((start, i))
                start = i + 1
            i = self.next(i)
        if lo < hi:
            out.append((start, hi))
        return out

    def operand(self, i: int, hi: int) -> tuple[int, int, int]:
        r"""The token range of a command's argument: a braced group or one token (\frac12)."""
        if i >= hi:
            raise ParseError("an argument is missing", self.col(i))
        if self.toks[i].text == "{":
            return i + 1, self.match[i], self.match[i] + 1
        return i, i + 1, i + 1

    def fraction(self, i: int, hi: int) -> tuple[sympy.Basic, int]:
        r"""\frac{a}{b} is div(a, b); \frac{d}{dx} and \frac{\partial}{\partial x} are derivatives: refused."""
        a, b, j = self.operand(i + 1, hi)
        c, d, k = self.operand(j, hi)
        if all(self.toks[lo].text in ("d", r"\partial", "∂") for lo in (a, c)):
            raise ParseError("a derivative is not an expression symbackprop can read", self.col(i))
        return DivOp(self.expr(a, b), self.expr(c, d)), k

    def root(self, i: int, hi: int) -> tuple[sympy.Basic, int]:
        r"""\sqrt{x}, \sqrt(x) (as the nested notation prints it), \sqrt[n]{x} = pow(x, div(1, n))."""
        if self.is_text(i + 1, hi, "("):
            return self.call("sqrt", i, i + 1)
        index = None
        j = i + 1
        if self.is_text(j, hi, "["):
            index, j = self.expr(j + 1, self.match[j]), self.match[j] + 1
        a, b, k = self.operand(j, hi)
        radicand = self.expr(a, b)
        if index is None:
            return Sqrt(radicand), k
        return PowOp(radicand, DivOp(sympy.Integer(1), index)), k

    def exponent(self, k: sympy.Basic) -> None:
        if isinstance(k, sympy.Number):
            exponent = math.ceil(abs(float(k)))
            self.limits.check("the exponent", exponent, self.limits.max_exponent, "--max-exponent")

    # -- \sum ------------------------------------------------------------------
    def summation(self, i: int, hi: int) -> list[sympy.Basic]:
        r"""\sum_{i=a}^{b} summand, the summand running to the end of the term: b - a + 1 terms."""
        at, j = i, i + 1
        scripts: dict[str, tuple[int, int]] = {}
        while j < hi and self.toks[j].text in ("_", "^"):
            a, b, k = self.operand(j + 1, hi)
            scripts[self.toks[j].text] = (a, b)
            j = k
        if set(scripts) != {"_", "^"}:
            raise ParseError(r"\sum needs numeric bounds, as in \sum_{i=0}^{2}", self.col(at))
        (a, b), (c, d) = scripts["_"], scripts["^"]
        if b - a < 3 or self.toks[a + 1].text != "=" or not _WORD.fullmatch(self.toks[a].text.lstrip("\\")):
            raise ParseError(r"\sum needs an index and bounds, as in \sum_{i=0}^{2}", self.col(a))
        index, first, last = self.toks[a].text.lstrip("\\"), self.bound(a + 2, b), self.bound(c, d)
        count = max(0, last - first + 1)
        self.limits.check(r"the number of terms of \sum", count, self.limits.max_sum_terms, "--max-sum-terms")
        self.indices.append(index)
        try:
            summands = self.parts(j, hi)  # more than one only if the summand is a \sum itself
        finally:
            self.indices.pop()
        self.expanded += count * sum(1 for s in summands for _ in sympy.preorder_traversal(s))
        self.limits.check(
            r"the size of the expanded \sum", self.expanded, self.limits.max_nodes, "--max-nodes"
        )
        return _expand(summands, index, range(first, last + 1), self.col(at))

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


class _Converter:
    """latex2sympy2's answer for a skeleton -> our operations, the factors in the written order."""

    def __init__(self, slots: dict[str, sympy.Basic], reader: _Reader, col: int) -> None:
        self.slots, self.reader, self.col = slots, reader, col

    def convert(self, e: Any) -> sympy.Basic:
        if isinstance(e, sympy.Symbol) and e.name in self.slots:
            return self.slots[e.name]
        if isinstance(e, sympy.Mul):
            return self.product(e.args)
        if isinstance(e, sympy.Pow):
            base, k = self.convert(e.base), self.convert(e.exp)
            self.reader.exponent(k)
            return PowOp(base, k)
        if isinstance(e, sympy.Integer):
            return e
        raise ParseError(f"cannot read {type(e).__name__} from the LaTeX", self.col)

    def product(self, factors: Sequence[sympy.Basic]) -> sympy.Basic:
        """A factor 1/b (from / or \\div) divides the factors before it; a factor -1 (a sign) negates the next."""
        out: list[sympy.Basic] = []
        signs = 0
        for f in factors:
            if f is sympy.S.NegativeOne:
                signs += 1
                continue
            if isinstance(f, sympy.Pow) and f.exp is sympy.S.NegativeOne and out:
                out = [DivOp(_product(out), self.convert(f.base))]
                continue
            value = self.convert(f)
            for _ in range(signs):
                value = _negate(value)
            out.append(value)
            signs = 0
        return _product(out)


def _slot(k: int) -> str:
    """The k-th placeholder: A, B, …, then A_0, B_0, …"""
    if k >= _MAX_OPERANDS:
        raise LimitError(f"a term has more than {_MAX_OPERANDS} operands; group some in parentheses")
    return _SLOTS[k] if k < len(_SLOTS) else f"{_SLOTS[k % len(_SLOTS)]}_{k // len(_SLOTS) - 1}"


def _expand(summands: Sequence[sympy.Basic], index: str, values: range, col: int) -> list[sympy.Basic]:
    """The terms of a \\sum, index by index: in each, x_{i} becomes x<k> and i becomes k."""
    marker = "_{" + index + "}"
    marked = {
        s for e in summands for s in e.free_symbols if isinstance(s, sympy.Symbol) and s.name.endswith(marker)
    }
    if marked and values and values[0] < 0:
        raise ParseError(
            f"{min(s.name for s in marked)} with {index} = {values[0]} is not a variable name", col
        )
    terms: list[sympy.Basic] = []
    for k in values:
        mapping: dict[sympy.Basic, sympy.Basic] = {
            s: sympy.Symbol(s.name[: -len(marker)] + str(k)) for s in marked
        }
        mapping[sympy.Symbol(index)] = sympy.Integer(k)
        terms.extend(e.xreplace(mapping) for e in summands)
    return terms


def _unexpected(t: _Tok) -> str:
    what = _NOT_EXPRESSIONS.get(t.text)
    if what:
        return f"{what} ('{t.text}') is not supported in an expression"
    return f"unknown LaTeX command {t.text}" if t.kind == "cmd" else f"unexpected {t.text!r}"


def _negate(e: sympy.Basic) -> sympy.Basic:
    return -e if isinstance(e, sympy.Number) else NegOp(e)


def _sum(terms: Sequence[sympy.Basic]) -> sympy.Basic:
    return SumOp(*terms) if len(terms) > 1 else terms[0] if terms else sympy.Integer(0)


def _product(factors: Sequence[sympy.Basic]) -> sympy.Basic:
    return MulOp(*factors) if len(factors) > 1 else factors[0] if factors else sympy.Integer(1)

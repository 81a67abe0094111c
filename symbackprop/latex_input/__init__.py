r"""LaTeX -> tree: our front end, and latex2sympy2's grammar for each term's arithmetic.

latex2sympy2 alone misreads this tool's notation: ``\text{ReLU}(a + b)`` becomes a product,
``\log`` base 10, ``\operatorname`` and ``\Big`` do not parse, ``Max`` sorts its arguments,
and it is slow (measured: one ``x_{0}`` costs 35 ms, 300 flat terms 20 s, ``x^x^…^x`` of 50
powers 70 s; nested parentheses grow quadratically in the 3.13 package).  So the front end
bounds the text (length, tokens, bracket depth) in one pass, then reads everything with structure
itself -- brackets, names (``x_{0}`` is ``x0``), numbers, our functions and the nested
``sum(mul(…))`` notation, ``\frac``, ``\sqrt``, ``e^{…}``, ``|…|``, ``\sum`` -- and splits
every sum into its terms in the written order.  Each term's operators (juxtaposition,
``\cdot``, ``\times``, ``/``, ``^``, unary signs) form a short skeleton in which every operand is a
one-letter placeholder, e.g. ``A \cdot B ^ C``, read by latex2sympy2's grammar in one pass of our own
(latex2sympy2 itself took ~3 ms of CPU per byte of dense LaTeX, each new operator pattern a new parse);
that reading is turned into our operations, factors in the written order, and the operands' subtrees
put back.  A term has at most 100 operands, and what TeX itself refuses (``x^a^b``) is refused.
Numbers are Integer or Float, as in the infix parser; columns in error messages count from 1.
"""

from __future__ import annotations

import math
import re

import sympy

from ..errors import LimitError, ParseError
from ..limits import DEFAULT, Limits, recursion_room
from ..names import ACCENTS, GREEK, VECTOR_MARKS
from ..ops import AbsOp, DivOp, Exp, MaxOp, MinOp, PowOp, ShareOp, Sqrt, StepOp, SubOp, function
from ..options import spell
from ..parse import float_literal  # as the infix parser reads numbers
from ..steps import Program, Step, Style, symbols
from ..vectors import misused
from ._functions import FUNCTION_COMMANDS, Functions
from ._scan import BARS, Tok
from ._skeleton import Converter, known, read_skeleton, slot, sum_of
from ._sums import Sums

__all__ = ["parse_latex", "parse_latex_program", "read_name"]

#: Environments a program of equations may stand in; ``\\`` ends each equation.
_ENVIRONMENTS = (
    "aligned",
    "align",
    "align*",
    "split",
    "gathered",
    "gather",
    "gather*",
    "equation",
    "equation*",
)
_LINE_BREAK = "\\\\"
# Operators, read by the skeleton's grammar (but a stray _ is refused); a + or - after one is a sign, not a new term.
_OPERATORS = {"+", "-", "^", "_", "/", "*", r"\cdot", r"\times", r"\div"}
_NAME_COMMANDS = {"text", "mathrm", "operatorname", "mathit", "textrm", "textit"}
_NOT_EXPRESSIONS = {
    r"\int": "an integral", r"\iint": "an integral", r"\oint": "an integral",
    r"\partial": "a derivative", "∂": "a derivative", r"\nabla": "a gradient",
    r"\lim": "a limit", r"\prod": "a product", r"\begin": "an environment (a matrix?)",
    r"\infty": "infinity", r"\|": "a norm", r"\lVert": "a norm", r"\Vert": "a norm", r"\rVert": "a norm", ",": "a list", "=": "an equation", "<": "a relation", ">": "a relation",
    r"\leq": "a relation", r"\geq": "a relation", r"\le": "a relation", r"\ge": "a relation",
    r"\neq": "a relation", r"\ne": "a relation", r"\approx": "a relation", r"\to": "an arrow",
}  # fmt: skip
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def parse_latex(text: str, limits: Limits = DEFAULT) -> sympy.Basic:
    """LaTeX -> the tree of our operations the infix parser gives for the same function.

    A left side ``y =`` is read as the output's name (see :func:`parse_latex_program`); one
    expression only.  Raises ParseError, LimitError or InputError only.
    """
    program = parse_latex_program(text, limits)
    if len(program.steps) > 1:
        raise ParseError("several equations: a program of named steps, not one expression", 1)
    return program.steps[0].tree


def parse_latex_program(
    text: str, limits: Limits = DEFAULT, vectors: dict[str, int] | None = None
) -> Program:
    r"""LaTeX as named steps: equations separated by ``\\``, optionally inside ``aligned``, ``align``,
    ``split`` ..., each ``name = ...`` or ``name &= ...``; the last is the output (its name may be
    left out).  One equation or expression is one step, in the chapter's style."""
    limits.check("the expression length", len(text), limits.max_length, "--max-length")
    try:
        reader = _Reader(text, limits, vectors)  # checks the nesting against max_depth, before any recursion
        with recursion_room(limits.max_depth):  # the descent recurses a few frames per level
            program = reader.program()
    except RecursionError:
        raise LimitError(f"the expression nests deeper than {spell('max_depth')} allows") from None
    for step in program.steps:  # unbraced chains (e^e^x, \log \log x) nest without brackets, as infix
        limits.check("the nesting depth", _height(step.tree), limits.max_depth, "--max-depth")
        left = sorted(symbols(step.tree) & set(reader.vectors))
        if left:  # a vector inside an operand no term reads (e^{w}, \log w)
            raise ParseError(misused(left[0], reader.vectors[left[0]]))
    program.arrays, program.sizes, program.marks = reader.arrays, reader.sizes, reader.marks
    return program


def read_name(text: str) -> str:
    r"""One name in LaTeX (``\hat{y}_1``, ``W^{[2]}``, ``w_{1,2}``) as the leaves spell it (``y_hat1``)."""
    reader = _Reader(text.strip(), DEFAULT)
    if not reader.toks:
        raise ParseError("a name is missing", 1)
    value, j = reader.atom(0, len(reader.toks))
    if j != len(reader.toks) or not isinstance(value, sympy.Symbol):
        raise ParseError(f"{text.strip()!r} is not a name", reader.col(min(j, len(reader.toks) - 1)))
    return value.name


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


class _Reader(Sums, Functions):
    """A recursive descent over the tokens of one text; token ranges are half-open [lo, hi)."""

    # -- programs of equations -------------------------------------------------
    def program(self) -> Program:
        """The equations as named steps (see :func:`parse_latex_program`)."""
        lo, hi = self.environment()
        equations, start, i = [], lo, lo
        while i < hi:
            if self.toks[i].text == _LINE_BREAK:
                equations.append((start, i))
                start = i + 1
            i = self.next(i)
        equations.append((start, hi))
        equations = [(a, b) for a, b in equations if a < b]
        if not equations:
            raise ParseError("empty expression", 1)
        steps = []
        for k, (a, b) in enumerate(equations, start=1):
            signs, i = [], a
            while i < b:
                if self.toks[i].text == "=":
                    signs.append(i)
                i = self.next(i)
            if len(signs) > 1:
                raise ParseError("an equation with more than one '=': one step per line", self.col(signs[1]))
            if not signs and k < len(equations):
                raise ParseError(
                    r"an equation before the last must name its step (name = ..., then \\)", self.col(a)
                )
            name = self.lhs(a, signs[0]) if signs else ""
            tree = self.expr(signs[0] + 1 if signs else a, b)
            steps.append(Step(name, tree, f"equation {k}"))
        return Program(steps, style=Style.NAMED if len(steps) > 1 else Style.CHAPTER)

    def environment(self) -> tuple[int, int]:
        r"""The token range inside ``\begin{aligned} ... \end{aligned}`` (or the whole text)."""
        toks, hi = self.toks, len(self.toks)
        if not (toks and toks[0].text == r"\begin" and self.is_text(1, hi, "{")):
            return 0, hi
        name = self.raw(1)
        if name.endswith("matrix"):
            raise ParseError(f"a matrix ({name}) is not supported: a layer is the network command's", 1)
        if name not in _ENVIRONMENTS:
            raise ParseError(
                f"the environment {name} is not a program of equations (use aligned)", self.col(0)
            )
        end = self.next(1)
        i = end
        while i < hi and toks[i].text != r"\end":
            i = self.next(i)
        if i >= hi or not self.is_text(i + 1, hi, "{") or self.raw(i + 1) != name or self.next(i + 1) != hi:
            raise ParseError(rf"\begin{{{name}}} is not closed by \end{{{name}}} at the end", self.col(0))
        return end, i

    def lhs(self, lo: int, hi: int) -> str:
        r"""The name a step's left side gives it: ``y``, ``out``, ``y_{0}``, ``\sigma``, ``\hat{y}``, ``W^{[2]}``,
        ``f(x)``.  Anything else is refused, never skipped."""
        toks = self.toks
        i = self.touching_letters(lo, hi)
        if i > lo:  # letters as one word: the step's name
            symbol, i = self.name("".join(t.text for t in toks[lo:i]), i, hi)
        elif lo < hi and toks[lo].kind == "cmd":
            try:
                symbol, i = self.command(lo, hi)
            except ParseError:
                symbol = None
        else:
            symbol = None
        if i < hi and self.is_text(i, hi, "(") and self.match[i] == hi - 1:
            i = hi  # f(x) = ...: the function's name names the step
        if isinstance(symbol, sympy.Symbol) and i == hi:
            return symbol.name
        raise ParseError("the left side of '=' must be a name, as in z = w x + b", self.col(lo))

    def expr(self, lo: int, hi: int) -> sympy.Basic:
        return sum_of(self.parts(lo, hi))

    def parts(self, lo: int, hi: int) -> list[sympy.Basic]:
        """The terms of a sum, folded left as the infix parser does: a + b - c is sub(sum(a, b), c)."""
        acc: list[sympy.Basic] = []
        for sign, a, b in self.terms(lo, hi):
            term = self.term(a, b)
            items = term if isinstance(term, list) else [term]
            if sign == "+":
                acc.extend(items)  # a leading \sum's terms join the sum they stand in
            else:
                acc = [SubOp(sum_of(acc), sum_of(items))]
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
        r"""One term: operands read here, operators by the skeleton's grammar; a leading \sum gives its terms."""
        pieces: list[tuple[str, int]] = []  # the skeleton: (text, source offset)
        slots: dict[str, sympy.Basic] = {}
        i = lo
        while i < hi:
            t = self.toks[i]
            if t.text == "^":
                self.power_mark(i, hi)
            if t.text in _OPERATORS:
                self.operator(pieces, t)
                pieces.append((t.text, t.pos))
                i += 1
                continue
            if t.text == r"\sum":
                terms = self.summation(i, hi)
                if not pieces:
                    return terms
                value, i = sum_of(terms), hi
            elif t.text == r"\langle":
                terms, i = self.angle(i), self.match[i] + 1
                if not pieces and i == hi:
                    return terms  # <w, x> + b: the products join the sum, as the chapter's neuron has them
                value = sum_of(terms)
            else:
                start = i
                value, i = self.atom(i, hi)
                if isinstance(value, sympy.Symbol) and value.name in self.vectors:
                    terms, i = self.vector_use(value.name, start, i, hi)
                    if not pieces and i == hi:
                        return terms  # w^T x + b, as the chapter's neuron: sum(mul(w0, x0), ..., b)
                    value = sum_of(terms)
            name = slot(len(slots))
            slots[name] = value
            pieces.append((name, t.pos))
        if len(pieces) == 1 and slots:
            return slots[pieces[0][0]]  # a lone operand needs no parser
        return self.arithmetic(pieces, slots)

    def power_mark(self, i: int, hi: int) -> None:
        r"""Refuse a superscript that is no power after an operand: ``(a + b)^{(2)}`` (an index, which only a
        name takes), ``x^T`` (a transposition, which only a vector takes)."""
        if self.superscript("x", i, hi) is not None:
            raise ParseError(
                "a superscript in brackets is part of a name (W^{[2]}, x^{(i)}), not a power: write ^{2}",
                self.col(i),
            )
        if self.transposition(i, hi) is not None:
            raise ParseError(
                f"^T transposes a vector: give each vector its values as a list ({spell('at', value=True)}, "
                "e.g. w=1,2,3), then w^T x is their dot product",
                self.col(i),
            )

    def operator(self, pieces: list[tuple[str, int]], t: Tok) -> None:
        """Refuse what TeX refuses: x^a^b, a stray _, +-+x."""
        if t.text == "_" and len(pieces) >= 2 and pieces[-2][0] == "^":
            raise ParseError(
                "a subscript after a power: write the subscript first, as in x_{1}^{2}", t.pos + 1
            )
        if t.text == "_":
            raise ParseError("a subscript needs a name before it", t.pos + 1)
        if t.text == "^" and len(pieces) >= 2 and pieces[-2][0] == "^":
            raise ParseError("a double superscript: write x^{a^{b}} or {x^{a}}^{b}", t.pos + 1)
        if t.text in ("+", "-") and len(pieces) >= 2 and all(p in ("+", "-") for p, _ in pieces[-2:]):
            raise ParseError("three signs in a row", t.pos + 1)

    def arithmetic(self, pieces: list[tuple[str, int]], slots: dict[str, sympy.Basic]) -> sympy.Basic:
        """latex2sympy2 reads a term's skeleton, e.g. ``A \\cdot B ^ C``; the slots' subtrees go back in.

        It takes milliseconds per operand of a skeleton it has not read before, so the operands of
        new skeletons are counted against ``--max-latex-operands`` before it reads them."""
        text = " ".join(p for p, _ in pieces)
        if not known(text):
            self.new_operands += len(slots)
            self.limits.check(
                "the number of operands the LaTeX parser reads in terms of new shapes",
                self.new_operands,
                self.limits.max_latex_operands,
                "--max-latex-operands",
            )
        try:
            result = read_skeleton(text)
        except (RecursionError, ParseError, LimitError):
            raise
        except Exception as err:  # latex2sympy2 raises bare Exceptions, its message ending in a caret line
            lines = str(err).split("\n")
            at = len(lines[-1]) - 1 if len(lines) >= 3 and set(lines[-1]) <= {"~", "^"} else 0
            offsets = [sum(len(p) + 1 for p, _ in pieces[:j]) for j in range(len(pieces))]
            piece = max(j for j, offset in enumerate(offsets) if offset <= at)
            raise ParseError(f"cannot parse the LaTeX: {lines[0]}", pieces[piece][1] + 1) from None
        return Converter(slots, self, pieces[0][1] + 1).convert(result)

    # -- operands ------------------------------------------------------------
    def atom(self, i: int, hi: int) -> tuple[sympy.Basic, int]:
        r"""One operand at token i: a bracket group, number, name, call, \frac, \sqrt or e^{…}."""
        if i >= hi:
            raise ParseError("an operand is missing", self.col(i))
        t = self.toks[i]
        if t.text == r"\langle":
            return sum_of(self.angle(i)), self.match[i] + 1
        if self.match[i] >= 0:
            inner = self.expr(i + 1, self.match[i])
            return (AbsOp(inner) if t.text in BARS else inner), self.match[i] + 1
        if t.kind == "num":
            indicator = self.indicator(i, hi)
            return indicator if indicator is not None else (self.number(t), i + 1)
        if t.kind == "letter":
            call = self.word_call(i, hi)
            if call is not None:
                return call
            if t.text == "e" and not self.is_text(i + 1, hi, "_"):
                return self.euler(i + 1, hi)
            value, j = self.name(t.text, i + 1, hi)
            if t.text in "fgh":
                self.not_a_call(i, j, hi)
            return value, j
        if t.kind == "cmd":
            return self.command(i, hi)
        raise ParseError(_unexpected(t), t.pos + 1)

    def indicator(self, i: int, hi: int) -> tuple[sympy.Basic, int] | None:
        r"""``1(z > 0)`` at token i, the indicator the tool prints for ReLU's derivative: step(z) (``1(a > b)``:
        step(a - b), ``1(a < b)``: step(b - a)); and what it prints for a tie's share of a max or min:
        ``1(a = b)``, 1 - step(a - b) - step(b - a), and ``1(a = \max(a, b, c)) / \#\text{ties}``, a's share
        of the max.  None where the 1 is a number (no parentheses touching it, or no relation in them)."""
        if (
            self.toks[i].text != "1"
            or not self.is_text(i + 1, hi, "(")
            or self.toks[i + 1].pos != self.toks[i].pos + 1
        ):
            return None
        end, k, relation = self.match[i + 1], i + 2, None
        while k < end:
            if self.toks[k].text in (">", "<", "="):
                if relation is not None:
                    raise ParseError("an indicator 1(a > b) takes one relation", self.col(k))
                relation = k
            k = self.next(k)
        if relation is None:
            return None
        left, right = self.expr(i + 2, relation), self.expr(relation + 1, end)
        sign = self.toks[relation].text
        if sign == "<":
            left, right = right, left
        if sign != "=":
            return StepOp(left if right == 0 else SubOp(left, right)), end + 1
        after = self.ties(end + 1, hi)
        if after is None:
            return SubOp(
                SubOp(sympy.Integer(1), StepOp(SubOp(left, right))), StepOp(SubOp(right, left))
            ), end + 1
        if not isinstance(right, (MaxOp, MinOp)) or left not in right.args:
            raise ParseError(
                r"a share of a tie is written 1(a = \max(a, b, c)) / \#\text{ties}: a max or min of a",
                self.col(i),
            )
        kind = sympy.Integer(1 if isinstance(right, MaxOp) else -1)
        return ShareOp(kind, sympy.Integer(right.args.index(left)), *right.args), after

    def ties(self, i: int, hi: int) -> int | None:
        r"""The end of ``/ \#\text{ties}`` at token i (a share's divisor), else None."""
        if not (
            self.is_text(i, hi, "/") and self.is_text(i + 1, hi, r"\#") and self.is_text(i + 2, hi, r"\text")
        ):
            return None
        return self.next(i + 3) if self.is_text(i + 3, hi, "{") and self.raw(i + 3) == "ties" else None

    def not_a_call(self, at: int, j: int, hi: int) -> None:
        r"""Refuse ``f(x)``, ``\phi(x)``: a letter that names functions, then parentheses touching it, would read
        as a product (with a space between, ``f (x + 1)``, as products print, it is one)."""
        end = self.toks[j - 1].pos + len(self.toks[j - 1].text)
        if self.is_text(j, hi, "(") and not any(c.isspace() for c in self.src[end : self.toks[j].pos]):
            written = self.src[self.toks[at].pos : self.toks[j].pos].strip()
            raise ParseError(
                f"{written}(...) would be read as {written} times (...): symbackprop knows no function "
                f"{written}; for a product write {written} \\cdot (...)",
                self.col(at),
            )

    def euler(self, i: int, hi: int) -> tuple[sympy.Basic, int]:
        """The constant e (at token i, its letter just read): ``e^{x}`` is exp(x), ``e`` alone is e."""
        if self.is_text(i, hi, "^"):
            power, j = self.atom(i + 1, hi)
            return Exp(power), j
        return sympy.E, i

    def number(self, t: Tok) -> sympy.Number:
        digits = sum(c.isdigit() for c in t.text)
        self.limits.check("the number of digits in a number", digits, self.limits.max_digits, "--max-digits")
        if math.isinf(float(t.text)):  # before int(), which refuses more than 4300 digits
            shown = t.text if len(t.text) <= 30 else t.text[:30] + "..."
            raise ParseError(f"number {shown!r} is out of floating-point range", t.pos + 1)
        return float_literal(t.text) if "." in t.text else sympy.Integer(int(t.text))

    def command(self, i: int, hi: int) -> tuple[sympy.Basic, int]:
        r"""A command: Greek name, \sigma(…), \text{ReLU}(…), \text{name}, \frac, \sqrt, \tanh, \log …"""
        t = self.toks[i]
        name = t.text[1:]
        if name == "sigma" and self.is_text(i + 1, hi, "("):
            return self.call("sigmoid", i, i + 1)
        if (
            name == "sigma"
            and self.is_text(i + 1, hi, "^")
            and self.is_text(self.operand(i + 2, hi)[2], hi, "(")
        ):
            power, j = self.function_power(i, i + 1, hi)  # \sigma^2(x): the sigmoid's square, not σ² x
            value, j = self.call("sigmoid", i, j)
            return PowOp(value, power), j
        if name == "pi" and not self.is_text(i + 1, hi, "_"):  # the constant; \pi_1 is a name
            return sympy.pi, i + 1
        if name in GREEK:
            value, j = self.name(name, i + 1, hi)
            self.not_a_call(i, j, hi)
            return value, j
        if name in ACCENTS or name in VECTOR_MARKS:
            return self.decorated(i, hi)
        if name in _NAME_COMMANDS:
            if not self.is_text(i + 1, hi, "{"):
                raise ParseError(f"{t.text} needs a name in braces", self.col(i + 1))
            word, j = self.raw(i + 1), self.next(i + 1)
            if word == "e" and name != "mathit":  # \mathrm{e}: the constant, upright as ISO writes it
                return self.euler(j, hi)
            word = word.replace(r"\_", "_")  # \text{leaky\_relu}
            if not _WORD.fullmatch(word):
                raise ParseError(f"{t.text}{{{word}}} is not a name", t.pos + 1)
            if name != "mathit":
                call = self.named_call(word, i, j, hi)
                if call is not None:
                    return call
                if function(word) is not None:
                    raise ParseError(f"{word} needs its arguments in parentheses", self.col(j))
                if self.is_text(j, hi, "("):
                    raise ParseError(f"unknown function {word}", self.col(i))
            return self.name(word, j, hi)
        if name in ("frac", "dfrac", "tfrac"):
            return self.fraction(i, hi)
        if name == "sqrt":
            return self.root(i, hi)
        if name in FUNCTION_COMMANDS:
            return self.function_command(name, i, hi)
        raise ParseError(_unexpected(t), t.pos + 1)

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


def _unexpected(t: Tok) -> str:
    what = _NOT_EXPRESSIONS.get(t.text)
    if what:
        return f"{what} ('{t.text}') is not supported in an expression"
    return f"unknown LaTeX command {t.text}" if t.kind == "cmd" else f"unexpected {t.text!r}"

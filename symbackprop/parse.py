"""Infix text -> a tree of our operations, without ever evaluating the text.

A hand-written tokenizer and an operator-precedence (shunting-yard) parser with
explicit stacks: no ``eval``, no ``sympify``, and no Python recursion, so nesting
is bounded only by :class:`~symbackprop.limits.Limits`, never by the interpreter.

Grammar, loosest first: ``+ -`` (left), ``* /`` (left), unary ``- +``, ``**`` / ``^``
(right, tighter than unary minus, so ``-x**2`` is ``neg(pow(x, 2))``).  Chains of
``+`` or ``*`` flatten into one n-ary ``sum`` / ``mul`` unless the user wrote
parentheses.  ``name(...)`` calls an operation from :data:`symbackprop.ops.FUNCTIONS` (any case),
which includes the tool's own nested notation, so printed trees parse back.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import sympy

from ._values import MINUS
from .errors import ParseError, non_ascii_digit
from .limits import DEFAULT, Limits
from .names import NameError_, canonical
from .ops import DivOp, MaxOp, MulOp, NegOp, Op, PowOp, Sigmoid, SubOp, SumOp, function, maximum
from .options import spell
from .steps import Program, Step, Style
from .vectors import SOFTMAX, dot_terms, misused, softmax_output

__all__ = ["parse_infix", "parse_names", "parse_program", "read_name", "split_items"]

NUMBER = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"  # ASCII digits only
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_TOKEN = re.compile(
    rf"\s*(?:(?P<num>{NUMBER})|(?P<name>{_NAME}|σ)(?P<call>\s*\()?|(?P<op>\*\*|[-+*/^(),\u2212])|(?P<bad>\S))"
)
_IDENT = re.compile(_NAME)

# Binary operators: precedence (higher binds tighter), right-associative?, operation.
_BINARY: dict[str, tuple[int, bool, type[Op]]] = {
    "+": (1, False, SumOp),
    "-": (1, False, SubOp),
    "*": (2, False, MulOp),
    "/": (2, False, DivOp),
    "**": (4, True, PowOp),
}
_UNARY_PREC = 3
_FLAT = {"+": SumOp, "*": MulOp}  # chains of these become one n-ary node
_ALIASES = {"σ": Sigmoid}
_DOT = "dot"  # dot(w, x): the dot product of two vectors, expanded to the chapter's sum of products


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "name", "call" (a name and its "("), "op", "end"
    text: str
    column: int
    paren: int = 0  # column of a call's "("


@dataclass
class _Item:
    """An operand: a built node, or a flat ``+``/``*`` chain still open to more terms."""

    expr: sympy.Basic | None
    depth: int
    chain: str = ""  # "+" or "*" while the chain is open
    terms: list[sympy.Basic] = field(default_factory=list)


@dataclass(frozen=True)
class _Pending:
    """An entry of the operator stack: a binary or unary operator, a "(" or an open call."""

    kind: str  # "+", "-", "*", "/", "**", "neg", "(", "call"
    column: int
    name: str = ""  # the function as written, for a call
    func: type[Op] | None = None
    start: int = 0  # operand-stack height where the call's arguments begin
    paren: int = 0  # column of a call's "("


def _show(text: str, width: int = 30) -> str:
    """Quote user text for a message, cut short so an error stays one short line."""
    return repr(text if len(text) <= width else text[:width] + "...")


def _leaf_name(word: str, column: int) -> str:
    """A leaf's name as :func:`symbackprop.names.canonical` spells it: ``x_0`` is ``x0`` (LaTeX ``x_0`` and
    infix ``x0`` are one variable), ``y_hat_1`` is ``y_hat1``."""
    try:
        return canonical(word)
    except NameError_ as err:
        raise ParseError(str(err), column) from None


def _tokens(text: str) -> Iterator[_Token]:
    """Split text into tokens, lazily, so errors come in the order they appear."""
    pos = 0
    while True:
        m = _TOKEN.match(text, pos)
        if m is None:  # only whitespace is left
            yield _Token("end", "", len(text) + 1)
            return
        pos = m.end()
        if m.group("bad") is not None:
            raise ParseError(_unexpected(m.group("bad")), m.start("bad") + 1)
        if m.group("num") is not None:
            if pos < len(text) and text[pos] in ".eE":
                raise ParseError(
                    f"malformed number {_show(text[m.start('num') : pos + 1])}", m.start("num") + 1
                )
            yield _Token("num", m.group("num"), m.start("num") + 1)
        elif m.group("name") is not None:
            if m.group("call") is None:
                yield _Token("name", m.group("name"), m.start("name") + 1)
            else:
                yield _Token("call", m.group("name"), m.start("name") + 1, m.end("call"))
        else:
            op = {"^": "**", MINUS: "-"}.get(m.group("op"), m.group("op"))
            yield _Token("op", op, m.start("op") + 1)


def _unexpected(c: str) -> str:
    """What an unexpected character is: a digit outside ASCII, LaTeX (which ``--latex-input`` reads), or else."""
    if c.isdigit():
        return non_ascii_digit(c)
    if c == "\\":
        flag = spell("latex_input")
        return (
            f"unexpected character '\\': LaTeX is read with {flag + 'True' if flag.endswith('=') else flag}"
        )
    return f"unexpected character {c!r}"


def _number(text: str, column: int, limits: Limits) -> sympy.Number:
    """A numeric literal: Integer for digits alone, else a Float built from the literal text."""
    limits.check(
        "the number of digits in a number", sum(c.isdigit() for c in text), limits.max_digits, "max_digits"
    )
    if math.isinf(float(text)):  # float() of a validated literal: no evaluation of user text
        raise ParseError(f"number {_show(text)} is out of floating-point range", column)
    if text.isdigit():
        return sympy.Integer(int(text.lstrip("0") or "0"))  # safe: validated numeric literal
    return float_literal(text)


def float_literal(text: str) -> sympy.Float:
    """A validated decimal literal as exactly the double ``float(text)`` is.

    ``sympy.Float(text)`` rounds the decimal to the literal's own precision, and ``float()`` of
    that rounds again: about one literal in a thousand then evaluated one ulp off.  The double
    is kept at the literal's precision so it still prints with the digits the user wrote.
    """
    digits = re.sub(r"[^0-9]", "", re.split(r"[eE]", text)[0]).lstrip("0")
    return sympy.Float(float(text), max(15, len(digits)))


class _Parser:
    """The two stacks of an operator-precedence parse, and the limits' running counts."""

    def __init__(self, limits: Limits, vectors: dict[str, int] | None = None) -> None:
        self.limits = limits
        self.vals: list[_Item] = []
        self.ops: list[_Pending] = []
        self.nodes = 0
        self.vectors = dict(vectors or {})  # names given a list of values: their lengths
        self.arrays: dict[str, list[str]] = {}  # each vector a dot product used: its elements

    # --- building -------------------------------------------------------------

    def count(self, depth: int) -> None:
        self.nodes += 1
        self.limits.check("the number of nodes", self.nodes, self.limits.max_nodes, "max_nodes")
        self.limits.check("the nesting depth", depth, self.limits.max_depth, "max_depth")

    def leaf(self, expr: sympy.Basic) -> None:
        self.count(0)
        self.vals.append(_Item(expr, 0))

    def node(self, func: type[Op], args: list[_Item]) -> _Item:
        """Build ``func(*args)``, checking a literal exponent against the limits."""
        exprs = [self.close(a) for a in args]
        if func is PowOp and isinstance(exprs[1], sympy.Number):
            k = math.ceil(abs(float(exprs[1])))
            self.limits.check("the exponent", k, self.limits.max_exponent, "max_exponent")
        depth = 1 + max(a.depth for a in args)
        self.count(depth)
        expr = maximum(*exprs) if func is MaxOp else func(*exprs)
        return _Item(expr, depth)

    def close(self, item: _Item) -> sympy.Basic:
        """The item's expression; an open chain becomes its n-ary node and takes no more terms."""
        if item.chain:
            item.expr, item.chain = _FLAT[item.chain](*item.terms), ""
        assert item.expr is not None
        return item.expr

    def push(self, entry: _Pending) -> None:
        self.ops.append(entry)
        self.limits.check("the nesting depth", len(self.ops), self.limits.max_depth, "max_depth")

    # --- reducing -------------------------------------------------------------

    def reduce(self) -> None:
        """Apply the operator on top of the stack to its operands."""
        top = self.ops.pop()
        right = self.vals.pop()
        if top.kind == "neg":
            expr = self.close(right)
            if isinstance(expr, sympy.Number):  # -3 is the number -3, not neg(3)
                self.vals.append(_Item(-expr, right.depth))
            else:
                self.vals.append(self.node(NegOp, [right]))
            return
        left = self.vals.pop()
        if top.kind in _FLAT:
            if left.chain != top.kind:
                self.count(1 + left.depth)
                left = _Item(None, 1 + left.depth, top.kind, [self.close(left)])
            if top.kind == "+" and right.chain == "+":  # b + dot(w, x): the products join the sum
                left.terms.extend(right.terms)
            else:
                left.terms.append(self.close(right))
            left.depth = max(left.depth, 1 + right.depth)
            self.limits.check("the nesting depth", left.depth, self.limits.max_depth, "max_depth")
            self.vals.append(left)
        else:
            self.vals.append(self.node(_BINARY[top.kind][2], [left, right]))

    def reduce_to_group(self) -> _Pending | None:
        """Reduce down to the innermost "(" or open call and return it (None if there is none)."""
        while self.ops and self.ops[-1].kind not in ("(", "call"):
            self.reduce()
        return self.ops[-1] if self.ops else None

    def finish_call(self, call: _Pending, column: int) -> None:
        """Close ``name(...)``: check the number of arguments and build the node."""
        args = self.vals[call.start :]
        del self.vals[call.start :]
        if call.name.lower() == _DOT:
            self.vals.append(self.dot(call, [self.close(a) for a in args]))
            return
        if call.func is None:  # softmax_k(z): one output of a vector's softmax
            m = SOFTMAX.fullmatch(call.name)
            assert m is not None, call.name
            k = None if m.group(1) is None else int(m.group(1))
            exprs = [self.close(a) for a in args]
            expr = softmax_output(k, exprs, self.vectors, self.arrays, call.column)
            depth = 1 + max((a.depth for a in args), default=0)
            for _ in range(len(expr.args)):
                self.count(depth)
            self.vals.append(_Item(expr, depth))
            return
        assert call.func is not None
        low, high = call.func.arity()
        if len(args) < low or (high is not None and len(args) > high):
            want = (
                f"exactly {low}" if low == high else f"{low} or more" if high is None else f"{low} or {high}"
            )
            noun = "argument" if low == high == 1 else "arguments"
            raise ParseError(f"{call.name} takes {want} {noun}, got {len(args)}", call.column)
        self.vals.append(self.node(call.func, args))

    def dot(self, call: _Pending, args: list[sympy.Basic]) -> _Item:
        """``dot(w, x)`` of two vectors: the chapter's terms ``mul(w0, x0), …``, still open to ``+ b``."""
        if len(args) != 2 or not all(isinstance(a, sympy.Symbol) for a in args):
            raise ParseError("dot takes two vectors, as in dot(w, x)", call.column)
        terms = dot_terms(str(args[0]), str(args[1]), self.vectors, self.arrays, call.column)
        for _ in range(3 * len(terms)):
            self.count(2)
        return _Item(None, 2, "+", list(terms))

    # --- the two states: expecting an operand, expecting an operator -----------

    def operand(self, tok: _Token) -> bool:
        """Handle a token where an operand is due; True when an operand was completed."""
        if tok.kind == "num":
            self.leaf(_number(tok.text, tok.column, self.limits))
            return True
        if tok.kind == "name":
            if tok.text in _ALIASES:
                raise ParseError(f"{tok.text!r} must be called, as in {tok.text}(z)", tok.column)
            if tok.text == "pi":  # the constant: a number, never a leaf asking for a value
                self.leaf(sympy.pi)
                return True
            name = _leaf_name(tok.text, tok.column)
            if name in self.vectors and not (
                self.ops and self.ops[-1].kind == "call" and self.ops[-1].func is None
            ):  # a vector is an argument of dot and softmax only
                raise ParseError(misused(name, self.vectors[name]), tok.column)
            self.leaf(sympy.Symbol(name))
            return True
        if tok.kind == "call" and (tok.text.lower() == _DOT or SOFTMAX.fullmatch(tok.text)):
            self.push(_Pending("call", tok.column, tok.text, None, len(self.vals), tok.paren))
            return False
        if tok.kind == "call":
            func = _ALIASES.get(tok.text) or function(tok.text)
            if func is None:
                raise ParseError(f"unknown function {_show(tok.text)}", tok.column)
            self.push(_Pending("call", tok.column, tok.text, func, len(self.vals), tok.paren))
            return False
        if tok.text == "(":
            self.push(_Pending("(", tok.column))
        elif tok.text == "-":
            self.push(_Pending("neg", tok.column))
        elif tok.text == "+":
            pass  # unary plus changes nothing
        elif (
            tok.text == ")"
            and self.ops
            and self.ops[-1].kind == "call"
            and self.ops[-1].start == len(self.vals)
        ):
            self.finish_call(self.ops.pop(), tok.column)  # name(): too few arguments
            return True
        elif tok.text == ")" and self.ops and self.ops[-1].kind == "(":
            raise ParseError("empty parentheses", tok.column)
        elif tok.kind == "end":
            raise ParseError("missing operand at end of input", tok.column)
        else:
            raise ParseError(f"missing operand before {tok.text!r}", tok.column)
        return False

    def operator(self, tok: _Token) -> bool:
        """Handle a token where an operator is due; True when an operand is due next."""
        if tok.kind == "op" and tok.text in _BINARY:
            prec, right_assoc, _ = _BINARY[tok.text]
            while self.ops and self.ops[-1].kind not in ("(", "call"):
                top = self.ops[-1].kind
                top_prec = _UNARY_PREC if top == "neg" else _BINARY[top][0]
                if top_prec < prec or (top_prec == prec and right_assoc):
                    break
                self.reduce()
            self.push(_Pending(tok.text, tok.column))
            return True
        if tok.text == ")":
            group = self.reduce_to_group()
            if group is None:
                raise ParseError("unexpected ')'", tok.column)
            self.ops.pop()
            if group.kind == "call":
                self.finish_call(group, tok.column)
            else:
                self.close(self.vals[-1])  # parentheses stop flattening: (a+b)+c is sum(sum(a, b), c)
            return False
        if tok.text == ",":
            group = self.reduce_to_group()
            if group is None or group.kind != "call":
                raise ParseError("unexpected ','", tok.column)
            self.close(self.vals[-1])
            return True
        if tok.kind == "end":
            return False
        shown = f"{tok.text!r}" if tok.kind != "call" else f"{tok.text + '('!r}"
        raise ParseError(f"missing operator before {shown}", tok.column)

    def run(self, tokens: Iterator[_Token]) -> sympy.Basic:
        expecting_operand = True
        for tok in tokens:
            if expecting_operand:
                expecting_operand = not self.operand(tok)
            else:
                expecting_operand = self.operator(tok)
            if tok.kind == "end":
                break
        group = self.reduce_to_group()
        if group is not None:
            raise ParseError("unclosed '('", group.paren if group.kind == "call" else group.column)
        return self.close(self.vals.pop())


def parse_infix(text: str, limits: Limits = DEFAULT, vectors: dict[str, int] | None = None) -> sympy.Basic:
    """Parse an infix expression into a tree of :mod:`symbackprop.ops` operations with Symbol leaves.

    Raises :class:`ParseError` (message and 1-based column) on bad input and
    :class:`LimitError` when the text, its nesting, node count or a literal exponent is too large.
    """
    limits.check("the expression length", len(text), limits.max_length, "max_length")
    if not text.strip():
        raise ParseError("empty expression", 1)
    return _Parser(limits, vectors).run(_tokens(text))


_ASSIGNMENT = re.compile(rf"\s*({_NAME})\s*=(?!=)")


def parse_program(text: str, limits: Limits = DEFAULT, vectors: dict[str, int] | None = None) -> Program:
    """Infix text as named steps: statements separated by ``;`` or new lines (outside parentheses),
    each ``name = expression``; the last one (which may be a bare expression) is the output.
    A statement that assigns a number gives that leaf its value.  One expression is a program of
    one unnamed step, the same tree :func:`parse_infix` gives."""
    limits.check("the expression length", len(text), limits.max_length, "max_length")
    statements = _statements(text)
    if not statements:
        raise ParseError("empty expression", 1)
    parser = _Parser(limits, vectors)  # one count of nodes for the whole program
    if len(statements) == 1 and not _ASSIGNMENT.match(statements[0][1]):
        limits.check("the expression length", len(text), limits.max_length, "max_length")
        program = Program.expression(parser.run(_tokens(text)))
        program.arrays = parser.arrays
        return program
    program = Program([], style=Style.NAMED)
    try:
        _read_statements(parser, program, statements)
    except ParseError as err:
        if "\n" not in text.strip() or err.column is None or err.line is not None:
            raise
        line = text.count("\n", 0, err.column - 1) + 1  # column counts from the text's start here
        column = err.column - (text.rfind("\n", 0, err.column - 1) + 1)
        raise ParseError(str(err).rsplit(" (at column", 1)[0], column, line) from None
    if not program.steps:
        raise ParseError("the program assigns only numbers: there is nothing to derive", 1)
    program.arrays = parser.arrays
    return program


def _read_statements(parser: _Parser, program: Program, statements: list[tuple[int, str]]) -> None:
    """Each statement as a step (or, a number assigned, as a leaf's value); columns count from
    the program's start."""
    for k, (start, statement) in enumerate(statements, start=1):
        m = _ASSIGNMENT.match(statement)
        if m is None and k < len(statements):
            raise ParseError("a statement before the last must assign a name (name = expression)", start + 1)
        name = _leaf_name(m.group(1), start + m.start(1) + 1) if m else ""
        if m and name == "pi":
            raise ParseError("pi is the constant π, not a name to assign", start + m.start(1) + 1)
        body = statement[m.end() :] if m else statement
        offset = start + (m.end() if m else 0)
        if not body.strip():
            raise ParseError(f"{name} = needs an expression", offset + 1)
        try:
            parser.vals, parser.ops = [], []
            tree = parser.run(_tokens(body))
        except ParseError as err:
            raise ParseError(str(err).rsplit(" (at column", 1)[0], offset + (err.column or 1)) from None
        where = f"statement {k}"
        if isinstance(tree, sympy.Number) and name:
            program.values[name] = float(tree)
        else:
            program.steps.append(Step(name, tree, where))


def _statements(text: str) -> list[tuple[int, str]]:
    """(offset, text) of each statement: split at ``;`` and new lines outside parentheses.  A new
    line after an operator (``x*w +``), or before one (``+ b``), continues the statement."""
    out: list[tuple[int, str]] = []
    depth, start = 0, 0
    for i, c in enumerate(text):
        if c == "(":
            depth += 1
        elif c == ")":
            depth = max(0, depth - 1)
        elif c == "\n" and depth == 0 and _continues(text[start:i], text[i + 1 :]):
            continue
        elif c in ";\n" and depth == 0:
            out.append((start, text[start:i]))
            start = i + 1
    out.append((start, text[start:]))
    return [(k, piece) for k, piece in out if piece.strip()]


def _continues(before: str, after: str) -> bool:
    """Whether a new line between ``before`` and ``after`` is inside one statement."""
    end, begin = before.rstrip()[-1:], after.lstrip(" \t")[:1]
    return end in ("+", "-", "*", "/", "^", "=", ",") or begin in ("+", "*", "/", "^")


def split_items(text: str, separators: str = ", \t\n") -> list[tuple[int, str]]:
    """(offset, item) for each item of a list, split at the separators outside braces (``w_{1,2}, b``)."""
    out: list[tuple[int, str]] = []
    depth, start = 0, 0
    for i, c in enumerate(text + separators[0]):
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        elif c in separators and depth == 0:
            if i > start:
                out.append((start, text[start:i]))
            start = i + 1
    return out


def read_name(word: str, column: int = 1) -> str:
    r"""One leaf's name in its ASCII spelling (``y_hat1``) or, where it has LaTeX's marks, its LaTeX one
    (``\hat{y}_1``, ``W^{[2]}``, ``w_{1,2}``), as the leaf's name."""
    if any(c in word for c in "\\{}^"):
        from .latex_input import read_name as latex_name

        try:
            return latex_name(word)
        except ParseError as err:
            message = str(err).rsplit(" (at column", 1)[0]
            raise ParseError(message, column + (err.column or 1) - 1) from None
    if not _IDENT.fullmatch(word):
        bad = next((i for i, c in enumerate(word) if not (c.isascii() and (c.isalnum() or c == "_"))), 0)
        if word[bad].isdigit() and not word[bad].isascii():  # ٢: the one message for a digit outside ASCII
            raise ParseError(non_ascii_digit(word[bad]), column + bad)
        raise ParseError(f"{_show(word)} is not a name", column + bad)
    return _leaf_name(word, column)


def parse_names(text: str) -> list[str]:
    """Parse a comma- or space-separated list of leaf names (``--wrt x0,w_0``), normalised as leaves are;
    a list in LaTeX (``\\hat{y}, W^{[2]}``) is separated by commas."""
    names: list[str] = []
    for start, word in split_items(text, ",\n" if "\\" in text else ", \t\n"):  # \hat y: LaTeX's own space
        name = read_name(word.strip(), start + 1 + len(word) - len(word.lstrip()))
        if name not in names:
            names.append(name)
    if not names:
        raise ParseError("no names given", 1)
    return names

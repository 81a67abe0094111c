"""Straight-line Python -> named steps: the chapter's own code cells, read with ``ast`` and never run.

Accepted: assignments to a name; ``+ - * / **`` and unary minus; ``max``, ``min``, ``abs`` and
``math.``/``np.`` ``exp``, ``log``, ``tanh``, ``sqrt``; numbers, and lists of numbers as values
(``x = [1.0, -2.0, 3.0]`` gives ``x0``, ``x1``, ``x2``); ``x[0]`` as the leaf ``x0``; ``print(...)``,
comments and docstrings are ignored.  Anything else -- a loop, a function, an import, another
call or attribute -- is a :class:`ParseError` naming its line and column.
"""

from __future__ import annotations

import ast
import math
import re

import sympy

from ._values import non_ascii_digit_in_code, python_minus
from .errors import ParseError, non_ascii_digit
from .limits import DEFAULT, Limits
from .names import NameError_, canonical, with_index
from .ops import FUNCTIONS, DivOp, MulOp, NegOp, Op, PowOp, SubOp, SumOp, maximum
from .parse import NUMBER, float_literal
from .steps import Program, Step, Style

__all__ = ["parse_python"]

#: Functions a cell may call: the built-ins, and ``math.f`` / ``np.f`` / ``numpy.f``.
_BUILTINS = {"max": "max", "min": "min", "abs": "abs"}
_MODULE_FUNCTIONS = {
    "exp": "exp", "log": "log", "tanh": "tanh", "sqrt": "sqrt", "abs": "abs", "fabs": "abs",
    "log2": "log2", "log10": "log10", "sin": "sin", "cos": "cos", "erf": "erf",
}  # fmt: skip
_MODULES = {"math", "np", "numpy"}
_BINARY: dict[type[ast.operator], type[Op]] = {
    ast.Add: SumOp,
    ast.Sub: SubOp,
    ast.Mult: MulOp,
    ast.Div: DivOp,
    ast.Pow: PowOp,
}
_FLAT = {ast.Add: SumOp, ast.Mult: MulOp}  # left-nested chains of these become one n-ary node


def _where(node: ast.AST) -> str:
    return f"line {getattr(node, 'lineno', 1)}, column {getattr(node, 'col_offset', 0) + 1}"


def _error(message: str, node: ast.AST) -> ParseError:
    return ParseError(f"{message} (at {_where(node)})")


def parse_python(text: str, limits: Limits = DEFAULT) -> Program:
    """Python code cells as a :class:`Program` in the chapter's style."""
    limits.check("the expression length", len(text), limits.max_length, "max_length")
    name = text.strip()
    if name.endswith(".py") and "\n" not in name and "=" not in name:  # a file's name, not its code
        raise ParseError(
            f"{name[:40]!r} is a file's name: the code itself is the expression (or - and < FILE)"
        )
    text = python_minus(text)
    found = non_ascii_digit_in_code(text)
    if found is not None:
        raise ParseError(f"{non_ascii_digit(found[0])} (at line {found[1]}, column {found[2]})")
    try:
        module = ast.parse(text)
    except SyntaxError as err:
        raise ParseError(
            f"not Python: {err.msg} (at line {err.lineno or 1}, column {err.offset or 1})"
        ) from None
    except (RecursionError, MemoryError, ValueError):  # nesting past what Python's own parser takes
        raise ParseError("the code nests too deeply for Python's parser") from None
    reader = _Reader(text, limits)
    for k, statement in enumerate(module.body):
        reader.statement(statement, first=k == 0)
    program = reader.program
    if not program.steps:
        raise ParseError("the code assigns no step to derive: write one, as in y = max(z, 0)")
    return program


class _Reader:
    def __init__(self, text: str, limits: Limits) -> None:
        self.text, self.limits = text, limits
        self.program = Program([], style=Style.CHAPTER)
        self.nodes = 0

    def statement(self, node: ast.stmt, first: bool) -> None:
        if isinstance(node, ast.Expr):
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return  # a docstring or a bare string
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "print":
                return  # the cells print what they compute; the derivation prints it too
            raise _error("an expression on its own does nothing here: assign it (y = ...)", node)
        if not isinstance(node, ast.Assign):
            raise _error(f"{_kind(node)} is not straight-line code: only assignments are read", node)
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            raise _error("assign to one name (y = ...)", node.targets[0])
        name = self.name(node.targets[0].id, node.targets[0])
        value = node.value
        if isinstance(value, ast.List):
            members = [with_index(name, j) for j in range(len(value.elts))]
            for member, element in zip(members, value.elts):
                self.give(member, self.number_value(element), element)
            self.program.arrays[name] = members
            return
        number = self.maybe_number(value)
        if number is not None:
            self.give(name, number, value)
            self.program.arrays[name] = [name]
            return
        self.program.steps.append(Step(name, self.expr(value, 1), _where(node)))

    def give(self, name: str, value: float, node: ast.AST) -> None:
        if name in self.program.values:
            raise _error(f"{name} is given a value twice: steps are single assignments", node)
        self.program.values[name] = value

    def name(self, word: str, node: ast.AST) -> str:
        try:
            return canonical(word)  # y_hat is ŷ, as in LaTeX's \hat{y}
        except NameError_:
            raise _error(f"{word!r} is not a name symbackprop can print", node) from None

    def count(self, node: ast.AST, depth: int) -> None:
        self.nodes += 1
        self.limits.check("the number of nodes", self.nodes, self.limits.max_nodes, "max_nodes")
        self.limits.check("the nesting depth", depth, self.limits.max_depth, "max_depth")

    # -- numbers -------------------------------------------------------------------------------
    def maybe_number(self, node: ast.expr) -> float | None:
        """A number literal (a negative one too), or None."""
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.maybe_number(node.operand)
            return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool)
        ):
            value = float(node.value)
            if not math.isfinite(value):
                raise _error("a number out of floating-point range", node)
            return value
        return None

    def number_value(self, node: ast.expr) -> float:
        value = self.maybe_number(node)
        if value is None:
            raise _error("a list holds numbers only (its items are the leaves' values)", node)
        return value

    def literal(self, node: ast.Constant) -> sympy.Number:
        """A number as written: an Integer for digits alone, else the float the text is."""
        source = ast.get_source_segment(self.text, node) or repr(node.value)
        digits = sum(c.isdigit() for c in source)
        self.limits.check("the number of digits in a number", digits, self.limits.max_digits, "max_digits")
        if type(node.value) is int:
            return sympy.Integer(node.value)
        if type(node.value) is not float or not math.isfinite(node.value):
            raise _error(f"{source} is not a number symbackprop reads", node)
        return float_literal(source) if re.fullmatch(NUMBER, source) else sympy.Float(node.value)

    # -- expressions ---------------------------------------------------------------------------
    def expr(self, node: ast.expr, depth: int) -> sympy.Basic:
        self.count(node, depth)
        if isinstance(node, ast.BinOp):
            op = _BINARY.get(type(node.op))
            if op is None:
                raise _error(f"the operator {type(node.op).__name__} is not one symbackprop derives", node)
            flat = _FLAT.get(type(node.op))
            if flat is not None:
                terms: list[ast.expr] = []
                left: ast.expr = node
                while isinstance(left, ast.BinOp) and type(left.op) is type(node.op):
                    terms.append(left.right)
                    left = left.left
                terms.append(left)
                return flat(*(self.expr(t, depth + 1) for t in reversed(terms)))
            a, b = self.expr(node.left, depth + 1), self.expr(node.right, depth + 1)
            if op is PowOp and isinstance(b, sympy.Number):
                self.limits.check(
                    "the exponent", math.ceil(abs(float(b))), self.limits.max_exponent, "max_exponent"
                )
            return op(a, b)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                return self.expr(node.operand, depth)
            if isinstance(node.op, ast.USub):
                inner = self.expr(node.operand, depth + 1)
                return -inner if isinstance(inner, sympy.Number) else NegOp(inner)
            raise _error(f"the operator {type(node.op).__name__} is not one symbackprop derives", node)
        if isinstance(node, ast.Constant):
            if type(node.value) not in (int, float):
                raise _error(f"{node.value!r} is not a number", node)
            return self.literal(node)
        if isinstance(node, ast.Name):
            return sympy.Symbol(self.name(node.id, node))
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id in _MODULES and node.attr in ("pi", "e"):
                return sympy.pi if node.attr == "pi" else sympy.E  # the constants, never leaves
            raise _error(
                f"{ast.unparse(node)} is not a value (only math./np. functions, pi and e are read)", node
            )
        if isinstance(node, ast.IfExp):
            raise _error("a conditional expression is the backward pass's, not a forward step", node)
        raise _error(f"{_kind(node)} is not an expression symbackprop derives", node)

    def subscript(self, node: ast.Subscript) -> sympy.Basic:
        index = node.slice
        if not isinstance(node.value, ast.Name) or not (
            isinstance(index, ast.Constant) and type(index.value) is int
        ):
            raise _error("only a list's item by a whole number, x[0], is read", node)
        if index.value < 0:
            raise _error("a list's item by a whole number from 0, as x[0]", node)
        return sympy.Symbol(with_index(self.name(node.value.id, node.value), index.value))

    def call(self, node: ast.Call, depth: int) -> sympy.Basic:
        func = node.func
        word = called_function(func)
        if word is None:
            raise _error(
                f"calling {ast.unparse(func)} is not read: only max, min, abs and math./np. exp, log, log2, log10, "
                "tanh, sqrt, sin, cos, erf",
                node,
            )
        if node.keywords:
            raise _error(f"{ast.unparse(func)} takes its arguments by position here", node)
        cls = FUNCTIONS[word]
        args = [self.expr(a, depth + 1) for a in node.args]
        low, high = cls.arity()
        if len(args) < low or (high is not None and len(args) > high):
            raise _error(
                f"{ast.unparse(func)} takes {low if low == high else f'{low} or more'} arguments, got {len(args)}",
                node,
            )
        return maximum(*args) if word == "max" else cls(*args)


def _kind(node: ast.AST) -> str:
    kinds = {
        ast.For: "a loop", ast.While: "a loop", ast.If: "an if statement", ast.FunctionDef: "a function definition",
        ast.AsyncFunctionDef: "a function definition", ast.ClassDef: "a class", ast.Import: "an import",
        ast.ImportFrom: "an import", ast.AugAssign: "an augmented assignment (+=)", ast.Lambda: "a lambda",
        ast.ListComp: "a comprehension", ast.GeneratorExp: "a comprehension", ast.With: "a with statement",
        ast.Try: "a try statement", ast.Return: "a return", ast.Delete: "a del statement", ast.Global: "a global",
        ast.AnnAssign: "an annotated assignment", ast.Compare: "a comparison", ast.BoolOp: "a boolean operation",
    }  # fmt: skip
    return kinds.get(type(node), f"a {type(node).__name__}")


def called_function(func: ast.expr) -> str | None:
    """The function a call in the chapter's Python names (``max``, ``math.exp``, ``np.log``), as our
    function table spells it; None for any other call."""
    if isinstance(func, ast.Name) and func.id in _BUILTINS:
        return _BUILTINS[func.id]
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in _MODULES
        and func.attr in _MODULE_FUNCTIONS
    ):
        return _MODULE_FUNCTIONS[func.attr]
    return None

"""A student's answers for ``--check``: ``NAME=VALUE`` pairs, a JSON object, or a Python file in the
chapter's style, read with ``ast`` and evaluated by our own arithmetic -- never ``exec`` or ``eval``.

What a Python file may hold: assignments (``drelu_dz = dvalue * (1. if z > 0 else 0.)``) and
augmented ones (``w[0] += -0.001 * dw[0]``); numbers, the file's earlier names, ``+ - * / **``,
comparisons, ``and``/``or``/``not``, conditional expressions, lists and indexing by a whole
number, and the functions the Python input reads (``max``, ``min``, ``abs``, ``math.exp`` ...).
``print(...)``, comments, docstrings and ``import math`` / ``import numpy as np`` are read and
ignored.  Anything else -- a call, an attribute, a comprehension, a lambda, another import, a
loop -- is an error naming its line and column, and nothing in the file is ever run.
"""

from __future__ import annotations

import ast
import json
import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ._values import json_minus, non_ascii_digit_in_code, python_minus
from .errors import EvaluationError, InputError, LimitError, ParseError, SymbackpropError, non_ascii_digit
from .limits import DEFAULT, MAX_ANSWERS, Limits
from .options import spell

#: A value: a number, or a list of values (a vector, a matrix), kept as a tuple.
Value = float | tuple  # tuple[Value, ...]

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: math.pow,
}
_COMPARE: dict[type[ast.cmpop], Callable[[float, float], bool]] = {
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
}
#: ``import math`` and ``import numpy as np`` only say where the functions come from: read, ignored.
_IMPORTS = {("math", None), ("math", "math"), ("numpy", None), ("numpy", "np"), ("numpy", "numpy")}


@dataclass(frozen=True)
class Binding:
    """One answer as the student gave it."""

    name: str  # as written: "drelu_dz", "w", "w[0]", "dense1.dweights"
    value: Value
    line: int | None  # where it was assigned (None: a JSON key, a dict's key)
    column: int | None
    literal: bool  # its value reads no name: a number (or a list of them) the student wrote
    changes: bool  # an augmented assignment (+=) or an item's (w[0] = ...): a change of a bound name
    index: int  # which statement gave it, to give it another value when the file is run again
    reads: frozenset[str] = frozenset()  # the names its value reads, a list's items as "w[0]"


class Answers:
    """The answers, in the order given; a file's (or inline) formulas can be evaluated again with some
    statements' values replaced (:meth:`rerun`), to see whether a line is right only at this point."""

    def __init__(
        self, bindings: list[Binding], kind: str, statements: list[_Statement] | None = None
    ) -> None:
        self.bindings = bindings
        self.kind = kind  # "python", "inline", "json" or "dict"
        self._statements = statements
        self._limits = DEFAULT

    @property
    def formulas(self) -> bool:
        """Whether some answer is computed from others (a formula that can be run again)."""
        return self._statements is not None and any(not b.literal for b in self.bindings)

    def rerun(self, overrides: Mapping[int, Value]) -> list[Binding] | None:
        """The bindings again, with statement ``k``'s value ``overrides[k]`` where given; None where the
        file cannot be evaluated at those values (a division by zero there, a log of a negative)."""
        if self._statements is None:
            return None
        try:
            return _run(self._statements, self._limits, overrides)
        except SymbackpropError:
            return None


# --- reading ---------------------------------------------------------------------------------------


def read(answers: object, limits: Limits = DEFAULT) -> Answers:
    """Answers from what ``--check`` or ``check()`` was given: a dict of names and values, a file's path,
    ``-`` (standard input), Python source (more than one line), or ``NAME=VALUE,...``."""
    if isinstance(answers, Mapping):
        return _from_mapping(answers, "dict")
    if isinstance(answers, os.PathLike):
        return _from_file(os.fspath(answers), limits)
    if not isinstance(answers, str):
        raise InputError(
            f"{spell('check')} takes NAME=VALUE pairs, a file's name or a dict of answers, "
            f"not {type(answers).__name__}"
        )
    if "\n" in answers.strip():
        return parse_python(answers, limits)
    if answers == "-" or os.path.exists(answers):
        return _from_file(answers, limits)
    if "=" in answers:
        return parse_inline(answers, limits)
    shown = answers if answers.isprintable() else repr(answers)
    raise InputError(f"{spell('check')}: no such file {shown[:80]!r} (and not NAME=VALUE pairs)")


def _from_file(path: str, limits: Limits) -> Answers:
    from ._files import read_text

    try:
        text = read_text(path, MAX_ANSWERS, "the answers", spell("check"))
    except LimitError:
        shown = path if path.isprintable() else repr(path)
        raise LimitError(
            f"the answers ({shown[:80]}) are longer than the {MAX_ANSWERS} characters {spell('check')} reads"
        ) from None
    if path.lower().endswith(".json") or text.lstrip().startswith("{"):
        return parse_json(text)
    return parse_python(text, limits)


def parse_json(text: str) -> Answers:
    """A JSON object ``{"NAME": value}``: numbers, or lists of them."""

    def constant(word: str) -> float:
        raise InputError(f"{spell('check')}: {word} is not a number an answer can be (JSON)")

    text = json_minus(text)
    try:
        data = json.loads(text, parse_constant=constant)
    except json.JSONDecodeError as err:
        c = text[err.pos] if err.pos < len(text) else ""
        what = non_ascii_digit(c) if c.isdigit() and not c.isascii() else f"not JSON: {err.msg}"
        raise ParseError(what, err.colno, err.lineno) from None
    except RecursionError:
        raise ParseError("the JSON nests too deeply") from None
    if not isinstance(data, dict):
        raise InputError(
            f"{spell('check')}: the JSON must be an object of names and values, not a {type(data).__name__}"
        )
    return _from_mapping(data, "json")


def _from_mapping(data: Mapping[object, object], kind: str) -> Answers:
    bindings = []
    for k, (name, value) in enumerate(data.items()):
        if not isinstance(name, str):
            raise InputError(f"{spell('check')}: an answer's name must be a string, not {name!r}")
        bindings.append(Binding(name, _plain(value, name), None, None, True, False, k))
    return Answers(bindings, kind)


def _plain(value: object, name: str, depth: int = 0) -> Value:
    """A number or a (nested) list of numbers from JSON or Python: finite floats, tuples."""
    if hasattr(value, "tolist") and not isinstance(value, (int, float)):  # a NumPy array
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        if depth > 8:
            raise InputError(f"{spell('check')} {name}: a list nested more than 8 deep")
        return tuple(_plain(v, name, depth + 1) for v in value)  # type: ignore[union-attr]
    from .derivation import check_number

    return check_number(f"{spell('check')} {name}", value)


def _check_length(text: str) -> None:
    if len(text) > MAX_ANSWERS:
        raise LimitError(
            f"the answers are {len(text)} characters long, more than the {MAX_ANSWERS} --check reads"
        )


def parse_inline(text: str, limits: Limits = DEFAULT) -> Answers:
    """``drelu_dz=1, dw=[1, -2, 3]``: assignments separated by commas (or semicolons) outside brackets."""
    _check_length(text)
    statements: list[_Statement] = []
    for start, piece in _split(text):
        stripped = piece.strip()
        if not stripped:
            continue
        offset = start + piece.index(stripped)
        if "=" not in stripped:
            raise ParseError(f"{stripped[:40]!r} is not NAME=VALUE", offset + 1)
        stripped = python_minus(stripped)
        found = non_ascii_digit_in_code(stripped)
        if found is not None:
            raise ParseError(non_ascii_digit(found[0]), offset + found[2])
        try:
            module = ast.parse(stripped)
        except SyntaxError as err:
            raise ParseError(f"not NAME=VALUE: {err.msg}", offset + (err.offset or 1)) from None
        except (RecursionError, MemoryError, ValueError):
            raise ParseError("an answer nests too deeply", offset + 1) from None
        if len(module.body) != 1 or not isinstance(module.body[0], ast.Assign):
            raise ParseError(f"{stripped[:40]!r} is not NAME=VALUE", offset + 1)
        statements.append(_Statement(module.body[0], None, offset))
    if not statements:
        raise InputError(f"{spell('check')} gives no answer: write NAME=VALUE pairs")
    answers = Answers(_run(statements, limits, {}), "inline", statements)
    answers._limits = limits
    return answers


def _split(text: str) -> Iterator[tuple[int, str]]:
    """Pieces of ``text`` between commas or semicolons that are outside brackets and parentheses."""
    depth, start = 0, 0
    for k, c in enumerate(text):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c in ",;\n" and depth <= 0:
            yield start, text[start:k]
            start = k + 1
    yield start, text[start:]


def parse_python(text: str, limits: Limits = DEFAULT) -> Answers:
    """A Python file of answers in the chapter's style, read with ``ast`` and evaluated by :func:`_run`."""
    _check_length(text)
    text = python_minus(text)
    found = non_ascii_digit_in_code(text)
    if found is not None:
        raise ParseError(non_ascii_digit(found[0]), found[2], found[1])
    try:
        module = ast.parse(text)
    except SyntaxError as err:
        raise ParseError(f"not Python: {err.msg}", err.offset or 1, err.lineno or 1) from None
    except (RecursionError, MemoryError, ValueError):  # past what Python's own parser takes
        raise ParseError("the answers nest too deeply for Python's parser") from None
    statements = []
    for node in module.body:
        kept = _statement(node)
        if kept is not None:
            statements.append(_Statement(kept, kept.lineno, 0))
    answers = Answers(_run(statements, limits, {}), "python", statements)
    if not answers.bindings:
        raise InputError(f"{spell('check')}: the file assigns no answer (write NAME = VALUE lines)")
    answers._limits = limits
    return answers


@dataclass(frozen=True)
class _Statement:
    node: ast.Assign | ast.AugAssign
    line: int | None  # None: inline text, where positions are columns of the whole text
    offset: int  # inline: where the statement starts in the text


def _where(node: ast.AST, s: _Statement) -> str:
    column = getattr(node, "col_offset", 0) + 1
    if s.line is None:
        return f"at column {s.offset + column}"
    return f"at line {getattr(node, 'lineno', s.line)}, column {column}"


def _statement(node: ast.stmt) -> ast.Assign | ast.AugAssign | None:
    """The statements that give answers; what a cell may hold besides (print, docstrings, the math
    import) is None; anything else is refused with its line and column."""
    from .python_input import _kind

    where = f"at line {node.lineno}, column {node.col_offset + 1}"
    if isinstance(node, ast.Expr):
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return None
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "print":
            return None  # never evaluated: what it prints is not an answer
        raise ParseError(f"an expression on its own is not an answer: assign it (NAME = ...) ({where})")
    if isinstance(node, ast.Import):
        if all((a.name, a.asname) in _IMPORTS for a in node.names):
            return None
        raise ParseError(f"an import is not read: math. and np. functions are known without one ({where})")
    if isinstance(node, ast.Pass):
        return None
    if isinstance(node, (ast.Assign, ast.AugAssign)):
        return node
    raise ParseError(f"{_kind(node)} is not read in answers: only assignments ({where})")


# --- evaluating -------------------------------------------------------------------------------------


def _run(statements: Sequence[_Statement], limits: Limits, overrides: Mapping[int, Value]) -> list[Binding]:
    env: dict[str, Value] = {}
    out = []
    for k, s in enumerate(statements):
        out.append(_Evaluator(env, s, limits).statement(k, overrides.get(k)))
    return out


class _Evaluator:
    """One statement, evaluated on floats over the names bound so far."""

    def __init__(self, env: dict[str, Value], s: _Statement, limits: Limits) -> None:
        self.env, self.s, self.limits = env, s, limits
        self.reads: set[str] = set()

    def error(
        self, message: str, node: ast.AST, kind: type[SymbackpropError] = ParseError
    ) -> SymbackpropError:
        return kind(f"{message} ({_where(node, self.s)})")

    def statement(self, index: int, override: Value | None) -> Binding:
        node = self.s.node
        if isinstance(node, ast.Assign):
            if len(node.targets) != 1:
                raise self.error("assign one answer at a time (NAME = ...)", node)
            target = node.targets[0]
        else:
            target = node.target
        name, item = self.target(target)
        changes = isinstance(node, ast.AugAssign) or item is not None
        if override is not None:
            value = override
        elif isinstance(node, ast.AugAssign):
            old = self.bound(name, target) if item is None else self.item(name, item, target)
            value = self.arithmetic(type(node.op), old, self.value(node.value), node)
        else:
            value = self.value(node.value)
        if item is None:
            self.env[name] = value
            shown = name
        else:
            whole = self.bound(name, target)
            assert isinstance(whole, tuple)
            self.env[name] = whole[:item] + (value,) + whole[item + 1 :]
            shown = f"{name}[{item}]"
        line = getattr(target, "lineno", None) if self.s.line is not None else None
        column = target.col_offset + 1 + (self.s.offset if self.s.line is None else 0)
        literal = not self.reads and not isinstance(node, ast.AugAssign)
        return Binding(shown, value, line, column, literal, changes, index, frozenset(self.reads))

    def target(self, node: ast.expr) -> tuple[str, int | None]:
        """``name`` or ``name[k]`` (an item of a list already bound; else ``dw[0]`` is a name), or
        ``dense1.dweights`` (a name, never looked up)."""
        if isinstance(node, ast.Name):
            return node.id, None
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            k = self.index(node)
            base = node.value.id
            if isinstance(self.env.get(base), tuple):
                whole = self.env[base]
                if not -len(whole) <= k < len(whole):  # type: ignore[arg-type]
                    raise self.error(f"{base} has {len(whole)} items: no item {k}", node, InputError)  # type: ignore[arg-type]
                return base, k % len(whole)  # type: ignore[arg-type]
            return f"{base}[{k}]", None
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and isinstance(node.ctx, ast.Store)
        ):
            return f"{node.value.id}.{node.attr}", None
        raise self.error("assign to a name (NAME = ...) or a list's item (w[0] = ...)", node)

    def bound(self, name: str, node: ast.AST) -> Value:
        if name not in self.env:
            raise self.error(f"{name} is used before it is assigned", node, InputError)
        return self.env[name]

    def item(self, name: str, k: int, node: ast.AST) -> Value:
        whole = self.bound(name, node)
        assert isinstance(whole, tuple)
        return whole[k]

    def index(self, node: ast.Subscript) -> int:
        k = node.slice
        negative = isinstance(k, ast.UnaryOp) and isinstance(k.op, ast.USub)
        if isinstance(k, ast.UnaryOp) and negative:
            k = k.operand
        if not (isinstance(k, ast.Constant) and type(k.value) is int):
            raise self.error("a list's item is taken by a whole number, as x[0]", node)
        return -k.value if negative else k.value

    # -- values ---------------------------------------------------------------------------------
    def value(self, node: ast.expr, depth: int = 0) -> Value:
        value = self.expr(node, depth)
        if isinstance(value, bool):
            return float(value)
        return value

    def expr(self, node: ast.expr, depth: int) -> Value | bool:
        self.limits.check("the nesting depth of an answer", depth, self.limits.max_depth, "max_depth")
        if isinstance(node, ast.Constant):
            number = node.value
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                raise self.error(f"{number!r} is not a number", node)
            try:
                return self.finite(float(number), node)
            except OverflowError:
                raise self.error("a number out of floating-point range", node) from None
        if isinstance(node, ast.Name):
            self.reads.add(node.id)
            return self.bound(node.id, node)
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise self.error(f"the operator {type(node.op).__name__} is not read (only + - * / **)", node)
            left, right = self.expr(node.left, depth + 1), self.expr(node.right, depth + 1)
            return self.arithmetic(type(node.op), left, right, node)
        if isinstance(node, ast.UnaryOp):
            operand = self.expr(node.operand, depth + 1)
            if isinstance(node.op, ast.Not):
                return not self.number(operand, node)
            if isinstance(node.op, (ast.USub, ast.UAdd)):
                number = self.number(operand, node)
                return -number if isinstance(node.op, ast.USub) else +number
            raise self.error(f"the operator {type(node.op).__name__} is not read", node)
        if isinstance(node, ast.Compare):
            left = self.number(self.expr(node.left, depth + 1), node)
            for op, right_node in zip(node.ops, node.comparators):
                if type(op) not in _COMPARE:
                    raise self.error(
                        f"the comparison {type(op).__name__} is not read (only < <= > >= == !=)", node
                    )
                right = self.number(self.expr(right_node, depth + 1), right_node)
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.BoolOp):
            result: Value | bool = False
            for part in node.values:
                result = self.expr(part, depth + 1)
                truth = bool(self.number(result, part))
                if truth == isinstance(node.op, ast.Or):
                    return result
            return result
        if isinstance(node, ast.IfExp):
            test = self.number(self.expr(node.test, depth + 1), node.test)
            return self.expr(node.body if test else node.orelse, depth + 1)
        if isinstance(node, ast.List):
            return tuple(self.value(e, depth + 1) for e in node.elts)
        if isinstance(node, ast.Subscript):
            base = self.expr(node.value, depth + 1)
            k = self.index(node)
            if not isinstance(base, tuple):
                raise self.error("only a list has items", node, InputError)
            if not -len(base) <= k < len(base):
                raise self.error(f"the list has {len(base)} items: no item {k}", node, InputError)
            if isinstance(node.value, ast.Name):
                self.reads.add(f"{node.value.id}[{k % len(base)}]")
            return base[k]
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Attribute):
            from .python_input import _MODULES

            if isinstance(node.value, ast.Name) and node.value.id in _MODULES and node.attr in ("pi", "e"):
                return math.pi if node.attr == "pi" else math.e
            raise self.error(
                f"{ast.unparse(node)[:40]} is not read (only math./np. functions, pi and e)", node
            )
        from .python_input import _kind

        raise self.error(f"{_kind(node)} is not read in answers", node)

    def call(self, node: ast.Call, depth: int) -> float:
        from .ops import FUNCTIONS
        from .python_input import called_function

        func = node.func
        word = called_function(func)
        if word is None:
            shown = ast.unparse(func)[:40]
            raise self.error(
                f"calling {shown} is not read: only max, min, abs and math./np. exp, log, tanh, sqrt", node
            )
        if node.keywords:
            raise self.error(f"{ast.unparse(func)} takes its arguments by position here", node)
        args = [self.expr(a, depth + 1) for a in node.args]
        if word in ("max", "min") and len(args) == 1 and isinstance(args[0], tuple):
            args = list(args[0])  # max([a, b]) as max(a, b)
        numbers = [self.number(a, node) for a in args]
        cls = FUNCTIONS[word]
        low, high = cls.arity()
        if len(numbers) < low or (high is not None and len(numbers) > high):
            wanted = low if low == high else f"{low} or more"
            raise self.error(f"{ast.unparse(func)} takes {wanted} arguments, got {len(numbers)}", node)
        try:
            return self.finite(float(cls.forward(*numbers)), node)
        except (EvaluationError, OverflowError, ValueError, ZeroDivisionError) as err:
            reason = str(err) if isinstance(err, EvaluationError) else "out of its domain"
            raise self.error(f"{ast.unparse(func)}: {reason}", node, EvaluationError) from None

    def arithmetic(self, op: type[ast.operator], a: Value | bool, b: Value | bool, node: ast.AST) -> float:
        x, y = self.number(a, node), self.number(b, node)
        try:
            return self.finite(_BINARY[op](x, y), node)
        except ZeroDivisionError:
            raise self.error("division by zero", node, EvaluationError) from None
        except OverflowError:
            raise self.error(
                "an overflow: the value is too large for a float", node, EvaluationError
            ) from None
        except ValueError:  # math.pow of a negative number to a fraction, or of 0 to a negative power
            raise self.error("a power that is not a real number", node, EvaluationError) from None

    def number(self, value: Value | bool, node: ast.AST) -> float:
        if isinstance(value, tuple):
            raise self.error("arithmetic and comparisons take numbers, not a list", node, InputError)
        return float(value)

    def finite(self, value: float, node: ast.AST) -> float:
        if not math.isfinite(value):
            raise self.error(f"the value is not finite ({value})", node, EvaluationError)
        return value

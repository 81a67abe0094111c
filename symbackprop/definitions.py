r"""User-defined operations from a body in our own infix grammar, read by our own parser (never evaluated).

``symbackprop.define("swish2", "x * sigmoid(2*x)", latex=r"\operatorname{swish}_2")`` defines an
operation for the whole process; ``define=`` of ``derive`` (``--define NAME=BODY``, ``:define:``)
defines some for one derivation.  ``NAME=BODY`` takes the body's variables, in the order they first
appear, as the parameters; ``NAME(a, b)=BODY`` names them.  A body may use the operations defined
before it, never itself; every name it uses must be a parameter.
"""

from __future__ import annotations

import builtins
import contextlib
import keyword
import re
from collections.abc import Iterable, Iterator, Mapping

import sympy

from .errors import InputError, SymbackpropError
from .limits import DEFAULT, Limits
from .names import canonical
from .ops import FUNCTIONS, Op
from .ops.table import key
from .ops.user import DEFINED, UserOp, make, scope, unscope
from .options import spell

_HEAD = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:\(([^()]*)\))?\s*")
_RESERVED = {key(name) for name in FUNCTIONS} | {"dot", "pi"}

Definitions = Mapping[str, str] | Iterable[str | tuple[str, str]]


def split(text: str) -> list[tuple[str, str]]:
    """``swish2 = x*sigmoid(2*x); f(a, b) = a*b`` -> ``[("swish2", "x*sigmoid(2*x)"), ("f(a, b)", "a*b")]``:
    definitions separated by ``;`` or new lines, each ``HEAD=BODY``."""
    out = []
    for item in re.split(r"[;\n]", text):
        if not item.strip():
            continue
        head, eq, body = item.partition("=")
        if not eq or not head.strip() or not body.strip():
            raise InputError(
                f"{spell('define')} {item.strip()!r} is not NAME=BODY (as in swish2=x*sigmoid(2*x))"
            )
        out.append((head.strip(), body.strip()))
    return out


def build(head: str, body: str, latex: str | None = None, limits: Limits = DEFAULT) -> type[UserOp]:
    """The operation ``head = body`` (``head``: a name, or a name and its parameters)."""
    from .parse import parse_infix
    from .printing import LATEX, PYTHON, TEXT

    m = _HEAD.fullmatch(head)
    if m is None:
        raise InputError(f"{head!r} is not a name for an operation (letters, digits and _, as in swish2)")
    name, written = m.group(1), m.group(2)
    if key(name) in _RESERVED:
        raise InputError(f"{name} is one of symbackprop's own operations: give yours another name")
    if re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}\s*\(", body, re.IGNORECASE):
        raise InputError(f"the definition of {name} calls {name}: an operation cannot be defined by itself")
    try:
        tree = parse_infix(body, limits)
    except SymbackpropError as err:
        raise InputError(f"in the definition of {name}: {err}") from None
    used = [s for s in sympy.preorder_traversal(tree) if isinstance(s, sympy.Symbol)]
    if written is None:
        params = list(dict.fromkeys(used))
    else:
        params = [sympy.Symbol(canonical(p.strip())) for p in written.split(",") if p.strip()]
        extra = sorted({s.name for s in used} - {p.name for p in params})
        if extra:
            raise InputError(
                f"the body of {name} uses {', '.join(extra)}, which is not one of its parameters "
                f"({', '.join(p.name for p in params)})"
            )
    if not params:
        raise InputError(f"{name} has no argument: its body must use a variable (as x in x * sigmoid(2*x))")
    rule = {p: sympy.Symbol(v) for p, v in zip(params, ("x", "y"))}
    python_name = (
        name
        if name.isidentifier() and not keyword.iskeyword(name) and not hasattr(builtins, name)
        else f"_{name}"
    )
    helper = f"def {python_name}({', '.join(p.name for p in params)}):\n    return {PYTHON.doprint(tree)}\n"
    return make(
        name,
        params,
        tree,
        latex_name=latex or rf"\operatorname{{{name.replace('_', chr(92) + '_')}}}",
        python_name=python_name,
        python_helper=helper,
        python_needs=tuple(dict.fromkeys(n for op in _operations(tree) for n in (op, *op.python_needs))),
        latex_definition=LATEX.doprint(tree.xreplace(rule)) if len(params) <= 2 else None,
        text_definition=TEXT.doprint(tree.xreplace(rule)) if len(params) <= 2 else None,
    )


def define(name: str, body: str, latex: str | None = None) -> type[UserOp]:
    r"""Define an operation for the whole process: ``define("swish2", "x * sigmoid(2*x)",
    latex=r"\operatorname{swish}_2")``, then ``derive("swish2(w*x)")``.  Defining a name again replaces it."""
    if not isinstance(name, str) or not isinstance(body, str):
        raise InputError("define takes the operation's name and its body as strings")
    op = build(name, body, latex)
    DEFINED[key(op.name)] = op
    return op


@contextlib.contextmanager
def defined(items: Definitions | None, limits: Limits = DEFAULT) -> Iterator[None]:
    """The definitions of one derivation, in force while it is read; each may use those before it."""
    pairs = _pairs(items)
    if not pairs:
        yield
        return
    tokens = []
    try:
        for head, body in pairs:
            op = build(head, body, limits=limits)
            tokens.append(scope({key(op.name): op}))
        yield
    finally:
        for token in reversed(tokens):
            unscope(token)


def _pairs(items: Definitions | None) -> list[tuple[str, str]]:
    if items is None:
        return []
    if isinstance(items, str):
        return split(items)
    if isinstance(items, Mapping):
        return [(str(k), str(v)) for k, v in items.items()]
    out: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, str):
            out += split(item)
        elif isinstance(item, tuple) and len(item) == 2:
            out.append((str(item[0]), str(item[1])))
        else:
            raise InputError(f"{spell('define')} takes NAME=BODY strings or a dict of them, not {item!r}")
    return out


def _operations(tree: sympy.Basic) -> list[type[Op]]:
    return list(dict.fromkeys(type(e) for e in sympy.preorder_traversal(tree) if isinstance(e, Op)))

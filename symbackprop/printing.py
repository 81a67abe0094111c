"""Printing in three syntaxes -- LaTeX, plain text, Python -- one printer class per syntax.

Each operation says how it is laid out (its ``form``: ``call``, ``product``, ``fraction`` ...)
and how it is spelled in each syntax (``name``, ``latex_name``, ``python_name``); a printer
has one ``_print_<form>`` method per layout, and the syntaxes differ by overriding them.
Printers work on :class:`Piece` s -- an operand printed already, with what its parent needs
to know of it (precedence, whether it is a call, how deeply its calls nest) -- so a graph
prints bottom-up, each node once, and a SymPy tree prints the same way.  Nothing here names
an operation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

import sympy

from . import numbers
from .names import latex_name
from .ops import ADD, ATOM, MUL, NEG, POW, Op

if TYPE_CHECKING:
    from .chain import LocalTemplate
    from .graph import Graph

SIZES = ("", r"\big", r"\Big", r"\bigg", r"\Bigg")
_SIZED = re.compile(r"\\[bB]igg?(?![A-Za-z])")


#: The constants π and e as each syntax writes them (the infix grammar reads ``pi`` and ``exp(1)``).
CONSTANTS: dict[sympy.Basic, dict[str, str]] = {
    sympy.pi: {"text": "pi", "infix": "pi", "latex": r"\pi", "python": "math.pi"},
    sympy.E: {"text": "e", "infix": "exp(1)", "latex": r"\mathrm{e}", "python": "math.e"},
}


class Piece:
    """An operand printed already: its text, precedence, operation (None for a leaf), how many
    levels of sized calls its LaTeX nests, and its value when it is a number."""

    __slots__ = ("calls", "number", "op", "prec", "text")

    def __init__(
        self,
        text: str,
        prec: int = ATOM,
        op: type[Op] | None = None,
        calls: int = 0,
        number: sympy.Number | None = None,
    ) -> None:
        self.text, self.prec, self.op, self.calls, self.number = text, prec, op, calls, number

    @property
    def atomic(self) -> bool:
        return self.op is None


def precedence(n: sympy.Number) -> int:
    """A number's precedence, as SymPy has it: ``1 \\cdot (-3)``, ``x - (-3)``, ``(-3)^{2}``."""
    if n < 0:
        return ADD
    if isinstance(n, sympy.Rational) and not n.is_Integer:
        return MUL
    return ATOM


# The only decisions a printer takes on an operand's printed text (rather than on its kind):
# keep them here, so that :meth:`Printer.fills` knows every one.
def is_tall(text: str) -> bool:
    """LaTeX whose parentheses need ``\\left( ... \\right)``."""
    return r"\frac" in text or "^" in text or r"\sqrt" in text or r"\left" in text or r"\Big" in text


def is_indicator(text: str) -> bool:
    """Text that is one indicator, ``1(z > 0)``, ``1(v_{1} - b > 0)``: a single factor whatever it holds
    (a tie's share, ``1(a > b) + 1/2 * 1(a = b)``, is a sum)."""
    depth = 0
    for k, c in enumerate(text):
        depth += (c == "(") - (c == ")")
        if c == ")" and depth == 0:
            return text.startswith("1(") and k == len(text) - 1
    return False


def signed(text: str) -> bool:
    """An operand that begins with a minus: after the first of a sum, a difference or a product it
    goes in parentheses (``x \\cdot (-y)``, ``x - (-y)``, never ``x - -y``)."""
    return text.startswith("-")


def starts_numeric(text: str) -> bool:
    """LaTeX that a product joins with ``\\cdot`` rather than a space."""
    return text[:1].isdigit() or text.startswith(("-", "(-", r"\frac", r"\left(-"))


class Printer:
    """Prints in ordinary (flat) notation; subclasses are the syntaxes."""

    syntax: ClassVar[str] = ""
    shares_written_out: ClassVar[bool] = True  # a tie's share as indicators (else a call, share(...))

    def __init__(self, names: Mapping[str, str] | None = None) -> None:
        self.names = names or {}  # how a symbol prints, where not by the default rule

    # -- atoms ---------------------------------------------------------------
    def symbol(self, name: str) -> str:
        return self.names.get(name, name)

    def number(self, n: sympy.Number) -> str:
        if isinstance(n, sympy.NumberSymbol):
            return CONSTANTS[n][self.syntax]
        if isinstance(n, sympy.Rational) and not n.is_Integer:
            return self.rational(int(n.p), int(n.q))
        if isinstance(n, sympy.Integer) and abs(int(n)) < 2**53:
            return str(int(n))  # exact as an int or a float: the chapter's ``z > 0``, ``dsum_dxw0 = 1``
        return numbers.exact(float(n), self.syntax)

    def rational(self, p: int, q: int) -> str:
        return f"{p}/{q}"

    def leaf(self, name: str) -> Piece:
        return Piece(self.symbol(name))

    def num(self, n: sympy.Number) -> Piece:
        return Piece(self.number(n), precedence(n), number=n)

    def value(self, v: float) -> Piece:
        """A float the derivation computed, as an operand (a forward pass with its numbers in); an exact
        value binds as SymPy's numbers do (a fraction as a quotient: ``\\left(\\frac{1}{4}\\right)^{2}``)."""
        if numbers.is_exact(v):
            exact: sympy.Expr = v  # type: ignore[assignment]
            prec = precedence(exact) if isinstance(exact, sympy.Rational) else ADD if exact.is_Add else MUL
            return Piece(numbers.value(v, self.syntax), ADD if exact < 0 else prec)
        return Piece(numbers.value(v, self.syntax), ADD if v < 0 else ATOM)

    def parens(self, text: str) -> str:
        return f"({text})"

    def arg(self, a: Piece, prec: int, same: type[Op] | None = None) -> str:
        """``a`` as an operand: in parentheses when it binds more loosely than ``prec``, or when it
        is an n-ary ``same`` operation nested in another, which parsing would flatten."""
        if a.prec < prec or (same is not None and a.op is same):
            return self.parens(a.text)
        return a.text

    def fills(self, text: str) -> bool:
        """Whether a name printed as ``text`` may fill a hole of a template printed with a plain
        placeholder name: the printer takes no decision differently for it."""
        return not signed(text)

    # -- operations ----------------------------------------------------------
    def apply(self, op: type[Op], args: Sequence[Piece]) -> Piece:
        """``op`` on printed operands, as a piece its own parent can use."""
        text = getattr(self, f"_print_{op.form}")(op, args)
        below = max((a.calls for a in args), default=0)
        calls = below + 1 if op.form == "call" and not all(a.atomic for a in args) else below
        return Piece(text, self.binding(op, args), op, calls)

    def binding(self, op: type[Op], args: Sequence[Piece]) -> int:
        """How tightly ``op`` printed binds: its precedence, but a tie's share written out (text, LaTeX) is
        a sum, ``1(a > b) + 1/2 * 1(a = b)``, or a quotient, ``1(a = max(a, b, c)) / ties``."""
        if op.form == "share" and self.shares_written_out:
            return ADD if len(args) == 4 else MUL
        return op.prec

    def call(self, op: type[Op], args: Sequence[Piece]) -> str:
        """``op`` written as a call of its name, whatever its usual layout: ``\\text{softmax}(Z)``."""
        return self._print_call(op, args)

    def _print_call(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"{op.name}({', '.join(a.text for a in args)})"

    def _print_product(self, op: type[Op], args: Sequence[Piece]) -> str:
        return self.product_text(self._factors(op, args))

    def product_text(self, factors: Sequence[str]) -> str:
        """Printed factors (each already in parentheses where it needs them) as one product."""
        return " * ".join(factors)

    def later(self, a: Piece, prec: int) -> str:
        """An operand after the first: as :meth:`arg`, and in parentheses when it is :func:`signed`."""
        return self.parens(a.text) if signed(a.text) else self.arg(a, prec)

    def _factors(self, op: type[Op], args: Sequence[Piece]) -> list[str]:
        return [self.later(a, MUL + 1) if i else self.arg(a, MUL, op) for i, a in enumerate(args)]

    def _print_sum(self, op: type[Op], args: Sequence[Piece]) -> str:
        return " + ".join([self.arg(args[0], ADD, op), *(self.later(a, ADD + 1) for a in args[1:])])

    def _print_sub(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"{self.arg(args[0], ADD)} - {self.later(args[1], ADD + 1)}"

    def _print_neg(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"-{self.arg(args[0], NEG + 1)}"

    def _print_fraction(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"{self.arg(args[0], MUL)} / {self.arg(args[1], MUL + 1)}"

    def _print_power(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"{self.arg(args[0], POW + 1)}^{self.arg(args[1], POW)}"

    def _print_indicator(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"1({args[0].text} > 0)"

    def _print_exponential(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"exp({args[0].text})"

    def _print_root(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"sqrt({args[0].text})"

    def _print_absolute(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"abs({args[0].text})"

    def _print_share(self, op: type[Op], args: Sequence[Piece]) -> str:
        """∂max/∂a: 1 where a is the largest, shared equally among ties."""
        is_max, a, others = self._share_parts(args)
        rel = ">" if is_max else "<"
        if len(others) == 1:
            return f"1({a.text} {rel} {others[0].text}) + 1/2 * 1({a.text} = {others[0].text})"
        every = ", ".join(o.text for o in [a, *others])
        return f"1({a.text} = {'max' if is_max else 'min'}({every})) / ties"

    @staticmethod
    def _share_parts(args: Sequence[Piece]) -> tuple[bool, Piece, list[Piece]]:
        assert args[0].number is not None and args[1].number is not None, "share's kind and index are numbers"
        i, rest = int(args[1].number), list(args[2:])
        return bool(args[0].number > 0), rest[i], [a for j, a in enumerate(rest) if j != i]

    def _print_softmax(self, op: type[Op], args: Sequence[Piece]) -> str:
        assert args[0].number is not None, "softmax's index is a number"
        return f"softmax_{int(args[0].number)}({', '.join(a.text for a in args[1:])})"

    def _print_expanded(self, op: type[Op], args: Sequence[Piece]) -> str:
        """What the operation prints as (``printed_as``), with the operands in place."""
        holes = [a.number if a.number is not None else sympy.Symbol(f"_hole{k}") for k, a in enumerate(args)]
        known = {f"_hole{k}": a for k, a in enumerate(args)}
        return self.pieces(op.printed_as(holes), known).text

    # -- SymPy trees ---------------------------------------------------------
    def doprint(self, e: sympy.Basic) -> str:
        """A small tree of operations (a local derivative, a rule) in this syntax."""
        return self.pieces(e).text

    def pieces(self, e: sympy.Basic, known: Mapping[str, Piece] | None = None) -> Piece:
        """``e`` as a piece, bottom-up without recursion; ``known`` gives pieces for some symbols."""
        known = known or {}
        done: dict[int, Piece] = {}
        stack: list[tuple[sympy.Basic, bool]] = [(e, False)]
        while stack:
            node, ready = stack.pop()
            if isinstance(node, Op):
                if not ready:
                    stack.append((node, True))
                    stack.extend((a, False) for a in reversed(node.args))
                    continue
                args = [done.pop(id(a)) if id(a) in done else self._atom(a, known) for a in node.args]
                done[id(node)] = self.apply(type(node), args)
            elif not ready:
                done.setdefault(id(node), self._atom(node, known))
        return done[id(e)] if isinstance(e, Op) else self._atom(e, known)

    def _atom(self, e: sympy.Basic, known: Mapping[str, Piece]) -> Piece:
        if isinstance(e, Op):
            return self.pieces(e, known)
        if isinstance(e, sympy.Symbol):
            return known.get(e.name) or self.leaf(e.name)
        if isinstance(e, (sympy.Number, sympy.NumberSymbol)):
            return self.num(e)
        raise TypeError(f"cannot print {type(e).__name__}")


class TextPrinter(Printer):
    """Plain text, as the terminal walkthrough shows it."""

    syntax = "text"


class InfixPrinter(TextPrinter):
    """Text our own infix parser reads back to the same function: ReLU's derivative as ``step(z)``,
    abs's as ``sign(z)``, a max's share of a tie as ``share(1, i, a, b)``, a softmax's output k as
    ``softmax_k(z0, z1, ...)`` (the closed forms of gradients)."""

    syntax = "infix"
    shares_written_out = False

    def _print_indicator(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"step({args[0].text})"

    def _print_share(self, op: type[Op], args: Sequence[Piece]) -> str:
        return self._print_call(op, args)


class LatexPrinter(Printer):
    """LaTeX, as the chapter typesets it."""

    syntax = "latex"

    def symbol(self, name: str) -> str:
        return self.names[name] if name in self.names else latex_name(name)

    def rational(self, p: int, q: int) -> str:
        sign = "-" if p < 0 else ""
        return rf"{sign}\frac{{{abs(p)}}}{{{q}}}"

    def number(self, n: sympy.Number) -> str:
        if isinstance(n, sympy.NumberSymbol):
            return CONSTANTS[n][self.syntax]
        if isinstance(n, sympy.Rational) and not n.is_Integer:
            return self.rational(int(n.p), int(n.q))
        return numbers.exact(float(n), "latex")

    def parens(self, text: str) -> str:
        """Grouping parentheses, sized to their content only when it is tall: a size larger than the
        largest sized bracket inside (``\\left`` can come out smaller than a ``\\Big`` it holds)."""
        inner = [SIZES.index(m) for m in _SIZED.findall(text)]
        if inner:
            size = SIZES[min(len(SIZES) - 1, max(inner) + 1)]
            return f"{size}({text}{size})"
        return rf"\left({text}\right)" if is_tall(text) else f"({text})"

    def fills(self, text: str) -> bool:
        return not is_tall(text) and not starts_numeric(text)

    def _print_call(self, op: type[Op], args: Sequence[Piece]) -> str:
        inner = ", ".join(a.text for a in args)
        if all(a.atomic for a in args):  # sized round a fraction only: \text{ReLU}\left(\frac{5}{12}\right)
            return (
                rf"{op.latex_name}\left({inner}\right)" if r"\frac" in inner else f"{op.latex_name}({inner})"
            )
        size = SIZES[min(len(SIZES) - 1, 2 + max(a.calls for a in args))]
        return f"{op.latex_name}{size}({inner}{size})"

    def product_text(self, factors: Sequence[str]) -> str:
        out = factors[0]
        for text in factors[1:]:
            out += (r" \cdot " if starts_numeric(text) else " ") + text
        return out

    def _print_fraction(self, op: type[Op], args: Sequence[Piece]) -> str:
        return rf"\frac{{{args[0].text}}}{{{args[1].text}}}"

    def _print_power(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"{self.arg(args[0], POW + 1)}^{{{args[1].text}}}"

    def _print_exponential(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"e^{{{args[0].text}}}"

    def _print_root(self, op: type[Op], args: Sequence[Piece]) -> str:
        return rf"\sqrt{{{args[0].text}}}"

    def _print_absolute(self, op: type[Op], args: Sequence[Piece]) -> str:
        return rf"\left|{args[0].text}\right|"

    def _print_share(self, op: type[Op], args: Sequence[Piece]) -> str:
        is_max, a, others = self._share_parts(args)
        rel = ">" if is_max else "<"
        if len(others) == 1:
            return rf"1({a.text} {rel} {others[0].text}) + \tfrac{{1}}{{2}}\,1({a.text} = {others[0].text})"
        every = ", ".join(o.text for o in [a, *others])
        fn = r"\max" if is_max else r"\min"
        return f"1({a.text} = {fn}({every})) / \\#\\text{{ties}}"

    def _print_softmax(self, op: type[Op], args: Sequence[Piece]) -> str:
        assert args[0].number is not None, "softmax's index is a number"
        inner = ", ".join(a.text for a in args[1:])
        return rf"\text{{softmax}}_{{{int(args[0].number)}}}\left({inner}\right)"


class PythonPrinter(Printer):
    """Python source, as the generated program writes it (the standard library's ``math`` at most)."""

    syntax = "python"
    shares_written_out = False

    def rational(self, p: int, q: int) -> str:
        return f"({p} / {q})"

    def _print_call(self, op: type[Op], args: Sequence[Piece]) -> str:
        inner = ", ".join(a.text for a in args)
        if op.python_template is not None:
            return op.python_template.format(inner)
        return f"{op.python_name or op.name}({inner})"

    def _print_power(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"{self.arg(args[0], POW + 1)} ** {self.arg(args[1], POW)}"

    def _print_indicator(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"(1. if {args[0].text} > 0 else 0.)"

    def _print_exponential(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"math.exp({args[0].text})"

    def _print_root(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"math.sqrt({args[0].text})"

    def _print_share(self, op: type[Op], args: Sequence[Piece]) -> str:
        is_max, a, others = self._share_parts(args)
        rest = ", ".join(o.text for o in [a, *others])
        return f"_share(0, {'max' if is_max else 'min'}, {rest})"

    def _print_softmax(self, op: type[Op], args: Sequence[Piece]) -> str:
        return self._print_call(op, args)


TEXT = TextPrinter()
LATEX = LatexPrinter()
PYTHON = PythonPrinter()
INFIX = InfixPrinter()
PRINTERS: dict[str, Printer] = {p.syntax: p for p in (TEXT, LATEX, PYTHON, INFIX)}


# --- templates: a local derivative printed once, with holes for the argument names ------------


def template_pieces(t: LocalTemplate, p: Printer) -> tuple[str | int, ...]:
    """A local derivative template printed once in ``p``'s syntax: literal pieces, and between them
    the positions of the arguments whose printed names fill the holes.

    A hole prints as a name no printer decision treats differently from any name that
    :meth:`Printer.fills`, so filling it gives what printing the edge's own local derivative would.
    """
    key = ("pieces", type(p))  # by printer: the exact program's differs from the float one's
    pieces: tuple[str | int, ...] | None = t.cache.get(key)
    if pieces is None:
        from .chain import placeholder_index

        holes = {}
        for s in t.expr.free_symbols:
            j = placeholder_index(s)
            if j is not None:
                holes[s.name] = Piece(f"\x00{j}\x00")
        piece = p.pieces(t.expr, holes)
        split = re.split("\x00(\\d+)\x00", piece.text)
        pieces = t.cache[key] = tuple(int(x) if k % 2 else x for k, x in enumerate(split))
        t.cache[("prec", type(p))] = piece.prec
    return pieces


def template_precedence(t: LocalTemplate, p: Printer) -> int:
    """How tightly the local derivative binds as an operand (the same for every edge it serves)."""
    key = ("prec", type(p))
    if key not in t.cache:
        template_pieces(t, p)
    prec: int = t.cache[key]
    return prec


# --- a graph, printed bottom-up -----------------------------------------------------------------


def node_piece(graph: Graph, i: int, p: Printer) -> Piece:
    """A leaf as an operand: a number as its value, a variable by name."""
    n = graph.nodes[i]
    return p.num(n.number) if n.number is not None else p.leaf(n.var)


def flat(graph: Graph, p: Printer, top: int | None = None) -> str:
    """The flat form of the whole expression (or of node ``top``'s sub-expression), each node once."""
    nodes = graph.nodes
    top = graph.root if top is None else top
    if nodes[top].op is None:
        return node_piece(graph, top, p).text
    wanted = _below(graph, top)
    done: dict[int, Piece] = {}
    by_name = graph.by_name
    for i in wanted:
        n = nodes[i]
        if n.op is None:
            done[i] = node_piece(graph, i, p)
            continue
        done[i] = p.apply(n.op, [p.leaf(nodes[c].var) if c in by_name else done[c] for c in n.children])
    return done[top].text


def _below(graph: Graph, top: int) -> list[int]:
    """Node ``top`` and everything below it, in forward order."""
    if top == graph.root:
        return list(range(len(graph.nodes)))
    seen = {top}
    stack = [top]
    while stack:
        for c in graph.nodes[stack.pop()].children:
            if c not in seen:
                seen.add(c)
                stack.append(c)
    return sorted(seen)


def subtree_text(graph: Graph, i: int) -> str:
    """Node ``i``'s sub-expression in plain text (for messages: ``1 / (x - 1)``)."""
    return flat(graph, TEXT, i)


def nested_text(graph: Graph) -> list[str]:
    """Every node's form in the chapter's function notation: ``ReLU(sum(mul(x0, w0), b))`` for the output."""
    nodes = graph.nodes
    by_name = graph.by_name
    out: list[str] = []
    for n in nodes:
        if n.op is not None:
            out.append(n.op.nested([nodes[c].var if c in by_name else out[c] for c in n.children]))
        elif n.number is not None:
            # as SymPy prints them inside a call, where a Float drops its trailing zeros
            number = n.number
            out.append(TEXT.number(number) if number in CONSTANTS else sympy.sstr(number, full_prec=False))
        else:
            out.append(n.var)
    root = nodes[graph.root]
    if root.number is not None:
        out[graph.root] = TEXT.number(root.number)
    return out


def nested_latex(graph: Graph) -> str:
    r"""``\text{ReLU}\Big(\operatorname{sum}\big(\operatorname{mul}(x_{0}, w_{0}), b\big)\Big)``: sized by
    height, as the chapter."""
    nodes = graph.nodes
    by_name = graph.by_name
    texts: list[str] = [""] * len(nodes)
    levels = [0] * len(nodes)
    for i, n in enumerate(nodes):
        if n.op is None:
            texts[i] = node_piece(graph, i, LATEX).text
            continue
        levels[i] = 1 + max(0 if c in by_name else levels[c] for c in n.children)
    # Taller than the sizes go, the innermost levels share the plain parentheses, so that every
    # bracket is larger than the ones it holds, and the chain's bracket larger than them all.
    skip = max(0, levels[graph.root] - (len(SIZES) - 1))
    for i, n in enumerate(nodes):
        if n.op is None:
            continue
        size = SIZES[max(0, levels[i] - 1 - skip)]
        args = [LATEX.symbol(nodes[c].var) if c in by_name else texts[c] for c in n.children]
        texts[i] = n.op.nested_latex(args, size)
    return texts[graph.root]


def expression_height(graph: Graph) -> int:
    """Levels of operations: 0 for a leaf, 1 for an operation on leaves only."""
    levels = [0] * len(graph.nodes)
    for i, n in enumerate(graph.nodes):
        if n.op is not None:
            levels[i] = 1 + max(levels[c] for c in n.children)
    return levels[graph.root]


#: The most arguments a Leibniz label spells out.
LABEL_ARGS = 8


def label(graph: Graph, i: int, p: Printer, spell_args: bool = False) -> str:
    """How a node is named in a Leibniz label: ``mul(x_0, w_0)`` on leaves, ``sum`` above them.

    Above the leaves the operation's name alone names the node when no other node above the
    leaves has that operation; where one has (``spell_args``), the arguments are spelled by
    their names (``sum(v_{1}, b)``), so that two sums are never one label.  Past
    :data:`LABEL_ARGS` arguments only the first and the last are spelled: a label in every
    chain of a wide node would make the output quadratic in its width.
    """
    nodes = graph.nodes
    n = nodes[i]
    if n.op is None:
        return p.number(n.number) if n.number is not None else p.symbol(n.var)
    name = n.op.latex_name if p.syntax == "latex" else n.op.name
    if not _bare(graph, i) or spell_args:
        args = [
            p.number(c.number) if c.number is not None else p.symbol(c.var)
            for c in (nodes[k] for k in n.children)
        ]
        if len(args) > LABEL_ARGS:
            args = [args[0], r"\ldots" if p.syntax == "latex" else "…", args[-1]]
        return f"{name}({', '.join(args)})"
    return name


def _bare(graph: Graph, i: int) -> bool:
    """Whether node ``i``'s label is its operation's name alone: above the leaves, or wide."""
    nodes = graph.nodes
    children = nodes[i].children
    return len(children) > LABEL_ARGS or any(nodes[c].op is not None for c in children)


def ambiguous_labels(graph: Graph) -> set[type[Op]]:
    """The operations of more than one node whose label would be the name alone: theirs spell the arguments."""
    seen: set[type[Op]] = set()
    twice: set[type[Op]] = set()
    for i, n in enumerate(graph.nodes):
        if n.op is not None and _bare(graph, i):
            (twice if n.op in seen else seen).add(n.op)
    return twice


def leibniz(parent: type[Op], top: str, bottom: str, child_is_operation: bool) -> str:
    r"""The Leibniz fraction from the two nodes' labels: ``\frac{\partial\,\operatorname{sum}}{\partial\,\operatorname{mul}(x_{0}, w_{0})}``;
    ``d`` for a function of one argument."""
    if parent.unary:
        top = parent.latex_name
    d = "d" if parent.unary else r"\partial"
    sep = r"\," if child_is_operation else " "
    return rf"\frac{{{d}\,{top}}}{{{d}{sep}{bottom}}}"


def leibniz_named(unary: bool, top: str, bottom: str, syntax: str = "latex") -> str:
    r"""A Leibniz fraction between two named quantities: ``rac{\partial L}{\partial a}``, ``da/dz``."""
    if syntax == "latex":
        d = "d" if unary else r"\partial"
        return rf"\frac{{{d} {top}}}{{{d} {bottom}}}"
    d = "d" if unary else "∂"
    return f"{d}{top}/{d}{bottom}"


def leibniz_text(parent: type[Op], top: str, bottom: str) -> str:
    """The same label in plain text: ``∂sum/∂mul(x0, w0)``, ``dReLU/dsum``."""
    top = parent.name if parent.unary else top
    d = "d" if parent.unary else "∂"
    return f"{d}{top}/{d}{bottom}"

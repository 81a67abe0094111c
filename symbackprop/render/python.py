"""The derivation as a standalone Python program in the chapter's style: forward pass, backward pass, update.

Every line is printed from the derivation: each operation through the Python printer, each
local derivative from its edge's template, every name from :class:`ChapterNames`, helpers
from the operations' ``python_helper``.  Nothing here names an operation or computes a
derivative.  The program needs the standard library only (``math`` at most) and prints, as
its last line, the output after the update (or the output).
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from collections.abc import Sequence

import sympy

from .. import numbers
from ..derivation import Derivation
from ..errors import EvaluationError, LimitError
from ..names import ChapterNames
from ..ops import MUL, Op
from ..options import spell
from ..printing import Piece, PythonPrinter, node_piece
from ..steps import Style
from ._kinks import kinks
from ._strings import Strings

# Comments for the chapter's lists, by list name: (the values, their gradients).
ROLES: dict[str, tuple[str, str]] = {
    "x": ("input values", "gradients on inputs"),
    "w": ("weights", "gradients on weights"),
    "b": ("bias", "gradient on bias"),
}

#: The most terms one line of the program adds up (or multiplies): longer ones continue on the next
#: line, so that Python's compiler (which nests such a chain one level per term) takes any width.
TERMS_PER_LINE = 200


class ExactPythonPrinter(PythonPrinter):
    """The generated program of an exact derivation (``--exact``): fractions as ``Fraction(p, q)``,
    a quotient of two integers too, and integer 0 and 1 where the float program writes ``0.`` and
    ``1.`` (a float would end the exact arithmetic of Python's ``fractions``)."""

    def rational(self, p: int, q: int) -> str:
        return f"Fraction({p}, {q})"

    def number(self, n: sympy.Number) -> str:
        if isinstance(n, sympy.Float):  # a decimal written in the expression: the fraction it writes
            from ..evaluate import exact_number

            n = exact_number(n)  # type: ignore[assignment]
        return super().number(n)

    def _print_call(self, op: type[Op], args: Sequence[Piece]) -> str:
        if op.python_template is not None:  # ReLU's max(z, 0.): max(z, 0)
            return _FLOAT_LITERAL.sub(r"\1", op.python_template).format(", ".join(a.text for a in args))
        return super()._print_call(op, args)

    def _print_fraction(self, op: type[Op], args: Sequence[Piece]) -> str:
        a, b = args
        if a.number is not None and b.number is not None and a.number.is_Integer and b.number.is_Integer:
            return f"Fraction({a.text}, {b.text})"
        return super()._print_fraction(op, args)

    def _print_indicator(self, op: type[Op], args: Sequence[Piece]) -> str:
        return f"(1 if {args[0].text} > 0 else 0)"


_FLOAT_LITERAL = re.compile(r"(?<![\w.])([01])\.(?![\w.])")  # 0. and 1. in a template


def num(value: float) -> str:
    """A float literal that reads back to the same float."""
    return numbers.exact(value, "python")


def labelled(names: list[str]) -> str:
    """``print("xw0 =", xw0, "xw1 =", xw1)``: what the program prints says what each number is."""
    return "print(" + ", ".join(f'"{n} =", {n}' for n in names) + ")"


def _is_scalar(key: str, members: list[str]) -> bool:
    """``b: ["b"]`` is a scalar; ``x: ["x0"]`` is a list of one."""
    return members == [key]


class _Program:
    """The pieces of one program, built from one derivation."""

    def __init__(self, d: Derivation) -> None:
        self.d = d
        self.g = d.graph
        self.nodes = d.graph.nodes
        self.names = ChapterNames.of(d.graph, d.style is Style.NAMED)
        self.root = self.nodes[d.graph.root]
        self.factor = self.names.factor
        self.strings = Strings(d)
        self.leaf_names = self._leaf_names()
        self.position = {leaf: j for members in d.arrays.values() for j, leaf in enumerate(members)}
        self.p = (ExactPythonPrinter if d.exact else PythonPrinter)(self.leaf_names)
        # Edges worth a line: those into what depends on a parameter (numbers and data take no gradient).
        depends = d.depends
        self.edges = [e for i in self.g.breadth_first()[1:] if depends[i] for e in self.nodes[i].uses]
        self.kinks = kinks(d)

    # -- names ---------------------------------------------------------------
    def _leaf_names(self) -> dict[str, str]:
        """How each leaf is written: ``x[0]`` in the chapter's lists, else its name, made safe."""
        d = self.d
        out: dict[str, str] = {}
        for key, members in d.arrays.items():
            for j, leaf in enumerate(members):
                out[leaf] = key if _is_scalar(key, members) else f"{key}[{j}]"
        taken = set(keyword.kwlist) | set(dir(builtins)) | {"math", "Fraction", "dvalue", "lr"}
        taken |= set(d.arrays) | {"d" + key for key in d.arrays}
        taken |= {n.var for n in self.nodes if n.op is not None}
        for op in _operations():
            taken |= {op.python_name.split(".")[0]} | _defined_names(op.python_helper)
        taken |= set(self.names.grad.values()) | set(self.factor.values()) | set(self.names.total.values())
        for leaf in d.graph.leaves:
            if leaf in out:
                continue
            safe = leaf
            while safe in taken:
                safe += "_"
            taken.add(safe)
            out[leaf] = safe
        return out

    def leaf(self, name: str) -> str:
        return self.leaf_names.get(name, name)

    def atom(self, i: int) -> Piece:
        """A node as an argument: an operation by its variable, a leaf as written, a number as itself."""
        n = self.nodes[i]
        return self.p.num(n.number) if n.number is not None else self.p.leaf(n.var)

    def gradient(self, leaf: str) -> str:
        """The variable holding a leaf's whole gradient."""
        return self.names.total[leaf]

    # -- sections ------------------------------------------------------------
    def values(self) -> list[str]:
        d = self.d
        lines = []
        for key, members in d.arrays.items():
            text = (
                num(d.values[members[0]])
                if _is_scalar(key, members)
                else "[" + ", ".join(num(d.values[m]) for m in members) + "]"
            )
            note = f"  # {ROLES[key][0]}" if key in ROLES else ""
            lines.append(f"{key} = {text}{note}")
        listed = {m for members in d.arrays.values() for m in members}
        lines += [f"{self.leaf(n)} = {num(d.values[n])}" for n in d.graph.leaves if n not in listed]
        return lines

    def assignment(self, i: int) -> list[str]:
        """``z = xw0 + xw1 + b``; a sum too long for one line continues as ``z = z + ...``."""
        n = self.nodes[i]
        assert n.op is not None
        args = [self.atom(c) for c in n.children]
        if not n.op.continues or len(args) <= TERMS_PER_LINE:
            return [f"{n.var} = {self.p.apply(n.op, args).text}"]
        lines = []
        for start in range(0, len(args), TERMS_PER_LINE):
            chunk = args[start : start + TERMS_PER_LINE]
            if start:
                chunk = [Piece(n.var), *chunk]
            lines.append(f"{n.var} = {self.p.apply(n.op, chunk).text}")
        return lines

    def forward(self, show: bool) -> list[str]:
        """One line per operation in forward order; a blank line (and a print) after each group.

        A group is a run of operations of one kind at one level, as the chapter's ``xw0 ... xw2``.
        """
        lines: list[str] = []
        group: list[int] = []
        levels = self.g.levels
        ops = [i for i, n in enumerate(self.nodes) if n.op is not None]
        for k, i in enumerate(ops):
            n = self.nodes[i]
            lines += self.assignment(i)
            group.append(i)
            following = ops[k + 1] if k + 1 < len(ops) else None
            if following is None or (self.nodes[following].op, levels[following]) != (n.op, levels[i]):
                if show:
                    lines.append(labelled([self.nodes[j].var for j in group]))
                lines.append("")
                group = []
        return lines

    def backward(self) -> list[str]:
        """Level by level from the output: the local derivatives, then the chain rule, then a print."""
        g, grad, factor = self.g, self.names.grad, self.factor
        lines = [
            "# Backward pass",
            "# The derivative from the next layer",
            f"dvalue = {num(self.d.dvalue)}",
            "",
        ]
        levels: dict[int, list[int]] = {}
        for e in self.edges:
            levels.setdefault(g.levels[g.edges[e].child], []).append(e)
        share = self.names.share  # a step used more than once: each use's share, then their sum
        for depth, level in levels.items():
            parents = list(dict.fromkeys(g.parent(e).op for e in level))
            what = ", ".join(op.name for op in parents if op is not None)
            got = [share.get(e, grad[g.edges[e].child]) for e in level]
            if depth == 1:
                op = self.root.op
                assert op is not None
                title = "Derivative" if op.unary else "Partial derivatives"
                lines.append(f"# {title} of {what} and the chain rule")
                lines += self.kink_notes(level)
                lines += [
                    f"{name} = dvalue * {self.strings.operand(e, self.p, MUL + 1)}"
                    for name, e in zip(got, level)
                ]
            else:
                lines.append(f"# Partial derivatives of {what}, the chain rule")
                lines += self.kink_notes(level)
                position = {e: k for k, e in enumerate(level)}
                by_argument = sorted(level, key=lambda e: (g.edges[e].argpos, position[e]))
                top = g.root  # an edge from the output (a step it uses twice, at a lower level too)
                lines += [
                    f"{factor[e]} = {self.strings.derivative(e, self.p)}"
                    for e in by_argument
                    if g.edges[e].parent != top
                ]
                lines += [
                    f"{name} = dvalue * {self.strings.operand(e, self.p, MUL + 1)}"
                    if g.edges[e].parent == top
                    else f"{name} = {grad[g.edges[e].parent]} * {factor[e]}"
                    for name, e in zip(got, level)
                ]
            shared = [
                c
                for c in dict.fromkeys(g.edges[e].child for e in level)
                if g.nodes[c].op is not None and len(g.nodes[c].uses) > 1
            ]
            lines += [f"{grad[c]} = {' + '.join(share[u] for u in g.nodes[c].uses)}" for c in shared]
            shown = [name for name, e in zip(got, level) if e not in share] + [grad[c] for c in shared]
            lines += [labelled(shown), ""]
        lines += self.totals()
        return lines

    def kink_notes(self, level: list[int]) -> list[str]:
        """``# Note: z = 0 is ReLU's kink ...`` for each operation of this level at a kink."""
        parents = {self.g.edges[e].parent for e in level}
        return [
            f"# Note: {k.text(self.d, lambda c: node_piece(self.g, c, self.p).text)}."
            for k in self.kinks
            if k.node in parents
        ]

    def totals(self) -> list[str]:
        """A leaf used more than once: the sum of its paths' gradients; the output itself: dvalue."""
        g, names = self.g, self.names
        if g.nodes[g.root].is_variable:
            return ["# The output is the variable itself", f"{self.gradient(g.leaves[0])} = dvalue", ""]
        multiple = [leaf for leaf in g.leaves if len(g.occurrences[leaf]) > 1]
        if not multiple:
            return []
        lines = ["# Leaves used more than once: the sum over their paths"]
        for leaf in multiple:
            lines.append(f"{self.gradient(leaf)} = {' + '.join(names.grad[i] for i in g.occurrences[leaf])}")
        return [*lines, labelled([self.gradient(leaf) for leaf in multiple]), ""]

    def gradients(self) -> list[str]:
        """The chapter's ``dx = [...]``, ``dw = [...]``, ``db = ...`` for the lists."""
        lines = []
        for key, members in self.d.arrays.items():
            grads = [self.gradient(m) for m in members]
            text = grads[0] if _is_scalar(key, members) else "[" + ", ".join(grads) + "]"
            note = f"  # {ROLES[key][1]}" if key in ROLES else ""
            lines.append(f"d{key} = {text}{note}")
        return [*lines, ""] if lines else []

    def update(self) -> list[str]:
        """One step ``p += -lr * dp`` on the updated leaves, then the forward pass again."""
        step = self.d.step
        assert step is not None
        arrays = self.d.arrays
        listed = {m: key for key, members in arrays.items() for m in members}
        shown = [key for key, members in arrays.items() if any(m in step.values for m in members)]
        shown += [self.leaf(n) for n in step.values if n not in listed]
        lines = ["# Update"]
        if any(n not in listed for n in step.values):
            lines.append(f"lr = {num(step.lr)}")
        lines.append(labelled(shown))
        for name in step.values:
            key = listed.get(name)
            if key is None:
                lines.append(f"{self.leaf(name)} += -lr * {self.gradient(name)}")
                continue
            members = arrays[key]
            grad = f"d{key}" if _is_scalar(key, members) else f"d{key}[{self.position[name]}]"
            lines.append(f"{self.leaf(name)} += {num(-step.lr)} * {grad}")
        lines += [labelled(shown), "", "# Forward pass again"]
        return lines + self.forward(show=False)

    def output(self) -> str:
        return labelled([self.atom(self.g.root).text])

    def body(self) -> str:
        lines = ["# Forward pass", *self.values(), "", *self.forward(show=True)]
        lines += self.backward() + self.gradients()
        if self.d.step is not None:
            lines += self.update()
        else:
            lines.append("# Output")
        lines.append(self.output())
        return "\n".join(lines) + "\n"

    def helpers(self, body: str) -> list[str]:
        """The operations' helper definitions that the body calls, each once, in order of appearance."""
        ops: list[type[Op]] = [n.op for n in self.nodes if n.op is not None]
        for e in self.edges:
            t = self.d.templates[e]
            if t is not None:
                ops += t.operations
        ops += [need for op in ops for need in op.python_needs]  # the helpers a helper calls
        out: list[str] = []
        for op in dict.fromkeys(ops):
            helper = op.python_helper
            text = body + "".join(out)
            if helper and helper not in out and any(f"{name}(" in text for name in _defined_names(helper)):
                out.append(helper)
        return out


def _operations() -> list[type[Op]]:
    """Every operation class, so that no leaf is named like a helper the program may define."""
    out: list[type[Op]] = []
    stack = [Op]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in out:
                out.append(sub)
                stack.append(sub)
    return out


def _defined_names(source: str) -> set[str]:
    return {
        node.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }


def render(d: Derivation) -> str:
    """The program for ``d``: forward pass, backward pass with the chapter's names, update, output."""
    missing = [name for name in d.graph.leaves if name not in d.values]
    if missing:
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise EvaluationError(
            f"the Python program computes numbers, and there is no value for {', '.join(missing[:10])}{more}"
            f" (give it with {spell('at', value=True)})"
        )
    program = _Program(d)
    body = program.body()
    _check_compiles(body)
    # A leaf is never named like a helper or ``math`` (``_leaf_names``), so these names in the text
    # are the calls themselves.
    helpers = [helper.rstrip("\n") + "\n" for helper in program.helpers(body)]
    imports = "import math\n" if any("math." in text for text in (body, *helpers)) else ""
    if "Fraction(" in body:  # an exact derivation's numbers
        imports += "from fractions import Fraction\n"
    return "\n\n".join([*([imports] if imports else []), *helpers, body])


#: A line with fewer operators than this nests too shallowly for Python's compiler to refuse it
#: (a chain of binary operators nests one level each; a list of names nests none).
DEEP_LINE = 500


_OPERATORS = (" + ", " - ", " * ", " / ", " ** ", "(")


def _check_compiles(body: str) -> None:
    """Python's compiler refuses very deeply nested lines: say which one, and that another format works."""
    for line in body.splitlines():
        if (
            len(line) < DEEP_LINE
            or line.count(" ") < DEEP_LINE
            or sum(map(line.count, _OPERATORS)) < DEEP_LINE
        ):
            continue
        try:
            compile(line, "<symbackprop>", "exec")
        except (RecursionError, MemoryError):
            raise LimitError(
                f"the Python program's line for {line.split(' = ')[0][:60]} is nested too deeply for Python "
                f"to compile; choose another {spell('format')}"
            ) from None

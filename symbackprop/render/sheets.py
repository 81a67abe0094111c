"""An exercise sheet and its key as blocks, in Markdown, LaTeX (a standalone document puts the key on
its own page) and JSON.  What is blank and every number were decided by :mod:`symbackprop.sheets`;
the equations come from the LaTeX renderer's forms and the derivation's strings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import numbers
from ..names import latex_name
from .blocks import (
    Block,
    BulletList,
    Code,
    Heading,
    Math,
    Paragraph,
    aligned,
    code,
    math,
    text,
    to_latex_pages,
    to_markdown,
)
from .json import _dump
from .latex import local_factor

if TYPE_CHECKING:
    from ..sheets import Exercise, Question

#: The most rows one display holds (a display does not break across pages).
ROWS = 12
#: A blank to fill in, in the equations (KaTeX, MathJax and LaTeX all draw it).
BLANK = r"\underline{\hspace{4em}}"
CELL = r"\underline{\hspace{2.5em}}"


def tt(name: str) -> str:
    r"""A quantity's name as code inside math: ``\mathtt{drelu\_dz}``."""
    return r"\mathtt{" + name.replace("_", r"\_") + "}"


def _num(value: float) -> str:
    return numbers.exact(value, "latex")


def _factor(value: float) -> str:
    return numbers.factor(value, "latex")


# --- a neuron's or an expression's sheet -------------------------------------------------------------


class _Scalar:
    def __init__(self, ex: Exercise) -> None:
        from ._strings import Strings

        self.ex = ex
        self.d = ex.result.derivation
        self.strings = Strings(self.d)
        self.values = ex.values
        self.factors_blank = any(q.blank for q in ex.questions if q.part == "factor")

    def row(self, q: Question, key: bool) -> str:
        """One question as a row of ``aligned``: its name, what it is made of, then its blank or its numbers."""
        d, s, v = self.d, self.strings, self.values
        lhs = f"{tt(q.name)} &= "
        if q.role == "factor":
            label, local = s.label(q.ref), s.derivative(q.ref)
            if q.blank and not key:
                return lhs + f"{label} = {BLANK}"
            shown = [label, local] + ([_num(q.value)] if local != _num(q.value) else [])
            return lhs + " = ".join(shown)
        if q.role == "edge":
            up, fac = q.inputs
            top = d.graph.edges[q.ref].parent == d.graph.root
            local = s.label(q.ref) if top and self.factors_blank and not key else s.derivative(q.ref)
            formula = f"{tt(up)} \\cdot " + (local_factor(local) if top else tt(fac))
            numbers_ = f"{_factor(v[up])} \\cdot {_factor(v[fac])}"
        elif q.role in ("sum", "total"):
            formula = " + ".join(tt(i) for i in q.inputs)
            numbers_ = " + ".join(_factor(v[i]) for i in q.inputs)
        elif q.role == "update":
            leaf, lr, grad = q.inputs
            formula = f"{latex_name(leaf)} - \\mathit{{lr}} \\cdot {tt(grad)}"
            numbers_ = f"{_num(v[leaf])} - {_factor(v[lr])} \\cdot {_factor(v[grad])}"
        else:  # the output after the update
            root = d.graph.nodes[d.graph.root].var
            formula = rf"{latex_name(root)} \text{{ again, after the update}}"
            numbers_ = ""
        if q.blank and not key:
            return lhs + f"{formula} = {BLANK}"
        return lhs + " = ".join(p for p in (formula, numbers_, _num(q.value)) if p)

    def levels(self, questions: list[Question]) -> list[tuple[str, list[Question]]]:
        """The questions level by level from the output, as the chapter goes (9.1 ReLU, 9.2 the sum,
        9.3 the products), each level titled by the operations it goes back through."""
        g = self.d.graph
        groups: list[tuple[int, list[Question]]] = []
        for q in questions:
            if q.role in ("factor", "edge"):
                level = g.levels[g.edges[q.ref].child]
            else:  # a sum over a value's uses, or a leaf's occurrences: where its last part was
                level = groups[-1][0] if groups else 0
            if not groups or groups[-1][0] != level:
                groups.append((level, []))
            groups[-1][1].append(q)
        out = []
        for _, group in groups:
            ops = [g.parent(q.ref).op for q in group if q.role in ("factor", "edge")]
            names = list(dict.fromkeys(op.name for op in ops if op is not None))
            out.append((f"Back through {' and '.join(names) or 'the sums'}:", group))
        return out

    def given(self) -> list[Block]:
        from . import latex
        from .text import leaf_lists

        d = self.d
        values = [text(code(f"{k} = {value}")) for k, value in leaf_lists(d, d.values)]
        values.append(
            text(code(f"dvalue = {numbers.exact(d.dvalue)}"), " (the gradient from the next layer)")
        )
        if d.step is not None:
            values.append(text(code(f"lr = {numbers.exact(d.step.lr)}"), " (the learning rate of one step)"))
        out: list[Block] = [
            Paragraph(text("The function, as nested functions:")),
            Math(latex.nested_block(d, self.strings), "The function"),
            Paragraph(text("The values:")),
            BulletList(tuple(values)),
            Heading(2, text("The forward pass (given)")),
            Math(latex.forward_block(d), "Forward pass"),
        ]
        return out

    def questions(self, key: bool) -> list[Block]:
        ex = self.ex
        backward = [q for q in ex.questions if q.part != "update"]
        update = [q for q in ex.questions if q.part == "update"]
        out: list[Block] = [Heading(2, text("The backward pass"))]
        if not key:
            out.append(Paragraph(text(_instructions(ex))))
        for title, group in self.levels(backward):
            out.append(Paragraph(text(title)))
            for start in range(0, len(group), ROWS):
                out.append(Math(aligned([self.row(q, key) for q in group[start : start + ROWS]]), title))
        if update:
            out.append(Heading(2, text("The update")))
            out.append(Math(aligned([self.row(q, key) for q in update]), "Update"))
        return out


# --- a network's sheet ----------------------------------------------------------------------------------


class _Network:
    def __init__(self, ex: Exercise) -> None:
        self.ex = ex
        self.nd = ex.result.derivation

    def given(self) -> list[Block]:
        from .network import latex as network_latex
        from .network._matrices import summary

        out: list[Block] = [Paragraph(text(summary(self.nd)))]
        out += [b for b in network_latex.blocks(self.nd) if b.role == "expression"]
        return out

    def questions(self, key: bool) -> list[Block]:
        from .network._matrices import bmatrix, shape_text

        out: list[Block] = [Heading(2, text("The backward pass"))]
        if not key:
            out.append(Paragraph(text(_instructions(self.ex))))
        for q in self.ex.questions:
            value = q.value
            shape = getattr(value, "shape", ())
            out.append(Paragraph(text(code(q.rule), f" ({shape_text(shape)}):" if shape else ":")))
            if q.blank and not key:
                body = BLANK if not shape else _blank_matrix(shape)
            else:
                body = bmatrix(value) if shape else _num(float(value))
            out.append(Math(f"{tt(q.name)} = {body}", q.name))
        return out


def _blank_matrix(shape: tuple[int, ...]) -> str:
    rows, cols = (1, shape[0]) if len(shape) == 1 else shape
    lines = [" & ".join([CELL] * cols) for _ in range(rows)]
    return r"\begin{bmatrix} " + r" \\ ".join(lines) + r" \end{bmatrix}"


# --- the sheet and the key ------------------------------------------------------------------------------


def _instructions(ex: Exercise) -> str:
    parts = {"factor": "the local derivatives", "gradient": "the gradients", "update": "the update"}
    blank = [parts[p] for p in parts if any(q.blank and q.part == p for q in ex.questions)]
    if not blank:
        return "Nothing is blank: every step is given, as a worked example."
    listed = blank[0] if len(blank) == 1 else ", ".join(blank[:-1]) + " and " + blank[-1]
    return f"Fill in every blank ({listed}): each is one number{'' if not ex.network else ' or matrix'}."


def _subject(ex: Exercise) -> tuple[Block, ...]:
    if ex.network:
        return (Heading(1, text("Exercise: backpropagation through a network")),)
    from .latex import flat_block

    d = ex.result.derivation
    seed = f" (seed {ex.seed})" if ex.seed is not None else ""
    if d.kind.value == "neuron":
        return (Heading(1, text(f"Exercise: backpropagation through one neuron{seed}")),)
    return (Heading(1, text("Exercise: backpropagation through ", math(flat_block(d)), seed)),)


def _view(ex: Exercise) -> _Scalar | _Network:
    return _Network(ex) if ex.network else _Scalar(ex)


def sheet(ex: Exercise, printed: bool = False) -> list[Block]:
    """The sheet; ``printed`` (LaTeX, for paper) leaves out the answers file to copy."""
    view = _view(ex)
    out: list[Block] = [*_subject(ex), *view.given(), *view.questions(key=False)]
    out += [
        Heading(2, text("Checking your answers")),
        Paragraph(
            text(f"Write each answer on a line of its own, NAME = VALUE, in a file {_file(ex)}, and run:")
        ),
        Code(ex.check_command, "sh"),
    ]
    if not printed:
        out.append(Code(_template(ex), "json" if ex.network else "python"))
    return out


def key(ex: Exercise) -> list[Block]:
    seed = f" (seed {ex.seed})" if ex.seed is not None else ""
    out: list[Block] = [Heading(1, text(f"Answer key{seed}")), *_view(ex).questions(key=True)]
    out += [
        Paragraph(
            text(f"The key as an answers file ({_file(ex)}), which the command above checks as right:")
        ),
        Code(_answers(ex), "json" if ex.network else "python"),
    ]
    return out


def _file(ex: Exercise) -> str:
    return "answers.json" if ex.network else "answers.py"


def _template(ex: Exercise) -> str:
    if ex.network:
        return "{\n" + ",\n".join(f'  "{q.name}": [...]' for q in ex.questions if q.blank) + "\n}\n"
    return "".join(f"{q.name} = ...\n" for q in ex.questions if q.blank) or "# nothing to fill in\n"


def _answers(ex: Exercise) -> str:
    if ex.network:
        import json

        return json.dumps({q.name: _plain(q.value) for q in ex.questions}, indent=1) + "\n"
    # an exact value as --check reads it back (1/3), not as a program writes it (Fraction(1, 3))
    return "".join(f"{q.name} = {numbers.exact(q.value, 'infix')}\n" for q in ex.questions)


def _plain(value: Any) -> Any:
    if numbers.is_exact(value):  # JSON's numbers are floats; "exact" has the value as it is
        return float(value)
    return value.tolist() if hasattr(value, "tolist") else value


def markdown(ex: Exercise) -> str:
    return to_markdown(sheet(ex)) + "\n---\n\n" + to_markdown(key(ex))


def latex(ex: Exercise, standalone: bool = False) -> str:
    return to_latex_pages([sheet(ex, printed=True), key(ex)], standalone)


def to_dict(ex: Exercise) -> dict[str, Any]:
    """The sheet as data: what is blank, and the key by the names ``--check`` reads."""
    out = {
        "schema": 1,
        "seed": ex.seed,
        "blank": ex.blank,
        "check": ex.check_command,
        "questions": [
            {"name": q.name, "part": q.part, "blank": q.blank, "rule": q.rule, "value": _plain(q.value)}
            for q in ex.questions
        ],
        "key": {q.name: _plain(q.value) for q in ex.questions},
        "warnings": ex.warnings,
    }
    if any(numbers.is_exact(q.value) for q in ex.questions):  # --exact: the floats, and each value as it is
        out["exact"] = {q.name: numbers.exact(q.value, "infix") for q in ex.questions}
    return out


def json_text(ex: Exercise) -> str:
    return _dump(to_dict(ex), "") + "\n"

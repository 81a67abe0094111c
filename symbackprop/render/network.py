"""A network's derivation in every format: the matrix view's equations, the scalar view's chains.

Everything here reads a :class:`symbackprop.network.NetworkDerivation`.  The matrix view prints
each equation with the shapes, then with the numbers; rules come from the activation and loss
tables (and, for elementwise activations, from the operations themselves).  The scalar view
prints the paths that :mod:`symbackprop.chain` found, factor by factor; nothing here names an
operation or computes a derivative.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._network import LOSSES, LayerPass, NetworkDerivation, Param, ScalarView, latex_name

#: Significant digits of the numbers in LaTeX, Markdown and text (JSON and Python keep every digit).
DIGITS = 8
#: Larger matrices show their corners with dots (pdflatex's bmatrix takes at most 10 columns).
MAX_SHOWN = 10
HEAD, TAIL = 6, 2
#: The scalar view writes out at most this many paths one by one.
MAX_PATHS_SHOWN = 12

PREAMBLE = r"""\documentclass{article}
\usepackage[utf8]{inputenc}
\usepackage{amsmath}
\usepackage{amssymb}
\begin{document}
"""


# --- numbers and matrices --------------------------------------------------------------


def lnum(value: float) -> str:
    """A number in LaTeX, to :data:`DIGITS` significant digits."""
    from ..printing import format_number

    rounded = float(f"{float(value):.{DIGITS}g}") + 0.0
    return format_number(rounded, "latex")


def tnum(value: float) -> str:
    rounded = float(f"{float(value):.{DIGITS}g}") + 0.0
    return str(int(rounded)) if rounded.is_integer() and abs(rounded) < 1e15 else repr(rounded)


def factor(value: float) -> str:
    """A number as a factor in a LaTeX product: negatives in parentheses."""
    text = lnum(value)
    return f"({text})" if text.startswith("-") else text


def _shown(n: int) -> list[int | None]:
    """Indices to show; None is the place of the dots."""
    if n <= MAX_SHOWN:
        return list(range(n))
    return [*range(HEAD), None, *range(n - TAIL, n)]


def bmatrix(array: np.ndarray) -> str:
    """``\\begin{bmatrix} … \\end{bmatrix}``; a vector is one row; large matrices keep their corners."""
    a = np.atleast_2d(np.asarray(array, dtype=np.float64))
    rows, cols = _shown(a.shape[0]), _shown(a.shape[1])
    lines = []
    for r in rows:
        cells = []
        for c in cols:
            if r is None:
                cells.append(r"\ddots" if c is None else r"\vdots")
            else:
                cells.append(r"\cdots" if c is None else lnum(a[r, c]))
        lines.append(" & ".join(cells))
    return r"\begin{bmatrix} " + r" \\ ".join(lines) + r" \end{bmatrix}"


def tmatrix(array: np.ndarray, indent: str = "  ") -> str:
    """A matrix as NumPy prints it (the book's printouts), to :data:`DIGITS` digits."""
    text = np.array2string(
        np.asarray(array, dtype=np.float64),
        precision=DIGITS,
        floatmode="maxprec",
        threshold=MAX_SHOWN * MAX_SHOWN,
        edgeitems=3,
        max_line_width=110,
    )
    return "\n".join(indent + line for line in text.splitlines())


def _under(body: str, shape: Sequence[int]) -> str:
    dims = r" \times ".join(map(str, shape))
    return rf"\underbrace{{{body}}}_{{{dims}}}"


def _shape(shape: Sequence[int]) -> str:
    return "×".join(map(str, shape))


# --- names ----------------------------------------------------------------------------------


def d(name: str) -> str:
    """∂L/∂name in LaTeX."""
    return rf"\frac{{\partial L}}{{\partial {name}}}"


def W(k: int) -> str:
    return f"W^{{[{k}]}}"


def b(k: int) -> str:
    return f"b^{{[{k}]}}"


def Z(k: int) -> str:
    return f"Z^{{[{k}]}}"


def A(nd: NetworkDerivation, k: int) -> str:
    """Layer k's output; the last one is Ŷ when a loss compares it with targets."""
    if k == 0:
        return "X"
    if k == len(nd.layers) and nd.upstream == "loss":
        return r"\hat{Y}"
    return f"A^{{[{k}]}}"


def T(name: str) -> str:
    """A transpose: ``X^{\\top}``, ``A^{[1]\\top}``, ``a^{[1]\\top}_{s}``."""
    if "^{" in name:
        return re.sub(r"\^\{([^{}]*)\}", lambda m: "^{" + m.group(1) + r"\top}", name, count=1)
    return name + r"^{\top}"


def jacobian(lp: LayerPass, a: str) -> str:
    """The activation's Jacobian of the row ``a``, in LaTeX."""
    return lp.activation.jacobian_latex.format(a=a, aT=T(a))


def tA(nd: NetworkDerivation, k: int) -> str:
    if k == 0:
        return "X"
    if k == len(nd.layers) and nd.upstream == "loss":
        return "Ŷ"
    return f"A{k}"


# --- the matrix view in LaTeX ---------------------------------------------------------------


def display(body: str) -> str:
    return f"\\[\n{body}\n\\]"


def aligned(rows: list[str]) -> str:
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def _activation_latex(lp: LayerPass, nd: NetworkDerivation) -> tuple[str, str | None]:
    """(forward formula of A from Z, elementwise derivative f'(Z) or None), printed from the operation."""
    op = lp.activation.op
    if op is None:
        return Z(lp.number), None
    import sympy

    from ..printing import MUL, Printer, precedence

    p = Printer("latex", {"Z": Z(lp.number)})
    z = sympy.Symbol("Z")
    forward = p.call(op, [z])
    if lp.activation.rowwise:
        return forward, None
    local = op.local([z], 0)
    text = p.expr(local)
    return forward, (rf"\left({text}\right)" if precedence(local) < MUL else text)


def forward_block(nd: NetworkDerivation, lp: LayerPass) -> str:
    k = lp.number
    n, n_in = lp.inputs.shape
    n_out = lp.z.shape[1]
    rows = [
        f"{_under(Z(k), (n, n_out))} &= {_under(A(nd, k - 1), (n, n_in))} \\cdot {_under(W(k), (n_in, n_out))}"
        f" + {_under(b(k), (1, n_out))}",
        f"&= {bmatrix(lp.inputs)} \\cdot {bmatrix(lp.layer.weights)} + {bmatrix(lp.layer.biases)}",
        f"&= {bmatrix(lp.z)}",
    ]
    forward, _ = _activation_latex(lp, nd)
    if lp.activation.op is not None:
        rows.append(f"{A(nd, k)} &= {forward} = {bmatrix(lp.output)}")
    elif k == len(nd.layers) and nd.upstream == "loss":
        rows.append(f"{A(nd, k)} &= {Z(k)}")
    return aligned(rows)


def loss_block(nd: NetworkDerivation) -> str | None:
    rule, spec = nd.rule, nd.spec
    if rule is None or spec.loss is None or nd.sample_losses is None or nd.loss is None:
        return None
    rows = [f"Y &= {bmatrix(spec.loss.targets)}"]
    if spec.loss.classes is not None:
        classes = [str(int(c)) for c in spec.loss.classes]
        listed = ", ".join(classes if len(classes) <= 2 * MAX_SHOWN else [*classes[:MAX_SHOWN], r"\ldots"])
        rows[0] += rf" \quad (\text{{the classes }} {listed} \text{{ as one-hot rows}})"
    rows.append(f"{rule.latex} &= {bmatrix(nd.sample_losses)}_{{s}}")
    n = spec.samples
    rows.append(rf"L &= \frac{{1}}{{N}} \sum_{{s=0}}^{{{n - 1}}} L_{{s}} = {lnum(nd.loss)}")
    return aligned(rows)


def upstream_block(nd: NetworkDerivation) -> str:
    """The gradient arriving at the last layer: from the loss, given, or ones."""
    last = nd.layers[-1]
    k = last.number
    shape = last.output.shape
    rule = nd.rule
    if nd.combined and nd.spec.loss is not None:
        return aligned(
            [
                rf"{_under(d(Z(k)), shape)} &= \frac{{1}}{{N}}\left({_under(A(nd, k), shape)} - {_under('Y', shape)}\right)",
                rf"&= \frac{{1}}{{{nd.spec.samples}}}\left({bmatrix(last.output)} - {bmatrix(nd.spec.loss.targets)}\right)",
                f"&= {bmatrix(last.dz)}",
            ]
        )
    if rule is not None:
        return aligned(
            [f"{_under(d(A(nd, k)), shape)} &= {rule.latex_gradient}", f"&= {bmatrix(last.doutput)}"]
        )
    note = (
        r"\text{(given: dvalues)}"
        if nd.upstream == "dvalues"
        else r"\text{(ones: a gradient of 1 from the next layer)}"
    )
    return aligned([f"{d(A(nd, k))} &= {bmatrix(last.doutput)} \\quad {note}"])


def separate_block(nd: NetworkDerivation) -> str | None:
    """Softmax + cross-entropy the long way: the loss's gradient, then each sample's Jacobian."""
    last = nd.layers[-1]
    if not nd.combined or last.jacobians is None or last.dz_separate is None:
        return None
    k = last.number
    rule = LOSSES["categorical_crossentropy"]
    y0, ys = r"\hat{y}_{0}", r"\hat{y}_{s}"
    jac = jacobian(last, r"\hat{y}_{s}")
    difference = float(np.max(np.abs(last.dz - last.dz_separate)))
    return aligned(
        [
            f"{d(A(nd, k))} &= {rule.latex_gradient} = {bmatrix(last.doutput)}",
            rf"J_{{s}} &= {jac}, \quad J_{{0}} = {jacobian(last, y0)} = {bmatrix(last.jacobians[0])}",
            rf"{d(f'z^{{[{k}]}}_{{s}}')} &= J_{{s}} \cdot {d(ys)}"
            rf" \quad\Rightarrow\quad {d(Z(k))} = {bmatrix(last.dz_separate)}",
            rf"\max \left| \text{{combined}} - \text{{separate}} \right| &= {lnum(difference)}",
        ]
    )


def activation_block(nd: NetworkDerivation, lp: LayerPass) -> str:
    """∂L/∂Z from ∂L/∂A: the elementwise derivative (the ReLU mask ...) or each row's Jacobian."""
    k = lp.number
    shape = lp.z.shape
    out = A(nd, k)
    _, derivative = _activation_latex(lp, nd)
    act = lp.activation
    if act.rowwise and lp.jacobians is not None:
        a_s = f"a^{{[{k}]}}_{{s}}"
        return aligned(
            [
                rf"{d(f'z^{{[{k}]}}_{{s}}')} &= J_{{s}} \cdot {d(a_s)}, \quad J_{{s}} = {jacobian(lp, a_s)}",
                rf"J_{{0}} &= {bmatrix(lp.jacobians[0])}",
                f"{_under(d(Z(k)), shape)} &= {bmatrix(lp.dz)}",
            ]
        )
    if derivative is None or lp.derivative is None:  # linear: A = Z
        return aligned(
            [rf"{d(Z(k))} &= {d(out)} = {bmatrix(lp.dz)} \quad (\text{{linear: }} {out} = {Z(k)})"]
        )
    return aligned(
        [
            rf"{_under(d(Z(k)), shape)} &= {_under(derivative, shape)} \odot {_under(d(out), shape)}",
            rf"&= {bmatrix(lp.derivative)} \odot {bmatrix(lp.doutput)}",
            f"&= {bmatrix(lp.dz)}",
        ]
    )


def dense_blocks(nd: NetworkDerivation, lp: LayerPass) -> list[tuple[str, str]]:
    """dweights = inputsᵀ · dz, dbiases = Σ over samples of dz, dinputs = dz · Wᵀ."""
    k = lp.number
    n, n_in = lp.inputs.shape
    n_out = lp.z.shape[1]
    x = A(nd, k - 1)
    dweights = aligned(
        [
            f"{_under(d(W(k)), (n_in, n_out))} &= {_under(T(x), (n_in, n))} \\cdot {_under(d(Z(k)), (n, n_out))}",
            rf"&= {bmatrix(lp.inputs.T)} \cdot {bmatrix(lp.dz)}",
            f"&= {bmatrix(lp.dweights)}",
        ]
    )
    rows = [rf"{_under(d(b(k)), (1, n_out))} &= \sum_{{s=0}}^{{{n - 1}}} {d(f'Z^{{[{k}]}}_{{s,:}}')}"]
    if n <= 4:
        rows.append("&= " + " + ".join(bmatrix(row) for row in lp.dz))
    rows.append(f"&= {bmatrix(lp.dbiases)}")
    dbiases = aligned(rows)
    dinputs = aligned(
        [
            f"{_under(d(x), (n, n_in))} &= {_under(d(Z(k)), (n, n_out))} \\cdot {_under(T(W(k)), (n_out, n_in))}",
            rf"&= {bmatrix(lp.dz)} \cdot {bmatrix(lp.layer.weights.T)}",
            f"&= {bmatrix(lp.dinputs)}",
        ]
    )
    return [
        (f"Layer {k}: the weights' gradient", dweights),
        (f"Layer {k}: the biases' gradient, summed over the samples", dbiases),
        (
            f"Layer {k}: the inputs' gradient, passed to {'the inputs' if k == 1 else f'layer {k - 1}'}",
            dinputs,
        ),
    ]


def step_block(nd: NetworkDerivation) -> str | None:
    step = nd.step
    if step is None:
        return None
    eta = factor(step.lr)
    rows = []
    for lp, w, bias in zip(nd.layers, step.weights, step.biases):
        k = lp.number
        rows.append(
            rf"{W(k)} &\leftarrow {W(k)} - \eta\, {d(W(k))} = {bmatrix(lp.layer.weights)} - {eta} \cdot "
            rf"{bmatrix(lp.dweights)} = {bmatrix(w)}"
        )
        rows.append(
            rf"{b(k)} &\leftarrow {b(k)} - \eta\, {d(b(k))} = {bmatrix(lp.layer.biases)} - {eta} \cdot "
            rf"{bmatrix(lp.dbiases)} = {bmatrix(bias)}"
        )
    if step.loss is not None and nd.loss is not None:
        rows.append(rf"L &= {lnum(step.loss)} \quad (\text{{was }} {lnum(nd.loss)})")
    return aligned(rows)


def matrix_blocks(nd: NetworkDerivation) -> list[tuple[str, str]]:
    """(comment, display body) for the matrix view: forward, loss, backward layer by layer, step."""
    out: list[tuple[str, str]] = []
    for lp in nd.layers:
        out.append((f"Forward pass, layer {lp.number}", forward_block(nd, lp)))
    loss = loss_block(nd)
    if loss is not None:
        out.append((f"Loss: {nd.rule.title if nd.rule else ''}", loss))
    if nd.combined:
        out.append(("Backward pass: softmax and cross-entropy combined, (ŷ - y) / N", upstream_block(nd)))
        separate = separate_block(nd)
        if separate is not None:
            out.append(("The separate route: cross-entropy's gradient, then the softmax Jacobian", separate))
    else:
        out.append(("Backward pass: the gradient arriving at the last layer", upstream_block(nd)))
    for lp in reversed(nd.layers):
        if not (nd.combined and lp is nd.layers[-1]):
            out.append((f"Layer {lp.number}: back through the activation", activation_block(nd, lp)))
        out += dense_blocks(nd, lp)
    step = step_block(nd)
    if step is not None:
        out.append(("One step of gradient descent", step))
    return out


# --- the scalar view -------------------------------------------------------------------------

_NAME = re.compile(r"([A-Za-z]+)(\d*)(?:\[([\d,]+)\])?")
_LETTERS = "kmnpqtuv"
_SAMPLED = {"X", "z", "a", "r", "l", "L", "dvalues"}  # names whose first index is the sample


class Chains:
    """The paths to one parameter, with what the renderers print of them."""

    def __init__(self, sv: ScalarView, param: Param) -> None:
        assert sv.derivation is not None
        self.sv = sv
        self.param = param
        self.graph = sv.derivation.graph
        self.paths = sv.paths(param.name)
        self.total = sv.total(param.name)
        self._pattern = self.pattern()

    # -- printing nodes --------------------------------------------------------------------
    def printed(self, i: int, names: dict[str, str], syntax: str) -> str:
        """A node as it appears in a label: a named quantity by name, an operation between them as itself."""
        import sympy

        from ..printing import Printer

        node = self.graph.nodes[i]
        if node.op is None or not node.var.startswith("_"):
            return names.get(node.var, node.var)
        args = []
        sub = dict(names)
        for c in node.children:
            child = self.graph.nodes[c]
            if child.op is None and not child.is_variable:
                args.append(child.expr)
                continue
            sym = f"_arg{c}"
            text = self.printed(c, names, syntax)
            sub[sym] = text
            args.append(sympy.Symbol(sym))
        printer = Printer("latex" if syntax == "latex" else "text", sub)
        text = node.op.flat(printer, args)
        return text if node.op.prec >= 1000 else printer.parens(text)

    def label(self, i: int, names: dict[str, str], syntax: str) -> str:
        node = self.graph.nodes[i]
        parent = self.graph.parent(i)
        assert parent.op is not None
        top = self.printed(node.parent, names, syntax)  # type: ignore[arg-type]
        bottom = self.printed(i, names, syntax)
        dee = "d" if parent.op.unary else (r"\partial" if syntax == "latex" else "∂")
        if syntax == "latex":
            space = r"\," if dee == "d" else " "
            return rf"\frac{{{dee}{space}{top}}}{{{dee}{space}{bottom}}}"
        return f"{dee}{top}/{dee}{bottom}"

    def derivative(self, i: int, syntax: str) -> str:
        from ..printing import MUL, Printer, precedence

        node = self.graph.nodes[i]
        assert node.local is not None
        names = self.sv.latex_names if syntax == "latex" else self.sv.text_names
        p = Printer("latex" if syntax == "latex" else "text", names)
        text = p.expr(node.local)
        return p.parens(text) if precedence(node.local) < MUL else text

    # -- the pattern: Σ over samples and neurons ------------------------------------------------
    def mentions(self, path: Sequence[int]) -> list[str]:
        """The named quantities a path's labels print, in order."""
        out: list[str] = []

        def visit(i: int) -> None:
            node = self.graph.nodes[i]
            if node.op is not None and node.var.startswith("_"):
                for c in node.children:
                    if self.graph.nodes[c].op is not None or self.graph.nodes[c].is_variable:
                        visit(c)
            else:
                out.append(node.var)

        visit(self.graph.root)
        for i in path:
            visit(i)
        return out

    def pattern(self) -> Pattern | None:
        """The first path's names with the indices that vary from path to path as letters; None when
        there is one path, or the paths do not line up."""
        if len(self.paths) < 2:
            return None
        mentioned = [self.mentions(p.nodes) for p in self.paths]
        if len({len(m) for m in mentioned}) != 1:
            return None
        parsed: list[list[tuple[str, str, list[str]]]] = []
        for names in mentioned:
            row = []
            for name in names:
                m = _NAME.fullmatch(name)
                if m is None:
                    return None
                row.append((m.group(1), m.group(2), m.group(3).split(",") if m.group(3) else []))
            parsed.append(row)
        if len({tuple((base, layer, len(index)) for base, layer, index in row) for row in parsed}) != 1:
            return None
        columns: dict[tuple[int, int], tuple[int, ...]] = {}
        for pos, (_, _, index) in enumerate(parsed[0]):
            for slot in range(len(index)):
                values = tuple(int(row[pos][2][slot]) for row in parsed)
                if len(set(values)) > 1:
                    columns[(pos, slot)] = values
        classes: dict[tuple[int, ...], str] = {}
        letters = iter(_LETTERS)
        for (pos, slot), values in columns.items():
            if values not in classes:
                sampled = slot == 0 and parsed[0][pos][0] in _SAMPLED
                classes[values] = "s" if sampled and "s" not in classes.values() else next(letters, "i")
        latex: dict[str, str] = {}
        text: dict[str, str] = {}
        for pos, name in enumerate(mentioned[0]):
            base, layer, index = parsed[0][pos]
            if index:
                index = [
                    classes[columns[(pos, slot)]] if (pos, slot) in columns else v
                    for slot, v in enumerate(index)
                ]
                generic = f"{base}{layer}[{','.join(index)}]"
            else:
                generic = name
            latex[name], text[name] = latex_name(generic), generic
        sums = [(letter, sorted(set(values))) for values, letter in classes.items()]
        at = [{letter: values[k] for values, letter in classes.items()} for k in range(len(self.paths))]
        combos = {tuple(sorted(a.items())) for a in at}
        full = len(combos) == len(self.paths) == math.prod(len(v) for _, v in sums)
        return Pattern(latex, text, sums, full, at)

    def where(self, k: int, syntax: str) -> str:
        """``s = 0, k = 1``: the letters' values on path k."""
        if self._pattern is None:
            return f"path {k + 1}"
        sep = r",\; " if syntax == "latex" else ", "
        return sep.join(f"{letter} = {value}" for letter, value in self._pattern.at[k].items())


@dataclass(frozen=True)
class Pattern:
    """The paths to one parameter as one product summed over letters (s for samples, k, m ... for neurons)."""

    latex: dict[str, str]  # a name on the first path -> its generic form, e.g. z2[0,1] -> z^{[2]}_{s,k}
    text: dict[str, str]
    sums: list[tuple[str, list[int]]]  # each letter and the values it takes
    full: bool  # every combination of the values is a path (so the sums are independent)
    at: list[dict[str, int]]  # each path's values of the letters


def _sum_sign(letter: str, values: list[int], syntax: str) -> str:
    contiguous = values == list(range(values[0], values[-1] + 1))
    if syntax == "latex":
        if contiguous:
            return rf"\sum_{{{letter}={values[0]}}}^{{{values[-1]}}}"
        return rf"\sum_{{{letter} \in \{{{', '.join(map(str, values))}\}}}}"
    if contiguous:
        return f"Σ_{letter}={values[0]}..{values[-1]}"
    return f"Σ_{letter}∈{{{','.join(map(str, values))}}}"


def _matrix_entry(p: Param, syntax: str) -> str:
    where = ",".join(map(str, p.index))
    if syntax == "latex":
        what = {"W": W(p.layer), "b": b(p.layer), "X": "X"}[p.kind]
        return rf"{d(what)}\Big|_{{{where}}}"
    what = {"W": f"dweights of layer {p.layer}", "b": f"dbiases of layer {p.layer}", "X": "dinputs"}[p.kind]
    return f"{what} at [{where}]"


def scalar_block(sv: ScalarView, param: Param) -> str:
    """One parameter's chains: the sum over samples and neurons, each path's factors and numbers, the total."""
    lhs = d(latex_name(param.name))
    if sv.derivation is None or not sv.paths(param.name):
        return aligned(
            [rf"{lhs} &= 0 \quad (\text{{no path from the loss reaches }} {latex_name(param.name)})"]
        )
    ch = Chains(sv, param)
    names = sv.latex_names
    matrix = rf"\quad \left(= {_matrix_entry(param, 'latex')} = {lnum(sv.matrix[param.name])}\right)"
    if len(ch.paths) == 1:
        path = ch.paths[0]
        labels = r" \cdot ".join(ch.label(i, names, "latex") for i in path.nodes)
        derivs = r" \cdot ".join(ch.derivative(i, "latex") for i in path.nodes)
        values = r" \cdot ".join(factor(ch.graph.nodes[i].local_value) for i in path.nodes)
        return aligned(
            [
                f"{lhs} &= {labels}",
                f"&= {derivs}",
                f"&= {values} = {lnum(path.value)}",
                f"&= {lnum(ch.total)} {matrix}",
            ]
        )
    pattern = ch._pattern
    first = ch.paths[0]
    if pattern is not None:
        labels = r" \cdot ".join(ch.label(i, {**names, **pattern.latex}, "latex") for i in first.nodes)
        if pattern.full:
            signs = r" ".join(_sum_sign(letter, values, "latex") for letter, values in pattern.sums)
        else:
            letters = ",".join(letter for letter, _ in pattern.sums)
            signs = rf"\sum_{{({letters})\;\text{{on the paths below}}}}"
        rows = [f"{lhs} &= {signs} {labels}"]
    else:
        rows = [rf"{lhs} &= \sum_{{\text{{paths}}}} \ldots"]
    shown = _which(len(ch.paths))
    for k in shown:
        if k is None:
            rows.append(rf"&\qquad \vdots \quad (\text{{{len(ch.paths) - MAX_PATHS_SHOWN + 2} more paths}})")
            continue
        path = ch.paths[k]
        derivs = r" \cdot ".join(ch.derivative(i, "latex") for i in path.nodes)
        values = r" \cdot ".join(factor(ch.graph.nodes[i].local_value) for i in path.nodes)
        where = ch.where(k, "latex")
        rows.append(rf"&\qquad [{where}]\quad {derivs} = {values} = {lnum(path.value)}")
    dots = r"\cdots"
    rows.append(f"&= {_added([p.value for p in ch.paths], lnum, dots)}")
    rows.append(f"&= {lnum(ch.total)} {matrix}")
    return aligned(rows)


def _added(values: list[float], show: Callable[[float], str], dots: str) -> str:
    """``a - b + c``: the paths' values summed, the middle elided when there are many."""
    texts = [show(v) for v in values]
    if len(texts) > MAX_PATHS_SHOWN:
        texts = [*texts[:4], dots, *texts[-2:]]
    out = texts[0]
    for t in texts[1:]:
        out += f" - {t[1:]}" if t.startswith("-") else f" + {t}"
    return out


def _which(n: int) -> list[int | None]:
    if n <= MAX_PATHS_SHOWN:
        return list(range(n))
    return [*range(MAX_PATHS_SHOWN - 3), None, n - 2, n - 1]


def scalar_blocks(nd: NetworkDerivation) -> list[tuple[str, str]]:
    sv = nd.scalar
    if sv is None:
        return []
    return [(f"Scalar view: the chain rule for {p.name}", scalar_block(sv, p)) for p in sv.params]


def blocks(nd: NetworkDerivation) -> list[tuple[str, str]]:
    scalar = scalar_blocks(nd)
    if nd.scalar_only:
        return scalar
    return matrix_blocks(nd) + scalar


def latex(nd: NetworkDerivation, standalone: bool = False) -> str:
    body = "\n\n".join(f"% {comment}\n{display(math_)}" for comment, math_ in blocks(nd)) + "\n"
    if standalone:
        return PREAMBLE + "\n" + body + "\n\\end{document}\n"
    return body


#: A notebook shows one display: the first blocks up to about this many characters of LaTeX.
EQUATIONS_BUDGET = 10_000


def equations(nd: NetworkDerivation) -> str:
    """The blocks as one display body, for a notebook cell: the scalar view's first, then the backward
    pass, up to :data:`EQUATIONS_BUDGET`; a last line says how many more ``.markdown()`` shows."""
    chosen: list[str] = []
    size = 0
    shown = (
        scalar_blocks(nd) + [b for b in matrix_blocks(nd) if not b[0].startswith("Forward")]
        if not nd.scalar_only
        else scalar_blocks(nd)
    )
    for k, (_, body) in enumerate(shown):
        if chosen and size + len(body) > EQUATIONS_BUDGET:
            left = len(shown) - k
            chosen.append(rf"\text{{(and {_count(left, 'equation')} more: see .markdown() or .latex())}}")
            break
        chosen.append(body)
        size += len(body)
    return "\\begin{gathered}\n" + " \\\\[1ex]\n".join(chosen) + "\n\\end{gathered}"


# --- Markdown ----------------------------------------------------------------------------------


def _summary(nd: NetworkDerivation) -> str:
    spec = nd.spec
    sizes = [str(spec.inputs.shape[1])] + [
        f"{lp.layer.weights.shape[1]} ({lp.layer.activation})" for lp in nd.layers
    ]
    what = " → ".join(sizes)
    if nd.rule is not None:
        tail = f"loss: {nd.rule.title}" + (" (softmax combined)" if nd.combined else "")
    elif nd.upstream == "dvalues":
        tail = "the given dvalues as the upstream gradient"
    else:
        tail = "a gradient of 1 from the next layer"
    return f"{what}; {_count(spec.samples, 'sample')}; {tail}"


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def markdown(nd: NetworkDerivation) -> str:
    out = ["# Backpropagation through a network", "", _summary(nd) + ".", ""]
    if not nd.scalar_only:
        out += [
            "## The matrix view",
            "",
            "Each equation first with the shapes of its matrices, then with the numbers "
            f"(rounded to {DIGITS} significant digits; the JSON keeps every digit).",
            "",
        ]
        for comment, body in matrix_blocks(nd):
            out += [f"### {comment}", "", f"$$\n{body}\n$$", ""]
    scalar = scalar_blocks(nd)
    if scalar:
        out += [
            "## The scalar view",
            "",
            "Each named parameter's gradient as the sum, over samples and neurons, of its chain-rule paths: "
            "the product of the local derivatives from the loss down to it.",
            "",
        ]
        if nd.scalar is not None and nd.scalar.folded:
            out += [
                "A neuron with more than 8 inputs shows only the terms that involve the named parameters; "
                "$r$ is the sum of its other terms.",
                "",
            ]
        for comment, body in scalar:
            out += [f"### {comment}", "", f"$$\n{body}\n$$", ""]
    if nd.warnings:
        out += ["## Warnings", ""] + [f"- {w}" for w in nd.warnings] + [""]
    return "\n".join(out)


# --- text ----------------------------------------------------------------------------------


def _text_activation(lp: LayerPass) -> tuple[str, str | None]:
    op = lp.activation.op
    z = f"Z{lp.number}"
    if op is None:
        return z, None
    import sympy

    from ..printing import MUL, Printer, precedence

    p = Printer("text", {"Z": z})
    sym = sympy.Symbol("Z")
    forward = f"{op.name}({z})"
    if lp.activation.rowwise:
        return forward, None
    local = op.local([sym], 0)
    text = p.expr(local)
    return forward, (f"({text})" if precedence(local) < MUL else text)


def text(nd: NetworkDerivation) -> str:
    lines = [f"Network: {_summary(nd)}", ""]
    if not nd.scalar_only:
        lines += _text_matrix(nd)
    if nd.scalar is not None:
        lines += _text_scalar(nd)
    return "\n".join(lines).rstrip("\n") + "\n"


def _text_matrix(nd: NetworkDerivation) -> list[str]:
    spec = nd.spec
    lines = ["Forward pass"]
    for lp in nd.layers:
        k = lp.number
        x = tA(nd, k - 1)
        lines.append(
            f"  Z{k} = {x} · W{k} + b{k}    ({_shape(lp.inputs.shape)}) · ({_shape(lp.layer.weights.shape)}) + "
            f"({lp.z.shape[1]}) -> ({_shape(lp.z.shape)})"
        )
        lines.append(tmatrix(lp.z, "    "))
        forward, _ = _text_activation(lp)
        if lp.activation.op is not None:
            lines.append(f"  {tA(nd, k)} = {forward}")
            lines.append(tmatrix(lp.output, "    "))
    rule = nd.rule
    if rule is not None and spec.loss is not None and nd.sample_losses is not None and nd.loss is not None:
        lines += ["", f"Loss: {rule.title}", f"  {rule.text}"]
        if spec.loss.classes is not None:
            lines.append(f"  classes {spec.loss.classes.tolist()} as one-hot rows Y")
        lines.append("  Y =")
        lines.append(tmatrix(spec.loss.targets, "    "))
        lines.append("  sample_losses =")
        lines.append(tmatrix(nd.sample_losses, "    "))
        lines.append(f"  L = mean(sample_losses) = {tnum(nd.loss)}")
    lines += ["", "Backward pass"]
    last = nd.layers[-1]
    k = last.number
    if nd.combined:
        lines.append(
            f"  dL/dZ{k} = (Ŷ - Y) / N    softmax and cross-entropy combined  ({_shape(last.dz.shape)})"
        )
        lines.append(tmatrix(last.dz, "    "))
        if last.dz_separate is not None and last.jacobians is not None:
            jac = last.activation.jacobian_text.format(a="ŷ[0]")
            difference = float(np.max(np.abs(last.dz - last.dz_separate)))
            lines += [
                "  The separate route: the cross-entropy gradient, then each sample's softmax Jacobian",
                f"    dL/dŶ = {LOSSES['categorical_crossentropy'].text_gradient} =",
                tmatrix(last.doutput, "      "),
                f"    J[0] = {jac} =",
                tmatrix(last.jacobians[0], "      "),
                f"    dL/dZ{k} = J[s] · dL/dŷ[s] for every sample s =",
                tmatrix(last.dz_separate, "      "),
                f"    largest difference from the combined gradient: {difference!r}",
            ]
    elif rule is not None:
        lines.append(f"  dL/dŶ = {rule.text_gradient}  ({_shape(last.doutput.shape)})")
        lines.append(tmatrix(last.doutput, "    "))
    else:
        note = (
            "the given dvalues" if nd.upstream == "dvalues" else "ones: a gradient of 1 from the next layer"
        )
        lines.append(f"  dL/d{tA(nd, k)} = {note}  ({_shape(last.doutput.shape)})")
        lines.append(tmatrix(last.doutput, "    "))
    for lp in reversed(nd.layers):
        k = lp.number
        out = tA(nd, k)
        if not (nd.combined and lp is last):
            _, derivative = _text_activation(lp)
            if lp.activation.rowwise and lp.jacobians is not None:
                jac = lp.activation.jacobian_text.format(a=f"a{k}[s]")
                lines.append(f"  dL/dZ{k}[s] = J[s] · dL/d{out}[s],  J[s] = {jac};  J[0] =")
                lines.append(tmatrix(lp.jacobians[0], "    "))
                lines.append(f"  dL/dZ{k} =")
            elif derivative is None:
                lines.append(f"  dL/dZ{k} = dL/d{out}  (linear)")
            else:
                lines.append(f"  dL/dZ{k} = {derivative} ⊙ dL/d{out}  ({_shape(lp.z.shape)}); {derivative} =")
                assert lp.derivative is not None
                lines.append(tmatrix(lp.derivative, "    "))
                lines.append(f"  dL/dZ{k} =")
            lines.append(tmatrix(lp.dz, "    "))
        x = tA(nd, k - 1)
        n, n_in = lp.inputs.shape
        n_out = lp.z.shape[1]
        lines.append(f"  dweights{k} = {x}ᵀ · dL/dZ{k}    ({n_in}×{n}) · ({n}×{n_out}) -> ({n_in}×{n_out})")
        lines.append(tmatrix(lp.dweights, "    "))
        lines.append(f"  dbiases{k} = Σ over samples of dL/dZ{k}    ({n_out})")
        lines.append(tmatrix(lp.dbiases, "    "))
        lines.append(f"  dinputs{k} = dL/dZ{k} · W{k}ᵀ    ({n}×{n_out}) · ({n_out}×{n_in}) -> ({n}×{n_in})")
        lines.append(tmatrix(lp.dinputs, "    "))
    step = nd.step
    if step is not None:
        lines += ["", f"Update (lr = {tnum(step.lr)}): W += -lr · dweights, b += -lr · dbiases"]
        for lp, w, bias in zip(nd.layers, step.weights, step.biases):
            lines.append(f"  W{lp.number} =")
            lines.append(tmatrix(w, "    "))
            lines.append(f"  b{lp.number} =")
            lines.append(tmatrix(bias, "    "))
        if step.loss is not None and nd.loss is not None:
            lines.append(f"  L = {tnum(step.loss)}  (was {tnum(nd.loss)})")
    lines.append("")
    return lines


def _text_scalar(nd: NetworkDerivation) -> list[str]:
    sv = nd.scalar
    assert sv is not None
    lines = ["Scalar view: each gradient as the sum of its chain-rule paths, over samples and neurons"]
    if sv.folded:
        lines.append(
            "  (a neuron with more than 8 inputs shows only the terms with the named parameters; r is the rest)"
        )
    for p in sv.params:
        lhs = f"∂L/∂{p.name}"
        if sv.derivation is None or not sv.paths(p.name):
            lines.append(f"  {lhs} = 0  (no path from the loss reaches {p.name})")
            continue
        ch = Chains(sv, p)
        names = sv.text_names
        pattern = ch._pattern
        first = ch.paths[0]
        if pattern is not None:
            labels = " · ".join(ch.label(i, {**names, **pattern.text}, "text") for i in first.nodes)
            signs = (
                " ".join(_sum_sign(letter, values, "text") for letter, values in pattern.sums)
                if pattern.full
                else "Σ over the paths below of"
            )
            lines.append(f"  {lhs} = {signs} {labels}")
        else:
            lines.append(f"  {lhs} = " + " · ".join(ch.label(i, names, "text") for i in first.nodes))
        for k in _which(len(ch.paths)):
            if k is None:
                lines.append(f"      ... ({len(ch.paths) - MAX_PATHS_SHOWN + 2} more paths)")
                continue
            path = ch.paths[k]
            derivs = " · ".join(ch.derivative(i, "text") for i in path.nodes)
            values = " · ".join(tnum(ch.graph.nodes[i].local_value) for i in path.nodes)
            where = ch.where(k, "text") if len(ch.paths) > 1 else "the one path"
            lines.append(f"    {where}: {derivs}")
            lines.append(f"      = {values} = {tnum(path.value)}")
        lines.append(f"  {lhs} = {_added([p.value for p in ch.paths], tnum, '...')} = {tnum(ch.total)}")
        lines.append(f"    (the matrix view's {_matrix_entry(p, 'text')}: {tnum(sv.matrix[p.name])})")
    lines.append("")
    return lines


# --- JSON -------------------------------------------------------------------------------------


def to_dict(nd: NetworkDerivation) -> dict[str, Any]:
    """The JSON result.  An array shown in two fields (a layer's ``doutput`` is the next layer's
    ``dinputs``, the first layer's ``dinputs`` is the network's) is converted once, and both
    fields hold that one list: converting is most of the time this takes."""
    lists: dict[int, Any] = {}

    def as_list(a: np.ndarray) -> Any:
        got = lists.get(id(a))
        if got is None:
            got = lists[id(a)] = a.tolist()
        return got

    out: dict[str, Any] = {"schema": 1}
    if nd.loss is not None and nd.sample_losses is not None:
        out["loss"] = nd.loss
        out["sample_losses"] = as_list(nd.sample_losses)
    out["dinputs"] = as_list(nd.layers[0].dinputs)
    layers = []
    for lp in nd.layers:
        entry: dict[str, Any] = {
            "activation": lp.layer.activation,
            "z": as_list(lp.z),
            "output": as_list(lp.output),
        }
        entry["doutput"] = as_list(lp.doutput)
        if lp.derivative is not None:
            entry["activation_derivative"] = as_list(lp.derivative)
        if lp.jacobians is not None:
            entry["jacobians"] = as_list(lp.jacobians)
        entry["dz"] = as_list(lp.dz)
        if lp.dz_separate is not None:
            entry["dz_separate"] = as_list(lp.dz_separate)
        entry["dweights"] = as_list(lp.dweights)
        entry["dbiases"] = as_list(lp.dbiases)
        entry["dinputs"] = as_list(lp.dinputs)
        layers.append(entry)
    out["layers"] = layers
    if nd.step is not None:
        step: dict[str, Any] = {
            "lr": nd.step.lr,
            "layers": [
                {"weights": as_list(w), "biases": as_list(bias)}
                for w, bias in zip(nd.step.weights, nd.step.biases)
            ],
        }
        if nd.step.loss is not None:
            step["loss"] = nd.step.loss
        out["step"] = step
    if nd.scalar is not None:
        out["chains"] = _chains(nd.scalar)
    out["warnings"] = list(nd.warnings)
    return out


def _chains(sv: ScalarView) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for p in sv.params:
        if sv.derivation is None or not sv.paths(p.name):
            out[p.name] = []
            continue
        ch = Chains(sv, p)
        nodes = ch.graph.nodes
        out[p.name] = [
            {
                "factors": [ch.label(i, sv.latex_names, "latex") for i in path.nodes],
                "derivatives": [ch.derivative(i, "latex") for i in path.nodes],
                "values": [nodes[i].local_value for i in path.nodes],
                "value": path.value,
                "nodes": [sv.text_names.get(nodes[i].var, nodes[i].var) for i in path.nodes],
            }
            for path in ch.paths
        ]
    return out


def _dump(value: Any, indent: str = "") -> str:
    """JSON with objects and lists of rows indented, and each row of numbers on one line."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {_dump(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value and isinstance(value[0], (list, dict)):
        return "[\n" + ",\n".join(inner + _dump(v, inner) for v in value) + "\n" + indent + "]"
    if isinstance(value, list) and value and type(value[0]) is float:
        return repr(value)  # a row from ndarray.tolist(): finite floats, whose repr is their JSON
    return json.dumps(value, ensure_ascii=False)


def to_json(nd: NetworkDerivation) -> str:
    return _dump(to_dict(nd)) + "\n"


# --- Python ---------------------------------------------------------------------------------------

_CLASSES: dict[str, str] = {
    "Layer_Dense": """class Layer_Dense:
    def __init__(self, weights, biases):
        self.weights = np.array(weights, dtype=np.float64)
        self.biases = np.array([biases], dtype=np.float64)  # one row, as the book keeps them

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        # Gradients on parameters
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        # Gradient on values
        self.dinputs = np.dot(dvalues, self.weights.T)
""",
    "relu": """class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        # Zero gradient where input values were negative (or zero)
        self.dinputs[self.inputs <= 0] = 0
""",
    "sigmoid": """class Activation_Sigmoid:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output) * self.output
""",
    "tanh": """class Activation_Tanh:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.tanh(inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output**2)
""",
    "linear": """class Activation_Linear:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
""",
    "softmax": """class Activation_Softmax:
    def forward(self, inputs):
        self.inputs = inputs
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)

    def backward(self, dvalues):
        self.dinputs = np.empty_like(dvalues)
        for index, (single_output, single_dvalues) in enumerate(zip(self.output, dvalues)):
            single_output = single_output.reshape(-1, 1)
            # Jacobian matrix of the output: diag(S) - S·Sᵀ
            jacobian_matrix = np.diagflat(single_output) - np.dot(single_output, single_output.T)
            self.dinputs[index] = np.dot(jacobian_matrix, single_dvalues)
""",
    "Loss": """class Loss:
    def calculate(self, output, y):
        sample_losses = self.forward(output, y)
        return np.mean(sample_losses)
""",
    "categorical_crossentropy": """class Loss_CategoricalCrossentropy(Loss):
    def forward(self, y_pred, y_true):
        samples = len(y_pred)
        y_pred_clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if len(y_true.shape) == 1:  # class indices
            return -np.log(y_pred_clipped[range(samples), y_true])
        return -np.sum(y_true * np.log(y_pred_clipped), axis=1)  # -Σ y log ŷ, one-hot or probabilities

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        labels = len(dvalues[0])
        if len(y_true.shape) == 1:
            y_true = np.eye(labels)[y_true]
        # Clipped as in the forward pass, so that no prediction of 0 divides
        dvalues = np.clip(dvalues, 1e-7, 1 - 1e-7)
        self.dinputs = -y_true / dvalues
        self.dinputs = self.dinputs / samples
""",
    "binary_crossentropy": """class Loss_BinaryCrossentropy(Loss):
    def forward(self, y_pred, y_true):
        y_pred_clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        sample_losses = -(y_true * np.log(y_pred_clipped) + (1 - y_true) * np.log(1 - y_pred_clipped))
        return np.mean(sample_losses, axis=-1)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        clipped_dvalues = np.clip(dvalues, 1e-7, 1 - 1e-7)
        self.dinputs = -(y_true / clipped_dvalues - (1 - y_true) / (1 - clipped_dvalues)) / outputs
        self.dinputs = self.dinputs / samples
""",
    "mse": """class Loss_MeanSquaredError(Loss):
    def forward(self, y_pred, y_true):
        return np.mean((y_true - y_pred) ** 2, axis=-1)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        self.dinputs = -2 * (y_true - dvalues) / outputs
        self.dinputs = self.dinputs / samples
""",
    "combined": """class Activation_Softmax_Loss_CategoricalCrossentropy:
    def __init__(self):
        self.activation = Activation_Softmax()
        self.loss = Loss_CategoricalCrossentropy()

    def forward(self, inputs, y_true):
        self.activation.forward(inputs)
        self.output = self.activation.output
        return self.loss.calculate(self.output, y_true)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        if len(y_true.shape) == 1:
            y_true = np.eye(len(dvalues[0]))[y_true]
        # The combined gradient: (ŷ - y) / samples
        self.dinputs = (dvalues - y_true) / samples
""",
    "sgd": """class Optimizer_SGD:
    def __init__(self, learning_rate=1.0):
        self.learning_rate = learning_rate

    def update_params(self, layer):
        layer.weights += -self.learning_rate * layer.dweights
        layer.biases += -self.learning_rate * layer.dbiases
""",
}

_ACTIVATION_CLASSES = {
    "relu": "Activation_ReLU",
    "sigmoid": "Activation_Sigmoid",
    "tanh": "Activation_Tanh",
    "linear": "Activation_Linear",
    "softmax": "Activation_Softmax",
}
_LOSS_CLASSES = {
    "categorical_crossentropy": "Loss_CategoricalCrossentropy",
    "binary_crossentropy": "Loss_BinaryCrossentropy",
    "mse": "Loss_MeanSquaredError",
}


def _literal(array: np.ndarray | Sequence[Any]) -> str:
    """A nested list literal that reads back to the same floats."""
    a = np.asarray(array)
    if a.dtype.kind in "iu":
        return repr(a.tolist())
    if a.ndim == 1:
        return "[" + ", ".join(repr(float(v)) for v in a) + "]"
    return "[\n" + "".join(f"    {_literal(row)},\n" for row in a) + "]"


def python(nd: NetworkDerivation) -> str:
    """A standalone NumPy program in the book's style: the classes it needs, the forward and backward
    passes, the gradients printed, and the step."""
    spec = nd.spec
    used: list[str] = ["Layer_Dense"]
    for lp in nd.layers:
        if not (nd.combined and lp is nd.layers[-1]) and lp.layer.activation not in used:
            used.append(lp.layer.activation)
    if spec.loss is not None:
        if nd.combined:
            used += ["softmax", "Loss", "categorical_crossentropy", "combined"]
        else:
            used += ["Loss", spec.loss.kind]
    if nd.step is not None:
        used.append("sgd")
    used = list(dict.fromkeys(used))
    code = ["import numpy as np", ""]
    code += ["", "\n\n".join(_CLASSES[name].rstrip("\n") + "\n" for name in used)]
    code += ["", "# Inputs: samples × features", f"X = np.array({_literal(spec.inputs)})"]
    if spec.loss is not None:
        if spec.loss.classes is not None:
            code += ["# Targets: class indices", f"y = np.array({_literal(spec.loss.classes)})"]
        else:
            code += ["# Targets", f"y = np.array({_literal(spec.loss.targets)})"]
    code.append("")
    last = len(nd.layers)
    for lp in nd.layers:
        k = lp.number
        code.append(f"dense{k} = Layer_Dense(")
        code.append(f"    weights={_literal(lp.layer.weights)},".replace("\n", "\n    "))
        code.append(f"    biases={_literal(lp.layer.biases)},")
        code.append(")")
        if nd.combined and k == last:
            code.append("loss_activation = Activation_Softmax_Loss_CategoricalCrossentropy()")
        else:
            code.append(f"activation{k} = {_ACTIVATION_CLASSES[lp.layer.activation]}()")
    if spec.loss is not None and not nd.combined:
        code.append(f"loss_function = {_LOSS_CLASSES[spec.loss.kind]}()")
    code += ["", "# Forward pass"]
    forward, previous = _forward_program(nd)
    code += forward
    if spec.loss is not None:
        code.append("print('loss:', loss)")
    code += ["", "# Backward pass"]
    if nd.combined:
        code.append("loss_activation.backward(loss_activation.output, y)")
        upstream = "loss_activation.dinputs"
    else:
        if spec.loss is not None:
            code.append(f"loss_function.backward({previous}, y)")
            code.append(f"activation{last}.backward(loss_function.dinputs)")
        elif spec.dvalues is not None:
            code.append("# The gradient from the next layer (given)")
            code.append(f"dvalues = np.array({_literal(spec.dvalues)})")
            code.append(f"activation{last}.backward(dvalues)")
        else:
            code.append("# A gradient of 1 from the next layer")
            code.append(f"dvalues = np.ones_like({previous})")
            code.append(f"activation{last}.backward(dvalues)")
        upstream = f"activation{last}.dinputs"
    for lp in reversed(nd.layers):
        k = lp.number
        if k != last:
            code.append(f"activation{k}.backward(dense{k + 1}.dinputs)")
            upstream = f"activation{k}.dinputs"
        code.append(f"dense{k}.backward({upstream})")
    code += ["", "# Gradients"]
    for lp in nd.layers:
        k = lp.number
        code += [f"print('dense{k}.dweights:')", f"print(dense{k}.dweights)"]
        code += [f"print('dense{k}.dbiases:')", f"print(dense{k}.dbiases)"]
    code += ["print('dinputs:')", "print(dense1.dinputs)"]
    if nd.combined:
        code += [
            "",
            "# The separate route: the cross-entropy gradient, then the softmax Jacobian, gives the same",
            "softmax = Activation_Softmax()",
            "softmax.output = loss_activation.output",
            "loss_function = Loss_CategoricalCrossentropy()",
            "loss_function.backward(softmax.output, y)",
            "softmax.backward(loss_function.dinputs)",
            "print('largest difference between the routes:', np.max(np.abs(softmax.dinputs - loss_activation.dinputs)))",
        ]
    if nd.step is not None:
        code += [
            "",
            "# One step of gradient descent",
            f"optimizer = Optimizer_SGD(learning_rate={nd.step.lr!r})",
        ]
        code += [f"optimizer.update_params(dense{lp.number})" for lp in nd.layers]
        for lp in nd.layers:
            k = lp.number
            code += [f"print('dense{k}.weights:')", f"print(dense{k}.weights)"]
            code += [f"print('dense{k}.biases:')", f"print(dense{k}.biases)"]
        if spec.loss is not None:
            code += ["", "# Forward pass again", *_forward_program(nd)[0]]
            code.append("print('loss after the step:', loss)")
    return "\n".join(code) + "\n"


def _forward_program(nd: NetworkDerivation) -> tuple[list[str], str]:
    """The generated program's forward pass (and loss), and the name of the last output."""
    last = nd.layers[-1].number
    code: list[str] = []
    previous = "X"
    for lp in nd.layers:
        k = lp.number
        code.append(f"dense{k}.forward({previous})")
        if nd.combined and k == last:
            code.append(f"loss = loss_activation.forward(dense{k}.output, y)")
            previous = "loss_activation.output"
        else:
            code.append(f"activation{k}.forward(dense{k}.output)")
            previous = f"activation{k}.output"
    if nd.spec.loss is not None and not nd.combined:
        code.append(f"loss = loss_function.calculate({previous}, y)")
    return code, previous


def render(nd: NetworkDerivation, fmt: str, standalone: bool = False) -> str:
    renderers: dict[str, Callable[[NetworkDerivation], str]] = {
        "text": text,
        "markdown": markdown,
        "python": python,
        "json": to_json,
    }
    if fmt == "latex":
        return latex(nd, standalone=standalone)
    return renderers[fmt](nd)

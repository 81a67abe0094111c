"""The chapter's equations, generated: forms of the function, the rules, each chain with its numbers.

Each ``*_block`` function returns the body of one display equation (no delimiters), so the
Markdown renderer and the doc-build integration can wrap the same LaTeX in their own.
"""

from __future__ import annotations

import sympy

from ..chain import argument_symbol
from ..derivation import Derivation, Path
from ..ops import Op
from ..printing import (
    SIZES,
    Printer,
    factor_label,
    flat_latex,
    format_number,
    height,
    latex_name,
    nested_latex,
)
from ._factors import Factors

LATEX = Printer("latex")
# Chains print the whole nested expression in the bracket while it stays short enough to read.
BRACKET_LIMIT = 400

PREAMBLE = r"""\documentclass{article}
\usepackage[utf8]{inputenc}
\usepackage{amsmath}
\begin{document}
"""


def num(value: float) -> str:
    """A number as a factor in a product: negatives in parentheses."""
    text = format_number(value, "latex")
    return f"({text})" if text.startswith("-") else text


def display(body: str) -> str:
    return f"\\[\n{body}\n\\]"


def aligned(rows: list[str]) -> str:
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def _var(d: Derivation, i: int) -> str:
    """A node's name in LaTeX: ``xw_{0}``, ``z``, or the leaf's own."""
    return latex_name(d.graph.nodes[i].var)


def _gradient(d: Derivation, var: str) -> str:
    """The gradient arriving at a node: ∂y/∂v, or ∂L/∂v when an upstream gradient is given."""
    top = "L" if d.dvalue != 1.0 else latex_name(d.graph.nodes[d.graph.root].var)
    return rf"\frac{{\partial {top}}}{{\partial {var}}}"


def _upstream(d: Derivation) -> str:
    return _gradient(d, latex_name(d.graph.nodes[d.graph.root].var))


# --- forms of the function ---------------------------------------------------


def loose_block(d: Derivation) -> str | None:
    """The chapter's loose form of a neuron: activation(Σ[input · weights] + bias)."""
    if d.kind != "neuron":
        return None
    inner = r"\sum[\ \text{input} \cdot \text{weights}\ ] + \text{bias}"
    root = d.root
    if isinstance(root, Op) and root.unary:
        return rf"{root.latex_name}\Big({inner}\Big)"
    return inner


def flat_block(d: Derivation) -> str:
    return flat_latex(d.expr)


def nested_block(d: Derivation) -> str:
    return f"{_var(d, d.graph.root)} = {nested_latex(d.expr)}"


def forward_block(d: Derivation) -> str:
    """Every operation with its formula, then its numbers: ``z = xw_0 + ... + b = -3 + 2 + 6 + 1 = 6``."""
    nodes = d.graph.nodes
    rows = []
    for n in nodes:
        if n.op is None:
            continue
        symbols = [argument_symbol(nodes[c]) for c in n.children]
        numbers = [sympy.Float(nodes[c].value) if nodes[c].op is not None or nodes[c].is_variable else nodes[c].expr
                   for c in n.children]  # fmt: skip
        formula = n.op.flat(LATEX, symbols)
        substituted = n.op.flat(LATEX, numbers)
        rows.append(f"{latex_name(n.var)} &= {formula} = {substituted} = {format_number(n.value, 'latex')}")
    return aligned(rows)


# --- the rules -----------------------------------------------------------------


def rule_blocks(d: Derivation) -> list[str]:
    """Each operation's derivative rule, as the chapter states them, in order from the output down."""
    seen: list[type[Op]] = []
    for i in d.graph.breadth_first():
        op = d.graph.nodes[i].op
        if op is not None and op not in seen:
            seen.append(op)
    return [rule(op) for op in seen]


def rule(op: type[Op]) -> str:
    """``f(x, y) = x \\cdot y \\quad\\to\\quad \\frac{\\partial}{\\partial x} f(x, y) = y`` and so on."""
    args = [sympy.Symbol("x")] if op.unary else [sympy.Symbol("x"), sympy.Symbol("y")]
    names = ", ".join(a.name for a in args)
    body = op.latex_definition if op.latex_definition is not None else op.flat(LATEX, args)
    lhs = rf"f({names}) = {body} \quad \to \quad "
    if op.unary:
        return rf"{lhs}\frac{{d}}{{dx}} f(x) = {flat_latex(op.local(args, 0))}"
    rows = [
        rf"{'' if k else lhs}& \frac{{\partial}}{{\partial {a.name}}} f({names}) = {flat_latex(op.local(args, k))}"
        for k, a in enumerate(args)
    ]
    return aligned(rows)


# --- backward pass and chains ---------------------------------------------------


def backward_block(d: Derivation, only: list[int] | None = None) -> str:
    """Node by node from the output (or the nodes in ``only``): upstream · local factor = numbers."""
    nodes = d.graph.nodes
    rows = []
    for i in d.graph.backward_steps() if only is None else only:
        n = nodes[i]
        parent = d.graph.parent(i)
        label = factor_label(parent.expr, n.expr)
        local = _factor(flat_latex(n.local))
        value = num(n.local_value)
        if parent.parent is None and d.dvalue == 1.0:
            steps = [label, local] if local == value else [label, local, value]
        else:
            up = _gradient(d, latex_name(parent.var))
            steps = [f"{up} \\cdot {label}", f"{num(parent.gradient)} \\cdot {local}"]
            if local != value:
                steps.append(f"{num(parent.gradient)} \\cdot {value}")
        steps.append(format_number(n.gradient, "latex"))
        rows.append(f"{_gradient(d, _var(d, i))} &= " + " = ".join(dict.fromkeys(steps)))
    return aligned(rows)


def chain_block(d: Derivation, leaf: str, factors: Factors | None = None) -> str:
    """The chapter's equation for one leaf: the bracket, the Leibniz factors, the local derivatives, the numbers."""
    printed = factors or Factors(d)
    nodes = d.graph.nodes
    paths = d.chains[leaf]
    wrt = latex_name(leaf)
    nested = nested_latex(d.expr)
    if len(nested) <= BRACKET_LIMIT:
        size = SIZES[min(len(SIZES) - 1, height(d.expr))]
        lhs = rf"\frac{{\partial}}{{\partial {wrt}}}{size}[{nested}{size}]"
    else:
        lhs = rf"\frac{{\partial {_var(d, d.graph.root)}}}{{\partial {wrt}}}"
    scaled = d.dvalue != 1.0
    if scaled:
        lhs = rf"{_gradient(d, wrt)} = {_upstream(d)} \cdot {lhs}"

    def product(path: Path, part: str) -> str:
        if part == "label":
            factors = [printed.label(i) for i in path.nodes]
        elif part == "derivative":
            factors = [_factor(printed.derivative(i)) for i in path.nodes]
        else:
            factors = [num(nodes[i].local_value) for i in path.nodes]
        if scaled:
            factors.insert(0, {"label": _upstream(d), "derivative": _upstream(d)}.get(part, num(d.dvalue)))
        return " \\cdot ".join(factors)

    def line(part: str) -> str:
        terms = [product(p, part) for p in paths]
        if len(terms) == 1:
            return terms[0]
        grouped = [
            t if len(p.nodes) == 1 else rf"\left({t}\right)" if part == "label" else f"({t})"
            for p, t in zip(paths, terms)
        ]
        return " + ".join(grouped)

    numbers = line("value")
    if len(paths) > 1:
        numbers += " = " + " + ".join(num(p.value) for p in paths)
    total = format_number(d.gradients[leaf], "latex")
    if numbers not in (total, num(d.gradients[leaf])):  # a single factor is its own value
        numbers += f" = {total}"
    return aligned([f"{lhs} &= {line('label')}", f"&= {line('derivative')}", f"&= {numbers}"])


def _factor(text: str) -> str:
    """A local derivative as a factor of a product: bracketed when it is itself a sum."""
    return rf"\left({text}\right)" if (" + " in text or " - " in text) and not text.startswith("1(") else text


def gradients_block(d: Derivation) -> str:
    """The gradient vectors (the chapter's ``dx``, ``dw``, ``db``), or one line per leaf."""
    g = d.gradients
    if d.arrays:
        rows = []
        for key, names in d.arrays.items():
            values = [format_number(g[n], "latex") for n in names]
            vec = (
                values[0] if names == [key] else r"\begin{bmatrix} " + " & ".join(values) + r" \end{bmatrix}"
            )
            rows.append(rf"\mathit{{d{key}}} &= {vec}")
        return aligned(rows)
    return aligned(
        [f"{_gradient(d, latex_name(n))} &= {format_number(g[n], 'latex')}" for n in d.graph.leaves]
    )


def step_block(d: Derivation) -> str | None:
    """``w_0 \\leftarrow w_0 - \\eta \\cdot dw_0 = ...`` for every updated leaf, then the new output."""
    s = d.step
    if s is None:
        return None
    rows = []
    for name, new in s.values.items():
        v = latex_name(name)
        rows.append(
            rf"{v} &\leftarrow {v} - {num(s.lr)} \cdot {_gradient(d, v)}"
            rf" = {format_number(d.values[name], 'latex')} - {num(s.lr)} \cdot {num(d.gradients[name])}"
            rf" = {format_number(new, 'latex')}"
        )
    root = _var(d, d.graph.root)
    rows.append(
        rf"{root} &= {format_number(s.output, 'latex')} \quad (\text{{was }} {format_number(d.output, 'latex')})"
    )
    return aligned(rows)


def equations(d: Derivation) -> str:
    """The nested form and every chain as one display body (a notebook cell shows one)."""
    printed = Factors(d)
    parts = [nested_block(d), *(chain_block(d, leaf, printed) for leaf in d.chains)]
    return "\\begin{gathered}\n" + " \\\\[1ex]\n".join(parts) + "\n\\end{gathered}"


def blocks(d: Derivation) -> list[tuple[str, str]]:
    """(comment, display body) for every equation, in the chapter's order."""
    out: list[tuple[str, str]] = []
    loose = loose_block(d)
    if loose is not None:
        out.append(("The neuron, loosely", loose))
    out.append(("The function", flat_block(d)))
    out.append(("As nested functions, the form the derivatives are taken in", nested_block(d)))
    out.append(("Forward pass", forward_block(d)))
    out += [("Rule", r) for r in rule_blocks(d)]
    out.append(("Backward pass, node by node", backward_block(d)))
    printed = Factors(d)
    out += [(f"Chain rule for {leaf}", chain_block(d, leaf, printed)) for leaf in d.chains]
    out.append(("Gradients", gradients_block(d)))
    step = step_block(d)
    if step is not None:
        out.append(("Update and the forward pass again", step))
    return out


def render(d: Derivation, standalone: bool = False) -> str:
    body = "\n\n".join(f"% {comment}\n{display(math)}" for comment, math in blocks(d)) + "\n"
    if standalone:
        return PREAMBLE + "\n" + body + "\n\\end{document}\n"
    return body

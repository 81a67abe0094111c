"""The chapter's equations, generated: forms of the function, the rules, each chain with its numbers.

Each ``*_block`` function returns the body of one display equation (no delimiters); :func:`blocks`
lists them as :class:`~symbackprop.render.blocks.Math` blocks in the chapter's order, which the
LaTeX format, the Markdown walkthrough and the doc builds all use.
"""

from __future__ import annotations

from .. import numbers
from ..chain import Rule
from ..derivation import Derivation, Kind, Path
from ..names import latex_name, marked, vector_gradient
from ..printing import LATEX, SIZES, TEXT, Piece, is_indicator, node_piece, signed
from ..steps import Style
from ._closed import ClosedForms
from ._fit import fit_display
from ._kinks import kinks
from ._strings import Strings, loss_name
from .blocks import Math, aligned, to_latex

# Chains print the whole nested expression in the bracket while it stays short enough to read.
BRACKET_LIMIT = 400

PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[a4paper,textwidth=16cm]{geometry}
\usepackage{amsmath}
\allowdisplaybreaks
\begin{document}
"""


def num(value: float) -> str:
    """A number as a factor in a product: negatives in parentheses."""
    return numbers.factor(value, "latex")


def known(*values: float | None) -> bool:
    return all(v is not None for v in values)


def _var(d: Derivation, i: int) -> str:
    """A node's name in LaTeX: ``xw_{0}``, ``z``, or the leaf's own."""
    return latex_name(d.graph.nodes[i].var)


def _gradient(d: Derivation, var: str) -> str:
    """The gradient arriving at a node: ∂y/∂v, or ∂L/∂v when an upstream gradient is given."""
    top = loss_name(d)[1] if d.dvalue != 1 else _var(d, d.graph.root)
    return rf"\frac{{\partial {top}}}{{\partial {var}}}"


def _upstream(d: Derivation) -> str:
    return _gradient(d, _var(d, d.graph.root))


# --- forms of the function ---------------------------------------------------


def loose_block(d: Derivation) -> str | None:
    """The chapter's loose form of a neuron: activation(Σ[input · weights] + bias)."""
    if d.kind is not Kind.NEURON:
        return None
    inner = r"\sum[\ \text{input} \cdot \text{weights}\ ] + \text{bias}"
    op = d.graph.nodes[d.graph.root].op
    if op is not None and op.unary:
        return rf"{op.latex_name}\Big({inner}\Big)"
    return inner


def flat_block(d: Derivation, strings: Strings | None = None) -> str:
    return (strings or Strings(d)).latex()


def nested_block(d: Derivation, strings: Strings | None = None) -> str:
    return fit_display(f"{_var(d, d.graph.root)} = {(strings or Strings(d)).latex_nested()}")


def forward_block(d: Derivation) -> str:
    """Every operation with its formula, then its numbers: ``z = xw_0 + ... + b = -3 + 2 + 6 + 1 = 6``."""
    nodes = d.graph.nodes
    values = d.node_values
    rows = []
    for i, n in enumerate(nodes):
        if n.op is None:
            continue
        names = [LATEX.num(nodes[c].number) if nodes[c].number is not None else LATEX.leaf(nodes[c].var)
                 for c in n.children]  # fmt: skip
        # every value that is known, in place of its name; the others stay symbols
        figures = [LATEX.value(v) if (v := values[c]) is not None and nodes[c].number is None else name
                   for c, name in zip(n.children, names)]  # fmt: skip
        formula, substituted = LATEX.apply(n.op, names).text, LATEX.apply(n.op, figures).text
        row = [f"{latex_name(n.var)} &= {formula}"]
        if substituted != formula:
            row.append(substituted)
        value = values[i]
        if value is not None:
            row.append(numbers.value(value, "latex"))
        rows.append(" = ".join(row))
    return aligned(rows)


# --- the rules -----------------------------------------------------------------


def rule_blocks(d: Derivation) -> list[str]:
    """Each operation's derivative rule, as the chapter states them, in order from the output down."""
    return [rule(d, k) for k in range(len(d.rules))]


def rule(d: Derivation, k: int) -> str:
    """``f(x, y) = x \\cdot y \\quad\\to\\quad \\frac{\\partial}{\\partial x} f(x, y) = y`` and so on."""
    with marked({}):  # the rule's x and y are any arguments, never a leaf written \mathbf{x}
        return _rule(d.rules[k])


def _rule(r: Rule) -> str:
    names = ", ".join(a.name for a in r.args)
    body = r.op.latex_definition
    if body is None:
        body = LATEX.apply(r.op, [Piece(a.name) for a in r.args]).text
    lhs = rf"f({names}) = {body} \quad \to \quad "
    if r.op.unary:
        return rf"{lhs}\frac{{d}}{{dx}} f(x) = {LATEX.doprint(r.derivatives[0])}"
    rows = [
        rf"{'' if k else lhs}& \frac{{\partial}}{{\partial {a.name}}} f({names}) = {LATEX.doprint(r.derivatives[k])}"
        for k, a in enumerate(r.args)
    ]
    return aligned(rows)


# --- backward pass and chains ---------------------------------------------------


def backward_block(d: Derivation, only: list[int] | None = None, strings: Strings | None = None) -> str:
    """Edge by edge from the output (or the edges in ``only``): upstream · local factor = numbers."""
    printed = strings or Strings(d)
    g = d.graph
    rows = []
    for e in d.backward_edges() if only is None else only:
        edge = g.edges[e]
        parent = g.nodes[edge.parent]
        label = printed.label(e)
        local = local_factor(printed.derivative(e))
        local_value, upstream_value = d.local_values[e], d.node_gradients[edge.parent]
        value = num(local_value) if local_value is not None else local
        if edge.parent == g.root and d.dvalue == 1:
            steps = [label, local] if local == value else [label, local, value]
        else:
            up = _gradient(d, latex_name(parent.var))
            upstream = num(upstream_value) if upstream_value is not None else up
            steps = [f"{up} \\cdot {label}", f"{upstream} \\cdot {local}"]
            if local != value:
                steps.append(f"{upstream} \\cdot {value}")
        contribution = d.contribution(e)
        if contribution is not None:
            steps.append(numbers.value(contribution, "latex"))
        lhs = _gradient(d, _var(d, edge.child))
        uses = g.nodes[edge.child].uses
        if len(uses) > 1:  # one of several uses: its share, then (at the last) their sum
            lhs += _via(d, e)
        shown = [s for s in dict.fromkeys(steps) if s != lhs]  # named steps: ∂y/∂a is its own label
        rows.append(f"{lhs} &= " + " = ".join(shown))
        if len(uses) > 1 and e == uses[-1]:
            rows.append(_sum_of_uses(d, edge.child))
    return aligned(rows)


def _via(d: Derivation, e: int) -> str:
    r"""``\Big|_{\text{via } a}``: the share of a value's gradient that flows back along one use
    (``via a_{3}, argument 2`` where ``a_3`` uses it twice)."""
    g = d.graph
    edge = g.edges[e]
    parent = g.nodes[edge.parent]
    which = rf"\text{{, argument }} {edge.argpos + 1}" if parent.children.count(edge.child) > 1 else ""
    return rf"\Big|_{{\text{{via }} {latex_name(parent.var)}{which}}}"


def _sum_of_uses(d: Derivation, i: int) -> str:
    """``∂L/∂z = ∂L/∂z|via a + ∂L/∂z|via b = ... = total``: a value used more than once."""
    g = d.graph
    var = _var(d, i)
    shares = [rf"{_gradient(d, var)}{_via(d, e)}" for e in g.nodes[i].uses]
    row = f"{_gradient(d, var)} &= " + " + ".join(shares)
    contributions = [d.contribution(e) for e in g.nodes[i].uses]
    total = d.node_gradients[i]
    if total is not None and known(*contributions):
        row += (
            " = "
            + " + ".join(num(c) for c in contributions if c is not None)
            + f" = {numbers.value(total, 'latex')}"
        )
    return row


def chain_block(d: Derivation, leaf: str, strings: Strings | None = None) -> str:
    """The chapter's equation for one leaf: the bracket, the Leibniz factors, the local derivatives, the numbers."""
    printed = strings or Strings(d)
    paths = d.chains[leaf]
    wrt = latex_name(leaf)
    nested = printed.latex_nested()
    if len(nested) <= BRACKET_LIMIT and d.style is Style.CHAPTER:  # named steps: ∂L/∂w, in their names
        size = SIZES[min(len(SIZES) - 1, printed.height())]
        lhs = rf"\frac{{\partial}}{{\partial {wrt}}}{size}[{nested}{size}]"
    else:
        lhs = rf"\frac{{\partial {_var(d, d.graph.root)}}}{{\partial {wrt}}}"
    scaled = d.dvalue != 1
    if scaled:
        lhs = rf"{_gradient(d, wrt)} = {_upstream(d)} \cdot {lhs}"

    def product(path: Path, part: str) -> str:
        if part == "label":
            factors = [printed.label(e) for e in path.edges]
        elif part == "derivative":
            factors = [local_factor(printed.derivative(e)) for e in path.edges]
        else:
            factors = [num(v) for e in path.edges if (v := d.local_values[e]) is not None]
        if scaled:
            factors.insert(0, {"label": _upstream(d), "derivative": _upstream(d)}.get(part, num(d.dvalue)))
        return " \\cdot ".join(factors)

    def line(part: str) -> str:
        terms = [product(p, part) for p in paths]
        if len(terms) == 1:
            return terms[0]
        grouped = [
            t if len(p.edges) == 1 else rf"\left({t}\right)" if part == "label" else f"({t})"
            for p, t in zip(paths, terms)
        ]
        return " + ".join(grouped)

    rows = [f"{lhs} &= {line('label')}", f"&= {line('derivative')}"]
    gradient = d.gradients[leaf]
    if gradient is not None:  # every factor is known: the numbers
        figures = line("value")
        if len(paths) > 1:
            figures += " = " + " + ".join(num(p.value) for p in paths if p.value is not None)
        total = numbers.value(gradient, "latex")
        if figures not in (total, num(gradient)):  # a single factor is its own value
            figures += f" = {total}"
        rows.append(f"&= {figures}")
    where = _where(d, [e for p in paths for e in p.edges], printed)
    return aligned(rows + ([where] if where else []))


def _where(d: Derivation, edges: list[int], printed: Strings) -> str | None:
    """``\\text{where } v_{1} = x w + b``: the generated names the factors of these edges mention."""
    g = d.graph
    shown: dict[int, None] = {}
    for e in edges:
        edge, t = g.edges[e], d.templates[e]
        children = g.nodes[edge.parent].children
        mentioned = [children[j] for j in sorted(t.holes)] if t is not None else []
        mentioned += printed.label_mentions(e)  # named ends, or the arguments a label spells
        for i in mentioned:
            if g.nodes[i].op is not None and not g.named[i] and i != g.root:
                shown.setdefault(i)
    if not shown:
        return None
    closed = printed.closed_forms()
    definitions = [f"{_var(d, i)} = {closed.node_definition(i, LATEX)}" for i in sorted(shown)]
    return r"&\quad \text{where } " + r",\ ".join(definitions)


def local_factor(text: str) -> str:
    """A local derivative as a factor of a product: bracketed when it is itself a sum or begins with a minus."""
    if (" + " in text or " - " in text) and not is_indicator(text):
        return rf"\left({text}\right)"
    return LATEX.parens(text) if signed(text) else text  # -1, -x: sized only when tall


def gradients_block(d: Derivation, strings: Strings | None = None) -> str:
    """The gradient vectors (the chapter's ``dx``, ``dw``, ``db``), or one line per leaf; where a value
    is unknown, each gradient's closed form."""
    if any(v is None for v in d.gradients.values()):
        return closed_block(d, strings)
    g = {k: v for k, v in d.gradients.items() if v is not None}
    arrays = {k: names for k, names in d.arrays.items() if all(n in g for n in names)}
    if arrays:
        rows = []
        for key, names in arrays.items():
            values = [numbers.value(g[n], "latex") for n in names]
            vec = (
                values[0] if names == [key] else r"\begin{bmatrix} " + " & ".join(values) + r" \end{bmatrix}"
            )
            rows.append(f"{vector_gradient(key)} &= {vec}")
        listed = {n for names in arrays.values() for n in names}
        rows += [  # the scalars beside the vectors: b of sigma(w^T x + b)
            f"{_gradient(d, latex_name(n))} &= {numbers.value(v, 'latex')}"
            for n, v in g.items()
            if n not in listed
        ]
        return aligned(rows)
    return aligned([f"{_gradient(d, latex_name(n))} &= {numbers.value(v, 'latex')}" for n, v in g.items()])


def closed_block(d: Derivation, strings: Strings | None = None) -> str:
    """Every derived leaf's gradient as one closed form (with the author's step names), and its number
    where it is known."""
    closed = ClosedForms(d, strings)
    rows = []
    for leaf in d.chains:
        row = f"{_gradient(d, latex_name(leaf))} &= {closed.gradient(leaf, LATEX)}"
        value = d.gradients[leaf]
        if value is not None:
            row += f" = {numbers.value(value, 'latex')}"
        rows.append(row)
    return aligned(rows or [r"\text{(no leaf to derive)}"])


def step_block(d: Derivation) -> str | None:
    """``w_0 \\leftarrow w_0 - \\eta \\cdot dw_0 = ...`` for every updated leaf, then the new output."""
    s = d.step
    if s is None:
        return None
    rows = []
    for name, new in s.values.items():
        v = latex_name(name)
        row = rf"{v} &\leftarrow {v} - {num(s.lr)} \cdot {_gradient(d, v)}"
        old, gradient = d.values.get(name), d.gradients[name]
        if old is not None and gradient is not None and new is not None:
            row += rf" = {numbers.value(old, 'latex')} - {num(s.lr)} \cdot {num(gradient)} = {numbers.value(new, 'latex')}"
        rows.append(row)
    if s.output is not None and d.output is not None:
        root = _var(d, d.graph.root)
        rows.append(
            rf"{root} &= {numbers.value(s.output, 'latex')} \quad (\text{{was }} {numbers.value(d.output, 'latex')})"
        )
    return aligned(rows)


def equations(d: Derivation) -> str:
    """The nested form and every chain as one display body (a notebook cell shows one)."""
    printed = Strings(d)
    parts = [nested_block(d, printed), *(chain_block(d, leaf, printed) for leaf in d.chains)]
    return "\\begin{gathered}\n" + " \\\\[1ex]\n".join(parts) + "\n\\end{gathered}"


def blocks(d: Derivation) -> list[Math]:
    """Every equation, in the chapter's order."""
    printed = Strings(d)
    out: list[Math] = []
    loose = loose_block(d)
    if loose is not None:
        out.append(Math(loose, "The neuron, loosely", "expression"))
    out.append(Math(fit_display(flat_block(d, printed)), "The function", "expression"))
    out.append(
        Math(
            nested_block(d, printed),
            "As nested functions, the form the derivatives are taken in",
            "expression",
        )
    )
    out.append(Math(forward_block(d), "Forward pass", "forward"))
    out += [Math(r, "Rule", "rule") for r in rule_blocks(d)]
    # a derivative taken by convention at a kink: a comment line of its own under the block's name
    notes = "".join(f"\n% Note: {k.text(d, lambda c: node_piece(d.graph, c, TEXT).text)}." for k in kinks(d))
    out.append(Math(backward_block(d, strings=printed), "Backward pass, node by node" + notes, "backward"))
    out += [Math(chain_block(d, leaf, printed), f"Chain rule for {leaf}", "chain") for leaf in d.chains]
    out.append(Math(gradients_block(d, printed), "Gradients", "gradients"))
    step = step_block(d)
    if step is not None:
        out.append(Math(step, "Update and the forward pass again", "step"))
    return out


def render(d: Derivation, standalone: bool = False) -> str:
    body = to_latex(blocks(d))
    if standalone:
        return PREAMBLE + "\n" + body + "\n\\end{document}\n"
    return body

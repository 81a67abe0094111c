"""A network's equations in LaTeX: the matrix view (each equation with its shapes, then its numbers)
and the scalar view's chains, as display blocks; rules come from the rule table."""

from __future__ import annotations

import numpy as np

from ..._network import LayerPass, NetworkDerivation, Param
from ..._network.matrix import Upstream
from ..._network.scalar import ScalarView
from ...names import latex_name
from ...ops import MUL
from ...printing import LatexPrinter
from ..blocks import Math, aligned, to_latex
from ._matrices import (
    MAX_PATHS_SHOWN,
    MAX_SHOWN,
    PREAMBLE,
    A,
    T,
    W,
    Z,
    b,
    bmatrix,
    count,
    d,
    factor,
    jacobian,
    lnum,
    under,
)
from ._scalar import Chains, added, matrix_entry, sum_sign, which


def _activation_latex(lp: LayerPass, nd: NetworkDerivation) -> tuple[str, str | None]:
    """(forward formula of A from Z, elementwise derivative f'(Z) or None), printed from the rule table."""
    act = lp.activation
    if act.identity:
        return Z(lp.number), None
    p = LatexPrinter({"Z": Z(lp.number)})
    forward = p.call(act, [p.leaf("Z")])
    if act.rowwise or lp.rule is None:
        return forward, None
    local = p.pieces(lp.rule)
    return forward, (rf"\left({local.text}\right)" if local.prec < MUL else local.text)


def forward_block(nd: NetworkDerivation, lp: LayerPass) -> str:
    k = lp.number
    n, n_in = lp.inputs.shape
    n_out = lp.z.shape[1]
    rows = [
        f"{under(Z(k), (n, n_out))} &= {under(A(nd, k - 1), (n, n_in))} \\cdot {under(W(k), (n_in, n_out))}"
        f" + {under(b(k), (1, n_out))}",
        f"&= {bmatrix(lp.inputs)} \\cdot {bmatrix(lp.layer.weights)} + {bmatrix(lp.layer.biases)}",
        f"&= {bmatrix(lp.z)}",
    ]
    forward, _ = _activation_latex(lp, nd)
    if not lp.activation.identity:
        rows.append(f"{A(nd, k)} &= {forward} = {bmatrix(lp.output)}")
    elif k == len(nd.layers) and nd.upstream is Upstream.LOSS:
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
                rf"{under(d(Z(k)), shape)} &= \frac{{1}}{{N}}\left({under(A(nd, k), shape)} - {under('Y', shape)}\right)",
                rf"&= \frac{{1}}{{{nd.spec.samples}}}\left({bmatrix(last.output)} - {bmatrix(nd.spec.loss.targets)}\right)",
                f"&= {bmatrix(last.dz)}",
            ]
        )
    if rule is not None:
        return aligned(
            [f"{under(d(A(nd, k)), shape)} &= {rule.latex_gradient}", f"&= {bmatrix(last.doutput)}"]
        )
    note = (
        r"\text{(given: dvalues)}"
        if nd.upstream is Upstream.DVALUES
        else r"\text{(ones: a gradient of 1 from the next layer)}"
    )
    return aligned([f"{d(A(nd, k))} &= {bmatrix(last.doutput)} \\quad {note}"])


def separate_block(nd: NetworkDerivation) -> str | None:
    """Softmax + cross-entropy the long way: the loss's gradient, then each sample's Jacobian."""
    last = nd.layers[-1]
    if not nd.combined or last.jacobians is None or last.dz_separate is None:
        return None
    k = last.number
    rule = nd.rule
    assert rule is not None
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
                f"{under(d(Z(k)), shape)} &= {bmatrix(lp.dz)}",
            ]
        )
    if derivative is None or lp.derivative is None:  # linear: A = Z
        return aligned(
            [rf"{d(Z(k))} &= {d(out)} = {bmatrix(lp.dz)} \quad (\text{{linear: }} {out} = {Z(k)})"]
        )
    return aligned(
        [
            rf"{under(d(Z(k)), shape)} &= {under(derivative, shape)} \odot {under(d(out), shape)}",
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
            f"{under(d(W(k)), (n_in, n_out))} &= {under(T(x), (n_in, n))} \\cdot {under(d(Z(k)), (n, n_out))}",
            rf"&= {bmatrix(lp.inputs.T)} \cdot {bmatrix(lp.dz)}",
            f"&= {bmatrix(lp.dweights)}",
        ]
    )
    rows = [rf"{under(d(b(k)), (1, n_out))} &= \sum_{{s=0}}^{{{n - 1}}} {d(f'Z^{{[{k}]}}_{{s,:}}')}"]
    if n <= 4:
        rows.append("&= " + " + ".join(bmatrix(row) for row in lp.dz))
    rows.append(f"&= {bmatrix(lp.dbiases)}")
    dbiases = aligned(rows)
    dinputs = aligned(
        [
            f"{under(d(x), (n, n_in))} &= {under(d(Z(k)), (n, n_out))} \\cdot {under(T(W(k)), (n_out, n_in))}",
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


def gradient_blocks(nd: NetworkDerivation) -> list[Math]:
    """dweights and dbiases of every layer, the first layer first."""
    return [
        Math(body, comment, "gradients") for lp in nd.layers for comment, body in dense_blocks(nd, lp)[:2]
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


def matrix_blocks(nd: NetworkDerivation) -> list[Math]:
    """The matrix view: forward, loss, backward layer by layer, step."""
    out: list[Math] = []
    for lp in nd.layers:
        out.append(Math(forward_block(nd, lp), f"Forward pass, layer {lp.number}", "expression"))
    loss = loss_block(nd)
    if loss is not None:
        out.append(Math(loss, f"Loss: {nd.rule.title if nd.rule else ''}", "expression"))
    if nd.combined:
        out.append(
            Math(
                upstream_block(nd),
                "Backward pass: softmax and cross-entropy combined, (ŷ - y) / N",
                "backward",
            )
        )
        separate = separate_block(nd)
        if separate is not None:
            out.append(
                Math(
                    separate,
                    "The separate route: cross-entropy's gradient, then the softmax Jacobian",
                    "backward",
                )
            )
    else:
        out.append(
            Math(upstream_block(nd), "Backward pass: the gradient arriving at the last layer", "backward")
        )
    for lp in reversed(nd.layers):
        if not (nd.combined and lp is nd.layers[-1]):
            out.append(
                Math(activation_block(nd, lp), f"Layer {lp.number}: back through the activation", "backward")
            )
        out += [
            Math(body, comment, role)
            for (comment, body), role in zip(dense_blocks(nd, lp), ("gradients", "gradients", "backward"))
        ]
    step = step_block(nd)
    if step is not None:
        out.append(Math(step, "One step of gradient descent", "step"))
    return out


# --- the scalar view -----------------------------------------------------------------------------


def scalar_block(sv: ScalarView, param: Param) -> str:
    """One parameter's chains: the sum over samples and neurons, each path's factors and numbers, the total."""
    lhs = d(latex_name(param.name))
    if sv.derivation is None or not sv.paths(param.name):
        return aligned(
            [rf"{lhs} &= 0 \quad (\text{{no path from the loss reaches }} {latex_name(param.name)})"]
        )
    ch = Chains(sv, param)
    names = sv.latex_names
    matrix = rf"\quad \left(= {matrix_entry(param, 'latex')} = {lnum(sv.matrix[param.name])}\right)"
    if len(ch.paths) == 1:
        path = ch.paths[0]
        labels = r" \cdot ".join(ch.label(e, names, "latex") for e in path.edges)
        derivs = r" \cdot ".join(ch.derivative(e, "latex") for e in path.edges)
        values = r" \cdot ".join(factor(ch.value(e)) for e in path.edges)
        return aligned(
            [
                f"{lhs} &= {labels}",
                f"&= {derivs}",
                f"&= {values} = {lnum(path.value)}",
                f"&= {lnum(ch.total)} {matrix}",
            ]
        )
    pattern = ch.pattern
    first = ch.paths[0]
    if pattern is not None:
        labels = r" \cdot ".join(ch.label(e, {**names, **pattern.latex}, "latex") for e in first.edges)
        if pattern.full:
            signs = r" ".join(sum_sign(letter, values, "latex") for letter, values in pattern.sums)
        else:
            letters = ",".join(letter for letter, _ in pattern.sums)
            signs = rf"\sum_{{({letters})\;\text{{on the paths below}}}}"
        rows = [f"{lhs} &= {signs} {labels}"]
    else:
        rows = [rf"{lhs} &= \sum_{{\text{{paths}}}} \ldots"]
    shown = which(len(ch.paths))
    for k in shown:
        if k is None:
            rows.append(rf"&\qquad \vdots \quad (\text{{{len(ch.paths) - MAX_PATHS_SHOWN + 2} more paths}})")
            continue
        path = ch.paths[k]
        derivs = r" \cdot ".join(ch.derivative(e, "latex") for e in path.edges)
        values = r" \cdot ".join(factor(ch.value(e)) for e in path.edges)
        where = ch.where(k, "latex")
        rows.append(rf"&\qquad [{where}]\quad {derivs} = {values} = {lnum(path.value)}")
    dots = r"\cdots"
    rows.append(f"&= {added([p.value for p in ch.paths], lnum, dots)}")
    rows.append(f"&= {lnum(ch.total)} {matrix}")
    return aligned(rows)


def scalar_blocks(nd: NetworkDerivation) -> list[Math]:
    sv = nd.scalar
    if sv is None:
        return []
    return [
        Math(scalar_block(sv, p), f"Scalar view: the chain rule for {p.name}", "chain") for p in sv.params
    ]


def blocks(nd: NetworkDerivation) -> list[Math]:
    scalar = scalar_blocks(nd)
    if nd.scalar_only:
        return scalar
    return matrix_blocks(nd) + scalar


def render(nd: NetworkDerivation, standalone: bool = False) -> str:
    body = to_latex(blocks(nd))
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
        scalar_blocks(nd) + [b for b in matrix_blocks(nd) if not b.comment.startswith("Forward")]
        if not nd.scalar_only
        else scalar_blocks(nd)
    )
    for k, block in enumerate(shown):
        body = block.body
        if chosen and size + len(body) > EQUATIONS_BUDGET:
            left = len(shown) - k
            chosen.append(rf"\text{{(and {count(left, 'equation')} more: see .markdown() or .latex())}}")
            break
        chosen.append(body)
        size += len(body)
    return "\\begin{gathered}\n" + " \\\\[1ex]\n".join(chosen) + "\n\\end{gathered}"


# --- Markdown ----------------------------------------------------------------------------------

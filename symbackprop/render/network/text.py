"""A network's derivation for a terminal: the matrix view's equations with NumPy's printouts, and
the scalar view's chains."""

from __future__ import annotations

import numpy as np

from ..._network import LayerPass, NetworkDerivation
from ..._network.matrix import Upstream
from ...ops import MUL
from ...printing import TextPrinter
from ._matrices import MAX_PATHS_SHOWN, shape_text, summary, tA, tmatrix, tnum
from ._scalar import Chains, added, matrix_entry, sum_sign, which


def _text_activation(lp: LayerPass) -> tuple[str, str | None]:
    act = lp.activation
    z = f"Z{lp.number}"
    if act.identity:
        return z, None
    forward = f"{act.name}({z})"
    if act.rowwise or lp.rule is None:
        return forward, None
    local = TextPrinter({"Z": z}).pieces(lp.rule)
    return forward, (f"({local.text})" if local.prec < MUL else local.text)


def render(nd: NetworkDerivation) -> str:
    lines = [f"Network: {summary(nd)}", ""]
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
            f"  Z{k} = {x} · W{k} + b{k}    ({shape_text(lp.inputs.shape)}) · ({shape_text(lp.layer.weights.shape)}) + "
            f"({lp.z.shape[1]}) -> ({shape_text(lp.z.shape)})"
        )
        lines.append(tmatrix(lp.z, "    "))
        forward, _ = _text_activation(lp)
        if not lp.activation.identity:
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
            f"  dL/dZ{k} = (Ŷ - Y) / N    softmax and cross-entropy combined  ({shape_text(last.dz.shape)})"
        )
        lines.append(tmatrix(last.dz, "    "))
        if last.dz_separate is not None and last.jacobians is not None:
            jac = last.activation.jacobian_text.format(a="ŷ[0]")
            difference = float(np.max(np.abs(last.dz - last.dz_separate)))
            lines += [
                "  The separate route: the cross-entropy gradient, then each sample's softmax Jacobian",
                f"    dL/dŶ = {rule.text_gradient if rule else ''} =",
                tmatrix(last.doutput, "      "),
                f"    J[0] = {jac} =",
                tmatrix(last.jacobians[0], "      "),
                f"    dL/dZ{k} = J[s] · dL/dŷ[s] for every sample s =",
                tmatrix(last.dz_separate, "      "),
                f"    largest difference from the combined gradient: {difference!r}",
            ]
    elif rule is not None:
        lines.append(f"  dL/dŶ = {rule.text_gradient}  ({shape_text(last.doutput.shape)})")
        lines.append(tmatrix(last.doutput, "    "))
    else:
        note = (
            "the given dvalues"
            if nd.upstream is Upstream.DVALUES
            else "ones: a gradient of 1 from the next layer"
        )
        lines.append(f"  dL/d{tA(nd, k)} = {note}  ({shape_text(last.doutput.shape)})")
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
                lines.append(
                    f"  dL/dZ{k} = {derivative} ⊙ dL/d{out}  ({shape_text(lp.z.shape)}); {derivative} ="
                )
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
        pattern = ch.pattern
        first = ch.paths[0]
        if pattern is not None:
            labels = " · ".join(ch.label(e, {**names, **pattern.text}, "text") for e in first.edges)
            signs = (
                " ".join(sum_sign(letter, values, "text") for letter, values in pattern.sums)
                if pattern.full
                else "Σ over the paths below of"
            )
            lines.append(f"  {lhs} = {signs} {labels}")
        else:
            lines.append(f"  {lhs} = " + " · ".join(ch.label(e, names, "text") for e in first.edges))
        for k in which(len(ch.paths)):
            if k is None:
                lines.append(f"      ... ({len(ch.paths) - MAX_PATHS_SHOWN + 2} more paths)")
                continue
            path = ch.paths[k]
            derivs = " · ".join(ch.derivative(e, "text") for e in path.edges)
            values = " · ".join(tnum(ch.value(e)) for e in path.edges)
            where = ch.where(k, "text") if len(ch.paths) > 1 else "the one path"
            lines.append(f"    {where}: {derivs}")
            lines.append(f"      = {values} = {tnum(path.value)}")
        lines.append(f"  {lhs} = {added([p.value for p in ch.paths], tnum, '...')} = {tnum(ch.total)}")
        lines.append(f"    (the matrix view's {matrix_entry(p, 'text')}: {tnum(sv.matrix[p.name])})")
    lines.append("")
    return lines

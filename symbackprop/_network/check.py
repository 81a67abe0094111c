"""A network's matrices as a student answers them, and the usual mistakes in each.

The names are the book's and the text format's: per layer ``k`` the forward ``Zk`` and ``Ak``,
the gradient arriving at the layer's output ``dvaluesk`` (``dvalues`` for the last layer), the
gradient before the activation ``dzk`` (the book's ``activationk.dinputs``), ``dweightsk``,
``dbiasesk`` and ``dinputsk`` (the book's ``densek.dweights`` ...), ``loss``, and after the step
``new_weightsk``, ``new_biasesk`` and ``new_loss``.  Each is a matrix (biases a vector, the loss a
number); a bias row kept as the book keeps it, ``[[...]]``, is read as the vector.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..answers import Binding
from ..check import Candidate, Env, Quantity, unknown
from ..errors import InputError
from ..ops import LOSSES, ReLU
from ..options import spell
from .matrix import NetworkDerivation, _forward


class NetworkModel:
    """A network derivation's quantities, forward pass first, then the backward pass from the loss."""

    def __init__(self, nd: NetworkDerivation) -> None:
        self.nd = nd
        self.quantities: dict[str, Quantity] = {}
        self.spellings: dict[str, str] = {}
        self.roles: dict[str, tuple[str, int]] = {}
        spec = nd.spec
        last = len(nd.layers)
        self.add("X", spec.inputs, "X = the inputs, samples x features", ("given", 0), given=True)
        for lp in nd.layers:
            k = lp.number
            before = "X" if k == 1 else f"A{k - 1}"
            w, bias = lp.layer.weights, lp.layer.biases
            self.add(f"Z{k}", lp.z, f"Z{k} = {before} @ W{k} + b{k}", ("forward", k), (before,),
                     lambda v, w=w, bias=bias: v[0] @ w + bias, f"z{k}", f"dense{k}.output")  # fmt: skip
            act = lp.activation
            book = "loss_activation" if nd.combined and k == last else f"activation{k}"
            self.add(f"A{k}", lp.output, f"A{k} = {act.name}(Z{k})", ("forward", k), (f"Z{k}",),
                     lambda v, act=act: act.np_forward(v[0]), f"a{k}", f"{book}.output")  # fmt: skip
        if nd.loss is not None and spec.loss is not None:
            loss, targets = LOSSES[spec.loss.kind], spec.loss.targets
            self.add("loss", nd.loss, f"loss = mean of the {spec.loss.kind} sample losses of A{last}", ("forward", last),
                     (f"A{last}",), lambda v: float(np.mean(loss.sample_losses(v[0], targets))))  # fmt: skip
        self._backward()
        self._update()

    def add(self, key: str, expected: Any, rule: str, role: tuple[str, int], inputs: tuple[str, ...] = (),
            compute: Any = None, *spellings: str, given: bool = False) -> None:  # fmt: skip
        self.quantities[key] = Quantity(key, expected, rule, inputs, compute, given=given)
        self.roles[key] = role
        for s in (key, *spellings):
            self.spellings.setdefault(s, key)

    def _backward(self) -> None:
        nd, spec = self.nd, self.nd.spec
        last = len(nd.layers)
        top = nd.layers[-1]
        if spec.loss is not None:
            loss, targets = LOSSES[spec.loss.kind], spec.loss.targets
            self.add(f"dvalues{last}", top.doutput, f"dvalues{last} = the loss's gradient at A{last}", ("dvalues", last),
                     (f"A{last}",), lambda v, loss=loss, y=targets: loss.gradient(v[0], y), "dvalues",
                     "loss_function.dinputs")  # fmt: skip
        else:
            self.add(f"dvalues{last}", top.doutput, f"dvalues{last} = the gradient from the next layer",
                     ("given", last), (), None, "dvalues", given=True)  # fmt: skip
        n = spec.samples
        inputs: tuple[str, ...]
        for lp in reversed(nd.layers):
            k = lp.number
            act = lp.activation
            book = "loss_activation" if nd.combined and lp is top else f"activation{k}"
            if nd.combined and lp is top:
                assert spec.loss is not None
                y = spec.loss.targets
                rule, inputs = f"dz{k} = (A{k} - Y) / N", (f"A{k}",)
                compute: Any = lambda v, y=y: (v[0] - y) / n  # noqa: E731
            elif act.rowwise:
                rule, inputs = (
                    f"dz{k} = J(A{k}[s]) @ dvalues{k}[s] for every sample s",
                    (f"A{k}", f"dvalues{k}"),
                )
                compute = lambda v, act=act: np.einsum("sjk,sk->sj", act.np_jacobians(v[0]), v[1])  # noqa: E731
            elif act.identity:
                rule, inputs = f"dz{k} = dvalues{k}", (f"dvalues{k}",)
                compute = lambda v: v[0]  # noqa: E731
            else:  # the activation's own derivative, then the chain rule
                derivative = f"(Z{k} > 0)" if act is ReLU else f"{act.name}'(Z{k})"
                self.add(f"dactivation{k}", lp.derivative, f"dactivation{k} = {derivative}", ("dactivation", k),
                         (f"Z{k}", f"A{k}"), lambda v, act=act: act.np_derivative(v[0], v[1]))  # fmt: skip
                rule, inputs = f"dz{k} = dvalues{k} * dactivation{k}", (f"dactivation{k}", f"dvalues{k}")
                compute = lambda v: v[0] * v[1]  # noqa: E731
            self.add(f"dz{k}", lp.dz, rule, ("dz", k), inputs, compute, f"dZ{k}", f"{book}.dinputs")
            before = "X" if k == 1 else f"A{k - 1}"
            self.add(f"dweights{k}", lp.dweights, f"dweights{k} = {before}.T @ dz{k}", ("dweights", k), (before, f"dz{k}"),
                     lambda v: v[0].T @ v[1], f"dW{k}", f"dense{k}.dweights")  # fmt: skip
            self.add(f"dbiases{k}", lp.dbiases, f"dbiases{k} = dz{k} summed over the samples", ("dbiases", k), (f"dz{k}",),
                     lambda v: v[0].sum(axis=0), f"db{k}", f"dense{k}.dbiases")  # fmt: skip
            w = lp.layer.weights
            self.add(f"dinputs{k}", lp.dinputs, f"dinputs{k} = dz{k} @ W{k}.T", ("dinputs", k), (f"dz{k}",),
                     lambda v, w=w: v[0] @ w.T, f"dense{k}.dinputs", *(("dinputs", "dX") if k == 1 else ()))  # fmt: skip
            if k > 1:
                self.add(f"dvalues{k - 1}", nd.layers[k - 2].doutput, f"dvalues{k - 1} = dinputs{k}", ("dvalues", k - 1),
                         (f"dinputs{k}",), lambda v: v[0], f"dA{k - 1}")  # fmt: skip

    def _update(self) -> None:
        nd, step = self.nd, self.nd.step
        if step is None:
            return
        lr = step.lr
        for lp, w, b in zip(nd.layers, step.weights, step.biases):
            k = lp.number
            self.add(f"new_weights{k}", w, f"new_weights{k} = W{k} - lr * dweights{k}", ("update", k), (f"dweights{k}",),
                     lambda v, old=lp.layer.weights: old - lr * v[0], f"new_W{k}", f"dense{k}.weights")  # fmt: skip
            self.add(f"new_biases{k}", b, f"new_biases{k} = b{k} - lr * dbiases{k}", ("update", k), (f"dbiases{k}",),
                     lambda v, old=lp.layer.biases: old - lr * v[0], f"new_b{k}", f"dense{k}.biases")  # fmt: skip
        spec = nd.spec
        if step.loss is not None and spec.loss is not None:
            loss, targets = LOSSES[spec.loss.kind], spec.loss.targets
            names = tuple(f"new_{p}{lp.number}" for lp in nd.layers for p in ("weights", "biases"))
            layers = len(nd.layers)

            def again(v: list[Any]) -> float:
                weights, biases = [v[2 * j] for j in range(layers)], [v[2 * j + 1] for j in range(layers)]
                return float(np.mean(loss.sample_losses(_forward(spec, weights, biases)[-1][1], targets)))

            self.add("new_loss", step.loss, "new_loss = the loss after the step", ("new", 0), names, again)

    # -- the model's questions --------------------------------------------------------------------
    def key_of(self, name: str) -> str | None:
        return self.spellings.get(name)

    def resolve(self, bindings: Sequence[Binding]) -> list[tuple[str, str]]:
        out = []
        for b in bindings:
            key = self.spellings.get(b.name)
            if key is None:
                raise unknown(b.name, b, self.spellings)
            out.append((key, b.name))
        return out

    def value(self, key: str, given: Any, name: str) -> Any:
        expected = self.quantities[key].expected
        if not isinstance(expected, np.ndarray):
            if isinstance(given, tuple):
                raise InputError(f"{spell('check')}: {name} is a number, not a list")
            return float(given)
        try:
            array = np.array(given, dtype=float)
        except ValueError:  # rows of different lengths
            raise InputError(
                f"{spell('check')}: {name} must be a matrix: its rows have different lengths"
            ) from None
        if expected.ndim == 1 and array.ndim == 2 and array.shape[0] == 1:
            array = array[0]  # a bias row, as the book keeps it
        if array.ndim != expected.ndim:
            raise InputError(
                f"{spell('check')}: {name} is {_shape(expected)}, not {_shape(array)}"
                if array.ndim
                else f"{spell('check')}: {name} is {_shape(expected)}, not a number"
            )
        return array

    def probes(self) -> Iterator[NetworkModel]:
        """A network's answers are numbers (a file cannot compute with matrices): nothing to run again."""
        return iter(())

    def candidates(self, key: str, env: Env) -> list[Candidate]:
        q = self.quantities[key]
        role, k = self.roles[key]
        expected = q.expected
        if role == "given":
            return [Candidate("given", env.sv(key), f"Not the value the spec gives: {q.rule}.")]
        out = []
        consistent = q.compute([env.sv(i) for i in q.inputs]) if q.compute is not None else expected
        for value in (consistent, expected):
            out.append(
                Candidate("sign", -np.asarray(value), f"Sign: the right size with the wrong sign; {q.rule}.")
            )
        if isinstance(expected, np.ndarray) and expected.ndim == 2:
            for value in (consistent, expected):
                out.append(Candidate(
                    "transposed", np.asarray(value).T,
                    f"Transposed: {key} is {_shape(expected)}, {q.rule}; this is its transpose"
                    + (f" ({_shape(expected.T)})." if expected.shape[0] != expected.shape[1] else "."),
                ))  # fmt: skip
        if role == "dz" and f"dactivation{k}" in q.inputs:
            out.append(Candidate(
                "upstream", env.sv(f"dactivation{k}"),
                f"Missing upstream gradient: dactivation{k} alone is the activation's derivative; the chain rule "
                f"multiplies it by the gradient from above, {q.rule}.",
            ))  # fmt: skip
        if role in ("dz", "dactivation"):
            out += self._mask_mistakes(key, k, env)
        if role == "update":
            old = (
                self.nd.layers[k - 1].layer.weights
                if key.startswith("new_weights")
                else self.nd.layers[k - 1].layer.biases
            )
            out.append(Candidate(
                "plus_lr", old + self.nd.step.lr * env.sv(q.inputs[0]),  # type: ignore[union-attr]
                f"+lr in the update: gradient descent steps against the gradient, {q.rule}.",
            ))  # fmt: skip
        for other, oq in self.quantities.items():
            if (
                other != key
                and isinstance(oq.expected, np.ndarray)
                and oq.expected.shape == np.shape(expected)
            ):
                out.append(
                    Candidate(
                        "copied",
                        oq.expected,
                        f"Copied from the wrong line: this is {other}'s value; {q.rule}.",
                    )
                )
        return out

    def _mask_mistakes(self, key: str, k: int, env: Env) -> list[Candidate]:
        lp = self.nd.layers[k - 1]
        if lp.activation is not ReLU or (self.nd.combined and lp is self.nd.layers[-1]):
            return []
        # the mask itself (dactivation), or the gradient it masks (dz)
        dvalues = np.ones_like(lp.z) if key.startswith("dactivation") else env.sv(f"dvalues{k}")
        mask = lp.z > 0
        out = [Candidate(
            "mask", dvalues,
            f"Missing ReLU mask: ReLU passes the gradient back only where Z{k} > 0 ({_entries(int((~mask).sum()))} not); "
            f"{self.quantities[key].rule}.",
        )]  # fmt: skip
        others = [(f"Z{j.number}", j.z) for j in self.nd.layers if j is not lp] + [("its inputs", lp.inputs)]
        others += [(f"A{j.number}", j.output) for j in self.nd.layers if j is not lp]
        for name, m in others:
            if m.shape == lp.z.shape and ((m > 0) != mask).any():
                out.append(Candidate(
                    "wrong_z", dvalues * (m > 0),
                    f"ReLU mask at the wrong z: the mask is 1(Z{k} > 0), at the layer's own Z{k}, not at {name}; "
                    f"{self.quantities[key].rule}.",
                ))  # fmt: skip
        return out


def _shape(a: np.ndarray) -> str:
    return " x ".join(str(n) for n in a.shape) if a.ndim else "a number"


def _entries(n: int) -> str:
    return f"{n} entry is" if n == 1 else f"{n} entries are"

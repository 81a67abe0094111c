"""Networks of dense layers: the spec (:mod:`.spec`), the matrix view (:mod:`.matrix`) and the scalar
view of named parameters (:mod:`.scalar`), with their rules from the rule table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any

from .. import numbers
from .._rendered import Rendered
from ..errors import InputError
from ..limits import DEFAULT, Limits
from ..options import spell
from .matrix import LayerPass, NetworkDerivation, NetworkStep, derive_matrix
from .spec import PARAM_FORMS, Layer, Loss, Param, Spec, load_spec, parse_param, parse_spec, split_params

__all__ = [
    "PARAM_FORMS",
    "Layer",
    "LayerPass",
    "Loss",
    "NetworkDerivation",
    "NetworkResult",
    "NetworkStep",
    "Param",
    "Spec",
    "derive_network",
    "load_spec",
    "network",
    "parse_param",
    "parse_spec",
    "split_params",
]


def derive_network(
    spec: Spec, wrt: Iterable[str] | None = None, scalar_only: bool = False, limits: Limits = DEFAULT
) -> NetworkDerivation:
    """The matrix view of ``spec``'s backward pass, its SGD step, and the scalar view of ``wrt``."""
    params = [parse_param(text, spec) for item in (wrt or []) for text in split_params(str(item))]
    params = list(dict.fromkeys(params))
    if scalar_only and not params:
        raise InputError(
            f"{spell('scalar')} needs {spell('wrt')} PARAM: the parameters whose chains to write out, e.g. W1[0,0]"
        )
    nd = derive_matrix(spec, limits)
    nd.scalar_only = scalar_only
    if params:
        from .scalar import scalar_view

        nd.scalar = scalar_view(nd, params, limits.max_paths)
    return nd


class NetworkResult(Rendered):
    """A network's derivation and its renderings; ``to_dict()`` is the JSON."""

    def __init__(self, derivation: NetworkDerivation) -> None:
        self.derivation = derivation

    @property
    def loss(self) -> float | None:
        return self.derivation.loss

    @property
    def output(self) -> float | None:
        """The loss, when the network ends in one (the quantity the gradients are of)."""
        return self.derivation.loss

    @property
    def warnings(self) -> list[str]:
        return list(self.derivation.warnings)

    @property
    def gradients(self) -> dict[str, float]:
        """Every parameter's gradient by its scalar name: ``W1[i,j]``, ``b1[j]`` for each layer, ``X[s,i]``."""
        out: dict[str, float] = {}
        for lp in self.derivation.layers:
            k = lp.number
            rows, cols = lp.dweights.shape
            out.update({f"W{k}[{i},{j}]": float(lp.dweights[i, j]) for i in range(rows) for j in range(cols)})
            out.update({f"b{k}[{j}]": float(v) for j, v in enumerate(lp.dbiases)})
        dinputs = self.derivation.layers[0].dinputs
        out.update(
            {
                f"X[{s},{i}]": float(dinputs[s, i])
                for s in range(dinputs.shape[0])
                for i in range(dinputs.shape[1])
            }
        )
        return out

    def chain(self, name: str) -> list[dict[str, Any]]:
        """The chain-rule paths from the loss to one parameter (``W1[2,0]``), as the JSON's ``chains``
        has them: the scalar view, derived for it if ``wrt`` did not name it."""
        from ..render.network import json as network_json
        from .scalar import scalar_view

        nd = self.derivation
        param = parse_param(name, nd.spec)
        sv = nd.scalar
        if sv is None or param not in sv.params:
            sv = scalar_view(nd, [param], nd.limits.max_paths)
        return network_json.chains(sv)[param.name]

    def check(self, answers: object, tol: object = None) -> Any:
        """A backward pass done by hand, checked: ``answers`` names the matrices as the book does
        (``dweights1``, ``dbiases1``, ``dinputs1``, ``dz1``, ``dvalues``; see :mod:`.check`), as a dict,
        a JSON or Python file, or ``"NAME=VALUE, ..."``; ``tol`` as for an expression's ``check``."""
        from ..check import check
        from .check import NetworkModel

        return check(NetworkModel(self.derivation), answers, tol, self.derivation.limits, source=self)

    def _formats(self) -> ModuleType:
        from ..render.network import formats

        return formats

    def part(self, name: str) -> list[str]:
        from ..render.network import latex as network_latex

        nd = self.derivation
        if name == "gradients":  # dweights and dbiases of every layer, first layer first
            blocks = network_latex.gradient_blocks(nd)
        elif name == "chain":  # the backward pass, layer by layer, then the scalar view's chains
            blocks = [b for b in network_latex.blocks(nd) if b.role not in ("expression", "step")]
        else:
            blocks = [b for b in network_latex.blocks(nd) if b.role == name]
        return [b.body for b in blocks]

    def __repr__(self) -> str:
        d = self.derivation
        shape = " → ".join(
            [str(d.spec.inputs.shape[1])] + [str(lp.layer.weights.shape[1]) for lp in d.layers]
        )
        loss = "" if d.loss is None else f"; loss {d.loss!r}"
        return f"<symbackprop.NetworkResult {shape}, {d.spec.samples} samples{loss}>"


_NUMBERS = {float, int}


def _plain(value: object, depth: int = 0) -> object:
    """NumPy arrays and scalars (a user's own data) as the lists and numbers a spec is read from.
    A spec nests four levels at most; deeper is left for the spec's reader to refuse."""
    if depth > 6:
        return value
    if isinstance(value, dict):
        return {k: _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if set(map(type, value)) <= _NUMBERS:  # a row of plain numbers, as most specs are: no walk
            return value if isinstance(value, list) else list(value)
        return [_plain(v, depth + 1) for v in value]
    tolist = getattr(value, "tolist", None)
    return tolist() if callable(tolist) and not isinstance(value, (str, bytes)) else value


def network(
    spec: Mapping[str, Any] | str,
    wrt: Iterable[str] | None = None,
    scalar: bool = False,
    limits: Limits = DEFAULT,
    digits: int | str | None = None,
    legend: bool = True,
    layout: str = "LR",
    exact: bool = False,
) -> NetworkResult:
    """Backpropagate through a network spec (a dict, or the path of a JSON file).

    ``wrt`` names parameters (``W1[2,0]``, ``b2[1]``, ``X[0,3]``) whose chain-rule paths the
    scalar view writes out; ``scalar`` prints that view alone in text, LaTeX and Markdown;
    ``limits`` bounds it (``limits=Limits(max_paths=...)``); ``digits``: the numbers' significant
    digits in the formats a person reads; ``legend``, ``layout``: how the figures are drawn.
    ``exact`` is refused: the matrix view computes in float64.
    """
    if exact is not False:
        raise InputError(f"{spell('exact')} is for neuron and derive: a network computes in float64 (NumPy)")
    shown = numbers.digits_option(digits)
    if not isinstance(limits, Limits):
        raise InputError(
            f"limits must be a Limits (DEFAULT.merge(max_paths=...)), not {type(limits).__name__}"
        )
    if isinstance(spec, str):
        parsed = load_spec(spec, limits.max_spec_length)
    elif isinstance(spec, Mapping):
        parsed = parse_spec(_plain(dict(spec)))
    else:
        raise InputError(f"the spec must be a dict or a file name, not {type(spec).__name__}")
    if isinstance(wrt, str):
        wrt = [wrt]
    elif wrt is not None and not isinstance(wrt, Iterable):
        raise InputError(f"wrt must be a list of parameters such as 'W1[0,0]', not {wrt!r}")
    result = NetworkResult(derive_network(parsed, wrt, scalar, limits))
    result.digits = shown
    result._figure_style(legend, layout)
    return result

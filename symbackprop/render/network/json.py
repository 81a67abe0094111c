"""A network's JSON: every array of the matrix view, the step, and the scalar view's chains."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from ..._network import NetworkDerivation

if TYPE_CHECKING:
    from ..._network.scalar import ScalarView


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
        out["chains"] = chains(nd.scalar)
    out["warnings"] = list(nd.warnings)
    return out


def chains(sv: ScalarView) -> dict[str, list[dict[str, Any]]]:
    """Each named parameter's paths: factors, local derivatives, their values, the product, the nodes."""
    from ._scalar import Chains  # the printers: only a scalar view needs them

    out: dict[str, list[dict[str, Any]]] = {}
    for p in sv.params:
        if sv.derivation is None or not sv.paths(p.name):
            out[p.name] = []
            continue
        ch = Chains(sv, p)
        nodes = ch.graph.nodes
        out[p.name] = [
            {
                "factors": [ch.label(e, sv.latex_names, "latex") for e in path.edges],
                "derivatives": [ch.derivative(e, "latex") for e in path.edges],
                "values": [ch.value(e) for e in path.edges],
                "value": path.value,
                "nodes": [
                    sv.text_names.get(nodes[i].var, nodes[i].var) for i in ch.graph.edges_in(path.edges)
                ],
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


def render(nd: NetworkDerivation) -> str:
    return _dump(to_dict(nd)) + "\n"

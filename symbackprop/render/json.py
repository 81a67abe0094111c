"""The machine-readable result, as the contract fixes it (``--format json`` and ``.to_dict()``)."""

from __future__ import annotations

import json
from typing import Any

from .. import numbers
from ..derivation import Derivation
from ..errors import EvaluationError
from ._closed import ClosedForms
from ._strings import Strings


def to_dict(d: Derivation, floats: bool = True) -> dict[str, Any]:
    """The contract's layout (``floats=False``: an exact derivation's values as they are, for Python)."""
    g = d.graph
    printed = Strings(d)
    names = printed.names()
    local = d.local_values
    # an upstream gradient is each chain's first factor, so that "values" multiply to "value"
    scaled = d.dvalue != 1
    up_label = [printed.upstream()] if scaled else []
    up_derivative = [numbers.exact(d.dvalue, "latex")] if scaled else []
    up_value = [d.dvalue] if scaled else []
    out: dict[str, Any] = {
        "schema": 1,
        "expression": printed.expression(),
        "latex": printed.latex(),
        "latex_nested": printed.latex_nested(),
        "values": dict(d.values),
        "nodes": [
            {"name": names[i], "var": n.var, "value": d.node_values[i], "gradient": d.node_gradients[i]}
            for i, n in enumerate(g.nodes)
            if n.op is not None
        ],
        "output": d.output,
        "dvalue": d.dvalue,
        "gradients": dict(d.gradients),
        "chains": {
            name: [
                {
                    "factors": [*up_label, *(printed.label(e) for e in path.edges)],
                    "derivatives": [*up_derivative, *(printed.derivative(e) for e in path.edges)],
                    "values": [*up_value, *(local[e] for e in path.edges)],
                    "value": path.value,
                }
                for path in paths
            ]
            for name, paths in d.chains.items()
        },
    }
    out.update(ClosedForms(d, printed).json())
    if d.step is not None:
        out["step"] = {"lr": d.step.lr, "values": dict(d.step.values), "output": d.step.output}
    out["warnings"] = list(d.warnings)
    if d.exact and floats:
        out = _floats(out)
        out["exact"] = _exact(d)
    return out


def _floats(value: Any) -> Any:
    """The layout with each exact value as the float nearest to it: JSON's numbers are floats."""
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    if type(value) in _SCALARS:
        return value
    return float(value)


def _exact(d: Derivation) -> dict[str, Any]:
    """With ``--exact``: every value as it is, written as infix reads it (``"1/3"``), beside the floats."""

    def text(v: Any) -> str | None:
        return None if v is None else numbers.exact_value(v, "infix")

    out: dict[str, Any] = {
        "values": {k: text(v) for k, v in d.values.items()},
        "nodes": [
            {"var": n.var, "value": text(d.node_values[i]), "gradient": text(d.node_gradients[i])}
            for i, n in enumerate(d.graph.nodes)
            if n.op is not None
        ],
        "output": text(d.output),
        "dvalue": text(d.dvalue),
        "gradients": {k: text(v) for k, v in d.gradients.items()},
    }
    if d.step is not None:
        out["step"] = {
            "lr": text(d.step.lr),
            "values": {k: text(v) for k, v in d.step.values.items()},
            "output": text(d.step.output),
        }
    return out


def render(d: Derivation) -> str:
    """The JSON text: objects one member per line, and each item of a list on a line of its own
    (a node, a path of a chain), so that a large derivation stays readable and quick to write."""
    try:  # never NaN or Infinity, which are not JSON: the evaluator refuses them, this makes sure
        return _dump(to_dict(d), "") + "\n"
    except ValueError:
        raise EvaluationError("a value is not finite, and JSON has no NaN or infinity") from None


_compact = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(", ", ": ")).encode
_string = json.encoder.encode_basestring  # the C function where the interpreter has it


_SCALARS = {str, float, int, bool, type(None)}


def _scalar(value: Any) -> str:
    """A string, float, int, bool or null as JSON, without an encoder's set-up per value (a large
    derivation writes tens of thousands: each leaf's value, gradient and closed forms)."""
    kind = type(value)
    if kind is str:
        return _string(value)  # type: ignore[no-any-return]
    if kind is float:
        if value - value != 0:  # NaN or an infinity: not JSON
            raise ValueError("not finite")
        return float.__repr__(value)
    if value is None:
        return "null"
    return _compact(value)


def _dump(value: Any, indent: str) -> str:
    """An object with a member per line; a list of objects or lists with an item per line, each
    item compact; anything else compact (the C encoder)."""
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = [
            f"{inner}{_string(k)}: {_scalar(v) if type(v) in _SCALARS else _dump(v, inner)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value and isinstance(value[0], (dict, list)):
        return "[\n" + ",\n".join(inner + _compact(v) for v in value) + "\n" + indent + "]"
    return _compact(value)

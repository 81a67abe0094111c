"""The machine-readable result, as the contract fixes it (``--format json`` and ``.to_dict()``)."""

from __future__ import annotations

import json
from typing import Any

from ..derivation import Derivation
from ..errors import EvaluationError
from ._factors import Factors


def to_dict(d: Derivation, factors: Factors | None = None) -> dict[str, Any]:
    """The contract's layout; ``factors`` prints the strings (by default from the graph, see ``_factors``)."""
    nodes = d.graph.nodes
    factors = factors or Factors(d)
    names = factors.names()
    out: dict[str, Any] = {
        "schema": 1,
        "expression": factors.expression(),
        "latex": factors.latex(),
        "latex_nested": factors.latex_nested(),
        "values": dict(d.values),
        "nodes": [
            {"name": names[i], "var": n.var, "value": n.value, "gradient": n.gradient}
            for i, n in enumerate(nodes)
            if n.op is not None
        ],
        "output": d.output,
        "dvalue": d.dvalue,
        "gradients": dict(d.gradients),
        "chains": {
            name: [
                {
                    "factors": [factors.label(i) for i in path.nodes],
                    "derivatives": [factors.derivative(i) for i in path.nodes],
                    "values": [nodes[i].local_value for i in path.nodes],
                    "value": path.value,
                }
                for path in paths
            ]
            for name, paths in d.chains.items()
        },
    }
    if d.step is not None:
        out["step"] = {"lr": d.step.lr, "values": dict(d.step.values), "output": d.step.output}
    out["warnings"] = list(d.warnings)
    return out


def render(d: Derivation) -> str:
    data = to_dict(d)
    try:  # never NaN or Infinity, which are not JSON: the evaluator refuses them, this makes sure
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError:
        raise EvaluationError("a value is not finite, and JSON has no NaN or infinity") from None

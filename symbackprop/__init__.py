"""symbackprop: derive backpropagation symbolically, as the chain rule's factors, and print it.

``neuron``, ``derive`` (and ``network``) load SymPy on first use, so importing the
package, or asking the command line for help, stays fast.
"""

from __future__ import annotations

from .errors import EvaluationError, InputError, LimitError, ParseError, SpecError, SymbackpropError

__version__ = "0.1.0"

__all__ = [
    "EvaluationError",
    "InputError",
    "LimitError",
    "ParseError",
    "Result",
    "SpecError",
    "SymbackpropError",
    "__version__",
    "define",
    "derive",
    "exercise",
    "network",
    "neuron",
]

TYPE_CHECKING = False  # typing itself is not imported on the way to --help: a tenth of its time
if TYPE_CHECKING:
    from typing import Any

    from .api import Result, derive, network, neuron
    from .definitions import define
    from .sheets import exercise


def __getattr__(name: str) -> Any:
    if name in ("neuron", "derive", "network", "Result"):
        from . import api

        return getattr(api, name)
    if name == "exercise":
        from .sheets import exercise

        return exercise
    if name == "define":
        from .definitions import define

        return define
    raise AttributeError(f"module 'symbackprop' has no attribute {name!r}")

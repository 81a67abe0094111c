"""symbackprop: derive backpropagation symbolically, as the chain rule's factors, and print it."""

from __future__ import annotations

from .errors import EvaluationError, InputError, LimitError, ParseError, SpecError, SymbackpropError

__version__ = "0.1.0"

__all__ = [
    "EvaluationError",
    "InputError",
    "LimitError",
    "ParseError",
    "SpecError",
    "SymbackpropError",
    "__version__",
]

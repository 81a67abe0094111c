"""The activations of modern networks: softplus, leaky ReLU, ELU, SiLU (swish), GELU and its tanh
approximation -- each with its forward rule, its local derivative, its matrix rules and the book's
class, and PyTorch's convention at a kink (leaky ReLU and ELU take the left side's slope at 0).

Leaky ReLU's slope and ELU's alpha are a second argument with PyTorch's default (0.01, 1): written
or not, ``leaky_relu(z)`` and ``leaky_relu(z, 0.2)`` are one operation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

import sympy

from .arithmetic import DivOp, MulOp, PowOp, SubOp, SumOp
from .base import ONE
from .functions import Activation, Erf, Exp, Sigmoid, Sqrt, StepOp, Tanh

if TYPE_CHECKING:
    import numpy as np

HALF = sympy.Rational(1, 2)
#: The tanh approximation's cubic coefficient (Hendrycks and Gimpel; PyTorch's approximate="tanh").
GELU_CUBIC = sympy.Float(0.044715, 15)


class Parametrised(Activation):
    """An activation with a hyperparameter as an optional second argument (its default: PyTorch's)."""

    default: ClassVar[float] = 0.0
    nargs = (1, 2)
    stated = False  # its rule depends on the parameter: the chain states it edge by edge

    @classmethod
    def arity(cls) -> tuple[int, int | None]:
        return 1, 2

    @classmethod
    def parameter(cls, v: Sequence[float]) -> float:
        return v[1] if len(v) > 1 else cls.default

    @classmethod
    def argument(cls, args: Sequence[sympy.Expr]) -> sympy.Expr:
        return args[1] if len(args) > 1 else sympy.Float(cls.default, 15)


class Softplus(Activation):
    """softplus(z) = log(1 + e^z), computed without overflow; its derivative is the sigmoid."""

    name = "softplus"
    latex_name = r"\operatorname{softplus}"
    python_name = "_softplus"
    python_helper = "def _softplus(z):\n    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))\n"
    latex_definition = r"\log(1 + e^{x})"
    text_definition = "log(1 + exp(x))"
    nargs = 1
    book_name = "Activation_Softplus"
    book_class = """class Activation_Softplus:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(inputs, 0) + np.log1p(np.exp(-np.abs(inputs)))

    def backward(self, dvalues):
        self.dinputs = dvalues / (1 + np.exp(-self.inputs))
"""

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr:
        return sympy.log(1 + sympy.exp(args[0]))

    @classmethod
    def forward(cls, *v: float) -> float:
        return max(v[0], 0.0) + math.log1p(math.exp(-abs(v[0])))

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return Sigmoid(args[0])

    @classmethod
    def np_forward(cls, z: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))

    @classmethod
    def np_derivative(cls, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return Sigmoid.np_forward(z)


class LeakyReLU(Parametrised):
    """LeakyReLU(z, s) = z for z > 0, s·z otherwise; the derivative at 0 is s, as PyTorch has it."""

    name = "LeakyReLU"
    latex_name = r"\text{LeakyReLU}"
    python_name = "_leaky_relu"
    python_helper = "def _leaky_relu(z, slope=0.01):\n    return z if z > 0 else slope * z\n"
    default = 0.01
    book_name = "Activation_LeakyReLU"
    book_class = """class Activation_LeakyReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.where(inputs > 0, inputs, 0.01 * inputs)

    def backward(self, dvalues):
        self.dinputs = np.where(self.inputs > 0, dvalues, 0.01 * dvalues)
"""

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr:
        z = args[0]
        return sympy.Piecewise((z, z > 0), (cls.argument(args) * z, True))

    has_kinks = True

    @classmethod
    def forward(cls, *v: float) -> float:
        return v[0] if v[0] > 0 else cls.parameter(v) * v[0]

    @classmethod
    def kink(cls, v: Sequence[float]) -> tuple[tuple[int, ...], str] | None:
        if v[0] != 0:
            return None
        return (0,), (
            "is leaky ReLU's kink, where it has no derivative: its derivative there is taken as its slope, "
            "as PyTorch takes it"
        )

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        z, below = args[0], SubOp(ONE, StepOp(args[0]))  # 1(z > 0), and 1 - 1(z > 0) = 1(z <= 0)
        if i == 0:
            return SumOp(StepOp(z), MulOp(cls.argument(args), below))
        return MulOp(z, below)

    @classmethod
    def np_forward(cls, z: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.where(z > 0, z, cls.default * z)

    @classmethod
    def np_derivative(cls, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.where(z > 0, 1.0, cls.default)


class ELU(Parametrised):
    """ELU(z, α) = z for z > 0, α(e^z − 1) otherwise; the derivative at 0 is α·e^0 = α, as PyTorch has it."""

    name = "ELU"
    latex_name = r"\text{ELU}"
    python_name = "_elu"
    python_helper = "def _elu(z, alpha=1.0):\n    return z if z > 0 else alpha * math.expm1(z)\n"
    default = 1.0
    book_name = "Activation_ELU"
    book_class = """class Activation_ELU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.where(inputs > 0, inputs, np.expm1(np.minimum(inputs, 0)))

    def backward(self, dvalues):
        self.dinputs = np.where(self.inputs > 0, dvalues, dvalues * np.exp(np.minimum(self.inputs, 0)))
"""

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr:
        z = args[0]
        return sympy.Piecewise((z, z > 0), (cls.argument(args) * (sympy.exp(z) - 1), True))

    has_kinks = True

    @classmethod
    def forward(cls, *v: float) -> float:
        return v[0] if v[0] > 0 else cls.parameter(v) * math.expm1(v[0])

    @classmethod
    def kink(cls, v: Sequence[float]) -> tuple[tuple[int, ...], str] | None:
        if v[0] != 0 or cls.parameter(v) == 1:  # with alpha = 1 both sides' slopes are 1 at 0
            return None
        return (0,), (
            "is ELU's kink (its alpha is not 1), where it has no derivative: its derivative there is "
            "taken as alpha, as PyTorch takes it"
        )

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        z, below = args[0], SubOp(ONE, StepOp(args[0]))
        if i == 0:
            return SumOp(StepOp(z), MulOp(cls.argument(args), Exp(z), below))
        return MulOp(SubOp(Exp(z), ONE), below)

    @classmethod
    def np_forward(cls, z: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.where(z > 0, z, cls.default * np.expm1(np.minimum(z, 0.0)))

    @classmethod
    def np_derivative(cls, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.where(z > 0, 1.0, cls.default * np.exp(np.minimum(z, 0.0)))


class SiLU(Activation):
    """SiLU(z) = z·σ(z) (swish with β = 1, as PyTorch's SiLU); SiLU' = σ(z)(1 + z(1 − σ(z)))."""

    name = "SiLU"
    latex_name = r"\text{SiLU}"
    python_name = "_silu"
    python_helper = (
        "def _silu(z):\n"
        "    if z >= 0:\n"
        "        return z / (1 + math.exp(-z))\n"
        "    e = math.exp(z)\n"
        "    return z * e / (1 + e)\n"
    )
    latex_definition = r"x \, \sigma(x)"
    text_definition = "x * sigmoid(x)"
    nargs = 1
    book_name = "Activation_SiLU"
    book_class = """class Activation_SiLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.sigmoid = 1 / (1 + np.exp(-inputs))
        self.output = inputs * self.sigmoid

    def backward(self, dvalues):
        self.dinputs = dvalues * self.sigmoid * (1 + self.inputs * (1 - self.sigmoid))
"""

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr:
        return args[0] / (1 + sympy.exp(-args[0]))

    @classmethod
    def forward(cls, *v: float) -> float:  # as the generated program's helper computes it, to the last bit
        z = v[0]
        if z >= 0:
            return z / (1 + math.exp(-z))
        e = math.exp(z)
        return z * e / (1 + e)

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        s = Sigmoid(args[0])
        return MulOp(s, SumOp(ONE, MulOp(args[0], SubOp(ONE, s))))

    @classmethod
    def np_forward(cls, z: np.ndarray) -> np.ndarray:
        return z * Sigmoid.np_forward(z)

    @classmethod
    def np_derivative(cls, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        s = Sigmoid.np_forward(z)
        return s * (1 + z * (1 - s))


def _erf_array(z: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.vectorize(math.erf, otypes=[float])(z)


class GELU(Activation):
    """GELU(z) = z·Φ(z), Φ the normal distribution's CDF (1 + erf(z/√2))/2: exact, as PyTorch's default;
    GELU' = Φ(z) + z·φ(z)."""

    name = "GELU"
    latex_name = r"\text{GELU}"
    python_name = "_gelu"
    python_helper = "def _gelu(z):\n    return 0.5 * z * (1 + math.erf(z / math.sqrt(2)))\n"
    latex_definition = r"\frac{x}{2} \left(1 + \operatorname{erf}\left(\frac{x}{\sqrt{2}}\right)\right)"
    text_definition = "x / 2 * (1 + erf(x / sqrt(2)))"
    nargs = 1
    book_name = "Activation_GELU"
    book_class = """class Activation_GELU:
    def forward(self, inputs):
        from math import erf

        self.inputs = inputs
        self.cdf = 0.5 * (1 + np.vectorize(erf, otypes=[float])(inputs / np.sqrt(2)))
        self.output = inputs * self.cdf

    def backward(self, dvalues):
        pdf = np.exp(-0.5 * self.inputs**2) / np.sqrt(2 * np.pi)
        self.dinputs = dvalues * (self.cdf + self.inputs * pdf)
"""

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr:
        return args[0] * (1 + sympy.erf(args[0] / sympy.sqrt(2))) / 2

    @classmethod
    def forward(cls, *v: float) -> float:
        return 0.5 * v[0] * (1 + math.erf(v[0] / math.sqrt(2)))

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        z, two = args[0], sympy.Integer(2)
        cdf = DivOp(SumOp(ONE, Erf(DivOp(z, Sqrt(two)))), two)
        pdf = DivOp(Exp(MulOp(-HALF, PowOp(z, two))), Sqrt(MulOp(two, sympy.pi)))
        return SumOp(cdf, MulOp(z, pdf))

    @classmethod
    def np_forward(cls, z: np.ndarray) -> np.ndarray:
        import numpy as np

        return 0.5 * z * (1 + _erf_array(z / np.sqrt(2)))

    @classmethod
    def np_derivative(cls, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        import numpy as np

        return 0.5 * (1 + _erf_array(z / np.sqrt(2))) + z * np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)


class GELUTanh(Activation):
    """GELU's tanh approximation, z/2 (1 + tanh(√(2/π)(z + 0.044715 z³))), as PyTorch's approximate="tanh"."""

    name = "GELU_tanh"
    latex_name = r"\text{GELU}_{\tanh}"
    python_name = "_gelu_tanh"
    python_helper = (
        "def _gelu_tanh(z):\n"
        "    return 0.5 * z * (1 + math.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)))\n"
    )
    latex_definition = r"\frac{x}{2} \left(1 + \tanh\left(\sqrt{\tfrac{2}{\pi}} \left(x + 0.044715 x^{3}\right)\right)\right)"
    text_definition = "x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))"
    nargs = 1
    book_name = "Activation_GELU_tanh"
    book_class = """class Activation_GELU_tanh:
    def forward(self, inputs):
        self.inputs = inputs
        self.tanh = np.tanh(np.sqrt(2 / np.pi) * (inputs + 0.044715 * inputs**3))
        self.output = 0.5 * inputs * (1 + self.tanh)

    def backward(self, dvalues):
        du = np.sqrt(2 / np.pi) * (1 + 3 * 0.044715 * self.inputs**2)
        self.dinputs = dvalues * (0.5 * (1 + self.tanh) + 0.5 * self.inputs * (1 - self.tanh**2) * du)
"""

    @classmethod
    def inner(cls, z: sympy.Expr) -> sympy.Expr:
        """√(2/π)(z + 0.044715 z³), what the tanh is taken of."""
        return MulOp(
            Sqrt(DivOp(sympy.Integer(2), sympy.pi)), SumOp(z, MulOp(GELU_CUBIC, PowOp(z, sympy.Integer(3))))
        )

    @classmethod
    def plain(cls, *args: sympy.Expr) -> sympy.Expr:
        z = args[0]
        return z * (1 + sympy.tanh(sympy.sqrt(2 / sympy.pi) * (z + GELU_CUBIC * z**3))) / 2

    @classmethod
    def forward(cls, *v: float) -> float:
        z = v[0]
        return 0.5 * z * (1 + math.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)))

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        z, two = args[0], sympy.Integer(2)
        t = Tanh(cls.inner(z))
        slope = MulOp(
            Sqrt(DivOp(two, sympy.pi)), SumOp(ONE, MulOp(sympy.Integer(3), GELU_CUBIC, PowOp(z, two)))
        )
        return SumOp(MulOp(HALF, SumOp(ONE, t)), MulOp(HALF, z, SubOp(ONE, PowOp(t, two)), slope))

    @classmethod
    def np_forward(cls, z: np.ndarray) -> np.ndarray:
        import numpy as np

        return 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))

    @classmethod
    def np_derivative(cls, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        import numpy as np

        t = np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3))
        return 0.5 * (1 + t) + 0.5 * z * (1 - t**2) * np.sqrt(2 / np.pi) * (1 + 3 * 0.044715 * z**2)

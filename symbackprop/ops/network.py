"""The operations a network's scalar view adds: means, the book's clip, softmax and softmax
combined with cross-entropy; and the identity (``linear``) a layer may have instead of an activation."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import sympy

from .arithmetic import MulOp, NegOp, SubOp, SumOp
from .base import MUL, ONE, Op
from .functions import Activation, LogOp

if TYPE_CHECKING:
    import numpy as np

#: The book's clip for probabilities inside a log: [1e-7, 1 - 1e-7].  The one place it is written.
CLIP_LOW = 1e-7
CLIP_HIGH = 1 - 1e-7


class MeanOp(Op):
    """mean(a_0, ..., a_{n-1}) = (a_0 + ... + a_{n-1}) / n: a loss over samples or outputs."""

    name = "mean"
    latex_name = r"\operatorname{mean}"
    python_name = "_mean"
    python_helper = "def _mean(*a):\n    return sum(a) / len(a)\n"
    form = "expanded"
    prec = MUL
    unary = False

    @classmethod
    def forward(cls, *v: float) -> float:
        return math.fsum(v) / len(v)

    @classmethod
    def exact(cls, *v: sympy.Expr) -> sympy.Expr:
        return sympy.Add(*v) / len(v)

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return sympy.Rational(1, len(args))

    @classmethod
    def printed_as(cls, args: Sequence[sympy.Basic]) -> sympy.Basic:
        return MulOp(sympy.Rational(1, len(args)), SumOp(*args))


class Clip(Op):
    """clip(p) to [1e-7, 1 - 1e-7] before a log, as the book does; the gradient passes through unchanged,
    as in the book's backward pass."""

    name = "clip"
    latex_name = r"\text{clip}"
    python_name = "_clip"
    python_helper = f"def _clip(p):\n    return min(max(p, {CLIP_LOW!r}), {CLIP_HIGH!r})\n"
    nargs = 1

    @classmethod
    def forward(cls, *v: float) -> float:
        return min(max(v[0], CLIP_LOW), CLIP_HIGH)

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return ONE

    @staticmethod
    def np_clip(p: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.clip(p, CLIP_LOW, CLIP_HIGH)


def softmax_value(k: int, z: Sequence[float]) -> float:
    """The k-th output of softmax(z), shifted by the largest z so that no exponential overflows."""
    m = max(z)
    return math.exp(z[k] - m) / math.fsum(math.exp(v - m) for v in z)


class Softmax(Activation):
    """softmax_k(z_0, ..., z_{n-1}) = e^{z_k} / sum_l e^{z_l}, the k-th output (k is the first argument);
    ∂S_k/∂z_l = S_k (δ_kl - S_l).  On a matrix: row by row, with one Jacobian per row."""

    name = "softmax"
    latex_name = r"\text{softmax}"
    python_name = "_softmax"
    python_helper = (
        "def _softmax(k, *z):\n"
        "    m = max(z)\n"
        "    return math.exp(z[k] - m) / sum(math.exp(v - m) for v in z)\n"
    )
    form = "softmax"
    unary = False
    stated = False
    rowwise = True
    jacobian_latex = r"\operatorname{{diag}}\left({a}\right) - {a} {aT}"
    jacobian_text = "diag({a}) - {a}·{a}ᵀ"
    book_name = "Activation_Softmax"
    book_class = """class Activation_Softmax:
    def forward(self, inputs):
        self.inputs = inputs
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)

    def backward(self, dvalues):
        self.dinputs = np.empty_like(dvalues)
        for index, (single_output, single_dvalues) in enumerate(zip(self.output, dvalues)):
            single_output = single_output.reshape(-1, 1)
            # Jacobian matrix of the output: diag(S) - S.S^T
            jacobian_matrix = np.diagflat(single_output) - np.dot(single_output, single_output.T)
            self.dinputs[index] = np.dot(jacobian_matrix, single_dvalues)
"""

    @classmethod
    def nested(cls, args: Sequence[str]) -> str:
        """``softmax_1(z0, z1, z2)``: the output's index on the name, as infix reads it back."""
        return f"softmax_{args[0]}({', '.join(args[1:])})"

    @classmethod
    def nested_latex(cls, args: Sequence[str], size: str = "") -> str:
        return f"{cls.latex_name}_{{{args[0]}}}{size}({', '.join(args[1:])}{size})"

    @classmethod
    def forward(cls, *v: float) -> float:
        return softmax_value(int(v[0]), v[1:])

    @classmethod
    def exact(cls, *v: sympy.Expr) -> sympy.Expr:
        z = [sympy.exp(a) for a in v[1:]]
        return z[int(v[0])] / sympy.Add(*z)

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        k, z = args[0], args[1:]
        s = Softmax(k, *z)
        if i - 1 == int(k):
            return MulOp(s, SubOp(ONE, s))
        return NegOp(MulOp(s, Softmax(sympy.Integer(i - 1), *z)))

    @classmethod
    def np_forward(cls, z: np.ndarray) -> np.ndarray:
        import numpy as np

        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    @classmethod
    def np_jacobians(cls, a: np.ndarray) -> np.ndarray:
        """diag(S) − S·Sᵀ for every row S (samples × n × n)."""
        import numpy as np

        return np.einsum("sj,jk->sjk", a, np.eye(a.shape[1])) - a[:, :, None] * a[:, None, :]


class Linear(Activation):
    """The identity: a layer without an activation.  Never a node of a tree (a linear neuron's output is its sum)."""

    name = "linear"
    latex_name = r"\operatorname{id}"
    identity = True
    nargs = 1
    book_name = "Activation_Linear"
    book_class = """class Activation_Linear:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
"""

    @classmethod
    def forward(cls, *v: float) -> float:
        return v[0]

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        return ONE

    @classmethod
    def np_forward(cls, z: np.ndarray) -> np.ndarray:
        return z.copy()

    @classmethod
    def np_derivative(cls, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.ones_like(z)


class SoftmaxCrossEntropy(Op):
    """Softmax then categorical cross-entropy, as one step: -sum_k y_k log(clip(softmax_k(z))).

    The arguments are the targets y_0 ... y_{n-1} (numbers), then z_0 ... z_{n-1}; the local
    derivative is the book's combined gradient ∂L/∂z_l = softmax_l(z) - y_l.  It prints as what it
    is: -log(softmax_c(z)) for a one-hot target, -sum_k y_k log(...) otherwise.
    """

    name = "softmax_cross_entropy"
    latex_name = r"\text{CE}"
    form = "expanded"
    unary = False
    stated = False

    @classmethod
    def forward(cls, *v: float) -> float:
        n = len(v) // 2
        y, z = v[:n], v[n:]
        return -math.fsum(
            yk * math.log(min(max(softmax_value(k, z), CLIP_LOW), CLIP_HIGH)) for k, yk in enumerate(y) if yk
        )

    @classmethod
    def local(cls, args: Sequence[sympy.Expr], i: int) -> sympy.Expr:
        n = len(args) // 2
        y, z = args[:n], args[n:]
        s = Softmax(sympy.Integer(i - n), *z)
        return s if y[i - n] == 0 else SubOp(s, y[i - n])

    @classmethod
    def printed_as(cls, args: Sequence[sympy.Basic]) -> sympy.Basic:
        n = len(args) // 2
        y, z = args[:n], args[n:]
        terms = [
            LogOp(Softmax(sympy.Integer(k), *z))
            if yk == 1
            else MulOp(yk, LogOp(Softmax(sympy.Integer(k), *z)))
            for k, yk in enumerate(y)
            if yk != 0
        ]
        return NegOp(terms[0] if len(terms) == 1 else SumOp(*terms))

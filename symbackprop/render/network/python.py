"""A network's derivation as a standalone NumPy program in the book's style: the classes it needs
(the activations' and losses' from the rule table), the forward and backward passes, the
gradients printed, and the step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..._network import NetworkDerivation
from ...ops import ACTIVATIONS, LOSSES

#: The book's framework around the rules: the dense layer, the loss's base class, the combined
#: softmax + cross-entropy and the optimizer.  Activations' and losses' classes come from the rule table.
_FRAMEWORK: dict[str, str] = {
    "Layer_Dense": """class Layer_Dense:
    def __init__(self, weights, biases):
        self.weights = np.array(weights, dtype=np.float64)
        self.biases = np.array([biases], dtype=np.float64)  # one row, as the book keeps them

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        # Gradients on parameters
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        # Gradient on values
        self.dinputs = np.dot(dvalues, self.weights.T)
""",
    "Loss": """class Loss:
    def calculate(self, output, y):
        sample_losses = self.forward(output, y)
        return np.mean(sample_losses)
""",
    "combined": """class Activation_Softmax_Loss_CategoricalCrossentropy:
    def __init__(self):
        self.activation = Activation_Softmax()
        self.loss = Loss_CategoricalCrossentropy()

    def forward(self, inputs, y_true):
        self.activation.forward(inputs)
        self.output = self.activation.output
        return self.loss.calculate(self.output, y_true)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        if len(y_true.shape) == 1:
            y_true = np.eye(len(dvalues[0]))[y_true]
        # The combined gradient: (y_hat - y) / samples
        self.dinputs = (dvalues - y_true) / samples
""",
    "sgd": """class Optimizer_SGD:
    def __init__(self, learning_rate=1.0):
        self.learning_rate = learning_rate

    def update_params(self, layer):
        layer.weights += -self.learning_rate * layer.dweights
        layer.biases += -self.learning_rate * layer.dbiases
""",
}


def _source(name: str) -> str:
    """A class's source: the framework's, or an activation's or a loss's from the rule table."""
    if name in _FRAMEWORK:
        return _FRAMEWORK[name]
    if name in ACTIVATIONS:
        return ACTIVATIONS[name].book_class
    return LOSSES[name].book_class


def _literal(array: np.ndarray | Sequence[Any]) -> str:
    """A nested list literal that reads back to the same floats."""
    a = np.asarray(array)
    if a.dtype.kind in "iu":
        return repr(a.tolist())
    if a.ndim == 1:
        return "[" + ", ".join(repr(float(v)) for v in a) + "]"
    return "[\n" + "".join(f"    {_literal(row)},\n" for row in a) + "]"


def render(nd: NetworkDerivation) -> str:
    """A standalone NumPy program in the book's style: the classes it needs, the forward and backward
    passes, the gradients printed, and the step."""
    spec = nd.spec
    used: list[str] = ["Layer_Dense"]
    for lp in nd.layers:
        if not (nd.combined and lp is nd.layers[-1]) and lp.layer.activation not in used:
            used.append(lp.layer.activation)
    if spec.loss is not None:
        if nd.combined:
            used += ["softmax", "Loss", "categorical_crossentropy", "combined"]
        else:
            used += ["Loss", spec.loss.kind]
    if nd.step is not None:
        used.append("sgd")
    used = list(dict.fromkeys(used))
    code = ["import numpy as np", ""]
    code += ["", "\n\n".join(_source(name).rstrip("\n") + "\n" for name in used)]
    code += ["", "# Inputs: samples x features", f"X = np.array({_literal(spec.inputs)})"]
    if spec.loss is not None:
        if spec.loss.classes is not None:
            code += ["# Targets: class indices", f"y = np.array({_literal(spec.loss.classes)})"]
        else:
            code += ["# Targets", f"y = np.array({_literal(spec.loss.targets)})"]
    code.append("")
    last = len(nd.layers)
    for lp in nd.layers:
        k = lp.number
        code.append(f"dense{k} = Layer_Dense(")
        code.append(f"    weights={_literal(lp.layer.weights)},".replace("\n", "\n    "))
        code.append(f"    biases={_literal(lp.layer.biases)},")
        code.append(")")
        if nd.combined and k == last:
            code.append("loss_activation = Activation_Softmax_Loss_CategoricalCrossentropy()")
        else:
            code.append(f"activation{k} = {lp.activation.book_name}()")
    if spec.loss is not None and not nd.combined:
        code.append(f"loss_function = {LOSSES[spec.loss.kind].book_name}()")
    code += ["", "# Forward pass"]
    forward, previous = _forward_program(nd)
    code += forward
    if spec.loss is not None:
        code.append("print('loss:', loss)")
    code += ["", "# Backward pass"]
    if nd.combined:
        code.append("loss_activation.backward(loss_activation.output, y)")
        upstream = "loss_activation.dinputs"
    else:
        if spec.loss is not None:
            code.append(f"loss_function.backward({previous}, y)")
            code.append(f"activation{last}.backward(loss_function.dinputs)")
        elif spec.dvalues is not None:
            code.append("# The gradient from the next layer (given)")
            code.append(f"dvalues = np.array({_literal(spec.dvalues)})")
            code.append(f"activation{last}.backward(dvalues)")
        else:
            code.append("# A gradient of 1 from the next layer")
            code.append(f"dvalues = np.ones_like({previous})")
            code.append(f"activation{last}.backward(dvalues)")
        upstream = f"activation{last}.dinputs"
    for lp in reversed(nd.layers):
        k = lp.number
        if k != last:
            code.append(f"activation{k}.backward(dense{k + 1}.dinputs)")
            upstream = f"activation{k}.dinputs"
        code.append(f"dense{k}.backward({upstream})")
    code += ["", "# Gradients"]
    for lp in nd.layers:
        k = lp.number
        code += [f"print('dense{k}.dweights:')", f"print(dense{k}.dweights)"]
        code += [f"print('dense{k}.dbiases:')", f"print(dense{k}.dbiases)"]
    code += ["print('dinputs:')", "print(dense1.dinputs)"]
    if nd.combined:
        code += [
            "",
            "# The separate route: the cross-entropy gradient, then the softmax Jacobian, gives the same",
            "softmax = Activation_Softmax()",
            "softmax.output = loss_activation.output",
            "loss_function = Loss_CategoricalCrossentropy()",
            "loss_function.backward(softmax.output, y)",
            "softmax.backward(loss_function.dinputs)",
            "print('largest difference between the routes:', np.max(np.abs(softmax.dinputs - loss_activation.dinputs)))",
        ]
    if nd.step is not None:
        code += [
            "",
            "# One step of gradient descent",
            f"optimizer = Optimizer_SGD(learning_rate={nd.step.lr!r})",
        ]
        code += [f"optimizer.update_params(dense{lp.number})" for lp in nd.layers]
        for lp in nd.layers:
            k = lp.number
            code += [f"print('dense{k}.weights:')", f"print(dense{k}.weights)"]
            code += [f"print('dense{k}.biases:')", f"print(dense{k}.biases)"]
        if spec.loss is not None:
            code += ["", "# Forward pass again", *_forward_program(nd)[0]]
            code.append("print('loss after the step:', loss)")
    return "\n".join(code) + "\n"


def _forward_program(nd: NetworkDerivation) -> tuple[list[str], str]:
    """The generated program's forward pass (and loss), and the name of the last output."""
    last = nd.layers[-1].number
    code: list[str] = []
    previous = "X"
    for lp in nd.layers:
        k = lp.number
        code.append(f"dense{k}.forward({previous})")
        if nd.combined and k == last:
            code.append(f"loss = loss_activation.forward(dense{k}.output, y)")
            previous = "loss_activation.output"
        else:
            code.append(f"activation{k}.forward(dense{k}.output)")
            previous = f"activation{k}.output"
    if nd.spec.loss is not None and not nd.combined:
        code.append(f"loss = loss_function.calculate({previous}, y)")
    return code, previous

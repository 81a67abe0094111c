"""A network's scalar view: the chain rule for named parameters, on the graph of what they touch.

For named parameters (``W1[2,0]``, ``b1[0]``, ``X[0,1]``) the loss is built from the
operations in the rule table, restricted to what those parameters touch, and walked by the
same chain stage as a neuron: one path per sample and neuron, whose values add up to the
matrix view's entry.  Each quantity (``z1[0,2]``, ``a1[0,2]``, ``L[0]``) is one node however many
use it, and keeps its layer, sample and index as data (:class:`Quantity`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import sympy

from ..derivation import Derivation, Kind, derive
from ..errors import LimitError
from ..graph import Graph, GraphBuilder
from ..names import latex_name
from ..ops import (
    ACTIVATIONS,
    ATOM,
    CLIP_HIGH,
    CLIP_LOW,
    LOSSES,
    Clip,
    MeanOp,
    MulOp,
    Op,
    SoftmaxCrossEntropy,
    SumOp,
)
from ..options import spell
from ..printing import LatexPrinter, TextPrinter
from .matrix import NetworkDerivation, Upstream
from .spec import Layer, Param

#: The scalar view builds trees of at most this many nodes per allowed path (a bound on the time it takes).
NODES_PER_PATH = 40
#: A neuron with more inputs than this shows only the terms that involve the named parameters;
#: the others are one leaf, ``r1[s,j]``, their sum.
FOLD = 8


class Quantity(NamedTuple):
    """What a named quantity of the network is, as data: ``W1[2,0]`` is ("W", 1, (2, 0)), ``L`` ("L", None, ())."""

    base: str
    layer: int | None
    indices: tuple[int, ...]

    @property
    def name(self) -> str:
        layer = "" if self.layer is None else str(self.layer)
        return (
            f"{self.base}{layer}[{','.join(map(str, self.indices))}]" if self.indices else self.base + layer
        )


def _q(base: str, layer: int | None, *index: int) -> Quantity:
    return Quantity(base, layer, tuple(int(i) for i in index))


@dataclass(frozen=True)
class _Leaf:
    name: str
    value: float
    meta: Quantity | None = None


@dataclass(eq=False)
class _Node:
    """One quantity of the restricted computation, before it becomes a SymPy tree.

    Named quantities (``z1[0,2]``, ``a1[0,2]``, ``L[0]``, ``L``) print by their names; the
    operations between them (a product, a log) have names starting with ``_`` and print as
    what they compute.
    """

    name: str
    op: type[Op]
    args: tuple[_Node | _Leaf | float, ...]
    meta: Quantity | None = None  # None for an operation between named quantities


_Arg = _Node | _Leaf | float


@dataclass
class ScalarView:
    """The chain rule for the named parameters: a derivation over the restricted tree."""

    params: list[Param]
    derivation: Derivation | None  # None when no named parameter reaches the loss (its nodes' meta: Quantity)
    latex_names: dict[str, str]  # every symbol and node name -> LaTeX
    text_names: dict[str, str]  # ... -> plain text
    matrix: dict[str, float]  # each parameter's gradient in the matrix view
    folded: bool  # whether some neuron's other terms were folded into one leaf r…

    def paths(self, name: str) -> list[Any]:
        d = self.derivation
        return [] if d is None or name not in d.chains else list(d.chains[name])

    def total(self, name: str) -> float:
        return math.fsum(p.value for p in self.paths(name))


def _matrix_gradient(nd: NetworkDerivation, p: Param) -> float:
    if p.kind == "X":
        return float(nd.layers[0].dinputs[p.index])
    lp = nd.layers[p.layer - 1]
    return float(lp.dweights[p.index] if p.kind == "W" else lp.dbiases[p.index[0]])


def _output_name(layer: Layer) -> str:
    """A linear layer's output is its z: no node of its own."""
    return "z" if layer.activation == "linear" else "a"


class _Builder:
    """Builds the loss as a tree of our operations, expanding only what the named parameters touch."""

    def __init__(self, nd: NetworkDerivation, params: list[Param]) -> None:
        self.nd = nd
        self.spec = nd.spec
        self.params = params
        self.leaves: dict[str, float] = {}
        self.memo: dict[tuple, _Arg] = {}
        self.helpers = 0
        self.folded = False
        n = self.spec.samples
        self.named_w = {(p.layer, p.index) for p in params if p.kind == "W"}
        self.named_b = {(p.layer, p.index[0]) for p in params if p.kind == "b"}
        self.named_x = {p.index for p in params if p.kind == "X"}
        # Which z and outputs depend on a named parameter, per layer (samples × neurons).
        self.dep_z: list[np.ndarray] = []
        self.dep_a: list[np.ndarray] = []
        for k, layer in enumerate(self.spec.layers, start=1):
            dz = np.zeros((n, layer.weights.shape[1]), dtype=bool)
            for p in params:
                if p.kind == "X" and k == 1:
                    dz[p.index[0], :] = True
                elif p.kind == "W" and p.layer == k:
                    dz[:, p.index[1]] = True
                elif p.kind == "b" and p.layer == k:
                    dz[:, p.index[0]] = True
            if k > 1:
                dz |= self.dep_a[-1].any(axis=1, keepdims=True)
            self.dep_z.append(dz)
            rowwise = ACTIVATIONS[layer.activation].rowwise
            self.dep_a.append(
                np.repeat(dz.any(axis=1, keepdims=True), dz.shape[1], axis=1) if rowwise else dz
            )

    # -- leaves and helpers ------------------------------------------------------
    def leaf(self, q: Quantity, value: float) -> _Leaf:
        self.leaves[q.name] = float(value)
        return _Leaf(q.name, float(value), q)

    def helper(self, op: type[Op], *args: _Arg) -> _Node:
        self.helpers += 1
        return _Node(f"_{self.helpers}", op, args)

    # -- the network ---------------------------------------------------------------
    def output(self, k: int, s: int, j: int) -> _Arg:
        """Layer k's output for sample s, neuron j (k = 0: the input feature j)."""
        if k == 0:
            return self.leaf(_q("X", None, s, j), self.spec.inputs[s, j])
        layer = self.spec.layers[k - 1]
        lp = self.nd.layers[k - 1]
        if not self.dep_a[k - 1][s, j]:
            return self.leaf(_q(_output_name(layer), k, s, j), lp.output[s, j])
        key = ("a", k, s, j)
        if key not in self.memo:
            act = ACTIVATIONS[layer.activation]
            q = _q("a", k, s, j)
            if act.identity:
                self.memo[key] = self.z(k, s, j)
            elif act.rowwise:
                zs = [self.z(k, s, m) for m in range(layer.weights.shape[1])]
                self.memo[key] = _Node(q.name, act, (float(j), *zs), q)
            else:
                self.memo[key] = _Node(q.name, act, (self.z(k, s, j),), q)
        return self.memo[key]

    def depends_in(self, k: int, s: int, i: int) -> bool:
        """Whether layer k's input i of sample s depends on a named parameter."""
        return (s, i) in self.named_x if k == 1 else bool(self.dep_a[k - 2][s, i])

    def z(self, k: int, s: int, j: int) -> _Arg:
        """z_k[s,j] = Σ_i in_i · W_k[i,j] + b_k[j], a node when it depends on a named parameter."""
        lp = self.nd.layers[k - 1]
        if not self.dep_z[k - 1][s, j]:
            return self.leaf(_q("z", k, s, j), lp.z[s, j])
        key = ("z", k, s, j)
        if key in self.memo:
            return self.memo[key]
        weights = lp.layer.weights
        n_in = weights.shape[0]
        involved = [i for i in range(n_in) if self.depends_in(k, s, i) or (k, (i, j)) in self.named_w]
        shown = involved if n_in > FOLD else list(range(n_in))
        terms: list[_Arg] = []
        for i in shown:
            w = self.leaf(_q("W", k, i, j), weights[i, j])
            terms.append(_Node(f"_xw{k}[{s},{i},{j}]", MulOp, (self.output(k - 1, s, i), w)))
        rest = [i for i in range(n_in) if i not in set(shown)]
        if rest:
            self.folded = True
            value = math.fsum(float(lp.inputs[s, i] * weights[i, j]) for i in rest)
            terms.append(self.leaf(_q("r", k, s, j), value))
        terms.append(self.leaf(_q("b", k, j), lp.layer.biases[j]))
        node = _Node(f"z{k}[{s},{j}]", SumOp, tuple(terms), _q("z", k, s, j))
        self.memo[key] = node
        return node

    # -- the loss ---------------------------------------------------------------------
    def root(self) -> _Node:
        spec, nd = self.spec, self.nd
        last = len(spec.layers)
        n_out = spec.outputs
        samples: list[_Arg] = []
        for s in range(spec.samples):
            if nd.combined:
                depends = bool(self.dep_z[-1][s].any())
            else:
                depends = bool((self.dep_a[-1][s] & self.terms_mask()[s]).any())
            if not depends:
                value = nd.sample_losses[s] if nd.sample_losses is not None else self.upstream_value(s)
                samples.append(self.leaf(_q("L", None, s), value))
                continue
            samples.append(self.sample(s, last, n_out))
        if nd.upstream is Upstream.LOSS:
            if len(samples) == 1:
                return _rename(samples[0], _q("L", None))
            return _Node("L", MeanOp, tuple(samples), _q("L", None))
        if len(samples) == 1:
            return _rename(samples[0], _q("L", None))
        return _Node("L", SumOp, tuple(samples), _q("L", None))

    def terms_mask(self) -> np.ndarray:
        """Which outputs enter the loss: the target classes for cross-entropy, every output otherwise."""
        spec = self.spec
        if spec.loss is not None and spec.loss.kind == "categorical_crossentropy":
            return spec.loss.targets != 0
        return np.ones((spec.samples, spec.outputs), dtype=bool)

    def upstream_value(self, s: int) -> float:
        last = self.nd.layers[-1]
        return float(np.sum(last.doutput[s] * last.output[s]))

    def sample(self, s: int, last: int, n_out: int) -> _Node:
        spec, nd = self.spec, self.nd
        if nd.combined:
            assert spec.loss is not None
            y = [float(v) for v in spec.loss.targets[s]]
            zs = [self.z(last, s, k) for k in range(n_out)]
            return _Node(f"L[{s}]", SoftmaxCrossEntropy, (*y, *zs), _q("L", None, s))
        if spec.loss is None:
            if nd.upstream is Upstream.ONES:  # the chapter's gradient of 1: no factor to show
                terms = [self.output(last, s, k) for k in range(n_out)]
            else:
                dv = nd.layers[-1].doutput[s]
                terms = [
                    self.helper(MulOp, self.leaf(_q("dvalues", None, s, k), dv[k]), self.output(last, s, k))
                    for k in range(n_out)
                ]
            return _Node(f"L[{s}]", SumOp, tuple(terms), _q("L", None, s))
        y = spec.loss.targets[s]
        prediction = nd.layers[-1].output[s]
        rule = LOSSES[spec.loss.kind]
        view = _SampleView(self, s, last, prediction)
        if rule.per_sample is not None:
            op, *args = rule.per_sample(view, y)
            return _Node(f"L[{s}]", op, tuple(args), _q("L", None, s))
        assert rule.per_output is not None
        outputs: list[_Arg] = []
        for k in range(n_out):
            q = _q("l", None, s, k)
            if not self.dep_a[-1][s, k]:
                value = rule.sample_losses(prediction[k : k + 1][None, :], y[k : k + 1][None, :])[0]
                outputs.append(self.leaf(q, value))
            else:
                op, *args = rule.per_output(view, k, float(y[k]))
                outputs.append(_Node(q.name, op, tuple(args), q))
        if len(outputs) == 1:
            return _rename(outputs[0], _q("L", None, s))
        return _Node(f"L[{s}]", MeanOp, tuple(outputs), _q("L", None, s))

    def clipped(self, last: int, s: int, k: int, value: float) -> _Arg:
        """The prediction inside a log, through the book's clip when the clip changes it."""
        a = self.output(last, s, k)
        return self.helper(Clip, a) if not CLIP_LOW <= value <= CLIP_HIGH else a


class _SampleView:
    """One sample's predictions, as a loss's scalar builder sees them (:class:`symbackprop.ops.losses.ScalarLoss`)."""

    def __init__(self, builder: _Builder, s: int, last: int, prediction: np.ndarray) -> None:
        self.builder, self.s, self.last, self.prediction = builder, s, last, prediction

    def output(self, k: int) -> _Arg:
        return self.builder.output(self.last, self.s, k)

    def clipped(self, k: int) -> _Arg:
        return self.builder.clipped(self.last, self.s, k, self.prediction[k])

    def helper(self, op: type[Op], *args: _Arg) -> _Node:
        return self.builder.helper(op, *args)


def _rename(arg: _Arg, q: Quantity) -> _Node:
    assert isinstance(arg, _Node)
    return _Node(q.name, arg.op, arg.args, q)


def _count_paths(nd: NetworkDerivation, p: Param, terms: np.ndarray) -> float:
    """How many chain-rule paths lead from the loss to ``p`` (counted before anything is built)."""
    n = nd.spec.samples
    count = None
    for lp in nd.layers:
        width = lp.layer.weights.shape[1]
        if lp.number < p.layer:
            continue
        if lp.number == p.layer:
            cz = np.zeros((n, width))
            if p.kind == "X":
                cz[p.index[0], :] = 1
            else:
                cz[:, p.index[-1]] = 1
        else:
            assert count is not None
            cz = np.repeat(count.sum(axis=1, keepdims=True), width, axis=1)
        if nd.combined and lp.number == len(nd.layers):
            return float(cz.sum())
        count = np.repeat(cz.sum(axis=1, keepdims=True), width, axis=1) if lp.activation.rowwise else cz
    assert count is not None
    return float((count * terms).sum())


def _size(root: _Node) -> int:
    """Nodes of the tree ``root`` expands to (a shared quantity counts at every use)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[_Node, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in sizes:
            continue
        children = [a for a in node.args if isinstance(a, _Node)]
        if not ready:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        sizes[id(node)] = 1 + sum(sizes[id(a)] if isinstance(a, _Node) else 1 for a in node.args)
    return sizes[id(root)]


def _sympy_number(value: float) -> sympy.Number:
    return (
        sympy.Integer(int(value)) if float(value).is_integer() and abs(value) < 2**53 else sympy.Float(value)
    )


def _to_graph(root: _Node) -> tuple[Graph, dict[str, _Node]]:
    """The graph of ``root`` in post-order (arguments in order before their operation): each quantity one
    node however many use it, each leaf one node per use (an occurrence), numbers as numbers; and
    every operation's node by name."""
    b = GraphBuilder()
    built: dict[int, int] = {}
    nodes: dict[str, _Node] = {}
    stack: list[tuple[_Node, list[int]]] = [(root, [])]
    while stack:
        node, done = stack[-1]
        if len(done) < len(node.args):
            a = node.args[len(done)]
            if isinstance(a, _Node):
                if id(a) in built:
                    done.append(built[id(a)])
                else:
                    stack.append((a, []))
            elif isinstance(a, _Leaf):
                done.append(b.variable(a.name, a.meta))
            else:
                done.append(b.number(_sympy_number(a)))
            continue
        stack.pop()
        index = built[id(node)] = b.operation(node.op, done, node.name, node.meta)
        nodes[node.name] = node
        if stack:
            stack[-1][1].append(index)
    return b.finish(authored=True), nodes


def scalar_view(nd: NetworkDerivation, params: list[Param], max_paths: int) -> ScalarView:
    """Build the restricted graph for ``params`` and walk it: one chain per path from the loss."""
    builder = _Builder(nd, params)
    terms = builder.terms_mask()
    counts = {p.name: _count_paths(nd, p, terms) for p in params}
    total = sum(counts.values())
    if total > max_paths:
        raise LimitError(
            f"the scalar view of {', '.join(counts)} has {int(total)} chain-rule paths, more than the limit of "
            f"{max_paths} (raise it with {spell('max_paths')}, or ask for fewer samples or a later layer)"
        )
    matrix = {p.name: _matrix_gradient(nd, p) for p in params}
    reached = [p.name for p in params if counts[p.name] > 0]
    if not reached:
        return ScalarView(params, None, {}, {}, matrix, False)
    root = builder.root()
    size = _size(root)
    if size > NODES_PER_PATH * max(max_paths, 1):
        raise LimitError(
            f"the scalar view of {', '.join(counts)} needs a tree of {size} nodes, more than the limit of "
            f"{NODES_PER_PATH * max_paths} (raise {spell('max_paths')}, or ask for fewer samples)"
        )
    graph, nodes = _to_graph(root)
    limits = nd.limits.merge(max_paths=max_paths)
    d = derive(graph, builder.leaves, wrt=reached, kind=Kind.NETWORK, limits=limits, check_output=False)
    latex_names = {leaf: latex_name(leaf) for leaf in builder.leaves}
    text_names = {leaf: leaf for leaf in builder.leaves}
    _helper_names(nodes, latex_names, text_names)
    return ScalarView(params, d, latex_names, text_names, matrix, builder.folded)


def _helper_names(nodes: Mapping[str, _Node], latex: dict[str, str], text: dict[str, str]) -> None:
    """Named quantities print by name; an operation between them prints as what it computes."""
    pending = list(nodes.values())
    for node in pending:
        if not node.name.startswith("_"):
            latex[node.name] = latex_name(node.name)
            text[node.name] = node.name
    done = {n.name for n in pending if not n.name.startswith("_")}
    helpers = [n for n in pending if n.name.startswith("_")]
    while helpers:
        rest = []
        for node in helpers:
            children = [a for a in node.args if isinstance(a, _Node)]
            if any(c.name not in done for c in children):
                rest.append(node)
                continue
            for printer, table in ((LatexPrinter(latex), latex), (TextPrinter(text), text)):
                args = [
                    printer.leaf(a.name) if isinstance(a, (_Node, _Leaf)) else printer.num(_sympy_number(a))
                    for a in node.args
                ]
                printed = printer.apply(node.op, args).text
                table[node.name] = printed if node.op.prec >= ATOM else printer.parens(printed)
            done.add(node.name)
        if len(rest) == len(helpers):
            break
        helpers = rest

"""The quantities of a neuron's or an expression's derivation as a student answers them, and the
mistakes a hand-done backward pass typically makes in each.

Every name is the one the text and Python formats print (:class:`~symbackprop.names.ChapterNames`,
the Python renderer's ``x[0]``): forward values (``xw0``, ``z``, ``y``), local factors
(``dsum_dxw0``), node gradients (``drelu_dxw0``, a shared step's shares ``dy_dz_a``), leaf
gradients (``drelu_dw0``, ``dw0``, ``dw[0]``, the lists ``dw``, ``dx``, ``db``), the updated
parameters (``new_w0``, ``new_w``) and the forward pass after the update (``new_xw0`` ...,
``new_y``).  In a file, a leaf's list changed (``w[0] += -0.001 * dw[0]``) starts the update,
and the forward pass written after it is the new one.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from .answers import Binding
from .check import Candidate, Env, Quantity, show, unknown
from .derivation import Derivation
from .derivation import derive as derive_graph
from .errors import EvaluationError, InputError, SymbackpropError
from .evaluate import compile_template, forward
from .names import ChapterNames, use_name
from .ops import MUL, MulOp, ReLU, ShareOp, SignOp, StepOp
from .options import spell
from .render.python import _Program
from .steps import Style

#: Other points a file's formulas are run at: at least this many, more until every piecewise factor
#: (a ReLU mask, abs's sign, a max's share) has taken two values, at most this many draws.
MIN_PROBES, MAX_DRAWS = 3, 40
#: The most other lines a "copied from the wrong line" candidate is looked for in, nearest first.
NEAREST_LINES = 40


class ScalarModel:
    """A derivation's quantities, in the order of the backward pass, and their spellings."""

    def __init__(self, d: Derivation, probe: bool = False) -> None:
        missing = [n for n in d.graph.leaves if n not in d.values]
        if missing:
            raise EvaluationError(
                f"{spell('check')} compares numbers, and there is no value for {', '.join(missing[:5])}"
                f" (give it with {spell('at', value=True)})"
            )
        self.d = d
        # at another point (a probe), its numbers are shown short and it is "there", not "here"
        self.here = "there" if probe else "here"
        self.show = (lambda v: show(v, 4)) if probe else show
        g = self.g = d.graph
        self.names = ChapterNames.of(g, d.style is Style.NAMED)
        self.program = _Program(d)
        self.quantities: dict[str, Quantity] = {}
        self.spellings: dict[str, str] = {}
        self.roles: dict[str, tuple[str, Any]] = {}
        self.node_key: dict[int, str] = {}  # a node -> its forward quantity (a leaf's occurrence -> the leaf)
        self.leaf_lists: dict[str, list[str]] = {}  # a list's name (x, w, b) -> its leaves
        self._given()
        self._forward()
        self._backward()
        self._lists()
        self._update()

    # -- building ---------------------------------------------------------------------------------
    def add(
        self, key: str, q: Quantity, role: tuple[str, Any], *spellings: str, hidden: bool = False
    ) -> None:
        """A quantity, and the names it is answered by (none where ``hidden``: a factor no format prints)."""
        if key in self.quantities:
            return
        self.quantities[key] = q
        self.roles[key] = role
        for s in () if hidden else (key, *spellings):
            self.spellings.setdefault(s, key)

    def _given(self) -> None:
        d, p = self.d, self.program
        for key, members in d.arrays.items():  # the chapter's lists first, as its cells give them
            if members != [key]:
                value = tuple(d.values[m] for m in members)
                self.add(
                    key, Quantity(key, value, f"{key} = {show(value)}", members=tuple(members)), ("list", key)
                )
        for leaf in self.g.leaves:
            written = p.leaf(leaf)
            self.add(leaf, Quantity(leaf, d.values[leaf], f"{written} = {show(d.values[leaf])}", given=True),
                     ("given", leaf), written)  # fmt: skip
            for i in self.g.occurrences[leaf]:
                self.node_key[i] = leaf
        self.leaf_lists = dict(d.arrays)
        self.add(
            "dvalue",
            Quantity("dvalue", d.dvalue, f"dvalue = {show(d.dvalue)}", given=True),
            ("given", "dvalue"),
        )
        if d.step is not None:
            self.add("lr", Quantity("lr", d.step.lr, f"lr = {show(d.step.lr)}", given=True), ("given", "lr"))

    def _forward(self) -> None:
        d, g = self.d, self.g
        for i, n in enumerate(g.nodes):
            if n.op is None:
                continue
            self.node_key[i] = n.var
            inputs, compute = self._op_inputs(i, self.node_key)
            rule = _short("; ".join(self.program.assignment(i)))
            self.add(n.var, Quantity(n.var, d.node_values[i], rule, inputs, compute), ("forward", i))

    def _op_inputs(self, i: int, keys: dict[int, str]) -> tuple[tuple[str, ...], Callable[[list[Any]], Any]]:
        n = self.g.nodes[i]
        op = n.op
        assert op is not None
        inputs, fill = _arguments(self.g, n.children, keys)
        return inputs, lambda vals: op.forward(*fill(vals))

    def _backward(self) -> None:
        d, g, names, p = self.d, self.g, self.names, self.program
        self.edges = d.backward_edges()
        self.position = {e: k for k, e in enumerate(self.edges)}
        self.grad_key: dict[int, str] = {}  # node -> its gradient's quantity
        self.factor_key: dict[int, str] = {}  # edge -> its factor's quantity
        for e in self.edges:
            edge = g.edges[e]
            parent, child = g.nodes[edge.parent], g.nodes[edge.child]
            t = d.templates[e]
            assert parent.op is not None and t is not None
            top = edge.parent == g.root
            # the output's own factors are written inline (dvalue * 1(z > 0)), never by a name of their own
            fac = f"{names.factor[e]}@{e}" if top else names.factor[e]
            self.factor_key[e] = fac
            inputs, fill = _read(g, parent.children, self.node_key, t.holes)
            compiled = compile_template(t)
            rule = f"{names.factor[e]} = {p.strings.derivative(e, p.p)}"
            self.add(fac, Quantity(fac, d.local_values[e], rule, inputs, _composed(compiled, fill)), ("factor", e),
                     hidden=top)  # fmt: skip
            up = "dvalue" if top else names.grad[edge.parent]
            key = names.share.get(e, names.grad[edge.child])
            if top:
                rule = f"{key} = dvalue * {p.strings.operand(e, p.p, MUL + 1)}"
            else:
                rule = f"{key} = {up} * {fac}"
            self.add(key, Quantity(key, d.contribution(e), rule, (up, fac), _product), ("edge", e))
            if len(child.uses) == 1:
                self.grad_key[edge.child] = key
            elif e == child.uses[-1]:
                total = names.grad[edge.child]
                shares = tuple(names.share[u] for u in child.uses)
                rule = f"{total} = {' + '.join(shares)}"
                self.add(
                    total,
                    Quantity(total, d.node_gradients[edge.child], rule, shares, _sum),
                    ("sum", edge.child),
                )
                self.grad_key[edge.child] = total
        for leaf in g.leaves:
            if leaf not in d.gradients:
                continue  # data: no gradient
            occurrences = g.occurrences[leaf]
            whole = names.total[leaf]
            if len(occurrences) > 1:
                parts = tuple(self.grad_key[i] for i in occurrences)
                rule = f"{whole} = {' + '.join(parts)}"
                self.add(whole, Quantity(whole, d.gradients[leaf], rule, parts, _sum), ("total", leaf))
            elif self.grad_key[occurrences[0]] != whole:
                self.spellings.setdefault(whole, self.grad_key[occurrences[0]])

    def total(self, leaf: str) -> str:
        whole = self.names.total[leaf]
        return self.spellings.get(whole, whole)

    def _lists(self) -> None:
        d = self.d
        for leaf in d.gradients:
            self.spellings.setdefault(f"d{leaf}", self.total(leaf))
        for key, members in d.arrays.items():
            if not all(m in d.gradients for m in members):
                continue
            totals = tuple(self.total(m) for m in members)
            if members == [key]:
                self.spellings.setdefault(f"d{key}", totals[0])
                continue
            for j, t in enumerate(totals):
                self.spellings.setdefault(f"d{key}[{j}]", t)
                self.spellings.setdefault(f"{key}[{j}]", members[j])
            value = tuple(d.gradients[m] for m in members)
            rule = f"d{key} = [{', '.join(totals)}]"
            self.add(f"d{key}", Quantity(f"d{key}", value, rule, members=totals), ("list", key))

    def _update(self) -> None:
        d, g, step = self.d, self.g, self.d.step
        if step is None:
            return
        for leaf, new in step.values.items():
            key = f"new_{leaf}"
            grad = self._written_gradient(leaf)
            rule = f"{self.program.leaf(leaf)} += -lr * {grad}"
            inputs: tuple[str, ...] = (leaf, "lr", self.total(leaf))
            self.add(key, Quantity(key, new, rule, inputs, lambda v: v[0] - v[1] * v[2]), ("update", leaf))
        for name, members in d.arrays.items():
            if members != [name] and all(m in step.values for m in members):
                value = tuple(step.values[m] for m in members)
                news = tuple(f"new_{m}" for m in members)
                self.add(f"new_{name}", Quantity(f"new_{name}", value, f"{name} after the update", members=news),
                         ("list", name))  # fmt: skip
        if step.output is None:
            return
        after = forward(g, {**d.values, **{k: v for k, v in step.values.items() if v is not None}}, d.exact)
        keys = {i: (f"new_{k}" if f"new_{k}" in self.quantities else k) for i, k in self.node_key.items()}
        for i, n in enumerate(g.nodes):
            if n.op is None:
                continue
            keys[i] = f"new_{n.var}"
            inputs, compute = self._op_inputs(i, keys)
            rule = _short("; ".join(self.program.assignment(i))) + "  (after the update)"
            self.add(keys[i], Quantity(keys[i], after[i], rule, inputs, compute), ("new", i))

    def _written_gradient(self, leaf: str) -> str:
        """A leaf's gradient as the chapter writes it in the update: ``dw[0]``, ``db``, else its name."""
        position = self.program.position.get(leaf)
        for key, members in self.d.arrays.items():
            if position is not None and position < len(members) and members[position] == leaf:
                return f"d{key}" if members == [key] else f"d{key}[{position}]"
        return self.total(leaf)

    # -- the model's questions --------------------------------------------------------------------
    def key_of(self, name: str) -> str | None:
        return self.spellings.get(name)

    def resolve(self, bindings: Sequence[Binding]) -> list[tuple[str, str]]:
        """Each answer's quantity; in a file, a change of a leaf's value starts the update, after which
        the forward pass's names are the new forward pass's."""
        out = []
        after = False
        seen: dict[str, Any] = {}
        for b in bindings:
            base = b.name.split("[")[0]
            leafy = (
                base in self.leaf_lists or base in self.d.values or self.spellings.get(base) in self.d.values
            )
            changed = False
            if leafy and b.line is not None:
                changed = b.changes or (b.name in seen and seen[b.name] != b.value)
                after = after or changed
                seen[b.name] = b.value
            forward_name = self.roles.get(self.spellings.get(b.name, ""), ("",))[0] == "forward"
            if after and b.line is not None and (changed or (forward_name and not leafy)):
                new = self._after(b)
                out.append((new, new))
                continue
            key = self.spellings.get(b.name)
            if key is None:
                raise unknown(b.name, b, self.spellings)
            if after and b.line is not None and not leafy:
                raise InputError(
                    f"{b.name} is assigned after the update (line {b.line}): only the forward pass again "
                    f"(and the updated values) is read there"
                )
            out.append((key, b.name))
        return out

    def _after(self, b: Binding) -> str:
        """A name given after the update: the updated leaf (``new_w0``, ``new_w``) or the new forward value."""
        key = self.spellings.get(b.name) or b.name
        if "[" in b.name:
            key = self.spellings.get(b.name, key)
        new = f"new_{key}"
        if new not in self.quantities:
            have = "no update step" if self.d.step is None else "an update step that does not change it"
            hint = f" (give {spell('lr')} and {spell('update')})" if self.d.step is None else ""
            raise InputError(f"{b.name} changes at line {b.line}, and the derivation has {have}{hint}")
        return new

    def value(self, key: str, given: Any, name: str) -> Any:
        q = self.quantities[key]
        if q.members:
            if not isinstance(given, tuple) or len(given) != len(q.members):
                raise InputError(
                    f"{spell('check')}: {name} is a list of {len(q.members)} numbers, not {show(given)}"
                )
            if any(isinstance(v, tuple) for v in given):
                raise InputError(f"{spell('check')}: {name} is a list of numbers, not of lists")
            return tuple(float(v) for v in given)
        if isinstance(given, tuple):
            raise InputError(f"{spell('check')}: {name} is a number, not a list")
        return float(given)

    def probes(self) -> Iterator[ScalarModel]:
        """The same derivation at other points: random values (signs kept at every other one, so that a
        log or a root stays defined), until each piecewise factor has taken two values."""
        d, g = self.d, self.g
        rng = random.Random(20260)  # fixed: the same answers get the same report
        piecewise = [e for e in self.edges if _piecewise(d, e)]
        seen = {e: {d.local_values[e]} for e in piecewise}
        taken = 0
        for draw in range(MAX_DRAWS):
            keep = draw % 3 == 2
            values = {}
            for leaf in g.leaves:
                sign = math.copysign(1.0, d.values[leaf]) if keep else rng.choice((-1.0, 1.0))
                values[leaf] = sign * rng.uniform(0.5, 3.0)
            dvalue = rng.choice((-1.0, 1.0)) * rng.uniform(1.5, 3.0)
            try:
                other = derive_graph(
                    g, values, dvalue=dvalue, wrt=[], lr=None if d.step is None else d.step.lr,
                    update=None if d.step is None else list(d.step.values), arrays=d.arrays, kind=d.kind,
                    limits=d.limits, check_output=False, style=d.style, const=d.constants,
                )  # fmt: skip
            except SymbackpropError:
                continue
            new = [e for e in piecewise if other.local_values[e] not in seen[e]]
            if taken >= MIN_PROBES and not new:
                continue
            for e in piecewise:
                seen[e].add(other.local_values[e])
            taken += 1
            yield ScalarModel(other, probe=True)
            if taken >= MIN_PROBES and all(len(v) > 1 for v in seen.values()):
                return

    # -- mistakes ---------------------------------------------------------------------------------
    def candidates(self, key: str, env: Env) -> list[Candidate]:
        role, ref = self.roles[key]
        q = self.quantities[key]
        out: list[Candidate] = []
        if role == "given":
            hint = (
                f"{spell('x')}, {spell('w')}, {spell('b')}"
                if ref in self.d.values and self.d.arrays
                else spell("at")
            )
            hint = spell(ref) if ref in ("dvalue", "lr") else hint
            out.append(
                Candidate(
                    "given",
                    env.sv(key),
                    f"Not the value the derivation is given: {q.rule} (give yours with {hint}).",
                )
            )
            return out
        if q.compute is not None and q.inputs:
            flipped = -q.compute([env.sv(i) for i in q.inputs])
            out.append(
                Candidate(
                    "sign",
                    flipped,
                    f"Sign: the right size with the wrong sign; the rule is {q.rule}.",
                    frozenset(q.inputs),
                )
            )
        out.append(
            Candidate(
                "sign",
                -_float(q.expected),
                f"Sign: the right size with the wrong sign; the rule is {q.rule}.",
            )
        )
        if role == "factor":
            out += self._factor_mistakes(ref, env)
        elif role == "edge":
            out += self._edge_mistakes(ref, env)
        elif role in ("sum", "total"):
            out += self._path_mistakes(key, env)
        elif role == "update":
            lr, grad = env.sv("lr"), env.sv(self.total(ref))
            sentence = f"+lr in the update: gradient descent steps against the gradient, {q.rule}."
            out.append(Candidate("plus_lr", env.sv(ref) + lr * grad, sentence, frozenset(q.inputs)))
        return out

    def _mul_swaps(self, e: int, env: Env) -> list[tuple[float, frozenset[str]]]:
        """What ∂mul/∂child is with the operands swapped: the product of the arguments but another one
        (for two arguments, the child's own value)."""
        edge = self.g.edges[e]
        parent = self.g.nodes[edge.parent]
        if parent.op is not MulOp:
            return []
        args = [self._value_of(c, env) for c in parent.children]
        out = []
        for j in range(len(args)):
            if j != edge.argpos:  # the product of the others but j: what a line reading them gives
                rest = [k for k in range(len(args)) if k != j]
                reads = frozenset(
                    self.node_key[parent.children[k]] for k in rest if parent.children[k] in self.node_key
                )
                out.append((math.prod(args[k] for k in rest), reads))
        return out

    def _value_of(self, i: int, env: Env) -> float:
        n = self.g.nodes[i]
        return float(n.number) if n.number is not None else env.sv(self.node_key[i])

    def _relu(self, e: int) -> tuple[str, float] | None:
        edge = self.g.edges[e]
        if self.g.nodes[edge.parent].op is not ReLU:
            return None
        z = self.node_key[edge.child]
        return z, self.d.node_values[edge.child]  # type: ignore[return-value]

    def _mask_mistakes(
        self, e: int, env: Env, upstream: float, reads: frozenset[str], rule: str
    ) -> list[Candidate]:
        relu = self._relu(e)
        if relu is None:
            return []
        z, at = relu
        mask = self.d.local_values[e]
        out = []
        if mask == 0:
            sentence = (f"Missing ReLU mask: ReLU passes the gradient back only where its input is positive, "
                        f"1({z} > 0), and {z} = {self.show(at)} {self.here}; {rule}.")  # fmt: skip
            out.append(Candidate("mask", upstream, sentence, reads))
        others = [k for k, (r, _) in self.roles.items() if r == "forward" and k != z][:200]
        for other in [None, *others]:
            wrong = 0.0 if other is None else (1.0 if env.sv(other) > 0 else 0.0)
            if wrong == mask:
                continue
            at_other = "" if other is None else f", not at {other} = {self.show(env.sv(other))}"
            sentence = (f"ReLU mask at the wrong z: the mask 1({z} > 0) is taken at ReLU's own input, "
                        f"{z} = {self.show(at)} {self.here}{at_other}; {rule}.")  # fmt: skip
            extra = frozenset() if other is None else frozenset([other])
            out.append(Candidate("wrong_z", upstream * wrong, sentence, reads | extra))
        return out

    def _factor_mistakes(self, e: int, env: Env) -> list[Candidate]:
        fac = self.factor_key[e]
        rule = self.quantities[fac].rule
        out = []
        right = self.program.strings.derivative(e, self.program.p)
        child = self.program.atom(self.g.edges[e].child).text
        for value, reads in self._mul_swaps(e, env):
            sentence = f"Swapped mul operands: the derivative of a product by one operand is the other operand, {fac} = {right}, not {child} itself."
            out.append(Candidate("swapped", value, sentence, reads))
        out += self._mask_mistakes(e, env, 1.0, frozenset(), rule)
        for e2 in self._nearest(e):
            other = self.factor_key[e2]
            sentence = f"A factor copied from the wrong line: {other} ({self.quantities[other].rule}) in place of {rule}."
            out.append(Candidate("copied", env.sv(other), sentence, frozenset([other])))
        return out

    def _edge_mistakes(self, e: int, env: Env) -> list[Candidate]:
        key = self.names.share.get(e, self.names.grad[self.g.edges[e].child])
        q = self.quantities[key]
        up, fac = q.inputs
        upstream, local = env.sv(up), env.sv(fac)
        top = self.g.edges[e].parent == self.g.root
        shown = self.program.strings.operand(e, self.program.p, MUL + 1) if top else fac
        out = [Candidate(
            "upstream", local,
            f"Missing upstream gradient: {shown} alone is the local derivative; the chain rule multiplies it by "
            f"the gradient from above, {q.rule}.",
            frozenset([fac]) if not top else frozenset(),
        )]  # fmt: skip
        child = self.program.atom(self.g.edges[e].child).text
        right = self.program.strings.derivative(e, self.program.p)
        for value, reads in self._mul_swaps(e, env):
            sentence = f"Swapped mul operands: the derivative of a product by one operand is the other operand ({right}), not {child} itself; {q.rule}."
            out.append(Candidate("swapped", upstream * value, sentence, reads | {up}))
        out += self._mask_mistakes(e, env, upstream, frozenset([up]), q.rule)
        for e2 in self._nearest(e):
            other = self.factor_key[e2]
            sentence = f"A factor copied from the wrong line: {other} in place of {fac}; {q.rule}."
            out.append(Candidate("copied", upstream * env.sv(other), sentence, frozenset([up, other])))
            other_up = self.quantities[
                self.names.share.get(e2, self.names.grad[self.g.edges[e2].child])
            ].inputs[0]
            if other_up != up:
                sentence = (
                    f"An upstream gradient copied from the wrong line: {other_up} in place of {up}; {q.rule}."
                )
                out.append(
                    Candidate("copied", env.sv(other_up) * local, sentence, frozenset([other_up, fac]))
                )
        return out

    def _path_mistakes(self, key: str, env: Env) -> list[Candidate]:
        q = self.quantities[key]
        role, ref = self.roles[key]
        g = self.g
        if role == "sum":  # a step used more than once: by which steps
            what, nodes = g.nodes[ref].var, [ref]
        else:  # a leaf written more than once
            what, nodes = ref, g.occurrences[ref]
        users = list(dict.fromkeys(use_name(g, u) for i in nodes for u in g.nodes[i].uses))
        parts = q.inputs
        if len(parts) > 8:
            return []
        out = []
        for size in range(len(parts) - 1, 0, -1):
            for subset in itertools.combinations(parts, size):
                left = [p for p in parts if p not in subset]
                sentence = (f"A missing path: {what} is used by {_and(users)}, and its gradient is the sum over "
                            f"every use, {q.rule}; this leaves out {_and(left)}.")  # fmt: skip
                out.append(Candidate("path", sum(env.sv(p) for p in subset), sentence, frozenset(subset)))
        return out

    def _nearest(self, e: int) -> list[int]:
        """Other edges of the backward pass, the nearest lines first (the one before first)."""
        k = self.position[e]
        root = self.g.root
        others = (
            e2 for e2 in self.edges if e2 != e and self.g.edges[e2].parent != root
        )  # named factors only
        order = sorted(others, key=lambda e2: (abs(self.position[e2] - k), self.position[e2] > k))
        return order[:NEAREST_LINES]


def _arguments(
    g: Any, children: Sequence[int], keys: dict[int, str]
) -> tuple[tuple[str, ...], Callable[[list[Any]], list[float]]]:
    """The quantities an operation's arguments are (a number is none), and how to lay their values
    out as the operation's arguments again."""
    inputs: list[str] = []
    slots: list[tuple[bool, float]] = []  # (a quantity's value, its position) or (a number, its value)
    for c in children:
        n = g.nodes[c]
        if n.number is not None:
            slots.append((False, float(n.number)))
        else:
            slots.append((True, len(inputs)))
            inputs.append(keys[c])

    def fill(vals: list[Any]) -> list[float]:
        return [vals[int(v)] if quantity else v for quantity, v in slots]

    return tuple(inputs), fill


def _read(
    g: Any, children: Sequence[int], keys: dict[int, str], holes: Iterable[int]
) -> tuple[tuple[str, ...], Callable[[list[Any]], Any]]:
    """The arguments a local derivative reads (``holes``: a sum's factor reads none, a product's the
    others), and their values by position, which is all its compiled template asks for: a neuron's
    n factors stay linear in n, not n times its sum's n arguments."""
    positions = sorted(holes)
    numbers = {
        j: float(g.nodes[children[j]].number) for j in positions if g.nodes[children[j]].number is not None
    }
    read = [j for j in positions if j not in numbers]
    inputs = tuple(keys[children[j]] for j in read)

    def by_position(vals: list[Any]) -> dict[int, float]:
        return {**numbers, **dict(zip(read, vals))}

    return inputs, by_position


def _piecewise(d: Derivation, e: int) -> bool:
    t = d.templates[e]
    return t is not None and any(op in (StepOp, SignOp, ShareOp) for op in t.operations)


def _composed(
    compiled: Callable[[Any], float], fill: Callable[[list[Any]], Any]
) -> Callable[[list[Any]], Any]:
    """A local derivative's compiled template on the quantities' values, laid out as its arguments."""
    return lambda v: compiled(fill(v))


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _product(v: list[Any]) -> float:
    return float(v[0]) * float(v[1])


def _sum(v: list[Any]) -> float:
    return float(sum(v))


def _float(value: Any) -> float:
    return float(value) if not isinstance(value, tuple) else math.nan


def _short(text: str, width: int = 160) -> str:
    return text if len(text) <= width else text[: width - 4] + " ..."

"""What a figure draws, whatever the format: items (nodes), the links between them (one per edge),
and the frames of the chapter's sequence, made from a derivation or a network's layers.

Labels come from the derivation's strings and the network's tables: nothing here names an
operation or computes a derivative.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

from ... import numbers
from ...derivation import Derivation
from ...names import latex_name, layer_latex
from ...printing import LatexPrinter, Piece, TextPrinter
from .._strings import Strings, loss_name

if TYPE_CHECKING:
    from ..._network import NetworkDerivation

Caption = tuple[str, str]  # (plain text, LaTeX)
Drawable = Union[Derivation, "NetworkDerivation"]


@dataclass
class Item:
    """One node of a figure."""

    name: str  # "mul", "x0", "dense"
    name_tex: str
    op: bool = False  # an operation (grey until computed) or a leaf (given from the start)
    sub: str = ""  # a small grey line under an operation: its variable, "xw0", "z1"
    sub_tex: str = ""
    forward: Caption | None = None  # the caption of the frame that computes it
    data: bool = False  # a leaf given as data (--const): no gradient flows into it
    children: list[int] = field(default_factory=list)  # items with a link into it, in order


@dataclass
class Link:
    """One edge of a figure: from an item to the operation using it (``parent``; None: the output)."""

    child: int
    parent: int | None
    value: str = ""  # what flows forward along the edge (black)
    value_tex: str = ""
    gradient: str | None = None  # what flows back (red); None: nothing (a number)
    gradient_tex: str = ""
    backward: Caption | None = None  # the caption of the frame that brings its gradient
    role: str = ""  # which operand it is, where the order matters ("numerator"): the operation's word


@dataclass
class Drawing:
    """Items in forward order (arguments before their operation), the links between them (each item's
    in the order of its uses); ``steps`` are the links whose gradient each backward frame adds."""

    items: list[Item]
    links: list[Link]
    output: tuple[str, str]  # the output node's label (text, LaTeX)
    steps: list[int]  # the output's link first
    start: Caption
    chain: bool = False  # layer level: leaves just before their operation, the first argument straight
    legend: tuple[str, str] = ("value", "gradient")  # what the black and the red label of an edge are
    spread: bool = False  # leaves beside their use, not in the first column (a network's scalar view)

    def __post_init__(self) -> None:
        for link in self.links:
            if link.parent is not None:
                self.items[link.parent].children.append(link.child)
        self.root = next(link.child for link in self.links if link.parent is None)
        self.leaves = [i for i, item in enumerate(self.items) if not item.op]
        # Columns, left to right: an operation one right of its rightmost operation argument; leaves
        # all in column 0 (the chapter's neuron), or just before their operation (a network's layers).
        self.column = [0] * len(self.items)
        for i, item in enumerate(self.items):
            if item.op:
                self.column[i] = 1 + max([0, *(self.column[c] for c in item.children if self.items[c].op)])
        if self.chain:
            first_parent = {link.child: link.parent for link in reversed(self.links)}
            for i in self.leaves:
                parent = first_parent.get(i)
                self.column[i] = 0 if parent is None else self.column[parent] - 1


@dataclass(frozen=True)
class Frame:
    """What one figure shows: the items whose value is on their links, the links with their gradient."""

    values: frozenset[int]
    gradients: frozenset[int]
    caption: Caption | None = None
    new_item: int | None = None  # the item whose value this frame adds
    new_link: int | None = None  # ... or the link whose gradient it adds


def sequence(g: Drawing) -> list[Frame]:
    values, grads = set(g.leaves), set()
    out = [Frame(frozenset(values), frozenset(), g.start)]
    for i, item in enumerate(g.items):
        if item.op:
            values.add(i)
            out.append(Frame(frozenset(values), frozenset(), item.forward, new_item=i))
    values = set(range(len(g.items)))
    for k in g.steps:
        grads.add(k)
        out.append(Frame(frozenset(values), frozenset(grads), g.links[k].backward, new_link=k))
    return out


def complete(g: Drawing) -> Frame:
    return Frame(frozenset(range(len(g.items))), frozenset(g.steps))


# --- a derivation's graph -------------------------------------------------------------------


def number(value: float | None) -> str:
    """A figure's number ("" where it is unknown: a symbolic derivation)."""
    return "" if value is None else numbers.short(value)


def number_tex(value: float | None) -> str:
    return "" if value is None else numbers.short(value, "latex")


def scalar_drawing(
    d: Derivation,
    text_names: Mapping[str, str] | None = None,
    tex_names: Mapping[str, str] | None = None,
    captions: bool = True,
    once: bool = False,
) -> Drawing:
    """The chain-rule graph of ``d``: each operation and each leaf's occurrence an item (a number is
    drawn inside its operation, not as an input), each edge a link; the name tables (a network's
    scalar view) say how names print.  Captions (for frames) print each local derivative: the
    complete figure goes without.  ``once``: a leaf used in several places (a network's weight, in
    every sample) is one item with a link to each use."""
    g = d.graph
    nodes = g.nodes
    text_names, tex_names = dict(text_names or {}), dict(tex_names or {})
    text, tex = TextPrinter(text_names), LatexPrinter(tex_names)
    printed = Strings(d)

    def name(var: str) -> str:
        return text_names.get(var, var)

    def name_tex(var: str) -> str:
        return tex_names.get(var) or latex_name(var)

    root = nodes[g.root]
    out = root.var if root.op is not None else "output"
    top = loss_name(d) if d.dvalue != 1 else (name(out), name_tex(out))
    steps = d.backward_edges()
    if set(d.chains) != set(d.gradients):  # --wrt: only the paths to the named leaves
        on_paths = {e for paths in d.chains.values() for p in paths for e in p.edges}
        steps = [e for e in steps if e in on_paths]
    items: list[Item] = []
    links: list[Link] = []
    item_of: dict[int, int] = {}  # graph node -> item (numbers have none)
    leaf_item: dict[str, int] = {}  # with ``once``: a leaf's name -> its one item
    link_of: dict[int | None, int] = {}  # graph edge (None: the output's) -> link
    for i, n in enumerate(nodes):
        if n.number is not None and i != g.root:  # drawn inside the operation that takes it
            continue
        shown = not n.var.startswith("_")  # a network's helper quantity has no name of its own
        if n.op is not None:
            item = Item(
                *_operation_names(g, i, text, tex),
                True,
                name(n.var) if shown else "",
                name_tex(n.var) if shown else "",
            )
            if captions:
                args = [_atom(g, c, text) for c in n.children]
                formula = text.apply(n.op, args).text.replace(" * ", " · ")
                tex_formula = tex.apply(n.op, [_atom(g, c, tex) for c in n.children]).text
                value = d.node_values[i]
                item.forward = (
                    f"{name(n.var)} = {formula}" + (f" = {number(value)}" if value is not None else ""),
                    f"{name_tex(n.var)} = {tex_formula}"
                    + (f" = {number_tex(value)}" if value is not None else ""),
                )
        elif n.number is not None:  # the whole expression is a number
            item = Item(text.number(n.number), tex.number(n.number), data=True)
        else:
            item = Item(name(n.var), name_tex(n.var), data=n.var in d.constants)
        if once and n.op is None and n.number is None and n.var in leaf_item:
            item_of[i] = leaf_item[n.var]  # drawn already: this occurrence is one more link from it
        else:
            item_of[i] = len(items)
            items.append(item)
            if once and n.op is None:
                leaf_item[n.var] = item_of[i]
        labels = (number(d.node_values[i]), number_tex(d.node_values[i]))
        for e in n.uses:
            edge = g.edges[e]
            parent_op = nodes[edge.parent].op
            roles = parent_op.operands if parent_op is not None else ()
            link = Link(
                item_of[i], None, *labels, role=roles[edge.argpos] if edge.argpos < len(roles) else ""
            )
            link_of[e] = len(links)
            if d.flows(e):
                flowing = d.contribution(e)
                link.gradient, link.gradient_tex = number(flowing), number_tex(flowing)
                if captions:
                    link.backward = _backward_caption(d, e, printed, top, text, tex, name, name_tex)
            links.append(link)
        if i == g.root:
            link = Link(
                item_of[i], None, *labels, number(d.node_gradients[i]), number_tex(d.node_gradients[i])
            )
            link.backward = (
                f"Backward pass: the gradient from the next layer, dvalue = {number(d.dvalue)}",
                rf"\text{{Backward pass: the gradient from the next layer, }} \mathit{{dvalue}} = {number_tex(d.dvalue)}",
            )
            link_of[None] = len(links)
            links.append(link)
    for edge_index, k in link_of.items():  # parents are items once every node is one
        if edge_index is not None:
            links[k].parent = item_of[g.edges[edge_index].parent]
    start = ("Forward pass: the leaves' values", r"\text{Forward pass: the leaves' values}")
    order = [link_of[None], *(link_of[e] for e in steps)]
    return Drawing(items, links, (name(out), name_tex(out)), order, start, spread=once)


def _operation_names(g: Any, i: int, text: TextPrinter, tex: LatexPrinter) -> tuple[str, str]:
    """An operation's label: its name, with the numbers it takes written in (``pow(·, 2)``)."""
    n = g.nodes[i]
    if all(g.nodes[c].number is None for c in n.children):
        return n.op.name, n.op.latex_name
    plain = [text.number(g.nodes[c].number) if g.nodes[c].number is not None else "·" for c in n.children]
    typeset = [
        tex.number(g.nodes[c].number) if g.nodes[c].number is not None else r"\cdot" for c in n.children
    ]
    return f"{n.op.name}({', '.join(plain)})", f"{n.op.latex_name}({', '.join(typeset)})"


def _atom(g: Any, i: int, p: TextPrinter | LatexPrinter) -> Piece:
    n = g.nodes[i]
    return p.num(n.number) if n.number is not None else p.leaf(n.var)


def _backward_caption(
    d: Derivation,
    e: int,
    printed: Strings,
    top: tuple[str, str],
    text: TextPrinter,
    tex: LatexPrinter,
    name: Any,
    name_tex: Any,
) -> Caption:
    """``∂y/∂xw0 = ∂y/∂z · ∂sum()/∂mul(x0, w0) = 1 · 1 = 1``: the upstream gradient times one factor."""
    g = d.graph
    edge = g.edges[e]
    p, n = g.nodes[edge.parent], g.nodes[edge.child]
    upstream, local, flowing = d.node_gradients[edge.parent], d.local_values[e], d.contribution(e)
    local_text = printed.derivative(e, text)
    local_tex = printed.derivative(e, tex)
    label_tex = rf"\frac{{\partial {top[1]}}}{{\partial {name_tex(p.var)}}} \cdot {printed.label(e)}"
    steps = [f"∂{top[0]}/∂{name(p.var)} · {printed.label_text(e)}"]
    tex_steps = [label_tex]
    if upstream is not None:
        up, up_t = numbers.short_factor(upstream), numbers.short_factor(upstream, "latex")
        steps.append(f"{up} · {local_text}")
        tex_steps.append(rf"{up_t} \cdot {local_tex}")
        if local is not None:
            local_number, local_t = numbers.short_factor(local), numbers.short_factor(local, "latex")
            steps += [f"{up} · {local_number}"] if local_text != local_number else []
            tex_steps += [rf"{up_t} \cdot {local_t}"] if local_tex != local_t else []
    if flowing is not None:
        steps.append(number(flowing))
        tex_steps.append(number_tex(flowing))
    plain = f"∂{top[0]}/∂{name(n.var)} = " + " = ".join(dict.fromkeys(steps))
    head = rf"\frac{{\partial {top[1]}}}{{\partial {name_tex(n.var)}}} = "
    return plain, head + " = ".join(dict.fromkeys(tex_steps))


# --- a network at layer level -----------------------------------------------------------------


def network_drawing(nd: NetworkDerivation) -> Drawing:
    """Inputs, each layer's weights and biases, dense, activation, loss: shapes on the edges,
    the book's gradients (dX, dW1, db1, dz1 ...) in red, each frame's caption its matrix equation."""
    spec = nd.spec
    items: list[Item] = []
    links: list[Link] = []  # links[i] leaves items[i]: a tree, one link per item
    nname = layer_latex

    def shape(array: Any) -> tuple[str, str]:
        dims = [str(k) for k in array.shape]
        return "×".join(dims), r" \times ".join(dims)

    def add(item: Item, value: Any, gradient: str, gradient_tex: str) -> int:
        items.append(item)
        links.append(Link(len(items) - 1, None, *shape(value), gradient, gradient_tex))
        return len(items) - 1

    def leaf(var: str, value: Any) -> int:
        return add(Item(var, nname(var)), value, "d" + var, "d" + nname(var))

    previous, prev_var = leaf("X", spec.inputs), "X"
    last_dense = previous
    for lp in nd.layers:
        k, act = lp.number, lp.activation
        w, b = leaf(f"W{k}", lp.layer.weights), leaf(f"b{k}", lp.layer.biases)
        z, zt, wt, bt, pt = f"Z{k}", nname(f"Z{k}"), nname(f"W{k}"), nname(f"b{k}"), nname(prev_var)
        dense = add(Item("dense", "dense", True, z, zt), lp.z, "d" + z, "d" + zt)
        items[dense].forward = (
            f"{z} = {prev_var} · W{k} + b{k}  ({links[dense].value})",
            rf"{zt} = {pt} {wt} + {bt} \quad ({links[dense].value_tex})",
        )
        links[previous].backward = (f"d{prev_var} = d{z} · W{k}ᵀ", rf"d{pt} = d{zt}\, {{{wt}}}^{{\top}}")
        links[w].backward = (f"dW{k} = {prev_var}ᵀ · d{z}", rf"d{wt} = {{{pt}}}^{{\top}} d{zt}")
        links[b].backward = (f"db{k} = Σ over samples of d{z}", rf"d{bt} = \sum_{{s}} d{zt}_{{s}}")
        for c in (previous, w, b):
            links[c].parent = dense
        previous, prev_var, last_dense = dense, z, dense
        if act.identity:  # linear: the layer's output is z
            continue
        a, at = f"A{k}", nname(f"A{k}")
        node = add(Item(act.name, act.latex_name, True, a, at), lp.output, "d" + a, "d" + at)
        items[node].forward = (f"{a} = {act.name}({z})", rf"{at} = {act.latex_name}({zt})")
        if act.rowwise:
            jac = act.jacobian_text.format(a=a)
            jac_tex = act.jacobian_latex.format(a=at, aT=rf"{{{at}}}^{{\top}}")
            links[dense].backward = (
                f"d{z} = ({jac}) · d{a}, for each sample",
                rf"d{zt}_{{s}} = \left({jac_tex}\right) d{at}_{{s}}",
            )
        else:
            assert lp.rule is not None
            links[dense].backward = (
                f"d{z} = {TextPrinter({'Z': z}).doprint(lp.rule)} ⊙ d{a}",
                rf"d{zt} = {LatexPrinter({'Z': zt}).doprint(lp.rule)} \odot d{at}",
            )
        links[dense].parent = node
        previous, prev_var = node, a
    last = links[previous]
    rule = nd.rule
    if rule is not None and nd.loss is not None:
        loss = Item(rule.title, rf"\text{{{rule.title}}}", True, "L", "L")
        loss.forward = (
            f"L = mean of L[s] over the {spec.samples} samples = {number(nd.loss)}, where {rule.text}",
            rf"L = \frac{{1}}{{N}} \sum_{{s}} L_{{s}} = {number_tex(nd.loss)}, \quad {rule.latex}",
        )
        last.backward = (
            f"d{prev_var} = ∂L/∂Ŷ = {rule.text_gradient}",
            rf"d{nname(prev_var)} = {rule.latex_gradient}",
        )
        if nd.combined:
            k = nd.layers[-1].number
            links[last_dense].backward = (
                f"dZ{k} = (Ŷ − Y) / N: softmax and cross-entropy combined",
                rf"dZ^{{[{k}]}} = \frac{{1}}{{N}} \left(\hat{{Y}} - Y\right) \quad \text{{(softmax and cross-entropy combined)}}",
            )
        last.parent = len(items)
        items.append(loss)
        links.append(Link(len(items) - 1, None, number(nd.loss), number_tex(nd.loss), "1", "1"))
        links[-1].backward = (
            "Backward pass: ∂L/∂L = 1",
            r"\text{Backward pass: } \frac{\partial L}{\partial L} = 1",
        )
        output = ("L", "L")
    else:
        given = nd.upstream.value  # "dvalues" or "ones": the loss was drawn above
        last.gradient, last.gradient_tex = given, rf"\mathit{{{given}}}"
        last.backward = (
            f"Backward pass: {given}, the gradient from the next layer ({last.value})",
            rf"\text{{Backward pass: {given}, the gradient from the next layer}} \quad ({last.value_tex})",
        )
        output = (items[previous].sub or prev_var, items[previous].sub_tex or nname(prev_var))
    start = (
        f"Forward pass: the inputs X ({links[0].value}), the weights and the biases",
        rf"\text{{Forward pass: the inputs }} X \ ({links[0].value_tex})\text{{, the weights and the biases}}",
    )
    order = [next(i for i, link in enumerate(links) if link.parent is None)]
    for i in order:  # breadth-first from the output, as the book's backward pass goes
        order.extend(c for c, link in enumerate(links) if link.parent == i)
    return Drawing(items, links, output, order, start, chain=True, legend=("shape", "gradient"))


def drawing(obj: Drawable, captions: bool = True) -> Drawing:
    """A derivation's figure; a network's at layer level, or its scalar view when it has one."""
    if isinstance(obj, Derivation):
        return scalar_drawing(obj, captions=captions)
    scalar = obj.scalar
    if scalar is not None and scalar.derivation is not None:
        return scalar_drawing(scalar.derivation, scalar.text_names, scalar.latex_names, captions, once=True)
    return network_drawing(obj)

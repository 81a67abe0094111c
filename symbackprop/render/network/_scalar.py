"""The scalar view's chains as the network's formats print them: each path's labels, local
derivatives and numbers, and the paths to one parameter as one product summed over samples and
neurons (the letters come from each quantity's layer, sample and index, kept as data)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..._network import Param
from ..._network.scalar import ScalarView
from ...names import latex_name
from ...ops import ATOM, MUL
from ...printing import LATEX, TEXT, LatexPrinter, Piece, Printer, TextPrinter
from .._strings import Strings
from ._matrices import MAX_PATHS_SHOWN, W, b, d

_LETTERS = "kmnpqtuv"
_SAMPLED = {"X", "z", "a", "r", "l", "L", "dvalues"}  # quantities whose first index is the sample


class Chains:
    """The paths to one parameter, with what the renderers print of them."""

    def __init__(self, sv: ScalarView, param: Param) -> None:
        assert sv.derivation is not None
        self.sv = sv
        self.d = sv.derivation
        self.param = param
        self.graph = sv.derivation.graph
        self.paths = sv.paths(param.name)
        self.total = sv.total(param.name)
        self.strings = Strings(sv.derivation)
        self.latex = LatexPrinter(sv.latex_names)
        self.text = TextPrinter(sv.text_names)
        self.pattern = self._pattern()

    # -- printing nodes --------------------------------------------------------------------
    def printed(self, i: int, names: dict[str, str], p: Printer) -> str:
        """A node as it appears in a label: a named quantity by name, an operation between them as itself."""
        node = self.graph.nodes[i]
        if node.op is None or not node.var.startswith("_"):
            return names.get(node.var, node.var)
        args = []
        for c in node.children:
            child = self.graph.nodes[c]
            args.append(p.num(child.number) if child.number is not None else Piece(self.printed(c, names, p)))
        text = p.apply(node.op, args).text
        return text if node.op.prec >= ATOM else p.parens(text)

    def label(self, e: int, names: dict[str, str], syntax: str) -> str:
        edge = self.graph.edges[e]
        op = self.graph.nodes[edge.parent].op
        assert op is not None
        p = LATEX if syntax == "latex" else TEXT
        top, bottom = self.printed(edge.parent, names, p), self.printed(edge.child, names, p)
        dee = "d" if op.unary else (r"\partial" if syntax == "latex" else "∂")
        if syntax == "latex":
            space = r"\," if dee == "d" else " "
            return rf"\frac{{{dee}{space}{top}}}{{{dee}{space}{bottom}}}"
        return f"{dee}{top}/{dee}{bottom}"

    def derivative(self, e: int, syntax: str) -> str:
        return self.strings.operand(e, self.latex if syntax == "latex" else self.text, MUL)

    def value(self, e: int) -> float:
        value = self.d.local_values[e]
        assert value is not None, "a network's scalar view knows every value"
        return value

    # -- the pattern: Σ over samples and neurons ------------------------------------------------
    def mentions(self, path: Sequence[int]) -> list[int]:
        """The named quantities a path's labels print, in order (the output's, then each edge's lower end's)."""
        out: list[int] = []
        nodes = self.graph.nodes

        def visit(i: int) -> None:
            node = nodes[i]
            if node.op is not None and node.var.startswith("_"):
                for c in node.children:
                    if not nodes[c].is_number:
                        visit(c)
            else:
                out.append(i)

        visit(self.graph.root)
        for c in self.graph.edges_in(path):
            visit(c)
        return out

    def _pattern(self) -> Pattern | None:
        """The first path's names with the indices that vary from path to path as letters; None when
        there is one path, or the paths do not line up."""
        if len(self.paths) < 2:
            return None
        nodes = self.graph.nodes
        mentioned = [self.mentions(p.edges) for p in self.paths]
        if len({len(m) for m in mentioned}) != 1:
            return None
        parsed = []
        for row in mentioned:
            metas = [nodes[i].meta for i in row]
            if any(m is None for m in metas):
                return None
            parsed.append(metas)
        if len({tuple((m.base, m.layer, len(m.indices)) for m in row) for row in parsed}) != 1:
            return None
        columns: dict[tuple[int, int], tuple[int, ...]] = {}
        for pos, m in enumerate(parsed[0]):
            for slot in range(len(m.indices)):
                values = tuple(row[pos].indices[slot] for row in parsed)
                if len(set(values)) > 1:
                    columns[(pos, slot)] = values
        classes: dict[tuple[int, ...], str] = {}
        letters = iter(_LETTERS)
        for (pos, slot), values in columns.items():
            if values not in classes:
                sampled = slot == 0 and parsed[0][pos].base in _SAMPLED
                classes[values] = "s" if sampled and "s" not in classes.values() else next(letters, "i")
        latex: dict[str, str] = {}
        text: dict[str, str] = {}
        for pos, i in enumerate(mentioned[0]):
            m, name = parsed[0][pos], nodes[i].var
            if m.indices:
                index = [
                    classes[columns[(pos, slot)]] if (pos, slot) in columns else str(v)
                    for slot, v in enumerate(m.indices)
                ]
                generic = f"{m.base}{'' if m.layer is None else m.layer}[{','.join(index)}]"
            else:
                generic = name
            latex[name], text[name] = latex_name(generic), generic
        sums = [(letter, sorted(set(values))) for values, letter in classes.items()]
        at = [{letter: values[k] for values, letter in classes.items()} for k in range(len(self.paths))]
        combos = {tuple(sorted(a.items())) for a in at}
        full = len(combos) == len(self.paths) == math.prod(len(v) for _, v in sums)
        return Pattern(latex, text, sums, full, at)

    def where(self, k: int, syntax: str) -> str:
        """``s = 0, k = 1``: the letters' values on path k."""
        if self.pattern is None:
            return f"path {k + 1}"
        sep = r",\; " if syntax == "latex" else ", "
        return sep.join(f"{letter} = {value}" for letter, value in self.pattern.at[k].items())


@dataclass(frozen=True)
class Pattern:
    """The paths to one parameter as one product summed over letters (s for samples, k, m ... for neurons)."""

    latex: dict[str, str]  # a name on the first path -> its generic form, e.g. z2[0,1] -> z^{[2]}_{s,k}
    text: dict[str, str]
    sums: list[tuple[str, list[int]]]  # each letter and the values it takes
    full: bool  # every combination of the values is a path (so the sums are independent)
    at: list[dict[str, int]]  # each path's values of the letters


def sum_sign(letter: str, values: list[int], syntax: str) -> str:
    contiguous = values == list(range(values[0], values[-1] + 1))
    if syntax == "latex":
        if contiguous:
            return rf"\sum_{{{letter}={values[0]}}}^{{{values[-1]}}}"
        return rf"\sum_{{{letter} \in \{{{', '.join(map(str, values))}\}}}}"
    if contiguous:
        return f"Σ_{letter}={values[0]}..{values[-1]}"
    return f"Σ_{letter}∈{{{','.join(map(str, values))}}}"


def matrix_entry(p: Param, syntax: str) -> str:
    where = ",".join(map(str, p.index))
    if syntax == "latex":
        what = {"W": W(p.layer), "b": b(p.layer), "X": "X"}[p.kind]
        return rf"{d(what)}\Big|_{{{where}}}"
    what = {"W": f"dweights of layer {p.layer}", "b": f"dbiases of layer {p.layer}", "X": "dinputs"}[p.kind]
    return f"{what} at [{where}]"


def added(values: list[float], show: Callable[[float], str], dots: str) -> str:
    """``a - b + c``: the paths' values summed, the middle elided when there are many."""
    texts = [show(v) for v in values]
    if len(texts) > MAX_PATHS_SHOWN:
        texts = [*texts[:4], dots, *texts[-2:]]
    out = texts[0]
    for t in texts[1:]:
        out += f" - {t[1:]}" if t.startswith("-") else f" + {t}"
    return out


def which(n: int) -> list[int | None]:
    if n <= MAX_PATHS_SHOWN:
        return list(range(n))
    return [*range(MAX_PATHS_SHOWN - 3), None, n - 2, n - 1]

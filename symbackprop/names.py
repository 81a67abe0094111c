r"""Every name a person reads, formatted in one place: leaves and steps (``x0``, ``xw0``, ``alpha``,
``y_hat``, ``W_layer2``), a network's indexed quantities (``W1[2,0]``, ``z1[0,2]``, ``L[0]``), and the
chapter's variable names for a derivation's quantities (``drelu_dz``, ``dsum_dxw0``).

A leaf's name is its ASCII spelling, the one infix, ``--at``, ``--wrt``, ``--const`` and JSON use; it
says everything LaTeX writes about the name, so that it prints back as written:

========================  ===================  =================================================
LaTeX                     ASCII                rule
========================  ===================  =================================================
``x_0``, ``x_{0}``        ``x0``               digits of a subscript follow the letters
``w_{12}``                ``w12``
``w_{1,2}``               ``w1_2``             each further index after an underscore
``x_i``, ``x_{in}``       ``x_i``, ``x_in``    a subscript with letters after an underscore
``\hat{y}``, ``\hat{y}_1``  ``y_hat``, ``y_hat1``  the accent's command after an underscore
``W^{[2]}``, ``a^{[1]}_3``  ``W_layer2``, ``a3_layer1``  a superscript in brackets: ``_layer`` and the index
``x^{(i)}``, ``w_1^{(2)}``  ``x_supi``, ``w1_sup2``  a superscript in parentheses: ``_sup`` and the index
``\alpha``, ``\theta_1``  ``alpha``, ``theta1``  a Greek letter by its name
========================  ===================  =================================================

A superscript's index is a number or one letter.  ``\mathbf{w}``, ``\boldsymbol{w}``, ``\bm{w}`` and
``\vec{w}`` mark a vector: they are the name ``w`` (see the README's vectors), and the mark is kept
beside the name, one per name, by the derivation (its ``marks``): LaTeX prints it back (:func:`marked`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .graph import Graph

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi",
    "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi",
    "Psi", "Omega", "varepsilon", "vartheta", "varphi", "varrho", "varsigma", "varpi", "ell",
}  # fmt: skip

#: Accents over a letter, by their LaTeX command; the ASCII spelling is the letter, ``_`` and the
#: command's name (``\hat{y}`` is ``y_hat``), and each prints as the accent it was written with.
ACCENTS: dict[str, str] = {  # the combining character the figures' plain text uses
    "hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0305", "tilde": "\u0303",
    "widetilde": "\u0303", "dot": "\u0307", "ddot": "\u0308", "check": "\u030c", "breve": "\u0306",
    "acute": "\u0301", "grave": "\u0300", "mathring": "\u030a",
}  # fmt: skip
#: Bold and arrow marks: a vector's mark, not part of its name (``\mathbf{w}`` is ``w``); LaTeX prints it
#: back where the derivation being printed has it (:func:`marked`).
VECTOR_MARKS = ("mathbf", "boldsymbol", "bm", "vec")
_MARKS: ContextVar[Mapping[str, str] | None] = ContextVar("symbackprop_marks", default=None)
#: A superscript that is part of a name: its ASCII word and its brackets (``W^{[2]}`` is ``W_layer2``).
SUPERSCRIPTS: dict[str, tuple[str, str]] = {"layer": ("[", "]"), "sup": ("(", ")")}


class Name(NamedTuple):
    r"""A leaf's name in parts: ``\hat{w}^{[2]}_{1,2}`` is ``Name("w", "hat", ("1", "2"), ("layer", "2"))``."""

    base: str  # letters: one, a Greek letter's name, or a word (xw, bias)
    accent: str = ""
    subs: tuple[str, ...] = ()  # the subscript's indices, each letters and digits
    sup: tuple[str, str] | None = None  # ("layer" or "sup", its index)


class NameError_(ValueError):
    """An ASCII name the grammar refuses, with the reason (the parsers add the column)."""


_PLAIN = re.compile(r"([A-Za-z]+)(\d*)")
_INDEXED = re.compile(r"([A-Za-z]+)(\d*)\[([\w,]+)\]")
_BASE = re.compile(r"([A-Za-z]+)([0-9]*)")
_ACCENT_PART = re.compile(rf"({'|'.join(ACCENTS)})([0-9]*)")
_SUP_PART = re.compile(rf"({'|'.join(SUPERSCRIPTS)})([0-9]+|[A-Za-z])")
_INDEX = re.compile(r"[A-Za-z0-9]+")
SUPERSCRIPT_INDEX = re.compile(r"[0-9]+|[A-Za-z]")


def split_name(word: str) -> Name | None:
    """An ASCII name in parts (``y_hat1`` -> base y, accent hat, subscript 1); None where the word is
    not of the grammar (``x1y``: kept as it is).  Raises :class:`NameError_` for two accents or two
    superscripts."""
    parts = [p for p in word.split("_") if p]
    m = _BASE.fullmatch(parts[0]) if parts else None
    if m is None:
        return None
    base, digits = m.groups()
    accent, subs, sup = "", [digits] if digits else [], None
    for p in parts[1:]:
        a, s = _ACCENT_PART.fullmatch(p), _SUP_PART.fullmatch(p)
        if a:
            if accent:
                raise NameError_(f"{word!r} has two accents ({accent} and {a.group(1)}): a name takes one")
            accent = a.group(1)
            subs += [a.group(2)] if a.group(2) else []
        elif s:
            if sup is not None:
                raise NameError_(f"{word!r} has two superscripts: a name takes one")
            sup = (s.group(1), s.group(2))
        elif _INDEX.fullmatch(p):
            subs.append(p)
        else:
            return None
    return Name(base, accent, tuple(subs), sup)


def compose(n: Name) -> str:
    """The ASCII spelling of a name's parts: the inverse of :func:`split_name`."""
    out = n.base + (f"_{n.accent}" if n.accent else "")
    subs = list(n.subs)
    if subs and subs[0].isdigit():
        out += subs.pop(0)
    if subs:
        out += "_" + "_".join(subs)
    if n.sup is not None:
        out += f"_{n.sup[0]}{n.sup[1]}"
    return out


@lru_cache(maxsize=65536)  # a long expression repeats its names
def canonical(word: str) -> str:
    """A name as the leaves spell it: ``x_0`` -> ``x0``, ``y_hat_1`` -> ``y_hat1``, ``a_layer1_3`` ->
    ``a3_layer1``; a word outside the grammar (``x1y``) loses its underscores, as before.  Raises
    :class:`NameError_` for a word that is no name."""
    n = split_name(word)
    if n is not None:
        return compose(n)
    name = word.replace("_", "")
    if not name or not name[0].isalpha() or not name.isascii():
        raise NameError_(f"{word!r} is not a valid name")
    return name


def with_index(name: str, k: int) -> str:
    """Element ``k`` of a list named ``name``: ``x`` -> ``x0``, ``y_hat`` -> ``y_hat0``, ``w1`` -> ``w1_0``
    (not ``w10``, which is ``w[10]``)."""
    n = split_name(name)
    return name + str(k) if n is None else compose(n._replace(subs=(*n.subs, str(k))))


def _latex_part(word: str) -> str:
    return "\\" + word if word in GREEK else word


@contextmanager
def marked(marks: Mapping[str, str]) -> Iterator[None]:
    r"""Names printed in LaTeX inside the block carry the vector marks they were written with: ``marks``
    is a derivation's (``{"w": "mathbf"}``: ``w`` prints as ``\mathbf{w}``; its elements ``w0`` ... as the
    plain scalars ``w_{0}``).  The renderers run inside it, as inside :func:`~symbackprop.numbers.precision`."""
    token = _MARKS.set(marks)
    try:
        yield
    finally:
        _MARKS.reset(token)


def latex_name(name: str) -> str:
    r"""A name in LaTeX, as it was written.

    ``x0`` -> ``x_{0}``, ``w12`` -> ``w_{12}``, ``w1_2`` -> ``w_{1,2}``, ``alpha`` -> ``\alpha``,
    ``y_hat1`` -> ``\hat{y}_{1}``, ``W_layer2`` -> ``W^{[2]}``, ``x_supi`` -> ``x^{(i)}``, ``xw0`` ->
    ``\mathit{xw}_{0}`` (one name, not a product of letters), ``e`` -> ``\mathit{e}`` (not the
    constant); a network's indexed names carry their layer as a superscript: ``W1[2,0]`` ->
    ``W^{[1]}_{2,0}``, ``X[0,1]`` -> ``X_{0,1}``, ``l[0,1]`` -> ``\ell_{0,1}``.  A name written with a
    vector's mark prints with it (:func:`marked`): ``w`` -> ``\mathbf{w}``, ``y_hat`` -> ``\hat{\mathbf{y}}``.
    """
    marks = _MARKS.get()
    return _latex_name(name, marks[name]) if marks and name in marks else _latex_name(name)


def vector_gradient(name: str) -> str:
    r"""The gradient of vector ``name`` as a whole, the chapter's ``dw``: ``\mathit{dw}``, or with the vector's
    mark ``d\mathbf{w}``."""
    marks = _MARKS.get()
    if (marks and name in marks) or not name.isalpha():  # y_hat: d\hat{y}, not \mathit{dy_hat}
        return f"d{latex_name(name)}"
    return rf"\mathit{{d{name}}}"


@lru_cache(maxsize=65536)
def _latex_name(name: str, mark: str = "") -> str:
    try:
        n = split_name(name)
    except NameError_:
        n = None
    if n is not None:
        base = _latex_part(n.base)
        if mark:
            base = rf"\{mark}{{{base}}}"
        elif (len(n.base) > 1 and n.base not in GREEK) or name == "e":
            base = rf"\mathit{{{n.base}}}"
        if n.accent:
            base = rf"\{n.accent}{{{base}}}"
        if n.sup is not None:
            left, right = SUPERSCRIPTS[n.sup[0]]
            base += f"^{{{left}{_latex_part(n.sup[1])}{right}}}"
        if n.subs:
            base += "_{" + ",".join(map(_latex_part, n.subs)) + "}"
        return base
    m = _INDEXED.fullmatch(name)
    if m:
        base, layer, index = m.groups()
        base = r"\ell" if base == "l" else rf"\mathit{{{base}}}" if len(base) > 1 else base
        top = f"^{{[{layer}]}}" if layer else ""
        return f"{base}{top}_{{{index}}}"
    return name


_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUPERSCRIPT = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")
_WORDS = re.compile(r"(?<![\w.])[A-Za-z][A-Za-z0-9_]*")


@lru_cache(maxsize=65536)
def pretty(text: str) -> str:
    """Names in plain text as the chapter's figures set them: ``xw0`` -> ``xw₀``, ``y_hat`` -> ``ŷ``,
    ``w1_2`` -> ``w₁,₂``, ``x_supi`` -> ``x^(i)``.  Only whole names in the grammar's own spelling
    change (``dsum_dxw0``, a variable of the generated program, stays as it is)."""
    return _WORDS.sub(lambda m: _pretty_name(m.group()), text)


def _pretty_name(word: str) -> str:
    try:
        n = split_name(word)
    except NameError_:
        return word
    if n is None or compose(n) != word or not (n.accent or n.sup or n.subs):
        return word
    if n.subs and not all(s.isdigit() for s in n.subs):
        return word
    out = n.base + (ACCENTS[n.accent] if n.accent else "")
    if n.sup is not None:
        left, right = SUPERSCRIPTS[n.sup[0]]
        index = f"{left}{n.sup[1]}{right}"
        out += index.translate(_SUPERSCRIPT) if n.sup[0] == "sup" and n.sup[1].isdigit() else "^" + index
    return unicodedata.normalize("NFC", out + ",".join(s.translate(_SUBSCRIPT) for s in n.subs))


def _key(name: str) -> str:
    return name.lower().replace("\\", "")


@dataclass(frozen=True)
class ChapterNames:
    """The chapter's variable names for one derivation's quantities, shared by the text and Python formats.

    ``drelu_dz`` is the gradient arriving at node ``z``; ``dsum_dxw0`` is the sum's local
    derivative with respect to ``xw0``; ``drelu_dx0`` is a leaf's gradient.  Where the
    chapter's short form would name two different quantities alike (a leaf used twice), the
    name falls back to the node's own names, so every name is unique.
    """

    grad: dict[int, str]  # node index -> name of dvalue · ∂output/∂node there
    factor: dict[int, str]  # edge index -> name of ∂parent/∂child along it (the local factor)
    total: dict[str, str]  # leaf name -> name of its whole gradient
    share: dict[int, str]  # edge into a step used more than once -> that use's share: dL_dz_a

    @classmethod
    def of(cls, graph: Graph, by_name: bool = False) -> ChapterNames:
        """``by_name``: the author named the steps, so quantities are named by them (dL_da, da_dz), not
        by operation (drelu_dz, dsum_dxw0) as the chapter does."""
        nodes, edges = graph.nodes, graph.edges
        root = nodes[graph.root]
        top = root.var if by_name or root.op is None else _key(root.op.name)
        uses = Counter(n.var for n in nodes)

        def slot(i: int) -> str:
            var = nodes[i].var
            if not var.isidentifier():
                return f"c{i}"
            return var if uses[var] == 1 else f"{var}_{i}"

        below = [i for i, n in enumerate(nodes) if n.uses]
        grad = {i: f"d{top}_d{slot(i)}" for i in below}
        short = {}
        for e, edge in enumerate(edges):
            op = nodes[edge.parent].op
            assert op is not None
            above = nodes[edge.parent].var if by_name else _key(op.name)
            short[e] = f"d{above}_d{slot(edge.child)}"
        total = {name: f"d{top}_d{name}" for name in graph.leaves}
        # The chapter's short name, unless it would name two things (a leaf used twice, or
        # a sum under a sum, where dsum_dv1 is also the gradient at v1): then ∂parent/∂node.
        clash = Counter(short.values())
        clash.update(grad.values())
        clash.update(total.values())
        factor = {
            e: name if clash[name] == 1 else f"d{nodes[edges[e].parent].var}_d{slot(edges[e].child)}"
            for e, name in short.items()
        }
        share = {}
        for i, n in enumerate(nodes):
            if n.op is not None and len(n.uses) > 1:
                for e in n.uses:
                    share[e] = f"{grad[i]}_{use_name(graph, e)}"
        return cls(grad, factor, total, share)


def use_name(graph: Graph, e: int) -> str:
    """Which use of a value edge ``e`` is: its parent's name, and the argument's position where the
    parent uses the value more than once (``a3_1``, ``a3_2`` for ``a3 = a2*a2``)."""
    edge = graph.edges[e]
    parent = graph.nodes[edge.parent]
    if parent.children.count(edge.child) == 1:
        return parent.var
    return f"{parent.var}_{edge.argpos + 1}"


def layer_latex(name: str) -> str:
    """A layer's matrix in LaTeX, its number a bracketed superscript (the deeplearning.ai notation):
    ``W1`` -> ``W^{[1]}``, ``Z2`` -> ``Z^{[2]}``, ``X`` -> ``X``."""
    m = _PLAIN.fullmatch(name)
    if m is None or not m.group(2):
        return name
    return f"{m.group(1)}^{{[{m.group(2)}]}}"

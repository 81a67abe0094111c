"""Exercise sheets: a practice sheet and its answer key, for a neuron, an expression or a network.

The forward pass is given; the local derivatives and the gradients (and the update) are blanks,
as ``blank`` asks.  Every blank is named as ``--check`` reads answers (the quantities of
:mod:`._check_scalar` and :mod:`._network.check`), and the key's numbers are the derivation's.
``seed`` draws a new neuron whose inputs, weights and bias are small integers or halves, so that
it is solvable by hand, with ReLU's kink (an input of exactly 0) avoided unless ``kink`` asks for
it; the same seed gives the same sheet, byte for byte.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from .errors import InputError
from .limits import DEFAULT, Limits
from .options import DVALUE, NEURON_ACTIVATION, NEURON_B, NEURON_LR, NEURON_W, NEURON_X, spell

#: What ``blank`` chooses among, and which parts of the backward pass each leaves blank.
BLANKS = {
    "factors": ("factor",),
    "gradients": ("gradient", "update"),
    "all": ("factor", "gradient", "update"),
}
#: The values a drawn neuron's inputs and weights take (never 0: a product of 0 teaches nothing), and its bias.
NONZERO = tuple(k / 2 for k in range(-6, 7) if k)
HALVES = tuple(k / 2 for k in range(-6, 7))
#: Draws before giving up on a kink (a bias that puts ReLU's input at exactly 0 within the halves).
DRAWS = 10_000


@dataclass(frozen=True)
class Question:
    """One quantity of the backward pass: given on the sheet, or a blank to fill."""

    name: str  # as --check reads it: drelu_dz, dsum_dxw0, new_w0, dweights1
    part: str  # "factor", "gradient" or "update": what --blank chooses among
    value: Any  # the key's number (a matrix for a network)
    blank: bool
    role: str  # the model's: "factor", "edge", "sum", "total", "update", "new"; a network's quantity's
    ref: Any  # the edge, node, leaf or layer it is of
    inputs: tuple[str, ...]  # the quantities its rule combines (the chain rule's structure)
    rule: str  # how it is computed, as code in the chapter's names


class Exercise:
    """A sheet and its key, ready to print (``markdown()``, ``latex()``, ``to_dict()``)."""

    def __init__(
        self,
        result: Any,
        questions: list[Question],
        values: dict[str, Any],
        blank: str,
        seed: int | None,
        check: str,
    ) -> None:
        self.result = result  # the derivation's result (neuron, expression or network)
        self.questions = questions
        self.values = values  # every quantity's value by its name, given or asked (what the rows multiply)
        self.blank = blank
        self.seed = seed
        self.check_command = check  # how a student checks their answers to this sheet

    @property
    def key(self) -> dict[str, Any]:
        """Every question's right value by the name ``--check`` reads."""
        return {q.name: q.value for q in self.questions}

    @property
    def warnings(self) -> list[str]:
        return list(self.result.warnings)

    @property
    def network(self) -> bool:
        return not hasattr(self.result.derivation, "graph")

    def render(self, fmt: str, standalone: bool = False) -> str:
        from .render import sheets as printed

        if fmt not in ("markdown", "latex", "json"):
            raise InputError(f"an exercise sheet is written as markdown, latex or json, not {fmt}")
        if standalone and fmt != "latex":
            raise InputError(f"{spell('standalone')} applies to {spell('format')} latex only")
        with self._marked():
            if fmt == "json":
                return printed.json_text(self)
            return printed.markdown(self) if fmt == "markdown" else printed.latex(self, standalone)

    def markdown(self) -> str:
        return self.render("markdown")

    def latex(self, standalone: bool = False) -> str:
        return self.render("latex", standalone)

    def json(self) -> str:
        return self.render("json")

    def to_dict(self) -> dict[str, Any]:
        from .render import sheets as printed

        with self._marked():
            return printed.to_dict(self)

    def _marked(self) -> AbstractContextManager[None]:
        r"""Names printed with the vector marks they were written with (``\mathbf{w}``; a network has none)."""
        from .names import marked

        return marked(getattr(self.result.derivation, "marks", {}))

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __repr__(self) -> str:
        blanks = sum(q.blank for q in self.questions)
        return f"<symbackprop.Exercise {len(self.questions)} questions, {blanks} blank>"


def exercise(
    x: Sequence[float] = NEURON_X,
    w: Sequence[float] = NEURON_W,
    b: float = NEURON_B,
    activation: str = NEURON_ACTIVATION,
    expr: str | None = None,
    latex_input: bool = False,
    python_input: bool = False,
    const: Iterable[str] | None = None,
    at: Mapping[str, float] | None = None,
    dvalue: float = DVALUE,
    lr: float | None = None,
    update: Iterable[str] | None = None,
    spec: Mapping[str, Any] | str | None = None,
    blank: str = "all",
    seed: int | None = None,
    kink: bool = False,
    limits: Limits = DEFAULT,
    exact: bool = False,
) -> Exercise:
    """A practice sheet and its key: of the neuron (``x``, ``w``, ``b``; by default the chapter's), of
    a neuron drawn by ``seed`` (as many inputs as ``x`` has), of an expression (``expr``, with ``at``
    ...) or of a network (``spec``).  ``blank`` is ``"factors"``, ``"gradients"`` or ``"all"``;
    ``exact``: the key's values exact (fractions), as ``--exact`` derives them."""
    if blank not in BLANKS:
        raise InputError(f"{spell('blank')} is one of {', '.join(BLANKS)}, not {blank!r}")
    subjects = [name for name, given in (("expr", expr), ("spec", spec)) if given is not None]
    if len(subjects) > 1:
        raise InputError(f"give {spell('expr')} or {spell('spec')}, not both")
    if seed is not None and subjects:
        raise InputError(f"{spell('seed')} draws a neuron: it does not go with {spell(subjects[0])}")
    if kink and seed is None:
        raise InputError(f"{spell('kink')} needs {spell('seed')}: it puts a drawn neuron at ReLU's kink")
    from . import api

    if spec is not None:
        from ._network import network

        result: Any = network(spec, limits=limits, exact=exact)
        source = spec if isinstance(spec, str) else "spec.json"
        return _network_sheet(result, blank, f"symbackprop network {source} --check answers.json")
    if expr is not None:
        result = api.derive(
            expr, at=at, latex_input=latex_input, python_input=python_input, const=const, dvalue=dvalue,
            lr=lr, update=update, limits=limits, exact=exact,
        )  # fmt: skip
        return _scalar_sheet(
            result, blank, None, _derive_command(result, expr, at, latex_input, python_input)
        )
    if seed is not None:
        x, w, b = draw(seed, len(list(x)), activation, kink)
    result = api.neuron(
        x, w, b, activation=activation, dvalue=dvalue, lr=NEURON_LR if lr is None else lr, exact=exact
    )
    given = f"--x={_list(x, exact)} --w={_list(w, exact)} --b={_number(b, exact)}"
    given += f" --activation {activation}" if activation != NEURON_ACTIVATION else ""
    given += f" --dvalue {_number(dvalue, exact)}" if dvalue != DVALUE else ""
    given += f" --lr {_number(lr, exact)}" if lr is not None and lr != NEURON_LR else ""
    given += " --exact" if exact else ""
    return _scalar_sheet(result, blank, seed, f"symbackprop neuron {given} --check answers.py")


def draw(
    seed: int, n: int, activation: str = NEURON_ACTIVATION, kink: bool = False
) -> tuple[list[float], list[float], float]:
    """A neuron solvable by hand, drawn by ``seed``: inputs and weights nonzero halves in [-3, 3], the
    bias a half in [-3, 3]; ReLU's input never exactly 0 -- or, with ``kink``, exactly 0."""
    from .derivation import check_number

    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"{spell('seed')} is a whole number from 0, not {seed!r}")
    if kink and activation != "relu":
        raise InputError(f"{spell('kink')}: {activation} has no kink (ReLU's is at 0)")
    if n < 1:
        raise InputError("a neuron needs at least one input")
    rng = random.Random(seed)
    for _ in range(DRAWS):
        x = [rng.choice(NONZERO) for _ in range(n)]
        w = [rng.choice(NONZERO) for _ in range(n)]
        s = sum(a * c for a, c in zip(x, w))
        if kink:
            if -s in HALVES:
                return x, w, check_number("the bias", -s + 0.0)
            continue
        bias = rng.choice(HALVES)
        if activation == "relu" and s + bias == 0:
            continue
        return x, w, bias
    raise InputError(f"no neuron of {n} inputs within the halves has its ReLU at the kink: use fewer inputs")


def _scalar_sheet(result: Any, blank: str, seed: int | None, command: str) -> Exercise:
    from ._check_scalar import ScalarModel

    model = ScalarModel(result.derivation)
    root = result.derivation.graph.nodes[result.derivation.graph.root].var
    parts = {
        "factor": "factor",
        "edge": "gradient",
        "sum": "gradient",
        "total": "gradient",
        "update": "update",
    }
    questions = []
    for key, q in model.quantities.items():
        role, ref = model.roles[key]
        if role == "new" and key != f"new_{root}":
            continue  # of the forward pass again, the new output alone
        part = "update" if role == "new" else parts.get(role)
        if part is None or (role == "factor" and key not in model.spellings):
            continue  # given, the forward pass, the lists; the output's own factors, written inline
        questions.append(Question(key, part, q.expected, part in BLANKS[blank], role, ref, q.inputs, q.rule))
    values = {k: q.expected for k, q in model.quantities.items()}
    return Exercise(result, questions, values, blank, seed, command)


def _network_sheet(result: Any, blank: str, command: str) -> Exercise:
    from ._network.check import NetworkModel

    model = NetworkModel(result.derivation)
    parts = {"dactivation": "factor", "dvalues": "gradient", "dz": "gradient", "dweights": "gradient"}
    parts.update({"dbiases": "gradient", "dinputs": "gradient", "update": "update", "new": "update"})
    questions = []
    for key, q in model.quantities.items():
        role, ref = model.roles[key]
        part = parts.get(role)
        if part is not None:
            questions.append(
                Question(key, part, q.expected, part in BLANKS[blank], role, ref, q.inputs, q.rule)
            )
    values = {k: q.expected for k, q in model.quantities.items()}
    return Exercise(result, questions, values, blank, None, command)


def _derive_command(
    result: Any, expr: str, at: Mapping[str, float] | None, latex_input: bool, python_input: bool
) -> str:
    """The command line that checks answers to an expression's sheet (the program on standard input
    when it takes more than one line)."""
    d = result.derivation
    flags = [f"--at {name}={_number(v, d.exact)}" for name, v in (at or {}).items()]
    flags += ["--latex-input"] * latex_input + ["--python-input"] * python_input
    constants = [n for n in d.graph.leaves if n in d.constants]
    flags += [f"--const {','.join(constants)}"] if constants else []
    flags += [f"--dvalue {_number(d.dvalue, d.exact)}"] if float(d.dvalue) != DVALUE else []
    if d.step is not None:
        flags.append(f"--lr {_number(d.step.lr, d.exact)} --update {','.join(d.step.values)}")
    flags += ["--exact"] if d.exact else []
    shown = "-" if "\n" in expr.strip() or "'" in expr else f"'{expr}'"
    tail = " < expression.txt" if shown == "-" else ""
    return " ".join(["symbackprop derive", shown, *flags, f"--check answers.py{tail}"])


def _number(v: float | None, exact: bool = False) -> str:
    """A number of the command that checks a sheet; with ``exact``, as the fraction it is (``1/3``)."""
    from . import numbers
    from .check import show
    from .evaluate import exact_number

    if v is None:
        return ""
    return numbers.exact_value(exact_number(v), "infix") if exact else show(v)


def _list(values: Sequence[float], exact: bool = False) -> str:
    return ",".join(_number(v, exact) for v in values)

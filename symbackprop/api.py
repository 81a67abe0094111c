"""The Python API: ``neuron`` and ``derive`` return a :class:`Result`, the same object the CLI prints."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import numbers
from ._rendered import Rendered, without_gc_pauses
from .build import neuron_arrays, neuron_graph
from .definitions import Definitions, defined
from .derivation import Derivation, Kind
from .derivation import derive as derive_graph
from .errors import InputError
from .limits import DEFAULT, Limits
from .options import DVALUE, NEURON_ACTIVATION, NEURON_B, NEURON_LR, NEURON_W, NEURON_X, spell
from .steps import Program, program_graph
from .vectors import element_values

if TYPE_CHECKING:
    from types import ModuleType

    from ._network import NetworkResult
    from .check import Report


class Result(Rendered):
    """One derivation and its renderings.  Every format reads the same :class:`Derivation`."""

    def __init__(
        self, derivation: Derivation, digits: int | None = None, look: tuple[bool, str] = (True, "LR")
    ) -> None:
        self.derivation = derivation
        self.digits = digits
        self._equations: list[Any] | None = None  # every display equation, rendered once for all parts
        self.legend, self.layout = look

    def _depth(self) -> int:
        return self.derivation.graph.height

    @property
    def gradients(self) -> dict[str, float]:
        """∂output/∂leaf times dvalue, for every leaf."""
        return dict(self.derivation.gradients)

    @property
    def output(self) -> float:
        return self.derivation.output

    @property
    def warnings(self) -> list[str]:
        return list(self.derivation.warnings)

    def chain(self, name: str) -> list[dict[str, Any]]:
        """The paths from the output to ``name``, as in the JSON's ``chains`` (with ``exact``, the values exact)."""
        chains = self._safely(self._formats().to_dict, self.derivation, False)["chains"]
        if name not in chains:
            raise InputError(f"no chain for {name!r} (derived: {', '.join(chains) or 'none'})")
        return list(chains[name])

    def _formats(self) -> ModuleType:
        from .render import formats

        return formats

    def part(self, name: str) -> list[str]:
        if self._equations is None:  # a doc build asks for several parts of one result
            self._equations = self.equation_blocks()
        return [b.body for b in self._equations if b.role == name]

    def check(self, answers: object, tol: object = None) -> Report:
        """A backward pass done by hand, checked: ``answers`` is a dict of names and values, a file's
        name (JSON, or Python in the chapter's style, read and never run), Python source, or
        ``"NAME=VALUE, ..."``.  ``tol`` is the relative tolerance, or (relative, absolute)."""
        from ._check_scalar import ScalarModel
        from .check import check

        return check(ScalarModel(self.derivation), answers, tol, self.derivation.limits, source=self)

    def __repr__(self) -> str:
        d = self.derivation
        from .render._strings import Strings

        return f"<symbackprop.Result {Strings(d).expression()} = {d.output!r}; gradients {d.gradients}>"


def _as_list(what: str, values: object) -> list[object]:
    tolist = getattr(values, "tolist", None)  # a NumPy array: its numbers
    if callable(tolist) and not isinstance(values, (str, bytes)):
        values = tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise InputError(f"{spell(what)} must be a list of numbers, not {values!r}")
    return list(values)


@without_gc_pauses
def neuron(
    x: Sequence[float] = NEURON_X,
    w: Sequence[float] = NEURON_W,
    b: float = NEURON_B,
    activation: str = NEURON_ACTIVATION,
    dvalue: float = DVALUE,
    lr: float | None = NEURON_LR,
    wrt: Iterable[str] | None = None,
    limits: Limits = DEFAULT,
    digits: int | str | None = None,
    no_update: bool = False,
    legend: bool = True,
    layout: str = "LR",
    exact: bool = False,
) -> Result:
    """The chapter's neuron (by default exactly its numbers): ``activation(sum(mul(x_i, w_i)..., b))``.

    ``lr`` updates the weights and the bias (never the inputs) and runs the forward pass again;
    ``no_update``, ``lr=0`` or ``lr=None`` leave the step out.
    ``digits``: significant digits of the numbers in every format a person reads (``"full"``:
    every digit; JSON always keeps every digit).  ``exact``: every value exact, rational inputs as
    fractions (``0.1`` is 1/10, ``Fraction(1, 3)`` or ``1/3`` is 1/3).  ``legend`` and ``layout``
    (``"LR"`` or ``"TB"``): how the figures are drawn.
    """
    from ._figure_style import checked
    from .ops import activation_name

    shown, look = numbers.digits_option(digits), checked(legend, layout)
    activation = activation_name(activation) or activation if isinstance(activation, str) else activation
    xs, ws = _as_list("x", x), _as_list("w", w)
    if len(xs) != len(ws):
        raise InputError(
            f"{spell('x')} has {len(xs)} values and {spell('w')} has {len(ws)}: they must have the same length"
        )
    _check_limits(limits)
    if no_update and lr not in (None, 0, NEURON_LR):  # a rate given with no step to take
        raise InputError(f"give {spell('no_update')} or {spell('lr', value=True)}, not both")
    arrays = neuron_arrays(len(xs))
    graph = neuron_graph(len(xs), activation, arrays)
    values: dict[str, object] = {**dict(zip(arrays["x"], xs)), **dict(zip(arrays["w"], ws)), "b": b}
    d = derive_graph(
        graph,
        values,
        dvalue=dvalue,
        wrt=_names("wrt", wrt),
        lr=None if no_update or lr == 0 else lr,
        update=arrays["w"] + arrays["b"],
        arrays=arrays,
        kind=Kind.NEURON,
        limits=limits,
        exact=_flag("exact", exact),
    )
    return Result(d, shown, look)


def _names(option: str, names: Iterable[str] | str | None) -> list[str] | None:
    """Leaf names as a list; a string is split as the command line splits it (``"x0, w0"``)."""
    if names is None:
        return None
    if isinstance(names, str):
        from .options import parse

        return list(parse(option, names))
    if not isinstance(names, Iterable):
        raise InputError(f"{spell(option)} must be a list of names, not {names!r}")
    return [_name(option, n) for n in names]


def _name(option: str, name: object) -> str:
    """A name from a Python list or dict as the leaves spell it (``"x_0"`` is ``x0``, ``"\\hat{y}"`` is ``y_hat``)."""
    from .errors import SymbackpropError
    from .parse import read_name

    if not isinstance(name, str):
        raise InputError(f"{spell(option)} names must be strings, not {name!r}")
    try:
        return read_name(name.strip())
    except SymbackpropError as err:
        raise InputError(f"{spell(option)}: {err}") from None


def _given(at: Mapping[str, object]) -> dict[str, object]:
    """``at``'s names as the leaves spell them; two spellings of one name are an error."""
    out: dict[str, object] = {}
    for key, value in at.items():
        name = _name("at", key)
        if name in out:
            raise InputError(f"{spell('at')} gives {name} twice: give each name one value")
        out[name] = value
    return out


def _flag(option: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"{spell(option)} must be True or False, not {value!r}")
    return value


def _check_limits(limits: object) -> None:
    if not isinstance(limits, Limits):
        raise InputError(
            f"limits must be a Limits (DEFAULT.merge(max_nodes=...)), not {type(limits).__name__}"
        )


@without_gc_pauses
def derive(
    expr: str,
    at: Mapping[str, float] | None = None,
    latex_input: bool = False,
    dvalue: float = DVALUE,
    wrt: Iterable[str] | None = None,
    lr: float | None = None,
    update: Iterable[str] | None = None,
    limits: Limits = DEFAULT,
    python_input: bool = False,
    const: Iterable[str] | None = None,
    simplify: bool = False,
    digits: int | str | None = None,
    define: Definitions | None = None,
    legend: bool = True,
    layout: str = "LR",
    exact: bool = False,
) -> Result:
    """Any supported expression or program of named steps -- infix (``z = x*w + b; y = relu(z)``),
    LaTeX or Python -- at the values in ``at`` (values are optional: a leaf without one stays a symbol).

    ``const`` names leaves that are given data (targets): no gradient, no chain.  With ``lr`` and
    ``update`` the named leaves take one step ``p += -lr * dp``.  ``simplify`` asks SymPy to
    simplify each gradient's closed form (within ``limits.max_simplify_seconds``).  ``define`` gives
    operations by their bodies, ``{"swish2": "x * sigmoid(2*x)"}``, for this derivation.  ``exact``:
    every value exact, rational inputs as fractions.  ``legend`` and ``layout`` (``"LR"`` or
    ``"TB"``): how the figures are drawn.
    """
    from ._figure_style import checked

    if not isinstance(expr, str):
        raise InputError(f"the expression must be a string, not {type(expr).__name__}")
    shown, look = numbers.digits_option(digits), checked(legend, layout)
    if at is not None and not isinstance(at, Mapping):
        raise InputError(f"{spell('at')} must be a dict of names and numbers, not {type(at).__name__}")
    _check_limits(limits)
    wrt, update, constants = _names("wrt", wrt), _names("update", update), _names("const", const)
    if lr is not None and not update:
        raise InputError(f"{spell('lr')} needs {spell('update', value=True)}: which leaves to update")
    if update and lr is None:
        raise InputError(f"{spell('update')} needs {spell('lr', value=True)}: the learning rate")
    if latex_input and python_input:
        raise InputError(f"give {spell('latex_input')} or {spell('python_input')}, not both")
    values = _given(at or {})
    vectors = _vectors(values)
    if vectors and python_input:
        raise InputError(
            f"a list of values in {spell('at')} is a vector of infix or LaTeX; in Python, write the list"
        )
    with defined(define, limits):
        program = _program(expr, latex_input, python_input, limits, {k: len(v) for k, v in vectors.items()})
    graph = program_graph(program)
    for name in vectors:
        del values[name]
    values.update(element_values(vectors, program.arrays, graph.leaves))
    wrt, update, constants = (_elements(names, program.arrays) for names in (wrt, update, constants))
    for letter, n in program.sizes.items():  # \sum_{i=1}^{n}: n is the vectors' length, given data
        if letter in graph.occurrences:
            if letter in values and values[letter] != n:
                raise InputError(
                    f"{letter} is the vectors' length, {n}, and {spell('at')} gives it {values[letter]}"
                )
            values[letter] = n
            constants = [*(constants or []), letter] if letter not in (constants or []) else constants
    for name in program.values:
        if name in values:
            raise InputError(f"{name} has a value in the expression and in {spell('at')}: give it once")
    unused = [name for name in program.values if name not in graph.occurrences]
    if unused:  # a value the code gives and nothing uses: as an unused step, a warning
        out = graph.nodes[graph.root].var
        program.warnings.append(
            f"{', '.join(unused)} {'is' if len(unused) == 1 else 'are'} not used by {out}: left out"
        )
    values.update((k, v) for k, v in program.values.items() if k not in unused)
    d = derive_graph(
        graph,
        values,
        dvalue=dvalue,
        wrt=wrt,
        lr=lr,
        update=update,
        limits=limits,
        arrays=program.arrays,
        style=program.style,
        warnings=program.warnings,
        const=constants or (),
        exact=_flag("exact", exact),
    )
    d.marks = program.marks  # \mathbf{w}: how LaTeX prints w back
    if simplify:
        from .simplify import simplified

        d.simplified, warning = simplified(d)
        if warning:
            d.warnings.append(warning)
    return Result(d, shown, look)


def _elements(names: list[str] | None, arrays: dict[str, list[str]]) -> list[str] | None:
    """Names where a vector stands for its elements (``--wrt w`` is ``w0, w1, w2``)."""
    if names is None:
        return None
    return [m for n in names for m in (arrays[n] if n in arrays and n not in arrays[n] else [n])]


def _vectors(values: dict[str, object]) -> dict[str, list[float]]:
    """The names given a list of values (``at={"w": [-3, -1, 2]}``, ``--at w=-3,-1,2``): vectors."""
    from .derivation import check_number

    out: dict[str, list[float]] = {}
    for name, value in values.items():
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            continue
        items = list(value)
        if not items:
            raise InputError(f"{spell('at')} gives {name} an empty list: a vector needs a value")
        for k, v in enumerate(items):
            check_number(f"{name}[{k}]", v)
        out[name] = items  # as given: --exact takes a typed 1/3 exactly
    return out


def _program(
    expr: str, latex_input: bool, python_input: bool, limits: Limits, vectors: dict[str, int]
) -> Program:
    if latex_input:
        from .latex_input import parse_latex_program

        return parse_latex_program(expr, limits, vectors)
    if python_input:
        from .python_input import parse_python

        return parse_python(expr, limits)
    from .parse import parse_program

    return parse_program(expr, limits, vectors)


@without_gc_pauses
def network(
    spec: Mapping[str, Any] | str,
    wrt: Iterable[str] | None = None,
    scalar: bool = False,
    limits: Limits = DEFAULT,
    digits: int | str | None = None,
    legend: bool = True,
    layout: str = "LR",
    exact: bool = False,
) -> NetworkResult:
    """A network of dense layers from its spec (a dict, or a JSON file's name): the matrix view of its
    backward pass, and with ``wrt`` (``["W1[2,0]", "b2[1]"]``) the scalar view of those parameters.

    ``scalar`` prints the scalar view alone in text, LaTeX and Markdown; ``limits`` bounds it
    (``limits=Limits(max_paths=...)``).  ``exact`` is refused: the matrix view computes in float64.
    """
    from ._network import network as build

    return build(
        spec, wrt=wrt, scalar=scalar, limits=limits, digits=digits, legend=legend, layout=layout, exact=exact
    )

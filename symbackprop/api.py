"""The Python API: ``neuron`` and ``derive`` return a :class:`Result`, the same object the CLI prints."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ._rendered import FIGURES, Rendered, without_gc_pauses
from .build import neuron_arrays, neuron_graph
from .derivation import Derivation, derive_graph, derive_tree
from .errors import InputError
from .limits import DEFAULT, Limits

if TYPE_CHECKING:
    from ._network import NetworkResult


class Result(Rendered):
    """One derivation and its renderings.  Every format reads the same :class:`Derivation`."""

    renderers: ClassVar[dict[str, tuple[str, str]]] = {
        "to_dict": ("json", "to_dict"),
        "json": ("json", "render"),
        "latex": ("latex", "render"),
        "equations": ("latex", "equations"),
        "markdown": ("markdown", "render"),
        "text": ("text", "render"),
        "python": ("python", "render"),
        **FIGURES,
    }

    def __init__(self, derivation: Derivation) -> None:
        self.derivation = derivation

    def _depth(self) -> int:
        return self.derivation.graph.height

    @property
    def gradients(self) -> dict[str, float]:
        """∂output/∂leaf times dvalue, for every leaf."""
        return dict(self.derivation.gradients)

    @property
    def output(self) -> float:
        return self.derivation.output

    def chain(self, name: str) -> list[dict[str, Any]]:
        """The paths from the output to ``name``, as in the JSON's ``chains``."""
        chains = self.to_dict()["chains"]
        if name not in chains:
            raise InputError(f"no chain for {name!r} (derived: {', '.join(chains) or 'none'})")
        return list(chains[name])

    def __repr__(self) -> str:
        d = self.derivation
        return f"<symbackprop.Result {d.expr} = {d.output!r}; gradients {d.gradients}>"


def _as_list(what: str, values: object) -> list[object]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise InputError(f"{what} must be a list of numbers, not {values!r}")
    return list(values)


@without_gc_pauses
def neuron(
    x: Sequence[float] = (1.0, -2.0, 3.0),
    w: Sequence[float] = (-3.0, -1.0, 2.0),
    b: float = 1.0,
    activation: str = "relu",
    dvalue: float = 1.0,
    lr: float | None = 0.001,
    wrt: Iterable[str] | None = None,
) -> Result:
    """The chapter's neuron (by default exactly its numbers): ``activation(sum(mul(x_i, w_i)..., b))``.

    ``lr`` updates the weights and the bias (never the inputs) and runs the forward pass again.
    """
    xs, ws = _as_list("x", x), _as_list("w", w)
    if len(xs) != len(ws):
        raise InputError(f"x has {len(xs)} values and w has {len(ws)}: they must have the same length")
    arrays = neuron_arrays(len(xs))
    graph = neuron_graph(len(xs), activation, arrays)
    values: dict[str, object] = {**dict(zip(arrays["x"], xs)), **dict(zip(arrays["w"], ws)), "b": b}
    update = arrays["w"] + arrays["b"]
    d = derive_graph(
        graph,
        values,
        dvalue=dvalue,
        wrt=_names("wrt", wrt),
        lr=lr,
        update=update,
        arrays=arrays,
        kind="neuron",
    )
    return Result(d)


def _names(option: str, names: Iterable[str] | str | None) -> list[str] | None:
    """Leaf names as a list; a string is split as the command line splits it (``"x0, w0"``)."""
    if names is None:
        return None
    if isinstance(names, str):
        from .parse import parse_names

        return parse_names(names)
    if not isinstance(names, Iterable):
        raise InputError(f"{option} must be a list of names, not {names!r}")
    return list(names)


@without_gc_pauses
def derive(
    expr: str,
    at: Mapping[str, float] | None = None,
    latex_input: bool = False,
    dvalue: float = 1.0,
    wrt: Iterable[str] | None = None,
    lr: float | None = None,
    update: Iterable[str] | None = None,
    limits: Limits = DEFAULT,
) -> Result:
    """Any supported expression, infix (``relu(x*w + b)``) or LaTeX, at the values in ``at``.

    With ``lr`` and ``update`` the named leaves take one step ``p += -lr * dp``.
    """
    if not isinstance(expr, str):
        raise InputError(f"the expression must be a string, not {type(expr).__name__}")
    if at is not None and not isinstance(at, Mapping):
        raise InputError(f"at must be a dict of names and numbers, not {type(at).__name__}")
    if not isinstance(limits, Limits):
        raise InputError(
            f"limits must be a Limits (DEFAULT.merge(max_nodes=...)), not {type(limits).__name__}"
        )
    wrt, update = _names("wrt", wrt), _names("update", update)
    if lr is not None and not update:
        raise InputError("--lr needs --update NAMES: which leaves to update")
    if update and lr is None:
        raise InputError("--update needs --lr: the learning rate")
    if latex_input:
        from .latex_input import parse_latex

        tree = parse_latex(expr, limits)
    else:
        from .parse import parse_infix

        tree = parse_infix(expr, limits)
    d = derive_tree(
        tree, dict(at or {}), dvalue=dvalue, wrt=wrt, lr=lr, update=update, max_output=limits.max_output
    )
    return Result(d)


@without_gc_pauses
def network(
    spec: Mapping[str, Any] | str,
    wrt: Iterable[str] | None = None,
    scalar: bool = False,
    max_paths: int = 10_000,
    limits: Limits = DEFAULT,
) -> NetworkResult:
    """A network of dense layers from its spec (a dict, or a JSON file's name): the matrix view of its
    backward pass, and with ``wrt`` (``["W1[2,0]", "b2[1]"]``) the scalar view of those parameters.

    ``scalar`` prints the scalar view alone in text, LaTeX and Markdown; ``max_paths`` bounds it;
    ``limits`` bounds a spec file's length (``max_spec_length``).
    """
    from ._network import network as build

    return build(spec, wrt=wrt, scalar=scalar, max_paths=max_paths, limits=limits)

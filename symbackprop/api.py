"""The Python API: ``neuron`` and ``derive`` return a :class:`Result`, the same object the CLI prints."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .build import neuron_arrays, neuron_graph
from .derivation import Derivation, derive_graph, derive_tree
from .errors import InputError, LimitError
from .limits import DEFAULT, Limits, recursion_room

if TYPE_CHECKING:
    from ._network import NetworkResult

GRAPH_FORMATS = ("dot", "svg", "tikz")
FORMATS = ("text", "latex", "markdown", "python", "json", *GRAPH_FORMATS)


class Result:
    """One derivation and its renderings.  Every format reads the same :class:`Derivation`."""

    def __init__(self, derivation: Derivation) -> None:
        self.derivation = derivation

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

    def _call(self, module: str, function: str = "render", **options: Any) -> Any:
        """Run one renderer on the derivation, with stack room for the tree's depth."""
        renderer = getattr(import_module(f".render.{module}", __package__), function)
        with recursion_room(self.derivation.graph.height):
            try:
                return renderer(self.derivation, **options)
            except RecursionError:  # Python 3.12+ bounds C recursion however high the limit is
                raise LimitError("the expression nests too deeply to print (lower its depth)") from None

    def to_dict(self) -> dict[str, Any]:
        """The JSON result as a dict (the contract's layout)."""
        return dict(self._call("json", "to_dict"))

    def latex(self, standalone: bool = False) -> str:
        """The chapter's equations; ``standalone`` wraps them in a complete LaTeX document."""
        return str(self._call("latex", standalone=standalone))

    def markdown(self) -> str:
        """The walkthrough with ``$$ … $$`` math."""
        return str(self._call("markdown"))

    def text(self) -> str:
        """The walkthrough for a terminal."""
        return str(self._call("text"))

    def python(self) -> str:
        """A standalone program in the chapter's style that prints the same numbers."""
        return str(self._call("python"))

    def graph(self, fmt: str = "svg") -> Any:
        """The computation graph (values, gradients in red): shows as SVG in Jupyter, ``str()`` is its
        ``svg``, ``dot`` or ``tikz`` source."""
        return self._call("graph", "Figure", fmt=fmt)

    def frames(self, fmt: str = "svg") -> list[str]:
        """The chapter's figure sequence: forward one operation per frame, backward one gradient per frame."""
        return list(self._call("graph", "frames", fmt=fmt))

    def write_frames(self, directory: str | os.PathLike[str], fmt: str = "svg") -> list[Path]:
        """Write the sequence to ``directory`` as ``frame-01.svg`` ... (TikZ frames as LaTeX documents)."""
        return list(self._call("graph", "write_frames", directory=directory, fmt=fmt))

    def render(self, fmt: str, standalone: bool = False) -> str:
        """The result in one of :data:`FORMATS`."""
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r} (choose one of {', '.join(FORMATS)})")
        if fmt == "latex":
            return self.latex(standalone=standalone)
        if fmt in GRAPH_FORMATS:
            return str(self._call("graph", fmt=fmt, standalone=standalone))
        return str(self._call(fmt))

    def _repr_latex_(self) -> str:
        return "$$" + str(self._call("latex", "equations")) + "$$"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter shows the walkthrough (Markdown), or the equations (LaTeX), or the text."""
        make = {"text/markdown": self.markdown, "text/latex": self._repr_latex_, "text/plain": self.text}
        return {k: f() for k, f in make.items() if (not include or k in include) and k not in (exclude or ())}

    def walkthrough(self) -> View:
        """The chapter's walkthrough as a notebook cell shows it (Markdown; text in a terminal)."""
        return View(markdown=self.markdown(), text=self.text())

    def equations(self) -> View:
        """The nested form and every chain as one display equation (its LaTeX source as text)."""
        body = str(self._call("latex", "equations"))
        return View(latex=f"$${body}$$", markdown=f"$$\n{body}\n$$", text=body)

    def __repr__(self) -> str:
        d = self.derivation
        return f"<symbackprop.Result {d.expr} = {d.output!r}; gradients {d.gradients}>"


class View:
    """A part of a result that displays itself in Jupyter; ``str()`` is its plain text."""

    def __init__(self, text: str, markdown: str | None = None, latex: str | None = None) -> None:
        self.text, self.markdown, self.latex = text, markdown, latex

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        have = {"text/markdown": self.markdown, "text/latex": self.latex, "text/plain": self.text}
        return {
            k: v
            for k, v in have.items()
            if v is not None and (not include or k in include) and k not in (exclude or ())
        }

    def _repr_markdown_(self) -> str | None:
        return self.markdown

    def _repr_latex_(self) -> str | None:
        return self.latex

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


def _as_list(what: str, values: object) -> list[object]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise InputError(f"{what} must be a list of numbers, not {values!r}")
    return list(values)


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


def network(
    spec: Mapping[str, Any] | str,
    wrt: Iterable[str] | None = None,
    scalar: bool = False,
    max_paths: int = 10_000,
) -> NetworkResult:
    """A network of dense layers from its spec (a dict, or a JSON file's name): the matrix view of its
    backward pass, and with ``wrt`` (``["W1[2,0]", "b2[1]"]``) the scalar view of those parameters.

    ``scalar`` prints the scalar view alone in text, LaTeX and Markdown; ``max_paths`` bounds it.
    """
    from ._network import network as build

    return build(spec, wrt=wrt, scalar=scalar, max_paths=max_paths)

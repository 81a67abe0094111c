"""What every result offers -- the formats, the figures, Jupyter's displays -- in one place.

Light on purpose: the command line imports the format names from here without loading SymPy.
Each result class says how it prints in each format (its own methods, each importing its
renderer when first called); figures, ``render`` and the notebook displays are shared here.
"""

from __future__ import annotations

import functools
import gc
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from . import numbers
from .errors import InputError, LimitError
from .limits import recursion_room

GRAPH_FORMATS = ("dot", "svg", "tikz")
FORMATS = ("text", "latex", "markdown", "python", "json", *GRAPH_FORMATS, "beamer")
#: The formats ``--standalone`` makes a complete LaTeX document of.
DOCUMENT_FORMATS = ("latex", "tikz", "beamer")

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def no_gc_pauses() -> Iterator[None]:
    """Hold Python's cyclic collector while a derivation is built or printed.

    A large derivation allocates millions of small objects, none of them garbage yet; each
    full collection would walk them all again, which made the cost per input grow with the
    size (5% of a 1 000-input neuron's time, 36% at 100 000). The collector runs as usual
    afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def without_gc_pauses(function: F) -> F:
    """Decorate an API entry point with :func:`no_gc_pauses`."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with no_gc_pauses():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class Rendered(ABC):
    """What every result offers: the formats, the figures and Jupyter's displays, each one
    renderer run on the same derivation.  Subclasses give the formats; figures are shared."""

    derivation: Any
    #: Significant digits of the numbers a reader reads (None: the default rule, 0: every digit);
    #: JSON keeps every digit whatever this says.
    digits: int | None = None
    #: How its figures are drawn: with the legend (values black, gradients red), in which direction.
    legend: bool = True
    layout: str = "LR"

    def _figure_style(self, legend: bool = True, layout: str = "LR") -> None:
        """Keep the figures' ``legend=`` and ``layout=`` (checked: an error names the option)."""
        from ._figure_style import checked

        self.legend, self.layout = checked(legend, layout)

    def _depth(self) -> int:
        """How deep the printed tree nests (stack room for the printers)."""
        return 0

    def _safely(self, renderer: Callable[..., Any], *args: Any) -> Any:
        """Run a renderer with stack room for the tree's depth and without collector pauses."""
        from ._figure_style import style
        from .names import marked

        with (
            recursion_room(self._depth()),
            no_gc_pauses(),
            numbers.precision(self.digits),
            marked(getattr(self.derivation, "marks", {})),  # \mathbf{w} as written (a network has no marks)
            style(self.legend, self.layout),
        ):
            try:
                return renderer(*args)
            except RecursionError:  # Python 3.12+ bounds C recursion however high the limit is
                raise LimitError("the expression nests too deeply to print (lower its depth)") from None

    # -- the formats -----------------------------------------------------------------------
    @abstractmethod
    def _formats(self) -> ModuleType:
        """The renderers of this kind of derivation (``render.formats``, ``render.network.formats``),
        imported when first asked for."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON result as a dict (the contract's layout)."""
        return dict(self._safely(self._formats().to_dict, self.derivation))

    def json(self) -> str:
        """The JSON result as text."""
        return str(self._safely(self._formats().json_text, self.derivation))

    def latex(self, standalone: bool = False) -> str:
        """The equations; ``standalone`` wraps them in a complete LaTeX document."""
        return str(self._safely(self._formats().latex_text, self.derivation, standalone))

    def markdown(self) -> str:
        """The walkthrough with ``$$ … $$`` math."""
        return str(self._safely(self._formats().markdown_text, self.derivation))

    def text(self) -> str:
        """The walkthrough for a terminal."""
        return str(self._safely(self._formats().plain_text, self.derivation))

    def python(self) -> str:
        """A standalone program in the chapter's or the book's style that prints the same numbers."""
        return str(self._safely(self._formats().program, self.derivation))

    def equations_body(self) -> str:
        """The equations as one display body (no delimiters)."""
        return str(self._safely(self._formats().equations, self.derivation))

    def blocks(self) -> list[Any]:
        """The walkthrough as typed blocks (what the doc builds show)."""
        return list(self._safely(self._formats().walkthrough, self.derivation))

    def equation_blocks(self) -> list[Any]:
        """Every display equation, each with its role (expression, forward, backward, chain, gradients, step)."""
        return list(self._safely(self._formats().equation_blocks, self.derivation))

    @abstractmethod
    def part(self, name: str) -> list[str]:
        """The display equations of one part a doc build can show: ``expression``, ``chain``,
        ``gradients`` or ``step``."""

    # -- figures ------------------------------------------------------------------------------
    def graph(self, fmt: str = "svg") -> Any:
        """The computation graph (values, gradients in red): shows as SVG in Jupyter, ``str()`` is its
        ``svg``, ``dot`` or ``tikz`` source."""
        from .render import figure

        return self._safely(figure.Figure, self.derivation, fmt)

    def frames(self, fmt: str = "svg") -> list[str]:
        """The chapter's figure sequence: forward one operation per frame, backward one gradient per frame."""
        from .render import figure

        return list(self._safely(figure.frames, self.derivation, fmt))

    def write_frames(
        self, directory: str | os.PathLike[str], fmt: str = "svg", standalone: bool = False
    ) -> list[Path]:
        """Write the sequence to ``directory`` as ``frame-01.svg`` ... (TikZ frames as fragments to
        ``\\input``, or with ``standalone`` as LaTeX documents)."""
        from .render import figure

        return list(self._safely(figure.write_frames, self.derivation, directory, fmt, standalone))

    def beamer(self, standalone: bool = False) -> str:
        """The figure sequence as one Beamer frame, one overlay per step, each step's equation under it
        (``standalone``: a complete presentation)."""
        from .render import figure

        return str(self._safely(figure.beamer, self.derivation, standalone))

    def render(self, fmt: str, standalone: bool = False) -> str:
        """The result in one of :data:`FORMATS`."""
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r} (choose one of {', '.join(FORMATS)})")
        if fmt in GRAPH_FORMATS:
            from .render import figure

            return str(self._safely(figure.render, self.derivation, fmt, standalone))
        if fmt == "beamer":
            return self.beamer(standalone)
        if standalone and fmt not in DOCUMENT_FORMATS:
            from .options import spell

            raise InputError(
                f"{spell('standalone')} applies to {spell('format')} latex only (and to the tikz figure and beamer slides)"
            )
        formats: dict[str, Callable[[], str]] = {
            "text": self.text,
            "markdown": self.markdown,
            "python": self.python,
            "json": self.json,
            "latex": lambda: self.latex(standalone=standalone),
        }
        return formats[fmt]()

    # -- notebooks ----------------------------------------------------------------------------
    def _repr_latex_(self) -> str:
        return "$$" + self.equations_body() + "$$"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter shows the walkthrough (Markdown), or the equations (LaTeX), or the text."""
        make = {"text/markdown": self.markdown, "text/latex": self._repr_latex_, "text/plain": self.text}
        return {k: f() for k, f in make.items() if (not include or k in include) and k not in (exclude or ())}

    def walkthrough(self) -> View:
        """The walkthrough as a notebook cell shows it (Markdown; text in a terminal)."""
        return View(markdown=self.markdown(), text=self.text())

    def equations(self) -> View:
        """The equations as one display (its LaTeX source as text)."""
        body = self.equations_body()
        return View(latex=f"$${body}$$", markdown=f"$$\n{body}\n$$", text=body)


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

"""What every result offers -- the formats, the figures, Jupyter's displays -- in one place.

Light on purpose: the command line imports the format names from here without loading SymPy.
"""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from .errors import InputError, LimitError
from .limits import recursion_room

GRAPH_FORMATS = ("dot", "svg", "tikz")
FORMATS = ("text", "latex", "markdown", "python", "json", *GRAPH_FORMATS)

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


#: The figure renderers, the same for every kind of result.
FIGURES: dict[str, tuple[str, str]] = {
    "graph": ("graph", "render"),
    "figure": ("graph", "Figure"),
    "frames": ("graph", "frames"),
    "write_frames": ("graph", "write_frames"),
}


class Rendered:
    """What every result offers: the formats, the figures and Jupyter's displays, each one
    renderer run on the same derivation."""

    derivation: Any
    #: what is asked for -> (module under ``symbackprop.render``, function of it)
    renderers: ClassVar[dict[str, tuple[str, str]]]

    def _depth(self) -> int:
        """How deep the printed tree nests (stack room for the printers)."""
        return 0

    def _call(self, module: str, function: str = "render", **options: Any) -> Any:
        """Run one function of ``symbackprop.render.<module>`` on the derivation, with stack room
        for the tree's depth (the doc builds ask for single blocks this way)."""
        renderer = getattr(import_module(f".render.{module}", __package__), function)
        with recursion_room(self._depth()), no_gc_pauses():
            try:
                return renderer(self.derivation, **options)
            except RecursionError:  # Python 3.12+ bounds C recursion however high the limit is
                raise LimitError("the expression nests too deeply to print (lower its depth)") from None

    def _run(self, what: str, **options: Any) -> Any:
        """Run the renderer of ``what`` (a format, ``equations``, a figure) for this kind of result."""
        return self._call(*self.renderers[what], **options)

    def to_dict(self) -> dict[str, Any]:
        """The JSON result as a dict (the contract's layout)."""
        return dict(self._run("to_dict"))

    def latex(self, standalone: bool = False) -> str:
        """The equations; ``standalone`` wraps them in a complete LaTeX document."""
        return str(self._run("latex", standalone=standalone))

    def markdown(self) -> str:
        """The walkthrough with ``$$ … $$`` math."""
        return str(self._run("markdown"))

    def text(self) -> str:
        """The walkthrough for a terminal."""
        return str(self._run("text"))

    def python(self) -> str:
        """A standalone program in the chapter's or the book's style that prints the same numbers."""
        return str(self._run("python"))

    def graph(self, fmt: str = "svg") -> Any:
        """The computation graph (values, gradients in red): shows as SVG in Jupyter, ``str()`` is its
        ``svg``, ``dot`` or ``tikz`` source."""
        return self._run("figure", fmt=fmt)

    def frames(self, fmt: str = "svg") -> list[str]:
        """The chapter's figure sequence: forward one operation per frame, backward one gradient per frame."""
        return list(self._run("frames", fmt=fmt))

    def write_frames(self, directory: str | os.PathLike[str], fmt: str = "svg") -> list[Path]:
        """Write the sequence to ``directory`` as ``frame-01.svg`` ... (TikZ frames as LaTeX documents)."""
        return list(self._run("write_frames", directory=directory, fmt=fmt))

    def render(self, fmt: str, standalone: bool = False) -> str:
        """The result in one of :data:`FORMATS`."""
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r} (choose one of {', '.join(FORMATS)})")
        if fmt in GRAPH_FORMATS:
            return str(self._run("graph", fmt=fmt, standalone=standalone))
        if standalone and fmt != "latex":
            raise InputError("--standalone applies to --format latex only (and to the tikz figure)")
        return self.latex(standalone=standalone) if fmt == "latex" else str(self._run(fmt))

    def _repr_latex_(self) -> str:
        return "$$" + str(self._run("equations")) + "$$"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter shows the walkthrough (Markdown), or the equations (LaTeX), or the text."""
        make = {"text/markdown": self.markdown, "text/latex": self._repr_latex_, "text/plain": self.text}
        return {k: f() for k, f in make.items() if (not include or k in include) and k not in (exclude or ())}

    def walkthrough(self) -> View:
        """The walkthrough as a notebook cell shows it (Markdown; text in a terminal)."""
        return View(markdown=self.markdown(), text=self.text())

    def equations(self) -> View:
        """The equations as one display (its LaTeX source as text)."""
        body = str(self._run("equations"))
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

"""How a figure is drawn, whatever it shows: with or without its legend, left to right or top to bottom.

Set for a block of rendering (as :func:`symbackprop.numbers.precision` sets the digits), so a figure
inside a standalone document or a doc build is drawn as the result was asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

#: The directions a figure may run: the chapter's left to right, or top to bottom (a narrow column).
LAYOUTS = ("LR", "TB")


@dataclass(frozen=True)
class Style:
    legend: bool = True  # a key under the figure: values black, gradients red
    layout: str = "LR"


_DEFAULT = Style()
_STYLE: ContextVar[Style | None] = ContextVar("figure_style", default=None)


def checked(legend: object, layout: object) -> tuple[bool, str]:
    """``legend=`` and ``layout=`` as a caller gave them (``"tb"`` is ``TB``); anything else is an
    error naming the option as the caller spells it."""
    from .errors import InputError
    from .options import spell

    if not isinstance(legend, bool):
        raise InputError(f"{spell('legend')} must be true or false, not {legend!r}")
    word = layout.upper() if isinstance(layout, str) else layout
    if word not in LAYOUTS:
        raise InputError(f"{spell('layout')} must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    return legend, str(word)


def current() -> Style:
    """The style of the figures being drawn (outside any block: the default)."""
    return _STYLE.get() or _DEFAULT


@contextmanager
def style(legend: bool = True, layout: str = "LR") -> Iterator[None]:
    """Figures drawn inside the block have (or lack) the legend and run in ``layout``."""
    token = _STYLE.set(Style(bool(legend), layout))
    try:
        yield
    finally:
        _STYLE.reset(token)

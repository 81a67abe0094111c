"""Which entrance is running -- Python, the command line or a doc build -- so that a message raised
deep in the core names an option as the caller spells it (:func:`symbackprop.options.spell`).

Light on purpose, as :mod:`symbackprop.options` is: ``contextvars`` is imported on first use.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing would cost --help a tenth of its time
if TYPE_CHECKING:
    from contextvars import ContextVar

ENTRANCES = ("python", "cli", "directive")
_STATE: dict[str, ContextVar[str]] = {}


def _entrance_var() -> ContextVar[str]:
    """The context variable naming the entrance, made on first use (``--help`` never needs it).

    ``setdefault`` is atomic: threads racing to make it all get the one that was stored.
    """
    var = _STATE.get("entrance")
    if var is None:
        import contextvars

        var = _STATE.setdefault("entrance", contextvars.ContextVar("symbackprop_entrance", default="python"))
    return var


class entrance:  # lower case: it reads as a function, ``with entrance("cli"):``
    """``with entrance("cli"): ...``: messages raised inside name options as that entrance spells them.

    ``"python"`` (the default), ``"cli"`` (``main`` sets it) or ``"directive"`` (the Sphinx
    directive and the Markdown fence set it).  A context variable, so threads and asyncio tasks
    each keep their own.
    """

    __slots__ = ("_token", "name")

    def __init__(self, name: str) -> None:
        if name not in ENTRANCES:
            raise ValueError(f"unknown entrance {name!r} (one of {', '.join(ENTRANCES)})")
        self.name = name

    def __enter__(self) -> str:
        self._token = _entrance_var().set(self.name)
        return self.name

    def __exit__(self, *exc: object) -> None:
        _entrance_var().reset(self._token)


def current_entrance() -> str:
    """The entrance whose spelling messages use now: ``python``, ``cli`` or ``directive``."""
    return _entrance_var().get()

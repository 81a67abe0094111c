"""An option of the table (:mod:`symbackprop.options`) and the kind of value it takes, as classes:
the table's rows and its parsers live there, what a row is lives here.

Light on purpose, as the table is: no SymPy, ``dataclasses`` or ``typing`` on the way to ``--help``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's (see options.py)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class Kind:
    """One kind of value: its parser, how its default prints in ``--help``, and two properties.

    ``signed``: the value may begin with ``-`` (the command line joins ``--w -3,-1,2``).
    ``lazy``: the parser loads SymPy, so the doc-spec reader keeps the text until it derives.
    """

    __slots__ = ("lazy", "name", "parse", "show", "signed")

    def __init__(
        self,
        name: str,
        parse: Callable[[Option, str], Any],
        show: Callable[[Any], str] = str,
        signed: bool = False,
        lazy: bool = False,
    ) -> None:
        self.name, self.parse, self.show, self.signed, self.lazy = name, parse, show, signed, lazy

    def __repr__(self) -> str:
        return f"<kind {self.name}>"


class Option:
    """One user option, the same in every entrance.

    ``commands``: the commands (and Python functions) that take it; ``doc``: the directive's
    subjects that take it (by command name; empty: not a directive option).  ``flags`` empty
    with ``commands``: a positional argument.  ``variants`` overrides a field for one command
    (``lr``'s default is the chapter's 0.001 for the neuron, none for an expression).  ``call``:
    the value is a keyword of the command's function (the output options are the CLI's own);
    ``into="limits"``: a bound of :class:`~symbackprop.limits.Limits`, passed as ``limits=``.
    """

    __slots__ = (
        "_on",
        "call",
        "choices",
        "commands",
        "default",
        "directive",
        "doc",
        "flags",
        "group",
        "help",
        "into",
        "keyword",
        "kind",
        "metavar",
        "python",
        "pyvalue",
        "repeat",
        "variants",
    )

    def __init__(
        self,
        keyword: str,
        kind: Kind,
        *,
        help: str,
        commands: tuple[str, ...] = (),
        doc: tuple[str, ...] | None = None,
        flags: tuple[str, ...] | None = None,
        directive: str | None = "",
        default: Any = None,
        metavar: str | None = None,
        choices: tuple[str, ...] | Callable[[], tuple[str, ...]] | None = None,
        repeat: bool = False,
        group: str | None = None,
        python: str | None = None,
        pyvalue: str | None = None,
        call: bool = True,
        into: str | None = None,
        variants: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        dashed = keyword.replace("_", "-")
        self.keyword, self.kind, self.help, self.commands = keyword, kind, help, commands
        self.doc = commands if doc is None else doc
        self.flags = (f"--{dashed}",) if flags is None else flags
        self.directive = (dashed if self.doc else None) if directive == "" else directive
        self.default, self.metavar, self.choices, self.repeat = default, metavar, choices, repeat
        self.group, self.pyvalue, self.call, self.into = group, pyvalue, call, into
        self.python = f"{keyword}=" if python is None else python
        self.variants = variants or {}
        self._on: dict[str, Option] = {}

    def on(self, command: str) -> Option:
        """The option as ``command`` has it (its variant's fields in place of the shared ones)."""
        if command not in self.variants:
            return self
        if command not in self._on:
            copy = Option.__new__(Option)
            for slot in Option.__slots__:
                setattr(copy, slot, getattr(self, slot))
            for field, value in self.variants[command].items():
                setattr(copy, field, value)
            copy.variants, copy._on = {}, {}
            self._on[command] = copy
        return self._on[command]

    def choice_list(self) -> tuple[str, ...]:
        choices = self.choices() if callable(self.choices) else self.choices
        return tuple(choices or ())

    def parse(self, text: str) -> Any:
        """The value of the option's text (the command line's, the directive's, the fence's)."""
        return self.kind.parse(self, text)

    def help_text(self) -> str:
        """The help line, with the default when there is one to show."""
        if self.default is None or self.kind.name == "flag":
            return self.help
        return f"{self.help} (default: {self.kind.show(self.default)})"

    def __repr__(self) -> str:
        return f"<option {self.keyword}>"

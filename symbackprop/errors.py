"""Errors a user can cause.  Each carries the exit status the contract gives it."""

from __future__ import annotations

import re


class SymbackpropError(Exception):
    """Base of every error a user can cause; ``str(err)`` is one line naming what and where."""

    exit_status = 2

    def __str__(self) -> str:
        return one_line(super().__str__())


# A long repr(); a pattern, compiled (and cached by re) only when a message needs it.
_QUOTED = r"'(?:[^'\\\n]|\\.){60,}'" + "|" + r'"(?:[^"\\\n]|\\.){60,}"'


def one_line(message: str, width: int = 400) -> str:
    """A message as one short line: quoted user text past 60 characters is cut, and so is the middle
    of a line still longer than ``width`` (its end says where)."""
    message = " ".join(message.splitlines())  # \r, \x0b, \u2028 ... break lines too
    message = re.sub(_QUOTED, lambda m: m.group()[:40] + "..." + m.group()[0], message)
    if len(message) > width:
        message = message[: width - 100] + " ... " + message[-95:]
    return message


def non_ascii_digit(c: str) -> str:
    """The one message for a digit outside ASCII (``٣``, ``３``), wherever a number is read."""
    return f"{c!r} is a digit outside ASCII: write numbers with the digits 0-9"


def outside_ascii(text: str) -> str:
    """``: '٣' is a digit outside ASCII ...`` where ``text`` has one (the one message), else nothing."""
    digit = next((c for c in text if c.isdigit() and not c.isascii()), None)
    return "" if digit is None else f": {non_ascii_digit(digit)}"


class InputError(SymbackpropError):
    """The input is wrong: bad values, unknown names, lists of different lengths (exit 2)."""


class ParseError(InputError):
    """An expression does not parse; the message names the column (and the line, in a program of
    several lines)."""

    def __init__(self, message: str, column: int | None = None, line: int | None = None) -> None:
        self.column, self.line = column, line
        where = f"line {line}, column {column}" if line is not None else f"column {column}"
        super().__init__(message if column is None else f"{message} (at {where})")


class LimitError(InputError):
    """A size, depth or range bound was exceeded (raise it with --max-nodes / --max-depth)."""


class SpecError(InputError):
    """A network spec is malformed; the message names the layer and the field."""


class EvaluationError(SymbackpropError):
    """The input is well-formed but evaluating it fails (exit 1)."""

    exit_status = 1

"""The values a user types, read alike in every entrance: numbers (ASCII digits, ``-`` or the
Unicode minus U+2212) and ``NAME=VALUE`` pairs, where a list of numbers is a vector's values."""

from __future__ import annotations

import re

from .errors import non_ascii_digit

#: The Unicode minus sign, as typeset text has it: a minus wherever a number or an expression is read.
MINUS = "\u2212"
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:inf|infinity|nan)", re.I)


def read_number(text: str) -> float:
    """A number as a user writes one: ASCII digits, a sign, a decimal point, an exponent; ``inf`` and
    ``nan`` are read so that the check of values refuses them by name.  Raises ValueError with the
    reason (empty where the text is simply no number)."""
    t = text.strip().replace(MINUS, "-")
    digit = next((c for c in t if c.isdigit() and not c.isascii()), None)
    if digit is not None:
        raise ValueError(non_ascii_digit(digit))
    if not _NUMBER.fullmatch(t):
        raise ValueError("")
    return float(t)


def pairs(text: str) -> list[tuple[str, list[str]]]:
    """``x0=1, w=-3,-1,2 b=0`` -> ``[("x0", ["1"]), ("w", ["-3", "-1", "2"]), ("b", ["0"])]``: pairs
    separated by commas or spaces (outside braces: ``w_{1,2}=3``), a vector's numbers by commas.
    Raises ValueError naming the item that is no pair."""
    from .parse import split_items

    out: list[tuple[str, list[str]]] = []
    for _, item in split_items(re.sub(r"\s*=\s*", "=", text.strip())):
        name, eq, value = item.partition("=")
        if eq and value:
            out.append((name, [value]))
        elif not eq and out:
            out[-1][1].append(item)  # the next number of a vector's values
        else:
            raise ValueError(f"{item!r} is not NAME=VALUE")
    return out

"""The values a user types, read alike in every entrance: numbers (ASCII digits, ``-`` or the
Unicode minus U+2212) and ``NAME=VALUE`` pairs, where a list of numbers is a vector's values."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .errors import InputError, SymbackpropError, non_ascii_digit

#: The Unicode minus sign, as typeset text has it: a minus wherever a number or an expression is read.
MINUS = "\u2212"
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:inf|infinity|nan)", re.I)
_FRACTION = re.compile(r"([+-]?[0-9]+)\s*/\s*([0-9]+)")


class Written(float):
    """A number as a user typed it: the float, and the text, whose exact value ``--exact`` takes
    (``1/1000001``, a twenty-digit integer, ``0.1234567890123456`` exactly, not their floats)."""

    text: str

    def __new__(cls, value: float, text: str = "") -> Written:
        number = super().__new__(cls, value)
        number.text = text
        return number


def read_number(text: str) -> float:
    """A number as a user writes one: ASCII digits, a sign, a decimal point, an exponent, or a
    fraction of two integers (``1/3``: the float nearest to it, which ``--exact`` reads back as 1/3);
    ``inf`` and ``nan`` are read so that the check of values refuses them by name.  Raises ValueError
    with the reason (empty where the text is simply no number)."""
    t = text.strip().replace(MINUS, "-")
    digit = next((c for c in t if c.isdigit() and not c.isascii()), None)
    if digit is not None:
        raise ValueError(non_ascii_digit(digit))
    fraction = _FRACTION.fullmatch(t)
    if fraction is not None:
        p, q = (int(g) for g in fraction.groups())
        if q == 0:
            raise ValueError("a fraction's denominator cannot be 0")
        try:
            return Written(p / q, f"{p}/{q}")  # correctly rounded, as float(Fraction(p, q))
        except OverflowError:
            raise ValueError("the fraction is out of floating-point range") from None
    if not _NUMBER.fullmatch(t):
        raise ValueError("")
    value = float(t)
    return Written(value, t) if value - value == 0 else value  # inf and nan: no exact value


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


def number(text: str, what: str, where: str = "") -> float:
    """:func:`read_number`, or an InputError: ``{what} 'a' is not a number{where}``, with the reason."""
    try:
        return read_number(text)
    except ValueError as err:
        reason = f": {err}" if str(err) else ""
        raise InputError(f"{what} {text.strip()!r} is not a number{where}{reason}") from None


def assignments(text: str, label: str, option: str) -> dict[str, float | list[float]]:
    """``x0=1, w0=-3`` (commas or spaces between the pairs) -> ``{"x0": 1.0, "w0": -3.0}``; a list of
    numbers makes a vector, ``w=-3,-1,2`` -> ``{"w": [-3.0, -1.0, 2.0]}``.  Names in their ASCII or
    LaTeX spelling (``y_hat``, ``\\hat{y}``); a name given twice is an error.  ``label`` begins a
    message about the text (``--at:``), ``option`` names the option (``--at``)."""
    from .parse import read_name

    try:
        found = pairs(text)
    except ValueError as err:
        raise InputError(f"{label} {err}") from None
    values: dict[str, float | list[float]] = {}
    for name, items in found:
        try:
            key = read_name(name.strip())
        except (SymbackpropError, ValueError):
            raise InputError(f"{label} {name.strip()!r} is not a variable name") from None
        if key in values:
            raise InputError(f"{option} gives {key} twice: give each name one value")
        numbers = [number(t, f"{option} {key}:") for t in items]
        values[key] = numbers[0] if len(numbers) == 1 else numbers
    return values


def joined(parts: Iterable[Mapping[str, Any]], option: str) -> dict[str, Any]:
    """The pairs of a repeated option (``--at x=1 --at w=2``) as one dict; a name given twice is an error."""
    out: dict[str, Any] = {}
    for part in parts:
        for k, v in part.items():
            if k in out:
                raise InputError(f"{option} gives {k} twice: give each name one value")
            out[k] = v
    return out


def _code(text: str) -> Iterator[int]:
    """The positions of Python code's characters outside comments and string literals (a scan of our own:
    Python's tokenizer refuses a Unicode minus differently from one version to the next)."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif c in "'\"":
            quote = text[i : i + 3] if text[i : i + 3] in ("'''", '"""') else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            i = j + len(quote)
        else:
            yield i
            i += 1


def python_minus(text: str) -> str:
    """Python code with each Unicode minus (U+2212) in the code a ``-``, comments and strings as they are;
    the same length, so that every column stays where it was."""
    if MINUS not in text:
        return text
    out = list(text)
    for i in _code(text):
        if out[i] == MINUS:
            out[i] = "-"
    return "".join(out)


def non_ascii_digit_in_code(text: str) -> tuple[str, int, int] | None:
    """The first digit outside ASCII in Python code (not in a comment or a string), with its line and column
    (from 1), or None: Python would take ``x١`` as a name and refuse ``١`` alone with a message of its own,
    where every entrance gives the one message."""
    if text.isascii():
        return None
    for i in _code(text):
        c = text[i]
        if c.isdigit() and not c.isascii():
            line = text.count("\n", 0, i) + 1
            return c, line, i - (text.rfind("\n", 0, i) + 1) + 1
    return None


_JSON_MINUS = re.compile(r'"(?:[^"\\]|\\.)*"|\u2212')


def json_minus(text: str) -> str:
    """JSON with each Unicode minus outside its strings a ``-`` (the same length: the columns stay)."""
    if MINUS not in text:
        return text
    return _JSON_MINUS.sub(lambda m: "-" if m.group() == MINUS else m.group(), text)

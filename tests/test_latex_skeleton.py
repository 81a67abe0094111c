r"""The skeleton of a term (``A \cdot B ^ C``) read by our own pass as latex2sympy2 1.9.1 reads it.

latex2sympy2 is the oracle: every skeleton the front end can hand over, read by both, gives the same
shape of unevaluated SymPy (operands, operators and their order), or an error from both at the same piece.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symbackprop.errors import ParseError
from symbackprop.latex_input._skeleton import read_skeleton, slot

latex2sympy2 = pytest.importorskip("latex2sympy2")  # 1.9.1, before Python 3.13

_OPERATORS = ["*", r"\cdot", r"\times", "/", r"\div", "^", "+", "-"]


def _shape(e: Any) -> Any:
    """An expression as nested tuples in its own argument order (srepr sorts a Mul's factors)."""
    if isinstance(e, sympy.Symbol):
        return e.name
    if isinstance(e, sympy.Integer):
        return int(e)
    return (type(e).__name__, tuple(_shape(a) for a in e.args))


def _skeleton(tokens: list[str]) -> tuple[list[tuple[str, int]], dict[str, object]]:
    """Placeholders in order for each "X", as the front end names them; offsets as in the joined text."""
    pieces, slots, at = [], {}, 0
    for t in tokens:
        if t == "X":
            t = slot(len(slots))
            slots[t] = None
        pieces.append((t, at))
        at += len(t) + 1
    return pieces, slots


def _reachable(tokens: list[str]) -> bool:
    """What the front end can hand over: a sign only first or after an operator (else it splits the
    term), no x^a^b and no three signs (refused before)."""
    for k, t in enumerate(tokens):
        if t in "+-" and k > 0 and tokens[k - 1] == "X":
            return False
        if t == "^" and k >= 2 and tokens[k - 2] == "^":
            return False
        if t in "+-" and k >= 2 and tokens[k - 1] in "+-" and tokens[k - 2] in "+-":
            return False
    return "X" in tokens


def _oracle(pieces: list[tuple[str, int]]) -> Any:
    """latex2sympy2's reading, or the offset of the piece its caret points at."""
    text = " ".join(p for p, _ in pieces)
    try:
        return _shape(latex2sympy2.latex2sympy(text))
    except Exception as err:  # latex2sympy2 raises bare Exceptions, a caret line last
        lines = str(err).split("\n")
        at = len(lines[-1]) - 1 if len(lines) >= 3 and set(lines[-1]) <= {"~", "^"} else 0
        return ("error", max(offset for _, offset in pieces if offset <= at) + 1)


def _ours(pieces: list[tuple[str, int]], slots: dict[str, object]) -> Any:
    try:
        return read_skeleton(pieces, slots)
    except ParseError as err:
        return ("error", err.column)


def _agree(tokens: list[str]) -> None:
    pieces, slots = _skeleton(tokens)
    assert _ours(pieces, slots) == _oracle(pieces), " ".join(p for p, _ in pieces)


SHORT = [
    list(t)
    for n in range(1, 5)
    for t in itertools.product(["X", r"\cdot", "/", "^", "-", "+"], repeat=n)
    if _reachable(list(t))
]


@pytest.mark.parametrize("tokens", SHORT, ids=" ".join)
def test_every_short_skeleton(tokens: list[str]) -> None:
    _agree(tokens)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["X", "X", "X", *_OPERATORS]), min_size=1, max_size=14))
def test_random_skeletons(tokens: list[str]) -> None:
    if _reachable(tokens):
        _agree(tokens)


@pytest.mark.parametrize("seed", range(3))
def test_long_skeletons(seed: int) -> None:
    """Past the 48 one-letter placeholders (A_0, B_0, ...), every operator mixed."""
    import random

    pick = random.Random(seed)
    tokens = ["X"]
    while len(tokens) < 150:
        op = pick.choice([*_OPERATORS[:5], "^", " "])
        if op == "^" and "^" in tokens[-2:]:
            op = r"\cdot"
        tokens += ([op] if op != " " else []) + (["-"] if pick.random() < 0.1 and op != " " else []) + ["X"]
    _agree(tokens)

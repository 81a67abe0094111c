"""Checking answers: a student's numbers (or code) against a derivation, step by step.

A *model* of the derivation lists its quantities in the order of the backward pass -- each
with its right value, the quantities it is computed from and how, and the rule that gives it in
the chapter's names -- and the spellings a student may use for them (:mod:`._check_scalar` for
a neuron or an expression, :mod:`._network.check` for a network).  :func:`analyse` compares the
answers with it: an answer is right within the tolerance; a wrong one is *explained* when it is
what its own rule gives from the student's wrong inputs (the first wrong step upstream is named),
and otherwise it is a first wrong step, compared with what each known mistake would have given.

A file of formulas is also run again at other points (the inputs changed, the numbers it writes
as numbers replaced by the right ones there): a line that gives the right number here only by
chance -- an upstream gradient of 1, a ReLU mask of 1 -- is wrong there, and is reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from . import numbers
from .answers import Answers, Binding, read
from .errors import InputError
from .limits import DEFAULT, Limits
from .options import spell

#: The default tolerance: relative, absolute.
TOLERANCE = (1e-6, 1e-9)
#: The most other points a file's formulas are tried at (the model draws as many as it needs).
PROBES = 12


@dataclass(frozen=True)
class Tolerance:
    rel: float = TOLERANCE[0]
    abs: float = TOLERANCE[1]

    @classmethod
    def of(cls, tol: object) -> Tolerance:
        """``tol=`` as given: None (the default), a number (relative), or (relative, absolute)."""
        if tol is None:
            return cls()
        from .derivation import check_number

        parts = list(tol) if isinstance(tol, (list, tuple)) else [tol]
        if not 1 <= len(parts) <= 2:
            raise InputError(f"{spell('tol')} is a relative tolerance, or two numbers: relative, absolute")
        values = [check_number(spell("tol"), p) for p in parts]
        if any(v < 0 for v in values):
            raise InputError(f"{spell('tol')} cannot be negative")
        return cls(values[0], values[1] if len(values) == 2 else TOLERANCE[1])

    def close(self, a: Any, b: Any) -> bool:
        """Whether two values agree: numbers, lists of them, arrays of the same shape."""
        if a is None or b is None:
            return False
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            if x.shape != y.shape:
                return False
            return bool(
                np.all(np.abs(x - y) <= np.maximum(self.rel * np.maximum(np.abs(x), np.abs(y)), self.abs))
            )
        if isinstance(a, tuple) or isinstance(b, tuple):
            if not (isinstance(a, tuple) and isinstance(b, tuple)) or len(a) != len(b):
                return False
            return all(self.close(p, q) for p, q in zip(a, b))
        return math.isclose(float(a), float(b), rel_tol=self.rel, abs_tol=self.abs)


@dataclass
class Quantity:
    """One quantity of the derivation a student may answer."""

    key: str  # its name (the chapter's: drelu_dz, dsum_dxw0, xw0, new_w0, dweights1)
    expected: Any  # the right value: a float, a tuple of floats (a list), an array (a network)
    rule: str = ""  # how it is computed, as code in the chapter's names
    inputs: tuple[str, ...] = ()  # the quantities it is computed from
    compute: Callable[[list[Any]], Any] | None = None  # its rule on the inputs' values
    given: bool = False  # a value the derivation is given (an input, dvalue, lr): nothing computes it
    members: tuple[str, ...] = ()  # a list of other quantities (dw = [drelu_dw0, ...])


@dataclass(frozen=True)
class Candidate:
    """What one known mistake would have given."""

    kind: str  # "sign", "upstream", "swapped", "mask", "wrong_z", "path", "plus_lr", "copied", "transposed"
    value: Any
    sentence: str  # one sentence naming the mistake, with the rule
    reads: frozenset[str] = frozenset()  # the quantities a line making it would read


class Model(Protocol):
    """A derivation's quantities as answers name them."""

    quantities: dict[str, Quantity]  # in the order of the report: the backward pass's

    def resolve(self, bindings: Sequence[Binding]) -> list[tuple[str, str]]:
        """Each binding's quantity (its key) and the name the report gives it, in order; an unknown name
        is an error listing the nearest."""

    def key_of(self, name: str) -> str | None:
        """The quantity a spelling names (``dw[0]``, ``drelu_dw0``), or None."""

    def value(self, key: str, given: Any, name: str) -> Any:
        """An answer's value in the quantity's shape (a float, a tuple, an array), or an error."""

    def candidates(self, key: str, env: Env) -> list[Candidate]:
        """What each known mistake would give for ``key`` here, the likeliest first."""

    def probes(self) -> Iterator[Model]:
        """The same derivation at other points, for running a file's formulas again."""


@dataclass
class Env:
    """The student's world: each quantity's value as the student has it (their answer, or what the
    rule gives from their answers) and the right one."""

    model: Model
    tol: Tolerance
    student: dict[str, Any] = field(default_factory=dict)
    root: dict[str, str | None] = field(default_factory=dict)  # the first wrong step it inherits, by name

    def expected(self, key: str) -> Any:
        return self.model.quantities[key].expected

    def sv(self, key: str) -> Any:
        """The student's value of ``key``; where its shape is not the quantity's (a transposed matrix), the
        right one, so that the rules after it still apply."""
        expected = self.expected(key)
        value = self.student.get(key, expected)
        if isinstance(expected, np.ndarray) and np.shape(value) != expected.shape:
            return expected
        return value


@dataclass
class Entry:
    """One answer, checked."""

    name: str  # as the student wrote it (new_w0 for w[0] after the update)
    given: Any
    expected: Any
    ok: bool
    explained_by: str | None = None  # the first wrong step upstream that makes this one wrong
    mistake: str | None = None  # the known mistake its value is, in one sentence
    kind: str | None = None  # which mistake: "sign", "upstream", ...
    line: int | None = None
    rule: str = ""
    by_chance: bool = False  # right here only: the line's formula gives other numbers elsewhere
    key: str = ""
    order: tuple[int, int] = (0, 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "given": _plain(self.given),
            "expected": _plain(self.expected),
            "ok": self.ok,
            "explained_by": self.explained_by,
            "mistake": self.mistake,
            "mistake_kind": self.kind,
            "line": self.line,
            "rule": self.rule,
            "by_chance": self.by_chance,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if numbers.is_exact(value):  # JSON's numbers are floats
        return float(value)
    return value


def _entry(value: float) -> str:
    """A matrix's number, to 8 significant digits (``-0`` shown as ``0``, integers without ``.0``)."""
    rounded = float(f"{value:.8g}") + 0.0
    return str(int(rounded)) if rounded.is_integer() and abs(rounded) < 1e15 else repr(rounded)


def show(value: Any, digits: int | None = None) -> str:
    """A value as the report prints it: a number exactly (or to ``digits``), a list, a matrix to 8 digits."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _entry(float(value)) if digits is None else f"{float(value):.{digits}g}"
        return "[" + ", ".join(show(np.asarray(v), digits) for v in value) + "]"
    if isinstance(value, tuple):
        return "[" + ", ".join(show(v, digits) for v in value) + "]"
    if digits is None and numbers.is_exact(value):  # an exact value (--exact): 1/6
        return numbers.exact_value(value, "infix")
    return numbers.exact(float(value)) if digits is None else f"{float(value):.{digits}g}"


# --- the analysis ------------------------------------------------------------------------------------


def analyse(
    model: Model, bindings: Sequence[Binding], resolved: Sequence[tuple[str, str]], tol: Tolerance
) -> list[Entry]:
    """Every answer checked against ``model``, in the order of its quantities (then of the answers).

    ``resolved`` is each binding's quantity and the name the report gives it (:meth:`Model.resolve`).
    """
    qs = model.quantities
    order = {key: k for k, key in enumerate(qs)}
    keys = [key for key, _ in resolved]
    names = [name for _, name in resolved]
    values = [model.value(key, b.value, name) for b, (key, name) in zip(bindings, resolved)]
    # each quantity's first answer: its own, or an item of a list that holds it (with the item's name)
    first: dict[str, tuple[int, Any, str]] = {}
    for k, (key, value) in enumerate(zip(keys, values)):
        members = qs[key].members
        if members:
            for j, (member, item) in enumerate(zip(members, value)):
                first.setdefault(member, (k, item, f"{names[k]}[{j}]"))
        else:
            first.setdefault(key, (k, value, names[k]))
    env = Env(model, tol)
    status: dict[str, str] = {}
    for key, q in qs.items():
        if q.members:
            continue
        computed = q.compute([env.sv(i) for i in q.inputs]) if q.compute is not None else q.expected
        off = next((env.root[i] for i in q.inputs if env.root.get(i)), None)
        if key in first:
            _, given, name = first[key]
            env.student[key] = given
            if tol.close(given, q.expected):
                status[key], env.root[key] = "ok", None
            elif off is not None and tol.close(given, computed):
                status[key], env.root[key] = "explained", off
            else:
                status[key], env.root[key] = "root", name
        else:
            env.student[key] = computed
            env.root[key] = off if off is not None and not tol.close(computed, q.expected) else None
    entries = []
    for k, (b, key, value) in enumerate(zip(bindings, keys, values)):
        q = qs[key]
        items = list(zip(q.members, value)) if q.members else [(key, value)]
        results = [
            _judge(model, env, status, first, member, item, k, b, keys, bindings) for member, item in items
        ]
        entry = Entry(
            names[k], value, q.expected, all(r[0] for r in results), line=b.line, rule=q.rule, key=key
        )
        entry.order = (order[key], k)
        wrong = [(j, r) for j, r in enumerate(results) if not r[0]]
        if wrong:
            j, (_, explained, mistake) = wrong[0]
            entry.explained_by = explained
            if mistake is not None and explained is None:
                prefix = f"{names[k]}[{j}]: " if q.members else ""
                entry.kind, entry.mistake = mistake.kind, prefix + mistake.sentence
        entries.append(entry)
    entries.sort(key=lambda e: e.order)
    return entries


def _judge(
    model: Model,
    env: Env,
    status: dict[str, str],
    first: dict[str, tuple[int, Any, str]],
    key: str,
    value: Any,
    k: int,
    b: Binding,
    keys: Sequence[str],
    bindings: Sequence[Binding],
) -> tuple[bool, str | None, Candidate | None]:
    """One answer (or one item of a list) for ``key``: right; wrong because of an earlier wrong step
    (its name); or wrong itself (and the mistake it is, when known)."""
    q = model.quantities[key]
    tol = env.tol
    if tol.close(value, q.expected):
        return True, None, None
    owner, owned, _ = first[key]
    if owner == k and status.get(key) == "explained":
        return False, env.root[key], None
    if owner != k:
        if tol.close(value, owned):  # the same wrong number as the first answer of it
            return False, env.root[key], None
        off = next((env.root[i] for i in q.inputs if env.root.get(i)), None)
        if (
            off is not None
            and q.compute is not None
            and tol.close(value, q.compute([env.sv(i) for i in q.inputs]))
        ):
            return False, off, None
    reads = frozenset(r for name in b.reads for r in _keys_of(model, name, keys[:k], bindings[:k]))
    return False, None, recognise(model, env, key, value, reads)


def recognise(
    model: Model, env: Env, key: str, value: Any, reads: frozenset[str] = frozenset()
) -> Candidate | None:
    """The known mistake ``value`` is for ``key``: of the candidates that give it, the one that reads
    the most of what the student's line reads (and nothing else), else the likeliest."""
    q = model.quantities[key]
    matches = [
        c
        for c in model.candidates(key, env)
        if env.tol.close(value, c.value) and not env.tol.close(c.value, q.expected)
    ]
    if not matches:
        return None
    fitting = [c for c in matches if c.reads and c.reads <= reads]
    if fitting:  # the mistake that reads what the line reads, the most specific first
        return max(fitting, key=lambda c: len(c.reads))
    return matches[0]


def _keys_of(model: Model, name: str, keys: Sequence[str], bindings: Sequence[Binding]) -> list[str]:
    """The quantity a name that a line reads stands for: the latest answer of that name before the
    line, else the model's spelling of it."""
    found = [key for b, key in zip(bindings, keys) if b.name == name]
    if found:
        return found[-1:]
    key = model.key_of(name)
    return [key] if key else []


# --- the report ---------------------------------------------------------------------------------------


class Report:
    """The checked answers, in the order of the backward pass, and how to print them."""

    def __init__(self, entries: list[Entry], source: Any = None, kind: str = "") -> None:
        self.entries = entries
        self.source = source  # the result checked: its JSON is the report's in --format json
        self.answers_kind = kind

    @property
    def ok(self) -> bool:
        return all(e.ok for e in self.entries)

    @property
    def wrong(self) -> list[Entry]:
        return [e for e in self.entries if not e.ok]

    @property
    def exit_status(self) -> int:
        """0 when every answer is right, 3 when one is wrong (the contract's exit statuses)."""
        return 0 if self.ok else 3

    def to_list(self) -> list[dict[str, Any]]:
        """The contract's ``"check"`` list."""
        return [e.to_dict() for e in self.entries]

    def to_dict(self) -> dict[str, Any]:
        """The checked result's JSON with the ``"check"`` list."""
        out = dict(self.source.to_dict()) if self.source is not None else {"schema": 1}
        warnings = out.pop("warnings", [])
        out["check"] = self.to_list()
        out["warnings"] = warnings
        return out

    def render(self, fmt: str, standalone: bool = False) -> str:
        from .render import check as printed

        if fmt not in ("text", "markdown", "latex", "json"):
            raise InputError(
                f"{spell('check')} prints its report as text, markdown, latex or json, not {fmt}"
            )
        if standalone and fmt != "latex":
            raise InputError(f"{spell('standalone')} applies to {spell('format')} latex only")
        if fmt == "json":
            return printed.json_text(self)
        return {"text": printed.plain, "markdown": printed.markdown, "latex": printed.latex}[fmt](
            self, standalone
        )

    def text(self) -> str:
        return self.render("text")

    def markdown(self) -> str:
        return self.render("markdown")

    def latex(self, standalone: bool = False) -> str:
        return self.render("latex", standalone)

    def json(self) -> str:
        return self.render("json")

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __repr__(self) -> str:
        return f"<symbackprop.Report {len(self.entries)} answers, {len(self.wrong)} wrong>"


def check(
    model: Model, answers: object, tol: object = None, limits: Limits = DEFAULT, source: Any = None
) -> Report:
    """The answers (see :func:`symbackprop.answers.read`) checked against ``model``."""
    tolerance = Tolerance.of(tol)
    given = answers if isinstance(answers, Answers) else read(answers, limits)
    resolved = model.resolve(given.bindings)
    # a name given twice (a cell pasted twice, In [5] then In [6]): the last one counts
    last = {name: k for k, (_, name) in enumerate(resolved)}
    kept = sorted(last.values())
    entries = analyse(model, [given.bindings[k] for k in kept], [resolved[k] for k in kept], tolerance)
    if given.formulas:
        _probe(model, given, resolved, kept, entries, tolerance)
    return Report(entries, source, given.kind)


def _probe(
    model: Model,
    given: Answers,
    resolved: Sequence[tuple[str, str]],
    kept: Sequence[int],
    entries: list[Entry],
    tol: Tolerance,
) -> None:
    """Run a file's formulas again at other points; mark the lines right here only by chance."""
    by_position = {e.order[1]: e for e in entries}
    right = [
        tol.close(model.value(key, b.value, name), model.quantities[key].expected)
        for b, (key, name) in zip(given.bindings, resolved)
    ]
    for other in _take(model.probes(), PROBES):
        overrides = {}
        for k, (b, (key, _)) in enumerate(zip(given.bindings, resolved)):
            if b.literal and (right[k] or model.quantities[key].given):
                overrides[b.index] = _tupled(other.quantities[key].expected)
        again = given.rerun(overrides)
        if again is None:
            continue
        for e in analyse(other, [again[k] for k in kept], [resolved[k] for k in kept], tol):
            main = by_position[e.order[1]]
            if main.ok and not e.ok and e.explained_by is None:
                main.ok, main.by_chance, main.kind = False, True, e.kind
                why = e.mistake or f"The line does not follow the rule {main.rule}."
                main.mistake = (
                    f"The right number here only by chance: at other values of the inputs this line gives "
                    f"{show(e.given, 4)} where the rule gives {show(e.expected, 4)}. {why}"
                )


def _take(it: Iterable[Model], n: int) -> Iterator[Model]:
    for k, m in enumerate(it):
        if k >= n:
            return
        yield m


def _tupled(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return tuple(_tupled(v) for v in value) if value.ndim else float(value)
    return value


def nearest(name: str, names: Iterable[str]) -> str:
    """The names closest to an unknown one, for its error message."""
    import difflib

    pool = list(dict.fromkeys(names))
    close = difflib.get_close_matches(name, pool, n=5, cutoff=0.6)
    if close:
        return "the nearest: " + ", ".join(close)
    return "names are " + ", ".join(pool[:8]) + (", ..." if len(pool) > 8 else "")


def unknown(name: str, b: Binding, names: Iterable[str]) -> InputError:
    where = (
        f"line {b.line}; " if b.line is not None else f"column {b.column}; " if b.column is not None else ""
    )
    return InputError(f"unknown name {name!r} in {spell('check')} ({where}{nearest(name, names)})")

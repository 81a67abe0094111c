"""What the Sphinx directive and the Markdown fence share: their options, the parts they show, a cache.

A spec is the directive's argument and options as text.  :func:`parse_spec` turns it into a
:class:`Spec`; :func:`parts` renders what ``show`` asks for with the existing renderers (the
LaTeX block functions, the Markdown walkthrough, the Python program, the graph) and caches
the strings under a hash of the spec, the package's version and its source, so a rebuild
with a warm cache never loads SymPy.  Nothing here computes a derivative.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import __version__, _files
from . import options as table
from ._values import Written
from .errors import InputError, SymbackpropError
from .limits import DEFAULT
from .options import DEFAULT_SHOW as DEFAULT_SHOW  # what a directive without ``show`` shows
from .options import SHOW as SHOW  # what ``show`` may ask for, in the order of the chapter
from .options import current_entrance, spell

#: The directive's options and the fence's keys (``:at:``, ``at:``), from the options table.
OPTIONS = table.DIRECTIVE_OPTIONS


@dataclass(frozen=True)
class Spec:
    """One derivation to show: an expression (``None`` for the neuron) or a network spec.

    The options are the table's (:mod:`symbackprop.options`), each already given its default
    for the subject.  ``at``, ``wrt`` and ``update`` stay text until :func:`result` needs them:
    names are parsed by the infix parser, which loads SymPy, and a warm cache should not.
    """

    expr: str | None = None
    at: str | None = None
    latex_input: bool = False
    python_input: bool = False
    simplify: bool = False
    const: str | None = None
    define: str | None = None  # operations defined by their bodies, NAME=BODY; ...
    wrt: str | None = None
    dvalue: float | None = None
    lr: float | None = None
    no_update: bool = False  # the neuron without its update step
    update: str | None = None
    x: tuple[float, ...] | None = None  # the neuron: inputs, weights, bias, activation
    w: tuple[float, ...] | None = None
    b: float | None = None
    activation: str | None = None
    network: str | None = None  # the network spec file's text (JSON)
    scalar: bool = False
    digits: int | None = None  # significant digits shown (0: every digit; None: the default rule)
    exact: bool = False  # every value exact: fractions, not floats
    legend: bool = True  # the figure's legend (values black, gradients red)
    layout: str = "LR"  # the figure's direction: LR or TB
    show: tuple[str, ...] = DEFAULT_SHOW
    limits: tuple[tuple[str, int], ...] = ()  # raised (or lowered) bounds: (("max_nodes", 5000),)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Spec:
        """A spec from :func:`dataclasses.asdict` of one, after a trip through JSON (lists back to tuples)."""
        fields = dict(data)
        for name in ("show", "x", "w"):
            if fields.get(name) is not None:
                fields[name] = tuple(fields[name])
        fields["limits"] = tuple((str(k), int(v)) for k, v in fields.get("limits", ()))
        return cls(**fields)

    @property
    def command(self) -> str:
        """The command that derives this subject: ``neuron``, ``derive`` or ``network``."""
        return "network" if self.network is not None else "neuron" if self.expr is None else "derive"

    def key(self) -> str:
        """A content hash: the same spec with the same package renders the same strings."""
        data = asdict(self)
        data.pop("show")
        text = json.dumps([__version__, _fingerprint(), _typed(data)], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def describe(self) -> str:
        """A short name for alt text and captions."""
        if self.network is not None:
            return "the network"
        if self.expr is None:
            return "the chapter's neuron"
        # one line of printable text whatever the expression holds: a builder quotes it, never reads it
        lines = ("".join(c if c.isprintable() else " " for c in line) for line in self.expr.splitlines())
        return "; ".join(" ".join(line.split()) for line in lines if line.strip())


def _typed(value: Any) -> Any:
    """A spec's values with each typed number as its text too: ``:x: 1/1000001`` and a decimal of the
    same float are different exact values, so different keys."""
    if isinstance(value, Written):
        return [float(value), value.text]
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_typed(v) for v in value]
    return value


def parse_show(text: str | None, default: tuple[str, ...] = DEFAULT_SHOW) -> tuple[str, ...]:
    """``chain, gradients`` -> ``("chain", "gradients")``; an unknown word is an error naming the choices."""
    if text is None or not text.strip():
        return default
    return tuple(table.parse("show", text))


def nothing_to_show(spec: Spec, part: str) -> str:
    """The message for a part with nothing in it: a step without a learning rate, say."""
    if spec.network is not None:
        hint = "an 'lr' in the network spec"
    else:
        hint = f"{spell('lr')} and, for an expression, {spell('update')}"
    return f"there is no {part} to show (an update step needs {hint})"


def _not_here(opt: table.Option, command: str) -> str:
    """Why an option does not apply to the directive's subject."""
    name = spell(opt.keyword)
    if command == "network":
        return f"{name} does not apply to a network: set it in the network spec"
    if command == "neuron":
        return (
            f"{name} applies to an expression, not the chapter's neuron: give the expression as the argument"
        )
    return f"{name} applies to the neuron (no argument): an expression's values go in {spell('at')}"


def _known(word: str) -> str:
    """What an unknown option's message lists: the closest options, then all of them, the bounds as ``max-…``."""
    import difflib

    close = difflib.get_close_matches(word, OPTIONS, n=2)
    others = [o for o in OPTIONS if not o.startswith("max-")]
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    return f"{hint}the options are {', '.join(others)}, and the bounds max-…"


def parse_spec(
    argument: str | None,
    options: Mapping[str, str | None],
    read_file: Callable[[str], str] | None = None,
    default_show: tuple[str, ...] = DEFAULT_SHOW,
) -> Spec:
    """The directive's (or fence's) text as a :class:`Spec`; wrong input raises :class:`InputError`.

    Each option is parsed by the table's parser for its kind, and refused where the subject
    does not take it.  ``read_file`` reads the ``network`` option's path (relative to the
    document; the caller knows where).  Names are checked later, by :func:`result`.
    """
    unknown = [k for k in options if k not in OPTIONS]
    if unknown:
        raise InputError(f"unknown option {unknown[0]!r} ({_known(unknown[0])})")
    expr = (argument or "").strip() or None
    network_option = table.BY_KEYWORD["spec"].directive
    command = "network" if network_option in options else "neuron" if expr is None else "derive"
    if command == "network" and expr is not None:
        raise InputError(f"give an expression or {spell('spec')}, not both")
    given: dict[str, Any] = {}
    for name, text in options.items():
        opt = table.BY_DIRECTIVE[name].on(command)
        if command not in opt.doc:
            raise InputError(_not_here(opt, command))
        if opt.kind.lazy:  # names: parsed (with SymPy) by result(), on a cache miss only
            given[opt.keyword] = " ".join((text or "").split())
        else:
            given[opt.keyword] = opt.parse(text or "")
    fields: dict[str, Any] = {}
    for opt in table.TABLE:
        opt = opt.on(command)
        if command not in opt.doc or opt.into == "limits":
            continue
        value = given.get(opt.keyword, None if opt.kind.lazy else opt.default)
        fields[opt.keyword] = tuple(value) if isinstance(value, list) else value
    if not given.get("show"):  # not given, or given empty: the configured default
        fields["show"] = default_show
    network = None
    if command == "network":
        if read_file is None:
            raise InputError(f"{spell('spec')} is not available here")
        network = read_file(fields.pop("spec"))
    limits = tuple((k, given[k]) for k in table.LIMIT_KEYWORDS if k in given)
    DEFAULT.merge(**dict(limits))  # a bound below 1, or a depth past what the stack holds, is refused here
    return Spec(expr=expr, network=network, limits=limits, **fields)


def _neuron_values(spec: Spec, at: dict[str, float]) -> tuple[list[float], list[float], float]:
    """The neuron's inputs, weights and bias: ``:x:``, ``:w:``, ``:b:``, then ``:at:`` by leaf name."""
    xs = list(table.NEURON_X if spec.x is None else spec.x)
    ws = list(table.NEURON_W if spec.w is None else spec.w)
    b = table.NEURON_B if spec.b is None else spec.b
    if not at or len(xs) != len(ws):  # lists of different lengths: the neuron itself says so
        return xs, ws, b
    from .build import neuron_arrays

    arrays = neuron_arrays(len(xs))
    names = [*arrays["x"], *arrays["w"], *arrays["b"]]
    unknown = [n for n in at if n not in names]
    if unknown:
        raise InputError(
            f"unknown name {unknown[0]!r} in {spell('at')} (the neuron has {', '.join(names)}; "
            "for another neuron give its expression)"
        )
    v = {**dict(zip(names, [*xs, *ws, b])), **at}
    return [v[n] for n in arrays["x"]], [v[n] for n in arrays["w"]], v[arrays["b"][0]]


def result(spec: Spec) -> Any:
    """The :class:`~symbackprop.api.Result` a spec describes (derived here, once per cache miss)."""
    from . import api

    command = spec.command
    wrt = None if spec.wrt is None else table.parse("wrt", spec.wrt, command)
    if command == "network":
        from ._network.spec import read_json

        data = read_json(spec.network or "", "the network spec")
        if not isinstance(data, dict):  # a string is not a file name here: a spec is an object
            raise InputError(f"the network spec must be a JSON object, not {type(data).__name__}")
        return api.network(
            data,
            wrt=wrt,
            scalar=spec.scalar,
            limits=DEFAULT.merge(**dict(spec.limits)),
            digits=spec.digits,
            legend=spec.legend,
            layout=spec.layout,
            exact=spec.exact,
        )
    at = table.parse("at", spec.at or "", command)
    if command == "neuron":
        x, w, b = _neuron_values(spec, at)
        return api.neuron(
            x=x,
            w=w,
            b=b,
            activation=spec.activation or table.NEURON_ACTIVATION,
            dvalue=table.DVALUE if spec.dvalue is None else spec.dvalue,
            lr=table.NEURON_LR if spec.lr is None else spec.lr,
            no_update=spec.no_update,
            wrt=wrt,
            limits=DEFAULT.merge(**dict(spec.limits)),
            digits=spec.digits,
            legend=spec.legend,
            layout=spec.layout,
            exact=spec.exact,
        )
    return api.derive(
        spec.expr or "",
        at=at,
        latex_input=spec.latex_input,
        python_input=spec.python_input,
        simplify=spec.simplify,
        const=None if spec.const is None else table.parse("const", spec.const, command),
        define=None if spec.define is None else table.parse("define", spec.define, command),
        dvalue=table.DVALUE if spec.dvalue is None else spec.dvalue,
        wrt=wrt,
        lr=spec.lr,
        update=None if spec.update is None else table.parse("update", spec.update, command),
        limits=DEFAULT.merge(**dict(spec.limits)),
        digits=spec.digits,
        legend=spec.legend,
        layout=spec.layout,
        exact=spec.exact,
    )


# --- the parts -----------------------------------------------------------------------


def _graph(r: Any, fmt: str) -> str:
    """The computation graph in ``svg`` or ``tikz``."""
    return str(r.graph(fmt))


def _compute(r: Any, name: str) -> Any:
    """One part of what ``show`` asks for, as data the cache can hold."""
    if name in ("expression", "chain", "gradients", "step"):
        return list(r.part(name))
    if name == "walkthrough":
        from .render.blocks import to_data

        return to_data(r.blocks())
    if name == "code":
        return r.python()
    if name in ("svg", "tikz"):
        return _graph(r, name)
    if name == "warnings":
        return list(r.warnings)
    if name == "chain_leaves":  # whom each chain's equation is for: "Chain rule for x0" -> x0
        return [b.comment.rpartition(" for ")[2] for b in r.equation_blocks() if b.role == "chain"]
    raise KeyError(name)


_MEMORY: dict[str, dict[str, Any]] = {}
_MEMORY_SIZE = 256


def parts(spec: Spec, names: list[str], cache_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The strings for ``names`` (parts of :data:`SHOW`, ``svg``/``tikz`` for the graph, ``warnings``).

    Cached in memory and, with ``cache_dir``, on disk as ``<key>.json``: the derivation runs
    only when a part is missing.  Errors (:class:`SymbackpropError`) are the caller's to report.
    """
    key = spec.key()
    cached = _MEMORY.get(key)
    path = Path(cache_dir) / f"{key}.json" if cache_dir is not None else None
    if cached is None and path is not None:
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cached = None
    cached = dict(cached or {})
    if "error" in cached and cached.get("entrance") == current_entrance():  # in the caller's spelling
        raise CachedError(cached["error"], cached.get("exit_status", 2))
    if "error" in cached:
        cached = {}  # remembered in another entrance's spelling: derive again for this one's
    missing = [n for n in ["warnings", *names] if n not in cached]
    if missing:
        try:
            r = result(spec)
        except SymbackpropError as err:  # wrong input stays wrong: remembered like a result
            error = {"error": str(err), "exit_status": err.exit_status, "entrance": current_entrance()}
            _remember(key, error, path)
            raise
        try:
            for n in missing:  # a renderer's failure (no ``dot``, say) is not remembered
                cached[n] = _compute(r, n)
        finally:
            _remember(key, cached, path)
    else:
        _remember(key, cached, None)
    return {n: cached[n] for n in ["warnings", *names]}


class CachedError(SymbackpropError):
    """A spec's error, remembered from an earlier build."""

    def __init__(self, message: str, exit_status: int) -> None:
        super().__init__(message)
        self.exit_status = exit_status


def _remember(key: str, cached: dict[str, Any], path: Path | None) -> None:
    if path is not None:
        _write_atomically(path, json.dumps(cached, sort_keys=True))
    if len(_MEMORY) >= _MEMORY_SIZE:
        _MEMORY.pop(next(iter(_MEMORY)))
    _MEMORY[key] = cached


def _write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file: parallel builds may write the same entry, never half of it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _files.write_atomically(path, text)  # readable as a plain file is, no temporary file left
    except OSError:
        pass  # a cache that cannot be written is only slower


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write a generated file (a figure) so that a reader never sees half of it."""
    _write_atomically(Path(path), text)


_FINGERPRINT: str | None = None


def _fingerprint() -> str:
    """The package's source, by size and modification time: an edited renderer misses the cache."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        h = hashlib.sha256()
        root = Path(__file__).parent
        for p in sorted(root.rglob("*.py")):
            st = p.stat()
            h.update(f"{p.relative_to(root)}:{st.st_size}:{st.st_mtime_ns};".encode())
        _FINGERPRINT = h.hexdigest()[:16]
    return _FINGERPRINT

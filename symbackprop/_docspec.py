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
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import __version__, _files
from .errors import InputError, SymbackpropError
from .limits import DEFAULT, LIMIT_HELP

#: What ``show`` may ask for, in the order of the chapter.
SHOW = ("expression", "chain", "gradients", "step", "walkthrough", "graph", "code")
#: What a directive without ``show`` shows.
DEFAULT_SHOW = ("walkthrough",)
#: Option names, the same in the directive (``:at:``) and the Markdown fence (``at:``).
#: The bounds of :class:`~symbackprop.limits.Limits` as options: ``max-nodes``, ``max-depth`` ...
LIMIT_OPTIONS = tuple(name.replace("_", "-") for name in LIMIT_HELP)
OPTIONS = ("at", "latex-input", "wrt", "dvalue", "lr", "update", "network", "show", *LIMIT_OPTIONS)

# The chapter's neuron, the directive's subject when it has no expression.
_NEURON = {"x0": 1.0, "x1": -2.0, "x2": 3.0, "w0": -3.0, "w1": -1.0, "w2": 2.0, "b": 1.0}


@dataclass(frozen=True)
class Spec:
    """One derivation to show: an expression (``None`` for the chapter's neuron) or a network spec.

    ``at``, ``wrt`` and ``update`` stay text until :func:`result` needs them: names are parsed by
    the infix parser, which loads SymPy, and a warm cache should not.
    """

    expr: str | None = None
    at: str = ""
    latex_input: bool = False
    wrt: str | None = None
    dvalue: float = 1.0
    lr: float | None = None
    update: str | None = None
    network: str | None = None  # the network spec file's text (JSON)
    show: tuple[str, ...] = DEFAULT_SHOW
    limits: tuple[tuple[str, int], ...] = ()  # raised (or lowered) bounds: (("max_nodes", 5000),)

    def key(self) -> str:
        """A content hash: the same spec with the same package renders the same strings."""
        data = asdict(self)
        data.pop("show")
        text = json.dumps([__version__, _fingerprint(), data], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def describe(self) -> str:
        """A short name for alt text and captions."""
        if self.network is not None:
            return "the network"
        return "the chapter's neuron" if self.expr is None else self.expr


def _number(option: str, text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise InputError(f"option {option!r}: {text.strip()!r} is not a number") from None


def _names(option: str, text: str | None) -> list[str] | None:
    if text is None:
        return None
    from .parse import parse_names

    try:
        return parse_names(text)
    except SymbackpropError as err:
        raise InputError(f"option {option!r}: {err}") from None


def _assignments(text: str) -> dict[str, float]:
    """``x0=1, w0=-3`` (commas or spaces between the pairs)."""
    from .parse import parse_names

    values: dict[str, float] = {}
    if not text.strip():
        return values
    for item in re.split(r"[,\s]+(?=[^,\s=]+\s*=)", text.strip()):
        name, eq, value = item.strip().strip(",").partition("=")
        if not eq or not value.strip():
            raise InputError(f"option 'at': {item.strip()!r} is not NAME=VALUE")
        try:
            (key,) = parse_names(name.strip())
        except (SymbackpropError, ValueError):
            raise InputError(f"option 'at': {name.strip()!r} is not a variable name") from None
        values[key] = _number("at", value.strip().rstrip(","))
    return values


def _flag(option: str, text: str | None) -> bool:
    word = (text or "").strip().lower()
    if word in ("", "true", "yes", "on", "1"):
        return True
    if word in ("false", "no", "off", "0"):
        return False
    raise InputError(f"option {option!r} takes no value (or true/false), not {text!r}")


def parse_show(text: str | None, default: tuple[str, ...] = DEFAULT_SHOW) -> tuple[str, ...]:
    """``chain, gradients`` -> ``("chain", "gradients")``; an unknown word is an error naming the choices."""
    if text is None or not text.strip():
        return default
    words = list(dict.fromkeys(re.findall(r"[^,\s]+", text)))
    for w in words:
        if w not in SHOW:
            raise InputError(f"option 'show': unknown part {w!r} (choose from {', '.join(SHOW)})")
    return tuple(words)


def parse_spec(
    argument: str | None,
    options: Mapping[str, str | None],
    read_file: Callable[[str], str] | None = None,
    default_show: tuple[str, ...] = DEFAULT_SHOW,
) -> Spec:
    """The directive's (or fence's) text as a :class:`Spec`; wrong input raises :class:`InputError`.

    ``read_file`` reads the ``network`` option's path (relative to the document; the caller
    knows where).  Names are checked later, by :func:`result`.
    """
    unknown = [k for k in options if k not in OPTIONS]
    if unknown:
        raise InputError(f"unknown option {unknown[0]!r} (the options are {', '.join(OPTIONS)})")
    expr = (argument or "").strip() or None
    get = options.get
    network = None
    if get("network") is not None:
        path = (get("network") or "").strip()
        if not path:
            raise InputError("option 'network' needs the path of a JSON spec")
        if expr is not None:
            raise InputError("give an expression or option 'network', not both")
        if read_file is None:
            raise InputError("option 'network' is not available here")
        network = read_file(path)
        given = [k for k in ("at", "latex-input", "dvalue", "lr", "update", *LIMIT_OPTIONS) if k in options]
        if given:
            raise InputError(f"option {given[0]!r} does not apply to a network: set it in the network spec")
    if expr is None and network is None:
        if get("update") is not None:
            raise InputError(
                "option 'update' applies to an expression: the neuron updates its weights and bias"
            )
        if "latex-input" in options:
            raise InputError("option 'latex-input' needs an expression")
    return Spec(
        expr=expr,
        at=" ".join((get("at") or "").split()),
        latex_input="latex-input" in options and _flag("latex-input", get("latex-input")),
        wrt=get("wrt"),
        dvalue=1.0 if get("dvalue") is None else _number("dvalue", get("dvalue") or ""),
        lr=None if get("lr") is None else _number("lr", get("lr") or ""),
        update=get("update"),
        network=network,
        show=parse_show(get("show"), default_show),
        limits=_limits(options),
    )


def _limits(options: Mapping[str, str | None]) -> tuple[tuple[str, int], ...]:
    """``max-nodes: 5000`` ... as the bounds to change, checked as the command line checks them."""
    out = []
    for option in LIMIT_OPTIONS:
        if option in options:
            text = (options[option] or "").strip()
            if not text.isdigit():
                raise InputError(f"option {option!r}: {text!r} is not a whole number")
            out.append((option.replace("-", "_"), int(text)))
    DEFAULT.merge(**dict(out))  # a bound below 1, or a depth past what the stack holds, is refused here
    return tuple(out)


def result(spec: Spec) -> Any:
    """The :class:`~symbackprop.api.Result` a spec describes (derived here, once per cache miss)."""
    from . import api

    if spec.network is not None:
        from ._network import network, split_params

        try:
            data = json.loads(spec.network)
        except ValueError as err:
            raise InputError(f"the network spec is not JSON: {err}") from None
        return network(data, wrt=None if spec.wrt is None else split_params(spec.wrt))
    at = _assignments(spec.at)
    wrt = _names("wrt", spec.wrt)
    if spec.expr is None:
        unknown = [n for n in at if n not in _NEURON]
        if unknown:
            raise InputError(
                f"unknown name {unknown[0]!r} in option 'at' (the chapter's neuron has {', '.join(_NEURON)}; "
                "for another neuron give its expression)"
            )
        v = {**_NEURON, **at}
        return api.neuron(
            x=[v["x0"], v["x1"], v["x2"]],
            w=[v["w0"], v["w1"], v["w2"]],
            b=v["b"],
            dvalue=spec.dvalue,
            lr=0.001 if spec.lr is None else spec.lr,
            wrt=wrt,
        )
    return api.derive(
        spec.expr,
        at=at,
        latex_input=spec.latex_input,
        dvalue=spec.dvalue,
        wrt=wrt,
        lr=spec.lr,
        update=_names("update", spec.update),
        limits=DEFAULT.merge(**dict(spec.limits)),
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
    if "error" in cached:
        raise CachedError(cached["error"], cached.get("exit_status", 2))
    missing = [n for n in ["warnings", *names] if n not in cached]
    if missing:
        try:
            r = result(spec)
        except SymbackpropError as err:  # wrong input stays wrong: remembered like a result
            _remember(key, {"error": str(err), "exit_status": err.exit_status}, path)
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

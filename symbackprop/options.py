"""Every user option once: its Python keyword, command-line flag, directive option, default, parser, help.

The command line's parser (``cli.build_parser``), the Sphinx directive's ``option_spec``, the
Markdown fence's keys and the doc-spec reader (``_docspec``) are all generated from
:data:`TABLE`; the chapter's neuron lives here once.  :func:`spell` names an option the way the
caller spells it -- ``--at`` on the command line, ``:at:`` in a directive or fence, ``at=`` in
Python -- so a message raised deep in the core reads right from every entrance
(:func:`entrance` says which one is running).

Light on purpose: ``--help`` builds its parser from this module, so it imports neither SymPy nor
``dataclasses`` nor ``typing`` (nor ``contextvars`` until an entrance is set); the parsers that
need SymPy (names) import it when called.
"""

from __future__ import annotations

from ._entrance import ENTRANCES, current_entrance, entrance  # noqa: F401 - options.entrance(...) as before
from ._option import Kind, Option
from .errors import InputError, SymbackpropError, outside_ascii
from .limits import BOUNDS, DEFAULT
from .ops import NEURON_ACTIVATIONS, activation_name

TYPE_CHECKING = False  # not typing's: importing typing would cost --help a tenth of its time
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from typing import Any

# --- the chapter's neuron, and the other defaults the entrances share -----------------------------

#: The chapter's neuron: what ``neuron`` derives (command, function, directive) when told nothing else.
NEURON_X = (1.0, -2.0, 3.0)
NEURON_W = (-3.0, -1.0, 2.0)
NEURON_B = 1.0
NEURON_ACTIVATION = "relu"
NEURON_LR = 0.001
#: The activations a neuron takes: the rule table's list (light: no SymPy to read it).
ACTIVATIONS = NEURON_ACTIVATIONS
#: The gradient arriving from the next layer when none is given.
DVALUE = 1.0
#: What the directive's ``show`` may ask for, in the order of the chapter, and what it shows unasked.
SHOW = ("expression", "chain", "gradients", "step", "walkthrough", "graph", "code")
DEFAULT_SHOW = ("walkthrough",)

#: The commands of the command line, which are also the Python functions (``symbackprop.neuron`` ...)
#: and the directive's subjects: no argument is the neuron, an expression ``derive``, ``network`` a network.
COMMANDS = ("neuron", "derive", "network")
#: The command that writes an exercise sheet and its key, of a neuron, an expression or a network.
EXERCISE = "exercise"
#: Titles of the ``--help`` groups an option may belong to (no group: the command's own options).
GROUPS = {"limits": "limits (raise them for unusually large input)", "output": "output"}


# --- which entrance is running: the spelling of its messages (``_entrance``) -----------------------


def spell(keyword: str, value: bool = False) -> str:
    """The option ``keyword`` as the running entrance spells it: ``--at``, ``:at:`` or ``at=``.

    With ``value`` the spelling shows what follows it: ``--at NAME=VALUE``, ``:at: NAME=VALUE``,
    ``at={NAME: VALUE}`` (an option's ``pyvalue``, else its metavar: ``lr=NUMBER``).  An option
    the entrance does not have is spelled as Python spells it.
    """
    opt = BY_KEYWORD[keyword]
    where = current_entrance()
    if where == "cli" and opt.commands:
        name = opt.flags[0] if opt.flags else str(opt.metavar)
        return f"{name} {opt.metavar}" if value and opt.flags and opt.metavar else name
    if where == "directive" and opt.directive is not None:
        name = f":{opt.directive}:"
        return f"{name} {opt.metavar}" if value and opt.metavar else name
    if value:
        return opt.python + (opt.metavar or "" if opt.pyvalue is None else opt.pyvalue)
    return opt.python


def _label(opt: Option) -> str:
    """What a message about the option's text begins with: ``--x:``, ``:x:``, ``x=``."""
    name = spell(opt.keyword)
    return name if name.endswith((":", "=")) else name + ":"


# --- one parser per kind of value: text -> value, a one-line error naming the option ------------


def _number(opt: Option, text: str) -> float:
    from ._values import number

    return number(text, _label(opt))


def _numbers(opt: Option, text: str) -> list[float]:
    from ._values import number

    items = [t.strip() for t in text.split(",")]
    return [number(item, _label(opt), f" (item {k} of {text!r})") for k, item in enumerate(items, start=1)]


def _names(opt: Option, text: str) -> list[str]:
    from .parse import parse_names  # loads SymPy: only when names are given

    try:
        return parse_names(text)
    except SymbackpropError as err:
        raise InputError(f"{_label(opt)} {err}") from None


def _assignments(opt: Option, text: str) -> dict[str, float | list[float]]:
    """``x0=1, w0=-3`` -> ``{"x0": 1.0, "w0": -3.0}``; ``w=-3,-1,2`` (a vector) -> ``{"w": [-3.0, -1.0, 2.0]}``."""
    from ._values import assignments

    return assignments(text, _label(opt), spell(opt.keyword))


def _definitions(opt: Option, text: str) -> list[tuple[str, str]]:
    from .definitions import split

    return split(text)


def _params(opt: Option, text: str) -> list[str]:
    """A network's parameters, ``W1[2,0],b1[0]``: kept as text, the network reader splits and checks them."""
    return [text.strip()] if text.strip() else []


def _flag(opt: Option, text: str) -> bool:
    word = text.strip().lower()
    if word in ("", "true", "yes", "on", "1"):
        return True
    if word in ("false", "no", "off", "0"):
        return False
    raise InputError(f"{_label(opt)} takes no value (or true/false), not {text!r}")


def _choice(opt: Option, text: str) -> str:
    word, choices = choice_type(opt)(text.strip()), opt.choice_list()
    if word not in choices:
        raise InputError(f"{_label(opt)} invalid choice: {word!r} (choose from {', '.join(choices)})")
    return word


def choice_type(opt: Option) -> Callable[[str], str]:
    """A choice as written -> the table's spelling, in any case (``--activation LeakyReLU`` is
    ``leaky_relu``); text that is no choice is returned as it is, for the message to quote."""

    def fold(text: str) -> str:
        if opt.keyword == "activation":
            return activation_name(text) or text
        return next((c for c in opt.choice_list() if c.lower() == text.lower()), text)

    return fold


def _parts(opt: Option, text: str) -> tuple[str, ...]:
    """``chain, gradients`` -> ``("chain", "gradients")``: several choices, in the order given (none: ``()``)."""
    import re

    words = list(dict.fromkeys(re.findall(r"[^,\s]+", text)))
    choices = opt.choice_list()
    for w in words:
        if w not in choices:
            raise InputError(f"{_label(opt)} unknown part {w!r} (choose from {', '.join(choices)})")
    return tuple(words)


def _bound(opt: Option, text: str) -> int:
    """A whole number (ASCII digits, an optional sign); the bound's own check says how large it may be."""
    t = text.strip()
    digits = t[1:] if t[:1] in ("+", "-") else t
    if not (digits.isascii() and digits.isdigit()):
        raise InputError(f"{_label(opt)} {t!r} is not a whole number{outside_ascii(t)}")
    return int(t)


def _digits(opt: Option, text: str) -> int:
    """``6`` or ``full`` (every digit: 0)."""
    t = text.strip().lower()
    if t == "full":
        return 0
    if not (t.isascii() and t.isdigit()) or not 1 <= int(t) <= 17:
        raise InputError(f"{_label(opt)} {text.strip()!r} is not a number of digits (1 to 17) or full{outside_ascii(t)}")  # fmt: skip
    return int(t)


def _path(opt: Option, text: str) -> str:
    t = text.strip()
    if not t:
        raise InputError(f"{_label(opt)} needs a path ({opt.metavar})")
    return t


def _text(opt: Option, text: str) -> str:
    return text


def _show_number(value: object) -> str:
    r = repr(value)
    return r[:-2] if r.endswith(".0") else r


NUMBER = Kind("number", _number, _show_number, signed=True)
NUMBERS = Kind("numbers", _numbers, lambda v: ",".join(map(_show_number, v)), signed=True)
NAMES = Kind("names", _names, lazy=True)
ASSIGNMENTS = Kind("assignments", _assignments, signed=True, lazy=True)
PARAMS = Kind("params", _params, lazy=True)
DEFINITIONS = Kind("definitions", _definitions, lazy=True)
FLAG = Kind("flag", _flag)
CHOICE = Kind("choice", _choice)
PARTS = Kind("parts", _parts, ", ".join)
BOUND = Kind("bound", _bound)
PATH = Kind("path", _path)
DIGITS = Kind("digits", _digits, lambda v: "full" if v == 0 else str(v))
TEXT = Kind("text", _text)


def _formats() -> tuple[str, ...]:
    from ._rendered import FORMATS  # typing and the renderers' table: not on the way to importing this

    return tuple(FORMATS)


_LIMITS = tuple(
    Option(
        field,
        BOUND,
        help=what,
        commands=commands,
        default=default,
        metavar="N",
        group="limits",
        python=f"limits=Limits({field}=...)",
        pyvalue="",
        into="limits",
    )
    for field, (default, what, commands) in BOUNDS.items()
)

#: Checking a backward pass done by hand, and the exercise sheets' own options.
_CHECKING = (
    Option("check", TEXT, commands=COMMANDS, doc=(), metavar="ANSWERS", python="check()", call=False,
           help="check a backward pass done by hand: NAME=VALUE,... or a .json or .py file, in the chapter's "
           "names (drelu_dz, dsum_dxw0, dw ...); exit status 3 if an answer is wrong"),
    Option("tol", NUMBERS, commands=COMMANDS, doc=(), default=(1e-6, 1e-9), metavar="REL[,ABS]", call=False,
           help="with --check: an answer's relative tolerance, or REL,ABS"),
    Option("blank", CHOICE, commands=(EXERCISE,), doc=(), default="all", choices=("factors", "gradients", "all"),
           help="what the sheet leaves blank: the local derivatives, the gradients (and the update), or all"),
    Option("seed", BOUND, commands=(EXERCISE,), doc=(), metavar="N",
           help="draw a new neuron by this seed: small integers and halves, solvable by hand"),
    Option("kink", FLAG, commands=(EXERCISE,), doc=(), default=False,
           help="with --seed: ReLU's input exactly 0, its kink (avoided otherwise)"),
)  # fmt: skip

_NO_UPDATE = Option("no_update", FLAG, help="leave the update step out (as --lr 0 does)", commands=("neuron",), default=False)  # fmt: skip

_FIGURES = (  # how figures are drawn (``--no-legend`` stores False)
    Option("legend", FLAG, commands=COMMANDS, flags=("--no-legend",), default=True, group="output", help="draw figures without their legend (values black, gradients red)"),
    Option("layout", CHOICE, commands=COMMANDS, default="LR", choices=("LR", "TB"), group="output", help="the direction figures run: LR (left to right, as the chapter) or TB (top to bottom)"),
)  # fmt: skip
#: Every user option, in the order ``--help`` lists them.
TABLE: tuple[Option, ...] = (
    Option(
        "x",
        NUMBERS,
        help="inputs, comma-separated",
        commands=("neuron",),
        default=NEURON_X,
        metavar="LIST",
        pyvalue="[...]",
    ),
    Option(
        "w", NUMBERS, help="weights", commands=("neuron",), default=NEURON_W, metavar="LIST", pyvalue="[...]"
    ),
    Option("b", NUMBER, help="bias", commands=("neuron",), default=NEURON_B, metavar="NUMBER"),
    Option(
        "activation",
        CHOICE,
        help="activation function, in any case (LeakyReLU, GELU; swish is silu)",
        commands=("neuron",),
        default=NEURON_ACTIVATION,
        choices=ACTIVATIONS,
    ),
    Option(
        "expr",
        TEXT,
        help="the expression, or - for standard input",
        commands=("derive",),
        doc=(),
        flags=(),
        metavar="EXPR",
    ),
    Option(
        "latex_input",
        FLAG,
        help="EXPR is LaTeX (\\text{ReLU}, \\sigma, \\frac, \\sum ...); equations separated by \\\\ are named steps",
        commands=("derive",),
        default=False,
    ),
    Option(
        "python_input",
        FLAG,
        help="EXPR is straight-line Python, the chapter's code cells (read, never run)",
        commands=("derive",),
        default=False,
    ),
    Option(
        "simplify",
        FLAG,
        help="simplify each gradient's closed form with SymPy (bounded by --max-simplify-seconds)",
        commands=("derive",),
        default=False,
    ),
    Option(
        "define",
        DEFINITIONS,
        help="define an operation by its body, e.g. 'swish2=x*sigmoid(2*x)' or 'f(a,b)=a*b+a' (repeat)",
        commands=("derive",),
        metavar="NAME=BODY",
        repeat=True,
        pyvalue="{NAME: BODY}",
    ),
    Option(
        "const",
        NAMES,
        help="leaves that are given data, not parameters: no gradient, no chain (e.g. targets)",
        commands=("derive",),
        metavar="NAMES",
        pyvalue="[NAMES]",
    ),
    Option(
        "at",
        ASSIGNMENTS,
        help="a variable's value (repeat)",
        commands=("derive",),
        doc=("neuron", "derive"),
        metavar="NAME=VALUE",
        repeat=True,
        pyvalue="{NAME: VALUE}",
    ),
    Option(
        "wrt",
        NAMES,
        help="derive chains only for these leaves (default: all)",
        commands=COMMANDS,
        metavar="NAMES",
        pyvalue="[NAMES]",
        variants={
            "neuron": {"help": "derive chains only for these leaves, e.g. x0,w0 (default: all)"},
            "network": {
                "kind": PARAMS,
                "metavar": "PARAM",
                "repeat": True,
                "pyvalue": "[PARAM, ...]",
                "help": "write out the chain-rule paths of a parameter, e.g. 'W1[2,0]', 'b1[0]', 'X[0,1]' (repeat)",
            },
        },
    ),
    Option(
        "dvalue",
        NUMBER,
        help="gradient from the next layer",
        commands=("neuron", "derive"),
        default=DVALUE,
        metavar="NUMBER",
    ),
    Option(
        "lr",
        NUMBER,
        help="learning rate of one step (needs --update)",
        commands=("neuron", "derive"),
        metavar="NUMBER",
        variants={"neuron": {"default": NEURON_LR, "help": "learning rate of the step"}},
    ),
    _NO_UPDATE,
    Option(
        "update",
        NAMES,
        help="leaves the step updates, e.g. w,b (needs --lr)",
        commands=("derive",),
        metavar="NAMES",
        pyvalue="[NAMES]",
    ),
    *_LIMITS,
    Option(
        "spec",
        PATH,
        help="the network, or - for standard input",
        commands=("network",),
        flags=(),
        directive="network",
        metavar="SPEC.json",
    ),
    Option(
        "scalar",
        FLAG,
        help="print only the scalar view of the --wrt parameters: each path's factors, summed over "
        "samples and neurons (e.g. --wrt 'W1[2,0]' --scalar)",
        commands=("network",),
        default=False,
    ),
    *_CHECKING,
    Option(
        "show",
        PARTS,
        help="what to show, in this order",
        doc=COMMANDS,
        default=DEFAULT_SHOW,
        choices=SHOW,
        flags=(),
        call=False,
    ),
    Option(
        "format",
        CHOICE,
        help="what to print",
        commands=COMMANDS,
        doc=(),
        default="text",
        choices=_formats,
        group="output",
        call=False,
    ),
    Option(
        "digits",
        DIGITS,
        help="significant digits of the numbers a reader reads, or full (JSON keeps every digit); "
        "default: a number's shortest form when it has at most 6, else 6",
        commands=COMMANDS,
        metavar="N",
        group="output",
    ),
    Option(
        "exact",
        FLAG,
        help="exact values: numbers as fractions (0.1 is 1/10, 1/3 stays 1/3), every value computed "
        "exactly with SymPy and printed exactly",
        commands=COMMANDS,
        default=False,
        group="output",
    ),
    *_FIGURES,
    Option(
        "standalone",
        FLAG,
        help="with --format latex, tikz or beamer: a complete LaTeX document",
        commands=COMMANDS,
        doc=(),
        default=False,
        group="output",
        call=False,
    ),
    Option(
        "frames",
        PATH,
        help="also write the chapter's figure sequence to DIR: frame-01.svg ... (in --format if it is "
        "dot, svg or tikz, else svg)",
        commands=COMMANDS,
        doc=(),
        metavar="DIR",
        group="output",
        call=False,
    ),
    Option(
        "output",
        PATH,
        help="write to FILE instead of standard output",
        commands=COMMANDS,
        doc=(),
        flags=("-o", "--output"),
        metavar="FILE",
        group="output",
        call=False,
    ),
)

#: ``exercise`` takes the options of a sheet's subject (the rows gain the command; the directive keeps its own),
#: with the expression and the spec by flag.
_SHEET: dict[str, dict[str, Any]] = {
    "expr": {"flags": ("--expr",), "help": "an expression or program instead of a neuron"},
    "spec": {"flags": ("--network",), "help": "a network's spec (a JSON file) instead of a neuron"},
    "format": {"choices": ("markdown", "latex", "json"), "default": "markdown"},
    "standalone": {"help": "with --format latex: a complete document, the key on its own page"},
}  # fmt: skip
for _opt in TABLE:
    if _opt.keyword in (*_SHEET, "x", "w", "b", "activation", "latex_input", "python_input", "const", "at",
                        "dvalue", "lr", "update", "output", "exact"):  # fmt: skip
        _opt.commands += (EXERCISE,)
        _opt.variants.update({EXERCISE: _SHEET[_opt.keyword]} if _opt.keyword in _SHEET else {})

BY_KEYWORD = {opt.keyword: opt for opt in TABLE}
BY_DIRECTIVE = {opt.directive: opt for opt in TABLE if opt.directive is not None}
#: The directive's options (and the fence's keys): ``at``, ``x`` ... ``max-nodes`` ... ``show``.
DIRECTIVE_OPTIONS = tuple(BY_DIRECTIVE)
#: The Python keywords of the bounds (``max_nodes`` ...), which travel together as ``limits=``.
LIMIT_KEYWORDS = tuple(opt.keyword for opt in _LIMITS)


def of_command(command: str) -> Iterator[Option]:
    """The options of one command, as that command has them, in the table's order."""
    return (opt.on(command) for opt in TABLE if command in opt.commands)


def parse(keyword: str, text: str, command: str | None = None) -> Any:
    """``text`` as the value of option ``keyword`` (for ``command``'s variant of it)."""
    opt = BY_KEYWORD[keyword]
    return (opt if command is None else opt.on(command)).parse(text)


def values(command: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """Each of ``command``'s options from its text in ``given`` (``None``: not given, the default).

    A repeated option's texts (a list) are parsed one by one and joined; a flag may be given
    as ``True``/``False`` already (the command line's ``store_true``).
    """
    out: dict[str, Any] = {}
    for opt in of_command(command):
        raw = given.get(opt.keyword)
        if raw is None:
            out[opt.keyword] = opt.default
        elif isinstance(raw, bool):
            out[opt.keyword] = raw
        elif opt.repeat:
            parts = [opt.parse(text) for text in raw]
            if opt.kind is ASSIGNMENTS:
                from ._values import joined

                out[opt.keyword] = joined(parts, spell(opt.keyword))
            else:
                out[opt.keyword] = [item for part in parts for item in part]
        else:
            out[opt.keyword] = opt.parse(raw)
    return out


def call_keywords(command: str, vals: Mapping[str, Any]) -> dict[str, Any]:
    """The keywords of ``command``'s Python function from :func:`values`: the bounds become ``limits=``."""
    out: dict[str, Any] = {}
    bounds: dict[str, Any] = {}
    for opt in of_command(command):
        if opt.into == "limits":
            bounds[opt.keyword] = vals[opt.keyword]
        elif opt.call:
            out[opt.keyword] = vals[opt.keyword]
    if bounds:
        out["limits"] = DEFAULT.merge(**bounds)
    return out

"""The command line: ``main(argv) -> int``, a thin layer over the Python API.

Nothing heavy is imported on the way to ``--help`` or a usage error: SymPy loads only when
a command runs.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from . import __version__
from ._rendered import FORMATS, GRAPH_FORMATS
from .errors import InputError, SymbackpropError

TYPE_CHECKING = False  # not typing's: importing typing would cost --help a tenth of its time
if TYPE_CHECKING:
    from typing import NoReturn

    from .limits import Limits

PROG = "symbackprop"

NEURON_EXAMPLE = f"""examples:
  {PROG} neuron                                  the chapter's neuron, its walkthrough
  {PROG} neuron --x=1,-2,3 --w=-3,-1,2 --b=1 --format latex --standalone -o neuron.tex
  {PROG} neuron --activation sigmoid --wrt w0,b --format json
"""

DERIVE_EXAMPLE = f"""examples:
  {PROG} derive "relu(x0*w0 + x1*w1 + b)" --at x0=1 --at w0=-3 --at x1=-2 --at w1=-1 --at b=1
  {PROG} derive "sigmoid(x*w + b)" --at x=0.5 --at w=2 --at b=-1 --lr 0.1 --update w,b
  echo '\\sigma(x w + b)' | {PROG} derive - --latex-input --at x=1 --at w=2 --at b=0 --format markdown

Functions: relu, sigmoid, tanh, exp, log (natural), sqrt, abs, max, min; max(z, 0) is ReLU.
Operators: + - * / ** (or ^), unary minus, parentheses.
"""

NETWORK_EXAMPLE = f"""examples:
  {PROG} network spec.json                          the matrix view: every layer's gradients
  {PROG} network spec.json --wrt 'W1[2,0]' --wrt 'b2[1]' --scalar --format latex
  {PROG} network spec.json --format json -o gradients.json

SPEC.json: {{"inputs": [[1, 2, 3, 2.5], ...],                       samples x features
            "layers": [{{"weights": [[...], ...], "biases": [2, 3, 0.5],
                        "activation": "relu"}}, ...],            relu, sigmoid, tanh, softmax or linear
            "loss": {{"kind": "categorical_crossentropy", "targets": [0, 1, 1]}},
            "lr": 0.001}}                                      optional: one SGD step
Instead of "loss" (categorical_crossentropy, binary_crossentropy or mse), "dvalues" gives the
gradient arriving at the last layer's output; with neither it is ones. Parameters are named
W<layer>[input,neuron], b<layer>[neuron] and X[sample,feature]; quote them in the shell.
"""

# Options whose value may itself start with '-' (a negative number or list): "--w -3,-1,2".
_VALUE_OPTIONS = {"--x", "--w", "--b", "--dvalue", "--lr", "--at"}
# -inf and -nan: refused later, by name.  A pattern, not compiled here: --help never needs it.
_NUMBERISH = r"(?i)-(?:[\d.]|inf|nan)"


class _Parser(argparse.ArgumentParser):
    """argparse with the contract's one-line errors and exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise InputError(f"{message} (see '{self.prog} --help')")


def _number(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a number") from None


def _numbers(text: str, option: str) -> list[float]:
    items = [t.strip() for t in text.split(",")]
    out = []
    for k, item in enumerate(items, start=1):
        try:
            out.append(float(item))
        except ValueError:
            raise InputError(f"{option}: {item!r} is not a number (item {k} of {text!r})") from None
    return out


def _names(text: str | None, option: str) -> list[str] | None:
    if text is None:
        return None
    from .parse import parse_names

    try:
        return parse_names(text)
    except SymbackpropError as err:
        raise InputError(f"{option}: {err}") from None


def _assignments(items: Sequence[str]) -> dict[str, float]:
    from .parse import parse_names

    values: dict[str, float] = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not eq:
            raise InputError(f"--at: {item!r} is not NAME=VALUE")
        try:
            (key,) = parse_names(name.strip())
        except (SymbackpropError, ValueError):
            raise InputError(f"--at: {name.strip()!r} is not a variable name") from None
        values[key] = _number(value.strip(), f"--at {key}")
    return values


# The bounds of :class:`Limits` that a network spec has; the others are an expression's.
_SPEC_LIMITS = ("max_spec_length",)


def _add_limits(p: argparse.ArgumentParser, spec: bool = False) -> None:
    """One option per bound in :class:`Limits`: ``--max-nodes``, ``--max-depth`` ... (a spec's with ``spec``)."""
    from .limits import DEFAULT, LIMIT_HELP

    group = p.add_argument_group("limits (raise them for unusually large input)")
    for field, what in LIMIT_HELP.items():
        if (field in _SPEC_LIMITS) != spec:
            continue
        group.add_argument(
            "--" + field.replace("_", "-"),
            type=int,
            metavar="N",
            help=f"{what} (default: {getattr(DEFAULT, field)})",
        )


def _limits(args: argparse.Namespace) -> Limits:
    from .limits import DEFAULT, LIMIT_HELP

    return DEFAULT.merge(**{field: getattr(args, field, None) for field in LIMIT_HELP})


def _add_output(p: argparse.ArgumentParser) -> None:
    out = p.add_argument_group("output")
    out.add_argument("--format", choices=FORMATS, default="text", help="what to print (default: text)")
    out.add_argument(
        "--standalone", action="store_true", help="with --format latex or tikz: a complete LaTeX document"
    )
    out.add_argument(
        "--frames",
        metavar="DIR",
        help="also write the chapter's figure sequence to DIR: frame-01.svg ... (in --format if it is "
        "dot, svg or tikz, else svg)",
    )
    out.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; the docs render their CLI reference from this."""
    parser = _Parser(
        prog=PROG,
        description="Derive backpropagation symbolically: each gradient as the product of its chain-rule "
        "factors, printed as the textbook does, with the numbers.",
        epilog=f"example:\n  {PROG} neuron --format markdown\n\nRun '{PROG} COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    n = commands.add_parser(
        "neuron",
        help="one neuron, the chapter's by default: activation(x0*w0 + ... + b)",
        description="Backpropagate through one neuron, activation(sum(mul(x_i, w_i)..., b)), "
        "and take one gradient-descent step on its weights and bias.",
        epilog=NEURON_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    n.add_argument("--x", default="1,-2,3", metavar="LIST", help="inputs, comma-separated (default: 1,-2,3)")
    n.add_argument("--w", default="-3,-1,2", metavar="LIST", help="weights (default: -3,-1,2)")
    n.add_argument("--b", default="1", metavar="NUMBER", help="bias (default: 1)")
    n.add_argument("--activation", default="relu", choices=("relu", "sigmoid", "tanh", "linear"))
    n.add_argument(
        "--dvalue", default="1", metavar="NUMBER", help="gradient from the next layer (default: 1)"
    )
    n.add_argument(
        "--lr", default="0.001", metavar="NUMBER", help="learning rate of the step (default: 0.001)"
    )
    n.add_argument(
        "--wrt", metavar="NAMES", help="derive chains only for these leaves, e.g. x0,w0 (default: all)"
    )
    _add_output(n)

    d = commands.add_parser(
        "derive",
        help="any expression, infix or LaTeX: relu(x*w + b)",
        description="Backpropagate through an expression given as infix text or (with --latex-input) LaTeX. "
        "EXPR '-' reads it from standard input.",
        epilog=DERIVE_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d.add_argument("expr", metavar="EXPR", help="the expression, or - for standard input")
    d.add_argument(
        "--latex-input", action="store_true", help="EXPR is LaTeX (\\text{ReLU}, \\sigma, \\frac, \\sum ...)"
    )
    d.add_argument(
        "--at", action="append", default=[], metavar="NAME=VALUE", help="a variable's value (repeat)"
    )
    d.add_argument("--wrt", metavar="NAMES", help="derive chains only for these leaves (default: all)")
    d.add_argument(
        "--dvalue", default="1", metavar="NUMBER", help="gradient from the next layer (default: 1)"
    )
    d.add_argument("--lr", metavar="NUMBER", help="learning rate of one step (needs --update)")
    d.add_argument("--update", metavar="NAMES", help="leaves the step updates, e.g. w,b (needs --lr)")
    _add_limits(d)
    _add_output(d)

    net = commands.add_parser(
        "network",
        help="dense layers, a batch, activations and a loss, from a JSON spec",
        description="Backpropagate through a network of dense layers given as a JSON spec (SPEC '-' reads "
        "standard input): the matrix view, each equation with its shapes and then its numbers, and with "
        "--wrt the scalar view of the named parameters.",
        epilog=NETWORK_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    net.add_argument("spec", metavar="SPEC.json", help="the network, or - for standard input")
    net.add_argument(
        "--wrt",
        action="append",
        default=[],
        metavar="PARAM",
        help="write out the chain-rule paths of a parameter, e.g. 'W1[2,0]', 'b1[0]', 'X[0,1]' (repeat)",
    )
    net.add_argument(
        "--scalar",
        action="store_true",
        help="print only the scalar view of the --wrt parameters: each path's factors, summed over "
        "samples and neurons (e.g. --wrt 'W1[2,0]' --scalar)",
    )
    net.add_argument(
        "--max-paths",
        type=int,
        default=10_000,
        metavar="N",
        help="most chain-rule paths the scalar view writes out (default: 10000)",
    )
    _add_limits(net, spec=True)
    _add_output(net)
    return parser


def _join_negative_values(argv: Sequence[str]) -> list[str]:
    """``--w -3,-1,2`` as ``--w=-3,-1,2``: argparse would take ``-3,-1,2`` for an option."""
    out: list[str] = []
    it = iter(argv)
    for arg in it:
        if arg in _VALUE_OPTIONS:
            nxt = next(it, None)
            if nxt is not None and re.match(_NUMBERISH, nxt):
                out.append(f"{arg}={nxt}")
                continue
            out.append(arg)
            if nxt is not None:
                out.append(nxt)
            continue
        out.append(arg)
    return out


def _run(args: argparse.Namespace) -> tuple[str, list[str]]:
    if args.command == "network":  # api.network without loading SymPy for the matrix view
        from ._network import network

        net = network(
            args.spec, wrt=args.wrt, scalar=args.scalar, max_paths=args.max_paths, limits=_limits(args)
        )
        text = net.render(args.format, standalone=args.standalone)
        if args.frames:
            net.write_frames(args.frames, args.format if args.format in GRAPH_FORMATS else "svg")
        return text, net.warnings
    from . import api

    if args.command == "neuron":
        result = api.neuron(
            x=_numbers(args.x, "--x"),
            w=_numbers(args.w, "--w"),
            b=_number(args.b, "--b"),
            activation=args.activation,
            dvalue=_number(args.dvalue, "--dvalue"),
            lr=_number(args.lr, "--lr"),
            wrt=_names(args.wrt, "--wrt"),
        )
    else:
        limits = _limits(args)
        expr = args.expr
        if expr == "-":  # no more than the length limit admits, however long the stream
            from ._files import read_text

            expr = read_text("-", limits.max_length, "the expression", "--max-length")
        result = api.derive(
            expr,
            at=_assignments(args.at),
            latex_input=args.latex_input,
            dvalue=_number(args.dvalue, "--dvalue"),
            wrt=_names(args.wrt, "--wrt"),
            lr=None if args.lr is None else _number(args.lr, "--lr"),
            update=_names(args.update, "--update"),
            limits=limits,
        )
    if args.standalone and args.format not in ("latex", "tikz"):
        raise InputError("--standalone applies to --format latex only (and to the tikz figure)")
    text = result.render(args.format, standalone=args.standalone)
    if args.frames:
        result.write_frames(args.frames, args.format if args.format in GRAPH_FORMATS else "svg")
    return text, list(result.derivation.warnings)


def write_output(path: str, text: str) -> None:
    """``-o PATH``: a regular file replaced atomically, a device or FIFO written as it is (see :mod:`._files`)."""
    from ._files import write_output as write

    try:
        write(path, text)
    except OSError as err:
        shown = path if path.isprintable() else repr(path)
        raise InputError(f"cannot write {shown}: {err.strerror or err}") from None


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so that every clean-up on the way out runs."""


def _terminate(signum: int, frame: object) -> NoReturn:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status instead of exiting (0, 1 or 2; 130/143 on SIGINT/SIGTERM)."""
    try:
        return _main(argv)
    except KeyboardInterrupt as err:  # one line, no traceback; any file being written is gone
        signal_name, status = ("SIGTERM", 143) if isinstance(err, Terminated) else ("SIGINT", 130)
        print(f"{PROG}: error: interrupted ({signal_name})", file=sys.stderr)
        return status


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(_join_negative_values(sys.argv[1:] if argv is None else argv))
        if args.command is None:
            parser.print_help()
            return 2
        text, warnings = _run(args)
    except SystemExit as exit_:  # --help and --version
        return int(exit_.code or 0)
    except SymbackpropError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return err.exit_status
    except RecursionError:
        print(
            f"{PROG}: error: the expression is nested too deeply (lower its depth or --max-depth)",
            file=sys.stderr,
        )
        return 2
    except Exception as err:  # a bug of ours: still one line and no traceback, as the contract has it
        from .errors import one_line

        what = one_line(f"{type(err).__name__}: {err}")
        print(f"{PROG}: error: internal error, please report it ({what})", file=sys.stderr)
        return 1
    for w in warnings:
        print(f"{PROG}: warning: {w}", file=sys.stderr)
    if args.output:
        try:
            write_output(args.output, text)
        except SymbackpropError as err:
            print(f"{PROG}: error: {err}", file=sys.stderr)
            return err.exit_status
    else:
        try:
            sys.stdout.write(text)
        except UnicodeEncodeError:  # a terminal that cannot show ∂ or σ: the same text as UTF-8 bytes
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode("utf-8"))
    return 0


def main_exit() -> NoReturn:
    """The console script's entry point; SIGTERM ends it as Ctrl-C does (unless it was ignored)."""
    import signal

    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    sys.exit(main())

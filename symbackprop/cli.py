"""The command line: ``main(argv) -> int``, a thin layer over the Python API.

Nothing heavy is imported on the way to ``--help`` or a usage error: SymPy loads only when
a command runs.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from . import __version__, options
from ._rendered import DOCUMENT_FORMATS, GRAPH_FORMATS
from .errors import InputError, SymbackpropError

TYPE_CHECKING = False  # not typing's: importing typing would cost --help a tenth of its time
if TYPE_CHECKING:
    from typing import Any, NoReturn

PROG = "symbackprop"

NEURON_EXAMPLE = f"""examples:
  {PROG} neuron                                  the chapter's neuron, its walkthrough
  {PROG} neuron --x=1,-2,3 --w=-3,-1,2 --b=1 --format latex --standalone -o neuron.tex
  {PROG} neuron --activation sigmoid --wrt w0,b --format json
  {PROG} neuron --check cells.py                 check the chapter's backward cells, done by hand
  {PROG} neuron --check 'drelu_dz=1, dw=[1,-2,3], db=1'
"""

DERIVE_EXAMPLE = f"""examples:
  {PROG} derive "relu(x0*w0 + x1*w1 + b)" --at x0=1 --at w0=-3 --at x1=-2 --at w1=-1 --at b=2
  {PROG} derive "sigmoid(x*w + b)" --at x=0.5 --at w=2 --at b=-1 --lr 0.1 --update w,b
  echo '\\sigma(x w + b)' | {PROG} derive - --latex-input --at x=1 --at w=2 --at b=0 --format markdown
  {PROG} derive "relu(x*w + b)" --at x=2 --at w=-1 --at b=3 --check 'dmul_dw=2, drelu_db=1'
  {PROG} derive "-log(softmax_1(z))" --at z=1,2,3             a vector's softmax, output 1's loss
  {PROG} derive "leaky_relu(w*x, 0.2)" --at w=1 --at x=0       at the kink: PyTorch's slope

Functions (any case): relu, sigmoid, tanh, exp, log (natural; also ln), log2, log10, sqrt, abs, max,
min, sin, cos, erf, softplus, leaky_relu(z[, slope]), elu(z[, alpha]), gelu, gelu_tanh, silu (swish),
dot(w, x) of vectors, softmax_k(z) (output k of a vector's softmax); max(z, 0) is ReLU.
Operators: + - * / ** (or ^), unary minus (also U+2212), parentheses. A name given a list of values
(--at w=1,2,3) is a vector; --define NAME=BODY adds an operation of your own.
"""

NETWORK_EXAMPLE = f"""examples:
  {PROG} network spec.json                          the matrix view: every layer's gradients
  {PROG} network spec.json --wrt 'W1[2,0]' --wrt 'b2[1]' --scalar --format latex
  {PROG} network spec.json --format json -o gradients.json
  {PROG} network spec.json --check answers.json       dweights1, dbiases1, dinputs1, dz1 ... checked

SPEC.json: {{"inputs": [[1, 2, 3, 2.5], ...],                       samples x features
            "layers": [{{"weights": [[...], ...], "biases": [2, 3, 0.5],
                        "activation": "relu"}}, ...],            relu, sigmoid, tanh, softmax, linear ...
            "loss": {{"kind": "categorical_crossentropy", "targets": [0, 1, 1]}},
            "lr": 0.001}}                                      optional: one SGD step
Instead of "loss" (categorical_crossentropy, binary_crossentropy or mse), "dvalues" gives the
gradient arriving at the last layer's output; with neither it is ones. Parameters are named
W<layer>[input,neuron], b<layer>[neuron] and X[sample,feature]; quote them in the shell.
"""

EXERCISE_EXAMPLE = f"""examples:
  {PROG} exercise                                the chapter's neuron: a sheet and its key, Markdown
  {PROG} exercise --seed 7 --format latex --standalone -o sheet7.tex
  {PROG} exercise --seed 3 --kink --blank gradients
  {PROG} exercise --expr "sigmoid(x*w + b)" --at x=1 --at w=0.5 --at b=-1
  {PROG} exercise --network spec.json --format latex

The key's names are the ones --check reads: a student writes the answers in a file and runs
  {PROG} neuron --x=... --w=... --b=... --check answers.py
"""

# A pattern for a value that starts with '-' yet is not an option: a negative number or list
# (-inf and -nan are refused later, by name).  Not compiled here: --help never needs it.
_NUMBERISH = r"(?i)-(?:[\d.]|inf|nan)"


class _Parser(argparse.ArgumentParser):
    """argparse with the contract's one-line errors and exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise InputError(f"{message} (see '{self.prog} --help')")


def _add_options(p: argparse.ArgumentParser, command: str) -> None:
    """``command``'s arguments, from the options table: its flags, metavars, help and groups, in order.

    Every value stays text here (flags aside): :func:`symbackprop.options.values` parses it with
    the same parser the directive uses, so both say the same thing about the same wrong input.
    """
    groups: dict[str, argparse._ArgumentGroup] = {}
    for opt in options.of_command(command):
        where: argparse._ActionsContainer = p
        if opt.group is not None:
            if opt.group not in groups:
                groups[opt.group] = p.add_argument_group(options.GROUPS[opt.group])
            where = groups[opt.group]
        if not opt.flags:
            where.add_argument(opt.keyword, metavar=opt.metavar, help=opt.help_text())
        elif opt.kind is options.FLAG:
            where.add_argument(
                *opt.flags,
                dest=opt.keyword,
                action="store_false" if opt.default is True else "store_true",  # --no-legend
                default=None,
                help=opt.help_text(),
            )
        elif opt.kind is options.CHOICE:
            where.add_argument(
                *opt.flags,
                dest=opt.keyword,
                choices=opt.choice_list(),
                type=options.choice_type(opt),
                help=opt.help_text(),
            )
        else:
            action = "append" if opt.repeat else "store"
            where.add_argument(
                *opt.flags, dest=opt.keyword, action=action, metavar=opt.metavar, help=opt.help_text()
            )


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; the docs render their CLI reference from this."""
    parser = _Parser(
        prog=PROG,
        description="Derive backpropagation symbolically: each gradient as the product of its chain-rule "
        "factors, printed as the textbook does, with the numbers.",
        epilog=f"example:\n  {PROG} neuron --format markdown\n\nRun '{PROG} COMMAND --help' for a command's options.\n\n"
        "Exit status: 0 success; 2 the input is wrong (usage, parse errors, unknown names, limits);\n"
        "1 the input cannot be evaluated (log of a non-positive number, division by zero);\n"
        "3 --check ran and an answer is wrong.",
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
    _add_options(n, "neuron")

    d = commands.add_parser(
        "derive",
        help="any expression, infix or LaTeX: relu(x*w + b)",
        description="Backpropagate through an expression given as infix text or (with --latex-input) LaTeX. "
        "EXPR '-' reads it from standard input.",
        epilog=DERIVE_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_options(d, "derive")

    net = commands.add_parser(
        "network",
        help="dense layers, a batch, activations and a loss, from a JSON spec",
        description="Backpropagate through a network of dense layers given as a JSON spec (SPEC '-' reads "
        "standard input): the matrix view, each equation with its shapes and then its numbers, and with "
        "--wrt the scalar view of the named parameters.",
        epilog=NETWORK_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_options(net, "network")

    ex = commands.add_parser(
        "exercise",
        help="a practice sheet and its answer key: a neuron (by --seed), an expression or a network",
        description="Write an exercise sheet: the forward pass given, the local derivatives and the gradients "
        "as blanks (--blank), and the answer key with the derivation's numbers, in Markdown or LaTeX "
        "(--standalone: a document with the key on its own page).",
        epilog=EXERCISE_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_options(ex, "exercise")
    return parser


#: Marks an expression that begins with ``-`` (``derive "-log(p)"``) so that argparse takes it for the
#: positional argument it is, not for an option; removed once the arguments are parsed.
_EXPRESSION = "\x00"


def _join_negative_values(argv: Sequence[str]) -> list[str]:
    """``--w -3,-1,2`` as ``--w=-3,-1,2``: argparse would take ``-3,-1,2`` for an option; and an
    expression after ``derive`` that begins with ``-`` (``-log(p)``, ``-x``) marked as the expression."""
    signed = {flag for opt in options.TABLE if opt.kind.signed for flag in opt.flags}  # --x --w --b --at ...
    out: list[str] = []
    it = iter(argv)
    derive = False
    for arg in it:
        derive = derive or arg == "derive"
        if derive and arg[:1] == "-" and arg[:2] != "--" and arg != "-" and not arg.startswith(("-h", "-o")):
            out.append(_EXPRESSION + arg)
            continue
        if arg in signed:
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


def _run(args: argparse.Namespace) -> tuple[str, list[str], int]:
    """The command's text, its warnings and its exit status (3: ``--check`` found a wrong answer)."""
    values = options.values(args.command, vars(args))  # each option's text parsed, defaults filled in
    kwargs = options.call_keywords(args.command, values)
    fmt, standalone = values["format"], values["standalone"]
    if args.command == "exercise":
        from .sheets import exercise

        sheet = exercise(**kwargs)
        return sheet.render(fmt, standalone=standalone), sheet.warnings, 0
    frames = values["frames"]
    if values["check"] is not None:
        return _check(args.command, kwargs, values)
    if args.command == "network":
        from ._network import network

        net = network(**kwargs)
        text = net.render(fmt, standalone=standalone)
        if frames:
            net.write_frames(frames, fmt if fmt in GRAPH_FORMATS else "svg", standalone)
        return text, net.warnings, 0
    result = _result(args.command, kwargs)
    if standalone and fmt not in DOCUMENT_FORMATS:
        raise InputError(
            f"{options.spell('standalone')} applies to {options.spell('format')} latex only (and to the tikz figure "
            "and beamer slides)"
        )
    text = result.render(fmt, standalone=standalone)
    if frames:
        result.write_frames(frames, fmt if fmt in GRAPH_FORMATS else "svg", standalone)
    return text, result.warnings, 0


def _result(command: str, kwargs: dict) -> Any:
    """The derivation a command asks for (a network's, a neuron's or an expression's)."""
    if command == "network":
        from ._network import network

        return network(**kwargs)
    from . import api

    if command == "neuron":
        return api.neuron(**kwargs)
    if kwargs["expr"] == "-":  # no more than the length limit admits, however long the stream
        from ._files import read_text

        kwargs["expr"] = read_text(
            "-", kwargs["limits"].max_length, "the expression", options.spell("max_length")
        )
    return api.derive(**kwargs)


def _check(command: str, kwargs: dict, values: dict) -> tuple[str, list[str], int]:
    """``--check ANSWERS``: the report instead of the derivation, exit status 3 if an answer is wrong."""
    if values["frames"]:
        raise InputError(
            f"{options.spell('check')} prints a report: {options.spell('frames')} does not apply"
        )
    if values["check"] == "-" and "-" in (kwargs.get("expr"), kwargs.get("spec")):
        raise InputError(f"{options.spell('check')} - and the input - cannot both read standard input")
    result = _result(command, kwargs)
    report = result.check(values["check"], tol=values["tol"])
    return (
        report.render(values["format"], standalone=values["standalone"]),
        result.warnings,
        report.exit_status,
    )


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
    """Run the command line; returns the exit status instead of exiting (0, 1 or 2; 3 when ``--check`` finds a
    wrong answer; 130/143 on SIGINT/SIGTERM)."""
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
        if getattr(args, "expr", None) and args.expr.startswith(_EXPRESSION):
            args.expr = args.expr[len(_EXPRESSION) :]
        with options.entrance("cli"):  # the core's messages name options as --at, --lr ... (argparse's do)
            text, warnings, status = _run(args)
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
    except MemoryError:  # the input asks for more than this machine has, within the limits
        print(
            f"{PROG}: error: out of memory: the input is too large for this machine (lower its size or its limits)",
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
    return status


def main_exit() -> NoReturn:
    """The console script's entry point; SIGTERM ends it as Ctrl-C does (unless it was ignored)."""
    import signal

    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    sys.exit(main())

"""One options table: the CLI's parser, the directive's option_spec and the fence's keys come from it,
and every entrance names an option in its own spelling (``--at``, ``:at:``, ``at=``).

The spellings expected here are the contract's ("Options, the same everywhere"), written out by
hand; the gradients of the neuron given through the directive are checked against the closed form.
"""

from __future__ import annotations

import argparse
import html
import inspect
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sphinx.util.console import strip_colors

import symbackprop
from symbackprop import _docspec, options
from symbackprop.cli import build_parser
from symbackprop.errors import InputError, SymbackpropError
from symbackprop.limits import BOUNDS, DEFAULT, MAX_DEPTH
from symbackprop.options import entrance, spell
from symbackprop.render import latex

markdown = pytest.importorskip("markdown")
sphinx_ext = pytest.importorskip("symbackprop.sphinx")

PACKAGE = Path(symbackprop.__file__).parent
COMMANDS = ("neuron", "derive", "network")


@pytest.fixture(autouse=True)
def _fresh_memory_cache():
    _docspec._MEMORY.clear()
    yield
    _docspec._MEMORY.clear()


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


# --- the entrances are generated from the table ------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_the_cli_parser_is_the_table(command):
    sub = _subparsers()[command]
    actions = [a for a in sub._actions if not isinstance(a, argparse._HelpAction)]
    table = list(options.of_command(command))
    assert [a.dest for a in actions] == [opt.keyword for opt in table]
    titles = {id(a): g.title for g in sub._action_groups for a in g._group_actions}
    for action, opt in zip(actions, table):
        assert tuple(action.option_strings) == opt.flags
        assert action.help == opt.help_text()
        assert tuple(action.choices or ()) == opt.choice_list()
        if not opt.choice_list():
            assert action.metavar == opt.metavar
        assert (action.nargs == 0) == (opt.kind is options.FLAG)
        assert isinstance(action, argparse._AppendAction) == opt.repeat
        if opt.group is not None:
            assert titles[id(action)] == options.GROUPS[opt.group]
        else:
            assert titles[id(action)] in ("options", "optional arguments", "positional arguments")


def test_help_shows_the_tables_defaults_as_before(capsys):
    """The chapter's neuron, once, in options.py: --help reads it from there."""
    assert symbackprop.cli.main(["neuron", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for line in (
        "--x LIST inputs, comma-separated (default: 1,-2,3)",
        "--w LIST weights (default: -3,-1,2)",
        "--b NUMBER bias (default: 1)",
        "activation function, in any case (LeakyReLU, GELU; swish is silu) (default: relu)",
        "--lr NUMBER learning rate of the step (default: 0.001)",
        "--dvalue NUMBER gradient from the next layer (default: 1)",
    ):
        assert line in out
    assert symbackprop.cli.main(["derive", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--lr NUMBER learning rate of one step (needs --update)" in out
    assert "limits (raise them for unusually large input): --max-length N" in out


def test_the_directive_and_the_fence_take_the_tables_options():
    names = options.DIRECTIVE_OPTIONS
    # the table's, and the directive's own about the page (caption, name, label, class, align)
    assert set(sphinx_ext.BackpropDirective.option_spec) == set(names) | set(sphinx_ext.PRESENTATION)
    assert not set(names) & set(sphinx_ext.PRESENTATION)
    assert _docspec.OPTIONS == names
    expected = {opt.directive for opt in options.TABLE if opt.doc}
    assert set(names) == expected
    with pytest.raises(InputError) as info:  # the fence's keys: exactly the table's
        markdown.markdown(
            "```backprop x\nshwo: chain\n```\n",
            extensions=["symbackprop.markdown_ext"],
            extension_configs={"symbackprop.markdown_ext": {"strict": True}},
        )
    listed = ", ".join(n for n in names if not n.startswith("max-"))
    assert f"(did you mean show? the options are {listed}, and the bounds max-…)" in str(info.value)


# The contract's table "Options, the same everywhere", row by row: the CLI's flags (by command),
# the Python keywords (by function) and the directive's options.
CONTRACT = [
    ("values", {"derive": ["--at"], "neuron": ["--x", "--w", "--b"]},
     {"derive": ["at"], "neuron": ["x", "w", "b"]}, ["at", "x", "w", "b"]),
    ("LaTeX input", {"derive": ["--latex-input"]}, {"derive": ["latex_input"]}, ["latex-input"]),
    ("upstream gradient", {"neuron": ["--dvalue"], "derive": ["--dvalue"]},
     {"neuron": ["dvalue"], "derive": ["dvalue"]}, ["dvalue"]),
    ("leaves to derive", dict.fromkeys(COMMANDS, ("--wrt",)), dict.fromkeys(COMMANDS, ("wrt",)), ["wrt"]),
    ("learning rate / updated", {"derive": ["--lr", "--update"], "neuron": ["--lr"]},
     {"derive": ["lr", "update"], "neuron": ["lr"]}, ["lr", "update"]),
    ("output", dict.fromkeys(COMMANDS, ("--format", "-o", "--standalone")), {}, ["show"]),
    ("the neuron", {"neuron": ["--x", "--w", "--b", "--activation"]},
     {"neuron": ["x", "w", "b", "activation"]}, ["x", "w", "b", "activation"]),
    ("bounds", {c: ["--" + f.replace("_", "-") for f, (_, _, cs) in BOUNDS.items() if c in cs] for c in COMMANDS},
     dict.fromkeys(COMMANDS, ("limits",)), [f.replace("_", "-") for f in BOUNDS]),
    ("constants", {"derive": ["--const"]}, {"derive": ["const"]}, ["const"]),
    ("input language", {"derive": ["--latex-input", "--python-input"]},
     {"derive": ["latex_input", "python_input"]}, ["latex-input", "python-input"]),
    ("precision", dict.fromkeys(COMMANDS, ("--digits", "--exact")), dict.fromkeys(COMMANDS, ("digits", "exact")),
     ["digits", "exact"]),
]  # fmt: skip


@pytest.mark.parametrize(("meaning", "cli", "python", "directive"), CONTRACT, ids=[c[0] for c in CONTRACT])
def test_every_contract_option_exists_in_every_entrance(meaning, cli, python, directive):
    subs = _subparsers()
    for command, flags in cli.items():
        have = {s for a in subs[command]._actions for s in a.option_strings}
        assert set(flags) <= have, (command, set(flags) - have)
    for function, keywords in python.items():
        parameters = inspect.signature(getattr(symbackprop, function)).parameters
        assert set(keywords) <= set(parameters), (function, keywords)
    assert set(directive) <= set(sphinx_ext.BackpropDirective.option_spec)
    assert set(directive) <= set(_docspec.OPTIONS)


@pytest.mark.parametrize("command", COMMANDS)
def test_the_python_functions_take_the_tables_keywords_and_defaults(command):
    parameters = inspect.signature(getattr(symbackprop, command)).parameters
    for opt in options.of_command(command):
        if not opt.call:
            continue
        name = "limits" if opt.into == "limits" else opt.keyword
        assert name in parameters, name
        if opt.into is None and opt.flags:  # a positional (the expression, the spec) has no default
            assert parameters[name].default == opt.default, name
    if command == "derive":
        assert parameters["limits"].default == DEFAULT


def test_the_chapter_neuron_is_declared_once():
    from symbackprop.ops import ACTIVATIONS, NEURON_ACTIVATIONS

    assert options.ACTIVATIONS is NEURON_ACTIVATIONS and set(NEURON_ACTIVATIONS) <= set(ACTIVATIONS)
    r = symbackprop.neuron()  # the chapter's printed numbers, from the table's defaults
    assert r.derivation.values == {
        "x0": 1.0,
        "x1": -2.0,
        "x2": 3.0,
        "w0": -3.0,
        "w1": -1.0,
        "w2": 2.0,
        "b": 1.0,
    }
    assert r.output == 6.0 and r.derivation.step.lr == 0.001
    copies = ("(1.0, -2.0, 3.0)", "(-3.0, -1.0, 2.0)", '"x0": 1.0', '"1,-2,3"', '"-3,-1,2"', "0.001")
    for source in ("api.py", "_docspec.py", "sphinx.py", "markdown_ext.py"):
        text = (PACKAGE / source).read_text(encoding="utf-8")
        assert not [c for c in copies if c in text], source
    cli = (PACKAGE / "cli.py").read_text(encoding="utf-8")  # its examples show the numbers, not as defaults
    assert not [c for c in copies[:5] if c in cli]


def test_every_spelled_keyword_is_in_the_table():
    """spell() runs only on error paths: a keyword missing from the table would fail only there."""
    used = set()
    for path in PACKAGE.rglob("*.py"):
        used |= set(re.findall(r"""spell\(\s*["'](\w+)["']""", path.read_text(encoding="utf-8")))
    assert used and used <= set(options.BY_KEYWORD), used - set(options.BY_KEYWORD)


def test_importing_the_table_stays_light():
    code = (
        "import sys, symbackprop.options; "
        "print([m for m in ('sympy', 'numpy', 'dataclasses', 'typing', 'argparse') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_entrance_is_scoped():
    assert options.current_entrance() == "python"
    with entrance("cli"):
        assert spell("at") == "--at"
        with entrance("directive"):
            assert spell("at") == ":at:" and spell("at", value=True) == ":at: NAME=VALUE"
        assert spell("max_nodes") == "--max-nodes"
    with pytest.raises(ZeroDivisionError), entrance("directive"):
        1 / 0  # noqa: B018
    assert options.current_entrance() == "python"
    assert spell("at") == "at=" and spell("at", value=True) == "at={NAME: VALUE}"
    assert spell("max_nodes") == "limits=Limits(max_nodes=...)"
    with pytest.raises(ValueError, match="unknown entrance"):
        entrance("sphinx")


def test_the_docs_list_every_directive_option():
    page = (PACKAGE.parent / "docs" / "howto" / "docs-build.md").read_text(encoding="utf-8")
    assert [name for name in options.DIRECTIVE_OPTIONS if f"`:{name}:" not in page] == []


# --- the same wrong input, its message in each entrance's spelling -------------------------------

SPELLINGS = {
    "cli": {
        "at": "--at", "at_value": "--at NAME=VALUE", "lr": "--lr", "lr_value": "--lr NUMBER",
        "update": "--update", "update_value": "--update NAMES", "dvalue": "--dvalue", "wrt": "--wrt",
        "x": "--x", "w": "--w", "max_nodes": "--max-nodes", "max_depth": "--max-depth",
        "max_output": "--max-output", "const": "--const", "at:": "--at:", "x:": "--x:", "dvalue:": "--dvalue:",
    },
    "python": {
        "at": "at=", "at_value": "at={NAME: VALUE}", "lr": "lr=", "lr_value": "lr=NUMBER",
        "update": "update=", "update_value": "update=[NAMES]", "dvalue": "dvalue=", "wrt": "wrt=",
        "x": "x=", "w": "w=", "max_nodes": "limits=Limits(max_nodes=...)",
        "max_depth": "limits=Limits(max_depth=...)", "max_output": "limits=Limits(max_output=...)",
        "const": "const=",
    },
    "directive": {
        "at": ":at:", "at_value": ":at: NAME=VALUE", "lr": ":lr:", "lr_value": ":lr: NUMBER",
        "update": ":update:", "update_value": ":update: NAMES", "dvalue": ":dvalue:", "wrt": ":wrt:",
        "x": ":x:", "w": ":w:", "max_nodes": ":max-nodes:", "max_depth": ":max-depth:",
        "max_output": ":max-output:", "const": ":const:", "at:": ":at:", "x:": ":x:", "dvalue:": ":dvalue:",
    },
}  # fmt: skip

XW = ["--at", "x=1", "--at", "w=2"]
# (id, argv, the Python call (function, keywords), the directive's (argument, options), message, status)
CASES = [
    ("unknown name", ["derive", "x*w", *XW, "--at", "q=3"], ("derive", dict(expr="x*w", at=dict(x=1, w=2, q=3))),
     ("x*w", {"at": "x=1, w=2, q=3"}), "unknown name 'q' in {at} (the expression has x, w)", 2),
    ("update names data", ["derive", "x*w", *XW, "--const", "x", "--lr", "0.1", "--update", "x"],
     ("derive", dict(expr="x*w", at=dict(x=1, w=2), const=["x"], lr=0.1, update=["x"])),
     ("x*w", {"at": "x=1, w=2", "const": "x", "lr": "0.1", "update": "x"}),
     "x is given as data ({const}), so {update} cannot name it", 2),
    ("lr without update", ["derive", "x*w", *XW, "--lr", "0.1"], ("derive", dict(expr="x*w", at=dict(x=1, w=2), lr=0.1)),
     ("x*w", {"at": "x=1, w=2", "lr": "0.1"}), "{lr} needs {update_value}: which leaves to update", 2),
    ("update without lr", ["derive", "x*w", *XW, "--update", "w"],
     ("derive", dict(expr="x*w", at=dict(x=1, w=2), update=["w"])),
     ("x*w", {"at": "x=1, w=2", "update": "w"}), "{update} needs {lr_value}: the learning rate", 2),
    ("bad dvalue", ["derive", "x*w", *XW, "--dvalue", "nan"],
     ("derive", dict(expr="x*w", at=dict(x=1, w=2), dvalue=math.nan)),
     ("x*w", {"at": "x=1, w=2", "dvalue": "nan"}), "{dvalue} must be finite, not nan", 2),
    ("unknown wrt", ["derive", "x*w", *XW, "--wrt", "q"], ("derive", dict(expr="x*w", at=dict(x=1, w=2), wrt=["q"])),
     ("x*w", {"at": "x=1, w=2", "wrt": "q"}), "unknown name 'q' in {wrt} (the expression has x, w)", 2),
    ("limit exceeded", ["derive", "x+x+x", "--at", "x=1", "--max-nodes", "2"],
     ("derive", dict(expr="x+x+x", at=dict(x=1), limits=DEFAULT.merge(max_nodes=2))),
     ("x+x+x", {"at": "x=1", "max-nodes": "2"}),
     "the number of nodes is 3, more than the limit of 2 (raise it with {max_nodes})", 2),
    ("output limit exceeded", ["derive", "x*x*x*x", "--at", "x=1", "--max-output", "3"],
     ("derive", dict(expr="x*x*x*x", at=dict(x=1), limits=DEFAULT.merge(max_output=3))),
     ("x*x*x*x", {"at": "x=1", "max-output": "3"}),
     "the derivation would write more than 3 terms (raise it with {max_output})", 2),
    ("bound below 1", ["derive", "x", "--at", "x=1", "--max-nodes", "0"], None,
     ("x", {"at": "x=1", "max-nodes": "0"}), "{max_nodes} must be at least 1, not 0", 2),
    ("depth past the stack", ["derive", "x", "--at", "x=1", "--max-depth", "5000"], None,
     ("x", {"at": "x=1", "max-depth": "5000"}),
     f"{{max_depth}} can be at most {MAX_DEPTH}, not 5000 (deeper trees overflow the stack)", 2),
    ("lists of two lengths", ["neuron", "--x=1,2"], ("neuron", dict(x=[1, 2])), (None, {"x": "1, 2"}),
     "{x} has 2 values and {w} has 3: they must have the same length", 2),
]  # fmt: skip
# Wrong text, which only the text entrances (the command line, the directive, the fence) read;
# ``{at:}`` is how a message about an option's text begins there: ``--at:``, ``:at:``.
TEXT_CASES = [
    ("dvalue not a number", ["derive", "x*w", *XW, "--dvalue", "abc"], ("x*w", {"at": "x=1, w=2", "dvalue": "abc"}),
     "{dvalue:} 'abc' is not a number", 2),
    ("not NAME=VALUE", ["derive", "x", "--at", "x"], ("x", {"at": "x"}), "{at:} 'x' is not NAME=VALUE", 2),
    ("value not a number", ["derive", "x", "--at", "x=abc"], ("x", {"at": "x=abc"}), "{at} x: 'abc' is not a number", 2),
    ("a list item not a number", ["neuron", "--x=1,a,3"], (None, {"x": "1,a,3"}),
     "{x:} 'a' is not a number (item 2 of '1,a,3')", 2),
]  # fmt: skip
ALL = [(c[0], c[1], c[3], c[4], c[5]) for c in CASES] + TEXT_CASES


def _message(template: str, entrance_name: str) -> str:
    text = template
    for key, value in SPELLINGS[entrance_name].items():
        text = text.replace("{" + key + "}", value)
    assert "{" not in text.replace("{NAME: VALUE}", ""), text
    return text


@pytest.mark.parametrize(("case", "argv", "doc", "template", "status"), ALL, ids=[c[0] for c in ALL])
def test_the_command_line_says_dash_dash(case, argv, doc, template, status, cli):
    got, out, err = cli(argv)
    assert (got, out) == (status, "")
    assert err == f"symbackprop: error: {_message(template, 'cli')}\n"


@pytest.mark.parametrize(
    ("case", "argv", "call", "doc", "template", "status"), CASES, ids=[c[0] for c in CASES]
)
def test_python_says_keyword_equals(case, argv, call, doc, template, status):
    if call is None:  # the bound itself, given to Limits
        field = "max_nodes" if "max-nodes" in doc[1] else "max_depth"
        with pytest.raises(SymbackpropError) as info:
            DEFAULT.merge(**{field: int(doc[1][field.replace("_", "-")])})
    else:
        function, keywords = call
        with pytest.raises(SymbackpropError) as info:
            getattr(symbackprop, function)(**keywords)
    assert info.value.exit_status == status
    assert str(info.value) == _message(template, "python")


def test_the_directive_says_colons(make_app, tmp_path):
    """One page with every wrong spec: each warning, in order, in the directive's spelling."""
    body = []
    for _, _, (argument, opts), _, _ in ALL:
        body.append(f".. backprop:: {argument or ''}".rstrip())
        body += [f"   :{k}: {v}" for k, v in opts.items()]
        body.append("")
    (tmp_path / "conf.py").write_text('extensions = ["symbackprop.sphinx"]\n', encoding="utf-8")
    (tmp_path / "index.rst").write_text("Page\n====\n\n" + "\n".join(body), encoding="utf-8")
    app = make_app("html", srcdir=tmp_path)
    app.build()
    warnings = [line for line in strip_colors(app.warning.getvalue()).splitlines() if "WARNING" in line]
    got = [re.sub(r"^.*?WARNING: backprop: (.*) \[backprop\.spec\]$", r"\1", line) for line in warnings]
    assert got == [_message(template, "directive") for _, _, _, template, _ in ALL]


@pytest.mark.parametrize(("case", "argv", "doc", "template", "status"), ALL, ids=[c[0] for c in ALL])
def test_the_fence_says_colons_too(case, argv, doc, template, status):
    argument, opts = doc
    text = f"```backprop {argument or ''}".rstrip() + "\n" + "".join(f"{k}: {v}\n" for k, v in opts.items())
    with pytest.raises(InputError) as info:
        markdown.markdown(text + "```\n", extensions=["symbackprop.markdown_ext"],
                          extension_configs={"symbackprop.markdown_ext": {"strict": True}})  # fmt: skip
    assert str(info.value) == f"backprop fence at line 1: {_message(template, 'directive')}"


def test_a_cached_error_is_never_shown_in_another_spelling(tmp_path, monkeypatch):
    spec = _docspec.parse_spec("x*w", {"at": "x=1, w=2, q=3"})
    for name, spelled in (("python", "at="), ("directive", ":at:"), ("python", "at="), ("cli", "--at")):
        with entrance(name), pytest.raises(SymbackpropError, match=f"in {re.escape(spelled)} "):
            _docspec.parts(spec, ["gradients"], tmp_path)
    _docspec._MEMORY.clear()

    def fail(spec):
        raise AssertionError("derived again")

    monkeypatch.setattr(_docspec, "result", fail)  # the cli's message is on disk: read, not derived
    with entrance("cli"), pytest.raises(_docspec.CachedError, match="in --at "):
        _docspec.parts(spec, ["gradients"], tmp_path)
    with entrance("directive"), pytest.raises(AssertionError, match="derived again"):
        _docspec.parts(spec, ["gradients"], tmp_path)


def test_an_option_the_subject_does_not_take_is_named():
    with entrance("directive"):
        with pytest.raises(InputError, match=r"^:x: applies to the neuron \(no argument\)"):
            _docspec.parse_spec("x*w", {"x": "1, 2"})
        for option in ("update", "latex-input"):  # the bounds (max-nodes ...) apply to every subject
            with pytest.raises(
                InputError, match=f"^:{option}: applies to an expression, not the chapter's neuron"
            ):
                _docspec.parse_spec(None, {option: "1"})
        with pytest.raises(InputError, match=r"^:activation: does not apply to a network"):
            _docspec.parse_spec(None, {"network": "net.json", "activation": "relu"}, lambda path: "{}")


# --- the directive's neuron: :x: :w: :b: :activation: as the CLI's --x --w --b --activation -------

X, W, B = "0.5, -1, 2, 1", "1, 2, -0.5, 0.25", "-0.5"
NEURON = {"x": X, "w": W, "b": B, "activation": "sigmoid"}
ARGV = ["neuron", "--x=0.5,-1,2,1", "--w=1,2,-0.5,0.25", "--b=-0.5", "--activation", "sigmoid"]


def _closed_form() -> dict[str, float]:
    """sigmoid(z)' = s (1 - s): dx_i = s (1 - s) w_i, dw_i = s (1 - s) x_i, db = s (1 - s)."""
    x, w, b = [0.5, -1.0, 2.0, 1.0], [1.0, 2.0, -0.5, 0.25], -0.5
    s = 1 / (1 + math.exp(-(sum(a * c for a, c in zip(x, w)) + b)))
    d = s * (1 - s)
    return {**{f"x{i}": d * w[i] for i in range(4)}, **{f"w{i}": d * x[i] for i in range(4)}, "b": d}


def test_the_directives_neuron_is_the_command_lines(cli):
    status, out, _ = cli([*ARGV, "--format", "json"])
    assert status == 0
    from_cli = json.loads(out)
    with entrance("directive"):
        r = _docspec.result(_docspec.parse_spec(None, NEURON))
    assert r.to_dict() == from_cli
    expected = _closed_form()
    assert from_cli["gradients"].keys() == expected.keys()
    for name, value in expected.items():
        assert from_cli["gradients"][name] == pytest.approx(value, rel=1e-12)
    for i in range(4):  # the step updates weights and bias with the chapter's lr, 0.001
        w = [1.0, 2.0, -0.5, 0.25][i]
        assert from_cli["step"]["values"][f"w{i}"] == pytest.approx(w - 0.001 * expected[f"w{i}"], rel=1e-12)


def test_at_still_sets_the_neurons_leaves(cli):
    status, out, _ = cli(["neuron", "--x=0.5,-1,2,4", "--w=1,2,-0.5,0.25", "--b=3", "--format", "json"])
    assert status == 0
    spec = _docspec.parse_spec(None, {"x": X, "w": W, "at": "x3=4, b=3"})
    assert _docspec.result(spec).to_dict() == json.loads(out)
    with (
        entrance("directive"),
        pytest.raises(InputError, match=r"unknown name 'x4' in :at: \(the neuron has x0, "),
    ):
        _docspec.result(_docspec.parse_spec(None, {"x": X, "w": W, "at": "x4=1"}))


def _neuron_blocks() -> list[str]:
    r = symbackprop.neuron(x=[0.5, -1, 2, 1], w=[1, 2, -0.5, 0.25], b=-0.5, activation="sigmoid")
    return [str(latex.gradients_block(r.derivation)), str(latex.step_block(r.derivation))]


def test_the_directive_shows_that_neuron(make_app, tmp_path):
    from docutils import nodes

    lines = [".. backprop::", *[f"   :{k}: {v}" for k, v in NEURON.items()], "   :show: gradients, step", ""]
    (tmp_path / "conf.py").write_text('extensions = ["symbackprop.sphinx"]\n', encoding="utf-8")
    (tmp_path / "index.rst").write_text("Page\n====\n\n" + "\n".join(lines), encoding="utf-8")
    app = make_app("html", srcdir=tmp_path)
    app.build()
    assert app.warning.getvalue() == ""
    bodies = [n.astext() for n in app.env.get_doctree("index").findall(nodes.math_block)]
    assert bodies == _neuron_blocks()


def test_the_fence_shows_that_neuron():
    text = (
        "```backprop\n" + "".join(f"{k}: {v}\n" for k, v in NEURON.items()) + "show: gradients, step\n```\n"
    )
    out = markdown.markdown(text, extensions=["symbackprop.markdown_ext"])
    blocks = [
        html.unescape(m) for m in re.findall(r'<div class="arithmatex">\\\[\n(.*?)\n\\\]</div>', out, re.S)
    ]
    assert blocks == _neuron_blocks()


def test_the_directives_network_takes_scalar_and_max_paths(cli):
    """The network's own options reach it from the directive as from the command line."""
    path = Path(__file__).parent / "roots" / "test-backprop-network" / "net.json"
    spec = path.read_text(encoding="utf-8")
    status, out, _ = cli(["network", str(path), "--wrt", "W1[0,0]", "--scalar", "--format", "markdown"])
    assert status == 0
    given = {"network": "net.json", "wrt": "W1[0,0]", "scalar": ""}
    r = _docspec.result(_docspec.parse_spec(None, given, lambda _: spec))
    assert r.derivation.scalar_only and r.markdown() == out
    status, _, err = cli(["network", str(path), "--wrt", "W1[0,0]", "--max-paths", "1"])
    with pytest.raises(SymbackpropError) as info:
        _docspec.result(_docspec.parse_spec(None, {**given, "max-paths": "1"}, lambda _: spec))
    assert status == 2 and "more than the limit of 1" in str(info.value)
    assert err.split(" (raise it")[0] == "symbackprop: error: " + str(info.value).split(" (raise it")[0]

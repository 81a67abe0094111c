"""No user text is ever evaluated: injection payloads through every entrance, with the evaluators as traps.

SymPy's ``sympify`` and ``parse_expr`` call ``eval``, so the obvious implementation of a
derivation tool is a code-execution hole.  Here ``builtins.eval``/``exec``, ``sympy.sympify``
and ``sympy.parsing.sympy_parser.parse_expr`` (the funnel every ``sympify(str)`` goes through)
are traps: each records any call that reaches it with user text, and the test fails at
teardown if one did -- even if the code that called it swallowed the exception.  Every
payload that would run would also create a marker file; none may appear.
"""

from __future__ import annotations

import builtins
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sympy
import sympy.parsing.sympy_parser

import symbackprop
from symbackprop import _docspec
from symbackprop.errors import SymbackpropError

MARK = "sbp_pwned"  # in every payload: a trap reached with it was reached with user text


def _payloads(marker: Path) -> list[str]:
    """Python that would run if evaluated: each would create ``marker``."""
    touch = f"open({str(marker)!r}, 'w')"
    return [
        f"__import__('os').system('touch {marker}') + {MARK}",
        f"__import__('builtins').exec(\"{touch}\") or {MARK}",
        f"().__class__.__base__.__subclasses__()[0].{MARK}",
        f"x.__class__.__mro__[-1].__subclasses__() + {MARK}",
        f"{MARK}.__globals__['__builtins__']['eval']('{touch}')",
        f"(lambda: {touch})() + {MARK}",
        f"lambda {MARK}: {MARK}",
        f"eval('{touch}') + {MARK}",
        f"exec('{touch}') + {MARK}",
        f"compile('{touch}', '{MARK}', 'exec')",
        f"getattr(__builtins__, 'eval')('{touch}') + {MARK}",
        f"globals()['{MARK}']",
        f"breakpoint() + {MARK}",
        f"{touch} + {MARK}",
        f"[{touch} for {MARK} in (1,)]",
        f"{MARK}; import os; os.system('touch {marker}')",
        f"{MARK} if {touch} else 0",
        f"f'{{{touch}}}' + {MARK}",
        f"Symbol('{MARK}') + Integer(1)",
        f"S('{touch}') + {MARK}",
        f"sympify('{touch}') + {MARK}",
        f"{MARK}[0]",
        f"{MARK}.real",
        f"{MARK} @ {MARK}",
        f"{MARK} ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2",
        f"{MARK} = 1",
        f"{MARK}\n__import__('os').system('touch {marker}')",
        f"{MARK}\x00__import__('os')",
        f"{MARK} + " + "9" * 100_000,  # a very long literal
        f"{MARK} + 1e99999",
        f"{MARK} + " + "(" * 10_000 + "1" + ")" * 10_000,
    ]


def _latex_payloads(marker: Path) -> list[str]:
    """TeX that would run commands or read files in a TeX engine, and Python hidden in LaTeX names."""
    return [
        rf"\input{{/etc/passwd}} + {MARK}",
        rf"\include{{{marker}}} {MARK}",
        rf"\immediate\write18{{touch {marker}}} {MARK}",
        rf"\write18{{touch {marker}}} + {MARK}",
        rf"\def\x{{\x}}\x + {MARK}",
        rf"\newcommand{{\{MARK}}}{{1}} \{MARK}",
        rf"\csname {MARK}\endcsname",
        rf"\catcode`\^^@=11 {MARK}",
        rf"\usepackage{{{MARK}}}",
        rf"\text{{__import__}}(\text{{{MARK}}})",
        rf"\operatorname{{eval}}({MARK})",
        rf"\mathrm{{exec}}(x) + {MARK}",
        rf"\text{{os.system}}(x) + {MARK}",
        rf"\operatorname{{__class__}}(x) + {MARK}",
        rf"\text{{lambda}}: {MARK}",
        rf"\frac{{__import__('os')}}{{{MARK}}}",
        rf"\sqrt[{MARK}.__class__]{{x}}",
        rf"{MARK}_{{__class__}}",
        rf"\sum_{{i=0}}^{{__import__('os')}} {MARK}_i",
        rf"\sum_{{i=0}}^{{10^{{8}}}} {MARK}_i",
        rf"e^{{{MARK}.__globals__}}",
        rf"\left( {MARK} \right. \right)",
        rf"{MARK} + " + "9" * 100_000,
        rf"{MARK} + " + r"\left(" * 5000 + "x" + r"\right)" * 5000,
    ]


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    path = tmp_path / "pwned"
    yield path
    assert not path.exists(), "a payload ran: the marker file was created"


@pytest.fixture
def traps(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """eval, exec, sympify and parse_expr as traps; the test fails if user text reached one."""
    hits: list[tuple[str, str]] = []

    def user_text(arg: object) -> bool:
        if isinstance(arg, bytes):
            arg = arg.decode("utf-8", "replace")
        return isinstance(arg, str) and (MARK in arg or MARK.replace("_", "") in arg)  # names drop "_"

    def guarded(name: str, real):  # eval and exec run legitimately (dataclasses, namedtuple, conf.py)
        def trap(source, *args, **kwargs):
            if user_text(source):
                hits.append((name, str(source)[:80]))
                raise AssertionError(f"{name} reached with user text")
            return real(source, *args, **kwargs)

        return trap

    def refusing(name: str, real):  # nothing of ours may turn a string into an expression
        def trap(arg=None, *args, **kwargs):
            if isinstance(arg, (str, bytes)):
                hits.append((name, str(arg)[:80]))
                raise AssertionError(f"{name} reached with a string")
            return real(arg, *args, **kwargs)

        return trap

    monkeypatch.setattr(builtins, "eval", guarded("eval", builtins.eval))
    monkeypatch.setattr(builtins, "exec", guarded("exec", builtins.exec))
    module = sys.modules["sympy.core.sympify"]  # the attribute sympy.core.sympify is the function
    real_sympify = module.sympify
    monkeypatch.setattr(sympy, "sympify", refusing("sympify", real_sympify))
    monkeypatch.setattr(module, "sympify", refusing("sympify", real_sympify))
    parser = sympy.parsing.sympy_parser
    monkeypatch.setattr(parser, "parse_expr", refusing("parse_expr", parser.parse_expr))
    monkeypatch.setattr(parser, "eval_expr", refusing("eval_expr", parser.eval_expr))
    monkeypatch.setattr(os, "system", refusing("os.system", os.system))
    monkeypatch.setattr(os, "popen", refusing("os.popen", os.popen))
    yield hits
    assert hits == [], f"an evaluator was reached with user text: {hits}"


def test_the_traps_spring(traps, marker):
    """The traps are live: sympify of a payload is caught (and then forgotten, for this test only)."""
    with pytest.raises(AssertionError):
        sympy.sympify(f"__import__('os').system('touch {marker}') + {MARK}")
    with pytest.raises(AssertionError):
        builtins.eval(f"{MARK}")
    assert [name for name, _ in traps] == ["sympify", "eval"]
    traps.clear()


def _refused(call) -> SymbackpropError:
    """The call raises a SymbackpropError (and nothing else) with a one-line message."""
    with pytest.raises(SymbackpropError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message and len(message) < 400, message
    assert "Traceback" not in message
    return info.value


# --- the Python API ---------------------------------------------------------------------------


def test_infix_payloads_are_parse_errors(traps, marker):
    for payload in _payloads(marker):
        err = _refused(lambda p=payload: symbackprop.derive(p, at={"x": 1.0}))
        assert err.exit_status == 2, (payload, err)


def test_latex_payloads_are_parse_errors(traps, marker):
    for payload in _payloads(marker) + _latex_payloads(marker):
        err = _refused(lambda p=payload: symbackprop.derive(p, at={"x": 1.0}, latex_input=True))
        assert err.exit_status in (1, 2), (payload, err)


def test_payloads_as_names_and_values(traps, marker):
    """Names go through the name parser; values must be numbers, never text to evaluate."""
    for payload in _payloads(marker)[:20]:
        _refused(lambda p=payload: symbackprop.derive("x*w", at={"x": 1.0, "w": 2.0}, wrt=[p]))
        _refused(lambda p=payload: symbackprop.derive("x*w", at={p: 1.0, "w": 2.0}))
        _refused(lambda p=payload: symbackprop.derive("x*w", at={"x": p, "w": 2.0}))
        _refused(lambda p=payload: symbackprop.derive("x*w", at={"x": 1, "w": 2}, lr=0.1, update=[p]))
        _refused(lambda p=payload: symbackprop.derive("x*w", at={"x": 1.0, "w": 2.0}, dvalue=p))
        _refused(lambda p=payload: symbackprop.neuron(activation=p))
        _refused(lambda p=payload: symbackprop.neuron(x=[p, 1, 2]))
        _refused(lambda p=payload: symbackprop.neuron(wrt=[p]))


def test_non_string_expressions_are_refused(traps):
    for thing in (lambda: 0, sympy.Symbol("x") + 1, b"x + 1", ["x"], None, 3):
        err = _refused(lambda t=thing: symbackprop.derive(t))  # type: ignore[arg-type]
        assert err.exit_status == 2


def test_a_valid_identifier_is_a_name_and_nothing_more(traps, marker):
    """Names that are Python's dangerous words are plain variables; every format renders them inert."""
    names = ["eval", "exec", "lambda", "import", "os", "system", "globals", "sbppwned"]
    expr = " + ".join(f"{n}*x" for n in names)
    r = symbackprop.derive(expr, at={**dict.fromkeys(names, 1.0), "x": 2.0})
    assert r.derivation.graph.leaves == [*names[:1], "x", *names[1:]]
    for fmt in ("text", "latex", "markdown", "json"):
        r.render(fmt)
    code = r.python()
    compile(code, "<generated>", "exec")  # it is a program that parses; we never run it here
    assert "__import__" not in code and "system(" not in code


def test_check_answers_payloads_run_nothing(traps, marker, tmp_path):
    """--check's answers are read with ast and evaluated by our own arithmetic: every payload, as a
    Python file of answers, as one answer's value, as NAME=VALUE pairs, and as a JSON name or value,
    ends in a one-line error (and so does the Python route's --check)."""
    r = symbackprop.neuron()
    for payload in _payloads(marker):
        sources = [f"x = [1.0, -2.0, 3.0]\n{payload}\n", f"drelu_dz = 1.0\ndmul_dx0 = {payload}\n"]
        if "\n" not in payload and "\x00" not in payload:
            sources += [f"drelu_dz={payload}", f"drelu_dz=1, dmul_dx0={payload}, dw=[1,2,3]"]
        for source in sources:
            err = _refused(lambda s=source: r.check(s))
            assert err.exit_status in (1, 2), (source, err)
        path = tmp_path / "answers.py"
        path.write_text(sources[1], encoding="utf-8")
        _refused(lambda p=path: r.check(p))
        for data in ({payload: 1.0}, {"drelu_dz": payload}, {"dw": [1.0, payload, 3.0]}):
            _refused(lambda d=data: r.check(d))
            (tmp_path / "answers.json").write_text(json.dumps(data), encoding="utf-8")
            _refused(lambda: r.check(tmp_path / "answers.json"))


# --- the command line -------------------------------------------------------------------------


def _one_error_line(err: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("symbackprop: error: "), err
    assert len(lines[0]) < 400, f"not a short line: {lines[0][:200]}..."
    assert "Traceback" not in err


def test_cli_refuses_payloads(traps, marker, cli):
    for payload in _payloads(marker):
        if "\x00" in payload:
            continue  # an argv entry cannot hold a NUL; standard input below can
        status, out, err = cli(["derive", payload, "--at", "x=1"])
        assert status == 2 and out == "", (payload, err)
        _one_error_line(err)
    # LaTeX reads a few as harmless math: [0] is a bracket, 1e99999 is 1 · e · 99999, \right. closes
    # nothing; without values, they are symbolic derivations of the letters s, b, p, ...
    as_math = {f"{MARK}[0]", f"{MARK} + 1e99999", rf"\left( {MARK} \right. \right)"}
    for payload in _payloads(marker) + _latex_payloads(marker):
        status, out, err = cli(["derive", "-", "--latex-input"], payload)
        if payload in as_math:
            assert status == 0 and err == "", (payload, err)
            continue
        assert status in (1, 2) and out == "", (payload, err)
        _one_error_line(err)


def test_cli_refuses_payloads_in_options(traps, marker, cli):
    for payload in _payloads(marker)[:12]:
        for argv in (
            ["derive", "x*w", "--at", f"{payload}=1", "--at", "w=1"],
            ["derive", "x*w", "--at", f"x={payload}", "--at", "w=1"],
            ["derive", "x*w", "--at", "x=1", "--at", "w=1", "--wrt", payload],
            ["derive", "x*w", "--at", "x=1", "--at", "w=1", "--lr", "0.1", "--update", payload],
            ["derive", "x*w", "--at", "x=1", "--at", "w=1", "--dvalue", payload],
            ["neuron", "--x", payload],
            ["neuron", "--activation", payload],
            ["neuron", "--wrt", payload],
            ["neuron", "--format", payload],
            ["neuron", "--check", payload],
            ["neuron", "--check", f"drelu_dz={payload}"],
            ["neuron", "--check", "drelu_dz=1", "--tol", payload],
            ["exercise", "--seed", payload],
            ["exercise", "--expr", payload, "--at", "x=1"],
        ):
            status, out, err = cli(argv)
            assert status == 2 and out == "", (argv, err)
            _one_error_line(err)


def test_cli_process_runs_nothing(marker, tmp_path):
    """As a real process: payloads end in one error line and exit 2; no marker appears."""
    payloads = _payloads(marker)
    answers = tmp_path / "answers.py"
    answers.write_text(f"drelu_dz = {payloads[0]}\n{payloads[15]}\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "symbackprop", "neuron", "--check", str(answers)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    for payload in (payloads[0], payloads[5]):
        proc = subprocess.run(
            [sys.executable, "-m", "symbackprop", "derive", "-", "--at", "x=1"],
            input=payload,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert proc.returncode == 2 and proc.stdout == ""
        assert [line for line in proc.stderr.splitlines() if line.startswith("symbackprop")] == [
            proc.stderr.strip().splitlines()[-1]
        ]
        assert "Traceback" not in proc.stderr


# --- the doc-build entrances ------------------------------------------------------------------


@pytest.fixture
def fresh_cache():
    _docspec._MEMORY.clear()
    yield
    _docspec._MEMORY.clear()


def _fence_payloads(marker: Path) -> list[tuple[str | None, dict[str, str]]]:
    """(expression, options) pairs for a fence or a directive."""
    short = [p for p in _payloads(marker) if "\n" not in p and "\x00" not in p and len(p) < 500]
    out: list[tuple[str | None, dict[str, str]]] = [(p, {"at": "x=1"}) for p in short[:12]]
    out += [(p, {"latex-input": "", "at": "x=1"}) for p in _latex_payloads(marker)[:16]]
    out += [
        ("x*w", {"at": f"x=1, w={short[0]}"}),
        ("x*w", {"at": f"{short[2]}=1"}),
        ("x*w", {"at": "x=1, w=2", "wrt": short[5]}),
        ("x*w", {"at": "x=1, w=2", "lr": short[7]}),
        ("x*w", {"at": "x=1, w=2", "lr": "0.1", "update": short[3]}),
        ("x*w", {"at": "x=1, w=2", "dvalue": short[9]}),
        ("x*w", {"at": "x=1, w=2", "show": short[6]}),
        (None, {"at": f"{MARK}=1"}),
        (None, {"network": "/etc/passwd"}),
        (None, {"network": f"{marker}"}),
        ("x*w", {"at": "x=1, w=2", MARK: short[0]}),
    ]
    return out


def test_markdown_fence_runs_nothing(traps, marker, fresh_cache, tmp_path):
    markdown = pytest.importorskip("markdown")
    pytest.importorskip("symbackprop.markdown_ext")
    for expr, options in _fence_payloads(marker):
        head = "```backprop" + (f" {expr}" if expr is not None else "")
        body = "\n".join(f"{k}: {v}" if v else f"{k}:" for k, v in options.items())
        text = f"Before.\n\n{head}\n{body}\n```\n\nAfter.\n"
        html = markdown.markdown(
            text,
            extensions=["symbackprop.markdown_ext"],
            extension_configs={"symbackprop.markdown_ext": {"base_path": str(tmp_path)}},
        )
        assert "Before." in html and "After." in html
        assert 'class="backprop-error"' in html, (expr, options)
        assert "internal error" not in html and "Traceback" not in html
        with pytest.raises(SymbackpropError):
            markdown.markdown(
                text,
                extensions=["symbackprop.markdown_ext"],
                extension_configs={"symbackprop.markdown_ext": {"strict": True, "base_path": str(tmp_path)}},
            )


def test_sphinx_directive_runs_nothing(traps, marker, fresh_cache, make_app, tmp_path):
    pytest.importorskip("sphinx")
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["symbackprop.sphinx"]\n', encoding="utf-8")
    cases = _fence_payloads(marker)
    body = []
    for expr, options in cases:
        body.append(f".. backprop:: {expr}" if expr is not None else ".. backprop::")
        body += [f"   :{k}: {v}".rstrip() for k, v in options.items()]
        body.append("")
    (src / "index.rst").write_text(
        "Page\n====\n\nBefore.\n\n" + "\n".join(body) + "\nAfter.\n", encoding="utf-8"
    )
    app = make_app("html", srcdir=src)
    app.build()
    warnings = [line for line in app.warning.getvalue().splitlines() if "WARNING" in line or "ERROR" in line]
    assert len(warnings) >= len(cases), "\n".join(warnings)
    assert not [w for w in warnings if "internal error" in w or "Traceback" in w]
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert "Before." in html and "After." in html


# --- the network spec -------------------------------------------------------------------------


def _network():
    module = pytest.importorskip("symbackprop._network")
    return module.network


_GOOD_SPEC = {
    "inputs": [[1.0, 2.0], [0.5, -1.0]],
    "layers": [{"weights": [[0.1, -0.2], [0.3, 0.4]], "biases": [0.0, 0.1], "activation": "relu"}],
}


def _spec_payloads(marker: Path) -> list[object]:
    p = _payloads(marker)[0]
    layer = _GOOD_SPEC["layers"][0]
    return [
        {**_GOOD_SPEC, "layers": [{**layer, "activation": p}]},
        {**_GOOD_SPEC, "layers": [{**layer, "weights": [[p, 1], [1, 1]]}]},
        {**_GOOD_SPEC, "layers": [{**layer, "biases": [p, 0]}]},
        {**_GOOD_SPEC, "inputs": [[p, 1], [1, 1]]},
        {**_GOOD_SPEC, "loss": {"kind": p, "targets": [0, 1]}},
        {**_GOOD_SPEC, "loss": {"kind": "categorical_crossentropy", "targets": [p, 1]}},
        {**_GOOD_SPEC, "lr": p},
        {**_GOOD_SPEC, MARK: p},
        {**_GOOD_SPEC, "layers": [{**layer, MARK: p}]},
        {**_GOOD_SPEC, "layers": [{**layer, "activation": {"__class__": p}}]},
        {**_GOOD_SPEC, "layers": p},
        p,
        [p],
    ]


def test_network_spec_payloads(traps, marker):
    network = _network()
    for spec in _spec_payloads(marker):
        if isinstance(spec, str):
            err = _refused(lambda s=spec: network(s))  # a str is a path: no such file
        else:
            err = _refused(lambda s=spec: network(s))
        assert err.exit_status == 2, (spec, err)
    p = _payloads(marker)[0]
    _refused(lambda: network(_GOOD_SPEC, wrt=[p]))


def test_network_cli_payloads(traps, marker, tmp_path, cli):
    _network()
    for k, spec in enumerate(_spec_payloads(marker)):
        path = tmp_path / f"spec{k}.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        status, out, err = cli(["network", str(path)])
        assert status == 2 and out == "", (spec, err)
        _one_error_line(err)


def test_a_bug_of_ours_is_still_one_line(cli, monkeypatch):
    """Never a traceback from the command line, even for an error that is not the user's."""
    from symbackprop import api

    def broken(*args, **kwargs):
        raise KeyError("a bug\nover two lines")

    monkeypatch.setattr(api, "derive", broken)
    status, out, err = cli(["derive", "x", "--at", "x=1"])
    assert status == 1 and out == ""
    _one_error_line(err)
    assert "internal error" in err and "KeyError" in err


def test_every_line_break_in_user_text_stays_on_one_line(cli):
    for brk in ("\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"):
        for argv in (["neuron", f"a{brk}b"], ["derive", f"x{brk}+", "--at", "x=1"]):
            status, out, err = cli(argv)
            assert status == 2 and out == ""
            _one_error_line(err)


def test_network_specs_nested_thousands_deep(tmp_path):
    """JSON nested 100 000 deep (a file), and the same depth as a Python list: a SpecError each."""
    network = _network()
    path = tmp_path / "deep.json"
    path.write_text('{"inputs": ' + "[" * 100_000 + "]" * 100_000 + ', "layers": []}', encoding="utf-8")
    assert _refused(lambda: network(str(path))).exit_status == 2
    nested: list = []
    for _ in range(100_000):
        nested = [nested]
    assert _refused(lambda: network({"inputs": nested, "layers": []})).exit_status == 2


def test_python_api_misuse_is_a_symbackprop_error():
    """Wrong types from a Python caller: a SymbackpropError naming the argument, not a TypeError."""
    calls = [
        lambda: symbackprop.derive("x", at=[1, 2]),  # type: ignore[arg-type]
        lambda: symbackprop.derive("x", at="x=1"),  # type: ignore[arg-type]
        lambda: symbackprop.derive("x*y", at={"x": 1, "y": 2}, wrt=5),  # type: ignore[arg-type]
        lambda: symbackprop.derive("x*y", at={"x": 1, "y": 2}, lr=0.1, update=5),  # type: ignore[arg-type]
        lambda: symbackprop.derive("x", at={"x": 1}, limits="x"),  # type: ignore[arg-type]
        lambda: symbackprop.derive("x", at={1: 1}),  # type: ignore[dict-item]
        lambda: symbackprop.neuron(wrt=5),  # type: ignore[arg-type]
        lambda: symbackprop.neuron(x=5),  # type: ignore[arg-type]
    ]
    for call in calls:
        _refused(call)
    r = symbackprop.neuron(wrt="x0, w0")  # a string is split as the command line splits it
    assert list(r.derivation.chains) == ["x0", "w0"]
    network = _network()
    _refused(lambda: network(_GOOD_SPEC, wrt=5))


def test_a_binary_network_file_in_a_fence_or_directive(make_app, tmp_path, fresh_cache):
    """A spec that is not UTF-8 once crashed the whole Markdown conversion (UnicodeDecodeError)."""
    (tmp_path / "spec.json").write_bytes(b"\xff\xfe\x00binary")
    markdown = pytest.importorskip("markdown")
    html = markdown.markdown(
        "```backprop\nnetwork: spec.json\n```\n",
        extensions=["symbackprop.markdown_ext"],
        extension_configs={"symbackprop.markdown_ext": {"base_path": str(tmp_path)}},
    )
    # a page may be anyone's: the fence says the file is not readable, not what is in it
    assert "backprop-error" in html and "it is not a readable file inside base_path" in html
    src = tmp_path / "src"
    src.mkdir()
    (src / "spec.json").write_bytes(b"\xff\xfe\x00binary")
    (src / "conf.py").write_text('extensions = ["symbackprop.sphinx"]\n', encoding="utf-8")
    (src / "index.rst").write_text("Page\n====\n\n.. backprop::\n   :network: spec.json\n", encoding="utf-8")
    app = make_app("html", srcdir=src)
    app.build()
    warnings = app.warning.getvalue()
    assert "not UTF-8" in warnings and "internal error" not in warnings


def test_a_terminal_that_cannot_show_the_symbols(tmp_path):
    """stdout in ASCII (an old console, PYTHONIOENCODING=ascii): the UTF-8 text, not a traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "symbackprop", "derive", "sigmoid(x*w)", "--at", "x=1", "--at", "w=2"],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-500:]
    assert "∂".encode() in proc.stdout and b"Traceback" not in proc.stderr


# --- the doc entrances read spec files inside their tree only -------------------------------------


def _fence(text: str, base: Path, **config: object) -> str:
    markdown = pytest.importorskip("markdown")
    return markdown.markdown(
        text,
        extensions=["symbackprop.markdown_ext"],
        extension_configs={"symbackprop.markdown_ext": {"base_path": str(base), **config}},
    )


def test_a_fences_network_stays_inside_base_path(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps(_GOOD_SPEC), encoding="utf-8")
    (site / "link.json").symlink_to(secret)
    os.mkfifo(site / "fifo.json")  # a FIFO inside the tree: refused without waiting for a writer
    for path in ("../secret.json", str(secret), "link.json", "/etc/passwd", "fifo.json", "missing.json"):
        html = _fence(f"```backprop\nnetwork: {path}\n```\n", site)
        assert "backprop-error" in html, path
        assert "inputs" not in html and "root:" not in html  # nothing of any file's content
        if path in ("fifo.json", "missing.json"):  # what is on the disk is not told
            assert "it is not a readable file inside base_path" in html
        else:
            assert "is outside base_path" in html
    good = site / "net.json"
    good.write_text(json.dumps(_GOOD_SPEC), encoding="utf-8")
    assert "backprop-error" not in _fence("```backprop\nnetwork: net.json\nshow: gradients\n```\n", site)
    assert "backprop-error" not in _fence(
        "```backprop\nnetwork: ../secret.json\nshow: gradients\n```\n", site, network_files="anywhere"
    )
    off = _fence("```backprop\nnetwork: net.json\n```\n", site, network_files="off")
    assert "network: is turned off here" in off


def test_a_directives_network_stays_inside_the_source_directory(make_app, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (tmp_path / "outside.json").write_text(json.dumps(_GOOD_SPEC), encoding="utf-8")
    (src / "conf.py").write_text('extensions = ["symbackprop.sphinx"]\n', encoding="utf-8")
    (src / "index.rst").write_text(
        "Page\n====\n\n.. backprop::\n   :network: ../outside.json\n   :show: gradients\n", encoding="utf-8"
    )
    app = make_app("html", srcdir=src)
    app.build()
    warnings = app.warning.getvalue()
    assert "the network spec '../outside.json' is outside the source directory" in warnings

"""The benchmarks stay runnable: their modules import, every contender's check passes at n = 10, and
each check fails when the output it reads disagrees with the reference.

No timing is asserted here; ``python -m benchmarks`` measures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_neuron_contenders_agree_at_n_10(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("micrograd")
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks import neuron

    neuron.smoke(10)


def test_a_mismatch_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks._common import Mismatch, check_close

    with pytest.raises(Mismatch, match="w0"):
        check_close("peer", {"w0": 1.0, "b": 2.0}, {"w0": 1.5, "b": 2.0})


def test_network_against_pytorch_at_batch_2(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks import network

    assert network.available() is None
    network.smoke()


def test_docs_check_reads_the_gradients_through_the_public_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks import docs
    from benchmarks._common import Mismatch

    with pytest.raises(Mismatch, match="lacks the gradients"):
        docs.check("<html></html>", graphs=False)


def test_every_format_agrees_with_micrograd_at_n_10(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each format's output, read back, against micrograd; the generated program run once."""
    pytest.importorskip("micrograd")
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks import formats

    formats.smoke(10)


FORMAT_NAMES = [
    "to_dict()",
    *(f'render("{f}")' for f in ("json", "text", "latex", "markdown", "python", "dot")),
]


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_each_format_check_rejects_a_wrong_reference(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """A format's check passes on its output and fails when the reference differs in what it reads:
    one gradient off by 1%, the output after the step off by 1e-6, or (the program) an input."""
    pytest.importorskip("micrograd")
    monkeypatch.syspath_prepend(str(ROOT))
    import dataclasses

    import symbackprop
    from benchmarks import formats
    from benchmarks._common import Mismatch

    assert list(formats.FORMATS) == FORMAT_NAMES
    ref = formats.reference(4)
    out = formats.FORMATS[name](symbackprop.neuron(ref.x, ref.w, ref.b, lr=formats.LR, digits="full"))
    check = formats.CHECKS[name]
    check(name, out, ref)
    wrong_gradient = dataclasses.replace(ref, gradients={**ref.gradients, "w1": ref.gradients["w1"] * 1.01})
    wrong_after = dataclasses.replace(ref, after=ref.after * (1 + 1e-6))
    wrong_input = dataclasses.replace(ref, x=[ref.x[0] + 1e-3, *ref.x[1:]])
    if name == 'render("python")':
        with pytest.raises(Mismatch, match="program's x"):
            check(name, out, wrong_input)
        formats.run_program(name, out, ref)
        with pytest.raises(Mismatch, match="last printed number"):
            formats.run_program(name, out, wrong_after)
        return
    with pytest.raises(Mismatch, match="w1"):
        check(name, out, wrong_gradient)
    if name != 'render("dot")':  # the figure shows no output after the step
        with pytest.raises(Mismatch, match="after the step"):
            check(name, out, wrong_after)


def test_latex_numbers_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """The LaTeX printer's three shapes of number, and anything else refused."""
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks._common import Mismatch
    from benchmarks.formats import latex_number

    assert latex_number("t", "1") == 1.0
    assert latex_number("t", "-0.25") == -0.25
    assert latex_number("t", r"1.5 \cdot 10^{-7}") == 1.5e-7
    assert latex_number("t", r"-2 \cdot 10^{20}") == -2e20
    with pytest.raises(Mismatch, match="not a number"):
        latex_number("t", r"\frac{1}{2}")


def test_a_failed_check_in_the_child_interpreter_fails_the_parent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each timed run is a fresh interpreter; its check's Mismatch reaches the benchmark that started it."""
    pytest.importorskip("micrograd")
    monkeypatch.syspath_prepend(str(ROOT))
    import dataclasses
    import json

    from benchmarks import formats
    from benchmarks._common import Mismatch

    ref = formats.reference(10)
    wrong = dataclasses.replace(ref, gradients={**ref.gradients, "w1": ref.gradients["w1"] + 1.0})
    path = tmp_path / "reference.json"
    path.write_text(json.dumps(dataclasses.asdict(wrong)), encoding="utf-8")
    with pytest.raises(Mismatch, match=r'render\("text"\), n=10 .*w1'):
        formats.spawn(10, 'render("text")', path, "time")
    path.write_text(json.dumps(dataclasses.asdict(ref)), encoding="utf-8")
    assert formats.spawn(10, 'render("text")', path, "time")["seconds"] > 0

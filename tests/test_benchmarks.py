"""The benchmarks stay runnable: their module imports and every contender's check passes at n = 10.

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

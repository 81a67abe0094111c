"""The 784-128-128-10 softmax/cross-entropy network: ``symbackprop.network(spec).to_dict()`` against PyTorch."""

from __future__ import annotations

from ._report import Section, Target


def bench(repeat: int = 5, quick: bool = False) -> Section:
    s = Section("Network: 784-128-128-10 against PyTorch")
    s.lines.append("Not measured: `symbackprop.network` does not exist yet.")
    s.targets.append(Target("network within 2× of PyTorch (batches 1, 64, 1 024)", "—", None))
    return s

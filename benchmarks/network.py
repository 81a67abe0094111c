"""The 784-128-128-10 softmax/cross-entropy network: ``symbackprop.network(spec).to_dict()`` against PyTorch."""

from __future__ import annotations

import os
import random
from functools import partial
from typing import Any

from ._common import Mismatch, check_array, ratio, timed, unbounded
from ._report import Section, Target

SIZES = (784, 128, 128, 10)
ACTIVATIONS = ("relu", "relu", "softmax")
BATCHES = (1, 64, 1024)

DESCRIPTION = (
    "Both start from the same spec, a dict of Python lists as a JSON file gives it, and end with the "
    "same arrays as Python lists: every layer's z, output and dz, the weights' and biases' gradients, "
    "and the gradient of the inputs. PyTorch (CPU, float64) builds its tensors from the lists, runs "
    "forward and backward (autograd, with `retain_grad` on each z) and converts; symbackprop also "
    "writes what its JSON holds besides (the softmax Jacobians, each layer's upstream gradient and "
    "activation derivative). The loss is the book's: the mean of -log(clip(softmax(z)[target], 1e-7, "
    "1 - 1e-7)); the data keep every probability inside the clip, where PyTorch's gradient and the "
    "book's agree. Every array is checked against PyTorch's, within 1e-9 of its largest entry."
)


def spec(batch: int, seed: int = 0) -> dict[str, Any]:
    """Inputs in [0, 1) as pixels are, the book's 0.01 · N(0, 1) weights, zero biases, random classes."""
    rng = random.Random(seed * 10_007 + batch)
    layers = [
        {
            "weights": [[0.01 * rng.gauss(0, 1) for _ in range(m)] for _ in range(n)],
            "biases": [0.0] * m,
            "activation": act,
        }
        for n, m, act in zip(SIZES, SIZES[1:], ACTIVATIONS)
    ]
    return {
        "inputs": [[rng.random() for _ in range(SIZES[0])] for _ in range(batch)],
        "layers": layers,
        "loss": {
            "kind": "categorical_crossentropy",
            "targets": [rng.randrange(SIZES[-1]) for _ in range(batch)],
        },
    }


def run_symbackprop(s: dict[str, Any]) -> dict[str, Any]:
    import symbackprop

    d = symbackprop.network(s, limits=unbounded()).to_dict()  # a batch of 1 024: past --max-elements
    if d["warnings"]:
        raise Mismatch(f"symbackprop warned: {d['warnings']}")
    layers = d["layers"]
    return {
        "loss": d["loss"],
        "z": [lp["z"] for lp in layers],
        "output": [lp["output"] for lp in layers],
        "dz": [lp["dz"] for lp in layers],
        "dweights": [lp["dweights"] for lp in layers],
        "dbiases": [lp["dbiases"] for lp in layers],
        "dinputs": d["dinputs"],
    }


def run_torch(s: dict[str, Any]) -> dict[str, Any]:
    import torch

    f64 = torch.float64
    x = torch.tensor(s["inputs"], dtype=f64, requires_grad=True)
    ws = [torch.tensor(layer["weights"], dtype=f64, requires_grad=True) for layer in s["layers"]]
    bs = [torch.tensor(layer["biases"], dtype=f64, requires_grad=True) for layer in s["layers"]]
    targets = torch.tensor(s["loss"]["targets"])
    a, zs, outputs = x, [], []
    for k, (w, b) in enumerate(zip(ws, bs)):
        z = a @ w + b
        z.retain_grad()
        a = torch.softmax(z, dim=1) if k == len(ws) - 1 else torch.relu(z)
        zs.append(z)
        outputs.append(a)
    picked = a.clamp(1e-7, 1 - 1e-7)[torch.arange(len(targets)), targets]
    loss = -torch.log(picked).mean()
    loss.backward()
    assert x.grad is not None
    return {
        "loss": loss.item(),
        "z": [z.tolist() for z in zs],
        "output": [o.tolist() for o in outputs],
        "dz": [z.grad.tolist() for z in zs if z.grad is not None],
        "dweights": [w.grad.tolist() for w in ws if w.grad is not None],
        "dbiases": [b.grad.tolist() for b in bs if b.grad is not None],
        "dinputs": x.grad.tolist(),
    }


def check(ours: dict[str, Any], peer: dict[str, Any], batch: int) -> None:
    """Every array within 1e-9 of PyTorch's, relative to the array's largest entry (BLAS sums in its own order)."""
    for key, want in peer.items():
        got = ours[key]
        arrays = want if key not in ("loss", "dinputs") else [want]
        gots = got if key not in ("loss", "dinputs") else [got]
        if len(arrays) != len(gots):
            raise Mismatch(f"batch {batch}: {key} has {len(gots)} layers, PyTorch {len(arrays)}")
        for k, (g, w) in enumerate(zip(gots, arrays)):
            scale = max(_flat_abs(w), 1e-300)
            check_array(f"batch {batch}: {key}[{k}] against PyTorch", g, w, rel=1e-9, scale=scale)


def _flat_abs(a: Any) -> float:
    if isinstance(a, list):
        return max((_flat_abs(v) for v in a), default=0.0)
    return abs(float(a))


def available() -> str | None:
    """None if PyTorch imports, else why not."""
    try:
        import torch  # noqa: F401
    except ImportError as err:
        return f"PyTorch is not installed ({err})"
    try:
        import symbackprop

        symbackprop.network  # noqa: B018
    except AttributeError:
        return "symbackprop.network does not exist"
    return None


def bench(repeat: int = 5, quick: bool = False) -> Section:
    s = Section("Network: 784-128-128-10 against PyTorch")
    why = available()
    if why is not None:
        s.lines.append(f"Not measured: {why}. (`pip install torch`, CPU, is the optional peer.)")
        s.targets.append(Target("network within 2× of PyTorch (batches 1, 64, 1 024)", "—", None))
        return s
    import numpy
    import torch

    torch.set_num_threads(1)  # and NumPy's BLAS: python -m benchmarks sets OPENBLAS_NUM_THREADS=1
    batches = BATCHES[:2] if quick else BATCHES
    rows = []
    worst = 0.0
    run_symbackprop(spec(1))  # first calls' imports, outside the timing
    run_torch(spec(1))
    for batch in batches:
        data = spec(batch)
        ours_t, ours = timed(partial(run_symbackprop, data), repeat)
        torch_t, peer = timed(partial(run_torch, data), repeat)
        check(ours, peer, batch)
        r = ours_t.median / torch_t.median
        worst = max(worst, r)
        rows.append(
            f"| {batch:,} | {ours_t.cell()} | {torch_t.cell()} | {ratio(ours_t.median, torch_t.median)} |"
        )
    s.lines += [
        DESCRIPTION,
        "",
        f"One thread each, so that the ratio measures the work rather than how two thread pools share "
        f"a machine's cores: PyTorch {torch.get_num_threads()} (`torch.set_num_threads`), NumPy's BLAS "
        f"({_blas(numpy)}) {os.environ.get('OPENBLAS_NUM_THREADS', 'as configured')} "
        "(`OPENBLAS_NUM_THREADS`, set before NumPy loads).",
        "",
        "| batch | symbackprop | PyTorch | symbackprop / PyTorch |",
        "|---:|---:|---:|---:|",
        *rows,
    ]
    s.targets.append(
        Target(
            f"network within 2× of PyTorch (batches {', '.join(f'{b:,}' for b in batches)}; worst shown)",
            f"{worst:.2f}×",
            worst <= 2,
        )
    )
    return s


def _blas(numpy: Any) -> str:
    try:
        info = numpy.show_config(mode="dicts")
        blas = info["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:
        return "unknown"


def smoke() -> None:
    """Both contenders on a batch of 2, checked against each other."""
    if available() is None:
        data = spec(2)
        check(run_symbackprop(data), run_torch(data), 2)

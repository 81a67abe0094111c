"""Side-by-side benchmarks against SymPy, micrograd and PyTorch: ``python -m benchmarks``.

Every timed run also checks its gradients against the peer's and stops with
:class:`Mismatch` when they differ.  Results go to ``benchmarks/RESULTS.md``.
"""

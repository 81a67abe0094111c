"""Shared test set-up: Sphinx's testing fixtures (``app``, ``make_app``), and the command line in-process."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from symbackprop.cli import main

pytest_plugins = "sphinx.testing.fixtures"

# The tests' own helpers (the SymPy-route oracle) import as top-level modules; tests/ is not a
# package (latex2sympy2 installs one named ``tests``).
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def cli(capsys, monkeypatch) -> Callable[..., tuple[int, str, str]]:
    """``cli(argv, stdin=None) -> (status, stdout, stderr)`` through ``main(argv)``."""

    def run(argv: list[str], stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        status = main(argv)
        out, err = capsys.readouterr()
        return status, out, err

    return run

"""The version lives in one place: the installed metadata, the command line and the changelog agree with it.

``symbackprop.__version__`` is the only place the version is written; pyproject.toml reads it
(``dynamic``), so a release bumps one line. The built sdist and wheel are checked by .ci/check_dist.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import pytest

import symbackprop

ROOT = Path(__file__).resolve().parent.parent


def _pyproject() -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_installed_metadata_has_the_packages_version():
    """A stale install (the version bumped, the package not reinstalled) fails here."""
    assert metadata.version("symbackprop") == symbackprop.__version__


def test_the_console_script_prints_the_version():
    script = Path(sysconfig.get_path("scripts")) / (
        "symbackprop.exe" if sys.platform == "win32" else "symbackprop"
    )
    assert script.is_file(), f"{script} is missing: install the package (pip install -e '.[test]')"
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"symbackprop {symbackprop.__version__}\n", "")


def test_pyproject_reads_the_version_from_the_package():
    project = _pyproject()
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "symbackprop.__version__"}


def test_the_version_is_written_once_in_the_package():
    """No module restates the version as a literal: they import ``__version__``."""
    pattern = re.compile(r"""['"]""" + re.escape(symbackprop.__version__) + r"""['"]""")
    holders = [
        path.relative_to(ROOT).as_posix()
        for directory in ("symbackprop", "docs", "benchmarks", "tests")
        for path in sorted((ROOT / directory).rglob("*.py"))
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert holders == ["symbackprop/__init__.py"]


def test_the_changelog_has_the_current_version_and_an_unreleased_section():
    headings = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.M)
    assert headings[0] == "Unreleased"
    assert symbackprop.__version__ in headings


def test_the_license_file_is_the_license_pyproject_declares():
    project = _pyproject()["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n") and "Copyright (c) 2026 the symbackprop authors" in text


def test_the_package_is_marked_typed():
    """PEP 561: the marker is in the package and declared as package data, so the wheel carries it."""
    assert (ROOT / "symbackprop" / "py.typed").is_file()
    assert "py.typed" in _pyproject()["tool"]["setuptools"]["package-data"]["symbackprop"]

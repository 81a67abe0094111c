"""The project's own docs: they build without a warning, and their math renders in a real browser, offline."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
MATHJAX = DOCS / "node_modules" / "mathjax" / "es5" / "tex-svg.js"
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build docs/ once for this module, as CI does (every warning is an error there)."""
    from sphinx.cmd.build import build_main

    out = tmp_path_factory.mktemp("docs")
    warnings = out / "warnings.txt"
    status = build_main(
        ["-q", "-b", "html", "-d", str(out / "doctrees"), "-w", str(warnings), str(DOCS), str(out / "html")]
    )
    assert status == 0
    lines = [line for line in warnings.read_text(encoding="utf-8").splitlines() if "WARNING" in line]
    if not MATHJAX.is_file():  # the one warning allowed where 'npm ci --prefix docs' has not run
        lines = [line for line in lines if "MathJax is missing" not in line]
    assert lines == []
    return out / "html"


def test_docs_build_without_warnings(site: Path):
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    assert {"index.html", "chapter.html", "network.html", "cli.html", "api.html", "conventions.html"} <= pages
    assert {"howto/paper.html", "howto/homework.html", "howto/docs-build.html"} <= pages
    chapter = (site / "chapter.html").read_text(encoding="utf-8")
    assert chapter.count('class="math notranslate nohighlight"') > 20  # the walkthrough, generated
    # the figure has its caption and a number, and the text refers to it by that number
    assert '<span class="caption-number">Fig. 1 </span><span class="caption-text">The chapter' in chapter
    assert (
        '<a class="reference internal" href="#fig-neuron"><span class="std std-numref">Fig. 1</span></a>'
        in chapter
    )
    cli = (site / "cli.html").read_text(encoding="utf-8")
    assert "--latex-input" in cli and "symbackprop neuron" in cli and "--max-depth" in cli
    api = (site / "api.html").read_text(encoding="utf-8")
    assert "symbackprop.derive" in api and "symbackprop.Result" in api


def test_math_is_served_from_the_site(site: Path):
    chapter = (site / "chapter.html").read_text(encoding="utf-8")
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', chapter)
    assert not [s for s in scripts if "//" in s], scripts  # no CDN, nothing remote
    if not MATHJAX.is_file():
        pytest.skip("MathJax is not installed: npm ci --prefix docs")
    assert any(s.startswith("_static/tex-svg.js") for s in scripts)
    assert (site / "_static" / "tex-svg.js").is_file()


def _rendered_dom(page: Path, tmp_path: Path) -> str:
    assert CHROMIUM is not None
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path}",
        "--virtual-time-budget=20000", "--dump-dom", page.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (Debian: apt-get install chromium)"
)
@pytest.mark.parametrize("name", ["chapter.html", "network.html", "conventions.html"])
def test_math_renders_in_a_browser(site: Path, tmp_path: Path, name: str):
    """Every math element becomes MathJax output, with no error node and no undefined macro (red)."""
    if not MATHJAX.is_file():
        pytest.skip("MathJax is not installed: npm ci --prefix docs")
    source = (site / name).read_text(encoding="utf-8")
    expected = source.count('class="math notranslate nohighlight"')
    dom = _rendered_dom(site / name, tmp_path)
    assert dom.count("<mjx-container") == expected > 0
    assert '<g data-mml-node="merror"' not in dom and "<mjx-merror" not in dom
    svg_math = "".join(re.findall(r"<mjx-container.*?</mjx-container>", dom, re.S))
    assert 'fill="red"' not in svg_math  # MathJax draws an undefined macro's name in red

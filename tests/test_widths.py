"""Equations that fit, measured in a browser: the author's three derivations, rendered from the
Markdown fence in headless Chromium with the docs' MathJax (SVG output) and with KaTeX (display
mode, its own CSS and fonts), in a 700 px column at 16 px; every display's width is measured
against the column by a script in the page.

The rows are broken by ``render/_fit.py`` from an estimate of their width; this is where the
estimate meets real glyphs.  KaTeX throws on what it cannot parse, and its message fails the test.
Skipped where Chromium or the docs' npm packages (``npm ci --prefix docs``) are absent.
``SYMBACKPROP_SCREENSHOTS=DIR`` also writes a screenshot of each page there.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MATHJAX = ROOT / "docs" / "node_modules" / "mathjax" / "es5" / "tex-svg.js"
KATEX = ROOT / "docs" / "node_modules" / "katex" / "dist"
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
COLUMN_PX = 700
FONT_PX = 16

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed"),
    pytest.mark.skipif(
        not (MATHJAX.is_file() and (KATEX / "katex.min.js").is_file()),
        reason="the docs' MathJax and KaTeX are not installed: npm ci --prefix docs",
    ),
]

#: The three derivations of the issue, as fences: the chapter's neuron, a sigmoid neuron with a
#: squared-error loss, the chapter's softmax + cross-entropy network (its scalar view too).
FENCES = {
    "neuron": "```backprop\nshow: walkthrough\n```",
    "sigmoid-squared-error": (
        "```backprop\nat: x=0.5, w=-1.5, b=0.25, t=1\nconst: t\nshow: walkthrough\n"
        "z = w*x + b\na = sigmoid(z)\nL = (a - t)**2 / 2\n```"
    ),
    "softmax-cross-entropy": "```backprop\nnetwork: softmax-cce.json\nwrt: W1[0,0], b2[1]\nshow: walkthrough\n```",
}

# The engine typesets the page, then the script measures every display and writes the numbers into
# the page, which --dump-dom prints.
PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>widths</title>
<style>
  body {{ margin: 0; padding: 20px; }}
  #column {{ width: {column}px; font-size: {font}px; font-family: Georgia, serif; line-height: 1.4; }}
</style>
{engine}
</head><body><div id="column">
{body}
</div></body></html>
"""

REPORT = """
    const out = document.createElement("pre");
    out.id = "widths";
    out.textContent = JSON.stringify({column: document.getElementById("column").getBoundingClientRect().width,
                                      widths, errors});
    document.body.appendChild(out);
"""

ENGINES = {
    "MathJax": """<script>
window.MathJax = {{
  tex: {{inlineMath: [["\\\\(", "\\\\)"]], displayMath: [["\\\\[", "\\\\]"]]}},
  startup: {{pageReady: () => MathJax.startup.defaultPageReady().then(() => {{
    const widths = [...document.querySelectorAll('mjx-container[display="true"]')].map(
      (c) => c.querySelector("svg").getBoundingClientRect().width);
    const errors = [...document.querySelectorAll('[data-mml-node="merror"]')].map((e) => e.textContent);
    {report}
  }})}}
}};
</script>
<script src="{mathjax}"></script>""",
    # Each arithmatex element is typeset in place (inline ones too, so that every formula is parsed),
    # throwing on what KaTeX cannot parse and, strict, on what it reads only by departing from LaTeX;
    # a display's width is the extent of its boxes (KaTeX's display spans the column, centred).
    "KaTeX": """<link rel="stylesheet" href="{katex}/katex.min.css">
<script src="{katex}/katex.min.js"></script>
<script>
window.addEventListener("load", async () => {{
  const errors = [];
  for (const element of document.querySelectorAll(".arithmatex")) {{
    const text = element.textContent.trim();
    try {{
      katex.render(text.slice(2, -2), element, {{displayMode: text.startsWith("\\\\["), throwOnError: true, strict: "error"}});
    }} catch (e) {{
      errors.push(e.message);
    }}
  }}
  await document.fonts.ready;
  const widths = [...document.querySelectorAll(".katex-display > .katex > .katex-html")].map((html) => {{
    const boxes = [...html.children].map((child) => child.getBoundingClientRect());
    return Math.max(...boxes.map((b) => b.right)) - Math.min(...boxes.map((b) => b.left));
  }});
  {report}
}});
</script>""",
}


def _page(name: str, engine: str, tmp_path: Path) -> tuple[Path, int]:
    """The fence's page typeset by ``engine``, and how many displays it holds."""
    import markdown

    body = markdown.markdown(
        FENCES[name],
        extensions=["pymdownx.arithmatex", "symbackprop.markdown_ext"],
        extension_configs={
            "pymdownx.arithmatex": {"generic": True},
            "symbackprop.markdown_ext": {"base_path": str(ROOT / "docs" / "specs"), "strict": True},
        },
    )
    script = ENGINES[engine].format(report=REPORT, mathjax=MATHJAX.as_uri(), katex=KATEX.as_uri())
    page = tmp_path / f"{name}-{engine}.html"
    page.write_text(PAGE.format(column=COLUMN_PX, font=FONT_PX, engine=script, body=body), encoding="utf-8")
    return page, body.count('<div class="arithmatex">')


def _chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
        "--allow-file-access-from-files", "--run-all-compositor-stages-before-draw",
        "--virtual-time-budget=30000", *args, page.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def measure(page: Path, profile: Path) -> dict[str, object]:
    """The column's width, each display's width (px) and the engine's errors, from the page itself."""
    dom = _chromium(page, profile, "--dump-dom").stdout
    found = re.search(r'<pre id="widths">(.*?)</pre>', dom, re.S)
    assert found is not None, f"{page.name}: the page was not typeset"
    result: dict[str, object] = json.loads(html.unescape(found.group(1)))
    return result


@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize("name", list(FENCES))
def test_every_display_fits_a_700px_column(name: str, engine: str, tmp_path: Path) -> None:
    page, displays = _page(name, engine, tmp_path)
    got = measure(page, tmp_path / "profile")
    assert got["errors"] == [], f"{name}: {engine} could not typeset: {got['errors']}"
    widths = got["widths"]
    assert isinstance(widths, list) and len(widths) == displays > 5, got
    assert got["column"] == COLUMN_PX
    wide = {k: round(w) for k, w in enumerate(widths) if w > COLUMN_PX}
    assert not wide, f"{name}: displays wider than the {COLUMN_PX} px column in {engine} (block: px): {wide}"
    shots = os.environ.get("SYMBACKPROP_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        height = 12000  # the whole walkthrough
        shot = Path(shots) / f"{name}-{engine}.png"
        _chromium(
            page, tmp_path / "profile", f"--screenshot={shot}", f"--window-size={COLUMN_PX + 40},{height}"
        )

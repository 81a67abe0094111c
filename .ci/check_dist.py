"""Check the built sdist and wheel against the source tree: what a user installs is what we declare.

Usage: ``python .ci/check_dist.py DIST_DIR``, where DIST_DIR holds one sdist and one wheel.

Every expected value comes from the sources (pyproject.toml, LICENSE, README.md,
``symbackprop.__version__``, the files of the checkout), never from the build itself.
"""

from __future__ import annotations

import configparser
import subprocess
import sys
import tarfile
import zipfile
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: build depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "symbackprop"
SDIST_HAS = ("LICENSE", "README.md", "CHANGELOG.md", "CONTRIBUTING.md", "pyproject.toml", "PKG-INFO")
SDIST_TRACKED = ("symbackprop", "tests", "docs", "benchmarks")  # every tracked file under these ships
NEVER_SHIPPED = ("node_modules", "_build", "__pycache__", ".venv", ".hypothesis")
LATEX_READERS = {"latex2sympy2": ("3.10", "3.11", "3.12"), "latex2sympy2_extended": ("3.13", "3.14")}

problems: list[str] = []


def check(condition: bool, message: str) -> None:
    """Record a problem rather than stop at the first, so one run lists them all."""
    if not condition:
        problems.append(message)


def source_version() -> str:
    """``symbackprop.__version__`` of this checkout (the package is light to import: no SymPy)."""
    sys.path.insert(0, str(ROOT))
    import symbackprop

    where = Path(symbackprop.__file__).resolve().parent
    check(where == ROOT / PACKAGE, f"symbackprop imported from {where}, not from this checkout")
    return symbackprop.__version__


def headers(text: str) -> Message:
    """METADATA or PKG-INFO: headers, then the long description as the body."""
    return HeaderParser().parsestr(text)


def requirements(meta: Message) -> tuple[set[str], dict[str, set[str]]]:
    """Requires-Dist split into the runtime ones and those of each extra, each in normal form."""
    runtime: set[str] = set()
    extras: dict[str, set[str]] = {extra: set() for extra in meta.get_all("Provides-Extra") or []}
    for line in meta.get_all("Requires-Dist") or []:
        req = Requirement(line)
        if req.marker is not None and "extra ==" in str(req.marker):
            owners = [e for e in extras if req.marker.evaluate({"extra": e})]
            check(len(owners) == 1, f"wheel: {line!r} belongs to {owners} (one extra expected)")
            req.marker = None
            for extra in owners:
                extras[extra].add(str(req))
        else:
            runtime.add(str(req))
    return runtime, extras


def check_wheel(wheel: Path, project: dict[str, Any], version: str) -> Message | None:
    check(wheel.name == f"{PACKAGE}-{version}-py3-none-any.whl", f"wheel: named {wheel.name}")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        infos = sorted({n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")})
        if len(infos) != 1 or f"{infos[0]}/METADATA" not in names:
            check(False, f"wheel: no single .dist-info with a METADATA: {infos}")
            return None
        info = infos[0]
        check(info == f"{PACKAGE}-{version}.dist-info", f"wheel: {info}, symbackprop.__version__ {version!r}")
        meta = headers(zf.read(f"{info}/METADATA").decode("utf-8"))
        entry_points = configparser.ConfigParser(interpolation=None)
        entry_points.read_string(zf.read(f"{info}/entry_points.txt").decode("utf-8"))
        license_path = f"{info}/licenses/LICENSE"
        check(license_path in names, f"wheel: no {license_path}")
        if license_path in names:
            check(zf.read(license_path) == (ROOT / "LICENSE").read_bytes(), f"wheel: {license_path} differs")
        shipped = {n for n in names if n.startswith(f"{PACKAGE}/")}
        sources = {
            p.relative_to(ROOT).as_posix()
            for p in (ROOT / PACKAGE).rglob("*")
            if p.is_file()
            and "__pycache__" not in p.parts
            and (p.suffix in (".py", ".css") or p.name == "py.typed")
        }
        check(f"{PACKAGE}/py.typed" in shipped, "wheel: no symbackprop/py.typed")
        check(
            shipped == sources,
            f"wheel: package files differ: missing {sorted(sources - shipped)}, "
            f"extra {sorted(shipped - sources)}",
        )
        for name in sorted(shipped & sources):
            check(zf.read(name) == (ROOT / name).read_bytes(), f"wheel: {name} differs from the source")
        stray = sorted(n for n in names if not n.startswith((f"{PACKAGE}/", f"{info}/")))
        check(not stray, f"wheel: files outside the package: {stray}")

    check(meta["Name"] == project["name"], f"wheel: Name {meta['Name']!r}")
    check(
        meta["Version"] == version, f"wheel: Version {meta['Version']!r}, symbackprop.__version__ {version!r}"
    )
    check(meta["Summary"] == project["description"], f"wheel: Summary {meta['Summary']!r}")
    check(
        meta["Requires-Python"] == project["requires-python"],
        f"wheel: Requires-Python {meta['Requires-Python']!r}",
    )
    check(
        meta["License-Expression"] == project["license"],
        f"wheel: License-Expression {meta['License-Expression']!r}",
    )
    check(
        meta.get_all("License-File") == project["license-files"],
        f"wheel: License-File {meta.get_all('License-File')}",
    )
    check(meta["License"] is None, "wheel: the deprecated License field is set beside License-Expression")
    check(
        (ROOT / "LICENSE").read_text(encoding="utf-8").startswith(f"{project['license']} License\n"),
        f"LICENSE does not start with '{project['license']} License'",
    )
    check(meta["Description-Content-Type"] == "text/markdown", "wheel: the description is not Markdown")
    check(
        str(meta.get_payload()).strip() == (ROOT / "README.md").read_text(encoding="utf-8").strip(),
        "wheel: the long description is not README.md",
    )
    check("Typing :: Typed" in (meta.get_all("Classifier") or []), "wheel: no 'Typing :: Typed' classifier")

    runtime, extras = requirements(meta)
    declared = {str(Requirement(r)) for r in project["dependencies"]}
    check(runtime == declared, f"wheel: runtime dependencies {sorted(runtime)}, pyproject {sorted(declared)}")
    optional = {
        extra: {str(Requirement(r)) for r in reqs} for extra, reqs in project["optional-dependencies"].items()
    }
    check(extras == optional, f"wheel: extras {extras}, pyproject {optional}")
    by_name = {Requirement(r).name: Requirement(r) for r in runtime}
    for name, pythons in LATEX_READERS.items():
        req = by_name.get(name)
        check(req is not None and req.marker is not None, f"wheel: {name} is not a dependency with a marker")
        if req is not None and req.marker is not None:
            applies = {
                v
                for v in ("3.10", "3.11", "3.12", "3.13", "3.14")
                if req.marker.evaluate({"python_version": v})
            }
            check(
                applies == set(pythons),
                f"wheel: {name} applies on Python {sorted(applies)}, not {list(pythons)}",
            )

    scripts = dict(entry_points["console_scripts"]) if entry_points.has_section("console_scripts") else {}
    check(scripts == project["scripts"], f"wheel: console scripts {scripts}, pyproject {project['scripts']}")
    return meta


def tracked(directories: tuple[str, ...]) -> set[str]:
    """The files git tracks under ``directories`` that exist in the working tree."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--", *directories],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {name for name in listed.split("\0") if name and (ROOT / name).is_file()}


def check_sdist(sdist: Path, wheel_meta: Message | None, version: str) -> None:
    check(sdist.name == f"{PACKAGE}-{version}.tar.gz", f"sdist: named {sdist.name}")
    with tarfile.open(sdist) as tf:
        members = {m.name for m in tf.getmembers() if m.isfile()}
        top = min(members).split("/")[0] if members else ""
        check(
            top == f"{PACKAGE}-{version}", f"sdist: unpacks into {top}/, symbackprop.__version__ {version!r}"
        )
        pkg_info = tf.extractfile(f"{top}/PKG-INFO") if f"{top}/PKG-INFO" in members else None
        meta = headers(pkg_info.read().decode("utf-8")) if pkg_info is not None else None
    outside = sorted(m for m in members if not m.startswith(f"{top}/"))
    check(not outside, f"sdist: files outside {top}/: {outside[:5]}")
    files = {m.removeprefix(f"{top}/") for m in members}
    for name in SDIST_HAS:
        check(name in files, f"sdist: no {name}")
    missing = sorted(tracked(SDIST_TRACKED) - files)
    check(not missing, f"sdist: tracked files missing: {missing[:10]}")
    leaked = sorted(
        f for f in files if any(part in NEVER_SHIPPED for part in f.split("/")) or f.endswith(".pyc")
    )
    check(not leaked, f"sdist: build or cache files shipped: {leaked[:10]}")
    if meta is not None and wheel_meta is not None:
        for field in ("Name", "Version", "Requires-Python", "License-Expression"):
            check(
                meta[field] == wheel_meta[field],
                f"sdist: PKG-INFO {field} {meta[field]!r}, wheel {wheel_meta[field]!r}",
            )
        check(
            meta.get_all("Requires-Dist") == wheel_meta.get_all("Requires-Dist"),
            "sdist: PKG-INFO's Requires-Dist differs from the wheel's",
        )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python .ci/check_dist.py DIST_DIR", file=sys.stderr)
        return 2
    dist = Path(argv[0])
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        print(
            f"check_dist: {dist} holds {len(wheels)} wheels and {len(sdists)} sdists, not one each",
            file=sys.stderr,
        )
        return 1
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    version = source_version()
    wheel_meta = check_wheel(wheels[0], project, version)
    check_sdist(sdists[0], wheel_meta, version)
    for problem in problems:
        print(f"check_dist: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"check_dist: {wheels[0].name} and {sdists[0].name} match the sources")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

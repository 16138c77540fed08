"""The wheel holds what README says it holds: every module, ``py.typed``, the shipped models with their
cards and the default model's epoch log, the browser camera's front end; it declares every package
ferlib imports; installed from it, the course still finds the benchmarks' results from a checkout."""

from __future__ import annotations

import ast
import email
import importlib.metadata
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ferlib"
#: What setuptools reads to build the wheel, beside the package itself.
BUILD_FILES = ("setup.cfg", "setup.py", "pyproject.toml", "README.md", "LICENSE", "MANIFEST.in")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the working tree (the checkout gets no build/ or egg-info)."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    shutil.copytree(PACKAGE, source / "ferlib", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in BUILD_FILES:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, source / name)
    # --no-isolation: the build tools come with the dev extra, so the test needs no network
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(source)],
        capture_output=True, text=True, timeout=600, check=False, cwd=source,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    warnings = [  # setuptools' own (packages it would ignore, deprecated settings), not the environment's
        line
        for line in result.stderr.splitlines()
        if "warning" in line.lower() and "byte-compiling is disabled" not in line
    ]
    assert warnings == [], result.stderr[-3000:]
    (built,) = out.glob("ferlib-*.whl")
    return built


@pytest.fixture(scope="module")
def listing(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_wheel_holds_every_module_and_py_typed(listing: set[str]) -> None:
    modules = {
        path.relative_to(ROOT).as_posix() for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts
    }
    assert {"ferlib/__init__.py", "ferlib/cli/__init__.py", "ferlib/data/__init__.py"} <= modules
    assert modules - listing == set()
    assert "ferlib/py.typed" in listing
    assert not {name for name in listing if "__pycache__" in name or name.endswith(".pyc")}
    assert {name.split("/")[0] for name in listing} == {"ferlib", f"{_dist_info(listing)}"}


def test_the_wheel_holds_the_shipped_models_cards_epoch_log_and_static_files(listing: set[str]) -> None:
    from ferlib.pretrained import PRETRAINED

    for name, model in PRETRAINED.items():
        assert f"ferlib/pretrained/{model.name}" in listing, name
        assert f"ferlib/pretrained/{model.with_suffix('.json').name}" in listing, name
    # README: the default model's card and epoch log sit beside it
    assert f"ferlib/pretrained/{PRETRAINED['default'].stem}_log.csv" in listing
    for folder in ("pretrained", "static", "static/litert", "static/models"):
        files = {f"ferlib/{folder}/{path.name}" for path in (PACKAGE / folder).iterdir() if path.is_file()}
        assert files and files <= listing, folder  # the in-page mode's runtime, licence and model too
    assert {"ferlib/static/browser_camera.js", "ferlib/static/browser_camera.css"} <= listing


def _dist_info(listing: set[str]) -> str:
    (folder,) = {name.split("/")[0] for name in listing if name.split("/")[0].endswith(".dist-info")}
    return folder


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_top_level_modules() -> set[str]:
    """Every module ``import``ed anywhere in ferlib (at module level or inside a function)."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"ferlib", "__future__"}


def test_every_imported_package_is_declared(wheel: Path, listing: set[str]) -> None:
    with zipfile.ZipFile(wheel) as archive:
        metadata = email.message_from_bytes(archive.read(f"{_dist_info(listing)}/METADATA"))
    declared = {
        _normalise(re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0])
        for line in metadata.get_all("Requires-Dist")
    }
    provided = importlib.metadata.packages_distributions()
    imported = _imported_top_level_modules()
    assert {"numpy", "cv2", "keras", "scipy"} <= imported
    undeclared = {
        module: provided.get(module, ["(not installed)"])
        for module in imported
        if not {_normalise(dist) for dist in provided.get(module, [])} & declared
    }
    assert undeclared == {}, "imported by ferlib but not in setup.cfg's install_requires or extras"


def test_the_installed_wheel_finds_the_benchmarks_from_a_checkout(wheel: Path, tmp_path: Path) -> None:
    """From a wheel, the results come from the checkout holding the current folder, or a clear error."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    code = (
        "import ferlib, ferlib.course\n"
        "from ferlib.errors import ConfigError\n"
        f"assert ferlib.__file__.startswith({str(site)!r}), ferlib.__file__\n"
        "try:\n"
        "    print(ferlib.course.benchmark_table('live_fps').splitlines()[-1])\n"
        "except ConfigError as error:\n"
        "    print('ConfigError:', error)\n"
    )
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}

    def run(cwd: Path) -> str:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                                check=False, cwd=cwd, env=env)  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert run(ROOT / "notebooks").startswith("(benchmarks/live_fps.py")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert run(outside).startswith("ConfigError: no ferlib checkout holds ")

"""The documentation site's API reference covers every public name, every public name has a docstring,
and README stays a short page that works wherever it is read.

The reference pages (docs/reference/*.md) are ``::: identifier`` blocks that mkdocstrings renders from
the docstrings; `mkdocs build --strict` (in .ci/run) checks that they render. Here: that no public name
of a documented module is left out of them, and that none is left without a docstring. README is also
the package's long description (setup.cfg), read on package indexes away from the repository: its links
must not be relative, the site pages it names must exist and be in the site's navigation, and the test
command it gives must be the one CI runs.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "reference"
README = ROOT / "README.md"
#: Issue 29: a README a newcomer reads in five minutes; the rest lives on the documentation site.
README_MAX_LINES = 250

# The modules the API reference documents (mkdocs.yml's nav lists their pages).
DOCUMENTED_MODULES = [
    "ferlib",
    "ferlib.data",
    "ferlib.training",
    "ferlib.faces",
    "ferlib.recognizer",
    "ferlib.evaluation",
    "ferlib.calibration",
    "ferlib.models",
    "ferlib.augment",
    "ferlib.pipeline",
    "ferlib.config",
    "ferlib.errors",
    "ferlib.live",
    "ferlib.widgets",
    "ferlib.browser_camera",
    "ferlib.video",
    "ferlib.archive",
    "ferlib.tracking",
    "ferlib.ensemble",
    "ferlib.distill",
    "ferlib.tflite",
    "ferlib.pretrained",
    "ferlib.samples",
    "ferlib.plots",
]

DIRECTIVE = re.compile(r"^:::\s+([\w.]+)\s*$", re.MULTILINE)


def directives() -> list[str]:
    """Every identifier a reference page renders with a ``::: identifier`` block."""
    found = []
    for page in sorted(REFERENCE.glob("*.md")):
        found += DIRECTIVE.findall(page.read_text(encoding="utf-8"))
    return found


def public_names(module: ModuleType) -> list[str]:
    """``__all__`` where the module has one, else the functions and classes it defines."""
    names = getattr(module, "__all__", None)
    if names is not None:
        return [name for name in names if not name.startswith("_")]
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module.__name__
    ]


def resolve(identifier: str) -> Any:
    """The object an identifier names: the longest importable module prefix, then attributes."""
    parts = identifier.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            value = getattr(value, part)
        return value
    raise ImportError(identifier)


def rendered_objects() -> tuple[set[int], set[tuple[str, str]]]:
    """The objects the reference renders (by id), and the (module, name) pairs it renders as members.

    A module's block renders its public names as members, except names the module serves lazily
    through its ``__getattr__`` (``ferlib``'s everyday names): those the static renderer cannot see,
    so they count only where they are documented themselves.
    """
    ids: set[int] = set()
    members: set[tuple[str, str]] = set()
    for identifier in directives():
        value = resolve(identifier)
        ids.add(id(value))
        if inspect.ismodule(value):
            lazy = getattr(value, "_LAZY", {})
            for name in public_names(value):
                if name not in lazy:
                    ids.add(id(getattr(value, name)))
                    members.add((identifier, name))
    return ids, members


def is_documentable(value: Any) -> bool:
    return inspect.isfunction(value) or inspect.isclass(value)


def own_docstring(value: Any) -> str:
    """The docstring written for this function or class itself (not inherited, not dataclass-made)."""
    doc = value.__dict__.get("__doc__") if inspect.isclass(value) else value.__doc__
    if not doc:
        return ""
    if inspect.isclass(value) and dataclasses.is_dataclass(value) and doc.startswith(f"{value.__name__}("):
        return ""  # the signature dataclasses write when the class has no docstring
    return inspect.cleandoc(doc)


def test_every_documented_module_has_a_reference_block() -> None:
    listed = set(directives())
    assert [name for name in DOCUMENTED_MODULES if name not in listed] == []


def test_the_reference_names_only_what_exists() -> None:
    for identifier in directives():
        resolve(identifier)  # raises on a name that no longer exists


def test_no_public_name_is_missing_from_the_reference() -> None:
    ids, members = rendered_objects()
    missing = []
    for module_name in DOCUMENTED_MODULES:
        module = importlib.import_module(module_name)
        for name in public_names(module):
            value = getattr(module, name)
            # a constant counts where its module's block renders it as a member
            documented = id(value) in ids if is_documentable(value) else (module_name, name) in members
            if not documented:
                missing.append(f"{module_name}.{name}")
    assert missing == [], f"public names missing from docs/reference/*.md: {missing}"


@pytest.mark.parametrize("module_name", DOCUMENTED_MODULES)
def test_every_public_function_and_class_has_a_docstring(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert own_docstring(module), f"{module_name} has no module docstring"
    undocumented = [
        name
        for name in public_names(module)
        if is_documentable(getattr(module, name)) and not own_docstring(getattr(module, name))
    ]
    assert undocumented == [], f"{module_name}: no docstring on {undocumented}"


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README has {len(lines)} lines: move detail to docs/"


def test_readme_links_work_away_from_the_repository() -> None:
    """Markdown links and images in README are absolute URLs: relative ones break on a package index."""
    readme = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)[^)]*\)", readme) + re.findall(r"<([^>\s]+://[^>\s]+)>", readme)
    relative = [target for target in targets if not re.match(r"https?://", target)]
    assert relative == [], f"README links that break outside the repository: {relative}"


def test_the_site_pages_readme_names_exist_and_are_in_the_navigation() -> None:
    named = set(re.findall(r"`docs/([\w/-]+(?:\.md|/))`", README.read_text(encoding="utf-8")))
    assert {"benchmarks.md", "model-card.md", "privacy.md", "reference/"} <= named
    navigation = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in named:
        assert (ROOT / "docs" / page).exists(), f"README names docs/{page}, which does not exist"
        entry = rf"^\s*-\s+(?:[^:\n]+:\s*)?{re.escape(page)}\s*$"  # "- Title: page.md" or "- page.md"
        listed = re.search(entry, navigation, re.MULTILINE) if page.endswith(".md") else page in navigation
        assert listed, f"README names docs/{page}, which mkdocs.yml's nav does not list"


def test_readme_gives_the_test_command_ci_runs() -> None:
    """The command .ci/run gives as README's test command is, exactly, the end of a command README gives."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    found = re.search(r"^# README's test command, exactly:\n(.+)$", ci, re.MULTILINE)
    assert found, ".ci/run no longer says which command is README's"
    command = found.group(1).strip()
    assert re.search(rf"&& {re.escape(command)}$", README.read_text(encoding="utf-8"), re.MULTILINE), command

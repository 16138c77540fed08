"""MkDocs hook: the course's notebooks, read where they live (notebooks/), served as notebooks/*.ipynb.

No copy is committed under docs/: the files join the build's file list, with the repository root as
their source folder, before mkdocs-jupyter (which runs after this hook, by priority) turns each into a
page with its saved outputs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]


@event_priority(100)
def on_files(files: Files, config: Any) -> Files:
    for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        files.append(
            File(
                f"notebooks/{notebook.name}",
                src_dir=str(ROOT),
                dest_dir=config["site_dir"],
                use_directory_urls=config["use_directory_urls"],
            )
        )
    return files

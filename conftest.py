"""The notebooks under nbval: those that read FER-2013 skip, saying why, where the data is not found;
under ``CI`` they fail instead, since CI must run them on the real data."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

from ferlib.errors import DatasetNotFoundError

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


@cache
def _needs_data(notebook: Path) -> bool:
    return "load_fer2013(" in notebook.read_text(encoding="utf-8")


@cache
def _data_missing() -> str | None:
    """Why FER-2013 cannot be found from the notebooks' folder (as their kernels look), or None."""
    from ferlib.data.locate import resolve_data_dir

    here = Path.cwd()
    try:
        os.chdir(NOTEBOOKS)
        resolve_data_dir()
    except DatasetNotFoundError:
        return "FER-2013 is not here (set FER2013_DIR, see data/README.md): this notebook reads it"
    finally:
        os.chdir(here)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    path = Path(str(item.fspath))
    if path.suffix != ".ipynb" or not _needs_data(path):
        return
    reason = _data_missing()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must provide the real FER-2013: {reason}", pytrace=False)
    pytest.skip(reason)

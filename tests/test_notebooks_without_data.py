"""A learner without FER-2013: each notebook that needs it stops at its first cell that loads it, with
ferlib's one-line message, never with a traceback from deep inside; and the test suite skips those
notebooks, saying why, except under CI, where it fails."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NEEDS_DATA = sorted(path.name for path in NOTEBOOKS.glob("0[1-5]_*.ipynb"))
# A cell that loads the data, or finds its folder to read the files by hand (01 does, before loading).
LOADS = re.compile(r"\b(?:load_fer2013|resolve_data_dir)\(")


def test_the_notebooks_that_need_the_data_are_checked() -> None:
    assert len(NEEDS_DATA) == 5


@pytest.mark.parametrize("name", NEEDS_DATA)
def test_missing_data_stops_at_the_first_loading_cell(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FER2013_DIR", raising=False)
    monkeypatch.setenv("FERLIB_QUICK", "1")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    client = NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(tmp_path)}})
    with pytest.raises(CellExecutionError):
        client.execute()

    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    failed = [i for i, cell in enumerate(code_cells) if any(o.output_type == "error" for o in cell.outputs)]
    first_loading = next(i for i, cell in enumerate(code_cells) if LOADS.search(cell.source))
    assert failed == [first_loading]
    error = next(o for o in code_cells[first_loading].outputs if o.output_type == "error")
    assert error.ename == "DatasetNotFoundError"
    assert len(error.traceback) == 1, "the learner sees ferlib's message, not a stack of frames"
    assert "FER2013_DIR" in error.traceback[0]


@pytest.mark.parametrize(("ci", "outcome"), [(None, "skipped"), ("true", "failed")])
def test_the_suite_skips_notebooks_without_data_except_in_ci(
    ci: str | None, outcome: str, tmp_path: Path
) -> None:
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env |= {"FER2013_DIR": str(tmp_path / "no-data-here"), **({"CI": ci} if ci else {})}
    notebook = NOTEBOOKS / NEEDS_DATA[0]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(notebook), "-p", "no:cacheprovider", "-rsE", "-q"],
        cwd=NOTEBOOKS.parent, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    cells = sum(cell.cell_type == "code" for cell in nbformat.read(notebook, as_version=4).cells)
    summary = result.stdout.strip().splitlines()[-1]
    if outcome == "skipped":
        assert result.returncode == 0 and f"{cells} skipped" in summary, result.stdout
        assert "FER-2013 is not here (set FER2013_DIR" in result.stdout
    else:
        assert result.returncode == 1 and f"{cells} error" in summary, result.stdout
        assert "CI must provide the real FER-2013" in result.stdout

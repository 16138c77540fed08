"""A learner without FER-2013: each notebook that needs it stops at its first cell that loads it, with
ferlib's one-line message, never with a traceback from deep inside."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NEEDS_DATA = sorted(path.name for path in NOTEBOOKS.glob("0[1-5]_*.ipynb"))


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
    first_loading = next(i for i, cell in enumerate(code_cells) if "load_fer2013(" in cell.source)
    assert failed == [first_loading]
    error = next(o for o in code_cells[first_loading].outputs if o.output_type == "error")
    assert error.ename == "DatasetNotFoundError"
    assert len(error.traceback) == 1, "the learner sees ferlib's message, not a stack of frames"
    assert "FER2013_DIR" in error.traceback[0]

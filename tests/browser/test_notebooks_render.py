"""Every notebook opens in JupyterLab and shows its committed outputs, plots included, without an error."""

from __future__ import annotations

import json

import pytest
from jupyter_lab import ROOT, BrowserPage, JupyterLab, open_notebook

pytestmark = pytest.mark.browser
NOTEBOOKS = sorted(path.name for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _committed_pngs(name: str) -> int:
    cells = json.loads((ROOT / "notebooks" / name).read_text())["cells"]
    return sum("image/png" in output.get("data", {}) for cell in cells for output in cell.get("outputs", []))


def test_the_course_has_six_numbered_notebooks() -> None:
    assert [name[:3] for name in NOTEBOOKS] == ["01_", "02_", "03_", "04_", "05_", "06_"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_renders_its_saved_plots(name: str, page: BrowserPage, jupyterlab: JupyterLab) -> None:
    expected = _committed_pngs(name)
    assert expected > 0, f"{name} was committed without plots"
    panel = open_notebook(page, jupyterlab, f"notebooks/{name}")
    images = panel.locator(".jp-OutputArea-output img")
    # Scroll through the notebook so that every output is laid out, then check each image decoded.
    panel.locator(".jp-Notebook").evaluate("n => n.scrollTo(0, n.scrollHeight)")
    images.nth(expected - 1).wait_for(state="attached", timeout=30_000)
    assert images.count() == expected
    widths = images.evaluate_all("imgs => Promise.all(imgs.map(i => i.decode().then(() => i.naturalWidth)))")
    assert all(width > 0 for width in widths), f"{name}: some plots did not decode"
    assert page.errors == [], f"{name}: the browser console reported errors"

"""The browser camera's two modes in JupyterLab with Chromium's fake camera: in the page the faces are
found without a single pixel reaching the kernel, results only when the learner ticks the box; each way
the in-page mode can fail shows one line, and the kernel mode still works beside it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import nbformat
import pytest
from jupyter_lab import ARTIFACTS, ROOT, BrowserPage, JupyterLab, open_notebook, run_all_cells

from ferlib.labels import EMOTIONS

pytestmark = pytest.mark.browser
NOTEBOOK = "test-artifacts/browser_camera_modes.ipynb"  # written here, outside git's view and nbval's
CELLS = [
    "import tempfile\nfrom ferlib.browser_camera import BrowserCamera\n\n"
    'camera = BrowserCamera(where="browser", snapshot_dir=tempfile.mkdtemp())\ncamera',
    "kernel_camera = BrowserCamera()\nkernel_camera",
]
PAGE_WIDGET = ".ferlib-browser-camera[data-where=browser]"
KERNEL_WIDGET = ".ferlib-browser-camera[data-where=kernel]"
#: In the kernel: every comm message the page sends to ``camera`` is kept (its data and buffer sizes).
RECORD_MESSAGES = """exec('''
_messages = []
_callback = camera.comm._msg_callback
def _record(message):
    buffers = [len(b) for b in message.get("buffers") or []]
    _messages.append({"data": message["content"]["data"], "buffers": buffers})
    return _callback(message)
camera.comm._msg_callback = _record
''')"""


def _faces_shown(selector: str) -> str:
    return f"() => Number(document.querySelector('{selector}')?.dataset.faces || 0) > 0"


@pytest.fixture
def both_modes(page: BrowserPage, jupyterlab: JupyterLab) -> Iterator[BrowserPage]:
    """A notebook with a browser-mode and a kernel-mode camera, both on the page, messages recorded."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, ROOT / NOTEBOOK)
    open_notebook(page, jupyterlab, NOTEBOOK)
    run_all_cells(page)
    page.page.locator(f"{KERNEL_WIDGET} button").wait_for(timeout=180_000)
    jupyterlab.evaluate(NOTEBOOK, RECORD_MESSAGES)
    yield page
    (ROOT / NOTEBOOK).unlink(missing_ok=True)


def test_the_page_recognises_faces_and_the_kernel_gets_no_pixels(
    both_modes: BrowserPage, jupyterlab: JupyterLab
) -> None:
    page = both_modes.page
    widget = page.locator(PAGE_WIDGET)
    widget.scroll_into_view_if_needed()
    widget.locator("button", has_text="Start camera").click()
    page.wait_for_function(_faces_shown(PAGE_WIDGET), timeout=120_000)
    assert "in the page" in widget.locator(".ferlib-status").inner_text()
    assert set(widget.get_attribute("data-emotions").split(",")) <= set(EMOTIONS)
    pixels = "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data"
    painted = widget.locator("canvas.ferlib-overlay").evaluate(
        f"{pixels}.filter((v, i) => i % 4 == 3 && v).length"
    )
    assert painted > 500, "the face box, label and score bars were not drawn over the picture"
    assert jupyterlab.evaluate(NOTEBOOK, "camera.frames_received") == 0  # no results until asked

    widget.locator("input[type=checkbox]").check()  # the learner asks for results in the kernel
    deadline = page.evaluate("Date.now()") + 60_000
    while jupyterlab.evaluate(NOTEBOOK, "camera.frames_received") < 3:
        assert page.evaluate("Date.now()") < deadline, "no results reached the kernel"
        page.wait_for_timeout(300)
    faces = jupyterlab.evaluate(NOTEBOOK, "camera.last_faces")
    assert faces and faces[0]["emotion"] in EMOTIONS and set(faces[0]["scores"]) == set(EMOTIONS)
    widget.locator("button", has_text="Snapshot").click()  # the one way a picture reaches the kernel
    widget.locator(".ferlib-status", has_text="snapshot saved by the kernel").wait_for(timeout=30_000)
    saved = jupyterlab.evaluate(
        NOTEBOOK, "[__import__('cv2').imread(str(p)).shape for p in camera.snapshots]"
    )
    assert saved == [[360, 480, 3]]
    widget.locator("button", has_text="Stop camera").click()

    messages = jupyterlab.evaluate(NOTEBOOK, "_messages")
    kinds = [
        message["data"].get("method") + ":" + str(message["data"].get("content", {}).get("type"))
        for message in messages
    ]
    assert "custom:load" in kinds and "custom:results" in kinds and kinds.count("custom:snapshot") == 1
    assert set(kinds) <= {"custom:load", "custom:results", "custom:snapshot", "update:None"}, kinds
    # No pixels but the snapshot clicked: not one buffer elsewhere, and every message too small to hold
    # a picture in any encoding.
    assert [kind for kind, message in zip(kinds, messages, strict=True) if message["buffers"]] == [
        "custom:snapshot"
    ]
    assert max(len(json.dumps(message["data"])) for message in messages) < 4_000
    assert both_modes.errors == [], both_modes.errors


#: In the kernel: the page's emotion model becomes a file that is no model.
BREAK_THE_PAGE_MODEL = """exec('''
import pathlib, tempfile
_good_model = camera._page_model
camera._page_model = pathlib.Path(tempfile.mkdtemp()) / "broken.tflite"
camera._page_model.write_bytes(b"this is not a model")
''')"""


def _one_red_line(widget: Any, expected: str) -> None:
    status = widget.locator(".ferlib-status")
    widget.page.wait_for_function(
        f"() => (document.querySelector('{PAGE_WIDGET}').dataset.error || '')"
        f".includes({json.dumps(expected)})",
        timeout=60_000,
    )
    text = status.inner_text()
    assert "\n" not in text and widget.get_attribute("data-error") == text


def test_each_failure_in_the_page_is_one_line_and_the_kernel_mode_still_works(
    both_modes: BrowserPage, jupyterlab: JupyterLab
) -> None:
    page = both_modes.page
    widget = page.locator(PAGE_WIDGET)
    widget.scroll_into_view_if_needed()
    button = widget.locator("button").first

    page.evaluate("() => { window.savedWebAssembly = WebAssembly; delete window.WebAssembly; }")
    button.click()
    _one_red_line(widget, "no WebAssembly")
    page.evaluate("() => { window.WebAssembly = window.savedWebAssembly; }")

    jupyterlab.evaluate(NOTEBOOK, BREAK_THE_PAGE_MODEL)
    button.click()
    _one_red_line(widget, "could not load the recogniser")
    jupyterlab.evaluate(NOTEBOOK, "exec('camera._page_model = _good_model')")

    page.evaluate(
        "() => { window.realCamera = navigator.mediaDevices.getUserMedia;"
        " navigator.mediaDevices.getUserMedia = () =>"
        " Promise.reject(new DOMException('Requested device not found', 'NotFoundError')); }"
    )
    button.click()
    _one_red_line(widget, "the browser gave no camera")
    assert button.inner_text() == "Start camera"
    page.evaluate("() => { navigator.mediaDevices.getUserMedia = window.realCamera; }")

    kernel_widget = page.locator(KERNEL_WIDGET)
    kernel_widget.scroll_into_view_if_needed()
    kernel_widget.locator("button").click()
    page.wait_for_function(_faces_shown(KERNEL_WIDGET), timeout=60_000)
    assert "in the kernel" in kernel_widget.locator(".ferlib-status").inner_text()
    kernel_widget.locator("button", has_text="Stop camera").click()

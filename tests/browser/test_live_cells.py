"""Notebook 06's live cells in a real browser: the browser camera (Chromium's fake camera playing a
video of a real face photo) and the kernel camera driven by a video file."""

from __future__ import annotations

import re
import time

import pytest
from jupyter_lab import ARTIFACTS, BrowserPage, JupyterLab, open_notebook, run_all_cells

from ferlib.labels import EMOTIONS

pytestmark = pytest.mark.browser
NOTEBOOK = "notebooks/06_live_detection.ipynb"


def _widget_button(page: object, label: str) -> object:
    """An ipywidgets button by its exact label (its icon has no text)."""
    return page.locator("button.widget-button", has_text=re.compile(rf"^\s*{label}\s*$"))  # type: ignore[attr-defined]


@pytest.fixture
def live_notebook(page: BrowserPage, jupyterlab: JupyterLab) -> BrowserPage:
    """Notebook 06 with every cell run (quick mode), its two live widgets on the page."""
    open_notebook(page, jupyterlab, NOTEBOOK)
    run_all_cells(page)
    page.page.locator(".ferlib-browser-camera button").wait_for(timeout=180_000)
    return page


def test_browser_camera_draws_the_face_and_its_emotion(
    live_notebook: BrowserPage, jupyterlab: JupyterLab
) -> None:
    page = live_notebook.page
    widget = page.locator(".ferlib-browser-camera")
    widget.scroll_into_view_if_needed()
    widget.locator("button").click()
    page.wait_for_function(
        "() => Number(document.querySelector('.ferlib-browser-camera').dataset.faces || 0) > 0",
        timeout=60_000,
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    widget.screenshot(path=ARTIFACTS / "browser_camera.png")

    shown = widget.get_attribute("data-emotions").split(",")
    assert shown and all(emotion in EMOTIONS for emotion in shown)
    assert any(emotion in widget.locator(".ferlib-status").inner_text() for emotion in shown)
    pixels = "c.getContext('2d').getImageData(0, 0, c.width, c.height).data"
    opaque = f"c => {pixels}.filter((value, index) => index % 4 == 3 && value).length"
    painted = widget.locator("canvas.ferlib-overlay").evaluate(opaque)
    assert painted > 500, "the face box and label were not drawn over the picture"

    received = jupyterlab.evaluate(NOTEBOOK, "{'frames': camera.frames_received, 'faces': camera.last_faces}")
    assert received["frames"] >= 1
    assert received["faces"], "the kernel found no face in the frames the browser sent"
    x, y, w, h = received["faces"][0]["box"]
    assert w > 40 and h > 40 and x >= 0 and y >= 0  # a real face box inside a 480-pixel-wide frame
    assert received["faces"][0]["emotion"] in EMOTIONS

    widget.locator("button", has_text="Stop camera").click()
    assert widget.locator(".ferlib-status").inner_text() == "camera off"
    # A reply still in flight when the camera stops must not bring the old faces back.
    late_reply = "{'type': 'faces', 'faces': camera.last_faces, 'width': 480, 'milliseconds': 1}"
    jupyterlab.evaluate(NOTEBOOK, f"camera.send({late_reply})")
    page.wait_for_timeout(2_000)  # a reply on localhost arrives in milliseconds
    assert widget.locator(".ferlib-status").inner_text() == "camera off"
    assert widget.locator("canvas.ferlib-overlay").evaluate(opaque) == 0
    assert live_notebook.errors == []


#: In the page: the first ``toBlob`` gives ``null`` (as a browser may, for a frame it cannot encode), and
#: every text the status line shows is kept, however briefly, in ``window.ferlibStatuses``.
NULL_BLOB_ONCE = """() => {
  const real = HTMLCanvasElement.prototype.toBlob;
  let nulls = 1;
  HTMLCanvasElement.prototype.toBlob = function (callback, ...rest) {
    if (nulls > 0) { nulls -= 1; setTimeout(() => callback(null), 0); return; }
    return real.call(this, callback, ...rest);
  };
  window.ferlibStatuses = [];
  const status = document.querySelector(".ferlib-browser-camera .ferlib-status");
  new MutationObserver(() => window.ferlibStatuses.push(status.textContent))
    .observe(status, { childList: true, characterData: true, subtree: true });
}"""
BREAK_THE_MODEL = """exec('''
class _Broken:
    def recognize(self, frame):
        raise RuntimeError("the model is broken")
_working, camera.recognizer = camera.recognizer, _Broken()
''')"""


def test_browser_camera_keeps_going_after_a_null_blob_and_a_kernel_error(
    live_notebook: BrowserPage, jupyterlab: JupyterLab
) -> None:
    page = live_notebook.page
    widget = page.locator(".ferlib-browser-camera")
    widget.scroll_into_view_if_needed()
    page.evaluate(NULL_BLOB_ONCE)
    faces_shown = "() => Number(document.querySelector('.ferlib-browser-camera').dataset.faces || 0) > 0"
    widget.locator("button").click()
    page.wait_for_function(faces_shown, timeout=60_000)  # the loop went on after the frame it lost
    statuses = page.evaluate("window.ferlibStatuses")
    assert any("could not encode" in text for text in statuses), statuses

    jupyterlab.evaluate(NOTEBOOK, BREAK_THE_MODEL)
    status = widget.locator(".ferlib-status")
    page.wait_for_function(
        "() => (document.querySelector('.ferlib-browser-camera').dataset.error || '').includes('broken')",
        timeout=60_000,
    )
    assert status.inner_text() == "kernel: RuntimeError: the model is broken"
    assert widget.locator("button").inner_text() == "Stop camera"  # the camera stays on
    # ... and frames keep coming while the model fails: each error was an answer, not a stall.
    frames, deadline = jupyterlab.evaluate(NOTEBOOK, "camera.frames_received"), time.monotonic() + 60
    while jupyterlab.evaluate(NOTEBOOK, "camera.frames_received") < frames + 2:
        assert time.monotonic() < deadline, "no frame came after the kernel reported an error"
        page.wait_for_timeout(500)
    assert "broken" in status.inner_text()

    jupyterlab.evaluate(NOTEBOOK, "exec('camera.recognizer = _working')")
    page.wait_for_function(
        "() => !document.querySelector('.ferlib-browser-camera').dataset.error"
        " && Number(document.querySelector('.ferlib-browser-camera').dataset.faces || 0) > 0",
        timeout=60_000,
    )
    widget.locator("button", has_text="Stop camera").click()
    assert status.inner_text() == "camera off"
    assert live_notebook.errors == []


#: In the kernel: the answer to the next frame is lost on its way to the page, once.
LOSE_ONE_ANSWER = """exec('''
_send = camera.send
def _lose_one(*args, **kwargs):
    camera.send = _send
camera.send = _lose_one
''')"""


def test_browser_camera_sends_a_new_frame_when_an_answer_is_lost(
    live_notebook: BrowserPage, jupyterlab: JupyterLab
) -> None:
    page = live_notebook.page
    widget = page.locator(".ferlib-browser-camera")
    widget.scroll_into_view_if_needed()
    page.evaluate(NULL_BLOB_ONCE.replace("let nulls = 1", "let nulls = 0"))  # keep the status texts only
    jupyterlab.evaluate(NOTEBOOK, LOSE_ONE_ANSWER)
    received = jupyterlab.evaluate(NOTEBOOK, "camera.frames_received")
    widget.locator("button").click()
    page.wait_for_function(  # the lost answer is reported, given up, and the next frame is answered
        "() => Number(document.querySelector('.ferlib-browser-camera').dataset.faces || 0) > 0",
        timeout=60_000,
    )
    statuses = page.evaluate("window.ferlibStatuses")
    assert any("no answer from the kernel" in text for text in statuses), statuses
    assert jupyterlab.evaluate(NOTEBOOK, "camera.frames_received") >= received + 2
    widget.locator("button", has_text="Stop camera").click()
    assert live_notebook.errors == []


def test_kernel_camera_starts_shows_frames_and_releases_the_video(
    live_notebook: BrowserPage, jupyterlab: JupyterLab
) -> None:
    page = live_notebook.page
    start = _widget_button(page, "Start")
    start.scroll_into_view_if_needed()
    start.click()
    page.get_by_text(re.compile(r"^\d+(\.\d)? FPS$")).wait_for(timeout=60_000)
    assert page.locator(".widget-image").first.get_attribute("src").startswith("blob:")
    _widget_button(page, "Stop").click()
    page.get_by_text("stopped; source released").wait_for(timeout=30_000)

    state = jupyterlab.evaluate(
        NOTEBOOK,
        "{'released': view.loop.released, 'running': view.loop.running, 'processed': view.loop.processed,"
        " 'last': view.loop.last.index, 'faces': [face.emotion for face in view.loop.last.faces]}",
    )
    assert state["released"] and not state["running"]
    # Frames were recognised, each read frame at most once (numbered from 1, older ones dropped), and
    # the last one shown holds the video's face with its emotion.
    assert 1 <= state["processed"] <= state["last"]
    assert len(state["faces"]) == 1 and state["faces"][0] in EMOTIONS
    assert live_notebook.errors == []

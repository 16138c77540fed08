"""The browser-camera widget's kernel side, driven with real JPEG bytes as the browser sends them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import cv2
import pytest

from ferlib.browser_camera import PAGE_MODEL, BrowserCamera
from ferlib.errors import ConfigError
from ferlib.labels import EMOTIONS
from ferlib.recognizer import EmotionRecognizer
from ferlib.samples import grace_hopper

from synthetic import tiny_model


@pytest.fixture()
def camera() -> BrowserCamera:
    return BrowserCamera(EmotionRecognizer(tiny_model()))


def jpeg_of_grace_hopper(width: int = 480) -> bytes:
    portrait = cv2.imread(str(grace_hopper()))
    scaled = cv2.resize(portrait, (width, round(portrait.shape[0] * width / portrait.shape[1])))
    ok, encoded = cv2.imencode(".jpg", scaled, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return encoded.tobytes()


def test_a_frame_from_the_browser_comes_back_as_faces(camera: BrowserCamera) -> None:
    sent = []
    camera.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    camera._on_message(
        camera, {"type": "frame", "width": 480, "height": 562}, [memoryview(jpeg_of_grace_hopper())]
    )
    assert camera.frames_received == 1
    assert (
        len(sent) == 1 and sent[0]["type"] == "faces" and sent[0]["width"] == 480 and sent[0]["error"] is None
    )
    (face,) = sent[0]["faces"]
    x, y, w, h = face["box"]
    assert 150 < x + w / 2 < 330 and 100 < y + h / 2 < 260  # her face, in the 480-pixel-wide frame
    assert face["emotion"] in face["scores"] and camera.last_faces == sent[0]["faces"]


def test_a_broken_frame_is_reported_not_dropped(camera: BrowserCamera) -> None:
    sent = []
    camera.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    camera._on_message(camera, {"type": "frame", "width": 480}, [b"\xff\xd8 not really a jpeg"])
    assert sent[0]["faces"] == [] and "not a decodable JPEG" in sent[0]["error"]
    assert camera.frames_received == 1


def test_other_messages_are_ignored(camera: BrowserCamera) -> None:
    camera._on_message(camera, {"type": "hello"}, [])
    assert camera.frames_received == 0


def test_the_front_end_module_ships_with_the_package() -> None:
    esm = BrowserCamera._esm
    text = esm.read_text() if hasattr(esm, "read_text") else str(esm)
    assert "getUserMedia" in text and "msg:custom" in text and "export default" in text


class BrokenModel:
    """A recognizer whose model fails the way a real one can (out of memory, a bad backend)."""

    def recognize(self, frame: object) -> list:
        raise RuntimeError("CUDA out of memory")


def _sending(camera: BrowserCamera) -> list[dict]:
    sent: list[dict] = []
    camera.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    return sent


def _send_frame(camera: BrowserCamera, seq: int, buffers: list | None = None) -> None:
    """What the page sends: a numbered frame message with the JPEG as its one buffer."""
    jpeg = [memoryview(jpeg_of_grace_hopper())] if buffers is None else buffers
    camera._on_message(camera, {"type": "frame", "seq": seq, "width": 480}, jpeg)


def test_every_frame_gets_one_answer_even_when_the_model_raises(camera: BrowserCamera) -> None:
    working = camera.recognizer
    sent = _sending(camera)
    camera.recognizer = BrokenModel()  # type: ignore[assignment]
    _send_frame(camera, 7)
    assert len(sent) == 1
    assert sent[0]["type"] == "faces" and sent[0]["seq"] == 7 and sent[0]["faces"] == []
    assert sent[0]["error"] == "RuntimeError: CUDA out of memory"  # one line for the status line
    assert isinstance(camera.last_error, RuntimeError) and camera.frames_received == 1
    # The policy is to keep going: once the model works again, the next frame is recognised as usual.
    camera.recognizer = working
    _send_frame(camera, 8)
    assert len(sent) == 2 and sent[1]["seq"] == 8 and sent[1]["error"] is None and len(sent[1]["faces"]) == 1
    assert camera.last_error is None and camera.frames_received == 2


def test_a_frame_message_without_its_jpeg_is_answered(camera: BrowserCamera) -> None:
    sent = _sending(camera)
    _send_frame(camera, 1, [])
    _send_frame(camera, 2, [b""])
    assert [reply["seq"] for reply in sent] == [1, 2]
    assert "without its JPEG" in sent[0]["error"] and "not a decodable JPEG" in sent[1]["error"]


def test_the_answer_goes_out_even_when_updating_the_widget_fails(
    camera: BrowserCamera, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = _sending(camera)
    monkeypatch.setattr(BrowserCamera, "last_faces", property(lambda self: [], _raise_on_set))
    with pytest.raises(OSError, match="comm closed"):
        _send_frame(camera, 3)
    assert len(sent) == 1 and sent[0]["seq"] == 3 and len(sent[0]["faces"]) == 1


def _raise_on_set(self: BrowserCamera, value: object) -> None:
    raise OSError("comm closed")


#: A stand-in for the page, enough to run the widget's front end in Node: DOM elements, a camera stream,
#: a canvas whose ``toBlob`` yields what the test queues (``null`` included), a clock, and the model.
PAGE = r"""
class Element {
  constructor(tag) {
    this.tagName = tag; this.children = []; this.dataset = {}; this.listeners = {}; this.textContent = "";
    const classes = new Set();
    this.classList = { add: (c) => classes.add(c), contains: (c) => classes.has(c),
                       toggle: (c, on) => (on ? classes.add(c) : classes.delete(c)) };
  }
  append(...children) { this.children.push(...children); }
  addEventListener(type, listener) { (this.listeners[type] ||= []).push(listener); }
  click() { for (const listener of this.listeners.click || []) listener(); }
  getContext() {
    const nothing = () => {};
    return { canvas: this, clearRect: nothing, drawImage: nothing, strokeRect: nothing, fillRect: nothing,
             fillText: nothing, measureText: () => ({ width: 40 }) };
  }
  toBlob(callback) { const blob = blobs.shift(); setTimeout(() => callback(blob), 0); }
}
const blobs = [];
const jpeg = { arrayBuffer: async () => new ArrayBuffer(8) };
let clock = 0, tick = null;
const track = { stopped: false, stop() { this.stopped = true; }, addEventListener() {} };
const stream = { getTracks: () => [track], getVideoTracks: () => [track] };
const define = (name, value) => Object.defineProperty(globalThis, name, { value, configurable: true });
define("document", { createElement: (tag) => Object.assign(new Element(tag), tag === "video"
  ? { videoWidth: 640, videoHeight: 480, clientWidth: 640, clientHeight: 480 } : { width: 0, height: 0 }) });
define("navigator", { mediaDevices: { getUserMedia: async () => stream } });
define("performance", { now: () => clock });
define("setInterval", (callback) => { tick = callback; return 1; });
define("clearInterval", () => { tick = null; });

const sent = [];
let reply = null;
const settings = { frame_width: 480, max_fps: 8, autostart: false };
const model = { get: (name) => settings[name], send: (content, _, buffers) => sent.push({ content, buffers }),
                on: (event, handler) => { if (event === "msg:custom") reply = handler; } };
const { default: widget } = await import(process.argv[1]);
const el = new Element("div");
widget.render({ model, el });
const [button, status] = el.children;
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const log = {};
const look = (name) => (log[name] = { status: status.textContent, error: el.dataset.error ?? null,
  red: status.classList.contains("ferlib-error"), sent: sent.map((m) => m.content.seq) });
const answer = (seq, extra) =>
  reply({ type: "faces", seq, faces: [], width: 480, milliseconds: 4, error: null, ...extra });
const face = { box: [100, 80, 120, 120], emotion: "happy", scores: { happy: 0.9 } };

button.click(); await settle(); look("started");
blobs.push(null); tick(); await settle(); look("null blob");
blobs.push(jpeg); tick(); await settle(); look("next tick");
tick(); clock += 6000; tick(); look("kernel silent");
answer(log["next tick"].sent[0], { error: "RuntimeError: CUDA out of memory" }); look("kernel error");
blobs.push(jpeg); tick(); await settle(); look("after the error");
answer(log["next tick"].sent[0], { faces: [face] }); look("stale answer");
answer(sent.at(-1).content.seq, { faces: [face] }); look("faces");
blobs.push(jpeg); tick(); await settle();
button.click(); look("stopped");
answer(sent.at(-1).content.seq, { faces: [face] }); look("late answer");
log.buffers = sent.map((m) => m.buffers.length);
log.trackStopped = track.stopped;
console.log(JSON.stringify(log));
"""


def _node() -> str:
    """Node.js, which runs the widget's front end here; where it is missing the test skips, saying so,
    except under ``CI``, where it fails (CI must run the front end's tests)."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI must run the browser camera's front-end tests: Node.js is not installed", pytrace=False
            )
        pytest.skip("Node.js is not installed (Debian: apt install nodejs)")
    return node


def test_the_front_end_never_stalls_on_a_null_blob_or_a_kernel_error(tmp_path: Path) -> None:
    """The page's own logic, run in Node (headless Chromium runs it for real in tests/browser)."""
    node = _node()
    esm = BrowserCamera._esm
    module = tmp_path / "browser_camera.mjs"  # .mjs: an ES module whatever Node's version
    module.write_text(esm.read_text() if hasattr(esm, "read_text") else str(esm))
    run = subprocess.run(
        [node, "--input-type=module", "-e", PAGE, module.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    log = json.loads(run.stdout)
    assert log["started"]["status"] == "camera on" and log["started"]["sent"] == []
    # ``toBlob`` gave nothing: no frame goes out, the status says so, and the next tick tries again.
    assert "could not encode" in log["null blob"]["status"] and log["null blob"]["red"]
    assert log["null blob"]["sent"] == []
    assert len(log["next tick"]["sent"]) == 1
    # One frame at a time: a silent kernel gets no second frame, but the user is told.
    assert log["kernel silent"]["sent"] == log["next tick"]["sent"]
    assert log["kernel silent"]["status"].startswith("no answer from the kernel for 6 s")
    # A kernel error is shown in the status line, and the next frame goes out: the camera keeps going.
    assert log["kernel error"]["status"] == "kernel: RuntimeError: CUDA out of memory"
    assert log["kernel error"]["red"] and log["kernel error"]["error"] == log["kernel error"]["status"]
    assert len(log["after the error"]["sent"]) == 2
    assert log["stale answer"]["status"] == log["kernel error"]["status"]  # an old frame's answer
    assert log["faces"]["status"].startswith("happy") and log["faces"]["error"] is None
    assert not log["faces"]["red"]
    assert log["stopped"]["status"] == "camera off" and log["late answer"]["status"] == "camera off"
    assert log["trackStopped"] and log["buffers"] == [1, 1, 1]
    assert len(set(log["late answer"]["sent"])) == 3  # every frame numbered differently


INSECURE_PAGE = (
    PAGE.split("const sent = [];")[0].replace(
        'define("navigator", { mediaDevices: { getUserMedia: async () => stream } });',
        'define("navigator", {}); define("isSecureContext", false);',
    )
    + """
const model = { get: () => undefined, send: () => {}, on: () => {} };
const { default: widget } = await import(process.argv[1]);
const el = new Element("div");
widget.render({ model, el });
el.children[0].click();
await new Promise((resolve) => setTimeout(resolve, 20));
console.log(JSON.stringify({ status: el.children[1].textContent }));
"""
)


def test_a_page_that_is_not_secure_is_told_why_there_is_no_camera(tmp_path: Path) -> None:
    """Over plain http from another machine, browsers hide the camera: the widget says what to do."""
    node = _node()
    module = tmp_path / "browser_camera.mjs"
    esm = BrowserCamera._esm
    module.write_text(esm.read_text() if hasattr(esm, "read_text") else str(esm))
    run = subprocess.run([node, "--input-type=module", "-e", INSECURE_PAGE, module.as_uri()],
                         capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "only to pages served over HTTPS or from localhost" in json.loads(run.stdout)["status"]


def test_the_text_form_says_what_the_widget_is_without_a_memory_address(camera: BrowserCamera) -> None:
    assert repr(camera) == "BrowserCamera(where='kernel', frame_width=480, max_fps=8, frames_received=0)"


# ---- where="browser": recognition in the page; the kernel serves files and receives results only ----


@pytest.fixture()
def page_camera() -> BrowserCamera:
    return BrowserCamera(where="browser")


def test_the_mode_is_checked() -> None:
    with pytest.raises(ConfigError, match="where must be one of kernel, browser"):
        BrowserCamera(where="server")


def test_the_page_gets_the_runtime_its_script_and_the_three_models(page_camera: BrowserCamera) -> None:
    sent: list[tuple[dict, list]] = []
    page_camera.send = lambda content, buffers=None: sent.append((content, buffers))  # type: ignore[method-assign]
    page_camera._on_message(page_camera, {"type": "load"}, [])
    # litert.js, its glue script and WebAssembly, browser_recognizer.js, 3 models: a message each, each
    # under the 10 MiB a tornado-based relay lets a websocket message carry
    assert [(content["type"], content["index"], content["count"]) for content, _ in sent] == [
        ("files", index, 7) for index in range(7)
    ]
    assert all(content["error"] is None and len(parts) == 1 for content, parts in sent)
    buffers = [parts[0] for _, parts in sent]
    assert max(map(len, buffers)) < 10 * 2**20
    content = sent[0][0]
    assert buffers[0].startswith(b"// @litertjs/core") and buffers[2][:4] == b"\0asm"
    assert b"export function createRecognizer" in buffers[3]
    assert all(model[4:8] == b"TFL3" for model in buffers[4:])  # the .tflite files' identifier
    settings = content["settings"]
    assert settings["emotions"] == list(EMOTIONS) and settings["framing"] == {
        "margin": 0.1,
        "offset": 0.0,
        "square": False,
    }
    assert settings["detector"]["models"]["full_range"] == {"side": 192, "grids": [[48, 1]]}


def test_a_file_the_page_needs_that_cannot_be_read_is_one_line(
    page_camera: BrowserCamera, tmp_path: Path
) -> None:
    sent: list[dict] = []
    page_camera.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    page_camera._page_model = tmp_path / "missing.tflite"
    page_camera._on_message(page_camera, {"type": "load"}, [])
    assert sent[0]["type"] == "files" and "could not read the files the page needs" in sent[0]["error"]
    assert "\n" not in sent[0]["error"]


def test_the_kernel_keeps_the_page_results_and_ignores_frames(page_camera: BrowserCamera) -> None:
    sent = _sending(page_camera)
    face = {"box": [1, 2, 30, 30], "emotion": "happy", "scores": dict.fromkeys(EMOTIONS, 1 / 7)}
    page_camera._on_message(page_camera, {"type": "results", "seq": 4, "faces": [face], "width": 480}, [])
    assert page_camera.frames_received == 1 and page_camera.last_faces == [face]
    _send_frame(page_camera, 5)  # the browser mode recognises nothing in the kernel, even if sent a frame
    assert sent == [] and page_camera.frames_received == 1 and page_camera.recognizer is None


def test_the_page_runs_blazeface_only() -> None:
    with pytest.raises(ConfigError, match="the page runs BlazeFace only"):
        BrowserCamera(EmotionRecognizer(tiny_model(), detector="haar"), where="browser")


def test_the_page_model_is_the_shipped_default_model() -> None:
    """ferlib/static/models/ferlib_fer2013.tflite was exported from the shipped model (web/export_model.py):
    it gives the Keras model's scores on real faces, with a batch of one as LiteRT.js needs."""
    from ferlib.pretrained import load_pretrained
    from ferlib.tflite import TFLiteModel

    page_model = TFLiteModel(PAGE_MODEL)
    assert page_model._input["shape_signature"].tolist() == [1, 48, 48, 1]
    portrait = cv2.cvtColor(cv2.imread(str(grace_hopper())), cv2.COLOR_BGR2GRAY)
    crops = [
        cv2.resize(portrait[y : y + 300, x : x + 300], (48, 48)) for x, y in ((150, 80), (120, 60), (0, 0))
    ]
    keras_model = load_pretrained()
    for crop in crops:
        batch = crop[None, ..., None].astype("float32")
        assert abs(page_model.predict_on_batch(batch) - keras_model.predict_on_batch(batch)).max() < 0.01


def test_a_snapshot_click_saves_its_png_without_overwriting(tmp_path: Path) -> None:
    camera = BrowserCamera(where="browser", snapshot_dir=tmp_path / "snaps")
    sent = _sending(camera)
    ok, png = cv2.imencode(".png", cv2.imread(str(grace_hopper())))
    assert ok
    face = {"box": [1, 2, 30, 30], "emotion": "sad", "scores": dict.fromkeys(EMOTIONS, 1 / 7)}
    for _ in range(2):
        camera._on_message(camera, {"type": "snapshot", "faces": [face]}, [memoryview(png.tobytes())])
    assert [reply["error"] for reply in sent] == [None, None] and len(set(camera.snapshots)) == 2
    assert all(path.read_bytes() == png.tobytes() for path in camera.snapshots)
    assert sent[1]["path"] == str(camera.snapshots[1]) and camera.last_faces == [face]
    camera._on_message(camera, {"type": "snapshot", "faces": []}, [b"not a picture"])
    assert sent[2]["error"] == "snapshot not saved: the browser sent a snapshot that is not a decodable PNG"
    assert len(camera.snapshots) == 2

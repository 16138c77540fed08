"""A webcam cell that works wherever the kernel runs: the camera is the browser's, not the server's.

``BrowserCamera`` (an anywidget) opens the browser's camera with getUserMedia and draws faces and
emotions over the live picture. It works in JupyterLab on a laptop and equally on JupyterHub, Binder or
Colab, where ``cv2.VideoCapture(0)`` would look for a camera on the server. Where the recognition runs:

- ``where="browser"`` (the one to use on a hosted kernel): the face detector and the emotion model run
  in the page with LiteRT.js (WebAssembly), on the same ``.tflite`` files and with the same steps as
  ``EmotionRecognizer`` with BlazeFace (``ferlib/static/browser_recognizer.js``). The runtime and the
  models come from the installed package through the widget's own channel (nothing from a CDN), and
  frames never leave the browser: the kernel receives no pixels, and results only while
  ``share_results`` is on (the widget's "Send results to the kernel" box); a picture only when the learner
  clicks "Snapshot" (the frame with its faces drawn, saved as a PNG in ``snapshot_dir``).
- ``where="kernel"`` (the default): the browser sends JPEG frames to the kernel, which recognises them
  with ``recognizer`` and answers each with the faces found.

In the kernel mode every frame gets exactly one answer. The browser sends one frame at a time, numbered
(``seq``), and the kernel answers each with one ``faces`` message carrying the same number: the faces
found, or, whatever went wrong (an undecodable frame, the model raising, anything else), no faces and
the error as one line. The policy on an error is to keep going: the browser shows the message in the
widget's status line (in red), keeps the camera on and sends the next frame, so one bad frame costs one
frame and a lasting problem stays on screen until it is fixed or the user presses "Stop camera". The
kernel keeps the last exception in ``camera.last_error`` (``None`` after a good frame).

On the page, a frame the browser fails to grab or encode (``canvas.toBlob`` giving nothing) is skipped
with a status message and the next tick tries again; a kernel that has not answered for a few seconds
(busy running another cell) is said so in the status line. Answers that arrive after "Stop camera", or
that belong to an earlier frame, are ignored. In the browser mode, a browser without WebAssembly, a
runtime or model that fails to load, or no camera each give one line in the widget, and so do the
runtime and models not arriving within 20 s (a busy kernel, or a proxy that drops large websocket
messages); pressing "Start camera" again asks for them afresh.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anywidget
import cv2
import numpy as np
import traitlets

from ferlib.errors import ConfigError, UnreadableImageError
from ferlib.faces import FRAMINGS, blazeface
from ferlib.imageops import FACE_SIZE
from ferlib.labels import EMOTIONS
from ferlib.live import error_message
from ferlib.recognizer import EmotionRecognizer

_STATIC = Path(__file__).with_name("static")
WHERE = ("kernel", "browser")
#: The files the page needs, in the order they travel (LiteRT.js, vendored by web/vendor.mjs).
RUNTIME_FILES = (
    "litert/litert.js",
    "litert/litert_wasm_compat_internal.js",
    "litert/litert_wasm_compat_internal.wasm",
)
PAGE_SCRIPT = "browser_recognizer.js"
#: The shipped default model with a batch of one (LiteRT.js cannot resize inputs): web/export_model.py.
PAGE_MODEL = _STATIC / "models" / "ferlib_fer2013.tflite"


class BrowserCamera(anywidget.AnyWidget):
    """The browser's camera with faces and emotions drawn over the picture, recognised in the kernel
    (``where="kernel"``) or in the page (``where="browser"``: frames stay on the learner's device).

    ``recognizer``: the ``EmotionRecognizer`` (default: the shipped model with BlazeFace); in the
    browser mode its detector must be BlazeFace, and its model (Keras or ``.tflite`` with a batch of
    one) is exported for the page when it is not the shipped default.
    """

    _esm = _STATIC / "browser_camera.js"
    _css = _STATIC / "browser_camera.css"
    where = traitlets.Unicode("kernel").tag(sync=True)
    frame_width = traitlets.Int(480).tag(sync=True)  # frames are scaled to this width before recognition
    max_fps = traitlets.Float(8.0).tag(sync=True)
    autostart = traitlets.Bool(False).tag(sync=True)
    share_results = traitlets.Bool(False).tag(sync=True)  # browser mode: send each frame's results here
    frames_received = traitlets.Int(0).tag(sync=True)  # frames (kernel mode) or results (browser mode)
    last_faces: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)

    def __init__(
        self,
        recognizer: EmotionRecognizer | None = None,
        where: str = "kernel",
        snapshot_dir: str | Path = "snapshots",
        **kwargs: Any,
    ) -> None:
        if where not in WHERE:
            raise ConfigError(f"where must be one of {', '.join(WHERE)}, got {where!r}")
        super().__init__(where=where, **kwargs)
        self._page_model: Path | None = None
        self.snapshot_dir = Path(snapshot_dir)
        self.snapshots: list[Path] = []  # the PNGs saved on "Snapshot" clicks, oldest first
        if where == "browser":
            self._page_settings = page_settings(recognizer)
            self._page_model = PAGE_MODEL if recognizer is None else export_page_model(recognizer.model)
            self.recognizer = recognizer
        else:
            self.recognizer = recognizer or EmotionRecognizer()
        self.last_error: Exception | None = None  # why the last frame gave no result; None when it did
        self.on_msg(self._on_message)

    def __repr__(self) -> str:
        """What a notebook shows where the widget cannot be drawn (a saved notebook on GitHub, a terminal)."""
        return (
            f"BrowserCamera(where={self.where!r}, frame_width={self.frame_width}, max_fps={self.max_fps:g}, "
            f"frames_received={self.frames_received})"
        )

    def handle_frame(self, jpeg: bytes) -> list[dict[str, Any]]:
        """Recognise one JPEG frame from the browser; faces as ``FaceEmotion.to_dict()`` objects."""
        frame = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR) if jpeg else None
        if frame is None:
            raise UnreadableImageError("the browser sent a frame that is not a decodable JPEG")
        assert self.recognizer is not None  # the kernel mode always has one
        return [face.to_dict() for face in self.recognizer.recognize(frame)]

    def _on_message(self, _: object, content: dict[str, Any], buffers: Sequence[bytes | memoryview]) -> None:
        kind = content.get("type")
        if kind == "frame" and self.where == "kernel":
            self._answer_frame(content, buffers)
        elif kind == "load" and self._page_model is not None:
            self._send_page_files()
        elif kind == "snapshot" and self.where == "browser":
            self._save_snapshot(content, buffers)
        elif kind == "results" and self.where == "browser":
            self.frames_received += 1
            self.last_faces = content.get("faces") or []

    def _save_snapshot(self, content: dict[str, Any], buffers: Sequence[bytes | memoryview]) -> None:
        """Save the PNG the learner's click sent (never overwriting a file) and say where, or why not."""
        png = bytes(buffers[0]) if buffers else b""
        try:
            if not png or cv2.imdecode(np.frombuffer(png, dtype=np.uint8), cv2.IMREAD_COLOR) is None:
                raise UnreadableImageError("the browser sent a snapshot that is not a decodable PNG")
            self.snapshot_dir.mkdir(parents=True, exist_ok=True)
            stem = f"ferlib-{time.strftime('%Y%m%d-%H%M%S')}"
            path, number = self.snapshot_dir / f"{stem}.png", 1
            while path.exists():
                number += 1
                path = self.snapshot_dir / f"{stem}-{number}.png"
            path.write_bytes(png)
        except Exception as problem:  # one line in the widget; the camera goes on
            self.send({"type": "snapshot", "error": f"snapshot not saved: {error_message(problem)}"})
            return
        self.snapshots.append(path)
        self.last_faces = content.get("faces") or []
        self.send({"type": "snapshot", "path": str(path), "error": None})

    def _send_page_files(self) -> None:
        """The runtime, the page's script and the three models, to the page that asked, a message each;
        or why not."""
        assert self._page_model is not None
        try:
            paths = [_STATIC / name for name in (*RUNTIME_FILES, PAGE_SCRIPT)]
            paths += [blazeface.model_path(spec.file) for spec in blazeface.MODELS.values()]
            files = [path.read_bytes() for path in (*paths, self._page_model)]
        except Exception as problem:  # the page shows it as its one line; the kernel mode is unaffected
            self.send(
                {
                    "type": "files",
                    "error": f"could not read the files the page needs: {error_message(problem)}",
                }
            )
            return
        # one message per file: the largest (LiteRT's WebAssembly, 9.3 MB) stays under the 10 MiB that
        # tornado-based relays (jupyter-server-proxy) let a websocket message carry; 13 MB in one would not
        for index, data in enumerate(files):
            self.send(
                {"type": "files", "settings": self._page_settings, "error": None, "index": index,
                 "count": len(files)},
                buffers=[data],
            )  # fmt: skip

    def _answer_frame(self, content: dict[str, Any], buffers: Sequence[bytes | memoryview]) -> None:
        start = time.perf_counter()
        faces: list[dict[str, Any]] = []
        error: str | None = None
        try:
            if not buffers:
                raise UnreadableImageError("the browser sent a frame message without its JPEG")
            faces = self.handle_frame(bytes(buffers[0]))
            self.last_error = None
        except Exception as problem:  # any failure is this frame's answer: the page must never wait forever
            faces, error, self.last_error = [], error_message(problem), problem
        try:
            self.frames_received += 1
            self.last_faces = faces
        finally:  # the answer goes out even if updating the widget's state failed
            self.send({
                "type": "faces",
                "seq": content.get("seq"),
                "faces": faces,
                "width": content.get("width"),
                "milliseconds": round((time.perf_counter() - start) * 1000),
                "error": error,
            })  # fmt: skip


def page_settings(recognizer: EmotionRecognizer | None) -> dict[str, Any]:
    """What the page's recognizer needs besides the model files: the emotions in the model's order, the
    crop's framing and alignment, and BlazeFaceDetector's settings (the defaults without ``recognizer``)."""
    detector = blazeface.BlazeFaceDetector() if recognizer is None else recognizer.detector
    if not isinstance(detector, blazeface.BlazeFaceDetector):
        raise ConfigError(
            f"the page runs BlazeFace only; this recognizer detects with {type(detector).__name__}"
        )
    framing = FRAMINGS["blazeface"] if recognizer is None else recognizer.framing
    return {
        "emotions": list(EMOTIONS),
        "face_size": FACE_SIZE,
        "framing": dataclasses.asdict(framing),
        "align": True if recognizer is None else recognizer.align,
        "detector": {
            "min_score": detector.full_range.min_score,
            "overlap": detector.full_range.overlap,
            "models": {
                name: {"side": spec.side, "grids": [list(grid) for grid in spec.grids]}
                for name, spec in blazeface.MODELS.items()
            },
            "close_up": {
                "padding": blazeface.CLOSE_UP_PADDING,
                "widths": list(blazeface.CLOSE_UP_WIDTHS),
                "mid_width": blazeface.CLOSE_UP_MID_WIDTH,
                "mid_min_score": blazeface.CLOSE_UP_MID_MIN_SCORE,
                "mirror_min_score": blazeface.CLOSE_UP_MID_MIN_SCORE,  # detect_close_up's second look
                "mirror_look_min_score": blazeface.MIRROR_LOOK_MIN_SCORE,  # ... taken only above this
                "confirm_padding": blazeface.CONFIRM_PADDING,
                "confirm_min_score": blazeface.CONFIRM_MIN_SCORE,
            }
            if detector.close_ups
            else None,
        },
    }


def export_page_model(model: Any, destination: str | Path | None = None) -> Path:
    """``model`` as a ``.tflite`` file with a batch of one, as LiteRT.js runs it (it cannot resize an
    input): a ``.tflite`` model's own file, or a Keras model exported with ``export_tflite`` (float16)
    to ``destination`` (a temporary file by default)."""
    from ferlib.tflite import TFLiteModel, export_tflite

    if isinstance(model, TFLiteModel):
        return model.path
    import tensorflow as tf

    class _BatchOfOne:  # export_tflite calls model.export: fix the batch in the exported signature
        def export(self, path: str, **kwargs: Any) -> None:
            spec = tf.TensorSpec((1, FACE_SIZE, FACE_SIZE, 1), tf.float32)
            model.export(path, input_signature=[spec], **kwargs)

    if destination is None:
        destination = Path(tempfile.mkdtemp(prefix="ferlib-page-")) / "model.tflite"
    return export_tflite(_BatchOfOne(), destination)

"""A webcam cell that works wherever the kernel runs: the camera is the browser's, not the server's.

``BrowserCamera`` (an anywidget) opens the browser's camera with getUserMedia, sends JPEG frames to the
kernel, and draws the faces and emotions the kernel returns over the live picture. It works in
JupyterLab on a laptop and equally on JupyterHub, Binder or Colab, where ``cv2.VideoCapture(0)`` would
look for a camera on the server.

Every frame gets exactly one answer. The browser sends one frame at a time, numbered (``seq``), and the
kernel answers each with one ``faces`` message carrying the same number: the faces found, or, whatever
went wrong (an undecodable frame, the model raising, anything else), no faces and the error as one
line. The policy on an error is to keep going: the browser shows the message in the widget's status
line (in red), keeps the camera on and sends the next frame, so one bad frame costs one frame and a
lasting problem stays on screen until it is fixed or the user presses "Stop camera". The kernel keeps
the last exception in ``camera.last_error`` (``None`` after a good frame) for a closer look.

On the page, a frame the browser fails to grab or encode (``canvas.toBlob`` giving nothing) is skipped
with a status message and the next tick tries again; a kernel that has not answered for a few seconds
(busy running another cell) is said so in the status line. Answers that arrive after "Stop camera", or
that belong to an earlier frame, are ignored.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anywidget
import cv2
import numpy as np
import traitlets

from ferlib.errors import UnreadableImageError
from ferlib.live import error_message
from ferlib.recognizer import EmotionRecognizer

_STATIC = Path(__file__).with_name("static")


class BrowserCamera(anywidget.AnyWidget):
    """The browser's camera, recognised in the kernel, drawn over the picture in the browser."""

    _esm = _STATIC / "browser_camera.js"
    _css = _STATIC / "browser_camera.css"
    frame_width = traitlets.Int(480).tag(sync=True)  # frames are scaled to this width before sending
    max_fps = traitlets.Float(8.0).tag(sync=True)
    autostart = traitlets.Bool(False).tag(sync=True)
    frames_received = traitlets.Int(0).tag(sync=True)
    last_faces: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)

    def __init__(self, recognizer: EmotionRecognizer | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.recognizer = recognizer or EmotionRecognizer()
        self.last_error: Exception | None = None  # why the last frame gave no result; None when it did
        self.on_msg(self._on_message)

    def __repr__(self) -> str:
        """What a notebook shows where the widget cannot be drawn (a saved notebook on GitHub, a terminal)."""
        return (
            f"BrowserCamera(frame_width={self.frame_width}, max_fps={self.max_fps:g}, "
            f"frames_received={self.frames_received})"
        )

    def handle_frame(self, jpeg: bytes) -> list[dict[str, Any]]:
        """Recognise one JPEG frame from the browser; faces as ``FaceEmotion.to_dict()`` objects."""
        frame = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR) if jpeg else None
        if frame is None:
            raise UnreadableImageError("the browser sent a frame that is not a decodable JPEG")
        return [face.to_dict() for face in self.recognizer.recognize(frame)]

    def _on_message(self, _: object, content: dict[str, Any], buffers: Sequence[bytes | memoryview]) -> None:
        if content.get("type") != "frame":
            return
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

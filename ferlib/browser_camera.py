"""A webcam cell that works wherever the kernel runs: the camera is the browser's, not the server's.

``BrowserCamera`` (an anywidget) opens the browser's camera with getUserMedia, sends JPEG frames to the
kernel, and draws the faces and emotions the kernel returns over the live picture. It works in
JupyterLab on a laptop and equally on JupyterHub, Binder or Colab, where ``cv2.VideoCapture(0)`` would
look for a camera on the server.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import anywidget
import cv2
import numpy as np
import traitlets

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
    last_faces = traitlets.List().tag(sync=True)

    def __init__(self, recognizer: EmotionRecognizer | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.recognizer = recognizer or EmotionRecognizer()
        self.on_msg(self._on_message)

    def handle_frame(self, jpeg: bytes) -> list[dict[str, Any]]:
        """Recognise one JPEG frame from the browser; faces as ``FaceEmotion.to_dict()`` objects."""
        frame = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
        if frame is None:
            raise ValueError("the browser sent a frame that is not a decodable JPEG")
        return [face.to_dict() for face in self.recognizer.recognize(frame)]

    def _on_message(self, _: object, content: dict[str, Any], buffers: list[bytes]) -> None:
        if content.get("type") != "frame" or not buffers:
            return
        start = time.perf_counter()
        error = None
        try:
            faces = self.handle_frame(bytes(buffers[0]))
        except ValueError as problem:  # shown under the picture, never dropped silently
            faces, error = [], str(problem)
        self.frames_received += 1
        self.last_faces = faces
        self.send({
            "type": "faces",
            "faces": faces,
            "width": content.get("width"),
            "milliseconds": round((time.perf_counter() - start) * 1000),
            "error": error,
        })  # fmt: skip

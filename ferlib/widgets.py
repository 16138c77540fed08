"""Notebook user interfaces (ipywidgets): the live webcam or video view with start, stop and snapshot."""

from __future__ import annotations

import html
import time
from pathlib import Path

import cv2
import ipywidgets as widgets

from ferlib.labels import COLOURS, EMOTIONS
from ferlib.live import LiveFrame, LiveLoop, error_message
from ferlib.recognizer import EmotionRecognizer, FaceEmotion


def emotion_bars_html(faces: list[FaceEmotion]) -> str:
    """Small coloured bars of the seven scores for each face, as HTML."""
    if not faces:
        return "<i>no face in view</i>"
    blocks = []
    for number, face in enumerate(faces, 1):
        rows = "".join(
            f"<div style='display:flex;align-items:center;font:11px monospace'>"
            f"<span style='width:64px'>{emotion}</span>"
            f"<span style='display:inline-block;height:9px;width:{face.scores[emotion] * 120:.0f}px;"
            f"background:{COLOURS[emotion]}'></span>&nbsp;{face.scores[emotion]:.0%}</div>"
            for emotion in EMOTIONS
        )
        title = html.escape(f"face {number}: {face.emotion}")
        blocks.append(f"<div style='margin:0 12px 6px 0'><b>{title}</b>{rows}</div>")
    return "<div style='display:flex;flex-wrap:wrap'>" + "".join(blocks) + "</div>"


class LiveView:
    """Start / stop, a source (camera index or video file), the annotated picture, FPS, per-face emotion
    bars and a snapshot button, for a camera on the machine that runs the kernel.

    When the loop ends on an error (the camera, recognition, or showing a frame), the status line says
    ``stopped: <the error>`` at once and the buttons go back to Start, as after pressing Stop.
    """

    def __init__(
        self,
        recognizer: EmotionRecognizer | None = None,
        source: int | str = 0,
        snapshot_dir: str | Path = "snapshots",
    ) -> None:
        self.recognizer = recognizer or EmotionRecognizer()
        self.snapshot_dir = Path(snapshot_dir)
        self.loop: LiveLoop | None = None
        self.source = widgets.Text(
            value=str(source), description="source", placeholder="0, 1, ... or a video file"
        )
        self.start_button = widgets.Button(description="Start", icon="play", button_style="success")
        self.stop_button = widgets.Button(description="Stop", icon="stop", disabled=True)
        self.snapshot_button = widgets.Button(description="Snapshot", icon="camera", disabled=True)
        self.image = widgets.Image(format="jpeg", width=640)
        self.fps = widgets.Label("")
        self.status = widgets.Label("press Start")
        self.bars = widgets.HTML("")
        self.start_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        self.snapshot_button.on_click(lambda _: self.snapshot())
        controls = widgets.HBox([self.source, self.start_button, self.stop_button, self.snapshot_button])
        self.widget = widgets.VBox([controls, widgets.HBox([self.fps, self.status]), self.image, self.bars])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def start(self) -> None:
        text = self.source.value.strip()
        source: int | str = int(text) if text.isdigit() else text
        loop = LiveLoop(
            self.recognizer, source, on_frame=self._show, on_error=lambda error: self._failed(loop, error)
        )
        self.loop = loop
        snapshot_was_disabled = self.snapshot_button.disabled
        # The running state goes up before the threads start, so an error on the first frame (shown by
        # ``_failed`` from the loop's thread) cannot be overwritten by it.
        self.status.value = f"running on {source!r}"
        self.start_button.disabled, self.stop_button.disabled = True, False
        self.snapshot_button.disabled = False
        try:
            loop.start()
        except Exception as error:  # shown in the UI: a camera that does not open is an expected case
            self.status.value = error_message(error)
            self.loop = None
            self.start_button.disabled, self.stop_button.disabled = False, True
            self.snapshot_button.disabled = snapshot_was_disabled

    def stop(self) -> None:
        if self.loop is not None:
            self.loop.stop()
            problem = self.loop.error
            self.status.value = (
                f"stopped: {error_message(problem)}" if problem else "stopped; source released"
            )
        self.start_button.disabled, self.stop_button.disabled = False, True

    def _failed(self, loop: LiveLoop, error: Exception) -> None:
        """The loop ended on an error (in its own thread, its source released): say so, as Stop would."""
        if loop is self.loop:
            self.status.value = f"stopped: {error_message(error)}"
            self.start_button.disabled, self.stop_button.disabled = False, True

    def snapshot(self) -> Path | None:
        """Save the newest annotated frame as a PNG and return its path."""
        frame = self.loop.last if self.loop else None
        if frame is None:
            self.status.value = "no frame yet"
            return None
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        path = self.snapshot_dir / f"ferlib-{time.strftime('%Y%m%d-%H%M%S')}-{frame.index}.png"
        cv2.imwrite(str(path), frame.image)
        self.status.value = f"saved {path}"
        return path

    def _show(self, frame: LiveFrame) -> None:
        ok, jpeg = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, 80])
        if ok:
            self.image.value = jpeg.tobytes()
        self.fps.value = f"{frame.fps:.1f} FPS"
        self.bars.value = emotion_bars_html(frame.faces)

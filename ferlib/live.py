"""Live recognition: a frame loop over a camera or a video file that runs in a background thread.

The loop keeps the notebook kernel free, always works on the newest frame (older ones are dropped,
so the picture never lags behind), releases its source when stopped, and reports a camera that
does not open, or stops delivering frames, as a ``CameraError``.

Failures never die silently in a thread. Whatever goes wrong once the loop runs (the camera, the
recognizer, drawing, or the caller's ``on_frame``) ends the loop the same way: the first exception is
kept in ``loop.error``, both threads stop, the source is released (the camera light goes off), and
``on_error`` (if given) is called once with the exception. ``LiveView`` uses it to show the message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from ferlib.errors import CameraError, FerlibError
from ferlib.recognizer import EmotionRecognizer, FaceEmotion, draw_face
from ferlib.tracking import FaceTracker


@dataclass
class LiveFrame:
    """One processed frame: the annotated picture (BGR), its faces, and the loop's recent speed."""

    image: np.ndarray
    faces: list[FaceEmotion]
    fps: float
    index: int


@dataclass
class _Latest:
    """A one-slot mailbox between the reader and the worker: newer frames overwrite older ones."""

    frame: np.ndarray | None = None
    number: int = 0
    dropped: int = 0
    ended: bool = False
    lock: threading.Condition = field(default_factory=threading.Condition)


def open_source(source: int | str) -> cv2.VideoCapture:
    """Open a camera index or a video file; ``CameraError`` saying what to check when it fails."""
    capture = cv2.VideoCapture(source)
    if not capture.isOpened():
        capture.release()
        if isinstance(source, int):
            raise CameraError(
                f"camera {source} did not open: is one connected, and free (not used by another program)? "
                "On a remote kernel (JupyterHub, Binder, Colab) the camera is on your computer, not the "
                "server: use ferlib.browser_camera instead."
            )
        raise CameraError(f"{source}: cannot open this video (missing file or unsupported codec)")
    return capture


def error_message(error: BaseException) -> str:
    """One line for the user: ferlib's own messages as they are, anything else with its type's name."""
    if isinstance(error, FerlibError):
        return str(error)
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class LiveLoop:
    """Recognise emotions on a live source in the background and hand each result to ``on_frame``.

    >>> loop = LiveLoop(EmotionRecognizer(), source=0, on_frame=lambda frame: print(frame.fps))
    >>> loop.start(); ...; loop.stop()

    ``on_frame`` and ``on_error`` run in the loop's worker thread. An exception in ``on_frame`` (or in
    recognition) stops the loop and releases the source like a camera failure: see the module docstring.
    """

    def __init__(
        self,
        recognizer: EmotionRecognizer,
        source: int | str = 0,
        on_frame: Callable[[LiveFrame], None] | None = None,
        *,
        realtime: bool = True,
        on_error: Callable[[Exception], None] | None = None,
        window: int = 5,
    ) -> None:
        self.tracker = FaceTracker(window=window)  # track ids, and scores smoothed over ``window`` frames
        self.recognizer = recognizer
        self.source = source
        self.on_frame = on_frame
        self.on_error = on_error  # called once, after the source is released, when the loop ends on an error
        self.realtime = realtime  # video files play at their own speed; False reads them as fast as possible
        self.error: Exception | None = None
        self.last: LiveFrame | None = None
        self.processed = 0
        self._capture: cv2.VideoCapture | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._latest = _Latest()
        self._error_lock = threading.Lock()

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    @property
    def dropped(self) -> int:
        """Frames skipped because recognition was busy with a newer one."""
        return self._latest.dropped

    def start(self) -> LiveLoop:
        """Open the source and start reading and recognising; returns at once."""
        if self.running:
            return self
        self._capture = capture = open_source(self.source)
        self._stop.clear()
        self._latest = _Latest()
        self.tracker = FaceTracker(window=self.tracker.window)  # a new stream: new tracks
        self.error = None
        reader = threading.Thread(target=self._read, args=(capture,), name="ferlib-live-reader", daemon=True)
        worker = threading.Thread(target=self._work, args=(reader,), name="ferlib-live-worker", daemon=True)
        self._threads = [reader, worker]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop both threads and release the source."""
        self._stop.set()
        with self._latest.lock:
            self._latest.lock.notify_all()
        for thread in self._threads:
            if thread is not threading.current_thread():  # ``on_frame`` may stop its own loop
                thread.join(timeout)
        self._release()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the source ends (a video file) or the loop is stopped; ``True`` if it did."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        finished = not self.running
        if finished:
            self._release()
        return finished

    def __enter__(self) -> LiveLoop:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def released(self) -> bool:
        return self._capture is None

    def _release(self) -> None:
        if self._capture is not None and not self.running:
            self._capture.release()
            self._capture = None

    def _fail(self, error: Exception) -> None:
        """Keep the first error and stop both threads."""
        with self._error_lock:
            if self.error is None:
                self.error = error
        self._stop.set()

    def _read(self, capture: cv2.VideoCapture) -> None:
        latest = self._latest
        try:
            interval = 1.0 / (capture.get(cv2.CAP_PROP_FPS) or 30.0)
            is_file = isinstance(self.source, str)
            next_time = time.monotonic()
            while not self._stop.is_set():
                ok, frame = capture.read()
                if not ok:
                    if not is_file:
                        self._fail(CameraError(f"camera {self.source} stopped delivering frames"))
                    break
                with latest.lock:
                    if latest.frame is not None:
                        latest.dropped += 1
                    latest.frame, latest.number = frame, latest.number + 1
                    latest.lock.notify()
                if is_file and self.realtime:
                    next_time += interval
                    time.sleep(max(0.0, next_time - time.monotonic()))
        except Exception as error:  # reported in ``error``, never lost in a thread
            self._fail(error)
        finally:
            # The reader owns the capture, so it releases it itself: never while another thread reads it,
            # and at once when the loop ends on its own (the end of a video, or an error).
            capture.release()
            if self._capture is capture:
                self._capture = None
            with latest.lock:
                latest.ended = True
                latest.lock.notify_all()

    def _work(self, reader: threading.Thread) -> None:
        try:
            self._recognise_frames()
        except Exception as error:  # recognition, drawing or ``on_frame``: reported, never lost in a thread
            self._fail(error)
        finally:
            if self.error is not None:
                reader.join(5.0)  # the source is released (unless a read hangs) before the user hears of it
                if self.on_error is not None:
                    self.on_error(self.error)

    def _recognise_frames(self) -> None:
        latest = self._latest
        times: list[float] = []
        while not self._stop.is_set():
            with latest.lock:
                while latest.frame is None and not latest.ended and not self._stop.is_set():
                    latest.lock.wait(0.5)
                if latest.frame is None:
                    return
                frame, number, latest.frame = latest.frame, latest.number, None
            faces = self.tracker.update(self.recognizer.recognize(frame))
            for face in faces:
                draw_face(frame, face)
            now = time.monotonic()
            times = [t for t in times if now - t < 2.0] + [now]
            fps = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
            self.processed += 1
            self.last = LiveFrame(frame, faces, fps, number)
            if self.on_frame is not None:
                self.on_frame(self.last)

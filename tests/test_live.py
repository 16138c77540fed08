"""Video files, the live frame loop and the notebook view, driven with videos built from a real photo."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from ferlib import live
from ferlib.live import CameraError, LiveLoop
from ferlib.recognizer import EmotionRecognizer
from ferlib.samples import face_video
from ferlib.video import process_video
from ferlib.widgets import LiveView, emotion_bars_html

from synthetic import tiny_model


@pytest.fixture(scope="module")
def recognizer() -> EmotionRecognizer:
    return EmotionRecognizer(tiny_model())


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return face_video(tmp_path_factory.mktemp("video") / "faces.mp4", frames=12, blank_every=4)


def test_video_file_gives_per_frame_results_video_and_csv(
    recognizer: EmotionRecognizer, video: Path, tmp_path: Path
) -> None:
    out, table = tmp_path / "annotated.mp4", tmp_path / "frames.csv"
    frames = process_video(recognizer, video, out=out, csv_path=table, progress=False)
    assert len(frames) == 12
    assert [len(faces) for faces in frames] == [0 if i % 4 == 3 else 1 for i in range(12)]
    assert {face.track for faces in frames for face in faces} == {0}, "one face, one track"
    written = cv2.VideoCapture(str(out))
    assert int(written.get(cv2.CAP_PROP_FRAME_COUNT)) == 12
    ok, first = written.read()
    written.release()
    assert ok and first.shape == (480, 640, 3)
    with table.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["frame"]) for r in rows] == list(range(12))
    assert rows[3]["emotion"] == "" and rows[0]["emotion"] in {"angry", "disgust", "fear", "happy", "sad",
                                                                "surprise", "neutral"}  # fmt: skip


def test_unreadable_video_raises(recognizer: EmotionRecognizer, tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    with pytest.raises(ValueError, match="cannot open this video"):
        process_video(recognizer, broken, progress=False)
    assert not list(tmp_path.glob("*.tmp*"))


def test_loop_runs_a_video_to_its_end_and_releases_it(recognizer: EmotionRecognizer, video: Path) -> None:
    seen = []
    loop = LiveLoop(recognizer, str(video), on_frame=seen.append, realtime=False).start()
    assert loop.wait(timeout=60)
    assert loop.error is None and loop.released and not loop.running
    assert loop.processed == len(seen) >= 1
    assert all(frame.image.shape == (480, 640, 3) for frame in seen)
    assert loop.processed + loop.dropped == 12  # as fast as it can read: older frames may be dropped
    # every face is followed; which frames were dropped decides how far a face moved between those seen,
    # so track continuity is checked on every frame in process_video's test above
    assert all(isinstance(face.track, int) for frame in seen for face in frame.faces)


def test_loop_drops_frames_instead_of_lagging(recognizer: EmotionRecognizer, tmp_path: Path) -> None:
    video = face_video(tmp_path / "fast.mp4", frames=30, fps=30.0)

    class Slow:
        def recognize(self, frame: np.ndarray) -> list:
            time.sleep(0.1)  # 10 frames a second against a 30 FPS source
            return recognizer.recognize(frame)

    loop = LiveLoop(Slow(), str(video), realtime=True).start()  # type: ignore[arg-type]
    assert loop.wait(timeout=60)
    assert loop.dropped > 0 and loop.processed < 30
    assert loop.processed + loop.dropped == 30


def test_stop_mid_stream_releases_the_source(recognizer: EmotionRecognizer, tmp_path: Path) -> None:
    video = face_video(tmp_path / "long.mp4", frames=60, fps=10.0)
    loop = LiveLoop(recognizer, str(video), realtime=True).start()
    deadline = time.monotonic() + 30
    while loop.processed < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    loop.stop()
    assert loop.processed >= 2 and not loop.running and loop.released


def test_camera_that_does_not_open_raises_a_clear_error(recognizer: EmotionRecognizer) -> None:
    with pytest.raises(CameraError, match=r"camera 97 did not open(.|\n)*browser_camera"):
        LiveLoop(recognizer, 97).start()


def test_camera_that_disappears_mid_stream_is_reported(
    recognizer: EmotionRecognizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    class VanishingCamera:
        def __init__(self) -> None:
            self.frames, self.released = 3, False

        def get(self, prop: int) -> float:
            return 30.0

        def read(self) -> tuple[bool, np.ndarray | None]:
            self.frames -= 1
            return (True, np.full((120, 160, 3), 50, np.uint8)) if self.frames >= 0 else (False, None)

        def release(self) -> None:
            self.released = True

    camera = VanishingCamera()
    monkeypatch.setattr(live, "open_source", lambda source: camera)
    loop = LiveLoop(recognizer, 0).start()
    assert loop.wait(timeout=30)
    assert isinstance(loop.error, CameraError) and "stopped delivering frames" in str(loop.error)
    assert camera.released


class FailingRecognizer:
    """The real recognizer for ``good`` frames, then a model that raises, as a broken one would."""

    def __init__(self, recognizer: EmotionRecognizer, good: int) -> None:
        self.recognizer, self.good = recognizer, good

    def recognize(self, frame: np.ndarray) -> list:
        if self.good <= 0:
            raise RuntimeError("the model ran out of memory")
        self.good -= 1
        return self.recognizer.recognize(frame)


def _spy_on_captures(monkeypatch: pytest.MonkeyPatch) -> list[cv2.VideoCapture]:
    """The real ``open_source``, keeping every capture it opens so a test can see it closed."""
    opened: list[cv2.VideoCapture] = []
    real = live.open_source

    def spy(source: int | str) -> cv2.VideoCapture:
        opened.append(real(source))
        return opened[-1]

    monkeypatch.setattr(live, "open_source", spy)
    return opened


def _wait_until_ended(loop: LiveLoop, seconds: float = 30.0) -> None:
    """Wait without ``stop()`` or ``wait()``, which would release the source themselves."""
    deadline = time.monotonic() + seconds
    while loop.running and time.monotonic() < deadline:
        time.sleep(0.05)


def test_an_on_frame_callback_that_raises_stops_the_loop_and_releases_the_video(
    recognizer: EmotionRecognizer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = _spy_on_captures(monkeypatch)
    video = face_video(tmp_path / "long.mp4", frames=60, fps=10.0)  # six seconds, played in real time
    shown: list[int] = []
    reported: list[Exception] = []

    def show(frame: live.LiveFrame) -> None:
        shown.append(frame.index)
        if len(shown) == 2:
            raise KeyError("no such widget")

    loop = LiveLoop(recognizer, str(video), on_frame=show)
    loop.on_error = reported.append  # as ``on_error=`` would
    loop.start()
    _wait_until_ended(loop)
    assert isinstance(loop.error, KeyError) and reported == [loop.error]
    assert not loop.running and loop.released and not opened[0].isOpened()
    assert len(shown) == 2 and loop.processed == 2  # nothing processed after the failure


def test_a_recognizer_that_raises_stops_the_loop_and_releases_the_video(
    recognizer: EmotionRecognizer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = _spy_on_captures(monkeypatch)
    video = face_video(tmp_path / "long.mp4", frames=60, fps=10.0)
    reported: list[Exception] = []
    loop = LiveLoop(FailingRecognizer(recognizer, good=1), str(video))  # type: ignore[arg-type]
    loop.on_error = reported.append
    loop.start()
    _wait_until_ended(loop)
    assert isinstance(loop.error, RuntimeError) and "out of memory" in str(loop.error)
    assert not loop.running and loop.released and not opened[0].isOpened()
    assert reported == [loop.error]


def test_on_frame_may_stop_its_own_loop(recognizer: EmotionRecognizer, tmp_path: Path) -> None:
    video = face_video(tmp_path / "long.mp4", frames=60, fps=10.0)
    loop = LiveLoop(recognizer, str(video), on_frame=lambda frame: loop.stop())
    loop.start()
    _wait_until_ended(loop)
    assert loop.error is None and not loop.running and loop.released and loop.processed == 1


def test_live_view_buttons_drive_the_loop(recognizer: EmotionRecognizer, tmp_path: Path) -> None:
    video = face_video(tmp_path / "view.mp4", frames=40, fps=10.0)
    view = LiveView(recognizer, source=str(video), snapshot_dir=tmp_path / "snaps")
    view.start_button.click()
    assert view.stop_button.disabled is False and view.start_button.disabled is True
    deadline = time.monotonic() + 30
    while not view.image.value and time.monotonic() < deadline:
        time.sleep(0.05)
    assert cv2.imdecode(np.frombuffer(view.image.value, np.uint8), cv2.IMREAD_COLOR).shape == (480, 640, 3)
    assert view.fps.value.endswith("FPS")
    view.snapshot_button.click()
    snaps = list((tmp_path / "snaps").glob("*.png"))
    assert len(snaps) == 1 and cv2.imread(str(snaps[0])) is not None
    view.stop_button.click()
    assert view.loop is not None and view.loop.released and "released" in view.status.value


def test_live_view_shows_a_camera_error_instead_of_raising(recognizer: EmotionRecognizer) -> None:
    view = LiveView(recognizer, source=98)
    view.start_button.click()
    assert "did not open" in view.status.value and view.start_button.disabled is False


@pytest.mark.parametrize("failure", ["recognition", "display"])
def test_live_view_shows_an_error_that_ends_the_loop(
    recognizer: EmotionRecognizer, tmp_path: Path, failure: str
) -> None:
    video = face_video(tmp_path / "view.mp4", frames=60, fps=10.0)
    if failure == "recognition":
        view = LiveView(FailingRecognizer(recognizer, good=2), source=str(video))  # type: ignore[arg-type]
        expected = "stopped: RuntimeError: the model ran out of memory"
    else:
        view = LiveView(recognizer, source=str(video))

        def show(frame: live.LiveFrame) -> None:
            raise OSError("the display went away")

        view._show = show  # type: ignore[method-assign]
        expected = "stopped: OSError: the display went away"
    view.start_button.click()
    assert view.loop is not None
    _wait_until_ended(view.loop)
    assert view.status.value == expected  # one line, at once, without pressing Stop
    assert view.start_button.disabled is False and view.stop_button.disabled is True
    assert view.loop.released and not view.loop.running


def test_emotion_bars_name_every_emotion() -> None:
    assert "no face" in emotion_bars_html([])

"""Faces followed across frames: stable track ids, smoothed scores, and the video's table."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest

from ferlib.errors import ConfigError
from ferlib.faces import Box
from ferlib.labels import EMOTIONS
from ferlib.recognizer import EmotionRecognizer, FaceEmotion
from ferlib.samples import face_video
from ferlib.tracking import FaceTracker, overlap
from ferlib.video import COLUMNS, process_video


def _face(box: Box, happy: float) -> FaceEmotion:
    """A face whose scores split between happy and neutral."""
    scores = dict.fromkeys(EMOTIONS, 0.0) | {"happy": happy, "neutral": 1.0 - happy}
    return FaceEmotion(box, scores)


def test_overlap_is_intersection_over_union() -> None:
    assert overlap(Box(0, 0, 10, 10), Box(0, 0, 10, 10)) == 1.0
    assert overlap(Box(0, 0, 10, 10), Box(5, 0, 10, 10)) == pytest.approx(50 / 150)
    assert overlap(Box(0, 0, 10, 10), Box(20, 20, 5, 5)) == 0.0


def test_two_faces_keep_their_ids_as_they_move() -> None:
    tracker = FaceTracker()
    first = tracker.update([_face(Box(0, 0, 100, 100), 0.9), _face(Box(300, 0, 100, 100), 0.1)])
    # next frame: both moved a little, and listed in the other order
    second = tracker.update([_face(Box(310, 5, 100, 100), 0.1), _face(Box(8, 4, 100, 100), 0.9)])
    assert [f.track for f in first] == [0, 1] and [f.track for f in second] == [1, 0]
    assert tracker.update([_face(Box(600, 300, 40, 40), 0.5)])[0].track == 2  # a new face, a new id


def test_a_face_missing_for_a_few_frames_keeps_its_id_then_loses_it() -> None:
    tracker = FaceTracker(max_missing=2)
    assert tracker.update([_face(Box(0, 0, 100, 100), 0.9)])[0].track == 0
    tracker.update([])
    tracker.update([])
    assert tracker.update([_face(Box(0, 0, 100, 100), 0.9)])[0].track == 0
    for _ in range(3):
        tracker.update([])
    assert tracker.update([_face(Box(0, 0, 100, 100), 0.9)])[0].track == 1


def test_smoothing_stops_a_still_face_flickering_between_two_close_classes() -> None:
    # a face slightly more happy than neutral (0.56 on average), with frame-to-frame noise of 0.1 that
    # makes the raw label flip every frame
    raw = [0.66 if i % 2 else 0.46 for i in range(20)]
    box = Box(50, 50, 100, 100)

    def labels(window: int) -> list[str]:
        tracker = FaceTracker(window=window)
        return [tracker.update([_face(box, happy)])[0].emotion for happy in raw]

    def changes(sequence: list[str]) -> int:
        return sum(a != b for a, b in itertools.pairwise(sequence))

    assert changes(labels(1)) == 19  # window 1: the raw scores, every frame a change
    assert changes(labels(5)) <= 1


def test_smoothing_still_follows_a_real_change_within_a_few_frames() -> None:
    tracker = FaceTracker(window=5)
    box = Box(50, 50, 100, 100)
    for _ in range(10):
        tracker.update([_face(box, 0.95)])
    after = [tracker.update([_face(box, 0.05)])[0].emotion for _ in range(5)]
    assert after[0] == "happy" and after[-1] == "neutral"


@pytest.mark.parametrize(
    ("setting", "value"), [("window", 0), ("window", 2.5), ("min_overlap", 0.0), ("max_missing", -1)]
)
def test_bad_tracker_settings_are_refused(setting: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"^{setting} must be"):
        FaceTracker(**{setting: value})  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return face_video(tmp_path_factory.mktemp("video") / "one_face.mp4", frames=12, fps=10.0, blank_every=4)


def test_a_video_of_one_face_gives_one_track_and_a_table(clip: Path, tmp_path: Path) -> None:
    result = process_video(EmotionRecognizer(), clip, csv_path=tmp_path / "faces.csv", progress=False)
    assert result.fps == pytest.approx(10.0) and len(result) == 12
    tracks = {face.track for faces in result for face in faces}
    assert tracks == {0}, "the portrait slides sideways and vanishes one frame in four: still one face"
    table = result.to_frame()
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == 12  # nine frames with one face each, three without: one row each
    with_face = table.dropna(subset=["track"])
    assert len(with_face) == 9 and set(with_face["track"]) == {0}
    assert table["seconds"].tolist() == pytest.approx([i / 10 for i in range(12)])
    assert with_face[list(EMOTIONS)].sum(axis=1).tolist() == pytest.approx([1.0] * 9, abs=1e-4)
    assert (with_face["emotion"] == with_face[list(EMOTIONS)].idxmax(axis=1)).all()
    written = pd.read_csv(tmp_path / "faces.csv")
    assert list(written.columns) == list(COLUMNS) and len(written) == 12


def test_a_bad_window_is_refused_before_the_video_is_opened(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="window"):
        process_video(EmotionRecognizer(), tmp_path / "missing.mp4", window=0)

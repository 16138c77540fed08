"""Emotions in a video file, frame by frame: each face followed by a track id, its scores smoothed over
recent frames, an annotated copy, and a table (pandas, CSV) with one row per face per frame."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
from tqdm.auto import tqdm

from ferlib.errors import ConfigError, VideoError
from ferlib.io import atomic_path
from ferlib.labels import EMOTIONS

if TYPE_CHECKING:
    import pandas as pd

    from ferlib.recognizer import EmotionRecognizer, FaceEmotion

#: The table's columns: where in the video, which face, where in the frame, what it shows.
COLUMNS = ("frame", "seconds", "track", "x", "y", "w", "h", "emotion", *EMOTIONS)


@dataclass
class VideoResult(Sequence[list["FaceEmotion"]]):  # quoted: a base is evaluated at import
    """Every frame's faces (``frames[i]``, each with its ``track`` id) and the video's frame rate;
    ``step``: ``frames[i]`` is the video's frame ``i * step`` (every ``step``-th frame was read).

    Iterating, indexing and ``len`` go over the frames read, as over a list of lists.
    """

    frames: list[list[FaceEmotion]]
    fps: float
    source: str
    step: int = 1

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, index: int) -> list[FaceEmotion]:  # type: ignore[override]  # no slices
        return self.frames[index]

    def __iter__(self) -> Iterator[list[FaceEmotion]]:
        return iter(self.frames)

    def to_frame(self) -> pd.DataFrame:
        """One row per face per frame read (``COLUMNS``, ``frame`` numbered in the whole video); a frame
        without a face keeps one row with empty track, box and scores, so the table shows every frame."""
        import pandas as pd

        rows: list[dict[str, object]] = []
        for index, faces in enumerate(self.frames):
            number = index * self.step
            when: dict[str, object] = {"frame": number, "seconds": number / self.fps}
            rows.extend(
                {**when, "track": face.track, **dict(zip("xywh", face.box.as_list(), strict=True)),
                 "emotion": face.emotion, **face.scores}
                for face in faces
            )  # fmt: skip
            if not faces:
                rows.append(when)
        table = pd.DataFrame(rows, columns=list(COLUMNS))
        return table.astype({"track": "Int64", "x": "Int64", "y": "Int64", "w": "Int64", "h": "Int64"})

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write ``to_frame()`` as CSV, atomically."""
        path = Path(path)
        with atomic_path(path) as tmp:
            self.to_frame().to_csv(tmp, index=False, float_format="%.5g")
        return path


def process_video(
    recognizer: EmotionRecognizer,
    source: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    csv_path: str | os.PathLike[str] | None = None,
    progress: bool = True,
    window: int = 5,
    every: int = 1,
) -> VideoResult:
    """Recognise every ``every``-th frame of ``source`` (1: all), following each face with a track id and
    smoothing its scores over about ``window`` frames read (1: none); optionally write an annotated MP4
    (of the frames read) and the CSV table."""
    # Imported here: the table's columns and VideoResult come without TensorFlow (ferlib.archive's
    # driver reads them and never recognises a face itself).
    from ferlib.recognizer import draw_face
    from ferlib.tracking import FaceTracker

    tracker = FaceTracker(window=window)  # checks the settings before anything is opened
    if every < 1:
        raise ConfigError(f"every must be 1 or more (1 reads every frame), got {every}")
    capture = cv2.VideoCapture(str(source))
    if not capture.isOpened():
        raise VideoError(f"{source}: cannot open this video (missing file or unsupported codec)")
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None
    per_frame: list[list[FaceEmotion]] = []
    writer = None
    # Unwound last-in first-out: the writer is released, then the video is renamed into place
    # (or deleted if anything failed), then the source is released.
    with contextlib.ExitStack() as stack:
        stack.callback(capture.release)
        bar = stack.enter_context(
            tqdm(total=total, desc=f"Reading {Path(source).name}", unit="frame", disable=not progress)
        )
        for number in itertools.count():
            if number % every:  # skipped: grab() moves on without converting the frame
                if not capture.grab():
                    break
                bar.update(1)
                continue
            ok, frame = capture.read()
            if not ok:
                break
            faces = tracker.update(recognizer.recognize(frame))
            per_frame.append(faces)
            if out is not None:
                if writer is None:
                    writer = _open_writer(stack, Path(out), fps, frame.shape[1], frame.shape[0])
                for face in faces:
                    draw_face(frame, face)
                writer.write(frame)
            bar.update(1)
        if not per_frame:
            raise VideoError(f"{source}: the video has no frames that could be decoded")
    result = VideoResult(per_frame, fps, str(source), every)
    if csv_path is not None:
        result.to_csv(csv_path)
    return result


def _open_writer(
    stack: contextlib.ExitStack, path: Path, fps: float, width: int, height: int
) -> cv2.VideoWriter:
    tmp = stack.enter_context(atomic_path(path))
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise VideoError(f"{path}: OpenCV cannot write an MP4 video here")
    stack.callback(writer.release)
    return writer

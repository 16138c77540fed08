"""Emotions in a video file, frame by frame: an annotated copy and a per-frame CSV."""

from __future__ import annotations

import contextlib
import csv
import os
from pathlib import Path

import cv2
from tqdm.auto import tqdm

from ferlib.errors import VideoError
from ferlib.io import atomic_path
from ferlib.labels import EMOTIONS
from ferlib.recognizer import EmotionRecognizer, FaceEmotion, draw_face


def process_video(
    recognizer: EmotionRecognizer,
    source: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    csv_path: str | os.PathLike[str] | None = None,
    progress: bool = True,
) -> list[list[FaceEmotion]]:
    """Recognise every frame of ``source``; optionally write an annotated MP4 and a CSV with one row
    per face per frame (frames without faces get a row with an empty box, so none is lost)."""
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
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            faces = recognizer.recognize(frame)
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
    if csv_path is not None:
        write_frames_csv(Path(csv_path), per_frame, fps)
    return per_frame


def _open_writer(
    stack: contextlib.ExitStack, path: Path, fps: float, width: int, height: int
) -> cv2.VideoWriter:
    tmp = stack.enter_context(atomic_path(path))
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise VideoError(f"{path}: OpenCV cannot write an MP4 video here")
    stack.callback(writer.release)
    return writer


def write_frames_csv(path: Path, per_frame: list[list[FaceEmotion]], fps: float) -> None:
    """One row per face per frame: frame, time, box, top emotion and the seven scores."""
    with atomic_path(path) as tmp, tmp.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["frame", "seconds", "x", "y", "w", "h", "emotion", *EMOTIONS])
        for index, faces in enumerate(per_frame):
            seconds = round(index / fps, 3)
            if not faces:
                writer.writerow([index, seconds, "", "", "", "", "", *[""] * len(EMOTIONS)])
            for face in faces:
                scores = [round(face.scores[e], 5) for e in EMOTIONS]
                writer.writerow([index, seconds, *face.box.as_list(), face.emotion, *scores])

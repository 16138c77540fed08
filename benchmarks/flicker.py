"""How often a still face's label flickers, with and without smoothing over recent frames.

A still face seen by a webcam is never the same picture twice: sensor noise, small shifts and changes of
light. Each face is "filmed" for ``--seconds`` at 30 frames a second with such changes (noise sigma 6
grey levels, shifts up to 3 pixels, brightness 85-115%), and the label changes per second are counted
for each smoothing window (``FaceTracker(window=...)``; 1 is no smoothing) with the default recognizer.

Two sets of still faces:
- portraits of people (Grace Hopper's from matplotlib, the astronaut Eileen Collins from scikit-image,
  plus any in ``--photos DIR``), placed in a 640x480 frame and found by the detector, as in a live view;
- ``--fer-faces`` FER-2013 PublicTest faces drawn at random (seed 0), classified as crops (their tight
  48-pixel crops are not what a face detector is built for). Many of them lie between two classes,
  which is where a live label flickers.

Run:  python benchmarks/flicker.py [--photos DIR] [--seconds 10] [--fer-faces 50]
Writes benchmarks/results/flicker.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import cv2
import numpy as np

from ferlib.data import load_fer2013
from ferlib.faces import Box
from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine
from ferlib.recognizer import EmotionRecognizer, FaceEmotion, scores_dict
from ferlib.samples import portraits
from ferlib.table import format_table
from ferlib.tracking import FaceTracker

RESULTS = Path(__file__).with_name("results") / "flicker.json"
FPS = 30
WINDOWS = (1, 3, 5, 10)


def still_face_frames(face: np.ndarray, count: int, size: tuple[int, int], seed: int = 0) -> list[np.ndarray]:
    """``count`` frames (height, width ``size``) of ``face`` centred, as a webcam films a still face:
    sensor noise, jitter of a few pixels, changing light."""
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(count):
        frame = np.full((*size, *face.shape[2:]), 90, np.float32)
        dy, dx = rng.integers(-3, 4, size=2)
        top, left = (size[0] - face.shape[0]) // 2, (size[1] - face.shape[1]) // 2
        frame[top : top + face.shape[0], left : left + face.shape[1]] = face
        frame = np.roll(frame, (dy, dx), axis=(0, 1)) * rng.uniform(0.85, 1.15)
        frames.append(np.clip(frame + rng.normal(0, 6, frame.shape), 0, 255).astype(np.uint8))
    return frames


def label_changes_per_second(raw: list[list[FaceEmotion]], window: int) -> float:
    """Label changes per second of the first face, after smoothing ``raw`` per-frame results."""
    tracker = FaceTracker(window=window)
    labels = [faces[0].emotion if faces else None for faces in map(tracker.update, raw)]
    changes = sum(a != b for a, b in itertools.pairwise(labels) if a is not None and b is not None)
    return changes / (len(raw) / FPS)


def _row(name: str, raw: list[list[FaceEmotion]]) -> dict[str, object]:
    found = sum(bool(faces) for faces in raw) / len(raw)
    per_window = {f"window {w}": round(label_changes_per_second(raw, w), 2) for w in WINDOWS}
    return {"faces": name, "found in": round(found, 3), **per_window}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, help="a folder of more photos of people, one face each")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--fer-faces", type=int, default=50, help="PublicTest faces filmed as crops")
    args = parser.parse_args()

    count = int(args.seconds * FPS)
    recognizer = EmotionRecognizer()
    rows = []
    photos = {f"{name} portrait": image for name, (image, _) in portraits().items()}
    for path in sorted(args.photos.glob("*.jp*g")) if args.photos else []:
        photos[path.name] = cv2.imread(str(path))
    for name, photo in photos.items():
        scale = min(440 / photo.shape[0], 600 / photo.shape[1])
        small = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        rows.append(
            _row(name, [recognizer.recognize(f) for f in still_face_frames(small, count, (480, 640))])
        )

    public = load_fer2013(progress=False).public_test
    chosen = np.random.default_rng(0).choice(len(public), args.fer_faces, replace=False)
    box = Box(0, 0, 48, 48)
    crops = []
    for index in chosen:
        frames = np.stack(still_face_frames(public.images[index], count, (48, 48), seed=int(index)))
        crops.append(
            [[FaceEmotion(box, scores)] for scores in map(scores_dict, recognizer.predict_crops(frames))]
        )
    fer_rows = [_row(f"PublicTest #{index}", raw) for index, raw in zip(chosen, crops, strict=True)]
    mean = {
        key: round(float(np.mean([row[key] for row in fer_rows])), 3) for key in fer_rows[0] if key != "faces"
    }
    rows.append({"faces": f"{args.fer_faces} PublicTest faces, mean", **mean})

    print(format_table(list(rows[0]), [list(row.values()) for row in rows]))
    report = {
        "machine": describe_machine(),
        "fps": FPS,
        "seconds": args.seconds,
        "unit": "label changes per second of a still face",
        "rows": rows,
        "public_test_faces": fer_rows,
    }
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

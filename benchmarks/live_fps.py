"""Frames per second of the live pipeline, and the milliseconds of each stage, with 1 and 4 faces.

Frames are 640x480 and built from a real photo (Grace Hopper's portrait, shipped with matplotlib),
pasted once or four times. Stages: detect (Haar cascade), crop (cut and resize every face), model
(one batch), draw (boxes and bars). Runs the shipped Keras model and, if given, a .tflite export,
detecting on the full frame and on the live views' 320-pixel copy (faces from about 60 pixels).

Run:  python benchmarks/live_fps.py [--tflite ferlib_float16.tflite] [--frames 200]
Prints a table and writes benchmarks/results/live_fps.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from ferlib.faces import crop_face
from ferlib.io import write_text_atomic
from ferlib.live import LIVE_DETECTION_SIDE
from ferlib.machine import describe_machine
from ferlib.recognizer import EmotionRecognizer, FaceEmotion, draw_face, scores_dict
from ferlib.samples import frame_with_faces
from ferlib.table import format_table

RESULTS = Path(__file__).with_name("results") / "live_fps.json"


def time_stages(recognizer: EmotionRecognizer, frame: np.ndarray, frames: int) -> dict[str, float]:
    stages = {"detect": 0.0, "crop": 0.0, "model": 0.0, "draw": 0.0}
    faces_seen = 0
    for index in range(frames + 5):  # five warm-up frames are not counted
        canvas = frame.copy()
        t0 = time.perf_counter()
        gray = cv2.cvtColor(canvas, cv2.COLOR_BGR2GRAY)
        boxes = recognizer.detect(gray)
        t1 = time.perf_counter()
        crops = np.stack([crop_face(gray, box, recognizer.margin) for box in boxes])
        t2 = time.perf_counter()
        scores = recognizer.predict_crops(crops)
        t3 = time.perf_counter()
        for box, row in zip(boxes, scores, strict=True):
            draw_face(canvas, FaceEmotion(box, scores_dict(row)))
        t4 = time.perf_counter()
        if index >= 5:
            for name, seconds in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                stages[name] += seconds
            faces_seen = len(boxes)
    per_frame = {name: 1000 * total / frames for name, total in stages.items()}
    total_ms = sum(per_frame.values())
    return {"faces": faces_seen, **{f"{k}_ms": round(v, 2) for k, v in per_frame.items()},
            "total_ms": round(total_ms, 2), "fps": round(1000 / total_ms, 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tflite", help="also time this .tflite export")
    parser.add_argument("--frames", type=int, default=200)
    args = parser.parse_args()
    models = {"keras": None, **({"tflite": args.tflite} if args.tflite else {})}
    rows = []
    for runtime, model in models.items():
        for side in (1280, LIVE_DETECTION_SIDE):  # the default, and the live views' reduced detection copy
            recognizer = EmotionRecognizer(model, max_detection_side=side)
            for count in (1, 4):
                timing = time_stages(recognizer, frame_with_faces(count), args.frames)
                rows.append({"runtime": runtime, "detect_at": f"{min(side, 640)} px", **timing})
    print(format_table(list(rows[0]), [list(r.values()) for r in rows]))
    print(f"machine: {describe_machine()}")
    write_text_atomic(RESULTS, json.dumps({"rows": rows, "machine": describe_machine()}, indent=2) + "\n")


if __name__ == "__main__":
    main()

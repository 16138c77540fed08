"""Frames per second of the live pipeline, and the milliseconds of each stage, with 1 and 4 faces.

Frames are 640x480 and built from a real photo (Grace Hopper's portrait, shipped with matplotlib),
pasted once or four times. Stages: detect (the default detector, BlazeFace, on the full frame), crop
(cut, level and resize every face), model (one batch), draw (boxes and bars). Runs the shipped Keras
model and, if given, a .tflite export. For comparison, the loop most tutorials teach, timed in the
same run: OpenCV's Haar cascade at scale 1.1 on the full grey frame, then ``model.predict`` on each
face's 48x48 crop, then a box and a label.

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

from ferlib.faces import HaarFaceDetector
from ferlib.io import write_text_atomic
from ferlib.labels import EMOTIONS
from ferlib.machine import describe_machine
from ferlib.pretrained import load_pretrained
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
        boxes = recognizer.detect(canvas)
        t1 = time.perf_counter()
        crops = recognizer.crop_faces(cv2.cvtColor(canvas, cv2.COLOR_BGR2GRAY), boxes)
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


def time_tutorial_loop(frame: np.ndarray, frames: int) -> dict[str, float]:
    """The tutorials' loop: Haar at scale 1.1 on the full frame, ``model.predict`` per face, draw."""
    cascade, model = HaarFaceDetector(scale_factor=1.1), load_pretrained()
    total, faces_seen = 0.0, 0
    for index in range(frames + 5):
        canvas = frame.copy()
        start = time.perf_counter()
        gray = cv2.cvtColor(canvas, cv2.COLOR_BGR2GRAY)
        boxes = cascade.detect(gray)
        for box in boxes:
            face = cv2.resize(gray[box.y : box.y + box.h, box.x : box.x + box.w], (48, 48))
            scores = model.predict(face[None, :, :, None].astype(np.float32), verbose=0)[0]
            cv2.rectangle(canvas, (box.x, box.y), (box.x + box.w, box.y + box.h), (0, 255, 0), 2)
            cv2.putText(canvas, EMOTIONS[int(scores.argmax())], (box.x, box.y - 8),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.9, (0, 255, 0), 2)  # fmt: skip
        if index >= 5:
            total += time.perf_counter() - start
            faces_seen = len(boxes)
    total_ms = 1000 * total / frames
    return {"faces": faces_seen, "total_ms": round(total_ms, 2), "fps": round(1000 / total_ms, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tflite", help="also time this .tflite export")
    parser.add_argument("--frames", type=int, default=200)
    args = parser.parse_args()
    models = {"keras": None, **({"tflite": args.tflite} if args.tflite else {})}
    rows = []
    for runtime, model in models.items():
        recognizer = EmotionRecognizer(model)
        for count in (1, 4):
            timing = time_stages(recognizer, frame_with_faces(count), args.frames)
            rows.append({"pipeline": f"ferlib, {runtime}", **timing})
    for count in (1, 4):
        timing = time_tutorial_loop(frame_with_faces(count), args.frames)
        rows.append({"pipeline": "tutorial loop, keras", "faces": timing["faces"], "detect_ms": None,
                     "crop_ms": None, "model_ms": None, "draw_ms": None, **timing})  # fmt: skip
    print(format_table(list(rows[0]), [list(r.values()) for r in rows]))
    speedup = rows[0]["fps"] / rows[-2]["fps"]
    print(
        f"one face: ferlib's pipeline runs {speedup:.1f} times as many frames a second as the tutorials' loop"
    )
    print(f"machine: {describe_machine()}")
    report = {"rows": rows, "speedup_one_face": round(speedup, 1), "machine": describe_machine()}
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Face detectors compared: detection rate on real FER-2013 faces and speed on 640x480 frames.

Detection rate: PublicTest faces (48x48, each surely a face) are enlarged to 192x192 and set in a
320x320 grey frame; a detector scores a hit when it returns exactly one box. Speed: milliseconds per
640x480 frame holding one real portrait (Grace Hopper's, shipped with matplotlib).

Run:  python benchmarks/detectors.py [--faces 1000]
Prints a table and writes benchmarks/results/detectors.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from ferlib.data import load_fer2013
from ferlib.faces import DETECTORS, make_detector
from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine
from ferlib.samples import frame_with_faces
from ferlib.table import format_table

RESULTS = Path(__file__).with_name("results") / "detectors.json"


def framed(face: np.ndarray) -> np.ndarray:
    canvas = np.full((320, 320), 128, dtype=np.uint8)
    canvas[64:256, 64:256] = cv2.resize(face, (192, 192), interpolation=cv2.INTER_CUBIC)
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=1000, help="PublicTest faces to try")
    parser.add_argument("--frames", type=int, default=100, help="frames to time")
    args = parser.parse_args()
    faces = load_fer2013(progress=False).public_test.images[: args.faces]
    frame = cv2.cvtColor(frame_with_faces(1), cv2.COLOR_BGR2GRAY)
    rows = []
    for name in DETECTORS:
        detector = make_detector(name)
        hits = sum(len(detector.detect(framed(face))) == 1 for face in faces)
        detector.detect(frame)
        start = time.perf_counter()
        for _ in range(args.frames):
            detector.detect(frame)
        milliseconds = 1000 * (time.perf_counter() - start) / args.frames
        rows.append({"detector": name, "detection_rate": round(hits / len(faces), 4),
                     "ms_per_640x480_frame": round(milliseconds, 1)})  # fmt: skip
    print(f"{len(faces)} PublicTest faces")
    print(format_table(list(rows[0]), [list(r.values()) for r in rows]))
    print(f"machine: {describe_machine()}")
    report = {"faces": len(faces), "rows": rows, "machine": describe_machine()}
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

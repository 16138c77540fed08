"""Face detectors compared on webcam-like frames and on close-ups built from real photographs of people.

Each portrait is placed into 640x480 frames over a face-free photo, the face 40-200 pixels wide,
turned by up to 30 degrees either way and dimmed to 35-100% of its light, as a webcam sees faces.
As many frames again hold no face at all (face-free photos, equally dimmed). A face counts as found
when a box's centre lies within half a face width of the face's centre and its width is within a
factor of two of the face's; every other box is a box without a face. Speed: milliseconds of
``detect`` per 640x480 frame, averaged over all frames, and apart over the frames with a face and
those without (the close-up pass runs only where the first pass finds no face). The detectors take
turns frame by frame, each timed three times (``--repeats``) and its fastest kept, so the machine's
busy moments fall on all of them alike.

Close-ups: each portrait cut to a square picture (150 and 480 pixels) in which the face fills 100%,
85% or 70% of the width (turned by up to 15 degrees, moved by up to 5% of its width), and PublicTest
faces of FER-2013 as they are (48 pixels) and enlarged to 192: the face is the whole picture there.
A close-up's face counts as found by the same rule; each picture's milliseconds are averaged too.

Portraits: Grace Hopper's (matplotlib's sample data) and NASA's astronaut Eileen Collins
(scikit-image's data, public domain). More with ``--photos DIR``: a folder of photos with a
``faces.csv`` whose rows are ``file,x,y,w,h`` (one face per photo, its box in pixels), read there
and never copied into the repository. Face-free photos: scikit-learn's and scikit-image's samples.

Run:  python benchmarks/detectors.py [--frames 200] [--close-ups 60] [--repeats 3] [--photos DIR]
Prints a table and writes benchmarks/results/detectors.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ferlib.data import load_fer2013
from ferlib.faces import DETECTORS, Box, FaceDetector, make_detector
from ferlib.faces.blazeface import BlazeFaceDetector
from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine
from ferlib.samples import close_up, dimmed, place_face
from ferlib.samples import portraits as sample_portraits
from ferlib.table import format_table

RESULTS = Path(__file__).with_name("results") / "detectors.json"
FRAME_W, FRAME_H = 640, 480
FACE_WIDTHS = (40, 200)
MAX_TURN = 30.0
LIGHT = (0.35, 1.0)
FILLS = (1.0, 0.85, 0.7)
CLOSE_UP_SIDES = (150, 480)
FER_SIDES = (48, 192)
#: Detectors that find faces; "whole-image" takes every picture as one face and is not compared.
COMPARED = [name for name in DETECTORS if name != "whole-image"]
#: The default detector without its close-up pass, to show in the same run what that pass costs.
WITHOUT_CLOSE_UPS = "blazeface, full range only"


@dataclass(frozen=True)
class Portrait:
    name: str
    image: np.ndarray  # BGR
    face: tuple[int, int, int, int]  # the face's box, brows to chin, drawn by eye: x, y, w, h


def portraits(folder: Path | None) -> list[Portrait]:
    found = [Portrait(name, image, face) for name, (image, face) in sample_portraits().items()]
    if folder is not None:
        with open(folder / "faces.csv", newline="") as table:
            for file, *box in csv.reader(table):
                image = cv2.imread(str(folder / file))
                if image is None:
                    raise SystemExit(f"{folder / file}: not an image OpenCV can read")
                x, y, w, h = (int(v) for v in box)
                found.append(Portrait(file, image, (x, y, w, h)))
    return found


def face_free_photos() -> list[np.ndarray]:
    import skimage.data
    from sklearn.datasets import load_sample_images

    photos = [cv2.cvtColor(image, cv2.COLOR_RGB2BGR) for image in load_sample_images().images]
    for name in ("coffee", "chelsea", "rocket", "brick", "grass", "gravel", "text", "page", "coins", "moon"):
        image = getattr(skimage.data, name)()
        colour = cv2.COLOR_GRAY2BGR if image.ndim == 2 else cv2.COLOR_RGB2BGR
        photos.append(cv2.cvtColor(image, colour))
    return photos


def background(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random 640x480 part of ``photo``, scaled up first where it is smaller."""
    scale = max(FRAME_W / photo.shape[1], FRAME_H / photo.shape[0], 1.0) * rng.uniform(1.0, 1.5)
    big = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    top = rng.integers(0, big.shape[0] - FRAME_H + 1)
    left = rng.integers(0, big.shape[1] - FRAME_W + 1)
    return big[top : top + FRAME_H, left : left + FRAME_W].copy()


def build_frames(count: int, folder: Path | None, seed: int) -> list[tuple[np.ndarray, Box | None]]:
    """``count`` frames with one face each (the portraits in turn) and ``count`` without any."""
    rng = np.random.default_rng(seed)
    people, scenes = portraits(folder), face_free_photos()
    frames: list[tuple[np.ndarray, Box | None]] = []
    for index in range(count):
        person, width = people[index % len(people)], rng.uniform(*FACE_WIDTHS)
        frames.append(
            place_face(
                background(scenes[rng.integers(len(scenes))], rng), person.image, person.face,
                width=width, degrees=rng.uniform(-MAX_TURN, MAX_TURN), light=rng.uniform(*LIGHT),
                centre=(rng.uniform(width, FRAME_W - width), rng.uniform(width, FRAME_H - width)),
            )
        )  # fmt: skip
    for _ in range(count):
        scene = background(scenes[rng.integers(len(scenes))], rng)
        frames.append((dimmed(scene, rng.uniform(*LIGHT)), None))
    return frames


def close_up_sets(count: int, folder: Path | None, seed: int) -> dict[str, list[tuple[np.ndarray, Box]]]:
    """Pictures whose face fills most of them, by kind: portrait close-ups and FER-2013 faces."""
    rng = np.random.default_rng(seed)
    people = portraits(folder)
    sets: dict[str, list[tuple[np.ndarray, Box]]] = {}
    for fill in FILLS:
        for side in CLOSE_UP_SIDES:
            pictures = []
            for index in range(count):
                person = people[index % len(people)]
                pictures.append(
                    close_up(person.image, person.face, fill=fill, size=side, degrees=rng.uniform(-15, 15),
                             shift=(rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05)))
                )  # fmt: skip
            sets[f"portraits, face fills {fill:.0%}, {side} px"] = pictures
    public = load_fer2013(progress=False).public_test.images
    for side in FER_SIDES:
        faces = public if side == 48 else [cv2.resize(face, (side, side)) for face in public]
        sets[f"FER-2013 PublicTest faces, {side} px"] = [(face, Box(0, 0, side, side)) for face in faces]
    return sets


def score_close_ups(name: str, sets: dict[str, list[tuple[np.ndarray, Box]]]) -> list[dict[str, object]]:
    detector = detector_named(name)
    rows: list[dict[str, object]] = []
    for kind, pictures in sets.items():
        found, seconds = 0, 0.0
        for picture, face in tqdm(pictures, desc=f"{name}: {kind}", leave=False):
            start = time.perf_counter()
            boxes = detector.detect(picture)
            seconds += time.perf_counter() - start
            found += any(matches(box, face) for box in boxes)
        rows.append({"pictures": kind, "detector": name,
                     "faces_found_percent": round(100 * found / len(pictures), 1),
                     "ms_per_picture": round(1000 * seconds / len(pictures), 2)})  # fmt: skip
    return rows


def matches(box: Box, face: Box) -> bool:
    dx = (box.x + box.w / 2) - (face.x + face.w / 2)
    dy = (box.y + box.h / 2) - (face.y + face.h / 2)
    return np.hypot(dx, dy) <= face.w / 2 and 0.5 <= box.w / face.w <= 2


def detector_named(name: str) -> FaceDetector:
    return BlazeFaceDetector(close_ups=False) if name == WITHOUT_CLOSE_UPS else make_detector(name)


def score(
    names: list[str], frames: list[tuple[np.ndarray, Box | None]], repeats: int
) -> list[dict[str, object]]:
    """Each detector's faces found, boxes without a face, and time per frame: overall, and apart for the
    frames with a face and those without (the close-up pass runs only where the first pass finds
    nothing). The detectors take turns on each frame, each timed ``repeats`` times and its fastest
    kept, so that a busy moment of the machine does not land on one detector alone."""
    detectors = {name: detector_named(name) for name in names}
    for detector in detectors.values():
        detector.detect(frames[0][0])  # warm-up
    found = dict.fromkeys(names, 0)
    without_face = dict.fromkeys(names, 0)
    seconds = {name: {True: 0.0, False: 0.0} for name in names}
    for frame, face in tqdm(frames, desc="webcam-like frames", leave=False):
        for name, detector in detectors.items():
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                boxes = detector.detect(frame)
                times.append(time.perf_counter() - start)
            seconds[name][face is not None] += min(times)
            hit = face is not None and any(matches(box, face) for box in boxes)
            found[name] += hit
            without_face[name] += len(boxes) - hit
    faces = sum(face is not None for _, face in frames)
    return [{"detector": name, "faces_found_percent": round(100 * found[name] / faces, 1),
             "boxes_without_face_per_100_frames": round(100 * without_face[name] / len(frames), 1),
             "ms_per_640x480_frame": round(1000 * sum(seconds[name].values()) / len(frames), 1),
             "ms_per_frame_with_a_face": round(1000 * seconds[name][True] / faces, 1),
             "ms_per_frame_without": round(1000 * seconds[name][False] / (len(frames) - faces), 1)}
            for name in names]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200, help="frames with a face (as many without)")
    parser.add_argument("--close-ups", type=int, default=60, help="portrait close-ups per fill and size")
    parser.add_argument("--photos", type=Path, help="a folder of more portraits with faces.csv")
    parser.add_argument("--repeats", type=int, default=3, help="timings per frame (fastest kept)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    frames = build_frames(args.frames, args.photos, args.seed)
    load_before = os.getloadavg()[0]
    names = [*COMPARED, WITHOUT_CLOSE_UPS]
    rows = score(names, frames, args.repeats)
    sets = close_up_sets(args.close_ups, args.photos, args.seed)
    close_ups = [row for name in names for row in score_close_ups(name, sets)]
    people = [p.name for p in portraits(args.photos)]
    print(f"{args.frames} frames with one face ({', '.join(people)}), {args.frames} without")
    print(format_table(list(rows[0]), [list(r.values()) for r in rows]))
    print(format_table(list(close_ups[0]), [list(r.values()) for r in close_ups]))
    print(f"machine: {describe_machine()}")
    report = {"frames_with_a_face": args.frames, "frames_without": args.frames, "portraits": people,
              "timings_per_frame_fastest_of": args.repeats,
              "rows": rows, "close_ups_per_fill_and_size": args.close_ups, "close_up_rows": close_ups,
              "load_average_1_min_before_and_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
              "machine": describe_machine()}  # fmt: skip
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

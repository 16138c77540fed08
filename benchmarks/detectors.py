"""Face detectors compared on webcam-like frames built from real photographs of people.

Each portrait is placed into 640x480 frames over a face-free photo, the face 40-200 pixels wide,
turned by up to 30 degrees either way and dimmed to 35-100% of its light, as a webcam sees faces.
As many frames again hold no face at all (face-free photos, equally dimmed). A face counts as found
when a box's centre lies within half a face width of the face's centre and its width is within a
factor of two of the face's; every other box is a box without a face. Speed: milliseconds of
``detect`` per 640x480 frame, averaged over all frames.

Portraits: Grace Hopper's (matplotlib's sample data) and NASA's astronaut Eileen Collins
(scikit-image's data, public domain). More with ``--photos DIR``: a folder of photos with a
``faces.csv`` whose rows are ``file,x,y,w,h`` (one face per photo, its box in pixels), read there
and never copied into the repository. Face-free photos: scikit-learn's and scikit-image's samples.

Run:  python benchmarks/detectors.py [--frames 200] [--photos DIR]
Prints a table and writes benchmarks/results/detectors.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ferlib.faces import DETECTORS, Box, make_detector
from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine
from ferlib.samples import dimmed, place_face
from ferlib.samples import portraits as sample_portraits
from ferlib.table import format_table

RESULTS = Path(__file__).with_name("results") / "detectors.json"
FRAME_W, FRAME_H = 640, 480
FACE_WIDTHS = (40, 200)
MAX_TURN = 30.0
LIGHT = (0.35, 1.0)


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


def matches(box: Box, face: Box) -> bool:
    dx = (box.x + box.w / 2) - (face.x + face.w / 2)
    dy = (box.y + box.h / 2) - (face.y + face.h / 2)
    return np.hypot(dx, dy) <= face.w / 2 and 0.5 <= box.w / face.w <= 2


def score(name: str, frames: list[tuple[np.ndarray, Box | None]]) -> dict[str, object]:
    detector = make_detector(name)
    detector.detect(frames[0][0])  # warm-up
    found = without_face = 0
    seconds = 0.0
    for frame, face in tqdm(frames, desc=name, leave=False):
        start = time.perf_counter()
        boxes = detector.detect(frame)
        seconds += time.perf_counter() - start
        hit = face is not None and any(matches(box, face) for box in boxes)
        found += hit
        without_face += len(boxes) - hit
    faces = sum(face is not None for _, face in frames)
    return {"detector": name, "faces_found_percent": round(100 * found / faces, 1),
            "boxes_without_face_per_100_frames": round(100 * without_face / len(frames), 1),
            "ms_per_640x480_frame": round(1000 * seconds / len(frames), 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200, help="frames with a face (as many without)")
    parser.add_argument("--photos", type=Path, help="a folder of more portraits with faces.csv")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    frames = build_frames(args.frames, args.photos, args.seed)
    rows = [score(name, frames) for name in DETECTORS]
    people = [p.name for p in portraits(args.photos)]
    print(f"{args.frames} frames with one face ({', '.join(people)}), {args.frames} without")
    print(format_table(list(rows[0]), [list(r.values()) for r in rows]))
    print(f"machine: {describe_machine()}")
    report = {"frames_with_a_face": args.frames, "frames_without": args.frames, "portraits": people,
              "rows": rows, "machine": describe_machine()}  # fmt: skip
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

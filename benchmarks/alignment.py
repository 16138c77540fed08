"""Does levelling the eyes help the model on turned faces? Accuracy on PublicTest faces turned by up
to 30 degrees, cropped from BlazeFace's box as it is and with the eyes levelled.

Each PublicTest face is enlarged to 192x192 and set in a 320x320 frame (its border mirrored, so the
detector sees some surroundings), turned by a random angle in [-30, 30] degrees, and given to the
default detector. On the faces it finds, the shipped model reads the crop of each way; the same faces
unturned are the reference.

Run:  python benchmarks/alignment.py [--faces 3589]
Prints a table and writes benchmarks/results/alignment.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ferlib.data import load_fer2013
from ferlib.faces import crop_face, make_detector
from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine
from ferlib.pretrained import load_pretrained
from ferlib.table import format_table

RESULTS = Path(__file__).with_name("results") / "alignment.json"
MAX_TURN = 30.0


def framed(face: np.ndarray, degrees: float) -> np.ndarray:
    big = cv2.resize(face, (192, 192), interpolation=cv2.INTER_CUBIC)
    frame = cv2.copyMakeBorder(big, 64, 64, 64, 64, cv2.BORDER_REFLECT)
    turn = cv2.getRotationMatrix2D((160, 160), degrees, 1.0)
    return cv2.warpAffine(frame, turn, (320, 320), borderMode=cv2.BORDER_REFLECT)


def turned_faces(count: int, seed: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """The first ``count`` PublicTest faces, their labels, and each face framed and turned by a random
    angle in [-MAX_TURN, MAX_TURN]; ``benchmarks/framing.py`` uses the same frames."""
    public = load_fer2013(progress=False).public_test
    faces, labels = public.images[:count], public.labels[:count]
    angles = np.random.default_rng(seed).uniform(-MAX_TURN, MAX_TURN, len(faces))
    return faces, labels, [framed(face, angle) for face, angle in zip(faces, angles, strict=True)]


def turned_faces_from_arguments(description: str) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """``turned_faces`` for the ``--faces`` and ``--seed`` of the command line."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--faces", type=int, default=3589, help="PublicTest faces to try")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    return turned_faces(args.faces, args.seed)


def main() -> None:
    faces, labels, frames = turned_faces_from_arguments(__doc__.splitlines()[0])
    detector, model = make_detector(), load_pretrained()
    kept, crops = [], {False: [], True: []}
    for index, frame in enumerate(tqdm(frames, desc="detect")):
        boxes = detector.detect(frame)
        if len(boxes) != 1:
            continue
        kept.append(index)
        for align in (False, True):
            crops[align].append(crop_face(frame, boxes[0], align=align))

    def accuracy(images: np.ndarray) -> float:
        probabilities = model.predict(images[..., None].astype(np.float32), batch_size=256, verbose=0)
        return round(float(np.mean(probabilities.argmax(1) == labels[kept])), 4)

    rows = [
        {"crop": "unturned (reference)", "accuracy": accuracy(faces[kept])},
        {"crop": "turned, box as found", "accuracy": accuracy(np.stack(crops[False]))},
        {"crop": "turned, eyes levelled", "accuracy": accuracy(np.stack(crops[True]))},
    ]
    print(f"{len(kept)} of {len(faces)} turned PublicTest faces found by the default detector")
    print(format_table(list(rows[0]), [list(r.values()) for r in rows]))
    print(f"machine: {describe_machine()}")
    report = {"faces": len(faces), "found": len(kept), "max_turn_degrees": MAX_TURN, "rows": rows,
              "machine": describe_machine()}  # fmt: skip
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

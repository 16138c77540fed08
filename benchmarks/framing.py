"""Which crop of a detector's box suits the model? Accuracy on PublicTest faces found in frames, for
each detector and framing (margin, vertical offset, square or not), beside the faces' own crops.

Each PublicTest face is enlarged to 192x192, set in a 320x320 frame with mirrored borders and turned
by up to 30 degrees, as in ``benchmarks/alignment.py``, then given to each detector. On the frames
where a detector finds exactly the face (one box, on it at about its size), the shipped model reads the
face cut with every framing of the grid, eyes levelled where the detector gives them. The reference is
the same faces' own 48x48 crops: the framing the model learned. The best framing of each detector
becomes its default in ``ferlib.faces.FRAMINGS``; it is chosen on PublicTest and measured there, so
its accuracy is a little optimistic.

Run:  python benchmarks/framing.py [--faces 3589]
Prints a table and writes benchmarks/results/framing.json.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
from alignment import MAX_TURN, turned_faces_from_arguments
from detectors import matches
from tqdm import tqdm

from ferlib.faces import Box, Framing, crop_face, make_detector
from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine
from ferlib.pretrained import load_pretrained
from ferlib.table import format_table

RESULTS = Path(__file__).with_name("results") / "framing.json"
DETECTORS = ("blazeface", "haar")
MARGINS = (0.0, 0.05, 0.1, 0.15, 0.2)
OFFSETS = (-0.05, 0.0, 0.05, 0.1)
SQUARE = (True, False)
FACE_IN_FRAME = Box(64, 64, 192, 192)  # where framed() puts the face, before the turn


def main() -> None:
    faces, labels, frames = turned_faces_from_arguments(__doc__.splitlines()[0])
    model = load_pretrained()

    def accuracy(images: np.ndarray, kept: list[int]) -> float:
        probabilities = model.predict(images[..., None].astype(np.float32), batch_size=256, verbose=0)
        return round(float(np.mean(probabilities.argmax(1) == labels[kept])), 4)

    grid = [Framing(m, o, s) for m, o, s in itertools.product(MARGINS, OFFSETS, SQUARE)]
    summary, rows = [], []
    for name in DETECTORS:
        detector = make_detector(name)
        kept, boxes = [], []
        for index, frame in enumerate(tqdm(frames, desc=f"{name}: detect", leave=False)):
            found = detector.detect(frame)
            if len(found) == 1 and matches(found[0], FACE_IN_FRAME):
                kept.append(index)
                boxes.append(found[0])
        scores = {}
        for framing in tqdm(grid, desc=f"{name}: framings", leave=False):
            crops = np.stack([crop_face(frames[i], box, framing) for i, box in zip(kept, boxes, strict=True)])
            scores[framing] = accuracy(crops, kept)
            rows.append({"detector": name, "margin": framing.margin, "offset": framing.offset,
                         "square": framing.square, "accuracy": scores[framing]})  # fmt: skip
        best = max(grid, key=lambda framing: scores[framing])
        old = Framing()  # the framing every detector used before this benchmark
        summary.append({
            "detector": name, "faces_found": len(kept), "faces": len(faces),
            "own_crops_accuracy": accuracy(faces[kept], kept),
            "margin_0.1_accuracy": scores[old],
            "best_framing": f"margin {best.margin}, offset {best.offset}, "
            + ("square" if best.square else "box"),
            "best_accuracy": scores[best],
        })  # fmt: skip
    print(format_table(list(summary[0]), [list(r.values()) for r in summary]))
    print(f"machine: {describe_machine()}")
    report = {"faces": len(faces), "max_turn_degrees": MAX_TURN, "summary": summary, "grid": rows,
              "machine": describe_machine()}  # fmt: skip
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

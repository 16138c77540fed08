"""A teacher rebuilt from the repository: the average of several models' predictions on the Training
faces, for ``ferlib train --teacher FILE.npy`` when some of their weights are gone (issue 31).

Each NAME is a run kept by ``store_candidate.py`` (its ``results/predictions/NAME_Training.npy`` and
``NAME_PublicTest.npy``) or a shipped model's name (``default``, ``accurate``), predicted here in one
pass. Prints each member's and the average's PublicTest accuracy, the figure a teacher is chosen by.

Run:  python benchmarks/stored_teacher.py NAME [NAME ...] --out FILE.npy  (--overwrite replaces FILE)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ferlib.data import FER2013, load_fer2013
from ferlib.evaluation import predict_proba
from ferlib.io import atomic_path
from ferlib.models import load_model_file
from ferlib.pretrained import PRETRAINED, model_file

PREDICTIONS = Path(__file__).with_name("results") / "predictions"


def member_predictions(name: str, data: FER2013) -> tuple[np.ndarray, np.ndarray]:
    """``name``'s probabilities on the Training and the PublicTest faces: stored, or predicted for a
    shipped model."""
    if name in PRETRAINED:
        model = load_model_file(model_file(name))
        return predict_proba(model, data.training.images), predict_proba(model, data.public_test.images)
    stored = [PREDICTIONS / f"{name}_{split}.npy" for split in ("Training", "PublicTest")]
    missing = [path for path in stored if not path.is_file()]
    if missing:
        raise SystemExit(f"{name}: not a shipped model ({', '.join(PRETRAINED)}), and {missing[0]} is "
                         "missing (benchmarks/store_candidate.py keeps a finished run's)")  # fmt: skip
    training, public = (np.load(path).astype(np.float32) for path in stored)
    return training, public  # ferlib train checks the Training rows against the faces


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", help="stored run names or shipped model names")
    parser.add_argument("--out", type=Path, required=True, help="the teacher's .npy file to write")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    args = parser.parse_args()
    if args.out.suffix.lower() != ".npy":
        parser.error(f"--out {args.out}: ferlib train takes stored probabilities as a .npy file")
    if args.out.exists() and not args.overwrite:
        parser.error(f"{args.out} exists; --overwrite replaces it")

    data = load_fer2013()
    members = {name: member_predictions(name, data) for name in args.names}
    labels = data.public_test.labels
    for name, (_, public) in members.items():
        print(f"{name}: PublicTest {np.mean(public.argmax(axis=1) == labels):.4f}")
    teacher = np.mean([training for training, _ in members.values()], axis=0)
    public = np.mean([public for _, public in members.values()], axis=0)
    print(f"average of {len(members)}: PublicTest {np.mean(public.argmax(axis=1) == labels):.4f}")
    with atomic_path(args.out) as tmp, tmp.open("wb") as handle:
        np.save(handle, teacher.astype(np.float16))
    print(f"wrote {args.out}: ferlib train --teacher {args.out} distils it")


if __name__ == "__main__":
    main()

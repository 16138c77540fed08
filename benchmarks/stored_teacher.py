"""A teacher rebuilt from the repository: the average of several models' predictions on the Training
faces, for ``ferlib train --teacher FILE.npy`` when some of their weights are gone (issue 31).

Each NAME is a run kept by ``store_candidate.py`` (its ``results/predictions/NAME_Training.npy`` and
``NAME_PublicTest.npy``), a shipped model's name (``default``, ``accurate``), or NAME=MODEL.keras for
a model file (an older shipped model from git history, say); the last two are predicted here in one
pass. Prints each member's and the average's PublicTest accuracy, the figure a teacher is chosen by,
and their accuracy on the Training faces with the average's mean top probability there: how close the
targets it teaches are to the hard labels. ``FILE.json``, beside FILE.npy, records them with the members
and FILE.npy's fingerprint (the ``teacher_fingerprint`` in the card of a run distilled from it, by which
``store_candidate.py`` keeps the record with that run); it is written just before FILE.npy, which a
plan takes as done once it exists.

Run:  python benchmarks/stored_teacher.py NAME|NAME=MODEL.keras ... --out FILE.npy  (--overwrite replaces
FILE)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import _stored
import numpy as np

from ferlib.data import FER2013, load_fer2013
from ferlib.distill import file_fingerprint
from ferlib.evaluation import predict_proba
from ferlib.io import atomic_path, write_text_atomic
from ferlib.models import load_model_file
from ferlib.pretrained import PRETRAINED, model_file


def member_predictions(member: str, data: FER2013) -> tuple[str, np.ndarray, np.ndarray]:
    """A member's name and its probabilities on the Training and the PublicTest faces: stored
    (``SystemExit`` when missing or not one row per face), or predicted for a shipped model or
    NAME=MODEL.keras."""
    name, _, path = member.partition("=")
    if path or name in PRETRAINED:
        model = load_model_file(path or model_file(name))
        return name, predict_proba(model, data.training.images), predict_proba(model, data.public_test.images)
    return (
        name,
        _stored.load(name, "Training", len(data.training)),
        _stored.load(name, "PublicTest", len(data.public_test)),
    )


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    return round(float(np.mean(probabilities.argmax(axis=1) == labels)), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "names",
        nargs="+",
        help=f"stored run names, shipped model names ({', '.join(PRETRAINED)}) or NAME=MODEL.keras",
    )
    parser.add_argument("--out", type=Path, required=True, help="the teacher's .npy file to write")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    args = parser.parse_args()
    if args.out.suffix.lower() != ".npy":
        parser.error(f"--out {args.out}: ferlib train takes stored probabilities as a .npy file")
    if args.out.exists() and not args.overwrite:
        parser.error(f"{args.out} exists; --overwrite replaces it")
    _stored.refuse_repeated([member.partition("=")[0] for member in args.names])

    data = load_fer2013()
    predicted = (member_predictions(member, data) for member in args.names)
    members = {name: (training, public) for name, training, public in predicted}
    training_labels, public_labels = data.training.labels, data.public_test.labels
    rows = []
    for name, (training, public) in members.items():
        rows.append({
            "name": name,
            "public_test_accuracy": accuracy(public, public_labels),
            "training_accuracy": accuracy(training, training_labels),
        })  # fmt: skip
        print(f"{name}: PublicTest {rows[-1]['public_test_accuracy']:.4f}, "
              f"Training {rows[-1]['training_accuracy']:.4f}")  # fmt: skip
    teacher = np.mean([training for training, _ in members.values()], axis=0).astype(np.float16)
    public_mean = np.mean([public for _, public in members.values()], axis=0)
    average = {
        "public_test_accuracy": accuracy(public_mean, public_labels),
        # from the float16 that FILE.npy holds: the targets as a student gets them
        "training_accuracy": accuracy(teacher, training_labels),
        "training_mean_top_probability": round(float(teacher.astype(np.float32).max(axis=1).mean()), 4),
    }
    print(f"average of {len(members)}: PublicTest {average['public_test_accuracy']:.4f}, Training "
          f"{average['training_accuracy']:.4f}, mean top probability on Training "
          f"{average['training_mean_top_probability']:.4f}")  # fmt: skip
    record = _stored.teacher_record(args.out)
    with atomic_path(args.out) as tmp:
        with tmp.open("wb") as handle:
            np.save(handle, teacher)
        report = {"teacher": args.out.name, "teacher_fingerprint": file_fingerprint(tmp), "members": rows,
                  "average": average}  # fmt: skip
        write_text_atomic(record, json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out} and {record.name}: ferlib train --teacher {args.out} distils it")


if __name__ == "__main__":
    main()

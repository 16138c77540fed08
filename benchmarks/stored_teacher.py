"""A teacher rebuilt from the repository: the average of several models' predictions on the Training
faces, for ``ferlib train --teacher FILE.npy`` when some of their weights are gone (issue 31).

Each NAME is a run kept by ``store_candidate.py`` (its ``results/predictions/NAME_Training.npy`` and
``NAME_PublicTest.npy``), a shipped model's name (``default``, ``accurate``), or NAME=MODEL.keras for
a model file (an older shipped model from git history, say); the last two are predicted here in one
pass, after every member has been checked. Prints each member's and the average's PublicTest accuracy,
the figure a teacher is chosen by, and their accuracy on the Training faces with the average's mean top
probability there: how close the targets it teaches are to the hard labels. ``FILE.json``, beside
FILE.npy, records them with the members, FILE.npy's fingerprint (the ``teacher_fingerprint`` in the card
of a run distilled from it, by which ``store_candidate.py`` keeps the record with that run), the machine
and the command; the same report goes to ``benchmarks/results/stored_teacher_<FILE's stem>.json``. Both
are written just before FILE.npy, which a plan takes as done once it exists; none of the three is
replaced unless ``--overwrite``.

Run:  python benchmarks/stored_teacher.py NAME|NAME=MODEL.keras ... --out FILE.npy  (--overwrite replaces
FILE and its reports)
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import _stored
import numpy as np

from ferlib.data import FER2013, load_fer2013
from ferlib.distill import file_fingerprint
from ferlib.evaluation import predict_proba
from ferlib.io import atomic_path, write_text_atomic
from ferlib.machine import describe_machine
from ferlib.models import load_model_file
from ferlib.pretrained import PRETRAINED, model_file

RESULTS = Path(__file__).with_name("results")


def member_predictions(name: str, model: str, data: FER2013) -> tuple[np.ndarray, np.ndarray]:
    """A member's probabilities on the Training and the PublicTest faces: predicted for a shipped model
    or NAME=MODEL.keras, else stored (checked beforehand)."""
    if model or name in PRETRAINED:
        network = load_model_file(model or model_file(name))
        return predict_proba(network, data.training.images), predict_proba(network, data.public_test.images)
    return (
        _stored.load(name, "Training", len(data.training)),
        _stored.load(name, "PublicTest", len(data.public_test)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "names",
        nargs="+",
        help=f"stored run names, shipped model names ({', '.join(PRETRAINED)}) or NAME=MODEL.keras",
    )
    parser.add_argument("--out", type=Path, required=True, help="the teacher's .npy file to write")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out and its reports")
    args = parser.parse_args()
    if args.out.suffix.lower() != ".npy":
        parser.error(f"--out {args.out}: ferlib train takes stored probabilities as a .npy file")
    record = _stored.teacher_record(args.out)
    results = RESULTS / f"stored_teacher_{args.out.stem}.json"
    for written in (args.out, record, results):
        if written.exists() and not args.overwrite:
            parser.error(f"{written} exists; --overwrite replaces it")
    members = [_stored.split_member(member) for member in args.names]
    for name, model in members:
        if problem := _stored.member_problem(name, model):
            parser.error(problem)
    _stored.refuse_repeated([name for name, _ in members])

    data = load_fer2013()
    splits = (("Training", len(data.training)), ("PublicTest", len(data.public_test)))
    for name, model in members:
        if not model and name not in PRETRAINED:
            for split, faces in splits:
                if problem := _stored.problem(name, split, faces):
                    parser.error(problem)
    predicted = {name: member_predictions(name, model, data) for name, model in members}
    training_labels, public_labels = data.training.labels, data.public_test.labels
    rows = []
    for name, (training, public) in predicted.items():
        rows.append({
            "name": name,
            "public_test_accuracy": _stored.accuracy(public, public_labels),
            "training_accuracy": _stored.accuracy(training, training_labels),
        })  # fmt: skip
        print(f"{name}: PublicTest {rows[-1]['public_test_accuracy']:.4f}, "
              f"Training {rows[-1]['training_accuracy']:.4f}")  # fmt: skip
    teacher = np.mean([training for training, _ in predicted.values()], axis=0).astype(np.float16)
    public_mean = np.mean([public for _, public in predicted.values()], axis=0)
    average = {
        "public_test_accuracy": _stored.accuracy(public_mean, public_labels),
        # from the float16 that FILE.npy holds: the targets as a student gets them
        "training_accuracy": _stored.accuracy(teacher, training_labels),
        "training_mean_top_probability": round(float(teacher.astype(np.float32).max(axis=1).mean()), 4),
    }
    print(f"average of {len(predicted)}: PublicTest {average['public_test_accuracy']:.4f}, Training "
          f"{average['training_accuracy']:.4f}, mean top probability on Training "
          f"{average['training_mean_top_probability']:.4f}")  # fmt: skip
    with atomic_path(args.out) as tmp:
        with tmp.open("wb") as handle:
            np.save(handle, teacher)
        report = {
            "teacher": args.out.name,
            "teacher_fingerprint": file_fingerprint(tmp),
            "members": rows,
            "average": average,
            "machine": describe_machine(),
            "command": shlex.join(["python", *sys.argv]),
        }
        text = json.dumps(report, indent=2) + "\n"
        write_text_atomic(record, text)
        write_text_atomic(results, text)
    print(f"wrote {args.out}, {record.name} and {results}: ferlib train --teacher {args.out} distils it")


if __name__ == "__main__":
    main()

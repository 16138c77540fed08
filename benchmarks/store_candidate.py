"""Keep what a finished training run taught, so it survives the machine and its weights (issue 31).

Stores the run's predictions as float16 in ``benchmarks/results/predictions/`` (``_stored.py``):
``NAME_PublicTest.npy`` (one pass), ``NAME_PublicTest_tta.npy`` (test-time views; the ten crops for a
network trained on random crops) and ``NAME_Training.npy`` (one pass over the 28,709 Training faces, under
1 MB, so a teacher's soft targets can be rebuilt from the repository: ``ferlib train --teacher
NAME_Training.npy``), then copies the run's epoch log and card (``model.json``) into
``benchmarks/results/candidates/NAME_log.csv`` and ``NAME.json``. A run distilled from averaged stored
predictions (``stored_teacher.py``'s FILE.npy) also keeps their record, FILE.json, as
``NAME_teacher.json`` when its fingerprint is that of the run's teacher. PrivateTest is not touched.
Every file is written atomically and the card last, so a store cut short leaves no card: a plan that
skips stored runs by their card redoes it (``--overwrite``).
``benchmarks/candidate_runs.py`` then lists the run beside the others.

Run:  python benchmarks/store_candidate.py RUN_FOLDER NAME  (add --overwrite to replace a stored NAME)
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import _stored
import numpy as np

from ferlib.config import is_stored_teacher
from ferlib.data import load_fer2013
from ferlib.evaluation import predict_proba
from ferlib.io import atomic_path
from ferlib.models import load_model_file

CANDIDATES = Path(__file__).with_name("results") / "candidates"


def copy_atomic(source: Path, destination: Path) -> None:
    """Copy ``source`` to ``destination`` by a rename: a copy cut short leaves no ``destination``."""
    with atomic_path(destination) as tmp:
        shutil.copyfile(source, tmp)


def teacher_record(card: dict) -> Path | None:
    """The record of the averaged stored predictions the run was distilled from, when there is one and
    its fingerprint is that of the run's teacher file; None (saying why, for a record that does not
    match) otherwise."""
    teacher = card["config"].get("teacher")
    record = _stored.teacher_record(teacher) if teacher and is_stored_teacher(teacher) else None
    if record is None or not record.is_file():
        return None
    if json.loads(record.read_text()).get("teacher_fingerprint") != card.get("teacher_fingerprint"):
        print(f"{record} is not kept: it records another file than the run's teacher (fingerprint "
              f"{card.get('teacher_fingerprint')})")  # fmt: skip
        return None
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a finished run folder (model.keras, model.json, log.csv)")
    parser.add_argument("name", help="the name it is stored under, e.g. crop44_20ep")
    parser.add_argument("--overwrite", action="store_true", help="replace what is stored under NAME")
    args = parser.parse_args()

    if args.name.endswith("_teacher"):
        parser.error(f"{args.name}: a name ending in _teacher would read as another run's teacher record")
    card_path, log_path, model_path = (args.run / name for name in ("model.json", "log.csv", "model.keras"))
    for needed in (card_path, log_path, model_path):
        if not needed.is_file():
            parser.error(f"{needed} is missing: is {args.run} a finished run?")
    card_target, log_target, teacher_target = (
        CANDIDATES / f"{args.name}{suffix}" for suffix in (".json", "_log.csv", "_teacher.json")
    )
    targets = [
        *(_stored.path(args.name, split) for split in _stored.SPLITS),
        log_target,
        teacher_target,
        card_target,
    ]
    stored = [str(path) for path in targets if path.exists()]
    if stored and not args.overwrite:
        parser.error(f"{args.name} is already stored ({', '.join(stored)}); --overwrite replaces it")
    card = json.loads(card_path.read_text())
    record = teacher_record(card)

    data = load_fer2013()
    model = load_model_file(model_path)
    public = data.public_test
    predictions = {
        "PublicTest": predict_proba(model, public.images),
        "PublicTest_tta": predict_proba(model, public.images, tta=True),
        "Training": predict_proba(model, data.training.images),
    }
    kept = {split: _stored.save(args.name, split, values) for split, values in predictions.items()}
    copy_atomic(log_path, log_target)
    if record is None:
        teacher_target.unlink(missing_ok=True)  # another store's, under --overwrite
    else:
        copy_atomic(record, teacher_target)
    copy_atomic(card_path, card_target)  # last: its presence says the store is whole
    for split in ("PublicTest", "PublicTest_tta"):
        accuracy = float(np.mean(kept[split].argmax(axis=1) == public.labels))
        print(f"{args.name} {split} (as stored): {accuracy:.4f}")
    print(f"card's PublicTest accuracy: {card['public_test_accuracy']:.4f}; stored under {args.name}")


if __name__ == "__main__":
    main()

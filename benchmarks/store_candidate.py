"""Keep what a finished training run taught, so it survives the machine and its weights (issue 31).

Stores the run's predictions as float16 in ``benchmarks/results/predictions/`` (``_stored.py``):
``NAME_PublicTest.npy`` (one pass), ``NAME_PublicTest_tta.npy`` (test-time views; the ten crops for a
network trained on random crops) and ``NAME_Training.npy`` (one pass over the 28,709 Training faces, under
1 MB, so a teacher's soft targets can be rebuilt from the repository: ``ferlib train --teacher
NAME_Training.npy``), then copies the run's epoch log and card (``model.json``) into
``benchmarks/results/candidates/NAME_log.csv`` and ``NAME.json``. A run distilled from averaged stored
predictions (``stored_teacher.py``'s FILE.npy) also keeps their record, FILE.json, as
``NAME_teacher.json`` when its fingerprint is that of the run's teacher (a re-store keeps the one already
there when FILE.json is gone and that one matches). PrivateTest is not touched. Every file is written
atomically and the card last, and ``--overwrite`` removes the old card before anything else, so a store
or re-store cut short leaves no card: a plan that skips stored runs by their card redoes it
(``--overwrite``). ``benchmarks/candidate_runs.py`` then lists the run beside the others.

Run:  python benchmarks/store_candidate.py RUN_FOLDER NAME  (add --overwrite to replace a stored NAME)
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import _stored

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


def matching_teacher_record(card: dict, kept: Path) -> Path | None:
    """The record of the averaged stored predictions the run was distilled from whose fingerprint is the
    card's ``teacher_fingerprint``: FILE.json beside the run's teacher FILE.npy, else ``kept`` (the
    NAME_teacher.json a store before this one kept). None for a run not distilled from stored
    predictions, and, saying why in one line each, when there is no such record."""
    teacher = card["config"].get("teacher")
    if not teacher or not is_stored_teacher(teacher):
        return None
    record = _stored.teacher_record(teacher)
    fingerprint = card.get("teacher_fingerprint")
    if fingerprint is None:
        print(f"the teacher's record is not kept: the run's card has no teacher_fingerprint to match "
              f"{record.name} against")  # fmt: skip
        return None
    if not record.is_file():
        print(f"no record of the teacher's members found: looked for {record}")
    for found in (record, kept):
        if not found.is_file():
            continue
        if json.loads(found.read_text()).get("teacher_fingerprint") == fingerprint:
            if found == kept:
                print(f"{kept} is kept: it records the run's teacher (fingerprint {fingerprint})")
            return found
        print(f"{found} is not kept: it records another file than the run's teacher (fingerprint "
              f"{fingerprint})")  # fmt: skip
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a finished run folder (model.keras, model.json, log.csv)")
    parser.add_argument("name", help="the name it is stored under, e.g. crop44_20ep")
    parser.add_argument("--overwrite", action="store_true", help="replace what is stored under NAME")
    args = parser.parse_args()

    if args.name.endswith(_stored.TEACHER_SUFFIX):
        parser.error(f"{args.name}: a name ending in {_stored.TEACHER_SUFFIX} would read as another run's "
                     f"teacher record")  # fmt: skip
    card_path, log_path, model_path = (args.run / name for name in ("model.json", "log.csv", "model.keras"))
    for needed in (card_path, log_path, model_path):
        if not needed.is_file():
            parser.error(f"{needed} is missing: is {args.run} a finished run?")
    card_target, log_target = (CANDIDATES / f"{args.name}{suffix}" for suffix in (".json", "_log.csv"))
    teacher_target = _stored.kept_teacher_record(CANDIDATES, args.name)
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
    card_target.unlink(missing_ok=True)  # first: until the new card lands, the store is not whole
    record = matching_teacher_record(card, teacher_target)

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
    elif record != teacher_target:
        copy_atomic(record, teacher_target)
    copy_atomic(card_path, card_target)  # last: its presence says the store is whole
    for split in ("PublicTest", "PublicTest_tta"):
        print(f"{args.name} {split} (as stored): {_stored.accuracy(kept[split], public.labels):.4f}")
    print(f"card's PublicTest accuracy: {card['public_test_accuracy']:.4f}; stored under {args.name}")


if __name__ == "__main__":
    main()

"""The training runs tried for the shipped model (full budgets and short comparisons), side by side.

Each candidate run's card (``<name>.json``) and epoch log (``<name>_log.csv``) are kept in
``benchmarks/results/candidates/``; this reads them and prints one row per run: what the run changed,
its epochs and minutes (with, for a distilled run, what its teacher cost too), the training accuracy of
its last epoch (how much it over-fits), and its PublicTest accuracy (which chose the shipped model) and
PrivateTest accuracy (reported, never used to choose). Runs stored with ``store_candidate.py`` also
show their PublicTest accuracy over test-time views and how they compare with the shipped default face by
face on PublicTest: the faces only the run gets right, those only the default gets right, and McNemar's
exact p-value (``ferlib.evaluation.paired_comparison``), the chance of so lopsided a split between two
equally good models; a run distilled from averaged stored predictions is described by their members
when it kept their record (``<name>_teacher.json``).

Run:  python benchmarks/candidate_runs.py
Writes benchmarks/results/candidate_runs.json.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import _stored
import numpy as np

from ferlib.config import AugmentConfig, TrainConfig, is_stored_teacher
from ferlib.data import load_fer2013
from ferlib.evaluation import paired_comparison
from ferlib.io import write_text_atomic
from ferlib.models import DEFAULT_ARCHITECTURE
from ferlib.table import format_table

RESULTS = Path(__file__).with_name("results")
CANDIDATES = RESULTS / "candidates"
DEFAULT_RUN = "distilled_deep_125min"  # the shipped default's run (docs/model-card.md)


def describe(config: dict, teacher_members: list[str] | None = None) -> str:
    """The recipe in a few words: the budget and what differs from ``ferlib train``'s defaults;
    ``teacher_members``: the runs averaged into a stored teacher, when recorded."""
    budget = f"{config['minutes']:g} minutes" if config.get("minutes") else f"{config['epochs']} epochs"
    if config["architecture"] != DEFAULT_ARCHITECTURE:
        budget = f"{config['architecture']}, {budget}"
    changes = [f"random {config['crop']}-px crops"] if config.get("crop") else []
    defaults = dataclasses.asdict(AugmentConfig())
    changes += [f"{key.replace('_', ' ')} {value:g}" for key, value in config["augment"].items()
                if value != defaults[key] and not isinstance(value, bool)]  # fmt: skip
    if config.get("label_smoothing"):
        changes.append(f"label smoothing {config['label_smoothing']:g}")
    if config["learning_rate"] != TrainConfig.learning_rate:
        changes.append(f"peak learning rate {config['learning_rate']:g}")
    if config.get("initial_model"):
        changes.append(f"started from {Path(config['initial_model']).stem}")
    if config.get("teacher"):
        views = ", over its test-time views" if config.get("distill_tta") else ""
        teacher = Path(config["teacher"]).stem
        if teacher_members:
            teacher = f"the averaged predictions of {' + '.join(teacher_members)}"
        elif is_stored_teacher(config["teacher"]):
            teacher = f"{teacher}'s stored predictions"
        changes.append(f"distilled from {teacher} (T {config['distill_temperature']:g}, "
                       f"weight {config['distill_weight']:g}{views})")  # fmt: skip
    return ", ".join([budget, *changes])


def tta_accuracy(name: str, labels: np.ndarray) -> float | None:
    """PublicTest accuracy over test-time views, from the predictions benchmarks/store_candidate.py
    stored; None for runs stored before it existed."""
    if not _stored.path(name, "PublicTest_tta").exists():
        return None
    return _stored.accuracy(_stored.load(name, "PublicTest_tta", len(labels)), labels)


def versus_default(name: str, labels: np.ndarray) -> dict[str, float | int | None]:
    """The run against the shipped default, face by face on PublicTest, from their stored one-pass
    predictions; None for the default's own run and for runs stored before predictions were."""
    if not _stored.path(name, "PublicTest").exists() or name == DEFAULT_RUN:
        return {
            "faces_only_it_gets_right": None,
            "faces_only_default_gets_right": None,
            "p_versus_default": None,
        }
    run, default = (_stored.load(stored, "PublicTest", len(labels)) for stored in (name, DEFAULT_RUN))
    result = paired_comparison(labels, run, default)
    return {
        "faces_only_it_gets_right": result.first_only,
        "faces_only_default_gets_right": result.second_only,
        "p_versus_default": float(f"{result.p_value:.3g}"),  # three significant figures: some are tiny
    }


def teacher_members(name: str) -> list[str] | None:
    """The runs averaged into the stored teacher that ``name`` was distilled from, from the record
    store_candidate.py kept; None where it kept none."""
    record = _stored.kept_teacher_record(CANDIDATES, name)
    return (
        [member["name"] for member in json.loads(record.read_text())["members"]] if record.exists() else None
    )


def minutes_in_all(card: dict) -> float | None:
    """The minutes of the run and of every run behind it (a teacher's, a starting model's), None where
    one of them is unknown."""
    total = card.get("total_wall_seconds", card["wall_seconds"])
    return None if total is None else round(total / 60, 1)


def main() -> None:
    public_labels = load_fer2013(progress=False).public_test.labels
    rows = []
    for card_path in sorted(CANDIDATES.glob("*.json")):
        if card_path.stem.endswith(_stored.TEACHER_SUFFIX):
            continue  # a run's teacher record, read with its card
        card = json.loads(card_path.read_text())
        with card_path.with_name(f"{card_path.stem}_log.csv").open(newline="") as log:
            last_epoch = list(csv.DictReader(log))[-1]
        rows.append({
            "run": describe(card["config"], teacher_members(card_path.stem)),
            "command": card["command"],
            "epochs": card["epochs"],
            "minutes": round(card["wall_seconds"] / 60, 1),
            "minutes_with_teacher": minutes_in_all(card),
            "training_accuracy_last_epoch": round(float(last_epoch["accuracy"]), 4),
            "public_test_accuracy": round(card["public_test_accuracy"], 4),
            "public_test_tta": tta_accuracy(card_path.stem, public_labels),
            **versus_default(card_path.stem, public_labels),
            # None until measured: PrivateTest is touched once, for the model that ships
            "private_test_accuracy": None if card["private_test_accuracy"] is None
            else round(card["private_test_accuracy"], 4),
            "machine": card["machine"],
        })  # fmt: skip
    shown = [key for key in rows[0] if key not in ("command", "machine")]
    print(format_table(shown, [[row[key] for key in shown] for row in rows]))
    write_text_atomic(RESULTS / "candidate_runs.json", json.dumps({"rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""What a model cost, from its card: every training run once, however the models were combined."""

from __future__ import annotations

from pathlib import Path

import pytest

from ferlib.card import merge_runs, read_card, total_seconds, training_runs, write_card
from ferlib.ensemble import build_ensemble, save_ensemble
from ferlib.models import build_model

PLAIN = {
    "architecture": "ferlib",
    "command": "ferlib train --out a",
    "wall_seconds": 100.0,
    "config": {"output_dir": "a"},
}


def run(folder: str | None, command: str | None, seconds: float | None) -> dict[str, object]:
    return {"folder": folder, "command": command, "wall_seconds": seconds}


def test_a_plain_card_from_an_earlier_ferlib_is_its_own_run() -> None:
    assert training_runs(PLAIN) == [run("a", "ferlib train --out a", 100.0)]


def test_composite_cards_from_an_earlier_ferlib_leave_the_cost_unknown() -> None:
    """Their totals may count a network twice (as a member and inside a teacher): no guess is made."""
    assert training_runs({**PLAIN, "architecture": "ensemble", "total_wall_seconds": 300.0}) is None
    assert training_runs({**PLAIN, "config": {"teacher": "t.keras"}, "total_wall_seconds": 300.0}) is None
    # a card that says its cost is unknown (its teacher had no card)
    assert training_runs({**PLAIN, "training_runs": None, "total_wall_seconds": None}) is None


def test_a_run_counts_once_and_an_unknown_part_makes_the_whole_unknown() -> None:
    a, b, c = run("a", "train a", 100.0), run("b", "train b", 50.0), run("c", "train c", None)
    assert merge_runs([a, b], [a], [b]) == [a, b]
    assert total_seconds(merge_runs([a, b], [a])) == 150.0
    assert merge_runs([a], None) is None and total_seconds(None) is None
    assert total_seconds([a, c]) is None


def test_runs_from_one_process_stay_apart_by_folder() -> None:
    """A notebook or script that trains several runs gives them all one command line."""
    first, second = (
        run("runs/a", "ipykernel_launcher -f k.json", 60.0),
        run("runs/b", "ipykernel_launcher -f k.json", 60.0),
    )
    assert merge_runs([first], [second]) == [first, second]
    # entries without a folder (from cards that did not record it) are known by their command
    legacy, other = run(None, "ferlib train --out a", 100.0), run(None, "ferlib train --out b", 100.0)
    assert merge_runs([legacy], [dict(legacy)], [other]) == [legacy, other]


def _saved(name: str, tmp_path: Path, card: dict[str, object]) -> Path:
    path = tmp_path / f"{name}.keras"
    build_model("minimal").save(path)
    write_card(path, {**dict.fromkeys(("parameters", "flops_per_image", "labels", "data_fingerprint",
                                       "epochs", "machine", "public_test_accuracy", "private_test_accuracy",
                                       "ferlib_version", "keras_version", "tensorflow_version")),
                      **card})  # fmt: skip
    return path


def test_an_ensemble_counts_a_member_that_also_taught_another_member_once(tmp_path: Path) -> None:
    teacher = _saved("teacher", tmp_path, PLAIN)
    student_runs = [
        run("s", "ferlib train --teacher teacher.keras --out s", 40.0),
        run("a", "ferlib train --out a", 100.0),
    ]
    student = _saved(
        "student",
        tmp_path,
        {"architecture": "minimal", "command": student_runs[0]["command"], "wall_seconds": 40.0,
         "config": {"teacher": str(teacher)}, "training_runs": student_runs, "total_wall_seconds": 140.0},
    )  # fmt: skip
    path = save_ensemble(
        build_ensemble([teacher, student]), tmp_path / "both.keras", member_files=[teacher, student]
    )
    card = read_card(path)
    assert card["training_runs"] == [run("a", "ferlib train --out a", 100.0), student_runs[0]]
    assert card["total_wall_seconds"] == card["wall_seconds"] == pytest.approx(140.0)
    assert [member["total_wall_seconds"] for member in card["members"]] == [100.0, 140.0]


def test_a_member_whose_cost_is_unknown_makes_the_ensembles_unknown(tmp_path: Path) -> None:
    known = _saved("known", tmp_path, PLAIN)
    unknown = _saved("unknown", tmp_path, {**PLAIN, "config": {"output_dir": "u", "teacher": "t.keras"},
                                           "training_runs": None, "total_wall_seconds": None})  # fmt: skip
    members = [known, unknown]
    card = read_card(save_ensemble(build_ensemble(members), tmp_path / "e.keras", member_files=members))
    assert card["training_runs"] is None and card["total_wall_seconds"] is None

"""Model cards: a JSON file beside every saved model saying what it is and how well it does."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ferlib.errors import ModelFileError
from ferlib.io import write_text_atomic

REQUIRED_FIELDS: tuple[str, ...] = (
    "architecture",
    "parameters",
    "flops_per_image",
    "labels",
    "data_fingerprint",
    "epochs",
    "wall_seconds",
    "machine",
    "public_test_accuracy",
    "private_test_accuracy",
    "ferlib_version",
    "keras_version",
    "tensorflow_version",
    "config",
    "command",
)


def card_path(model_path: str | os.PathLike[str]) -> Path:
    """The card of ``model.keras`` is ``model.json`` beside it."""
    return Path(model_path).with_suffix(".json")


def write_card(model_path: str | os.PathLike[str], card: dict[str, Any]) -> Path:
    """Write ``card`` beside ``model_path`` atomically; ``ModelFileError`` if a required field is missing."""
    missing = [field for field in REQUIRED_FIELDS if field not in card]
    if missing:
        raise ModelFileError(f"model card is missing {', '.join(missing)}")
    path = card_path(model_path)
    write_text_atomic(path, json.dumps(card, indent=2, sort_keys=True) + "\n")
    return path


def read_card(model_path: str | os.PathLike[str]) -> dict[str, Any]:
    """The card beside ``model_path``; ``ModelFileError`` naming it when there is none."""
    path = card_path(model_path)
    if not path.is_file():
        raise ModelFileError(f"no model card at {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def own_run(card: dict[str, Any]) -> dict[str, Any]:
    """The training run a trained model's card describes, as ``training_runs`` lists it: its output
    folder, its command and its wall time (its teacher's runs apart)."""
    return {
        "folder": card.get("config", {}).get("output_dir"),
        "command": card.get("command"),
        "wall_seconds": card.get("wall_seconds"),
    }


def training_runs(card: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The training runs that a model cost, each once: its own and, for a distilled student or an
    ensemble, those of its teacher or members (``own_run`` records).

    ``None`` when the cost is unknown: a card that says so (a teacher or member without a card), or a
    student's or ensemble's card written by an earlier ferlib, before the breakdown was recorded.
    """
    if "training_runs" in card:
        runs = card["training_runs"]
        return None if runs is None else list(runs)
    if card.get("architecture") == "ensemble" or card.get("config", {}).get("teacher"):
        return None
    return [own_run(card)]


def merge_runs(*runs: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """The runs of several ``training_runs`` lists, each once; ``None`` if any list is unknown.

    A run is known by its output folder (its command where the folder is unrecorded) and its wall time,
    so a network that is both a member of an ensemble and inside a member's teacher counts once, while
    runs started from one Python process (one command) in different folders stay apart.
    """
    if any(listed is None for listed in runs):
        return None
    merged: dict[tuple[Any, Any], dict[str, Any]] = {}
    for listed in runs:
        for run in listed or ():
            merged.setdefault((run.get("folder") or run.get("command"), run["wall_seconds"]), run)
    return list(merged.values())


def total_seconds(runs: list[dict[str, Any]] | None) -> float | None:
    """What ``runs`` took together, ``None`` if unknown (one run's time missing, or the list itself)."""
    if runs is None or any(run["wall_seconds"] is None for run in runs):
        return None
    return round(sum(run["wall_seconds"] for run in runs), 1)

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


def training_runs(card: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The training runs that a model cost, each once: its own and, for a distilled student or an
    ensemble, those of its teacher or members. Each is ``{"command": ..., "wall_seconds": ...}``.

    Runs are told apart by their command, so a network that is both a member of an ensemble and a
    member of a student's teacher counts once. ``None`` when a card written by an earlier ferlib leaves
    the breakdown unknown (an ensemble's or a student's card without ``training_runs``).
    """
    if "training_runs" in card:
        return list(card["training_runs"])
    if card.get("architecture") == "ensemble" or card.get("config", {}).get("teacher"):
        return None
    return [{"command": card.get("command"), "wall_seconds": card.get("wall_seconds")}]


def merge_runs(*runs: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """The runs of several lists (``training_runs``), each command once; ``None`` if any is unknown."""
    if any(listed is None for listed in runs):
        return None
    merged: dict[Any, dict[str, Any]] = {}
    for listed in runs:
        for run in listed or ():
            merged.setdefault(run["command"], run)
    return list(merged.values())


def total_seconds(runs: list[dict[str, Any]] | None) -> float | None:
    """What ``runs`` took together, ``None`` if unknown (one run's time missing, or the list itself)."""
    if runs is None or any(run["wall_seconds"] is None for run in runs):
        return None
    return round(sum(run["wall_seconds"] for run in runs), 1)

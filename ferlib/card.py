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

"""The model that ships inside ferlib, trained by ``ferlib train`` on FER-2013 Training."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ferlib.card import read_card
from ferlib.errors import ModelFileError
from ferlib.models import Predictor, load_model_file

PRETRAINED_PATH = Path(__file__).with_name("pretrained") / "ferlib_fer2013.keras"


def load_pretrained() -> Predictor:
    """The shipped model, loaded from the installed package (no download, works offline)."""
    if not PRETRAINED_PATH.is_file():
        raise ModelFileError(
            f"the pretrained model is missing from this installation ({PRETRAINED_PATH}); "
            "reinstall ferlib, or train one with `ferlib train` and load it with keras.saving.load_model"
        )
    return load_model_file(PRETRAINED_PATH)


def pretrained_card() -> dict[str, Any]:
    """The shipped model's card: how it was trained and how well it does."""
    return read_card(PRETRAINED_PATH)

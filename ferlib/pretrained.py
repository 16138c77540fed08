"""The models that ship inside ferlib, trained by ``ferlib train`` on FER-2013 Training.

``"default"`` is one ``ferlib_deep`` network, small and fast enough for live video, distilled from an
ensemble of three networks (``ferlib train --teacher``). ``"accurate"`` averages two networks (the
default and a ``ferlib_deep`` trained on random 44-pixel crops; ``ferlib ensemble --half-precision``):
about two points better on PublicTest, for about 1.8 times the computation per face. Each has its card
(``<file>.json``) saying how it was made and how well it does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ferlib.card import read_card
from ferlib.errors import ConfigError, ModelFileError
from ferlib.models import Predictor, load_model_file

_FOLDER = Path(__file__).with_name("pretrained")
#: Every shipped model by name, the default first.
PRETRAINED: dict[str, Path] = {
    "default": _FOLDER / "ferlib_fer2013.keras",
    "accurate": _FOLDER / "ferlib_fer2013_accurate.keras",
}
PRETRAINED_PATH = PRETRAINED["default"]


def pretrained_path(name: str = "default") -> Path:
    """Where the shipped model ``name`` lies in this installation."""
    if name not in PRETRAINED:
        raise ConfigError(f"unknown shipped model {name!r}; expected one of {', '.join(PRETRAINED)}")
    path = PRETRAINED[name]
    if not path.is_file():
        raise ModelFileError(
            f"the shipped model {name!r} is missing from this installation ({path}); "
            "reinstall ferlib, or train one with `ferlib train` and load it with keras.saving.load_model"
        )
    return path


def load_pretrained(name: str = "default") -> Predictor:
    """A shipped model by name (``PRETRAINED``), loaded from the installed package (no download,
    works offline)."""
    return load_model_file(pretrained_path(name))


def pretrained_card(name: str = "default") -> dict[str, Any]:
    """A shipped model's card: how it was trained and how well it does."""
    return read_card(pretrained_path(name))


def model_file(model: str | os.PathLike[str] | None = None) -> Path:
    """The file of a shipped model named ``model`` (``None``: the default), else ``model`` as a path:
    wherever ferlib takes a model file (a teacher, an ensemble member), a shipped name works too."""
    if model is None or (isinstance(model, str) and model in PRETRAINED):
        return pretrained_path(model or "default")
    path = Path(model)
    if not path.exists() and not path.suffix:
        raise ConfigError(
            f"{str(model)!r} is neither a model file nor a shipped model ({', '.join(PRETRAINED)})"
        )
    return path


def existing_model_file(model: str | os.PathLike[str], role: str = "model") -> Path:
    """``model_file(model)``, with ``ModelFileError`` naming ``role`` ("teacher model", "starting model") when
    it is a folder or no file: checked before a run loads its data."""
    path = model_file(model)
    if path.is_dir():
        raise ModelFileError(f"{path}: a folder, not a {role} file")
    if not path.is_file():
        raise ModelFileError(f"{path}: no such {role} file")
    return path


def resolve_model(model: str | os.PathLike[str] | None = None) -> Predictor:
    """A shipped model by name (``None``: the default), else the ``.keras`` or ``.tflite`` file ``model``."""
    return load_model_file(model_file(model))

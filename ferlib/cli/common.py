"""What several ``ferlib`` subcommands share: the help of common flags, the model and recognizer
options, and writing a picture."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ferlib.errors import OutputError

if TYPE_CHECKING:
    import numpy as np

    from ferlib.models import Predictor
    from ferlib.recognizer import EmotionRecognizer

MODEL_HELP = (
    "a .keras file, a .tflite export, or a shipped model by name: default (one fast network) or "
    "accurate (an average of two networks, about 1.8 times the computation per face) (default: default)"
)
DATA_HELP = "FER-2013 folder or CSV (default: $FER2013_DIR, then data/fer2013)"


def load_model(path: str | None) -> Predictor:
    """The model at ``path`` (a .keras or .tflite file, or a shipped model's name), else the default."""
    from ferlib.pretrained import resolve_model

    return resolve_model(path)


def add_recognizer_options(command: argparse.ArgumentParser) -> None:
    """``--model`` and ``--detector``, as every command that finds faces takes them."""
    from ferlib.faces import DEFAULT_DETECTOR, DETECTORS

    command.add_argument("--model", help=MODEL_HELP)
    command.add_argument(
        "--detector",
        choices=list(DETECTORS),
        default=DEFAULT_DETECTOR,
        help="the face detector (default: %(default)s, faces of every size); whole-image: each picture is "
        "one face, for faces already cropped (FER-2013's own, cropped data sets)",
    )


def recognizer(args: argparse.Namespace) -> EmotionRecognizer:
    """The recognizer that ``--model`` and ``--detector`` ask for."""
    from ferlib.recognizer import EmotionRecognizer

    return EmotionRecognizer(args.model, args.detector)


def write_image(path: Path, image: np.ndarray) -> None:
    """Write a picture atomically, or raise ``OutputError``."""
    import cv2

    from ferlib.io import atomic_path

    with atomic_path(path) as tmp:
        if not cv2.imwrite(str(tmp), image):
            raise OutputError(f"could not write {path}")

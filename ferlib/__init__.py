"""ferlib: facial emotion recognition on FER-2013 with Keras 3.

The everyday names are importable from here; those that need TensorFlow load it only when first used,
so ``import ferlib`` and the data commands stay fast.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

# TensorFlow's C++ start-up messages (CUDA probes, oneDNN notes) only confuse learners; set the
# variable yourself before importing ferlib to see them.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from ferlib.data import load_fer2013
from ferlib.labels import EMOTIONS

__version__ = "0.1.0"

_LAZY = {
    "EmotionRecognizer": "ferlib.recognizer",
    "load_pretrained": "ferlib.pretrained",
    "build_model": "ferlib.models",
    "train": "ferlib.train",
    "TrainConfig": "ferlib.config",
    "evaluate": "ferlib.evaluate",
}

__all__ = ["EMOTIONS", "__version__", "load_fer2013", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ferlib' has no attribute {name!r}")

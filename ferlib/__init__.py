"""ferlib: facial emotion recognition on FER-2013 with Keras 3.

The everyday names are importable from here; each loads its module (and TensorFlow, OpenCV, ...) only
when first used, so ``import ferlib`` and the data commands stay fast. The functions ``train`` and
``evaluate`` live in the modules ``ferlib.training`` and ``ferlib.evaluation``, so no submodule import
can shadow them.

Importing ferlib changes nothing in the process (environment, import hooks, logging, file descriptors);
``quiet_tensorflow()`` keeps TensorFlow's C++ start-up lines away when called, as the command line and
the notebooks do.
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING, Any

from ferlib._quiet import quiet_tensorflow
from ferlib._version import __version__
from ferlib.labels import EMOTIONS

_LAZY = {
    "load_fer2013": "ferlib.data",  # lazy too: OpenCV's import edits LD_LIBRARY_PATH
    "EmotionRecognizer": "ferlib.recognizer",
    "load_pretrained": "ferlib.pretrained",
    "build_model": "ferlib.models",
    "train": "ferlib.training",
    "TrainConfig": "ferlib.config",
    "evaluate": "ferlib.evaluation",
    "build_ensemble": "ferlib.ensemble",
    "show_versions": "ferlib.machine",
}

__all__ = ["EMOTIONS", "__version__", "quiet_tensorflow", *_LAZY]

if TYPE_CHECKING:
    from ferlib.config import TrainConfig as TrainConfig
    from ferlib.data import load_fer2013 as load_fer2013
    from ferlib.ensemble import build_ensemble as build_ensemble
    from ferlib.evaluation import evaluate as evaluate
    from ferlib.machine import show_versions as show_versions
    from ferlib.models import build_model as build_model
    from ferlib.pretrained import load_pretrained as load_pretrained
    from ferlib.recognizer import EmotionRecognizer as EmotionRecognizer
    from ferlib.training import train as train


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(_importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this hook
        return value
    raise AttributeError(f"module 'ferlib' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names, for tab completion; submodules and helpers stay out of the way."""
    return sorted(__all__)

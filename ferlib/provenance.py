"""What every model card says about where its model came from, whoever made the model (``ferlib.training``
for a trained network, ``ferlib.ensemble`` for an average of several): the labels and input it takes,
the machine, the versions of ferlib, Keras and TensorFlow, and the command that made it.

Apart from ``ferlib.card`` (reading and writing cards) so that reading a card never imports TensorFlow.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any

import keras
import tensorflow as tf

from ferlib._version import __version__
from ferlib.labels import EMOTIONS
from ferlib.machine import describe_machine

#: What every ferlib model takes, as its card says.
INPUT_DESCRIPTION = "48x48x1 float pixels in 0-255 (the model rescales)"


def command() -> str | None:
    """The command line of this process, quoted for a shell; ``None`` when there is none (a notebook's
    kernel has ``sys.argv[0] == ""``)."""
    return shlex.join(sys.argv) if sys.argv and sys.argv[0] else None


def common_fields() -> dict[str, Any]:
    """The card fields every ferlib model shares: ``labels``, ``input``, ``machine``, ``ferlib_version``,
    ``keras_version``, ``tensorflow_version`` and ``command``."""
    return {
        "labels": list(EMOTIONS),
        "input": INPUT_DESCRIPTION,
        "machine": describe_machine(),
        "ferlib_version": __version__,
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "command": command(),
    }

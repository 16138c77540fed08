"""TensorFlow Lite (LiteRT) export and inference: a smaller, faster model for the live pipeline.

``export_tflite`` converts any ferlib model (float16 weights, or int8 with FER-2013 faces to calibrate
the ranges); ``TFLiteModel`` runs the result with the same ``predict`` / ``predict_on_batch`` calls as a
Keras model, so ``EmotionRecognizer`` and ``evaluate`` take either.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ferlib.errors import ConfigError
from ferlib.io import atomic_path

QUANTIZATIONS = ("float16", "int8")


def export_tflite(
    model: object,
    destination: str | os.PathLike[str],
    quantization: str = "float16",
    calibration_faces: np.ndarray | None = None,
) -> Path:
    """Write ``model`` as a ``.tflite`` file. ``int8`` needs ``calibration_faces`` (uint8, N x 48 x 48)
    to choose its value ranges; inputs and outputs stay float32 either way."""
    import tensorflow as tf

    if quantization not in QUANTIZATIONS:
        raise ConfigError(f"quantization must be one of {', '.join(QUANTIZATIONS)}, got {quantization!r}")
    if quantization == "int8" and (calibration_faces is None or len(calibration_faces) == 0):
        raise ConfigError("int8 quantization needs calibration_faces, e.g. a few hundred Training faces")
    with tempfile.TemporaryDirectory() as saved_model:
        model.export(saved_model, format="tf_saved_model", verbose=False)  # type: ignore[attr-defined]
        converter = tf.lite.TFLiteConverter.from_saved_model(saved_model)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if quantization == "float16":
            converter.target_spec.supported_types = [tf.float16]
        else:
            faces = np.asarray(calibration_faces, dtype=np.float32)[..., None]
            converter.representative_dataset = lambda: ([face[None]] for face in faces)
        flatbuffer = converter.convert()
    destination = Path(destination)
    with atomic_path(destination) as tmp:
        tmp.write_bytes(flatbuffer)
    return destination


def litert_interpreter(path: str | os.PathLike[str], num_threads: int | None = None) -> Any:
    """A LiteRT interpreter for a ``.tflite`` file, tensors allocated: ``ai_edge_litert``'s where it is
    installed (everywhere but Windows), else TensorFlow's own. Its start-up note is kept quiet."""
    from ferlib._quiet import quiet_native_notes

    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter
    with quiet_native_notes():
        interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
        interpreter.allocate_tensors()
    return interpreter


class TFLiteModel:
    """A ``.tflite`` emotion model with the small part of the Keras model API that ferlib uses."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._interpreter = litert_interpreter(self.path, num_threads=os.cpu_count())
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        self._batch = int(self._input["shape"][0])
        self.input_shape: tuple[int | None, ...] = (None, *map(int, self._input["shape"][1:]))
        self.output_shape: tuple[int | None, ...] = (None, *map(int, self._output["shape"][1:]))

    def predict_on_batch(self, batch: np.ndarray) -> np.ndarray:
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        if len(batch) != self._batch:
            self._interpreter.resize_tensor_input(self._input["index"], list(batch.shape))
            self._interpreter.allocate_tensors()
            self._batch = len(batch)
        self._interpreter.set_tensor(self._input["index"], batch)
        self._interpreter.invoke()
        return self._interpreter.get_tensor(self._output["index"]).copy()

    def predict(self, batch: np.ndarray, batch_size: int = 256, verbose: int = 0) -> np.ndarray:
        parts = [self.predict_on_batch(batch[i : i + batch_size]) for i in range(0, len(batch), batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0, int(self.output_shape[-1] or 0)), np.float32)

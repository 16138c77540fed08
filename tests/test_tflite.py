"""TensorFlow Lite export: same answers as the Keras model, usable by the recognizer and evaluate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ferlib.errors import ModelFileError
from ferlib.evaluation import predict_proba
from ferlib.models import build_model, load_model_file
from ferlib.recognizer import EmotionRecognizer
from ferlib.samples import grace_hopper
from ferlib.tflite import TFLiteModel, export_tflite

from synthetic import tiny_model


@pytest.fixture(scope="module")
def faces() -> np.ndarray:
    return np.random.default_rng(3).integers(0, 256, size=(40, 48, 48), dtype=np.uint8)


def test_float16_export_predicts_like_keras(tmp_path: Path, faces: np.ndarray) -> None:
    model = build_model("four_block")
    path = export_tflite(model, tmp_path / "model.tflite", "float16")
    lite = load_model_file(path)
    assert isinstance(lite, TFLiteModel) and lite.input_shape == (None, 48, 48, 1)
    np.testing.assert_allclose(predict_proba(lite, faces), predict_proba(model, faces), atol=2e-3)
    assert path.stat().st_size < 0.6 * 4 * model.count_params()  # half-precision weights


def test_int8_export_needs_calibration_and_stays_close(tmp_path: Path, faces: np.ndarray) -> None:
    model = tiny_model()
    with pytest.raises(ValueError, match="calibration_faces"):
        export_tflite(model, tmp_path / "int8.tflite", "int8")
    path = export_tflite(model, tmp_path / "int8.tflite", "int8", calibration_faces=faces)
    lite = TFLiteModel(path)
    agreement = np.mean(predict_proba(lite, faces).argmax(1) == predict_proba(model, faces).argmax(1))
    assert agreement >= 0.9


def test_recognizer_runs_on_a_tflite_file(tmp_path: Path) -> None:
    model = tiny_model()
    path = export_tflite(model, tmp_path / "tiny.tflite", "float16")
    keras_faces = EmotionRecognizer(model).recognize(grace_hopper())
    lite_faces = EmotionRecognizer(path).recognize(grace_hopper())
    assert [f.box for f in lite_faces] == [f.box for f in keras_faces]
    np.testing.assert_allclose(
        list(lite_faces[0].scores.values()), list(keras_faces[0].scores.values()), atol=2e-3
    )


def test_a_damaged_tflite_file_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.tflite"
    broken.write_bytes(b"TFL3 nothing useful")
    with pytest.raises(ModelFileError, match="not a loadable TFLite model"):
        load_model_file(broken)

"""Bad input never crashes ferlib or gives a silent wrong answer: a result, or a ValueError that says why."""

from __future__ import annotations

from pathlib import Path

import hypothesis.extra.numpy as hnp
import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ferlib.errors import ModelFileError
from ferlib.imageops import to_gray_uint8
from ferlib.models import load_model_file
from ferlib.recognizer import EmotionRecognizer
from ferlib.samples import grace_hopper

from synthetic import tiny_model

DTYPES = st.sampled_from(
    [np.bool_, np.uint8, np.int8, np.uint16, np.int32, np.int64, np.float16, np.float32, np.float64,
     np.complex64]
)  # fmt: skip
ANY_ARRAY = hnp.arrays(dtype=DTYPES, shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=40))


@pytest.fixture(scope="module")
def recognizer() -> EmotionRecognizer:
    return EmotionRecognizer(tiny_model())


@given(ANY_ARRAY)
@settings(max_examples=300, deadline=None)
def test_preprocessing_gives_grey_uint8_or_a_value_error(array: np.ndarray) -> None:
    try:
        gray = to_gray_uint8(array)
    except ValueError as error:
        assert str(error)
    else:
        assert gray.dtype == np.uint8 and gray.ndim == 2 and gray.shape == array.shape[:2]


@given(array=ANY_ARRAY)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_recognize_gives_results_or_a_value_error(recognizer: EmotionRecognizer, array: np.ndarray) -> None:
    try:
        results = recognizer.recognize(array)
    except ValueError as error:
        assert str(error)
    else:
        assert isinstance(results, list)


@pytest.mark.parametrize(
    ("image", "faces"),
    [
        (np.zeros((1, 1), np.uint8), 0),
        (np.zeros((10000, 10000), np.uint8), 0),
        (np.full((300, 300, 4), 255, np.uint8), 0),
        (np.full((200, 200), 65535, np.uint16), 0),
    ],
)
def test_extreme_sizes_and_depths(recognizer: EmotionRecognizer, image: np.ndarray, faces: int) -> None:
    assert len(recognizer.recognize(image)) == faces


def test_a_huge_photo_still_finds_the_face_at_full_scale(recognizer: EmotionRecognizer) -> None:
    import cv2

    portrait = cv2.imread(str(grace_hopper()))
    huge = cv2.resize(portrait, None, fx=5, fy=5)  # 2560 x 3000
    small_box = recognizer.recognize(portrait)[0].box
    big_box = recognizer.recognize(huge)[0].box
    assert abs(big_box.x - 5 * small_box.x) < 60 and abs(big_box.w - 5 * small_box.w) < 120


def test_model_file_missing_truncated_or_foreign(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model_file(tmp_path / "missing.keras")
    good = tmp_path / "good.keras"
    tiny_model().save(good)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(good.read_bytes()[:2000])
    with pytest.raises(ModelFileError, match="not a loadable Keras model"):
        load_model_file(truncated)
    text = tmp_path / "notes.keras"
    text.write_text("hello")
    with pytest.raises(ModelFileError, match="not a loadable Keras model"):
        load_model_file(text)


def test_model_with_other_than_seven_outputs_is_refused(tmp_path: Path) -> None:
    inputs = keras.Input((48, 48, 1))
    five = keras.Model(inputs, keras.layers.Dense(5, activation="softmax")(keras.layers.Flatten()(inputs)))
    five.save(tmp_path / "five.keras")
    with pytest.raises(ModelFileError, match="outputs 5 classes, expected 7"):
        load_model_file(tmp_path / "five.keras")


def test_model_asking_to_run_code_is_refused(tmp_path: Path) -> None:
    inputs = keras.Input((48, 48, 1))
    x = keras.layers.Lambda(lambda t: t * 2.0)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(7, activation="softmax")(keras.layers.Flatten()(x)))
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ModelFileError, match="arbitrary code"):
        load_model_file(tmp_path / "lambda.keras")

"""Half-precision storage of .keras files: half the size, loads as float32, refuses what it cannot keep."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from ferlib.errors import ModelFileError
from ferlib.half_precision import store_weights_as_float16, stored_weight_dtypes

IMAGES = np.random.default_rng(0).uniform(0, 255, (32, 12, 12, 1)).astype("float32")


def small_model() -> keras.Model:
    """Float weights and, in the normalisation layer's count, an integer that must stay as it is."""
    keras.utils.set_random_seed(3)
    normalization = keras.layers.Normalization(axis=None)
    normalization.adapt(IMAGES)
    inputs = keras.Input((12, 12, 1))
    x = normalization(inputs)
    x = keras.layers.Conv2D(16, 3, activation="relu")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(7, activation="softmax")(x))


def test_the_file_halves_and_loads_as_float32_with_nearly_the_same_outputs(tmp_path: Path) -> None:
    model = small_model()
    full, half = tmp_path / "full.keras", tmp_path / "half.keras"
    model.save(full)
    model.save(half)
    store_weights_as_float16(half)

    assert stored_weight_dtypes(full) >= {"float32"} and "float16" not in stored_weight_dtypes(full)
    integer_states = stored_weight_dtypes(full) - {"float32"}
    assert integer_states == {"int64"}, "the normalisation count is stored as an integer"
    assert stored_weight_dtypes(half) == {"float16"} | integer_states
    float_bytes = 4 * sum(int(np.prod(w.shape)) for w in model.weights if w.dtype == "float32")
    assert full.stat().st_size - half.stat().st_size >= 0.45 * float_bytes

    loaded = keras.saving.load_model(half)  # safe mode, no custom objects
    assert {w.dtype for w in loaded.weights} == {"float32", "int64"}
    for original, stored in zip(model.weights, loaded.weights, strict=True):
        if original.dtype == "float32":
            expected = keras.ops.convert_to_numpy(original).astype(np.float16).astype(np.float32)
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(stored), expected)
    before, after = model.predict(IMAGES, verbose=0), loaded.predict(IMAGES, verbose=0)
    assert not np.array_equal(before, after), "the weights were rounded"
    np.testing.assert_allclose(after, before, atol=5e-3)


def test_weights_beyond_float16s_range_are_refused_and_the_file_is_kept(tmp_path: Path) -> None:
    model = small_model()
    model.layers[-1].kernel.assign(np.full(model.layers[-1].kernel.shape, 1e6, dtype="float32"))
    path = tmp_path / "big.keras"
    model.save(path)
    original = path.read_bytes()
    with pytest.raises(ModelFileError, match="beyond float16's range"):
        store_weights_as_float16(path)
    assert path.read_bytes() == original


def test_a_file_that_is_not_a_keras_archive_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.keras"
    path.write_text("not a zip")
    with pytest.raises(ModelFileError, match=r"not a readable \.keras archive"):
        store_weights_as_float16(path)
    assert path.read_text() == "not a zip"

"""The named architectures and the augmentation layers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from ferlib.augment import IMAGE_DATA_GENERATOR_EQUIVALENTS, build_augmentation
from ferlib.config import AugmentConfig, TrainConfig
from ferlib.errors import ConfigError
from ferlib.models import MODELS, build_model, count_flops


@pytest.mark.parametrize("name", list(MODELS))
def test_every_architecture_maps_faces_to_seven_probabilities(name: str) -> None:
    model = build_model(name)
    assert model.input_shape == (None, 48, 48, 1) and model.output_shape == (None, 7)
    pixels = np.random.default_rng(0).integers(0, 256, size=(3, 48, 48, 1)).astype("float32")
    probabilities = model.predict(pixels, verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert model.count_params() > 0 and count_flops(model) > 0


def test_flops_of_the_minimal_network_by_hand() -> None:
    conv1 = 46 * 46 * 32 * (3 * 3 * 1) * 2  # 48x48 -> 46x46 valid conv, 32 filters
    conv2 = 21 * 21 * 64 * (3 * 3 * 32) * 2  # pooled 23x23 -> 21x21, 64 filters
    dense = 10 * 10 * 64 * 128 * 2 + 128 * 7 * 2  # pooled 10x10x64 flattened
    assert count_flops(build_model("minimal")) == conv1 + conv2 + dense


def test_flops_of_depthwise_and_separable_convolutions_by_hand() -> None:
    inputs = keras.Input((12, 12, 8))
    x = keras.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2)(inputs)  # 16 channels out
    x = keras.layers.SeparableConv2D(32, 3, strides=2, padding="same")(x)  # 6x6 out
    model = keras.Model(inputs, x)
    depthwise = 12 * 12 * 16 * (3 * 3) * 2
    separable = 6 * 6 * 16 * (3 * 3) * 2 + 6 * 6 * 16 * 32 * 2  # depthwise, then 1x1 to 32 channels
    assert count_flops(model) == depthwise + separable


def test_a_cropping_network_reads_only_the_centre_of_the_face() -> None:
    model = build_model("minimal", crop=40)
    assert model.input_shape == (None, 48, 48, 1)
    pixels = np.random.default_rng(1).integers(0, 256, size=(2, 48, 48, 1)).astype("float32")
    framed = pixels.copy()
    framed[:, :4], framed[:, -4:], framed[:, :, :4], framed[:, :, -4:] = 0, 255, 17, 99  # the 4-px border
    np.testing.assert_allclose(model.predict(pixels, verbose=0), model.predict(framed, verbose=0), rtol=1e-6)
    changed = pixels.copy()
    changed[:, 24, 24] = 255 - changed[:, 24, 24]  # one pixel of the centre does count
    assert not np.allclose(model.predict(pixels, verbose=0), model.predict(changed, verbose=0), rtol=1e-7)
    conv1 = 38 * 38 * 32 * 9 * 2  # 40x40 -> 38x38: the crop makes every later layer cheaper
    assert count_flops(model) < count_flops(build_model("minimal")) and count_flops(model) > conv1


def test_crop_outside_the_face_is_refused() -> None:
    with pytest.raises(ConfigError, match="crop"):
        build_model("ferlib", crop=60)
    with pytest.raises(ConfigError, match="crop"):
        TrainConfig(crop=8)


def test_unknown_architecture_lists_the_names() -> None:
    with pytest.raises(ValueError, match="expected one of minimal, four_block, heavy, ferlib"):
        build_model("resnet1000")


def test_augmentation_is_random_in_training_and_identity_in_inference() -> None:
    augment = build_augmentation(AugmentConfig(), seed=1)
    faces = np.random.default_rng(1).integers(0, 256, size=(8, 48, 48, 1)).astype("float32")
    np.testing.assert_array_equal(np.asarray(augment(faces, training=False)), faces)
    changed = np.asarray(augment(faces, training=True))
    assert changed.shape == faces.shape and not np.array_equal(changed, faces)
    assert build_augmentation(AugmentConfig(0, 0, 0, False)).layers == []


def test_random_erasing_blanks_one_rectangle_with_the_given_probability() -> None:
    only_erasing = AugmentConfig(rotation_degrees=0, shift=0, zoom=0, horizontal_flip=False, erasing=0.5)
    augment = build_augmentation(only_erasing, seed=3)
    faces = np.full((400, 48, 48, 1), 128.0, dtype="float32")
    erased = np.asarray(augment(faces, training=True)) != 128.0
    hit = erased.reshape(400, -1).any(axis=1)
    assert 0.4 < hit.mean() < 0.6
    for mask in erased[hit, ..., 0][:20]:  # the changed pixels fill their own bounding box
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        box = mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        assert box.mean() > 0.95 and box.size < 48 * 48
    np.testing.assert_array_equal(np.asarray(augment(faces, training=False)), faces)


def test_image_data_generator_mapping_covers_the_common_arguments() -> None:
    keys = " ".join(IMAGE_DATA_GENERATOR_EQUIVALENTS)
    for old in ("rotation_range", "width_shift_range", "zoom_range", "horizontal_flip", "fit_generator"):
        assert old in keys

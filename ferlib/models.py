"""Named CNN architectures for 48x48 grayscale faces, all Keras 3.

Every model takes float pixels in 0-255 of shape (48, 48, 1), rescales them itself, and ends in a
7-way softmax in ``ferlib.labels.EMOTIONS`` order. ``build_model(name)`` builds one by name;
``MODELS`` lists them with a sentence each.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import keras
from keras import layers

from ferlib.errors import ConfigError, ModelFileError
from ferlib.imageops import FACE_SIZE
from ferlib.labels import NUM_CLASSES

INPUT_SHAPE: tuple[int, int, int] = (FACE_SIZE, FACE_SIZE, 1)


class Predictor(Protocol):
    """What ferlib needs of a model: a Keras model and a ``TFLiteModel`` both qualify."""

    input_shape: Any
    output_shape: Any

    def predict(self, x: Any, batch_size: int = ..., verbose: Any = ...) -> Any: ...

    def predict_on_batch(self, x: Any) -> Any: ...


@dataclass(frozen=True)
class Architecture:
    """A named builder and what a learner should know about it."""

    name: str
    summary: str
    build: Callable[[int | None], keras.Model]


def _inputs(crop: int | None) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """The 48x48 input, rescaled to 0-1, then cut to its centre ``crop`` x ``crop`` pixels if asked."""
    inputs = keras.Input(INPUT_SHAPE, name="pixels")
    x = layers.Rescaling(1.0 / 255, name="rescale")(inputs)
    if crop is not None and crop != FACE_SIZE:
        x = layers.CenterCrop(crop, crop, name="centre_crop")(x)
    return inputs, x


def input_crop(model: object) -> int | None:
    """The side of the centre crop a model built with ``crop=`` keeps of its 48x48 input, else None.

    Test-time views differ for such a model: the crops it saw in training are shifted faces, not
    resized corners (``ferlib.evaluation.tta_views``)."""
    layer_names = {layer.name: layer for layer in getattr(model, "layers", [])}
    crop_layer = layer_names.get("centre_crop")
    return None if crop_layer is None else int(crop_layer.height)


def _classifier(x: keras.KerasTensor) -> keras.KerasTensor:
    # float32 softmax even under mixed precision, so probabilities sum to one exactly.
    return layers.Dense(NUM_CLASSES, activation="softmax", dtype="float32", name="emotion")(x)


def _pooled_classifier(x: keras.KerasTensor) -> keras.KerasTensor:
    """Global average pooling, Dropout 0.4, Dense 256, Dropout 0.4, softmax: ferlib's small head."""
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.4)(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.4)(x)
    return _classifier(x)


def _conv_bn_relu(x: keras.KerasTensor, filters: int, kernel: int = 3) -> keras.KerasTensor:
    """Conv (no bias: BatchNorm's shift replaces it), BatchNorm, ReLU: the block every deeper net repeats."""
    x = layers.Conv2D(filters, kernel, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def minimal_cnn(crop: int | None = None) -> keras.Model:
    """Conv-Pool-Conv-Pool-Flatten-Dense: the smallest network that learns something."""
    inputs, x = _inputs(crop)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu")(x)
    return keras.Model(inputs, _classifier(x), name="minimal")


def four_block_cnn(crop: int | None = None) -> keras.Model:
    """Four blocks of Conv-BatchNorm-ReLU-MaxPool-Dropout(0.5), 32->64->128->256 filters, two dense layers."""
    inputs, x = _inputs(crop)
    for filters in (32, 64, 128, 256):
        x = _conv_bn_relu(x, filters)
        x = layers.MaxPooling2D()(x)
        x = layers.Dropout(0.5)(x)
    x = layers.Flatten()(x)
    for units in (256, 512):
        x = layers.Dense(units, activation="relu")(x)
        x = layers.Dropout(0.5)(x)
    return keras.Model(inputs, _classifier(x), name="four_block")


def heavy_cnn(crop: int | None = None) -> keras.Model:
    """Conv 128 3x3, 128 5x5, 512 3x3, 512 3x3 (each BatchNorm-ReLU-MaxPool-Dropout), Dense 256 and 512."""
    inputs, x = _inputs(crop)
    for filters, kernel in ((128, 3), (128, 5), (512, 3), (512, 3)):
        x = _conv_bn_relu(x, filters, kernel)
        x = layers.MaxPooling2D()(x)
        x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    for units in (256, 512):
        x = layers.Dense(units, use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.Dropout(0.25)(x)
    return keras.Model(inputs, _classifier(x), name="heavy")


def _vgg_stages(x: keras.KerasTensor, convs_per_stage: tuple[int, ...]) -> keras.KerasTensor:
    """Stages of 3x3 Conv-BatchNorm-ReLU with 32, 64, 128, 256 filters, each stage ending in max pooling."""
    for filters, convs in zip((32, 64, 128, 256), convs_per_stage, strict=True):
        for _ in range(convs):
            x = _conv_bn_relu(x, filters)
        x = layers.MaxPooling2D()(x)
    return x


def ferlib_cnn(crop: int | None = None) -> keras.Model:
    """ferlib's default: VGG-style, four stages of two 3x3 Conv-BatchNorm-ReLU (32-64-128-256) with
    max pooling, then global average pooling, dropout and Dense 256. Global pooling instead of
    Flatten keeps the dense part small, so most of the CPU time goes into the convolutions that
    carry the accuracy."""
    inputs, x = _inputs(crop)
    return keras.Model(inputs, _pooled_classifier(_vgg_stages(x, (2, 2, 2, 2))), name="ferlib")


def ferlib_deep_cnn(crop: int | None = None) -> keras.Model:
    """ferlib's network with a third convolution in the two low-resolution stages (as VGG-16 adds to
    VGG-13): 36% more FLOPs, spent where the feature maps are small and the features abstract."""
    inputs, x = _inputs(crop)
    return keras.Model(inputs, _pooled_classifier(_vgg_stages(x, (2, 2, 3, 3))), name="ferlib_deep")


MODELS: dict[str, Architecture] = {
    arch.name: arch
    for arch in (
        Architecture("minimal", "Conv-Pool-Conv-Pool-Flatten-Dense", minimal_cnn),
        Architecture(
            "four_block", "4 x (Conv-BN-ReLU-Pool-Dropout 0.5), 32 to 256 filters, 2 dense", four_block_cnn
        ),
        Architecture("heavy", "Conv 128/128(5x5)/512/512 with BN and Dropout, Dense 256 and 512", heavy_cnn),
        Architecture(
            "ferlib", "VGG-style 2x3x3 conv stages 32-64-128-256, global pooling (default)", ferlib_cnn
        ),
        Architecture("ferlib_deep", "ferlib with 3 convs in the 12x12 and 6x6 stages", ferlib_deep_cnn),
    )
}
DEFAULT_ARCHITECTURE = "ferlib"


def build_model(name: str = DEFAULT_ARCHITECTURE, *, crop: int | None = None) -> keras.Model:
    """A fresh, uncompiled model by architecture name; ``ConfigError`` listing the names for an unknown one.

    ``crop``: the network keeps only the centre ``crop`` x ``crop`` pixels of its 48x48 input (a
    ``CenterCrop`` layer after the rescaling), so shifted training faces become random crops.
    """
    if name not in MODELS:
        raise ConfigError(f"unknown architecture {name!r}; expected one of {', '.join(MODELS)}")
    if crop is not None and not 16 <= crop <= FACE_SIZE:
        raise ConfigError(f"crop must be an integer in [16, {FACE_SIZE}], got {crop!r}")
    return MODELS[name].build(crop)


def count_flops(model: keras.Model) -> int:
    """Floating-point operations for one image's forward pass (a multiply-add counts as two), from the
    convolution (plain, depthwise and depthwise-separable) and dense layers, which dominate."""
    flops = 0
    for layer in model.layers:
        if isinstance(layer, layers.Dense):
            flops += 2 * layer.input.shape[-1] * layer.units
            continue
        if not isinstance(layer, layers.Conv2D | layers.DepthwiseConv2D | layers.SeparableConv2D):
            continue
        _, height, width, out_channels = layer.output.shape
        kernel_h, kernel_w = layer.kernel_size
        in_channels = layer.input.shape[-1]
        if isinstance(layer, layers.Conv2D):
            flops += 2 * height * width * out_channels * kernel_h * kernel_w * in_channels
            continue
        depthwise_channels = in_channels * layer.depth_multiplier
        flops += 2 * height * width * depthwise_channels * kernel_h * kernel_w
        if isinstance(layer, layers.SeparableConv2D):  # then a 1x1 convolution mixes the channels
            flops += 2 * height * width * depthwise_channels * out_channels
    return int(flops)


def load_model_file(path: str | os.PathLike[str]) -> Predictor:
    """Load a ``.keras`` model in Keras safe mode; one clear ``ModelFileError`` for each way it can fail."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    if path.suffix.lower() == ".tflite":
        from ferlib.tflite import TFLiteModel

        try:
            return TFLiteModel(path)
        except (ValueError, RuntimeError) as error:
            raise ModelFileError(f"{path}: not a loadable TFLite model ({error})") from error
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except ValueError as error:
        if "safe_mode" in str(error) or "lambda" in str(error).lower():
            raise ModelFileError(
                f"{path}: the file asks to run arbitrary code (a Lambda layer or similar), which ferlib "
                "refuses to load; rebuild the model without it"
            ) from error
        raise ModelFileError(f"{path}: not a loadable Keras model ({error})") from error
    except Exception as error:  # zip, HDF5 and JSON errors all mean a damaged or foreign file
        raise ModelFileError(
            f"{path}: not a loadable Keras model ({type(error).__name__}: {error})"
        ) from error
    if model.output_shape[-1] != NUM_CLASSES:
        raise ModelFileError(
            f"{path}: the model outputs {model.output_shape[-1]} classes, expected {NUM_CLASSES}"
        )
    return model

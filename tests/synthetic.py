"""Small synthetic images and folder layouts for tests that must run without FER-2013."""

from __future__ import annotations

from pathlib import Path

import cv2
import keras
import numpy as np

from ferlib.labels import EMOTIONS


def synthetic_face(seed: int, size: int = 48, channels: int = 0) -> np.ndarray:
    """A smooth random image (JPEG-friendly) of ``size`` x ``size``, grey or with ``channels``."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(6, 6) + ((channels,) if channels else ()), dtype=np.uint8)
    return cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC)


def write_image(path: Path, image: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, encoded = cv2.imencode(path.suffix, image)
    assert ok
    path.write_bytes(encoded.tobytes())
    return path


def make_kaggle_layout(root: Path, per_class: int = 2) -> Path:
    """Kaggle's msambare/fer2013 layout in miniature, with its file-name prefixes."""
    seed = 0
    for emotion in EMOTIONS:
        for i in range(per_class):
            for folder, prefix in (("train", "Training"), ("test", "PublicTest"), ("test", "PrivateTest")):
                seed += 1
                write_image(root / folder / emotion / f"{prefix}_{seed}{i}.jpg", synthetic_face(seed))
    return root


def tiny_model() -> keras.Model:
    """A small untrained ferlib-shaped model: the recognizer's plumbing does not need a good one."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((48, 48, 1))
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.Conv2D(4, 3, strides=2, activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(7, activation="softmax")(x))

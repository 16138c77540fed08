"""Data augmentation as Keras 3 preprocessing layers, and how ``ImageDataGenerator`` maps onto them.

Keras 3 removed ``ImageDataGenerator`` (and ``fit_generator``: ``model.fit`` takes a tf.data pipeline).
Its random transforms live on as layers, which run inside the tf.data pipeline (``ferlib.pipeline``)
or inside a model. Called on their own they augment (``training`` defaults to True); inside a model,
``predict`` and ``evaluate`` call them with ``training=False`` and the faces pass through untouched.
"""

from __future__ import annotations

import keras
from keras import layers

from ferlib.config import AugmentConfig

#: Old ``ImageDataGenerator`` argument -> the Keras 3 way, for learners coming from older tutorials.
IMAGE_DATA_GENERATOR_EQUIVALENTS: dict[str, str] = {
    "rotation_range=D": "layers.RandomRotation(D / 360)  # a fraction of a full turn, not degrees",
    "width_shift_range=F": "layers.RandomTranslation(height_factor=0, width_factor=F)",
    "height_shift_range=F": "layers.RandomTranslation(height_factor=F, width_factor=0)",
    "zoom_range=Z": "layers.RandomZoom(Z, Z)  # height and width drawn apart, as the old zoom did",
    "horizontal_flip=True": 'layers.RandomFlip("horizontal")',
    "brightness_range=(a, b)": "layers.RandomBrightness(...)  # factor in [-1, 1], not a multiplier",
    "shear_range=S": "layers.RandomShear(...)  # a shear coefficient, not an angle in degrees",
    "preprocessing_function=random_eraser": "layers.RandomErasing(factor=(p, p), value_range=(0, 255))"
    "  # fills with noise, not one grey",
    "rescale=1./255": "layers.Rescaling(1 / 255)  # inside every ferlib model",
    "fill_mode='nearest'": "fill_mode='nearest' on the layer (Keras 3 defaults to 'reflect')",
    "flow_from_directory(...)": "ferlib.data.load_fer2013() then ferlib.pipeline.make_dataset()",
    "model.fit_generator(gen, ...)": "model.fit(dataset, ...)",
}


def build_augmentation(config: AugmentConfig | None = None, *, seed: int | None = None) -> keras.Sequential:
    """A ``keras.Sequential`` of preprocessing layers applying ``config``'s random transforms of the
    faces alone; ``config.mixup``, which blends targets too, is ``make_dataset``'s."""
    config = config or AugmentConfig()
    steps: list[layers.Layer] = []
    if config.horizontal_flip:
        steps.append(layers.RandomFlip("horizontal", seed=seed))
    if config.rotation_degrees:
        steps.append(layers.RandomRotation(config.rotation_degrees / 360, fill_mode="nearest", seed=seed))
    if config.shift:
        steps.append(layers.RandomTranslation(config.shift, config.shift, fill_mode="nearest", seed=seed))
    if config.zoom:
        steps.append(layers.RandomZoom(config.zoom, fill_mode="nearest", seed=seed))
    if config.erasing:
        # A (p, p) factor erases with probability p exactly; a single float would draw p from [0, p].
        erase = layers.RandomErasing((config.erasing, config.erasing), value_range=(0, 255), seed=seed)
        steps.append(erase)
    return keras.Sequential(steps, name="augmentation")

"""tf.data input pipelines over in-memory FER-2013 arrays.

Images leave the pipeline as float32 (batch, 48, 48, 1) in the 0-255 range: every ferlib model
starts with its own ``Rescaling`` layer, so training, evaluation and live recognition feed pixels
the same way and no caller has to remember a normalisation.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from ferlib.data.splits import Split
from ferlib.errors import ConfigError, DatasetFormatError
from ferlib.labels import NUM_CLASSES


def make_dataset(
    data: Split | tuple[np.ndarray, np.ndarray],
    *,
    batch_size: int = 64,
    shuffle: bool = False,
    augment: Callable[..., tf.Tensor] | None = None,
    one_hot: bool = False,
    seed: int | None = None,
    drop_remainder: bool = False,
    targets: np.ndarray | None = None,
    mixup: float = 0.0,
) -> tf.data.Dataset:
    """Batches of ``(images, labels)`` from a ``Split`` or an ``(images, labels)`` pair.

    ``shuffle`` reshuffles every epoch; ``augment`` (for example ``ferlib.augment`` layers) is applied
    per batch with ``training=True``; ``one_hot`` gives float one-hot labels (needed for label
    smoothing) instead of integer indices; ``targets`` (N, 7) replaces the labels by soft targets
    (distillation, ``ferlib.distill``). ``mixup`` (alpha, 0 off) then blends each face and its target
    with another's of the same batch (``keras.layers.MixUp``); it needs ``one_hot`` or ``targets``.
    Batches are prefetched so the model never waits for data.
    """
    images, labels = (data.images, data.labels) if isinstance(data, Split) else data
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 3 or images.shape[1:] != (48, 48):
        raise DatasetFormatError(f"expected images of shape (N, 48, 48), got {images.shape}")
    if len(images) != len(labels):
        raise DatasetFormatError(f"{len(images)} images but {len(labels)} labels")
    if len(labels) and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise DatasetFormatError(
            f"labels must lie in 0..{NUM_CLASSES - 1}, found {labels.min()}..{labels.max()}"
        )
    if batch_size < 1:
        raise ConfigError(f"batch_size must be at least 1, got {batch_size}")
    if mixup < 0:
        raise ConfigError(f"mixup must be a number >= 0 (0 is off), got {mixup}")
    if mixup and not one_hot and targets is None:
        raise ConfigError("mixup blends targets: ask for one_hot labels or give soft targets")
    if targets is not None and targets.shape != (len(labels), NUM_CLASSES):
        raise DatasetFormatError(f"targets of shape {targets.shape} for {len(labels)} images")

    y_all = labels.astype(np.int32) if targets is None else targets.astype(np.float32)
    dataset = tf.data.Dataset.from_tensor_slices((images, y_all))
    if shuffle:
        dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)

    # Keras' preprocessing layers run on TensorFlow inside tf.data whatever the backend, but a Sequential
    # of them does not under JAX: its layers are called one by one.
    steps = augment.layers if isinstance(augment, keras.Sequential) else [augment] if augment else []
    mix = keras.layers.MixUp(alpha=mixup, seed=seed, dtype="float32") if mixup else None

    def prepare(batch_images: tf.Tensor, batch_labels: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        x = tf.cast(batch_images, tf.float32)[..., tf.newaxis]
        for step in steps:
            x = step(x, training=True)
        y = tf.one_hot(batch_labels, NUM_CLASSES) if one_hot and targets is None else batch_labels
        if mix is not None:
            mixed = mix({"images": x, "labels": y}, training=True)
            x, y = mixed["images"], mixed["labels"]
        return tf.cast(x, tf.float32), y  # augmentation layers compute in bfloat16 under mixed precision

    return dataset.map(prepare, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def class_weights(labels: np.ndarray) -> dict[int, float]:
    """Balanced class weights, ``n_samples / (n_classes * count)``, for ``model.fit(class_weight=...)``.

    Classes absent from ``labels`` get weight 0 rather than a division by zero.
    """
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=NUM_CLASSES)
    total = counts.sum()
    return {i: float(total / (NUM_CLASSES * c)) if c else 0.0 for i, c in enumerate(counts)}

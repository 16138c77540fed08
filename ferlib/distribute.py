"""Training past one device: TensorFlow's ``tf.distribute`` strategies by name.

``mirrored``: every local GPU (or CPU device) holds a copy of the model; each batch is split between
them and the gradients are summed. ``split_cpu`` lets you try it on a machine without GPUs.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ferlib.cluster import STRATEGIES
from ferlib.errors import BackendError, ConfigError


def make_strategy(name: str = "default") -> tf.distribute.Strategy:
    """A ``tf.distribute`` strategy by name: ``default`` or ``mirrored`` (``hosts`` is ``ferlib.cluster``)."""
    if name not in STRATEGIES:
        raise ConfigError(f"unknown strategy {name!r}; expected one of {', '.join(STRATEGIES)}")
    if name == "hosts":
        raise ConfigError("hosts is not a tf.distribute strategy: give train() a ferlib.cluster.Cluster")
    if keras.backend.backend() != "tensorflow":
        raise BackendError(
            f"the {name} strategy is TensorFlow's: it needs KERAS_BACKEND=tensorflow (the default), and "
            f"this Keras runs on {keras.backend.backend()}; across processes use --strategy hosts"
        )
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def split_cpu(devices: int) -> list[str]:
    """Split the CPU into ``devices`` logical devices (before TensorFlow starts using it), so
    ``MirroredStrategy`` can be tried on a machine without GPUs. Returns their names."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * devices)
    return [device.name for device in tf.config.list_logical_devices("CPU")]

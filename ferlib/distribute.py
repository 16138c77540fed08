"""Training past one device: TensorFlow's ``tf.distribute`` strategies by name.

``mirrored``: every local GPU (or CPU device) holds a copy of the model; each batch is split between
them and the gradients are summed. ``split_cpu`` lets you try it on a machine without GPUs.
"""

from __future__ import annotations

import tensorflow as tf

from ferlib.errors import ConfigError

STRATEGIES = ("default", "mirrored")


def make_strategy(name: str = "default") -> tf.distribute.Strategy:
    """A strategy by name; ``ValueError`` for an unknown one."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    raise ConfigError(f"unknown strategy {name!r}; expected one of {', '.join(STRATEGIES)}")


def split_cpu(devices: int) -> list[str]:
    """Split the CPU into ``devices`` logical devices (before TensorFlow starts using it), so
    ``MirroredStrategy`` can be tried on a machine without GPUs. Returns their names."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * devices)
    return [device.name for device in tf.config.list_logical_devices("CPU")]

"""What a run on a cluster (``ferlib.cluster``: several processes or hosts, Keras on JAX) needs checked
before it trains: settings it cannot honour, and a batch that every device can share evenly.

JAX is imported where it is used: only a run on a cluster has it (the ``hosts`` extra).
"""

from __future__ import annotations

import tensorflow as tf

from ferlib.cluster import Cluster
from ferlib.config import TrainConfig
from ferlib.errors import ConfigError


def check_for_cluster(config: TrainConfig, cluster: Cluster, strategy: tf.distribute.Strategy | None) -> None:
    """Settings a multi-process run cannot honour, refused before anything starts."""
    if strategy is not None:
        raise ConfigError("give a tf.distribute strategy or a cluster, not both")
    if config.minutes is not None:
        raise ConfigError(
            "--minutes cannot be used with --strategy hosts: each process would stop on its own clock, "
            "at different batches; give --epochs instead"
        )
    if config.batch_size % cluster.processes:
        raise ConfigError(
            f"the batch size ({config.batch_size}) must be a multiple of the number of processes "
            f"({cluster.processes}): each process takes an equal share of every batch"
        )


def check_devices(config: TrainConfig) -> None:
    """Each device of each process takes an equal share of every batch."""
    import jax

    if config.batch_size % jax.device_count():
        raise ConfigError(
            f"the batch size ({config.batch_size}) must be a multiple of the {jax.device_count()} devices of "
            "all processes together: each takes an equal share of every batch"
        )


def cluster_replicas() -> int:
    """How many copies of the model a cluster trains: one per device of every process."""
    import jax

    return int(jax.device_count())

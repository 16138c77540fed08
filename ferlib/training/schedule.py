"""The optimiser and its learning rate: by epochs (a cosine schedule with one warm-up epoch, or a
constant rate that ``ReduceLROnPlateau`` lowers) or, with a time budget, by the clock."""

from __future__ import annotations

import math

import keras

from ferlib.config import TrainConfig


def learning_rate(
    config: TrainConfig, steps_per_epoch: int
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """The learning rate ``train`` gives the optimiser: for ``schedule="cosine"``, one warm-up epoch from
    a tenth of the peak, then cosine decay to zero at the last step; otherwise the constant peak (which
    ``ReduceLROnPlateau`` lowers, or, with ``minutes``, the clock sets: ``clock_learning_rate``)."""
    if config.minutes is not None or config.schedule != "cosine":
        return config.learning_rate
    warmup = steps_per_epoch if config.epochs > 1 else 0
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=config.learning_rate / 10 if warmup else config.learning_rate,
        decay_steps=max(1, config.epochs * steps_per_epoch - warmup),
        warmup_target=config.learning_rate if warmup else None,
        warmup_steps=warmup,
    )


def make_optimizer(config: TrainConfig, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    """``config.optimizer`` (SGD with Nesterov momentum 0.9, or AdamW) with its weight decay and
    ``learning_rate``."""
    rate = learning_rate(config, steps_per_epoch)
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(rate, momentum=0.9, nesterov=True, weight_decay=config.weight_decay)
    return keras.optimizers.AdamW(rate, weight_decay=config.weight_decay)


def clock_learning_rate(fraction: float, peak: float, warmup: float = 0.05) -> float:
    """The learning rate when ``fraction`` of the time budget is spent: a linear warm-up from a tenth of
    ``peak`` over the first ``warmup``, then cosine decay to zero at the end of the budget."""
    if fraction < warmup:
        return peak * (0.1 + 0.9 * fraction / warmup)
    progress = min(1.0, (fraction - warmup) / (1.0 - warmup))
    return peak * 0.5 * (1.0 + math.cos(math.pi * progress))

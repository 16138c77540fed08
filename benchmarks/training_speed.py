"""Training speed on this machine: images per second and seconds per epoch, for each network.

Fewer FLOPs only buy more epochs in a fixed CPU budget if the CPU kernels run them as fast. This
measures it for every named architecture and for one candidate that is not in ferlib: ferlib's network
with each 3x3 convolution after the first made depthwise-separable (the building block of MobileNet
and of the mini-Xception network in the `fer` package), which needs about a seventh of the FLOPs.
Every network trains on real FER-2013 Training batches, augmented as ``ferlib train`` feeds them, with
SGD and the same batch size; validation is not counted.

Run:  python benchmarks/training_speed.py [--seconds 40] [--precision mixed_bfloat16]
Writes benchmarks/results/training_speed.json.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import keras
import tensorflow as tf
from keras import layers

from ferlib.config import PRECISIONS, TrainConfig
from ferlib.data import load_fer2013
from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine
from ferlib.models import MODELS, _conv_bn_relu, _inputs, _pooled_classifier, count_flops
from ferlib.table import format_table
from ferlib.training import training_pipeline

RESULTS = Path(__file__).with_name("results") / "training_speed.json"
BATCHES_PER_TIMING = 40


def separable_ferlib() -> keras.Model:
    """ferlib's network (32-64-128-256, two convolutions per stage), every convolution but the first
    depthwise-separable: a 3x3 filter per channel, then a 1x1 convolution across channels."""
    inputs, x = _inputs()
    x = _conv_bn_relu(x, 32)
    for index, filters in enumerate((32, 64, 64, 128, 128, 256, 256)):
        x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        if index % 2 == 0:  # after the second convolution of each stage
            x = layers.MaxPooling2D()(x)
    return keras.Model(inputs, _pooled_classifier(x), name="separable_ferlib")


def images_per_second(model: keras.Model, batches: tf.data.Dataset, batch_size: int, seconds: float) -> float:
    """Training throughput after a warm-up, timed over whole groups of batches for at least ``seconds``."""
    model.compile(
        optimizer=keras.optimizers.SGD(0.01, momentum=0.9, nesterov=True, weight_decay=5e-3),
        loss=keras.losses.CategoricalCrossentropy(),
    )
    model.fit(batches, steps_per_epoch=10, epochs=1, shuffle=False, verbose=0)  # builds and traces the step
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        model.fit(batches, steps_per_epoch=BATCHES_PER_TIMING, epochs=1, shuffle=False, verbose=0)
        steps += BATCHES_PER_TIMING
    return steps * batch_size / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0, help="timed training per network")
    parser.add_argument("--precision", choices=PRECISIONS, default="mixed_bfloat16")
    args = parser.parse_args()

    config = TrainConfig(precision=args.precision)
    training = load_fer2013(progress=False).training
    batches = training_pipeline(config, training).repeat()
    keras.mixed_precision.set_global_policy(args.precision)
    builders: dict[str, Callable[[], keras.Model]] = {name: arch.build for name, arch in MODELS.items()}
    builders["separable_ferlib (candidate)"] = separable_ferlib
    rows = []
    for name, build in builders.items():
        model = build()
        speed = images_per_second(model, batches, config.batch_size, args.seconds)
        rows.append({
            "network": name,
            "parameters": model.count_params(),
            "mflops_per_image": round(count_flops(model) / 1e6, 1),
            "images_per_second": round(speed, 1),
            "seconds_per_epoch": round(len(training) / speed, 1),
        })  # fmt: skip
        print(f"{name}: {speed:,.1f} images/s", flush=True)

    print(f"\ntraining only, batch {config.batch_size}, {args.precision}")
    print(format_table(list(rows[0]), [list(row.values()) for row in rows]))
    print(f"machine: {describe_machine()}")
    report = {"precision": args.precision, "batch_size": config.batch_size, "rows": rows}
    write_text_atomic(RESULTS, json.dumps({**report, "machine": describe_machine()}, indent=2) + "\n")


if __name__ == "__main__":
    main()

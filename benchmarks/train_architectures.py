"""Every named architecture trained for the same CPU budget: parameters, speed and accuracy.

For each architecture the script times a 30-batch and a 10-batch fit, fits as many epochs as the budget holds
(a cosine schedule over exactly those epochs), trains with `ferlib.train`, and reports PublicTest
(used for the checkpoint choice) and PrivateTest (measured once, at the end) accuracy.

Run:  python benchmarks/train_architectures.py [--minutes 20] [--arch NAME ...] [--precision P]
Models go to runs/benchmark/<name>/; the table to benchmarks/results/train_architectures.json.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import replace
from pathlib import Path

import keras

from ferlib.config import PRECISIONS, TrainConfig
from ferlib.data import load_fer2013
from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine
from ferlib.models import MODELS
from ferlib.table import format_table
from ferlib.train import compiled_model, train, training_pipeline

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results") / "train_architectures.json"
PROBE_BATCHES = 30


def seconds_per_epoch(config: TrainConfig, data: object) -> float:
    """Time one epoch plus validation from two short fits: the fixed cost of a ``fit`` call cancels out."""
    training = data.training  # type: ignore[attr-defined]
    keras.mixed_precision.set_global_policy(config.precision)
    try:
        model = compiled_model(config, steps_per_epoch=100)
        batches = training_pipeline(config, training).take(PROBE_BATCHES).cache()
        model.fit(batches, verbose=0)  # builds, traces and fills the cache

        def timed_fit(count: int) -> float:
            start = time.perf_counter()
            model.fit(batches.take(count), verbose=0)
            return time.perf_counter() - start

        short = PROBE_BATCHES // 3
        per_batch = (timed_fit(PROBE_BATCHES) - timed_fit(short)) / (PROBE_BATCHES - short)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    steps = math.ceil(len(training) / config.batch_size)
    return per_batch * steps * 1.05  # validation on PublicTest adds about 5%


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="training budget per architecture")
    parser.add_argument("--arch", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--precision", choices=PRECISIONS, default="mixed_bfloat16")
    args = parser.parse_args()

    data = load_fer2013(progress=False)
    rows = []
    for name in args.arch:
        config = TrainConfig(architecture=name, precision=args.precision, report_private_test=True,
                             output_dir=str(ROOT / "runs" / "benchmark" / name))  # fmt: skip
        estimate = seconds_per_epoch(config, data)
        epochs = max(1, int(args.minutes * 60 // estimate))
        print(
            f"{name}: about {estimate:.0f} s per epoch -> {epochs} epochs in {args.minutes:g} minutes",
            flush=True,
        )
        card = train(replace(config, epochs=epochs), data=data, verbose=2).card
        rows.append({
            "architecture": name,
            "parameters": card["parameters"],
            "mflops_per_image": round(card["flops_per_image"] / 1e6, 1),
            "epochs": card["epochs"],
            "seconds_per_epoch": round(card["wall_seconds"] / card["epochs"], 1),
            "wall_minutes": round(card["wall_seconds"] / 60, 1),
            "public_test_accuracy": round(card["public_test_accuracy"], 4),
            "private_test_accuracy": round(card["private_test_accuracy"], 4),
        })  # fmt: skip

    print(f"\nsame budget: {args.minutes:g} minutes each, {args.precision}")
    print(format_table(list(rows[0]), [list(row.values()) for row in rows]))
    print(f"machine: {describe_machine()}")
    report = {
        "budget_minutes": args.minutes,
        "precision": args.precision,
        "rows": rows,
        "machine": describe_machine(),
    }
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

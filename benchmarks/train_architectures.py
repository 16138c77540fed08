"""Every named architecture trained for the same CPU budget: parameters, speed and accuracy.

All architectures share one recipe, the one the tutorials use: Adam at 1e-3 (here with a warm-up epoch
and cosine decay), augmentation on, batch 64. ferlib's SGD recipe suits BatchNorm networks but leaves
the four-block network, with dropout 0.5 after every block, stuck at the majority class.

For each architecture the script times a 40-batch and a 10-batch fit of the real, augmented pipeline
(the difference cancels the fixed cost of a ``fit`` call), fits as many epochs as the budget holds,
trains with ``ferlib.train``, and reports PublicTest (used for the checkpoint choice) and PrivateTest
(measured once, at the end) accuracy. A run that was cut short resumes; a finished one is reused when
its configuration is unchanged.

Run:  python benchmarks/train_architectures.py [--minutes 8] [--arch NAME ...] [--precision P]
Models go to runs/benchmark/<name>/; the table to benchmarks/results/train_architectures.json.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import asdict, replace
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
PROBE_BATCHES = (10, 40)


def seconds_per_epoch(config: TrainConfig, data: object) -> float:
    """One epoch plus validation, from two short fits: the fixed cost of a ``fit`` call cancels out."""
    training = data.training  # type: ignore[attr-defined]
    keras.mixed_precision.set_global_policy(config.precision)
    try:
        model = compiled_model(config, steps_per_epoch=100)
        batches = training_pipeline(config, training)
        model.fit(batches.take(5), verbose=0)  # builds and traces

        def timed_fit(count: int) -> float:
            start = time.perf_counter()
            model.fit(batches.take(count), verbose=0)
            return time.perf_counter() - start

        short, long = PROBE_BATCHES
        per_batch = (timed_fit(long) - timed_fit(short)) / (long - short)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    steps = math.ceil(len(training) / config.batch_size)
    return per_batch * steps * 1.05  # validation on PublicTest adds about 5%


def finished_card(config: TrainConfig) -> dict | None:
    """The card of an earlier, complete run with exactly this configuration, if there is one."""
    card_file = Path(config.output_dir) / "model.json"
    if not card_file.is_file():
        return None
    card = json.loads(card_file.read_text())
    return card if card.get("config") == asdict(config) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=8.0, help="training budget per architecture")
    parser.add_argument("--arch", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--precision", choices=PRECISIONS, default="mixed_bfloat16")
    args = parser.parse_args()

    data = load_fer2013(progress=False)
    rows = []
    for name in args.arch:
        config = TrainConfig(
            architecture=name,
            optimizer="adam",
            learning_rate=1e-3,
            precision=args.precision,
            report_private_test=True,
            output_dir=str(ROOT / "runs" / "benchmark" / name),
        )
        plan = ROOT / "runs" / "benchmark" / f"{name}.epochs.json"  # the estimate survives a restart
        if plan.is_file() and json.loads(plan.read_text())["minutes"] == args.minutes:
            epochs = json.loads(plan.read_text())["epochs"]
        else:
            estimate = seconds_per_epoch(config, data)
            epochs = max(1, int(args.minutes * 60 // estimate))
            print(f"{name}: about {estimate:.0f} s per epoch -> {epochs} epochs in {args.minutes:g} minutes")
            write_text_atomic(plan, json.dumps({"minutes": args.minutes, "epochs": epochs}))
        config = replace(config, epochs=epochs)
        card = finished_card(config) or train(config, data=data, verbose=2).card
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

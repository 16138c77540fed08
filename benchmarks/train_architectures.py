"""Every named architecture trained for the same wall-clock budget: parameters, speed and accuracy.

Each architecture trains for exactly ``--minutes`` of wall time (``TrainConfig.minutes``: the cosine
schedule follows the clock and training stops when the time is up), so a small network gets many
epochs and a large one few. All share one recipe, the one the tutorials use: Adam at 1e-3 with a
short warm-up, augmentation on, batch 64. PublicTest picks the epoch kept; PrivateTest is measured
once, at the end. A run that was cut short resumes; ``train`` returns a finished one as it is.

Run:  python benchmarks/train_architectures.py [--minutes 5] [--arch NAME ...] [--precision P]
Models go to runs/benchmark/<name>/; the table to benchmarks/results/train_architectures.json.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from ferlib.config import PRECISIONS, TrainConfig
from ferlib.data import load_fer2013
from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine
from ferlib.models import MODELS
from ferlib.table import format_table
from ferlib.training import train

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results") / "train_architectures.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="training budget per architecture")
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
            epochs=10_000,  # the clock stops training
            minutes=args.minutes,
            precision=args.precision,
            report_private_test=True,
            output_dir=str(ROOT / "runs" / "benchmark" / name),
        )
        card = train(config, data=data, verbose=2).card  # a finished run is read back, not retrained
        epochs = card["training_batches"] / math.ceil(card["training_images"] / config.batch_size)
        rows.append({
            "architecture": name,
            "parameters": card["parameters"],
            "mflops_per_image": round(card["flops_per_image"] / 1e6, 1),
            "epochs": round(epochs, 1),  # the clock may stop training inside an epoch
            "seconds_per_epoch": round(card["wall_seconds"] / epochs, 1),
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

"""What augmentation does: the same network trained with and without it, epoch by epoch.

Both runs use the same architecture, schedule, seed and number of epochs; only the augmentation layers
differ. The per-epoch curves show the over-fitting of the run without augmentation (training accuracy
climbs, PublicTest accuracy stalls) and its cure. Notebooks 02 and 04 plot this file.

Run:  python benchmarks/augmentation_effect.py [--epochs 15] [--arch ferlib]
Writes benchmarks/results/augmentation_effect.json (models go to runs/augmentation/).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ferlib.config import PRECISIONS, TrainConfig
from ferlib.data import load_fer2013
from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine
from ferlib.models import MODELS
from ferlib.table import format_table
from ferlib.training import train

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results") / "augmentation_effect.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--arch", default="ferlib", choices=list(MODELS))
    parser.add_argument("--precision", choices=PRECISIONS, default="mixed_bfloat16")
    args = parser.parse_args()

    data = load_fer2013(progress=False)
    runs = {}
    for name, augment in (("without augmentation", None), ("with augmentation", TrainConfig().augment)):
        out = ROOT / "runs" / "augmentation" / name.replace(" ", "_")
        config = TrainConfig(architecture=args.arch, epochs=args.epochs, augment=augment,
                             precision=args.precision, output_dir=str(out))  # fmt: skip
        result = train(config, data=data, verbose=2)
        runs[name] = {"history": result.history, "public_test_accuracy": result.card["public_test_accuracy"],
                      "wall_seconds": result.card["wall_seconds"]}  # fmt: skip

    rows = [[name, run["history"][-1]["accuracy"], max(r["val_accuracy"] for r in run["history"]),
             run["public_test_accuracy"]] for name, run in runs.items()]  # fmt: skip
    print(format_table(["run", "final training acc", "best PublicTest acc", "kept model PublicTest"], rows))
    print(f"machine: {describe_machine()}")
    report = {"architecture": args.arch, "epochs": args.epochs, "precision": args.precision, "runs": runs,
              "machine": describe_machine()}  # fmt: skip
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

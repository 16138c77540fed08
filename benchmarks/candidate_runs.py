"""The full-budget training runs tried for the shipped model, side by side, from their model cards.

Each candidate run's card (``<name>.json``) and epoch log (``<name>_log.csv``) are kept in
``benchmarks/results/candidates/``; this reads them and prints one row per run: what the run changed,
its epochs and minutes (with, for a distilled run, what its teacher cost too), the training accuracy of
its last epoch (how much it over-fits), and its PublicTest accuracy (which chose the shipped model) and
PrivateTest accuracy (reported, never used to choose).

Run:  python benchmarks/candidate_runs.py
Writes benchmarks/results/candidate_runs.json.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ferlib.io import write_text_atomic
from ferlib.models import DEFAULT_ARCHITECTURE
from ferlib.table import format_table

RESULTS = Path(__file__).with_name("results")
CANDIDATES = RESULTS / "candidates"


def describe(config: dict) -> str:
    """The recipe in a few words: the budget and what differs from ``ferlib train``'s defaults."""
    budget = f"{config['minutes']:g} minutes" if config.get("minutes") else f"{config['epochs']} epochs"
    if config["architecture"] != DEFAULT_ARCHITECTURE:
        budget = f"{config['architecture']}, {budget}"
    changes = [f"erasing {config['augment']['erasing']:g}"] if config["augment"].get("erasing") else []
    if config.get("label_smoothing"):
        changes.append(f"label smoothing {config['label_smoothing']:g}")
    if config.get("teacher"):
        changes.append(f"distilled from {Path(config['teacher']).stem} (T {config['distill_temperature']:g}, "
                       f"weight {config['distill_weight']:g})")  # fmt: skip
    return ", ".join([budget, *changes])


def main() -> None:
    rows = []
    for card_path in sorted(CANDIDATES.glob("*.json")):
        card = json.loads(card_path.read_text())
        with card_path.with_name(f"{card_path.stem}_log.csv").open(newline="") as log:
            last_epoch = list(csv.DictReader(log))[-1]
        rows.append({
            "run": describe(card["config"]),
            "command": card["command"],
            "epochs": card["epochs"],
            "minutes": round(card["wall_seconds"] / 60, 1),
            "minutes_with_teacher": round(card.get("total_wall_seconds", card["wall_seconds"]) / 60, 1),
            "training_accuracy_last_epoch": round(float(last_epoch["accuracy"]), 4),
            "public_test_accuracy": round(card["public_test_accuracy"], 4),
            # None until measured: PrivateTest is touched once, for the model that ships
            "private_test_accuracy": None if card["private_test_accuracy"] is None
            else round(card["private_test_accuracy"], 4),
            "machine": card["machine"],
        })  # fmt: skip
    shown = [key for key in rows[0] if key not in ("command", "machine")]
    print(format_table(shown, [[row[key] for key in shown] for row in rows]))
    write_text_atomic(RESULTS / "candidate_runs.json", json.dumps({"rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()

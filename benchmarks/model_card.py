"""The shipped model's card in figures: what it is, what it cost, and how well it reads each emotion.

Reads ``ferlib/pretrained/ferlib_fer2013.json`` (architecture, size, epochs, training time, machine)
and evaluates the model once on PrivateTest, the final test set, for precision, recall and F1 per
emotion and the largest confusions. The model was chosen on PublicTest; these figures only report it.

Run:  python benchmarks/model_card.py
Prints a table and writes benchmarks/results/model_card.json.
"""

from __future__ import annotations

import json
from pathlib import Path

from ferlib.data import load_fer2013
from ferlib.evaluation import evaluate
from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine
from ferlib.pretrained import PRETRAINED_PATH, load_pretrained, pretrained_card
from ferlib.table import format_table

RESULTS = Path(__file__).with_name("results") / "model_card.json"


def main() -> None:
    card = pretrained_card()
    result = evaluate(load_pretrained(), "PrivateTest", data=load_fer2013(progress=False))
    rows = [{"emotion": emotion, "images": figures["support"], "precision": round(figures["precision"], 4),
             "recall": round(figures["recall"], 4), "f1": round(figures["f1"], 4)}
            for emotion, figures in result.per_class.items()]  # fmt: skip
    print(format_table(list(rows[0]), [list(row.values()) for row in rows]))
    print(f"PrivateTest accuracy {result.accuracy:.4f}, macro F1 {result.macro_f1:.4f}")
    report = {
        "architecture": card["architecture"],
        "parameters": card["parameters"],
        "megabytes": round(PRETRAINED_PATH.stat().st_size / 1e6, 1),
        "epochs": card["epochs"],
        "training_minutes": round(card["wall_seconds"] / 60, 1),
        "training_minutes_with_teacher": round(card.get("total_wall_seconds", card["wall_seconds"]) / 60, 1),
        "trained_on": card["machine"],
        "public_test_accuracy": round(card["public_test_accuracy"], 4),
        "private_test_accuracy": round(result.accuracy, 4),
        "private_test_macro_f1": round(result.macro_f1, 4),
        "rows": rows,
        "most_confused": [{**cell, "rate": round(cell["rate"], 4)} for cell in result.most_confused(3)],
        "machine": describe_machine(),
    }
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""The shipped models' cards in figures: what they are, what they cost, how well they read each emotion.

Reads each shipped model's card (``ferlib/pretrained/*.json``: architecture, size, training time,
machine) and evaluates the model on PrivateTest, the final test set, with and without test-time
augmentation; for the default model also precision, recall and F1 per emotion and the largest
confusions. The models were chosen on PublicTest; these figures only report them.

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
from ferlib.pretrained import PRETRAINED, load_pretrained, pretrained_card
from ferlib.table import format_table

RESULTS = Path(__file__).with_name("results") / "model_card.json"


def main() -> None:
    data = load_fer2013(progress=False)
    models = []
    for name, path in PRETRAINED.items():
        card, model = pretrained_card(name), load_pretrained(name)
        plain, tta = (evaluate(model, "PrivateTest", data=data, tta=flag) for flag in (False, True))
        models.append({
            "model": name, "architecture": card["architecture"], "parameters": card["parameters"],
            "megabytes": round(path.stat().st_size / 1e6, 1),
            "gflops_per_face": round(card["flops_per_image"] / 1e9, 2),
            "training_minutes": round(card["total_wall_seconds"] / 60, 1),
            "public_test_accuracy": round(card["public_test_accuracy"], 4),
            "private_test_accuracy": round(plain.accuracy, 4), "private_test_tta": round(tta.accuracy, 4),
            "private_test_macro_f1": round(plain.macro_f1, 4),
        })  # fmt: skip
        if name == "default":
            default = plain
    rows = [{"emotion": emotion, "images": figures["support"], "precision": round(figures["precision"], 4),
             "recall": round(figures["recall"], 4), "f1": round(figures["f1"], 4)}
            for emotion, figures in default.per_class.items()]  # fmt: skip
    print(format_table(list(models[0]), [list(row.values()) for row in models]))
    print(format_table(list(rows[0]), [list(row.values()) for row in rows]))
    report = {
        "models": models,
        "trained_on": pretrained_card()["machine"],
        "rows": rows,
        "most_confused": [{**cell, "rate": round(cell["rate"], 4)} for cell in default.most_confused(3)],
        "machine": describe_machine(),
    }
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

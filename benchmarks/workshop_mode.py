"""Workshop mode measured: notebook 04 run from top to bottom with FERLIB_WORKSHOP=1.

Teachers need notebook 04 to run in at most 12 minutes on a 2-core laptop and still reach 55% on
PublicTest (issue 27). This script executes the notebook exactly as a learner would (a fresh kernel,
every cell) and reads the training time and PublicTest accuracy from the model card the run leaves behind.

Run:  python benchmarks/workshop_mode.py
Writes benchmarks/results/workshop_mode.json; the notebook itself is not modified.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "04_training_with_callbacks.ipynb"
CARD = ROOT / "runs" / "04_training" / "model.json"
RESULTS = Path(__file__).with_name("results") / "workshop_mode.json"


def main() -> None:
    os.environ.pop("FERLIB_QUICK", None)
    os.environ["FERLIB_WORKSHOP"] = "1"
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    CARD.unlink(missing_ok=True)
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    NotebookClient(notebook, timeout=None, resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    notebook_minutes = (time.perf_counter() - start) / 60
    card = json.loads(CARD.read_text())
    report = {
        "notebook": NOTEBOOK.name,
        "environment": "FERLIB_WORKSHOP=1",
        "architecture": card["architecture"],
        "epochs": card["epochs"],
        "precision": card["config"]["precision"],
        "training_minutes": round(card["wall_seconds"] / 60, 1),
        "whole_notebook_minutes": round(notebook_minutes, 1),
        "public_test_accuracy": round(card["public_test_accuracy"], 4),
        "load_average_1_min_before_and_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "machine": describe_machine(),
    }
    for key, value in report.items():
        print(f"{key:>24}: {value}")
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Candidate models and their average on PublicTest: is an ensemble worth it, and which members?

Each model's PublicTest probabilities are computed once and stored as float16 in
``benchmarks/results/predictions/<name>_PublicTest.npy`` (50 kB each), so the table can be rebuilt from
the stored predictions alone once the members' weights are gone. The ensemble's accuracy is that of the
members' mean probabilities, which is exactly what ``ferlib ensemble`` builds. PublicTest only: the
members and the ensemble are chosen here, so PrivateTest stays untouched.

Run:  python benchmarks/ensemble_members.py NAME=MODEL.keras ... (or NAME alone, from stored predictions)
Writes benchmarks/results/ensemble_members.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from ferlib.data import load_fer2013
from ferlib.io import atomic_path, write_text_atomic
from ferlib.machine import describe_machine
from ferlib.table import format_table

RESULTS = Path(__file__).with_name("results")
PREDICTIONS = RESULTS / "predictions"


def probabilities(name: str, model_file: str | None, faces: np.ndarray) -> np.ndarray:
    """The stored PublicTest probabilities of ``name``, computed from ``model_file`` when not stored."""
    stored = PREDICTIONS / f"{name}_PublicTest.npy"
    if model_file is None:
        return np.load(stored).astype(np.float32)
    from ferlib.evaluation import predict_proba
    from ferlib.models import load_model_file

    result = predict_proba(load_model_file(model_file), faces)
    with atomic_path(stored) as tmp, tmp.open("wb") as handle:
        np.save(handle, result.astype(np.float16))
    return result.astype(np.float16).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("members", nargs="+", help="NAME=MODEL.keras, or NAME for stored predictions")
    args = parser.parse_args()

    labels = load_fer2013(progress=False).public_test
    found = {}
    for member in args.members:
        name, _, model_file = member.partition("=")
        found[name] = probabilities(name, model_file or None, labels.images)

    def accuracy(names: tuple[str, ...]) -> float:
        mean = np.mean([found[name] for name in names], axis=0)
        return round(float(np.mean(mean.argmax(axis=1) == labels.labels)), 4)

    rows = [
        {"members": " + ".join(names), "count": len(names), "public_test_accuracy": accuracy(names)}
        for size in range(1, len(found) + 1)
        for names in itertools.combinations(found, size)
    ]
    print(format_table(list(rows[0]), [list(row.values()) for row in rows]))
    report = {"machine": describe_machine(), "split": "PublicTest", "rows": rows}
    write_text_atomic(RESULTS / "ensemble_members.json", json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

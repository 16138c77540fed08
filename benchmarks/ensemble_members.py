"""Candidate models and their average on PublicTest: is an ensemble worth it, and which members?

A member given as NAME=MODEL.keras is predicted here and its PublicTest probabilities kept as float16 in
``benchmarks/results/predictions/NAME_PublicTest.npy`` (50 kB; ``_stored.py``), never over ones already
kept unless ``--overwrite``; a member given as NAME alone is read from there (``store_candidate.py``
keeps a finished run's), so the table can be rebuilt from the stored predictions alone once the members'
weights are gone. Every member is checked before any model predicts. The ensemble's accuracy is that of
the members' mean probabilities, which is exactly what ``ferlib ensemble`` builds. PublicTest only: the
members and the ensemble are chosen here, so PrivateTest stays untouched.

Run:  python benchmarks/ensemble_members.py NAME=MODEL.keras ... (or NAME alone, from stored predictions)
Writes benchmarks/results/ensemble_members.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import _stored
import numpy as np

from ferlib.data import Split, load_fer2013
from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine
from ferlib.table import format_table

RESULTS = Path(__file__).with_name("results")


def probabilities(name: str, model_file: str, public: Split) -> np.ndarray:
    """``name``'s PublicTest probabilities as stored: read, or predicted from ``model_file`` (when given)
    and kept."""
    if not model_file:
        return _stored.load(name, "PublicTest", len(public))
    from ferlib.evaluation import predict_proba
    from ferlib.models import load_model_file

    return _stored.save(name, "PublicTest", predict_proba(load_model_file(model_file), public.images))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("members", nargs="+", help="NAME=MODEL.keras, or NAME for stored predictions")
    parser.add_argument("--overwrite", action="store_true", help="replace stored predictions of NAME=MODEL")
    args = parser.parse_args()
    members = [_stored.split_member(member) for member in args.members]  # (NAME, MODEL.keras or "")
    for name, model_file in members:
        if problem := _stored.member_problem(name, model_file):
            parser.error(problem)
    _stored.refuse_repeated([name for name, _ in members])
    kept = [
        str(path)
        for name, model_file in members
        if model_file and (path := _stored.path(name, "PublicTest")).exists()
    ]
    if kept and not args.overwrite:
        parser.error(f"{', '.join(kept)} already stored; --overwrite replaces it, or give NAME alone to "
                     f"read the stored ones")  # fmt: skip

    public = load_fer2013(progress=False).public_test
    for name, model_file in members:
        if not model_file and (problem := _stored.problem(name, "PublicTest", len(public))):
            parser.error(problem)
    found = {name: probabilities(name, model_file, public) for name, model_file in members}

    def accuracy(names: tuple[str, ...]) -> float:
        return _stored.accuracy(np.mean([found[name] for name in names], axis=0), public.labels)

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

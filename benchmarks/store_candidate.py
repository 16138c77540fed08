"""Keep what a finished training run taught, so it survives the machine and its weights (issue 31).

Copies the run's card (``model.json``) and epoch log into ``benchmarks/results/candidates/NAME.json`` and
``NAME_log.csv``, and stores its predictions as float16 in ``benchmarks/results/predictions/``:
``NAME_PublicTest.npy`` (one pass), ``NAME_PublicTest_tta.npy`` (test-time views; the ten crops for a
network trained on random crops) and ``NAME_Training.npy`` (one pass over the 28,709 Training faces, under
1 MB, so a teacher's soft targets can be rebuilt from the repository: ``ferlib train --teacher
NAME_Training.npy``). PrivateTest is not touched.
``benchmarks/candidate_runs.py`` then lists the run beside the others.

Run:  python benchmarks/store_candidate.py RUN_FOLDER NAME  (add --overwrite to replace a stored NAME)
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np

from ferlib.data import load_fer2013
from ferlib.evaluation import predict_proba
from ferlib.io import atomic_path
from ferlib.models import load_model_file

RESULTS = Path(__file__).with_name("results")
CANDIDATES = RESULTS / "candidates"
PREDICTIONS = RESULTS / "predictions"


def save_float16(path: Path, probabilities: np.ndarray) -> None:
    with atomic_path(path) as tmp, tmp.open("wb") as handle:
        np.save(handle, probabilities.astype(np.float16))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a finished run folder (model.keras, model.json, log.csv)")
    parser.add_argument("name", help="the name it is stored under, e.g. crop44_20ep")
    parser.add_argument("--overwrite", action="store_true", help="replace what is stored under NAME")
    args = parser.parse_args()

    card_path, log_path, model_path = (args.run / name for name in ("model.json", "log.csv", "model.keras"))
    for needed in (card_path, log_path, model_path):
        if not needed.is_file():
            parser.error(f"{needed} is missing: is {args.run} a finished run?")
    targets = {
        "card": CANDIDATES / f"{args.name}.json",
        "log": CANDIDATES / f"{args.name}_log.csv",
        "public_test": PREDICTIONS / f"{args.name}_PublicTest.npy",
        "public_test_tta": PREDICTIONS / f"{args.name}_PublicTest_tta.npy",
        "training": PREDICTIONS / f"{args.name}_Training.npy",
    }
    stored = [str(path) for path in targets.values() if path.exists()]
    if stored and not args.overwrite:
        parser.error(f"{args.name} is already stored ({', '.join(stored)}); --overwrite replaces it")

    data = load_fer2013()
    model = load_model_file(model_path)
    public = data.public_test
    results = {
        "public_test": predict_proba(model, public.images),
        "public_test_tta": predict_proba(model, public.images, tta=True),
        "training": predict_proba(model, data.training.images),
    }
    for key, probabilities in results.items():
        save_float16(targets[key], probabilities)
    shutil.copyfile(card_path, targets["card"])
    shutil.copyfile(log_path, targets["log"])
    card = json.loads(card_path.read_text())
    for key in ("public_test", "public_test_tta"):
        accuracy = float(np.mean(results[key].argmax(axis=1) == public.labels))
        print(f"{args.name} {key}: {accuracy:.4f}")
    print(f"card's PublicTest accuracy: {card['public_test_accuracy']:.4f}; stored under {args.name}")


if __name__ == "__main__":
    main()

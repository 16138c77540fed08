"""The predictions the benchmark scripts keep of a model, shared by them all: ``NAME_SPLIT.npy`` in
``benchmarks/results/predictions/``, float16 on disk (half the size; an accuracy's fourth decimal does
not move) and float32 in memory. SPLIT is ``PublicTest``, ``PublicTest_tta`` (over test-time views) or
``Training``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ferlib.io import atomic_path
from ferlib.labels import NUM_CLASSES

PREDICTIONS = Path(__file__).with_name("results") / "predictions"
SPLITS = ("PublicTest", "PublicTest_tta", "Training")


def path(name: str, split: str) -> Path:
    """Where ``name``'s predictions on ``split`` are kept."""
    return PREDICTIONS / f"{name}_{split}.npy"


def save(name: str, split: str, probabilities: np.ndarray) -> np.ndarray:
    """Keep ``probabilities`` (N, 7) as ``name``'s on ``split``, as float16 and atomically (a write cut
    short leaves no file); returns what was kept, as ``load`` will read it, so that figures printed
    from it are those the file gives."""
    stored = probabilities.astype(np.float16)
    with atomic_path(path(name, split)) as tmp, tmp.open("wb") as handle:
        np.save(handle, stored)
    return stored.astype(np.float32)


def load(name: str, split: str, rows: int) -> np.ndarray:
    """``name``'s kept predictions on ``split``, float32, checked to be ``rows`` rows of seven (one per
    face of the split); ``SystemExit`` with one line when they are missing or of another shape."""
    stored = path(name, split)
    if not stored.is_file():
        from_model = (
            f", benchmarks/ensemble_members.py {name}=MODEL.keras a model's" if split == "PublicTest" else ""
        )
        raise SystemExit(f"{name}: {stored} is missing; benchmarks/store_candidate.py RUN_FOLDER {name} "
                         f"keeps a finished run's predictions{from_model}")  # fmt: skip
    probabilities = np.load(stored, allow_pickle=False)
    if probabilities.shape != (rows, NUM_CLASSES):
        raise SystemExit(
            f"{name}: {stored} holds an array of shape {probabilities.shape}, not ({rows}, {NUM_CLASSES}): "
            f"one row of {NUM_CLASSES} probabilities per {split.removesuffix('_tta')} face"
        )
    return probabilities.astype(np.float32)


def refuse_repeated(names: list[str]) -> None:
    """``SystemExit`` with one line for members named more than once: an average counts each once."""
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise SystemExit(f"{', '.join(repeated)}: named more than once; an average counts each member once")


def teacher_record(teacher: str | Path) -> Path:
    """``FILE.json`` beside the averaged predictions ``FILE.npy``: stored_teacher.py's record of the
    members it averaged."""
    return Path(teacher).with_suffix(".json")

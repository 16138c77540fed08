"""What the benchmark scripts keep of a model and how they name it, shared by them all.

Predictions: ``NAME_SPLIT.npy`` in ``benchmarks/results/predictions/``, float16 on disk (half the size)
and float32 in memory. The stored values are what every figure is computed from: a script prints the
accuracy of what it kept, never of the float32 it predicted, since rounding to float16 can turn a near
tie between two classes into an exact one and so change a face's top class. SPLIT is ``PublicTest``,
``PublicTest_tta`` (over test-time views) or ``Training``.

Members, as the scripts that average models take them: ``NAME`` for stored predictions (or a shipped
model) and ``NAME=MODEL.keras`` for a model file. Teacher records: ``FILE.json`` beside averaged
predictions ``FILE.npy`` (``stored_teacher.py``), kept with a run distilled from them as
``NAME_teacher.json`` beside its card (``store_candidate.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ferlib.io import atomic_path
from ferlib.labels import NUM_CLASSES

PREDICTIONS = Path(__file__).with_name("results") / "predictions"
SPLITS = ("PublicTest", "PublicTest_tta", "Training")
#: How a stored run's copy of its teacher's record ends (``NAME_teacher.json``): no run is named so.
TEACHER_SUFFIX = "_teacher"


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


def problem(name: str, split: str, rows: int) -> str | None:
    """One line on what is wrong with ``name``'s kept predictions on ``split`` (missing, or not
    ``rows`` rows of seven, one per face of the split); None when they are fine. Reads only the
    file's header."""
    stored = path(name, split)
    if not stored.is_file():
        from_model = (
            f", benchmarks/ensemble_members.py {name}=MODEL.keras a model's" if split == "PublicTest" else ""
        )
        return (f"{name}: {stored} is missing; benchmarks/store_candidate.py RUN_FOLDER {name} keeps a "
                f"finished run's predictions{from_model}")  # fmt: skip
    shape = np.load(stored, mmap_mode="r", allow_pickle=False).shape
    if shape != (rows, NUM_CLASSES):
        return (
            f"{name}: {stored} holds an array of shape {shape}, not ({rows}, {NUM_CLASSES}): "
            f"one row of {NUM_CLASSES} probabilities per {split.removesuffix('_tta')} face"
        )
    return None


def load(name: str, split: str, rows: int) -> np.ndarray:
    """``name``'s kept predictions on ``split``, float32, checked to be ``rows`` rows of seven (one per
    face of the split); ``SystemExit`` with ``problem``'s line when they are missing or of another
    shape."""
    found = problem(name, split, rows)
    if found:
        raise SystemExit(found)
    return np.load(path(name, split), allow_pickle=False).astype(np.float32)


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The share of faces whose most probable class is their label, to four decimals as the results
    give it."""
    return round(float(np.mean(probabilities.argmax(axis=1) == labels)), 4)


def split_member(member: str) -> tuple[str, str]:
    """A member as (NAME, MODEL.keras) for ``NAME=MODEL.keras``, (NAME, "") for ``NAME`` alone."""
    name, _, model = member.partition("=")
    return name, model


def member_problem(name: str, model: str) -> str | None:
    """One line on what is wrong with a member as ``split_member`` gives it, before anything is loaded: a
    model file that is missing, a model file given without a NAME or with no name; None when fine."""
    if model:
        if not name:
            return f"={model}: name the member, NAME={model}"
        return None if Path(model).is_file() else f"{name}={model}: {model} is missing"
    if name.lower().endswith(".keras"):
        return f"{name}: a model file is given as NAME=MODEL.keras (e.g. {Path(name).stem}={name})"
    return None


def refuse_repeated(names: list[str]) -> None:
    """``SystemExit`` with one line for members named more than once: an average counts each once."""
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise SystemExit(f"{', '.join(repeated)}: named more than once; an average counts each member once")


def teacher_record(teacher: str | Path) -> Path:
    """``FILE.json`` beside the averaged predictions ``FILE.npy``: stored_teacher.py's record of the
    members it averaged."""
    return Path(teacher).with_suffix(".json")


def kept_teacher_record(candidates: Path, name: str) -> Path:
    """``NAME_teacher.json`` in ``candidates`` (``benchmarks/results/candidates/``): the teacher record
    that store_candidate.py keeps with the run stored as ``name``."""
    return candidates / f"{name}{TEACHER_SUFFIX}.json"

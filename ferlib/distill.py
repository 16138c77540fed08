"""Knowledge distillation as soft targets: a teacher's probabilities on the training faces, computed once
and cached, blended with the true labels into the targets a student trains on.

A teacher (an ensemble, or any seven-emotion model) is slow; its predictions on the 28,709 training faces
are not. They are stored as float16 (about 400 kB) under ferlib's cache folder, keyed by a fingerprint
of the faces' pixels, the teacher file's hash and whether they average the teacher's test-time views, so
a distillation run costs no more per epoch than a plain one. A teacher can also be such predictions
alone, a ``.npy`` file (``stored_probabilities``): a run's kept predictions, or an average of several
runs', rebuild its soft targets when its weights are gone.
Each face's target is ``(1 - weight) * one_hot + weight * softmax(log(p_teacher) / temperature)``
(Hinton et al. 2015, soft targets): with a temperature high enough to make the teacher uniform this is
label smoothing by ``weight``.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import numpy as np

from ferlib.data.cache import cache_dir
from ferlib.errors import ConfigError, DataQualityWarning
from ferlib.io import atomic_path
from ferlib.labels import NUM_CLASSES
from ferlib.pretrained import existing_model_file


def teacher_probabilities(
    teacher: str | os.PathLike[str], faces: np.ndarray, *, tta: bool = False, directory: Path | None = None
) -> np.ndarray:
    """The teacher's probabilities on ``faces`` (N, 48, 48), shape (N, 7), from the cache when there.
    ``teacher``: a model file or a shipped model's name (``"accurate"``). ``tta``: averaged over the
    teacher's test-time views (``ferlib.evaluation.tta_views``), cached apart from the one-pass ones.

    The cache file is named by a hash of the faces' pixels and one of the teacher file, so a changed
    teacher or a different set of faces is never mixed up with another's predictions. A damaged cache
    file is predicted again and replaced; a cache folder that cannot be written costs a warning only.
    """
    teacher = existing_model_file(teacher, "teacher model")
    mode = "-tta" if tta else ""
    path = (directory or cache_dir()) / f"teacher-{file_fingerprint(teacher)}-{_array_hash(faces)}{mode}.npy"
    cached = _read_cached(path, len(faces))
    if cached is not None:
        return cached
    from ferlib.evaluation import predict_proba
    from ferlib.models import load_model_file

    model = load_model_file(teacher)
    how = " over its test-time views" if tta else ""
    print(f"teacher {teacher.name}: predicting {len(faces):,} faces{how} once; later runs read {path}",
          flush=True)  # fmt: skip
    probabilities = predict_proba(model, faces, tta=tta, progress=True).astype(np.float16)
    try:
        with atomic_path(path) as tmp, tmp.open("wb") as handle:
            np.save(handle, probabilities)
    except OSError as error:
        warnings.warn(
            f"could not cache the teacher's predictions ({error}); the next run predicts them again",
            DataQualityWarning,
            stacklevel=2,
        )
    return probabilities.astype(np.float32)


# A teacher's stored probabilities must pick the training label this often: a real teacher scores far
# above it on the faces it taught; predictions made on other faces, or in an order that mixes the
# emotions, score near chance. (Rows reordered within each emotion would pass: give the data they came from.)
MIN_LABEL_AGREEMENT = 0.4


def check_stored_teacher(path: Path) -> None:
    """Refuse a ``.npy`` teacher whose header is not a 2-D array of seven columns (``ConfigError``),
    reading the header only: checked before the data loads."""
    shape = _read_stored(path, header_only=True).shape
    if len(shape) != 2 or shape[1] != NUM_CLASSES:
        raise ConfigError(f"{path} holds an array of shape {shape}: a teacher's probabilities have one row "
                          f"of {NUM_CLASSES} per training face")  # fmt: skip


def stored_probabilities(path: Path, labels: np.ndarray) -> np.ndarray:
    """A teacher's probabilities read from ``path``, a ``.npy`` array with one row of seven per training
    face in the order ferlib loads them (``benchmarks/store_candidate.py`` keeps each run's), checked
    against the faces' ``labels``. ``ConfigError`` when the file is not such an array, its rows are not
    probabilities, or they pick the training label too rarely to belong to these faces."""
    stored = _read_stored(path)
    if stored.shape != (len(labels), NUM_CLASSES):
        raise ConfigError(
            f"{path} holds an array of shape {stored.shape}: a teacher's probabilities on these "
            f"{len(labels):,} training faces have shape ({len(labels)}, {NUM_CLASSES})"
        )
    probabilities = stored.astype(np.float32)
    if (
        not np.isfinite(probabilities).all()
        or (probabilities < 0).any()
        or (np.abs(probabilities.sum(axis=1) - 1).max() > 0.02)
    ):
        raise ConfigError(f"{path}: each row must be {NUM_CLASSES} probabilities, non-negative, summing to 1")
    agreement = float(np.mean(probabilities.argmax(axis=1) == labels))
    if agreement < MIN_LABEL_AGREEMENT:
        raise ConfigError(
            f"{path} picks the training label for only {agreement:.0%} of the faces: were these "
            "predictions made on other faces, or in another order?"
        )
    return probabilities


def _read_stored(path: Path, *, header_only: bool = False) -> np.ndarray:
    """The array in the ``.npy`` file ``path``, read without pickles (``header_only``: mapped, so only
    its header is read); ``ConfigError`` for anything else, such as an ``.npz`` or a text file renamed."""
    try:
        with path.open("rb") as handle:
            np.lib.format.read_magic(handle)
    except (OSError, ValueError, EOFError):
        raise ConfigError(f"{path}: not a NumPy .npy file of a teacher's probabilities") from None
    try:
        return np.load(path, mmap_mode="r" if header_only else None, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise ConfigError(f"{path}: not a NumPy array of a teacher's probabilities ({error})") from None


def _read_cached(path: Path, count: int) -> np.ndarray | None:
    """The cached probabilities at ``path``, or ``None`` when there are none or they are damaged."""
    try:
        stored = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if stored.shape != (count, NUM_CLASSES) or not np.isfinite(stored).all():
        return None  # another program's file or a cut-off write: never trusted
    return stored.astype(np.float32)


def soft_targets(labels: np.ndarray, teacher: np.ndarray, temperature: float, weight: float) -> np.ndarray:
    """``(1 - weight) * one_hot(labels) + weight * teacher`` softened by ``temperature``, as float32."""
    if teacher.shape != (len(labels), NUM_CLASSES):
        raise ConfigError(f"teacher probabilities of shape {teacher.shape} for {len(labels)} labels")
    logits = np.log(np.clip(teacher.astype(np.float64), 1e-8, 1.0)) / temperature
    softened = np.exp(logits - logits.max(axis=1, keepdims=True))
    softened /= softened.sum(axis=1, keepdims=True)
    one_hot = np.eye(NUM_CLASSES)[np.asarray(labels, dtype=np.int64)]
    return ((1.0 - weight) * one_hot + weight * softened).astype(np.float32)


def file_fingerprint(path: Path) -> str:
    """A short hash of a file's bytes: names a teacher's cached predictions, and the teacher a run began
    with."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _array_hash(array: np.ndarray) -> str:
    digest = hashlib.sha256(str(array.shape).encode())
    digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]

"""Evaluation: accuracy, balanced accuracy, macro F1, per-class report, confusion matrix, mistakes.

``evaluate(model, split)`` works for any Keras model fed the ferlib way (48x48x1 pixels in 0-255,
outputs in ``EMOTIONS`` order) and, through an ``InputAdapter``, for models that expect another size,
scaling or label order. ``tta=True`` averages the predictions over flipped and cropped views.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from scipy.stats import binomtest
from sklearn.metrics import (
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from tqdm.auto import tqdm

from ferlib.data import FER2013, Split, load_fer2013
from ferlib.errors import ConfigError, ModelFileError
from ferlib.imageops import FACE_SIZE
from ferlib.labels import EMOTIONS, NUM_CLASSES
from ferlib.models import Predictor, input_crop
from ferlib.pretrained import resolve_model


@dataclass(frozen=True)
class InputAdapter:
    """How a model expects its faces: side in pixels, the range 0-255 maps to, and its label order."""

    size: int = FACE_SIZE
    value_range: tuple[float, float] = (0.0, 255.0)
    label_order: tuple[str, ...] = EMOTIONS

    def __post_init__(self) -> None:
        if sorted(self.label_order) != sorted(EMOTIONS):
            raise ConfigError(
                f"label_order must name each of {', '.join(EMOTIONS)} once, got {self.label_order}"
            )

    def prepare(self, faces: np.ndarray) -> np.ndarray:
        """uint8 faces (N, 48, 48) -> float32 (N, size, size, 1) in ``value_range``."""
        faces = np.asarray(faces)
        if self.size != faces.shape[1]:
            faces = np.stack(
                [cv2.resize(f, (self.size, self.size), interpolation=cv2.INTER_LINEAR) for f in faces]
            )
        low, high = self.value_range
        return (faces.astype(np.float32) * ((high - low) / 255.0) + low)[..., None]

    def to_ferlib_order(self, probabilities: np.ndarray) -> np.ndarray:
        """Reorder a model's output columns into ``EMOTIONS`` order."""
        return probabilities[:, [self.label_order.index(emotion) for emotion in EMOTIONS]]


FERLIB_INPUT = InputAdapter()
# Faces whose test-time views are built at once: 12 views of 4,096 faces are 113 MB of uint8, where
# those of the 28,709 training faces (a teacher's) would be 0.8 GB.
TTA_CHUNK = 4096


def tta_views(faces: np.ndarray, crop: int = 44, *, model_crop: int | None = None) -> list[np.ndarray]:
    """The test-time views of uint8 faces (N, H, W), each also mirrored.

    For a model that sees the whole face: the face, its centre and four corner crops of ``crop`` pixels
    resized back (12 views). For a model that keeps only its centre ``model_crop`` pixels (trained on
    random crops): the face and the face shifted so that the model's crop falls on each corner, the ten
    crops of the published recipes (10 views)."""
    side = faces.shape[1]
    if model_crop is not None:
        margin = (side - model_crop) // 2
        padded = np.pad(faces, ((0, 0), (margin, margin), (margin, margin)), mode="edge")
        shifts = [(0, 0), (-margin, -margin), (-margin, margin), (margin, -margin), (margin, margin)]
        views = [
            padded[:, margin + dy : margin + dy + side, margin + dx : margin + dx + side] for dy, dx in shifts
        ]
        return views + [view[:, :, ::-1] for view in views]
    offsets = [((side - crop) // 2, (side - crop) // 2), (0, 0), (0, side - crop), (side - crop, 0)]
    offsets.append((side - crop, side - crop))
    views = [faces]
    for top, left in offsets:
        cropped = faces[:, top : top + crop, left : left + crop]
        views.append(np.stack([cv2.resize(f, (side, side), interpolation=cv2.INTER_LINEAR) for f in cropped]))
    return views + [view[:, :, ::-1] for view in views]


def predict_proba(
    model: Predictor,
    faces: np.ndarray,
    *,
    tta: bool = False,
    adapter: InputAdapter = FERLIB_INPUT,
    batch_size: int = 256,
    progress: bool = False,
) -> np.ndarray:
    """Class probabilities (N, 7) in ``EMOTIONS`` order for uint8 faces (N, 48, 48); ``tta`` averages
    them over ``tta_views`` (the ten crops for a model built with ``crop=``; an ensemble, whatever its
    members, gets the whole-face views). ``progress``: a bar over the views, for the minutes that
    ``tta`` takes on many faces. ``ModelFileError`` for a model that takes other inputs than
    ``adapter`` gives or gives other than seven outputs."""
    expected, shape = (adapter.size, adapter.size, 1), tuple(model.input_shape[1:])
    if len(shape) != len(expected) or any(
        d is not None and d != e for d, e in zip(shape, expected, strict=True)
    ):
        raise ModelFileError(
            f"the model takes inputs of shape {shape}, expected {expected}; an InputAdapter gives it its size"
        )
    crop, total = input_crop(model), np.zeros((len(faces), NUM_CLASSES), dtype=np.float64)
    count = 1
    with tqdm(desc="Test-time views", unit="view", disable=not (progress and tta)) as bar:
        for start in range(0, len(faces), TTA_CHUNK):  # views of a chunk at a time: bounded memory
            part = faces[start : start + TTA_CHUNK]
            views = tta_views(part, model_crop=crop) if tta else [part]
            count, bar.total = len(views), len(views) * -(-len(faces) // TTA_CHUNK)
            for view in views:
                outputs = model.predict(adapter.prepare(view), batch_size=batch_size, verbose=0)
                if outputs.shape[1:] != (NUM_CLASSES,):
                    raise ModelFileError(
                        f"the model outputs shape {outputs.shape[1:]}, expected ({NUM_CLASSES},)"
                    )
                total[start : start + len(part)] += adapter.to_ferlib_order(outputs)
                bar.update()
    return (total / count).astype(np.float32)


@dataclass
class Evaluation:
    """Every figure of one model on one split."""

    split: str
    tta: bool
    labels: np.ndarray
    probabilities: np.ndarray
    predictions: np.ndarray = field(init=False)
    accuracy: float = field(init=False)
    balanced_accuracy: float = field(init=False)
    macro_f1: float = field(init=False)
    per_class: dict[str, dict[str, float]] = field(init=False)
    confusion: np.ndarray = field(init=False)
    misclassified: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.predictions = self.probabilities.argmax(axis=1)
        classes = list(range(NUM_CLASSES))
        self.accuracy = float(np.mean(self.predictions == self.labels))
        self.balanced_accuracy = float(balanced_accuracy_score(self.labels, self.predictions))
        self.macro_f1 = float(
            f1_score(self.labels, self.predictions, labels=classes, average="macro", zero_division=0)
        )
        precision, recall, f1, support = precision_recall_fscore_support(
            self.labels, self.predictions, labels=classes, zero_division=0
        )
        self.per_class = {
            emotion: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for emotion, p, r, f, s in zip(EMOTIONS, precision, recall, f1, support, strict=True)
        }
        self.confusion = confusion_matrix(self.labels, self.predictions, labels=classes)
        self.misclassified = np.flatnonzero(self.predictions != self.labels)

    @property
    def confusion_normalized(self) -> np.ndarray:
        """Rows sum to one: the share of each true emotion given each prediction."""
        totals = self.confusion.sum(axis=1, keepdims=True)
        return np.divide(self.confusion, totals, out=np.zeros(self.confusion.shape), where=totals > 0)

    def most_confused(self, top: int = 5) -> list[dict[str, Any]]:
        """The largest off-diagonal cells: which true emotion is most often taken for which."""
        rates = self.confusion_normalized
        cells = [
            (t, p) for t in range(NUM_CLASSES) for p in range(NUM_CLASSES) if t != p and self.confusion[t, p]
        ]
        cells.sort(key=lambda cell: self.confusion[cell], reverse=True)
        return [
            {
                "true": EMOTIONS[t],
                "predicted": EMOTIONS[p],
                "count": int(self.confusion[t, p]),
                "rate": rates[t, p],
            }
            for t, p in cells[:top]
        ]

    def to_dict(self) -> dict[str, Any]:
        """Every figure as plain JSON-ready values."""
        return {
            "split": self.split,
            "tta": self.tta,
            "images": len(self.labels),
            "accuracy": self.accuracy,
            "balanced_accuracy": self.balanced_accuracy,
            "macro_f1": self.macro_f1,
            "per_class": self.per_class,
            "labels": list(EMOTIONS),
            "confusion": self.confusion.tolist(),
            "confusion_normalized": np.round(self.confusion_normalized, 4).tolist(),
            "most_confused": [{**cell, "rate": round(cell["rate"], 4)} for cell in self.most_confused()],
            "misclassified": self.misclassified.tolist(),
        }

    def report(self) -> str:
        """A readable text report."""
        lines = [
            f"{self.split}{' with test-time augmentation' if self.tta else ''}: {len(self.labels):,} images",
            f"accuracy {self.accuracy:.4f}   balanced accuracy {self.balanced_accuracy:.4f}   "
            f"macro F1 {self.macro_f1:.4f}",
            "",
            f"{'emotion':<10}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}",
        ]
        for emotion, row in self.per_class.items():
            lines.append(
                f"{emotion:<10}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1']:>10.3f}{row['support']:>10}"
            )
        lines += ["", "most confused (true -> predicted):"]
        lines += [
            f"  {c['true']:>8} -> {c['predicted']:<8} {c['count']:>4} ({c['rate']:.1%} of {c['true']})"
            for c in self.most_confused()
        ]
        return "\n".join(lines)


def evaluate(
    model: Predictor | str | os.PathLike[str],
    split: str | Split = "PublicTest",
    *,
    data: FER2013 | None = None,
    tta: bool = False,
    adapter: InputAdapter = FERLIB_INPUT,
    progress: bool = False,
) -> Evaluation:
    """Evaluate ``model`` (a Keras or TFLite model, a ``.keras`` or ``.tflite`` file, or a shipped model by
    name: ``"default"``, ``"accurate"``) on a FER-2013 split (by name, loading the data if not given) or
    on a ``Split``.

    PublicTest by default, as on the command line: models are chosen there, and PrivateTest, the final
    test set, is asked for by name for the final report only. ``progress``: a bar over the ``tta`` views.
    """
    if isinstance(model, str | os.PathLike):
        model = resolve_model(model)
    if isinstance(split, str):
        split = (data or load_fer2013(progress=False))[split]
    probabilities = predict_proba(model, split.images, tta=tta, adapter=adapter, progress=progress)
    return Evaluation(split.name, tta, np.asarray(split.labels, dtype=np.int64), probabilities)


@dataclass(frozen=True)
class PairedComparison:
    """Two models judged on the same faces (``paired_comparison``).

    Attributes:
        first_only: faces only the first model gets right.
        second_only: faces only the second model gets right.
        p_value: McNemar's exact two-sided p-value on those faces.
    """

    first_only: int
    second_only: int
    p_value: float


def paired_comparison(labels: np.ndarray, first: np.ndarray, second: np.ndarray) -> PairedComparison:
    """How two models' answers on the same faces differ, and how likely chance alone would give that gap.

    Only the faces one model gets right and the other wrong carry evidence; McNemar's exact test asks
    how likely so lopsided a split of them is when both models are equally good (a fair coin per face).
    A gain of a point on PublicTest's 3,589 faces is 36 faces, often within chance.

    ``labels`` (N,) the true classes 0-6; ``first`` and ``second`` each model's probabilities (N, 7) or
    predicted classes (N,). ``ConfigError`` for any other shape or for classes outside 0-6.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not _are_classes(labels):
        raise ConfigError(f"labels of shape {labels.shape}: expected (N,) classes 0-{NUM_CLASSES - 1}")
    right = []
    for name, predictions in (("first", np.asarray(first)), ("second", np.asarray(second))):
        if predictions.shape == (len(labels), NUM_CLASSES):
            classes = predictions.argmax(axis=1)
        elif predictions.shape == labels.shape and _are_classes(predictions):
            classes = predictions
        else:
            raise ConfigError(
                f"the {name} model's predictions, of shape {predictions.shape}: expected ({len(labels)},) "
                f"classes 0-{NUM_CLASSES - 1} or ({len(labels)}, {NUM_CLASSES}) probabilities"
            )
        right.append(classes == labels)
    first_only, second_only = int(np.sum(right[0] & ~right[1])), int(np.sum(right[1] & ~right[0]))
    discordant = first_only + second_only
    p_value = binomtest(first_only, discordant).pvalue if discordant else 1.0
    return PairedComparison(first_only, second_only, float(p_value))


def _are_classes(values: np.ndarray) -> bool:
    """Whether ``values`` are whole numbers in 0-6, as class indices are."""
    return np.issubdtype(values.dtype, np.integer) and bool(np.all((values >= 0) & (values < NUM_CLASSES)))

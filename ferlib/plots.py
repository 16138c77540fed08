"""Every figure ferlib shows: data, augmentation, training, evaluation and per-face emotions.

Each function returns a ``matplotlib.figure.Figure`` (made without pyplot, so nothing piles up in
memory and no display is needed); notebooks show it, ``save_figure`` writes it as PNG.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import seaborn as sns
from matplotlib.figure import Figure as MatplotlibFigure

from ferlib.data import FER2013, SPLITS, Split
from ferlib.errors import ConfigError
from ferlib.labels import COLOURS, EMOTIONS

if TYPE_CHECKING:
    from ferlib.evaluation import Evaluation


class Figure(MatplotlibFigure):
    """A matplotlib figure that shows itself in Jupyter as a PNG, without pyplot or a GUI backend."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        return buffer.getvalue()


def save_figure(figure: Figure, path: str | os.PathLike[str], dpi: int = 110) -> Path:
    """Write ``figure`` as a PNG file and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def sample_grid(split: Split, per_class: int = 8, seed: int = 0) -> Figure:
    """A row of random faces for each emotion."""
    rng = np.random.default_rng(seed)
    figure = Figure(figsize=(per_class * 0.9, len(EMOTIONS) * 1.0))
    axes = figure.subplots(len(EMOTIONS), per_class, squeeze=False)
    for row, emotion in enumerate(EMOTIONS):
        indices = np.flatnonzero(split.labels == row)
        chosen = rng.choice(indices, size=min(per_class, len(indices)), replace=False)
        for col in range(per_class):
            ax = axes[row, col]
            ax.axis("off")
            if col < len(chosen):
                ax.imshow(split.images[chosen[col]], cmap="gray", vmin=0, vmax=255)
        axes[row, 0].set_title(emotion, loc="left", fontsize=9, color=COLOURS[emotion])
    figure.suptitle(f"{split.name}: random faces per emotion")
    return figure


def class_balance(data: FER2013) -> Figure:
    """Images per emotion in each split, as grouped bars."""
    figure = Figure(figsize=(9, 4))
    ax = figure.subplots()
    width = 0.8 / len(SPLITS)
    x = np.arange(len(EMOTIONS))
    for i, name in enumerate(SPLITS):
        counts = list(data[name].class_counts().values())
        bars = ax.bar(x + i * width - 0.4 + width / 2, counts, width, label=name)
        ax.bar_label(bars, fontsize=7)
    ax.set_xticks(x, EMOTIONS)
    ax.set_ylabel("images")
    ax.set_title("FER-2013: images per emotion and split")
    ax.legend()
    return figure


def augmentation_preview(faces: np.ndarray, augment: Callable[..., object], variants: int = 6) -> Figure:
    """Each face (left) beside ``variants`` random augmentations of it."""
    batch = np.asarray(faces, dtype=np.float32)[..., None]
    figure = Figure(figsize=((variants + 1) * 1.1, len(batch) * 1.1))
    axes = figure.subplots(len(batch), variants + 1, squeeze=False)
    columns = [batch] + [np.asarray(augment(batch, training=True)) for _ in range(variants)]
    for col, images in enumerate(columns):
        for row in range(len(batch)):
            axes[row, col].imshow(images[row, :, :, 0], cmap="gray", vmin=0, vmax=255)
            axes[row, col].axis("off")
        axes[0, col].set_title("original" if col == 0 else f"random {col}", fontsize=8)
    return figure


def learning_curves(history: Sequence[Mapping[str, float]]) -> Figure:
    """Loss and accuracy per epoch, training against validation (PublicTest)."""
    epochs = np.arange(1, len(history) + 1)
    figure = Figure(figsize=(10, 3.8))
    for ax, metric in zip(figure.subplots(1, 2), ("loss", "accuracy"), strict=True):
        ax.plot(epochs, [row[metric] for row in history], label="training")
        if history and f"val_{metric}" in history[0]:
            ax.plot(epochs, [row[f"val_{metric}"] for row in history], label="validation (PublicTest)")
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    return figure


def compare_runs(runs: Mapping[str, Sequence[Mapping[str, float]]], metric: str = "accuracy") -> Figure:
    """Several runs' curves on one chart: training dashed, validation (PublicTest) solid, one colour each.

    The gap between a run's two lines is its over-fitting: training accuracy that PublicTest does not share.
    """
    figure = Figure(figsize=(8, 4))
    ax = figure.subplots()
    for (name, history), colour in zip(runs.items(), sns.color_palette("deep", len(runs)), strict=True):
        epochs = np.arange(1, len(history) + 1)
        for key, style, part in ((metric, "--", "training"), (f"val_{metric}", "-", "PublicTest")):
            ax.plot(epochs, [row[key] for row in history], style, color=colour, label=f"{name}: {part}")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return figure


def parameters_vs_accuracy(
    rows: Sequence[Mapping[str, Any]], accuracy: str = "public_test_accuracy"
) -> Figure:
    """Each architecture as a point: parameters (log scale) against accuracy, labelled with its name."""
    figure = Figure(figsize=(7, 4))
    ax = figure.subplots()
    for row in rows:
        ax.scatter(row["parameters"], row[accuracy], s=60)
        ax.annotate(str(row["architecture"]), (row["parameters"], row[accuracy]),
                    textcoords="offset points", xytext=(6, 4), fontsize=9)  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel("parameters")
    ax.set_ylabel(accuracy.replace("_", " "))
    ax.grid(alpha=0.3)
    return figure


def feature_maps(activations: np.ndarray, title: str = "", count: int = 16) -> Figure:
    """The first ``count`` channels of one image's activations (height, width, channels), side by side."""
    if activations.ndim != 3:
        raise ConfigError(f"expected activations of shape (height, width, channels), got {activations.shape}")
    count = min(count, activations.shape[-1])
    columns = min(count, 8)
    rows = -(-count // columns)
    figure = Figure(figsize=(columns * 1.2, rows * 1.3 + 0.4))
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    for channel, ax in enumerate(axes):
        ax.axis("off")
        if channel < count:
            ax.imshow(activations[:, :, channel], cmap="viridis")
    height, width, channels = activations.shape
    figure.suptitle(f"{title} {height}x{width}, {count} of {channels} channels".strip())
    return figure


def confusion_heatmap(evaluation: Evaluation) -> Figure:
    """The confusion matrix: colour and percentage by true emotion (rows sum to 100%), with counts."""
    rates = evaluation.confusion_normalized
    annotations = np.array(
        [
            [f"{rates[t, p]:.0%}\n{evaluation.confusion[t, p]}" for p in range(len(EMOTIONS))]
            for t in range(len(EMOTIONS))
        ]
    )
    figure = Figure(figsize=(7.5, 6.2))
    ax = figure.subplots()
    sns.heatmap(
        rates, annot=annotations, fmt="", cmap="Blues", vmin=0, vmax=1, square=True, ax=ax,
        xticklabels=EMOTIONS, yticklabels=EMOTIONS, cbar_kws={"label": "share of the true emotion"},
        annot_kws={"fontsize": 8},
    )  # fmt: skip
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{evaluation.split}: accuracy {evaluation.accuracy:.1%}")
    return figure


def per_class_bars(evaluation: Evaluation) -> Figure:
    """Precision, recall and F1 for each emotion."""
    figure = Figure(figsize=(9, 3.8))
    ax = figure.subplots()
    x = np.arange(len(EMOTIONS))
    for i, metric in enumerate(("precision", "recall", "f1")):
        values = [evaluation.per_class[e][metric] for e in EMOTIONS]
        ax.bar(x + (i - 1) * 0.27, values, 0.27, label=metric)
    ax.set_xticks(x, EMOTIONS)
    ax.set_ylim(0, 1)
    ax.set_ylabel("score (1 = perfect)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(ncols=3)
    ax.set_title(f"{evaluation.split}: per-emotion precision, recall and F1")
    return figure


def misclassified_gallery(
    evaluation: Evaluation, images: np.ndarray, count: int = 24, columns: int = 8
) -> Figure:
    """The most confidently wrong faces, with true and predicted emotion and the model's confidence."""
    wrong = evaluation.misclassified
    confidence = evaluation.probabilities[wrong, evaluation.predictions[wrong]]
    chosen = wrong[np.argsort(-confidence)][:count]
    rows = max(1, int(np.ceil(len(chosen) / columns)))
    figure = Figure(figsize=(columns * 1.3, rows * 1.6))
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, index in zip(axes.ravel(), chosen, strict=False):
        predicted = evaluation.predictions[index]
        ax.imshow(images[index], cmap="gray", vmin=0, vmax=255)
        ax.set_title(
            f"{EMOTIONS[evaluation.labels[index]]}\n-> {EMOTIONS[predicted]} "
            f"{evaluation.probabilities[index, predicted]:.0%}",
            fontsize=7,
        )
    figure.suptitle("Most confident mistakes: true -> predicted (confidence)")
    return figure


def reliability_diagram(evaluation: Evaluation, bins: int = 10, title: str = "") -> Figure:
    """Calibration: accuracy against confidence in equal-width bins, with the expected calibration error
    (``ferlib.calibration``)."""
    from ferlib.calibration import reliability

    found = reliability(evaluation.probabilities, evaluation.labels, bins)
    figure = Figure(figsize=(5, 5))
    ax = figure.subplots()
    centres = (found.edges[:-1] + found.edges[1:]) / 2
    filled = found.counts > 0
    ax.bar(centres[filled], found.accuracy[filled], width=1 / bins, edgecolor="black", alpha=0.7,
           label="accuracy")  # fmt: skip
    ax.plot([0, 1], [0, 1], "--", color="gray", label="perfect calibration")
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(f"{title or 'Reliability'} ({evaluation.split}): ECE {found.ece:.3f}")
    ax.legend()
    return figure


def emotion_bars(scores: Mapping[str, float], title: str = "") -> Figure:
    """One face's seven emotion probabilities as horizontal bars."""
    figure = Figure(figsize=(4, 2.6))
    ax = figure.subplots()
    ax.barh(list(EMOTIONS), [scores[e] for e in EMOTIONS], color=[COLOURS[e] for e in EMOTIONS])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability")
    ax.set_title(title)
    return figure


def mean_faces(split: Split) -> Figure:
    """The average face of each emotion: what the pixels have in common within a class."""
    figure = Figure(figsize=(len(EMOTIONS) * 1.4, 1.8))
    for ax, (index, emotion) in zip(figure.subplots(1, len(EMOTIONS)), enumerate(EMOTIONS), strict=True):
        members = split.images[split.labels == index]
        if len(members):
            ax.imshow(members.mean(axis=0), cmap="gray", vmin=0, vmax=255)
        ax.set_title(emotion, fontsize=9, color=COLOURS[emotion])
        ax.axis("off")
    figure.suptitle(f"{split.name}: the mean face of each emotion")
    return figure


def pixel_histogram(split: Split) -> Figure:
    """How bright the faces are: the distribution of pixel values, and of each face's mean."""
    figure = Figure(figsize=(10, 3.2))
    left, right = figure.subplots(1, 2)
    left.hist(split.images.ravel(), bins=64, color="gray")
    left.set_title("all pixel values")
    left.set_xlabel("pixel value (0 black, 255 white)")
    left.set_ylabel("pixels")
    right.hist(split.images.reshape(len(split), -1).mean(axis=1), bins=64, color="steelblue")
    right.set_title("mean brightness per face")
    right.set_xlabel("mean pixel value of one face")
    right.set_ylabel("faces")
    for ax in (left, right):
        ax.set_xlim(0, 255)
    return figure


def duplicate_pairs(data: FER2013, groups: Sequence[object], count: int = 6) -> Figure:
    """Identical images found in two places: each column shows both copies with split and label."""
    chosen = list(groups)[:count]
    figure = Figure(figsize=(max(1, len(chosen)) * 1.5, 3.6))
    axes = figure.subplots(2, max(1, len(chosen)), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for col, group in enumerate(chosen):
        for row, (split, index) in enumerate(group.members[:2]):  # type: ignore[attr-defined]
            ax = axes[row, col]
            ax.imshow(data[split].images[index], cmap="gray", vmin=0, vmax=255)
            ax.set_title(f"{split}\n{EMOTIONS[data[split].labels[index]]}", fontsize=7)
    figure.suptitle("The same pixels twice")
    return figure


def show_image(image: np.ndarray, title: str = "", width: float = 6.0) -> Figure:
    """A BGR (OpenCV) or grey picture as a figure."""
    rgb = image[:, :, ::-1] if image.ndim == 3 else image
    height = width * image.shape[0] / image.shape[1]
    figure = Figure(figsize=(width, height))
    ax = figure.add_axes((0, 0, 1, 1))
    ax.imshow(rgb, cmap=None if image.ndim == 3 else "gray", vmin=0, vmax=255)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return figure


def image_grid(
    images: Sequence[np.ndarray], titles: Sequence[str], columns: int = 2, width: float = 9.0
) -> Figure:
    """BGR or grey pictures side by side, ``columns`` to a row, each with its title."""
    rows = -(-len(images) // columns)
    aspect = images[0].shape[0] / images[0].shape[1]
    figure = Figure(figsize=(width, width / columns * aspect * rows * 1.12))
    for ax, image, title in zip(
        figure.subplots(rows, columns, squeeze=False).ravel(), images, titles, strict=False
    ):
        ax.imshow(image[:, :, ::-1] if image.ndim == 3 else image, cmap="gray", vmin=0, vmax=255)
        ax.set_title(title, fontsize=9)
    for ax in figure.axes:
        ax.axis("off")
    figure.tight_layout()
    return figure


def emotion_timeline(per_frame: Sequence[Sequence[object]], fps: float) -> Figure:
    """The first face's emotion probabilities over a video; gaps where no face was found."""
    seconds = np.arange(len(per_frame)) / fps
    figure = Figure(figsize=(9, 3))
    ax = figure.subplots()
    for emotion in EMOTIONS:
        values = [faces[0].scores[emotion] if faces else np.nan for faces in per_frame]  # type: ignore[attr-defined]
        ax.plot(seconds, values, label=emotion, color=COLOURS[emotion])
    ax.set_xlabel("seconds")
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1)
    ax.legend(ncols=4, fontsize=8)
    ax.set_title("Emotions of the first face, frame by frame")
    return figure

"""Every plot draws what it says: the right number of panels and lines, a PNG that is not empty."""

from __future__ import annotations

import numpy as np
import pytest

from ferlib import plots
from ferlib.data import Split
from ferlib.evaluation import Evaluation
from ferlib.labels import EMOTIONS


def _png_size(figure: plots.Figure) -> int:
    png = figure._repr_png_()
    assert png.startswith(b"\x89PNG")
    return len(png)


def _history(epochs: int, gap: float) -> list[dict[str, float]]:
    return [
        {"accuracy": 0.3 + (0.05 + gap) * e, "val_accuracy": 0.3 + 0.05 * e, "loss": 1.0, "val_loss": 1.1}
        for e in range(epochs)
    ]


def test_compare_runs_draws_training_and_validation_for_each_run() -> None:
    figure = plots.compare_runs({"without": _history(5, 0.05), "with": _history(5, 0.0)})
    lines = figure.axes[0].get_lines()
    assert len(lines) == 4
    assert [line.get_linestyle() for line in lines] == ["--", "-", "--", "-"]
    np.testing.assert_allclose(lines[0].get_ydata(), [0.3, 0.4, 0.5, 0.6, 0.7])
    assert _png_size(figure) > 5000


def test_parameters_vs_accuracy_labels_every_architecture() -> None:
    rows = [{"architecture": "small", "parameters": 1_000, "public_test_accuracy": 0.5},
            {"architecture": "large", "parameters": 1_000_000, "public_test_accuracy": 0.6}]  # fmt: skip
    figure = plots.parameters_vs_accuracy(rows)
    ax = figure.axes[0]
    assert [text.get_text() for text in ax.texts] == ["small", "large"]
    assert ax.get_xscale() == "log"
    assert _png_size(figure) > 5000


def test_feature_maps_shows_the_requested_channels_and_refuses_a_batch() -> None:
    activations = np.random.default_rng(0).random((24, 24, 32)).astype("float32")
    figure = plots.feature_maps(activations, "conv", count=12)
    assert sum(bool(ax.images) for ax in figure.axes) == 12
    assert "12 of 32 channels" in figure.get_suptitle()
    with pytest.raises(ValueError, match="height, width, channels"):
        plots.feature_maps(activations[None])


def test_evaluation_plots_render() -> None:
    rng = np.random.default_rng(1)
    labels = np.arange(70) % len(EMOTIONS)
    probabilities = rng.dirichlet(np.ones(len(EMOTIONS)), size=70)
    result = Evaluation("PublicTest", False, labels, probabilities)
    faces = rng.integers(0, 256, (70, 48, 48), dtype=np.uint8)
    figures = [
        plots.confusion_heatmap(result),
        plots.per_class_bars(result),
        plots.reliability_diagram(result),
        plots.misclassified_gallery(result, faces, count=8),
    ]
    for figure in figures:
        assert _png_size(figure) > 5000
    assert figures[1].axes[0].get_ylabel()  # bars with a scale say what it measures


def test_data_plots_render() -> None:
    rng = np.random.default_rng(2)
    split = Split("Training", rng.integers(0, 256, (70, 48, 48), dtype=np.uint8), np.arange(70) % 7,
                  np.array([f"face{i}.jpg" for i in range(70)]))  # fmt: skip
    grid = plots.sample_grid(split, per_class=3)
    assert sum(bool(ax.images) for ax in grid.axes) == 21
    means = plots.mean_faces(split)
    angry_mean = split.images[split.labels == 0].mean(axis=0)
    np.testing.assert_allclose(means.axes[0].images[0].get_array(), angry_mean)
    histogram = plots.pixel_histogram(split)
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in histogram.axes)
    for figure in (grid, means, histogram, plots.learning_curves(_history(3, 0.0))):
        assert _png_size(figure) > 3000


def test_image_grid_shows_each_picture_with_its_title() -> None:
    colour = np.zeros((48, 64, 3), np.uint8)
    grey = np.full((48, 64), 200, np.uint8)
    figure = plots.image_grid([colour, grey, colour], ["a", "b", "c"], columns=2)
    titled = [ax.get_title() for ax in figure.axes if ax.images]
    assert titled == ["a", "b", "c"] and len(figure.axes) == 4  # the fourth cell stays empty
    assert _png_size(figure) > 1000

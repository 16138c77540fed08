"""How far to trust a model's confidence: reliability in bins, the expected calibration error, and
temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks").

Temperature scaling divides the model's log-probabilities by one number ``T`` fitted on held-out faces
(PublicTest) so that their cross-entropy is lowest: ``T > 1`` softens an over-confident model, ``T < 1``
sharpens an under-confident one (a distilled student, say). The largest probability stays the largest,
so accuracy never changes; only the confidence does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from ferlib.errors import ConfigError

#: The temperatures searched: from sharpening five-fold to softening five-fold.
TEMPERATURE_RANGE = (0.2, 5.0)


@dataclass(frozen=True)
class Reliability:
    """Per confidence bin: faces, mean confidence and accuracy; and the expected calibration error."""

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    ece: float


def reliability(probabilities: np.ndarray, labels: np.ndarray, bins: int = 10) -> Reliability:
    """Accuracy against confidence (the top probability) in ``bins`` equal-width bins; the ECE is the
    gap between the two averaged over the bins, each weighted by its share of the faces."""
    probabilities, labels = _checked(probabilities, labels)
    if bins < 1:
        raise ConfigError(f"bins must be at least 1, got {bins}")
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges) - 1, 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    accuracy = np.bincount(which, weights=correct, minlength=bins) / np.maximum(counts, 1)
    mean_confidence = np.bincount(which, weights=confidence, minlength=bins) / np.maximum(counts, 1)
    ece = float(np.sum(counts / counts.sum() * np.abs(accuracy - mean_confidence)))
    return Reliability(edges, counts, mean_confidence, accuracy, ece)


def apply_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """``softmax(log(probabilities) / temperature)``, row by row."""
    if temperature <= 0:
        raise ConfigError(f"the temperature must be positive, got {temperature}")
    logits = np.log(np.clip(np.asarray(probabilities, dtype=np.float64), 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    scaled = np.exp(logits)
    return (scaled / scaled.sum(axis=1, keepdims=True)).astype(np.float32)


def fit_temperature(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The temperature in ``TEMPERATURE_RANGE`` that gives ``labels`` the lowest cross-entropy."""
    probabilities, labels = _checked(probabilities, labels)

    def cross_entropy(temperature: float) -> float:
        scaled = apply_temperature(probabilities, temperature)
        return float(-np.mean(np.log(np.clip(scaled[np.arange(len(labels)), labels], 1e-12, 1.0))))

    return float(minimize_scalar(cross_entropy, bounds=TEMPERATURE_RANGE, method="bounded").x)


def _checked(probabilities: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    probabilities, labels = np.asarray(probabilities), np.asarray(labels)
    if probabilities.ndim != 2 or len(probabilities) != len(labels) or len(labels) == 0:
        raise ConfigError(
            f"expected probabilities (N, classes) and N labels, got {probabilities.shape} and {labels.shape}"
        )
    return probabilities, labels

"""Calibration: the expected calibration error and temperature scaling."""

from __future__ import annotations

import numpy as np
import pytest

from ferlib.calibration import apply_temperature, fit_temperature, reliability
from ferlib.data import FER2013
from ferlib.errors import ConfigError


def sampled(logits: np.ndarray, seed: int = 0) -> np.ndarray:
    """Labels drawn from ``softmax(logits)``: probabilities that are calibrated by construction."""
    rng = np.random.default_rng(seed)
    truth = apply_temperature(np.exp(logits), 1.0)
    return np.array([rng.choice(len(row), p=row / row.sum()) for row in truth])


def test_ece_is_the_gap_between_confidence_and_accuracy() -> None:
    # 100 faces answered with confidence 0.85, 60 of them right: an ECE of 0.25.
    probabilities = np.tile([0.85, 0.15], (100, 1))
    labels = np.array([0] * 60 + [1] * 40)
    found = reliability(probabilities, labels, bins=10)
    assert found.ece == pytest.approx(0.25)
    assert found.counts.sum() == 100 and found.counts[8] == 100  # 0.85 falls in the ninth bin
    assert found.accuracy[8] == pytest.approx(0.6) and found.confidence[8] == pytest.approx(0.85)


def test_temperature_keeps_the_answer_and_softens_the_confidence() -> None:
    probabilities = apply_temperature(np.exp(np.random.default_rng(1).normal(size=(50, 7))), 1.0)
    np.testing.assert_allclose(apply_temperature(probabilities, 1.0), probabilities, atol=1e-6)
    softer = apply_temperature(probabilities, 2.0)
    np.testing.assert_array_equal(softer.argmax(axis=1), probabilities.argmax(axis=1))
    assert np.all(softer.max(axis=1) < probabilities.max(axis=1))
    np.testing.assert_allclose(softer.sum(axis=1), 1, atol=1e-6)


@pytest.mark.parametrize("factor", [2.0, 0.5])  # the logits doubled: too sure; halved: too timid
def test_the_fitted_temperature_undoes_over_and_under_confidence(factor: float) -> None:
    logits = np.random.default_rng(2).normal(scale=2, size=(4000, 7))
    labels = sampled(logits)
    miscalibrated = apply_temperature(np.exp(factor * logits), 1.0)
    temperature = fit_temperature(miscalibrated, labels)
    assert temperature == pytest.approx(factor, rel=0.1)
    before = reliability(miscalibrated, labels).ece
    after = reliability(apply_temperature(miscalibrated, temperature), labels).ece
    assert after < before / 2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: reliability(np.ones((3, 7)) / 7, np.zeros(2, int)), "expected probabilities"),
        (lambda: reliability(np.ones((3, 7)) / 7, np.zeros(3, int), bins=0), "bins"),
        (lambda: apply_temperature(np.ones((3, 7)) / 7, 0.0), "temperature must be positive"),
    ],
)
def test_bad_input_is_a_clear_error(call: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        call()  # type: ignore[operator]


def test_the_shipped_model_is_under_confident_and_a_temperature_fitted_on_publictest_helps(
    real_dataset: FER2013,
) -> None:
    from ferlib.evaluation import evaluate
    from ferlib.pretrained import load_pretrained

    model = load_pretrained()
    public, private = (evaluate(model, split, data=real_dataset) for split in ("PublicTest", "PrivateTest"))
    temperature = fit_temperature(public.probabilities, public.labels)
    # under-confident, as a student distilled from softened answers tends to be: sharpening fits better
    assert temperature < 1
    calibrated = apply_temperature(private.probabilities, temperature)
    assert (
        reliability(calibrated, private.labels).ece < reliability(private.probabilities, private.labels).ece
    )
    np.testing.assert_array_equal(calibrated.argmax(axis=1), private.predictions)

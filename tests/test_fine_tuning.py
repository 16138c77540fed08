"""Fine-tuning (``TrainConfig.initial_model``, ``ferlib train --init``): a run starts from a model's
weights, refuses one that does not fit before the data loads, and counts that model's runs in its cost."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest

import ferlib
from ferlib.cli import main
from ferlib.config import TrainConfig
from ferlib.data import FER2013
from ferlib.errors import TrainingInterrupted
from ferlib.training import InterruptAfter, train

TFLITE = Path(ferlib.__file__).parent / "static" / "models" / "ferlib_fer2013.tflite"  # shipped for browsers
TINY = ["--arch", "minimal", "--epochs", "1", "--batch-size", "32", "--limit", "128"]


def _config(out: Path, **changes: object) -> TrainConfig:
    base = TrainConfig(architecture="minimal", epochs=1, batch_size=32, limit=128, augment=None,
                       output_dir=str(out))  # fmt: skip
    return replace(base, **changes)


def test_a_fine_tuning_run_starts_from_the_given_weights(real_dataset: FER2013, tmp_path: Path) -> None:
    first = train(_config(tmp_path / "first"), data=real_dataset, verbose=0)
    # A learning rate too small to move the weights: what the run ends with is what it started from.
    still = {"learning_rate": 1e-9, "weight_decay": 0.0, "seed": 1}
    tuned = train(_config(tmp_path / "tuned", initial_model=str(first.model_path), **still),
                  data=real_dataset, verbose=0)  # fmt: skip
    fresh = train(_config(tmp_path / "fresh", **still), data=real_dataset, verbose=0)
    for started, trained, random in zip(first.model.get_weights(), tuned.model.get_weights(),
                                        fresh.model.get_weights(), strict=True):  # fmt: skip
        np.testing.assert_allclose(trained, started, atol=1e-6)
        assert random.std() == 0 or not np.allclose(random, started, atol=1e-3)
    folders = [run["folder"] for run in tuned.card["training_runs"]]
    assert sorted(folders) == sorted([str(tmp_path / "tuned"), str(tmp_path / "first")])
    assert tuned.card["total_wall_seconds"] == pytest.approx(
        tuned.card["wall_seconds"] + first.card["wall_seconds"], abs=0.2
    )


def test_a_resumed_fine_tuning_run_needs_its_initial_model_no_more(
    real_dataset: FER2013, tmp_path: Path
) -> None:
    first = train(_config(tmp_path / "first"), data=real_dataset, verbose=0)
    config = _config(tmp_path / "tuned", initial_model=str(tmp_path / "first.keras"), epochs=2,
                     backup_every_batches=2)  # fmt: skip
    first.model_path.rename(tmp_path / "first.keras")
    with pytest.raises(TrainingInterrupted):
        train(config, data=real_dataset, callbacks=[InterruptAfter(3)], verbose=0)
    (tmp_path / "first.keras").unlink()  # the backup holds the weights now
    assert len(train(config, data=real_dataset, verbose=0).history) == 2


def test_a_run_whose_backup_cannot_be_read_starts_from_its_starting_model(
    real_dataset: FER2013, tmp_path: Path
) -> None:
    first = train(_config(tmp_path / "first"), data=real_dataset, verbose=0)
    config = _config(tmp_path / "killed", initial_model=str(first.model_path), learning_rate=1e-9,
                     weight_decay=0.0, seed=1)  # fmt: skip
    # Killed while Keras wrote its first backup: a config, and a backup folder with nothing to restore.
    (tmp_path / "killed" / "backup").mkdir(parents=True)
    (tmp_path / "killed" / "config.json").write_text(json.dumps(asdict(config)))
    (tmp_path / "killed" / "backup" / "latest.weights.h5").write_bytes(b"half-written")
    with pytest.warns(UserWarning, match="no readable backup"):
        tuned = train(config, data=real_dataset, verbose=0)
    for started, trained in zip(first.model.get_weights(), tuned.model.get_weights(), strict=True):
        np.testing.assert_allclose(trained, started, atol=1e-6)


@pytest.mark.parametrize(
    ("init", "message"),
    [
        ("default", "its weights do not fit minimal; start from a model built alike"),
        ("missing.keras", "no such starting model file"),
        (".", "a folder, not a starting model file"),
        (str(TFLITE), "not a Keras model, so its weights cannot start a minimal run"),
    ],
)
def test_an_initial_model_that_cannot_start_the_run_is_refused_before_the_data_loads(
    init: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    init = init if init in ("default", str(TFLITE)) else str(tmp_path / init)
    flags = [*TINY, "--init", init, "--data", str(tmp_path / "missing"), "--out", str(out)]
    assert main(["train", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ferlib train: ") and message in err and err.count("\n") == 1, err
    assert not out.exists()

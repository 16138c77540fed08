"""Training on real FER-2013 subsets: callbacks, model cards, save and load, resume after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

import keras
import numpy as np
import pytest

import ferlib.training.loop
from ferlib.card import REQUIRED_FIELDS, read_card
from ferlib.cli import main
from ferlib.config import AugmentConfig, TrainConfig
from ferlib.data import FER2013
from ferlib.models import MODELS
from ferlib.training import InterruptAfter, TrainingInterrupted, clock_learning_rate, train
from ferlib.training.loop import training_pipeline


@pytest.mark.parametrize("architecture", list(MODELS))
def test_one_short_epoch_of_each_architecture(
    architecture: str, real_dataset: FER2013, tmp_path: Path
) -> None:
    config = TrainConfig(
        architecture=architecture, epochs=1, batch_size=32, limit=128, output_dir=str(tmp_path)
    )
    result = train(config, data=real_dataset, verbose=0)
    assert result.model_path == tmp_path / "model.keras" and result.model_path.is_file()
    assert [row["epoch"] for row in result.history] == [0]
    card = read_card(result.model_path)
    assert set(REQUIRED_FIELDS) <= set(card)
    assert card["architecture"] == architecture and card["epochs"] == 1
    assert card["training_batches"] == 4  # 128 faces in batches of 32
    assert card["parameters"] == result.model.count_params()
    assert card["data_fingerprint"] == real_dataset.fingerprint
    assert 0.0 <= card["public_test_accuracy"] <= 1.0
    assert card["private_test_accuracy"] is None, "PrivateTest is only measured when asked for"
    assert card["teacher_fingerprint"] is None  # no teacher
    assert card["labels"] == ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]


def test_saved_model_predicts_exactly_like_the_trained_one(real_dataset: FER2013, tmp_path: Path) -> None:
    config = TrainConfig(architecture="minimal", epochs=2, batch_size=32, limit=256, output_dir=str(tmp_path))
    result = train(config, data=real_dataset, verbose=0)
    faces = real_dataset.public_test.images[:64, :, :, None].astype("float32")
    loaded = keras.saving.load_model(result.model_path, safe_mode=True)
    np.testing.assert_array_equal(loaded.predict(faces, verbose=0), result.model.predict(faces, verbose=0))
    # The best epoch on PublicTest is what is kept.
    best = max(range(2), key=lambda e: result.history[e]["val_accuracy"])
    assert result.card["best_epoch"] == best + 1


def test_bad_config_is_refused() -> None:
    with pytest.raises(ValueError, match="optimizer must be"):
        TrainConfig(optimizer="rmsprop")
    with pytest.raises(ValueError, match="precision must be one of"):
        TrainConfig(precision="int4")
    with pytest.raises(ValueError, match=r"use_class_weights \(--class-weights\) needs one-hot targets"):
        TrainConfig(use_class_weights=True, teacher="accurate")


def test_config_read_back_from_a_card_equals_the_original() -> None:
    config = TrainConfig(architecture="ferlib_deep", minutes=5.0, output_dir="runs/x")
    saved = json.loads(json.dumps(asdict(config)))  # as the card stores it
    assert TrainConfig(**saved) == config
    del saved["augment"]["erasing"]  # a card written before the field existed reads as its default
    assert TrainConfig(**saved) == config
    saved["augment"]["zoom"] = 0.2
    assert TrainConfig(**saved) != config


def test_train_command_passes_augmentation_flags_into_the_card(
    real_dataset: FER2013, real_cache_dir: Path, fer2013_dir: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("FERLIB_CACHE_DIR", str(real_cache_dir))
    common = ["train", "--arch", "minimal", "--epochs", "1", "--limit", "128", "--data", str(fer2013_dir)]
    flags = ["--erasing", "0.5", "--shift", "0.2", "--mixup", "0.2"]
    assert main([*common, *flags, "--out", str(tmp_path / "a")]) == 0
    augment = read_card(tmp_path / "a" / "model.keras")["config"]["augment"]
    assert augment == {
        "rotation_degrees": 10.0, "shift": 0.2, "zoom": 0.1, "horizontal_flip": True, "erasing": 0.5,
        "mixup": 0.2,
    }  # fmt: skip
    assert main([*common, "--no-augment", "--out", str(tmp_path / "b")]) == 0
    assert read_card(tmp_path / "b" / "model.keras")["config"]["augment"] is None


def test_a_mixup_run_trains_on_blended_targets(real_dataset: FER2013) -> None:
    still = AugmentConfig(rotation_degrees=0, shift=0, zoom=0, horizontal_flip=False)
    training = real_dataset.training.subset(np.arange(0, 28_160, 110))  # every class (sorted by class)
    for mixup, blended in ((0.0, False), (0.4, True)):
        config = TrainConfig(augment=replace(still, mixup=mixup), batch_size=256)
        _, targets = next(iter(training_pipeline(config, training)))
        assert (targets.numpy().max(axis=1) < 0.99).any() == blended


def _wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_training_killed_mid_epoch_resumes_and_finishes(
    real_dataset: FER2013, real_cache_dir: Path, fer2013_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    command = [
        sys.executable, "-m", "ferlib.cli", "train", "--arch", "minimal", "--epochs", "3", "--limit", "3200",
        "--batch-size", "16", "--backup-every", "5", "--out", str(out), "--data", str(fer2013_dir),
    ]  # fmt: skip
    env = {**os.environ, "FERLIB_CACHE_DIR": str(real_cache_dir), "PYTHONUNBUFFERED": "1"}
    metadata = out / "backup" / "training_metadata.json"

    def mid_second_epoch() -> bool:
        try:
            state = json.loads(metadata.read_text())
        except (OSError, ValueError):
            return False
        return state["epoch"] == 1 and state["batch"] >= 5

    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert _wait_for(mid_second_epoch, timeout=300), "training never reached the middle of epoch 2"
        first.send_signal(signal.SIGKILL)
    finally:
        first.kill()
        first.wait()
    assert not (out / "model.keras").exists()
    assert len((out / "log.csv").read_text().strip().splitlines()) == 2  # header and epoch 0

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Resuming" in second.stdout and "after epoch 1 of 3" in second.stdout
    log_epochs = [line.split(",")[0] for line in (out / "log.csv").read_text().strip().splitlines()[1:]]
    assert log_epochs == ["0", "1", "2"]
    card = read_card(out / "model.keras")
    assert card["epochs"] == 3
    model = keras.saving.load_model(out / "model.keras", safe_mode=True)
    assert model.predict(np.zeros((1, 48, 48, 1), "float32"), verbose=0).shape == (1, 7)
    assert not (out / "backup").exists(), "the backup is removed once training completes"


def _interrupted_run(real_dataset: FER2013, out: Path) -> TrainConfig:
    """Three epochs of 8 batches, backed up every 3 batches, stopped after 10: the newest backup (after
    batch 9) is in epoch 2, the one before it (after batch 6) still in epoch 1."""
    config = TrainConfig(architecture="minimal", epochs=3, batch_size=32, limit=256, backup_every_batches=3,
                         output_dir=str(out))  # fmt: skip
    with pytest.raises(TrainingInterrupted):
        train(config, data=real_dataset, callbacks=[InterruptAfter(10)], verbose=0)
    assert json.loads((out / "backup" / "training_metadata.json").read_text())["epoch"] == 1
    return config


def _assert_complete(out: Path, result_history: list[dict[str, float]]) -> None:
    assert [row["epoch"] for row in result_history] == [0, 1, 2]
    log_epochs = [line.split(",")[0] for line in (out / "log.csv").read_text().strip().splitlines()[1:]]
    assert log_epochs == ["0", "1", "2"]
    assert read_card(out / "model.keras")["epochs"] == 3
    assert not (out / "backup").exists()


def test_interrupted_run_resumes_in_process(real_dataset: FER2013, tmp_path: Path, capsys) -> None:
    config = _interrupted_run(real_dataset, tmp_path)
    assert not (tmp_path / "model.keras").exists()
    result = train(config, data=real_dataset, verbose=0)
    assert "Resuming" in capsys.readouterr().out
    _assert_complete(tmp_path, result.history)


def test_a_stop_while_the_finished_model_is_measured_resumes(
    real_dataset: FER2013, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the end of training and the card, the model is saved and measured on PublicTest: a stop
    there must leave a run that resumes, not one with neither a backup nor a card."""
    config = TrainConfig(architecture="minimal", epochs=3, batch_size=32, limit=256, backup_every_batches=3,
                         output_dir=str(tmp_path))  # fmt: skip

    def stopped(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ferlib.training.loop, "run_card", stopped)
    with pytest.raises(KeyboardInterrupt):
        train(config, data=real_dataset, verbose=0)
    assert (tmp_path / "model.keras").is_file() and not (tmp_path / "model.json").exists()
    assert (tmp_path / "backup").is_dir()
    monkeypatch.undo()
    _assert_complete(tmp_path, train(config, data=real_dataset, verbose=0).history)


def test_damaged_newest_backup_falls_back_one_generation(real_dataset: FER2013, tmp_path: Path) -> None:
    config = _interrupted_run(real_dataset, tmp_path)
    backup = tmp_path / "backup"
    # As if the kill landed while the newest weights were written: half a file.
    weights = backup / "latest.weights.h5"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    # The previous generation was taken before epoch 1 had finished: the log must lose that epoch too.
    assert json.loads((backup / "training_metadata.json.bkp").read_text())["epoch"] == 0
    with pytest.warns(UserWarning, match="newest backup .* is damaged"):
        result = train(config, data=real_dataset, verbose=0)
    _assert_complete(tmp_path, result.history)


def test_unreadable_backup_starts_again_with_a_warning(real_dataset: FER2013, tmp_path: Path) -> None:
    config = _interrupted_run(real_dataset, tmp_path)
    for file in (tmp_path / "backup").iterdir():
        file.write_bytes(b"")
    with pytest.warns(UserWarning, match="no readable backup"):
        result = train(config, data=real_dataset, verbose=0)
    _assert_complete(tmp_path, result.history)


def test_clock_schedule_warms_up_then_decays_to_zero() -> None:
    rates = [clock_learning_rate(fraction, peak=0.1) for fraction in np.linspace(0, 1, 101)]
    assert rates[0] == pytest.approx(0.01)
    assert max(rates) == pytest.approx(0.1, rel=1e-2)
    peak_at = int(np.argmax(rates))
    assert peak_at <= 6
    assert all(a >= b for a, b in zip(rates[peak_at:], rates[peak_at + 1 :], strict=False))
    assert rates[-1] == pytest.approx(0.0, abs=1e-12)
    assert clock_learning_rate(1.5, peak=0.1) == pytest.approx(0.0, abs=1e-12)  # past the budget


def test_a_time_budget_stops_training_by_itself(real_dataset: FER2013, tmp_path: Path) -> None:
    config = TrainConfig(architecture="minimal", epochs=10_000, minutes=0.1, batch_size=32, limit=256,
                         output_dir=str(tmp_path))  # fmt: skip
    result = train(config, data=real_dataset, verbose=0)
    assert 1 <= result.card["epochs"] < 10_000
    assert result.card["wall_seconds"] >= 6.0
    # The epoch the budget ran out in is validated and logged like any other.
    assert [row["epoch"] for row in result.history] == list(range(result.card["epochs"]))
    assert "val_accuracy" in result.history[-1]

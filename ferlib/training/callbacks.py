"""The Keras callbacks ``train`` adds: the backup to resume from, the best-epoch checkpoint, the CSV log,
the schedule and early stopping (``standard_callbacks``), the training clock (``Clock``), a time budget
(``TimeBudget``), and ``InterruptAfter``, which stops a run on purpose to show or test a resume."""

from __future__ import annotations

import json
import time
from pathlib import Path

import keras

from ferlib.config import TrainConfig
from ferlib.errors import TrainingInterrupted
from ferlib.io import write_text_atomic
from ferlib.training.schedule import clock_learning_rate


def standard_callbacks(
    config: TrainConfig, out: Path, best_so_far: float | None, scratch: Path | None = None
) -> list[keras.callbacks.Callback]:
    """ferlib's callbacks. The processes of a cluster other than the first pass a ``scratch`` folder: they
    restore the shared backup like process 0 and save exactly when it does (saving synchronises the
    model's state across processes, so all must take part), but into ``scratch``, never into ``out``."""
    folder = out if scratch is None else scratch
    # Two generations of backup: a kill while the newest is being written leaves the previous one. The
    # backup outlives training (``train`` removes it once the card is written), so a stop while the
    # model is saved and measured resumes rather than leaving a run with neither backup nor card.
    backup = keras.callbacks.BackupAndRestore(
        str(out / "backup"),
        save_freq=config.backup_every_batches,
        double_checkpoint=True,
        delete_checkpoint=False,
    )
    if scratch is not None:
        backup = _SavesElsewhere(str(out / "backup"), str(scratch / "backup"), config.backup_every_batches)
    callbacks: list[keras.callbacks.Callback] = [
        backup,
        keras.callbacks.ModelCheckpoint(
            folder / "best.keras",
            monitor="val_accuracy",
            mode="max",
            save_best_only=True,
            initial_value_threshold=best_so_far,
        ),
        keras.callbacks.CSVLogger(str(folder / "log.csv"), append=True),
    ]
    if config.schedule == "plateau":
        callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=3))
    if config.early_stopping_patience is not None:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_accuracy",
                mode="max",
                patience=config.early_stopping_patience,
                restore_best_weights=True,
            )
        )
    return callbacks


class _SavesElsewhere(keras.callbacks.BackupAndRestore):
    """Restores from ``backup_dir`` at the start, then saves into ``scratch`` (other processes than 0)."""

    def __init__(self, backup_dir: str, scratch: str, save_freq: int) -> None:
        super().__init__(backup_dir, save_freq=save_freq, double_checkpoint=True)
        self.scratch = scratch

    def on_train_begin(self, logs: dict | None = None) -> None:
        super().on_train_begin(logs)
        self.backup_dir = self.scratch
        self._weights_path = str(Path(self.scratch) / "latest.weights.h5")
        self._training_metadata_path = str(Path(self.scratch) / "training_metadata.json")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"


class InterruptAfter(keras.callbacks.Callback):
    """Stop training abruptly after ``batches`` training batches, as a crash or a closed laptop would.

    Nothing is finished or cleaned up, so the backup stays behind; calling ``train`` again with the
    same configuration resumes from it. Notebook 04 uses this to show a resume without killing anything.
    """

    def __init__(self, batches: int) -> None:
        super().__init__()
        self.batches = batches
        self.seen = 0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.seen += 1
        if self.seen >= self.batches:
            raise TrainingInterrupted(f"training interrupted after {self.seen} batches (on purpose)")


class TimeBudget(keras.callbacks.Callback):
    """Stops training when the budget is spent (after the current batch; that epoch is then validated
    and logged as usual) and, for the cosine schedule, sets the learning rate from the clock."""

    def __init__(self, clock: Clock, seconds: float, peak: float, cosine: bool) -> None:
        super().__init__()
        self.clock, self.seconds, self.peak, self.cosine = clock, seconds, peak, cosine

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        if self.cosine:
            self.model.optimizer.learning_rate.assign(
                clock_learning_rate(self.clock.elapsed / self.seconds, self.peak)
            )

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.clock.elapsed >= self.seconds:
            self.model.stop_training = True


class Clock(keras.callbacks.Callback):
    """Training wall time and batches, summed over every resumed segment and saved often enough to
    survive a kill."""

    def __init__(self, path: Path, every_seconds: float = 10.0, saves: bool = True) -> None:
        super().__init__()
        self.path = path
        self.every_seconds = every_seconds
        self.saves = saves
        saved = self.saved(path)
        self.before, self.batches = saved["elapsed_seconds"], int(saved["batches"])
        self.start = time.monotonic()
        self.saved_at = self.start

    @staticmethod
    def saved(path: Path) -> dict[str, float]:
        """``elapsed_seconds`` and ``batches`` as last saved (zeros before the first save)."""
        state = json.loads(path.read_text()) if path.is_file() else {}
        return {key: float(state.get(key, 0.0)) for key in ("elapsed_seconds", "batches")}

    @property
    def elapsed(self) -> float:
        return self.before + time.monotonic() - self.start

    def _save(self) -> None:
        if not self.saves:
            return
        state = {"elapsed_seconds": round(self.elapsed, 1), "batches": self.batches}
        write_text_atomic(self.path, json.dumps(state))
        self.saved_at = time.monotonic()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.batches += 1
        if time.monotonic() - self.saved_at > self.every_seconds:
            self._save()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._save()

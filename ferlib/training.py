"""``train(config)``: one call that trains a named architecture on FER-2013 with the standard callbacks.

The output folder holds everything a run makes: ``best.keras`` (the best epoch on PublicTest),
``log.csv`` (one row per epoch), ``backup/`` (Keras' ``BackupAndRestore`` state, so a run killed at
any point resumes where it stopped), and at the end ``model.keras`` with its card ``model.json``.
Calling ``train`` again with the same output folder resumes an unfinished run.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import math
import os
import shlex
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import h5py
import keras
import numpy as np
import tensorflow as tf

import ferlib
from ferlib.augment import build_augmentation
from ferlib.card import card_path, merge_runs, own_run, read_card, total_seconds, training_runs, write_card
from ferlib.cluster import Cluster, barrier, is_chief, join
from ferlib.config import TrainConfig
from ferlib.data import FER2013, Split, load_fer2013
from ferlib.errors import ConfigError, ModelFileError, RunExistsError, TrainingInterrupted
from ferlib.io import atomic_path, write_text_atomic
from ferlib.labels import EMOTIONS
from ferlib.machine import describe_machine
from ferlib.models import build_model, count_flops
from ferlib.pipeline import class_weights, make_dataset


@dataclass
class TrainResult:
    """The trained model (best epoch on PublicTest), where it was saved, its card and the epoch log.

    ``already_finished`` is True when the output folder held this very run, finished: nothing was trained.
    """

    model: keras.Model
    model_path: Path
    card: dict[str, Any]
    history: list[dict[str, float]]
    already_finished: bool = False


#: Everything a run writes into its output folder.
RUN_FILES = ("config.json", "backup", "best.keras", "log.csv", "clock.json", "model.keras", "model.json")
#: Settings that may differ when a run is resumed: where the data is, how often to back up, what to report.
_RESUMABLE_CHANGES = frozenset({"output_dir", "data_dir", "backup_every_batches", "report_private_test"})


def train(
    config: TrainConfig,
    *,
    data: FER2013 | None = None,
    strategy: tf.distribute.Strategy | None = None,
    cluster: Cluster | None = None,
    callbacks: list[keras.callbacks.Callback] | None = None,
    verbose: int | str = "auto",
    overwrite: bool = False,
) -> TrainResult:
    """Train ``config.architecture``, resuming from ``config.output_dir`` if a run there was cut short.

    A finished run with the same settings is returned untouched (``already_finished``), except that
    ``report_private_test`` adds PrivateTest to a card that lacks it: models are chosen on PublicTest,
    and the chosen one is measured on the final test set once, afterwards. A folder holding
    another run raises ``RunExistsError`` unless ``overwrite=True``. Nothing in the folder is touched
    before the settings, the data and the teacher have been checked. ``callbacks`` run after ferlib's own
    (backup, checkpoint, CSV log, schedule, early stopping).

    ``strategy`` is a ``tf.distribute`` strategy (TensorFlow backend, one machine); ``cluster`` trains
    on several processes or hosts instead (JAX backend, ``ferlib.cluster``): every process calls
    ``train`` with the same settings, ``config.output_dir`` on a file system they all share, and
    process 0 alone writes the run's files.
    """
    out = Path(config.output_dir)
    state = run_state(out, config, overwrite=overwrite)
    if state == "finished":
        if is_chief():
            _update_finished_card(out, config)
        return _finished(out)
    if config.teacher is not None and not Path(config.teacher).is_file():
        raise ModelFileError(f"{config.teacher}: no such teacher model file")

    data = data or load_fer2013(config.data_dir)
    training, validation = _limited(data.training, config.limit, config.seed), data.public_test
    if config.limit:
        validation = _limited(validation, max(config.limit // 4, 64), config.seed)
    targets = _distillation_targets(config, training)
    if cluster is not None:
        _check_for_cluster(config, cluster, strategy)
        # Every process must also find the same run in the folder (it must be shared): same state, same
        # epochs done, or they would train different numbers of steps.
        progress = f"{state} after {_epochs_in_backup(out / 'backup')} epochs"
        join(cluster, _settings_fingerprint(config, data) + progress)
        _check_devices(config)

    if is_chief():
        if state == "overwrite":
            _remove_run(out)
        _repair_backup(out / "backup")
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / "config.json", json.dumps(asdict(config), indent=2) + "\n")
    barrier("ferlib: run folder ready")

    keras.utils.set_random_seed(config.seed)
    previous_policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(config.precision)
    try:
        model = _fit(config, out, training, validation, targets, strategy, callbacks or [], verbose, cluster)
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    if is_chief():
        history = read_log(out / "log.csv")
        card = _card(config, model, data, history, _Clock.saved(out / "clock.json"), training, validation)
        write_card(out / "model.keras", card)
    barrier("ferlib: run finished")
    return TrainResult(model, out / "model.keras", read_card(out / "model.keras"), read_log(out / "log.csv"))


def _check_for_cluster(
    config: TrainConfig, cluster: Cluster, strategy: tf.distribute.Strategy | None
) -> None:
    """Settings a multi-process run cannot honour, refused before anything starts."""
    if strategy is not None:
        raise ConfigError("give a tf.distribute strategy or a cluster, not both")
    if config.minutes is not None:
        raise ConfigError(
            "--minutes cannot be used with --strategy hosts: each process would stop on its own clock, "
            "at different batches; give --epochs instead"
        )
    if config.batch_size % cluster.processes:
        raise ConfigError(
            f"the batch size ({config.batch_size}) must be a multiple of the number of processes "
            f"({cluster.processes}): each process takes an equal share of every batch"
        )


def _check_devices(config: TrainConfig) -> None:
    """Each device of each process takes an equal share of every batch."""
    import jax

    if config.batch_size % jax.device_count():
        raise ConfigError(
            f"the batch size ({config.batch_size}) must be a multiple of the {jax.device_count()} devices of "
            "all processes together: each takes an equal share of every batch"
        )


def _settings_fingerprint(config: TrainConfig, data: FER2013) -> str:
    """What every process of a cluster must agree on: the settings (not where files are) and the data."""
    settings = {k: v for k, v in asdict(config).items() if k not in ("output_dir", "data_dir")}
    return hashlib.sha256(json.dumps([settings, data.fingerprint], sort_keys=True).encode()).hexdigest()


def run_state(out: Path, config: TrainConfig, *, overwrite: bool = False) -> str:
    """What ``train`` would do with ``out``: ``"new"``, ``"resume"``, ``"finished"`` or ``"overwrite"``.

    Raises ``RunExistsError`` when ``out`` holds another run (other settings, or files with no backup to
    resume from) and ``overwrite`` is False. Reads the folder only.
    """
    present = [name for name in RUN_FILES if (out / name).exists()]
    if not present or (present == ["config.json"] and _saved_config(out) == config):
        return "new"
    if overwrite:
        return "overwrite"
    finished = (out / "model.keras").is_file() and (out / "model.json").is_file()
    saved = _saved_config(out)
    differences = _differences(saved, config) if saved else []
    if saved and not differences and finished:
        return "finished"
    if saved and not differences and (out / "backup").is_dir():
        return "resume"
    what = "a finished run" if finished else "an unfinished run" if (out / "backup").is_dir() else "run files"
    if saved is None:
        why = "no readable config.json"
    elif differences:
        why = f"other settings ({'; '.join(differences)})"
    else:
        why = "no backup to resume from"
    raise RunExistsError(
        f"{out} holds {what} with {why}; choose another output folder, "
        "or pass --overwrite (overwrite=True) to delete it and start again"
    )


def _saved_config(out: Path) -> TrainConfig | None:
    try:
        return TrainConfig(**json.loads((out / "config.json").read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _differences(saved: TrainConfig, config: TrainConfig) -> list[str]:
    before, now = asdict(saved), asdict(config)
    return [
        f"{name}: {before[name]!r} there, {now[name]!r} now"
        for name in now
        if name not in _RESUMABLE_CHANGES and before[name] != now[name]
    ]


def _finished(out: Path) -> TrainResult:
    from ferlib.models import load_model_file

    model = load_model_file(out / "model.keras")
    return TrainResult(model, out / "model.keras", read_card(out / "model.keras"), read_log(out / "log.csv"),
                       already_finished=True)  # fmt: skip


def _update_finished_card(out: Path, config: TrainConfig) -> None:
    """Complete a finished run's card: its PrivateTest accuracy once, if asked, and what the run cost
    (``training_runs``) where an earlier ferlib did not record it and the teacher's card, if any, has
    the breakdown (else the card keeps what that ferlib wrote). Nothing else in it changes."""
    card = read_card(out / "model.keras")
    before = dict(card)
    if "training_runs" not in card:
        runs = _training_runs(config, card)
        if runs is not None:
            card["training_runs"], card["total_wall_seconds"] = runs, total_seconds(runs)
    if config.report_private_test and card["private_test_accuracy"] is None:
        _add_private_test(out, config, card)
    if card != before:
        write_card(out / "model.keras", card)


def _add_private_test(out: Path, config: TrainConfig, card: dict[str, Any]) -> None:
    """Measure a finished run's model on PrivateTest and add it to ``card``."""
    from ferlib.models import load_model_file

    data = load_fer2013(config.data_dir)
    if data.fingerprint != card["data_fingerprint"]:
        raise ConfigError(
            f"{config.data_dir or 'this FER-2013'} is not the data {out} was trained on "
            f"(fingerprint {data.fingerprint}, the card says {card['data_fingerprint']})"
        )
    card["private_test_accuracy"] = _accuracy(load_model_file(out / "model.keras"), data.private_test)
    card["config"] = {**card["config"], "report_private_test": True}
    card["command"] = _command()  # the run's command with the flag: run from scratch, it gives both


def _command() -> str | None:
    return shlex.join(sys.argv) if sys.argv and sys.argv[0] else None


def _remove_run(out: Path) -> None:
    """Delete what an earlier run wrote into ``out`` (only ferlib's own files), as ``--overwrite`` asks."""
    for name in RUN_FILES:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def _distillation_targets(config: TrainConfig, training: Split) -> np.ndarray | None:
    """The soft targets of a distillation run (``config.teacher``), else None."""
    if config.teacher is None:
        return None
    from ferlib.distill import soft_targets, teacher_probabilities

    probabilities = teacher_probabilities(config.teacher, training.images)
    return soft_targets(training.labels, probabilities, config.distill_temperature, config.distill_weight)


def _fit(
    config: TrainConfig,
    out: Path,
    training: Split,
    validation: Split,
    targets: np.ndarray | None,
    strategy: tf.distribute.Strategy | None,
    extra_callbacks: list[keras.callbacks.Callback],
    verbose: int | str,
    cluster: Cluster | None = None,
) -> keras.Model:
    """Fit with the callbacks, then save the best epoch as a float32 inference model ``model.keras``.

    On a cluster every process takes whole batches only (a part batch would leave some processes
    without work at the last step): the training images left over change every epoch, and PublicTest
    is validated on all but its last few faces during training (all of them for the card)."""
    # On a cluster, Keras' DataParallel (set by ``join``) places the variables; no tf.distribute scope.
    replicas = _replicas() if cluster else 1
    whole = cluster is not None and cluster.processes > 1
    steps = len(training) // config.batch_size if whole else int(np.ceil(len(training) / config.batch_size))
    with contextlib.nullcontext() if cluster else (strategy or tf.distribute.get_strategy()).scope():
        model = compiled_model(config, steps_per_epoch=steps)
    train_ds = training_pipeline(config, training, targets, drop_remainder=whole)
    val_batch = min(256 // replicas, len(validation) // replicas) * replicas
    val_ds = make_dataset(validation, batch_size=val_batch, one_hot=True, drop_remainder=whole)
    if whole:
        used = len(validation) // val_batch * val_batch
        print(f"validating on {used:,} of {len(validation):,} PublicTest faces (whole batches)", flush=True)

    log_path = out / "log.csv"
    resuming = (out / "backup").is_dir()
    done_epochs = _epochs_in_backup(out / "backup")
    if is_chief():
        _truncate_log(log_path, done_epochs)
    barrier("ferlib: log ready")
    scratch = None if is_chief() else Path(tempfile.mkdtemp(prefix="ferlib-worker-"))
    callbacks = _callbacks(config, out, _best_logged(log_path), scratch)
    clock = _Clock(out / "clock.json", saves=is_chief())
    if config.minutes is not None:
        callbacks.append(
            _TimeBudget(clock, config.minutes * 60, config.learning_rate, config.schedule == "cosine")
        )
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    if resuming:
        print(f"Resuming {out} after epoch {done_epochs} of {config.epochs}", flush=True)
    try:
        with warnings.catch_warnings():
            # Sharded between processes, the pipeline's length is learnt in the first epoch, which Keras
            # reports as running out of data.
            warnings.filterwarnings("ignore", "Your input ran out of data", UserWarning)
            model.fit(
                train_ds,
                validation_data=val_ds,
                epochs=config.epochs,
                callbacks=[*callbacks, clock, *extra_callbacks],
                class_weight=class_weights(training.labels) if config.use_class_weights else None,
                shuffle=False,  # the tf.data pipeline shuffles every epoch
                verbose=verbose,
            )
    finally:
        if scratch is not None:  # a worker's copies, whatever ended the training
            shutil.rmtree(scratch, ignore_errors=True)

    barrier("ferlib: training done")
    if cluster is not None:
        keras.distribution.set_distribution(None)  # the saved model is an ordinary one-device model
    best = keras.saving.load_model(out / "best.keras") if (out / "best.keras").is_file() else model
    # The saved file is a float32 inference model: same weights, no optimizer state, no bf16 policy.
    keras.mixed_precision.set_global_policy("float32")
    final = build_model(config.architecture, crop=config.crop)
    final.set_weights([np.asarray(weight) for weight in best.get_weights()])
    if is_chief():
        with atomic_path(out / "model.keras") as tmp:
            final.save(tmp)
    return final


def _replicas() -> int:
    """How many copies of the model a cluster trains: one per device of every process."""
    import jax

    return int(jax.device_count())


def compiled_model(config: TrainConfig, steps_per_epoch: int) -> keras.Model:
    """``config.architecture`` compiled with ``config``'s optimiser, schedule and loss."""
    model = build_model(config.architecture, crop=config.crop)
    model.compile(
        optimizer=_optimizer(config, steps_per_epoch),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing),
        metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
    )
    return model


def training_pipeline(
    config: TrainConfig, training: Split, targets: np.ndarray | None = None, drop_remainder: bool = False
) -> tf.data.Dataset:
    """Shuffled, augmented batches of ``training`` as ``config`` asks, with one-hot or soft ``targets``."""
    augment = build_augmentation(config.augment, seed=config.seed) if config.augment else None
    return make_dataset(
        training,
        batch_size=config.batch_size,
        shuffle=True,
        augment=augment,
        one_hot=True,
        seed=config.seed,
        targets=targets,
        drop_remainder=drop_remainder,
    )


def _limited(split: Split, limit: int | None, seed: int) -> Split:
    if not limit or limit >= len(split):
        return split
    chosen = np.sort(np.random.default_rng(seed).choice(len(split), size=limit, replace=False))
    return split.subset(chosen)


def learning_rate(
    config: TrainConfig, steps_per_epoch: int
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """The learning rate ``train`` gives the optimiser: for ``schedule="cosine"``, one warm-up epoch from
    a tenth of the peak, then cosine decay to zero at the last step; otherwise the constant peak (which
    ``ReduceLROnPlateau`` lowers, or, with ``minutes``, the clock sets: ``clock_learning_rate``)."""
    if config.minutes is not None or config.schedule != "cosine":
        return config.learning_rate
    warmup = steps_per_epoch if config.epochs > 1 else 0
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=config.learning_rate / 10 if warmup else config.learning_rate,
        decay_steps=max(1, config.epochs * steps_per_epoch - warmup),
        warmup_target=config.learning_rate if warmup else None,
        warmup_steps=warmup,
    )


def _optimizer(config: TrainConfig, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    rate = learning_rate(config, steps_per_epoch)
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(rate, momentum=0.9, nesterov=True, weight_decay=config.weight_decay)
    return keras.optimizers.AdamW(rate, weight_decay=config.weight_decay)


def _callbacks(
    config: TrainConfig, out: Path, best_so_far: float | None, scratch: Path | None = None
) -> list[keras.callbacks.Callback]:
    """ferlib's callbacks. The processes of a cluster other than the first pass a ``scratch`` folder: they
    restore the shared backup like process 0 and save exactly when it does (saving synchronises the
    model's state across processes, so all must take part), but into ``scratch``, never into ``out``."""
    folder = out if scratch is None else scratch
    # Two generations of backup: a kill while the newest is being written leaves the previous one.
    backup = keras.callbacks.BackupAndRestore(
        str(out / "backup"), save_freq=config.backup_every_batches, double_checkpoint=True
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


def clock_learning_rate(fraction: float, peak: float, warmup: float = 0.05) -> float:
    """The learning rate when ``fraction`` of the time budget is spent: a linear warm-up from a tenth of
    ``peak`` over the first ``warmup``, then cosine decay to zero at the end of the budget."""
    if fraction < warmup:
        return peak * (0.1 + 0.9 * fraction / warmup)
    progress = min(1.0, (fraction - warmup) / (1.0 - warmup))
    return peak * 0.5 * (1.0 + math.cos(math.pi * progress))


class _TimeBudget(keras.callbacks.Callback):
    """Stops training when the budget is spent (after the current batch; that epoch is then validated
    and logged as usual) and, for the cosine schedule, sets the learning rate from the clock."""

    def __init__(self, clock: _Clock, seconds: float, peak: float, cosine: bool) -> None:
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


class _Clock(keras.callbacks.Callback):
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


def _backup_readable(weights: Path, metadata: Path) -> bool:
    try:
        with h5py.File(weights, "r"):
            pass
        json.loads(metadata.read_text())["epoch"]
    except (OSError, ValueError, KeyError):
        return False
    return True


def _repair_backup(backup: Path) -> None:
    """Fall back to the previous backup generation when the newest is damaged (a kill while writing).

    Keras would fall back by itself, but only once ``fit`` has started: deciding here keeps the epoch
    count, and so the CSV log, in step with the weights that are actually restored.
    """
    weights, metadata = backup / "latest.weights.h5", backup / "training_metadata.json"
    if not backup.is_dir() or _backup_readable(weights, metadata):
        return
    previous_weights, previous_metadata = Path(f"{weights}.bkp"), Path(f"{metadata}.bkp")
    if _backup_readable(previous_weights, previous_metadata):
        warnings.warn(f"the newest backup in {backup} is damaged; resuming from the one before", stacklevel=3)
        shutil.copyfile(previous_weights, weights)
        shutil.copyfile(previous_metadata, metadata)
    else:
        warnings.warn(f"no readable backup in {backup}; training starts from the beginning", stacklevel=3)
        shutil.rmtree(backup)


def _epochs_in_backup(backup: Path) -> int:
    metadata = backup / "training_metadata.json"
    return int(json.loads(metadata.read_text())["epoch"]) if metadata.is_file() else 0


def read_log(log_path: str | os.PathLike[str]) -> list[dict[str, float]]:
    """A run's ``log.csv``: one dict per epoch (``epoch``, ``accuracy``, ``loss``, ``val_accuracy``, ...)."""
    log_path = Path(log_path)
    if not log_path.is_file():
        return []
    with log_path.open(newline="") as handle:
        return [{key: float(value) for key, value in row.items()} for row in csv.DictReader(handle)]


def _truncate_log(log_path: Path, epochs: int) -> None:
    """Keep only the rows of epochs the backup holds, so a resumed run never logs an epoch twice."""
    rows = read_log(log_path)
    if len(rows) <= epochs:
        return
    with atomic_path(log_path) as tmp, tmp.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows[:epochs]:
            writer.writerow({k: (int(v) if k == "epoch" else v) for k, v in row.items()})


def _best_logged(log_path: Path) -> float | None:
    scores = [row["val_accuracy"] for row in read_log(log_path) if "val_accuracy" in row]
    return max(scores) if scores else None


def _training_runs(config: TrainConfig, card: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The run that ``card`` describes and, for a distilled student, its teacher's runs
    (``ferlib.card.training_runs``): ``None`` if the teacher's cost is unknown (no card beside it, or
    one without the breakdown)."""
    own = [own_run(card)]
    if config.teacher is None:
        return own
    teacher = card_path(config.teacher)
    return merge_runs(own, training_runs(read_card(config.teacher)) if teacher.is_file() else None)


def _accuracy(model: keras.Model, split: Split) -> float:
    probabilities = model.predict(make_dataset(split, batch_size=256), verbose=0)
    return float(np.mean(probabilities.argmax(axis=1) == split.labels))


def _card(
    config: TrainConfig,
    model: keras.Model,
    data: FER2013,
    history: list[dict[str, float]],
    clock: dict[str, float],
    training: Split,
    validation: Split,
) -> dict[str, Any]:
    card = {
        "architecture": config.architecture,
        "parameters": int(model.count_params()),
        "flops_per_image": count_flops(model),
        "labels": list(EMOTIONS),
        "input": "48x48x1 float pixels in 0-255 (the model rescales)",
        "data_fingerprint": data.fingerprint,
        "training_images": len(training),
        "epochs": len(history),
        "best_epoch": int(np.argmax([row["val_accuracy"] for row in history])) + 1 if history else None,
        "wall_seconds": clock["elapsed_seconds"],
        "training_batches": int(clock["batches"]),  # the last epoch may be partial (``minutes``)
        "machine": describe_machine(),
        "public_test_accuracy": _accuracy(model, validation),
        "public_test_images": len(validation),
        "private_test_accuracy": _accuracy(model, data.private_test) if config.report_private_test else None,
        "ferlib_version": ferlib.__version__,
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "config": asdict(config),
        "command": _command(),
    }
    # what the model cost in all: this run plus, for a distilled student, its teacher (and its members)
    runs = _training_runs(config, card)
    return {**card, "training_runs": runs, "total_wall_seconds": total_seconds(runs)}

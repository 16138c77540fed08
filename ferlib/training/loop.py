"""``train(config)``: one call that trains a named architecture on FER-2013 with the standard callbacks.

The output folder holds everything a run makes: ``best.keras`` (the best epoch on PublicTest),
``log.csv`` (one row per epoch), ``backup/`` (Keras' ``BackupAndRestore`` state, so a run killed at
any point resumes where it stopped), and at the end ``model.keras`` with its card ``model.json``.
Calling ``train`` again with the same output folder resumes an unfinished run.

This module is the loop itself; the folder's files are read in ``run_folder``, the callbacks built in
``callbacks``, the optimiser in ``schedule``, the card in ``run_card``, a cluster's checks in
``cluster_checks``.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import tempfile
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from ferlib.augment import build_augmentation
from ferlib.card import read_card, write_card
from ferlib.cluster import Cluster, barrier, is_chief, join, local_models
from ferlib.config import TrainConfig, is_stored_teacher
from ferlib.data import FER2013, Split, load_fer2013
from ferlib.distill import (
    check_stored_teacher,
    file_fingerprint,
    soft_targets,
    stored_probabilities,
    teacher_probabilities,
)
from ferlib.errors import ModelFileError
from ferlib.io import atomic_path, write_text_atomic
from ferlib.models import build_model, load_model_file
from ferlib.pipeline import class_weights, make_dataset
from ferlib.pretrained import existing_model_file
from ferlib.training.callbacks import Clock, TimeBudget, standard_callbacks
from ferlib.training.cluster_checks import check_devices, check_for_cluster, cluster_replicas
from ferlib.training.run_card import run_card, update_finished_card
from ferlib.training.run_folder import (
    backup_restorable,
    best_logged,
    check_teacher,
    epochs_in_backup,
    read_log,
    record_teacher,
    remove_backup,
    remove_run,
    repair_backup,
    run_state,
    settings_fingerprint,
    truncate_log,
)
from ferlib.training.schedule import make_optimizer


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
            update_finished_card(out, config)
            remove_backup(out)  # left by a stop just after the card was written
        return _finished(out)
    teacher: tuple[Path, str] | None = None  # its file and fingerprint
    if config.teacher is not None:  # before the data loads: a wrong path or a changed file fails at once
        stored = is_stored_teacher(config.teacher)
        teacher_path = existing_model_file(
            config.teacher, "teacher probabilities" if stored else "teacher model"
        )
        if stored:
            check_stored_teacher(teacher_path)
        teacher = (teacher_path, file_fingerprint(teacher_path))
        if state == "resume":
            check_teacher(out, teacher[1])
    # A run that resumes takes its weights from its backup (if any can be read); one that starts takes
    # them from its starting model, checked here before the data loads (on a cluster, where no model may
    # be built before JAX's runtime starts, the file only).
    starting = state != "resume" or not backup_restorable(out / "backup")
    start = None
    if starting and config.initial_model is not None:
        start = existing_model_file(config.initial_model, "starting model")
    initial = initial_weights(config) if start is not None and cluster is None else None

    data = data or load_fer2013(config.data_dir)
    chosen = _limited_indices(len(data.training), config.limit, config.seed)
    training = data.training if chosen is None else data.training.subset(chosen)
    validation = data.public_test
    if config.limit:
        validation = _limited(validation, max(config.limit // 4, 64), config.seed)
    if cluster is not None:
        check_for_cluster(config, cluster, strategy)
        # Every process must also find the same run in the folder (it must be shared): same state, same
        # epochs done, or they would train different numbers of steps; and the same teacher and starting
        # model files.
        progress = f"{state} after {epochs_in_backup(out / 'backup')} epochs"
        files = [teacher[1] if teacher else "", file_fingerprint(start) if start else ""]
        join(cluster, settings_fingerprint(config, data) + progress + " ".join(files))
        check_devices(config)
    with local_models():
        targets = _distillation_targets(config, data.training, chosen)
        if start is not None and initial is None:
            initial = initial_weights(config)

    if is_chief():
        if state == "overwrite":
            remove_run(out)
        repair_backup(out / "backup")
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / "config.json", json.dumps(asdict(config), indent=2) + "\n")
        if teacher is not None:
            record_teacher(out, *teacher)
    barrier("ferlib: run folder ready")

    keras.utils.set_random_seed(config.seed)
    previous_policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(config.precision)
    try:
        model = _fit(config, out, training, validation, targets, initial, strategy, callbacks or [], verbose,
                     cluster)  # fmt: skip
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    if is_chief():
        history = read_log(out / "log.csv")
        card = run_card(config, model, data, history, Clock.saved(out / "clock.json"), training, validation,
                        teacher[1] if teacher else None)  # fmt: skip
        write_card(out / "model.keras", card)
        remove_backup(out)
    barrier("ferlib: run finished")
    return TrainResult(model, out / "model.keras", read_card(out / "model.keras"), read_log(out / "log.csv"))


def _finished(out: Path) -> TrainResult:
    model = load_model_file(out / "model.keras")
    return TrainResult(model, out / "model.keras", read_card(out / "model.keras"), read_log(out / "log.csv"),
                       already_finished=True)  # fmt: skip


def _distillation_targets(
    config: TrainConfig, training: Split, chosen: np.ndarray | None
) -> np.ndarray | None:
    """The soft targets of a distillation run (``config.teacher``) on the faces ``chosen`` from
    ``training`` (``None``: all), else None. A teacher's stored probabilities cover every training face."""
    if config.teacher is None:
        return None
    used = training if chosen is None else training.subset(chosen)
    if is_stored_teacher(config.teacher):
        probabilities = stored_probabilities(Path(config.teacher), training.labels)
        probabilities = probabilities if chosen is None else probabilities[chosen]
    else:
        probabilities = teacher_probabilities(config.teacher, used.images, tta=config.distill_tta)
    return soft_targets(used.labels, probabilities, config.distill_temperature, config.distill_weight)


def _fit(
    config: TrainConfig,
    out: Path,
    training: Split,
    validation: Split,
    targets: np.ndarray | None,
    initial: list[np.ndarray] | None,
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
    replicas = cluster_replicas() if cluster else 1
    whole = cluster is not None and cluster.processes > 1
    steps = len(training) // config.batch_size if whole else int(np.ceil(len(training) / config.batch_size))
    with contextlib.nullcontext() if cluster else (strategy or tf.distribute.get_strategy()).scope():
        model = compiled_model(config, steps_per_epoch=steps)
        if initial is not None:
            model.set_weights(initial)
    train_ds = training_pipeline(config, training, targets, drop_remainder=whole)
    val_batch = min(256 // replicas, len(validation) // replicas) * replicas
    val_ds = make_dataset(validation, batch_size=val_batch, one_hot=True, drop_remainder=whole)
    if whole:
        used = len(validation) // val_batch * val_batch
        print(f"validating on {used:,} of {len(validation):,} PublicTest faces (whole batches)", flush=True)

    log_path = out / "log.csv"
    resuming = (out / "backup").is_dir()
    done_epochs = epochs_in_backup(out / "backup")
    if is_chief():
        truncate_log(log_path, done_epochs)
    barrier("ferlib: log ready")
    scratch = None if is_chief() else Path(tempfile.mkdtemp(prefix="ferlib-worker-"))
    callbacks = standard_callbacks(config, out, best_logged(log_path), scratch)
    clock = Clock(out / "clock.json", saves=is_chief())
    if config.minutes is not None:
        callbacks.append(
            TimeBudget(clock, config.minutes * 60, config.learning_rate, config.schedule == "cosine")
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


def initial_weights(config: TrainConfig) -> list[np.ndarray] | None:
    """The weights of ``config.initial_model`` for a fine-tuning run (None without one), checked
    against the run's network before any data loads: ``ModelFileError`` for a model whose weights do
    not fit it (another architecture), or one that is not a Keras model."""
    if config.initial_model is None:
        return None
    path = existing_model_file(config.initial_model, "starting model")
    source = load_model_file(path)
    network = f"{config.architecture}" + (f" with --crop {config.crop}" if config.crop else "")
    if not isinstance(source, keras.Model):
        raise ModelFileError(f"{path}: not a Keras model, so its weights cannot start a {network} run")
    weights = [np.asarray(weight) for weight in source.get_weights()]
    shapes = [tuple(weight.shape) for weight in build_model(config.architecture, crop=config.crop).weights]
    if [weight.shape for weight in weights] != shapes:
        raise ModelFileError(f"{path}: its weights do not fit {network}; start from a model built alike")
    return weights


def compiled_model(config: TrainConfig, steps_per_epoch: int) -> keras.Model:
    """``config.architecture`` compiled with ``config``'s optimiser, schedule and loss."""
    model = build_model(config.architecture, crop=config.crop)
    model.compile(
        optimizer=make_optimizer(config, steps_per_epoch),
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
        mixup=config.augment.mixup if config.augment else 0.0,
    )


def _limited(split: Split, limit: int | None, seed: int) -> Split:
    chosen = _limited_indices(len(split), limit, seed)
    return split if chosen is None else split.subset(chosen)


def _limited_indices(count: int, limit: int | None, seed: int) -> np.ndarray | None:
    """``limit`` of ``count`` faces drawn with ``seed``, in order; ``None``: all of them."""
    if not limit or limit >= count:
        return None
    return np.sort(np.random.default_rng(seed).choice(count, size=limit, replace=False))

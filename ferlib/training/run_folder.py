"""A run's output folder: what ``train`` finds there (``run_state``), the settings saved in it, the
Keras backup it resumes from and the epoch log.

The folder holds ``config.json`` (the settings), ``teacher.json`` (a distillation run's teacher file and
its hash), ``backup/`` (Keras' ``BackupAndRestore`` state, two
generations), ``best.keras`` (the best epoch on PublicTest), ``log.csv`` (one row per epoch),
``clock.json`` (wall time and batches so far) and, once finished, ``model.keras`` with its card
``model.json``. This module reads and repairs those files; it trains nothing.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Literal

import h5py

from ferlib.config import TrainConfig
from ferlib.data import FER2013
from ferlib.errors import RunExistsError
from ferlib.io import atomic_path, write_text_atomic

#: Everything a run writes into its output folder.
#: What ``train`` does with a run folder: start it, resume it, leave it (finished) or start it again.
RunState = Literal["new", "resume", "finished", "overwrite"]

RUN_FILES = ("config.json", "teacher.json", "backup", "best.keras", "log.csv", "clock.json", "model.keras",
             "model.json")  # fmt: skip
#: Settings that may differ when a run is resumed: where the data is, how often to back up, what to report.
_RESUMABLE_CHANGES = frozenset({"output_dir", "data_dir", "backup_every_batches", "report_private_test"})


def run_state(out: Path, config: TrainConfig, *, overwrite: bool = False) -> RunState:
    """What ``train`` would do with ``out``: ``"new"``, ``"resume"``, ``"finished"`` or ``"overwrite"``.

    Raises ``RunExistsError`` when ``out`` holds another run (other settings, or files with no backup to
    resume from) and ``overwrite`` is False. Reads the folder only.
    """
    present = [name for name in RUN_FILES if (out / name).exists()]
    if not present or (set(present) <= {"config.json", "teacher.json"} and _saved_config(out) == config):
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


def record_teacher(out: Path, teacher: Path, fingerprint: str) -> None:
    """Keep in ``out/teacher.json`` which teacher file (``fingerprint``: its hash) the run's targets
    come from, so that resuming against a changed file is refused (``check_teacher``)."""
    write_text_atomic(
        out / "teacher.json", json.dumps({"file": str(teacher), "fingerprint": fingerprint}) + "\n"
    )


def recorded_teacher(out: Path) -> str | None:
    """The fingerprint ``record_teacher`` kept in ``out``; None for a run without a teacher, or begun
    before ferlib recorded it."""
    try:
        return str(json.loads((out / "teacher.json").read_text())["fingerprint"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_teacher(out: Path, fingerprint: str) -> None:
    """Refuse to resume a run whose teacher file has changed since it began: its soft targets would
    change halfway. A run begun before ferlib recorded its teacher is taken on trust."""
    saved = recorded_teacher(out)
    if saved is not None and saved != fingerprint:
        raise RunExistsError(
            f"{out} began with another teacher file (fingerprint {saved}, this one's {fingerprint}); give "
            "the same teacher, choose another output folder, or pass --overwrite to start again"
        )


def settings_fingerprint(config: TrainConfig, data: FER2013) -> str:
    """What every process of a cluster must agree on: the settings (not where files are) and the data."""
    settings = {k: v for k, v in asdict(config).items() if k not in ("output_dir", "data_dir")}
    return hashlib.sha256(json.dumps([settings, data.fingerprint], sort_keys=True).encode()).hexdigest()


def remove_backup(out: Path) -> None:
    """Delete ``out/backup`` once the run's card is written: until then a stop resumes from it."""
    shutil.rmtree(out / "backup", ignore_errors=True)


def remove_run(out: Path) -> None:
    """Delete what an earlier run wrote into ``out`` (only ferlib's own files), as ``--overwrite`` asks."""
    for name in RUN_FILES:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def _backup_readable(weights: Path, metadata: Path) -> bool:
    try:
        with h5py.File(weights, "r"):
            pass
        json.loads(metadata.read_text())["epoch"]
    except (OSError, ValueError, KeyError):
        return False
    return True


def backup_restorable(backup: Path) -> bool:
    """Whether ``backup`` holds a generation a resumed run can restore: the newest, or the one before."""
    weights, metadata = backup / "latest.weights.h5", backup / "training_metadata.json"
    return _backup_readable(weights, metadata) or _backup_readable(
        Path(f"{weights}.bkp"), Path(f"{metadata}.bkp")
    )


def repair_backup(backup: Path) -> None:
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


def epochs_in_backup(backup: Path) -> int:
    """The epochs a backup folder holds (0 when it holds none)."""
    metadata = backup / "training_metadata.json"
    return int(json.loads(metadata.read_text())["epoch"]) if metadata.is_file() else 0


def read_log(log_path: str | os.PathLike[str]) -> list[dict[str, float]]:
    """A run's ``log.csv``: one dict per epoch (``epoch``, ``accuracy``, ``loss``, ``val_accuracy``, ...)."""
    log_path = Path(log_path)
    if not log_path.is_file():
        return []
    with log_path.open(newline="") as handle:
        return [{key: float(value) for key, value in row.items()} for row in csv.DictReader(handle)]


def truncate_log(log_path: Path, epochs: int) -> None:
    """Keep only the rows of epochs the backup holds, so a resumed run never logs an epoch twice."""
    rows = read_log(log_path)
    if len(rows) <= epochs:
        return
    with atomic_path(log_path) as tmp, tmp.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows[:epochs]:
            writer.writerow({k: (int(v) if k == "epoch" else v) for k, v in row.items()})


def best_logged(log_path: Path) -> float | None:
    """The best PublicTest accuracy in the log so far (``None`` before the first epoch)."""
    scores = [row["val_accuracy"] for row in read_log(log_path) if "val_accuracy" in row]
    return max(scores) if scores else None

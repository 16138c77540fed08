"""The model card of a trained network (``model.json`` beside ``model.keras``): what it is, what it was
trained on and how, how well it does on PublicTest (and PrivateTest when asked), and what it cost,
its teacher's runs included for a distilled student.

The fields every ferlib model's card shares come from ``ferlib.provenance``; reading, writing and
adding up training runs from ``ferlib.card``.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import keras
import numpy as np

from ferlib.card import card_path, merge_runs, own_run, read_card, total_seconds, training_runs, write_card
from ferlib.config import TrainConfig, is_stored_teacher
from ferlib.data import FER2013, Split, load_fer2013
from ferlib.errors import ConfigError
from ferlib.models import count_flops, load_model_file
from ferlib.pipeline import make_dataset
from ferlib.pretrained import model_file
from ferlib.provenance import command, common_fields
from ferlib.training.run_folder import recorded_teacher


def run_card(
    config: TrainConfig,
    model: keras.Model,
    data: FER2013,
    history: list[dict[str, float]],
    clock: dict[str, float],
    training: Split,
    validation: Split,
    teacher_fingerprint: str | None = None,
) -> dict[str, Any]:
    """The card of a run that has just finished: ``model`` is its best epoch, ``history`` its epoch log,
    ``clock`` its saved wall time and batches (``Clock.saved``), ``teacher_fingerprint`` the hash of the
    teacher file it learned from (a distilled student), which names the teacher when its path is gone or
    its file was replaced."""
    card = {
        **common_fields(),
        "architecture": config.architecture,
        "parameters": int(model.count_params()),
        "flops_per_image": count_flops(model),
        "data_fingerprint": data.fingerprint,
        "training_images": len(training),
        "epochs": len(history),
        "best_epoch": int(np.argmax([row["val_accuracy"] for row in history])) + 1 if history else None,
        "wall_seconds": clock["elapsed_seconds"],
        "training_batches": int(clock["batches"]),  # the last epoch may be partial (``minutes``)
        "public_test_accuracy": _accuracy(model, validation),
        "public_test_images": len(validation),
        "private_test_accuracy": _accuracy(model, data.private_test) if config.report_private_test else None,
        "config": asdict(config),
        "teacher_fingerprint": teacher_fingerprint,
    }
    # what the model cost in all: this run plus its teacher's (and members') and its initial model's runs
    runs = _training_runs(config, card)
    return {**card, "training_runs": runs, "total_wall_seconds": total_seconds(runs)}


def update_finished_card(out: Path, config: TrainConfig) -> None:
    """Complete a finished run's card: its PrivateTest accuracy once, if asked, and what an earlier
    ferlib did not record: what the run cost (``training_runs``) where the teacher's card, if any, has
    the breakdown (else the card keeps what that ferlib wrote), and the teacher file's fingerprint from
    the run folder. Nothing else in it changes."""
    card = read_card(out / "model.keras")
    before = dict(card)
    card.setdefault("teacher_fingerprint", recorded_teacher(out))
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
    data = load_fer2013(config.data_dir)
    if data.fingerprint != card["data_fingerprint"]:
        raise ConfigError(
            f"{config.data_dir or 'this FER-2013'} is not the data {out} was trained on "
            f"(fingerprint {data.fingerprint}, the card says {card['data_fingerprint']})"
        )
    card["private_test_accuracy"] = _accuracy(load_model_file(out / "model.keras"), data.private_test)
    card["config"] = {**card["config"], "report_private_test": True}
    card["command"] = command()  # the run's command with the flag: run from scratch, it gives both


def _training_runs(config: TrainConfig, card: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The run that ``card`` describes and the runs of its teacher (a distilled student) and of the
    model it started from (fine-tuning) (``ferlib.card.training_runs``): ``None`` if one of their
    costs is unknown (no card beside it, one without the breakdown, or a teacher's stored probabilities)."""
    if config.teacher is not None and is_stored_teacher(config.teacher):
        return None  # stored probabilities carry no record of the runs behind them
    sources = [model_file(source) for source in (config.teacher, config.initial_model) if source is not None]
    return merge_runs(
        [own_run(card)],
        *(training_runs(read_card(source)) if card_path(source).is_file() else None for source in sources),
    )


def _accuracy(model: keras.Model, split: Split) -> float:
    """The share of ``split``'s faces whose most probable emotion is their label."""
    probabilities = model.predict(make_dataset(split, batch_size=256), verbose=0)
    return float(np.mean(probabilities.argmax(axis=1) == split.labels))

"""Ensembles: one Keras model that averages the probabilities of several trained ferlib models.

The ensemble is a plain functional model (an Input, each member nested as a sub-model, a built-in
``Average``), so its ``.keras`` file loads in Keras safe mode without custom objects and works wherever
a single ferlib model does: ``evaluate``, ``EmotionRecognizer``, ``export_tflite``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import keras

from ferlib.card import card_path, merge_runs, read_card, total_seconds, training_runs, write_card
from ferlib.data import FER2013
from ferlib.errors import ConfigError, ModelFileError, RunExistsError
from ferlib.evaluation import evaluate
from ferlib.half_precision import store_weights_as_float16
from ferlib.io import atomic_path
from ferlib.labels import NUM_CLASSES
from ferlib.models import INPUT_SHAPE, count_flops, load_model_file
from ferlib.pretrained import model_file
from ferlib.provenance import common_fields

Member: TypeAlias = keras.Model | str | os.PathLike[str]
_INPUT_NAME, _AVERAGE_NAME = "pixels", "average"


def build_ensemble(members: Sequence[Member], *, names: Sequence[str] | None = None) -> keras.Model:
    """One model whose output is the mean of its members' 7 probabilities.

    ``members`` are Keras models, paths of ``.keras`` files (loaded in safe mode) or shipped models'
    names. Each is copied in under its own name (``names``, by default ``member_0``, ``member_1``, ...),
    since models saved from the same architecture share names. ``ConfigError`` for fewer than two
    members or bad names, ``ModelFileError`` for a member that is not a float32 48x48x1 -> 7 classifier.
    """
    if len(members) < 2:
        raise ConfigError(f"an ensemble needs at least two members, got {len(members)}")
    names = [f"member_{i}" for i in range(len(members))] if names is None else list(names)
    _check_names(names, len(members))
    previous_policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("float32")
    try:
        pixels = keras.Input(INPUT_SHAPE, name=_INPUT_NAME)
        outputs = [_copy(_member(member), name)(pixels) for member, name in zip(members, names, strict=True)]
        return keras.Model(pixels, keras.layers.Average(name=_AVERAGE_NAME)(outputs), name="ensemble")
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)


def save_ensemble(
    model: keras.Model,
    path: str | os.PathLike[str],
    *,
    member_files: Sequence[str | os.PathLike[str] | None] | None = None,
    data: FER2013 | None = None,
    overwrite: bool = False,
    report_private_test: bool = False,
    half_precision: bool = False,
) -> Path:
    """Write ``model`` (from ``build_ensemble``) to ``path`` and its card beside it, both atomically.

    ``member_files`` names the file each member came from (``None`` for one built in memory), in
    order, so the card can quote the members' own cards. With ``data`` the card also gets the
    ensemble's PublicTest accuracy, and with ``report_private_test`` its PrivateTest accuracy (for the
    final report of a model already chosen on PublicTest). ``half_precision`` stores the weights as
    float16 (``ferlib.half_precision``): half the file, and the card measures the model as stored.
    ``RunExistsError`` if ``path`` or its card exists and ``overwrite`` is False; nothing is written
    before every check has passed.
    """
    path = check_destination(path, overwrite=overwrite)
    files = _member_files(model, member_files)
    with atomic_path(path) as tmp:
        model.save(tmp)
        if half_precision:
            store_weights_as_float16(tmp)
            model = keras.saving.load_model(tmp)  # the card measures what the file holds
        card = _card(model, files, data, report_private_test)
        card["weights_stored_as"] = "float16" if half_precision else "float32"
    write_card(path, card)
    return path


def check_destination(path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """``path`` as a ``Path`` if an ensemble may be saved there: a ``.keras`` name, and neither it nor its
    card already there unless ``overwrite`` (``RunExistsError``); callers check before loading members."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ConfigError(f"an ensemble is saved as a .keras file, got {path}")
    if not overwrite and (path.exists() or card_path(path).exists()):
        raise RunExistsError(
            f"{path} or its card already exists; choose another file, or pass --overwrite "
            "(overwrite=True) to replace them"
        )
    return path


def _member_files(
    model: keras.Model, member_files: Sequence[str | os.PathLike[str] | None] | None
) -> list[str | os.PathLike[str] | None]:
    """One file (or ``None``) per member of ``model``; ``ConfigError`` if the count is wrong."""
    count = len(_members(model))
    files: list[str | os.PathLike[str] | None] = [None] * count
    if member_files is not None:
        files = list(member_files)
    if len(files) != count:
        raise ConfigError(f"{len(files)} member files given for an ensemble of {count} members")
    return files


def _card(
    model: keras.Model,
    files: list[str | os.PathLike[str] | None],
    data: FER2013 | None,
    report_private_test: bool,
) -> dict[str, Any]:
    """The model card of an ensemble: its members (from their own cards where they have one, ``files``
    in order), its size, and the training time of all its members together."""
    members = _members(model)
    files = [None if file is None else model_file(file) for file in files]
    cards = [read_card(file) if file is not None and card_path(file).is_file() else None for file in files]
    rows = [_member_row(*entry) for entry in zip(members, files, cards, strict=True)]
    fingerprints = {row["data_fingerprint"] for row in rows}
    # What the model cost to make: its members' training, each run once (a member may also have taught
    # another member); unknown if one member has no card.
    runs = merge_runs(*(None if card is None else training_runs(card) for card in cards))
    seconds = total_seconds(runs)
    public = evaluate(model, "PublicTest", data=data) if data is not None else None
    private = evaluate(model, "PrivateTest", data=data) if data is not None and report_private_test else None
    return {
        **common_fields(),
        "architecture": "ensemble",
        "members": rows,
        "parameters": int(model.count_params()),
        "flops_per_image": sum(count_flops(member) for member in members),
        "data_fingerprint": fingerprints.pop() if len(fingerprints) == 1 else None,
        "epochs": None,  # the ensemble itself is not trained
        "training_runs": runs,
        "wall_seconds": seconds,
        "total_wall_seconds": seconds,
        "public_test_accuracy": public.accuracy if public else None,
        "public_test_images": len(public.labels) if public else None,
        "private_test_accuracy": private.accuracy if private else None,
        "config": {"member_files": [None if f is None else str(f) for f in files]},
    }


def _members(model: keras.Model) -> list[keras.Model]:
    """The member models nested in an ensemble, in order; ``ConfigError`` for any other model."""
    members = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    if len(members) < 2 or not isinstance(model.layers[-1], keras.layers.Average):
        raise ConfigError(f"model {model.name!r} is not an ensemble made by build_ensemble")
    return members


def _check_names(names: list[str], count: int) -> None:
    if len(names) != count:
        raise ConfigError(f"{len(names)} names given for {count} members")
    taken = {_INPUT_NAME, _AVERAGE_NAME}
    for name in names:
        if not name or "/" in name or name in taken:
            raise ConfigError(
                f"member name {name!r} is empty, contains '/', repeats another name or is one of the "
                f"ensemble's own layers ({_INPUT_NAME!r}, {_AVERAGE_NAME!r})"
            )
        taken.add(name)


def _member(member: Member) -> keras.Model:
    """A member as a checked Keras model: loaded if it is a path, refused if it cannot take part."""
    label = str(member) if not isinstance(member, keras.Model) else f"member model {member.name!r}"
    model = member if isinstance(member, keras.Model) else load_model_file(model_file(member))
    if not isinstance(model, keras.Model):
        raise ModelFileError(f"{label}: only .keras models can be ensemble members")
    if len(model.inputs) != 1 or tuple(model.inputs[0].shape[1:]) != INPUT_SHAPE:
        shapes = [tuple(tensor.shape[1:]) for tensor in model.inputs]
        raise ModelFileError(f"{label}: takes inputs of shape {shapes}, expected one of shape {INPUT_SHAPE}")
    if len(model.outputs) != 1 or tuple(model.outputs[0].shape[1:]) != (NUM_CLASSES,):
        shapes = [tuple(tensor.shape[1:]) for tensor in model.outputs]
        raise ModelFileError(f"{label}: outputs {shapes}, expected {NUM_CLASSES} class probabilities")
    policies = sorted({layer.dtype_policy.name for layer in _layers(model)} - {"float32"})
    if policies:
        raise ModelFileError(
            f"{label}: computes in {', '.join(policies)}; ensemble members must be float32 inference "
            "models (the model.keras that ferlib train saves)"
        )
    return model


def _layers(model: keras.Model) -> Iterator[keras.layers.Layer]:
    """``model`` and every layer inside it, nested models included."""
    yield model
    for layer in model.layers:
        yield from _layers(layer) if isinstance(layer, keras.Model) else (layer,)


def _copy(model: keras.Model, name: str) -> keras.Model:
    """``model`` rebuilt under ``name`` with the same weights, leaving the caller's model untouched."""
    copy = type(model).from_config({**model.get_config(), "name": name})
    copy.set_weights(model.get_weights())
    return copy


def _member_row(
    member: keras.Model, file: str | os.PathLike[str] | None, card: dict[str, Any] | None
) -> dict[str, Any]:
    """What the card says about one member: from the member's own card (``None`` when its file has none)."""
    card = card or {}
    return {
        "name": member.name,
        "file": None if file is None else Path(file).name,
        "architecture": card.get("architecture"),
        "parameters": int(member.count_params()),
        "public_test_accuracy": card.get("public_test_accuracy"),
        "data_fingerprint": card.get("data_fingerprint"),
        # what the member cost in all: a distilled member's teacher too
        "total_wall_seconds": card.get("total_wall_seconds", card.get("wall_seconds")),
        "machine": card.get("machine"),
    }

"""Ensembles on real FER-2013 faces: the mean of the members, before and after saving, with a card."""

from __future__ import annotations

import shutil
from pathlib import Path

import keras
import numpy as np
import pytest

from ferlib.card import read_card
from ferlib.data import FER2013
from ferlib.ensemble import build_ensemble, save_ensemble
from ferlib.errors import ConfigError, ModelFileError, RunExistsError
from ferlib.evaluation import evaluate, predict_proba
from ferlib.half_precision import stored_weight_dtypes
from ferlib.labels import EMOTIONS
from ferlib.models import build_model, load_model_file
from ferlib.pretrained import PRETRAINED_PATH, pretrained_card
from ferlib.recognizer import EmotionRecognizer
from ferlib.tflite import TFLiteModel, export_tflite


@pytest.fixture(scope="module")
def members() -> list[keras.Model]:
    """Two untrained networks of one architecture (so their names clash) with different weights."""
    models = []
    for seed in (1, 2):
        keras.utils.set_random_seed(seed)
        models.append(build_model("minimal"))
    return models


@pytest.fixture(scope="module")
def ensemble(members: list[keras.Model]) -> keras.Model:
    return build_ensemble(members)


@pytest.fixture(scope="module")
def faces(real_dataset: FER2013) -> np.ndarray:
    return real_dataset.public_test.images[:256]


def mean_of(models: list[keras.Model], faces: np.ndarray) -> np.ndarray:
    return np.mean([predict_proba(model, faces) for model in models], axis=0)


def test_the_output_is_the_mean_of_the_members_before_and_after_saving(
    members: list[keras.Model], ensemble: keras.Model, faces: np.ndarray, tmp_path: Path
) -> None:
    assert [model.name for model in members] == ["minimal", "minimal"], "the callers' models are untouched"
    before = predict_proba(ensemble, faces)
    assert not np.allclose(predict_proba(members[0], faces), predict_proba(members[1], faces))
    np.testing.assert_allclose(before, mean_of(members, faces), rtol=1e-5, atol=1e-6)

    path = save_ensemble(ensemble, tmp_path / "ensemble.keras")
    loaded = keras.saving.load_model(path)  # safe mode, no custom objects
    assert [layer.name for layer in loaded.layers] == ["pixels", "member_0", "member_1", "average"]
    np.testing.assert_array_equal(predict_proba(loaded, faces), before)
    np.testing.assert_array_equal(predict_proba(load_model_file(path), faces), before)
    scores = EmotionRecognizer(path).classify(faces[:8])
    np.testing.assert_allclose([list(row.values()) for row in scores], before[:8], atol=1e-6)


def test_a_saved_ensemble_evaluates_and_its_card_measures_it(
    members: list[keras.Model], ensemble: keras.Model, real_dataset: FER2013, tmp_path: Path
) -> None:
    path = save_ensemble(ensemble, tmp_path / "ensemble.keras", data=real_dataset)
    result = evaluate(load_model_file(path), "PublicTest", data=real_dataset)
    public = real_dataset.public_test
    np.testing.assert_allclose(result.probabilities, mean_of(members, public.images), atol=1e-6)
    card = read_card(path)
    assert card["architecture"] == "ensemble" and card["labels"] == list(EMOTIONS)
    assert card["public_test_accuracy"] == result.accuracy and card["public_test_images"] == len(public)
    assert card["private_test_accuracy"] is None
    assert card["parameters"] == 2 * members[0].count_params()
    assert [m["name"] for m in card["members"]] == ["member_0", "member_1"]
    # In-memory members have no card: their architecture and training time are unknown, so is the total.
    assert {m["file"] for m in card["members"]} == {None} and card["wall_seconds"] is None

    final = save_ensemble(ensemble, tmp_path / "final.keras", data=real_dataset, report_private_test=True)
    private = evaluate(load_model_file(final), "PrivateTest", data=real_dataset)
    assert read_card(final)["private_test_accuracy"] == private.accuracy


def test_the_card_lists_member_files_with_their_own_cards(faces: np.ndarray, tmp_path: Path) -> None:
    copy = tmp_path / "copy.keras"  # the same architecture twice, loaded from two files
    shutil.copy(PRETRAINED_PATH, copy)
    shutil.copy(PRETRAINED_PATH.with_suffix(".json"), copy.with_suffix(".json"))
    model = build_ensemble(["default", copy], names=["shipped", "copy"])  # a shipped model by name
    single = predict_proba(load_model_file(PRETRAINED_PATH), faces)
    np.testing.assert_allclose(predict_proba(model, faces), single, rtol=1e-5, atol=1e-6)

    path = save_ensemble(model, tmp_path / "twice.keras", member_files=["default", copy])
    card, shipped = read_card(path), pretrained_card()
    assert card["members"] == [
        {
            "name": name,
            "file": file,
            "architecture": shipped["architecture"],
            "parameters": shipped["parameters"],
            "public_test_accuracy": shipped["public_test_accuracy"],
            "data_fingerprint": shipped["data_fingerprint"],
            "total_wall_seconds": shipped["total_wall_seconds"],  # what it cost, its own teacher included
            "machine": shipped["machine"],
        }
        for name, file in (("shipped", PRETRAINED_PATH.name), ("copy", "copy.keras"))
    ]
    # one run copied twice cost one run (with its teacher's): each training run counts once
    assert card["training_runs"] == shipped["training_runs"]
    assert card["wall_seconds"] == pytest.approx(shipped["total_wall_seconds"])
    assert card["data_fingerprint"] == shipped["data_fingerprint"]
    assert card["flops_per_image"] == 2 * shipped["flops_per_image"]
    assert card["public_test_accuracy"] is None, "measured only when data is given"


def test_half_precision_halves_the_file_and_its_card_measures_what_the_file_holds(
    real_dataset: FER2013, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.keras"
    shutil.copy(PRETRAINED_PATH, copy)
    model = build_ensemble([PRETRAINED_PATH, copy])
    full = save_ensemble(model, tmp_path / "full.keras")
    half = save_ensemble(model, tmp_path / "half.keras", data=real_dataset, half_precision=True)
    assert half.stat().st_size < 0.55 * full.stat().st_size
    assert stored_weight_dtypes(full) == {"float32"} and stored_weight_dtypes(half) == {"float16"}
    assert read_card(full)["weights_stored_as"] == "float32"

    loaded = load_model_file(half)
    public = real_dataset.public_test
    before, after = predict_proba(model, public.images), predict_proba(loaded, public.images)
    assert not np.array_equal(before, after), "the stored weights were rounded"
    assert np.abs(after - before).max() < 0.02
    assert np.mean(after.argmax(1) == before.argmax(1)) > 0.99
    card = read_card(half)
    assert card["weights_stored_as"] == "float16"
    assert card["public_test_accuracy"] == evaluate(loaded, "PublicTest", data=real_dataset).accuracy


def test_a_saved_ensemble_exports_to_tflite(ensemble: keras.Model, faces: np.ndarray, tmp_path: Path) -> None:
    path = save_ensemble(ensemble, tmp_path / "ensemble.keras")
    lite = export_tflite(load_model_file(path), tmp_path / "ensemble.tflite", "float16")
    assert isinstance(load_model_file(lite), TFLiteModel)
    np.testing.assert_allclose(
        predict_proba(load_model_file(lite), faces), predict_proba(ensemble, faces), atol=2e-3
    )


def test_saving_never_overwrites_unless_asked(ensemble: keras.Model, tmp_path: Path) -> None:
    path = save_ensemble(ensemble, tmp_path / "ensemble.keras")
    model_bytes, card_bytes = path.read_bytes(), path.with_suffix(".json").read_bytes()
    with pytest.raises(RunExistsError, match="already exists"):
        save_ensemble(ensemble, path)
    assert path.read_bytes() == model_bytes and path.with_suffix(".json").read_bytes() == card_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ensemble.json", "ensemble.keras"]
    assert save_ensemble(ensemble, path, overwrite=True) == path
    orphan_card = tmp_path / "other.json"
    orphan_card.write_text("{}")
    with pytest.raises(RunExistsError):
        save_ensemble(ensemble, tmp_path / "other.keras")
    assert not (tmp_path / "other.keras").exists() and orphan_card.read_text() == "{}"


def classifier(input_shape: tuple[int, int, int], classes: int) -> keras.Model:
    inputs = keras.Input(input_shape)
    x = keras.layers.GlobalAveragePooling2D()(keras.layers.Rescaling(1 / 255)(inputs))
    return keras.Model(inputs, keras.layers.Dense(classes, activation="softmax")(x))


def test_members_that_do_not_fit_are_refused(members: list[keras.Model], tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least two members"):
        build_ensemble(members[:1])
    with pytest.raises(ConfigError, match="2 names given for 3 members"):
        build_ensemble([*members, members[0]], names=["a", "b"])
    for names in (["a", "a"], ["a", "average"], ["a", "b/c"], ["", "b"]):
        with pytest.raises(ConfigError, match="member name"):
            build_ensemble(members, names=names)
    with pytest.raises(ModelFileError, match="expected 7 class probabilities"):
        build_ensemble([members[0], classifier((48, 48, 1), 5)])
    with pytest.raises(ModelFileError, match=r"expected one of shape \(48, 48, 1\)"):
        build_ensemble([members[0], classifier((64, 64, 1), 7)])
    with pytest.raises(ModelFileError, match="no such model file"):
        build_ensemble([members[0], tmp_path / "missing.keras"])
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        mixed = build_model("minimal")
    finally:
        keras.mixed_precision.set_global_policy(previous)
    with pytest.raises(ModelFileError, match="computes in mixed_bfloat16"):
        build_ensemble([members[0], mixed])

"""Knowledge distillation: soft targets from a teacher's stored predictions, on real FER-2013 faces."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from ferlib.card import read_card
from ferlib.config import TrainConfig
from ferlib.data import FER2013
from ferlib.data.cache import cache_dir
from ferlib.distill import (
    check_stored_teacher,
    file_fingerprint,
    soft_targets,
    stored_probabilities,
    teacher_probabilities,
)
from ferlib.errors import ConfigError, DataQualityWarning, ModelFileError
from ferlib.evaluation import predict_proba
from ferlib.labels import NUM_CLASSES
from ferlib.models import build_model
from ferlib.pretrained import PRETRAINED_PATH
from ferlib.training import train


def test_soft_targets_blend_labels_and_the_softened_teacher() -> None:
    labels = np.array([0, 3, 6])
    teacher = np.array([[0.7, 0.1, 0.05, 0.05, 0.04, 0.03, 0.03]] * 3)
    np.testing.assert_allclose(soft_targets(labels, teacher, 1.0, 0.0), np.eye(NUM_CLASSES)[labels])
    np.testing.assert_allclose(soft_targets(labels, teacher, 1.0, 1.0), teacher, rtol=1e-6)
    warm = soft_targets(labels, teacher, 4.0, 1.0)
    np.testing.assert_allclose(warm.sum(axis=1), 1.0, rtol=1e-6)
    assert warm[0, 0] < teacher[0, 0] and warm[0, 6] > teacher[0, 6]  # a higher temperature flattens
    assert np.argmax(warm[0]) == 0  # but keeps the teacher's ranking


def test_teacher_predictions_are_computed_once_and_read_back(real_dataset: FER2013, tmp_path: Path) -> None:
    faces = real_dataset.public_test.images[:64]
    first = teacher_probabilities(PRETRAINED_PATH, faces, directory=tmp_path)
    np.testing.assert_allclose(
        first, predict_proba(keras.saving.load_model(PRETRAINED_PATH), faces), atol=1e-3
    )
    (stored,) = tmp_path.glob("teacher-*.npy")
    assert stored.stat().st_size < 64 * NUM_CLASSES * 2 + 200  # float16
    marked = np.full((64, NUM_CLASSES), 1 / NUM_CLASSES, dtype=np.float16)
    np.save(stored, marked)
    np.testing.assert_array_equal(teacher_probabilities(PRETRAINED_PATH, faces, directory=tmp_path), marked)
    other = teacher_probabilities(
        PRETRAINED_PATH, real_dataset.public_test.images[64:128], directory=tmp_path
    )
    assert len(list(tmp_path.glob("teacher-*.npy"))) == 2 and not np.allclose(other, marked)
    # a shipped model's name is its file: the same cache entry
    np.testing.assert_array_equal(teacher_probabilities("default", faces, directory=tmp_path), marked)


def test_a_teacher_over_its_test_time_views_is_cached_apart(real_dataset: FER2013, tmp_path: Path) -> None:
    faces = real_dataset.public_test.images[:32]
    one_pass = teacher_probabilities(PRETRAINED_PATH, faces, directory=tmp_path)
    views = teacher_probabilities(PRETRAINED_PATH, faces, tta=True, directory=tmp_path)
    model = keras.saving.load_model(PRETRAINED_PATH)
    np.testing.assert_allclose(views, predict_proba(model, faces, tta=True), atol=1e-3)
    assert np.abs(views - one_pass).max() > 1e-2  # the views change the targets
    assert sorted(p.name.endswith("-tta.npy") for p in tmp_path.glob("teacher-*.npy")) == [False, True]
    np.testing.assert_array_equal(teacher_probabilities(PRETRAINED_PATH, faces, directory=tmp_path), one_pass)


@pytest.mark.parametrize("damage", ["not a numpy file", "other shape", "not finite"])
def test_a_damaged_cache_file_is_predicted_again(real_dataset: FER2013, tmp_path: Path, damage: str) -> None:
    faces = real_dataset.public_test.images[:16]
    right = teacher_probabilities(PRETRAINED_PATH, faces, directory=tmp_path)
    (stored,) = tmp_path.glob("teacher-*.npy")
    if damage == "not a numpy file":
        stored.write_text("garbage")
    else:
        np.save(stored, np.zeros((16, 5)) if damage == "other shape" else np.full((16, NUM_CLASSES), np.nan))
    np.testing.assert_array_equal(teacher_probabilities(PRETRAINED_PATH, faces, directory=tmp_path), right)
    np.testing.assert_array_equal(np.load(stored), right.astype(np.float16))  # and replaced


def test_an_unwritable_cache_costs_a_warning_not_the_predictions(
    real_dataset: FER2013, tmp_path: Path
) -> None:
    faces, blocked = real_dataset.public_test.images[:16], tmp_path / "a file"
    blocked.write_text("")
    with pytest.warns(DataQualityWarning, match="could not cache the teacher's predictions"):
        probabilities = teacher_probabilities(PRETRAINED_PATH, faces, directory=blocked)
    model = keras.saving.load_model(PRETRAINED_PATH)
    np.testing.assert_allclose(probabilities, predict_proba(model, faces), atol=1e-3)


def test_a_teacher_must_be_a_model_file(tmp_path: Path) -> None:
    faces = np.zeros((2, 48, 48), np.uint8)
    with pytest.raises(ModelFileError, match="a folder, not a teacher model file"):
        teacher_probabilities(tmp_path, faces, directory=tmp_path)
    with pytest.raises(ModelFileError, match="no such teacher model file"):
        teacher_probabilities(tmp_path / "gone.keras", faces, directory=tmp_path)
    with pytest.raises(ConfigError, match="give a teacher too"):
        TrainConfig(distill_tta=True)


@pytest.fixture(scope="module")
def uniform_teacher(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model whose probabilities are 1/7 for every face, whatever the temperature."""
    model = build_model("minimal")
    last = model.layers[-1]
    last.set_weights([np.zeros_like(w) for w in last.get_weights()])
    path = tmp_path_factory.mktemp("teacher") / "uniform.keras"
    model.save(path)
    return path


def _student(real_dataset: FER2013, out: Path, **settings: object) -> np.ndarray:
    config = TrainConfig(architecture="minimal", epochs=1, batch_size=32, limit=256, augment=None,
                         output_dir=str(out), **settings)  # type: ignore[arg-type]  # fmt: skip
    result = train(config, data=real_dataset, verbose=0)
    return predict_proba(result.model, real_dataset.public_test.images[:128])


def test_a_uniform_teacher_trains_like_label_smoothing(
    real_dataset: FER2013, uniform_teacher: Path, tmp_path: Path
) -> None:
    smoothed = _student(real_dataset, tmp_path / "smoothing", label_smoothing=0.3)
    distilled = _student(
        real_dataset,
        tmp_path / "uniform",
        teacher=str(uniform_teacher),
        distill_weight=0.3,
        distill_temperature=5,
    )
    np.testing.assert_allclose(distilled, smoothed, atol=2e-3)
    # the same run with a real teacher learns something else: the comparison above can fail
    taught = _student(real_dataset, tmp_path / "taught", teacher=str(PRETRAINED_PATH), distill_weight=0.3)
    assert np.abs(taught - smoothed).max() > 2e-2
    # what the student cost: its own run and every run its teacher's card lists, counted once each
    card, teacher = read_card(tmp_path / "taught" / "model.keras"), read_card(PRETRAINED_PATH)
    own = {
        "folder": str(tmp_path / "taught"),
        "command": card["command"],
        "wall_seconds": card["wall_seconds"],
    }
    assert card["training_runs"] == [own, *teacher["training_runs"]]
    assert card["total_wall_seconds"] == pytest.approx(
        card["wall_seconds"] + teacher["total_wall_seconds"], abs=0.1
    )


def test_the_card_records_the_teacher(real_dataset: FER2013, uniform_teacher: Path, tmp_path: Path) -> None:
    before = set(cache_dir().glob("teacher-*-tta.npy"))
    _student(real_dataset, tmp_path, teacher=str(uniform_teacher), distill_weight=0.25,
             distill_temperature=3.0, distill_tta=True)  # fmt: skip
    card = read_card(tmp_path / "model.keras")
    assert card["config"]["teacher"] == str(uniform_teacher)
    assert card["teacher_fingerprint"] == file_fingerprint(uniform_teacher)
    assert card["config"]["distill_weight"] == 0.25 and card["config"]["distill_temperature"] == 3.0
    assert card["config"]["distill_tta"] is True
    # the targets came from the teacher's views: this run cached them
    assert len(set(cache_dir().glob("teacher-*-tta.npy")) - before) == 1
    # a teacher without a card: what it cost is unknown, so is the student's total (not this run alone)
    assert card["training_runs"] is None and card["total_wall_seconds"] is None


def _label_smoothed(labels: np.ndarray, smoothing: float) -> np.ndarray:
    """Probabilities that put ``1 - smoothing`` on each face's label and share ``smoothing`` evenly."""
    return (np.eye(NUM_CLASSES)[labels] * (1 - smoothing) + smoothing / NUM_CLASSES).astype(np.float16)


def test_a_teacher_s_stored_probabilities_are_its_soft_targets(real_dataset: FER2013, tmp_path: Path) -> None:
    """Stored probabilities on every Training face (what benchmarks/store_candidate.py keeps) teach like
    the model they came from: here label-smoothed labels, which stay label-smoothed when softened, so
    the run must train exactly like label smoothing by the share worked out below. The run trains on 256
    faces drawn from all of them, so the rows must follow the draw: rows taken in another order would be
    other faces' targets and train something else."""
    stored, spread, temperature, weight = tmp_path / "kept_Training.npy", 0.6, 2.0, 0.5
    np.save(stored, _label_smoothed(real_dataset.training.labels, spread))
    label, other = (
        (1 - spread + spread / NUM_CLASSES) ** (1 / temperature),
        (spread / NUM_CLASSES) ** (1 / temperature),
    )
    softened_spread = NUM_CLASSES * other / (label + (NUM_CLASSES - 1) * other)
    smoothed = _student(real_dataset, tmp_path / "smoothing", label_smoothing=weight * softened_spread)
    distilled = _student(real_dataset, tmp_path / "stored", teacher=str(stored), distill_weight=weight,
                         distill_temperature=temperature)  # fmt: skip
    np.testing.assert_allclose(distilled, smoothed, atol=2e-3)
    card = read_card(tmp_path / "stored" / "model.keras")
    assert card["config"]["teacher"] == str(stored)
    assert card["teacher_fingerprint"] == file_fingerprint(stored)  # the file, wherever it goes next
    # stored probabilities do not say which runs made them: the student's total cost is unknown
    assert card["training_runs"] is None and card["total_wall_seconds"] is None


def test_stored_probabilities_that_do_not_fit_the_faces_are_refused(tmp_path: Path) -> None:
    labels = np.random.default_rng(0).integers(0, NUM_CLASSES, 700)
    path = tmp_path / "kept.npy"
    np.save(path, _label_smoothed(labels, 0.3))
    np.testing.assert_allclose(stored_probabilities(path, labels), _label_smoothed(labels, 0.3))
    np.save(path, _label_smoothed(labels, 0.3)[::-1])  # the right faces in another order
    with pytest.raises(ConfigError, match=r"picks the training label for only 1[0-9]% of the faces"):
        stored_probabilities(path, labels)
    np.save(path, _label_smoothed(labels[:600], 0.3))
    with pytest.raises(
        ConfigError, match=r"shape \(600, 7\): .* these 700 training faces have shape \(700, 7\)"
    ):
        stored_probabilities(path, labels)
    np.save(path, _label_smoothed(labels, 0.3) * 2)
    with pytest.raises(ConfigError, match="each row must be 7 probabilities"):
        stored_probabilities(path, labels)
    shouting = tmp_path / "KEPT.NPY"
    np.save(tmp_path / "KEPT.npy", _label_smoothed(labels, 0.3))
    (tmp_path / "KEPT.npy").rename(shouting)
    with pytest.raises(ConfigError, match=r"a \.npy teacher's stored probabilities are used as they are"):
        TrainConfig(teacher=str(shouting), distill_tta=True)
    np.testing.assert_allclose(stored_probabilities(shouting, labels), _label_smoothed(labels, 0.3))
    # the header alone is checked before the data loads: seven columns, whatever the number of rows
    check_stored_teacher(shouting)
    np.save(path, np.full((700, 5), 0.2))
    with pytest.raises(ConfigError, match=r"shape \(700, 5\): a teacher's probabilities have one row of 7"):
        check_stored_teacher(path)
    np.savez(tmp_path / "zipped.npz", _label_smoothed(labels, 0.3))
    impostors = {"zip.npy": (tmp_path / "zipped.npz").read_bytes(), "text.npy": b"not an array"}
    for name, content in impostors.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ConfigError, match=rf"{name}: not a NumPy \.npy file"):
            check_stored_teacher(tmp_path / name)
        with pytest.raises(ConfigError, match=rf"{name}: not a NumPy \.npy file"):
            stored_probabilities(tmp_path / name, labels)

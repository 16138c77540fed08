"""Evaluation against figures computed by hand, adapters for foreign models, the CLI report and plots."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import keras
import numpy as np
import pytest

from ferlib import evaluation
from ferlib.data import FER2013, Split
from ferlib.errors import ConfigError, ModelFileError
from ferlib.evaluation import InputAdapter, evaluate, paired_comparison, predict_proba, tta_views
from ferlib.labels import EMOTIONS

SLOPES = np.array([0.0, -4.0, 2.0, 6.0, -2.0, 4.0, 1.0], dtype=np.float32)
OFFSETS = np.array([0.0, 0.0, -0.5, -3.0, 1.0, -2.0, 0.0], dtype=np.float32)


def brightness_model(
    size: int = 48, scale: float = 1 / 255, offset: float = 0.0, order: tuple[str, ...] = EMOTIONS
) -> keras.Model:
    """Logit of class k = SLOPES[k] * mean brightness (0..1) + OFFSETS[k], with columns in ``order``."""
    inputs = keras.Input((size, size, 1))
    x = keras.layers.Rescaling(scale, offset)(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    dense = keras.layers.Dense(7, activation="softmax")
    model = keras.Model(inputs, dense(x))
    columns = [EMOTIONS.index(name) for name in order]
    dense.set_weights([SLOPES[columns][None, :], OFFSETS[columns]])
    return model


def by_hand(faces: np.ndarray) -> np.ndarray:
    brightness = faces.reshape(len(faces), -1).mean(axis=1) / 255
    return np.argmax(brightness[:, None] * SLOPES[None, :] + OFFSETS[None, :], axis=1)


@pytest.fixture(scope="module")
def subset(real_dataset: FER2013) -> Split:
    return real_dataset.public_test.subset(np.arange(0, 3589, 7))


def test_accuracy_and_confusion_match_a_hand_computation(subset: Split) -> None:
    result = evaluate(brightness_model(), subset)
    predicted = by_hand(subset.images)
    assert len(set(predicted)) > 2, "the hand-made model should predict several emotions"
    confusion = np.zeros((7, 7), dtype=int)
    for true, guess in zip(subset.labels, predicted, strict=True):
        confusion[true, guess] += 1
    np.testing.assert_array_equal(result.predictions, predicted)
    np.testing.assert_array_equal(result.confusion, confusion)
    assert result.accuracy == pytest.approx(np.trace(confusion) / len(subset))
    recalls = [confusion[k, k] / confusion[k].sum() for k in range(7) if confusion[k].sum()]
    assert result.balanced_accuracy == pytest.approx(np.mean(recalls))
    np.testing.assert_array_equal(result.misclassified, np.flatnonzero(predicted != subset.labels))
    worst = result.most_confused(1)[0]
    off_diagonal = confusion - np.diag(np.diag(confusion))
    t, p = np.unravel_index(off_diagonal.argmax(), confusion.shape)
    assert (worst["true"], worst["predicted"], worst["count"]) == (
        EMOTIONS[t],
        EMOTIONS[p],
        off_diagonal.max(),
    )
    np.testing.assert_allclose(result.confusion_normalized.sum(axis=1)[confusion.sum(axis=1) > 0], 1.0)


def test_adapter_for_another_size_scale_and_label_order(subset: Split) -> None:
    alphabetical = tuple(sorted(EMOTIONS))
    assert alphabetical != EMOTIONS
    foreign = brightness_model(size=64, scale=0.5, offset=0.5, order=alphabetical)  # takes [-1, 1]
    adapter = InputAdapter(size=64, value_range=(-1.0, 1.0), label_order=alphabetical)
    probabilities = predict_proba(foreign, subset.images[:50], adapter=adapter)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    native = predict_proba(brightness_model(), subset.images[:50])
    resized = np.stack([cv2.resize(f, (64, 64), interpolation=cv2.INTER_LINEAR) for f in subset.images[:50]])
    # Same logits up to the mean brightness of the resized faces, and columns back in EMOTIONS order.
    assert np.mean(np.abs(resized.mean(axis=(1, 2)) - subset.images[:50].mean(axis=(1, 2)))) < 1.0
    np.testing.assert_allclose(probabilities, native, atol=0.02)
    wrong_order = predict_proba(
        foreign, subset.images[:50], adapter=InputAdapter(size=64, value_range=(-1.0, 1.0))
    )
    assert not np.allclose(wrong_order, native, atol=0.02)


def test_adapter_refuses_an_incomplete_label_order() -> None:
    with pytest.raises(ValueError, match="label_order must name each"):
        InputAdapter(label_order=("happy", "sad"))


def test_tta_averages_twelve_flipped_and_cropped_views(subset: Split) -> None:
    faces = subset.images[:10]
    views = tta_views(faces)
    assert len(views) == 12 and all(view.shape == faces.shape for view in views)
    np.testing.assert_array_equal(views[6], faces[:, :, ::-1])
    model = brightness_model()
    expected = np.mean([model.predict(v[..., None].astype("float32"), verbose=0) for v in views], axis=0)
    np.testing.assert_allclose(predict_proba(model, faces, tta=True), expected, rtol=1e-5)


def test_views_built_a_chunk_of_faces_at_a_time_give_the_same_probabilities(
    subset: Split, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    faces, model = subset.images[:10], brightness_model()
    whole = predict_proba(model, faces, tta=True), predict_proba(model, faces)
    monkeypatch.setattr(evaluation, "TTA_CHUNK", 3)  # chunks of 3, 3, 3 and 1 faces
    np.testing.assert_allclose(predict_proba(model, faces, tta=True, progress=True), whole[0], rtol=1e-6)
    assert "48/48" in capsys.readouterr().err  # 12 views of each of the four chunks
    np.testing.assert_allclose(predict_proba(model, faces), whole[1], rtol=1e-6)


def test_a_progress_bar_counts_the_views_and_changes_nothing(
    subset: Split, capsys: pytest.CaptureFixture[str]
) -> None:
    faces, model = subset.images[:10], brightness_model()
    quiet = predict_proba(model, faces, tta=True)
    assert capsys.readouterr().err == ""
    np.testing.assert_array_equal(predict_proba(model, faces, tta=True, progress=True), quiet)
    bar = capsys.readouterr().err
    assert "Test-time views" in bar and "12/12" in bar
    predict_proba(model, faces, progress=True)  # one view: no bar
    assert "Test-time views" not in capsys.readouterr().err


def test_a_model_for_other_inputs_is_refused_before_predicting(subset: Split) -> None:
    inputs = keras.Input((64, 64, 1))
    big = keras.Model(inputs, keras.layers.Dense(7)(keras.layers.Flatten()(inputs)))
    with pytest.raises(ModelFileError, match=r"takes inputs of shape \(64, 64, 1\), expected \(48, 48, 1\)"):
        predict_proba(big, subset.images[:4])
    assert predict_proba(big, subset.images[:4], adapter=InputAdapter(size=64)).shape == (4, 7)


def test_tta_for_a_cropping_model_takes_the_ten_crops_it_trained_on(subset: Split) -> None:
    faces = subset.images[:6]
    views = tta_views(faces, model_crop=44)
    centres = [view[:, 2:46, 2:46] for view in views]  # what the model's centre_crop layer keeps
    corners = [
        faces[:, 2:46, 2:46],
        faces[:, :44, :44],
        faces[:, :44, 4:],
        faces[:, 4:, :44],
        faces[:, 4:, 4:],
    ]
    assert len(views) == 10 and all(view.shape == faces.shape for view in views)
    for centre, corner in zip(centres, corners + [c[:, :, ::-1] for c in corners], strict=True):
        np.testing.assert_array_equal(centre, corner)
    inputs = keras.Input((48, 48, 1))
    x = keras.layers.CenterCrop(44, 44, name="centre_crop")(keras.layers.Rescaling(1 / 255)(inputs))
    x = keras.layers.Conv2D(7, 5, padding="valid")(x)
    model = keras.Model(inputs, keras.layers.Softmax()(keras.layers.GlobalMaxPooling2D()(x)))
    expected = np.mean([model.predict(v[..., None].astype("float32"), verbose=0) for v in views], axis=0)
    np.testing.assert_allclose(predict_proba(model, faces, tta=True), expected, rtol=1e-5)


def test_model_with_wrong_output_size_is_refused(subset: Split) -> None:
    inputs = keras.Input((48, 48, 1))
    five = keras.Model(inputs, keras.layers.Dense(5)(keras.layers.Flatten()(inputs)))
    with pytest.raises(ValueError, match=r"outputs shape \(5,\), expected \(7,\)"):
        predict_proba(five, subset.images[:2])


def test_cli_json_holds_every_figure_and_plots_are_written(
    tmp_path: Path, fer2013_dir: Path, real_cache_dir: Path, real_dataset: FER2013
) -> None:
    model_path = tmp_path / "brightness.keras"
    brightness_model().save(model_path)
    plots = tmp_path / "plots"
    command = [
        sys.executable,
        "-m",
        "ferlib.cli",
        "evaluate",
        "--model",
        str(model_path),
        "--split",
        "PublicTest",
    ]
    env = {"FERLIB_CACHE_DIR": str(real_cache_dir), "FER2013_DIR": str(fer2013_dir)}
    result = subprocess.run(
        [*command, "--json", "--plots", str(plots)],
        capture_output=True, text=True, timeout=300, check=False, env={**os.environ, **env},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for key in ("accuracy", "balanced_accuracy", "macro_f1", "per_class", "confusion", "confusion_normalized",
                "most_confused", "misclassified", "labels", "split", "tta", "images"):  # fmt: skip
        assert key in report
    assert report["images"] == 3589 and report["split"] == "PublicTest"
    assert np.array(report["confusion"]).sum() == 3589
    expected = np.mean(by_hand(real_dataset.public_test.images) == real_dataset.public_test.labels)
    assert report["accuracy"] == pytest.approx(expected)
    for name in ("confusion.png", "per_class.png", "misclassified.png", "reliability.png"):
        image = cv2.imread(str(plots / name))
        assert image is not None and image.shape[0] > 100 and image.std() > 0, name


def test_evaluate_defaults_to_publictest_like_the_command_line(real_dataset: FER2013) -> None:
    """PrivateTest, the final test set, is never read unless asked for by name."""
    result = evaluate(brightness_model(), data=real_dataset)
    assert result.split == "PublicTest" and len(result.labels) == len(real_dataset.public_test)


def test_a_model_is_taken_by_shipped_name_or_file_as_well(subset: Split, tmp_path: Path) -> None:
    from ferlib.errors import ConfigError
    from ferlib.pretrained import load_pretrained, pretrained_path

    by_object = evaluate(load_pretrained("default"), subset)
    for model in ("default", pretrained_path("default"), str(pretrained_path("default"))):
        np.testing.assert_allclose(evaluate(model, subset).probabilities, by_object.probabilities, atol=1e-6)
    with pytest.raises(ConfigError, match="neither a model file nor a shipped model"):
        evaluate("no-such-model", subset)


def test_paired_comparison_counts_the_faces_one_model_alone_gets_right() -> None:
    labels = np.array([0, 1, 2, 3, 4, 5, 6, 0, 1, 2])
    first = labels.copy()
    second = labels.copy()
    second[:3] = 6  # the second misses three faces the first gets right
    first[9] = 0  # and the first misses one the second gets right
    probabilities = np.eye(7)[second]
    result = paired_comparison(labels, first, probabilities)
    assert (result.first_only, result.second_only) == (3, 1)
    assert result.p_value == pytest.approx(0.625)  # 2 * (1 + 4) / 2**4: a split of 3 to 1 is common
    assert paired_comparison(labels, first, first).p_value == 1.0  # no face tells them apart
    second[9] = 6  # both miss face 9 now: it tells them apart no more
    second[3] = 0  # and the first alone gets face 3 right: 4 faces to 0
    result = paired_comparison(labels, first, second)
    assert (result.first_only, result.second_only) == (4, 0)
    assert result.p_value == pytest.approx(2 / 2**4)
    faces = np.arange(10)
    tie = paired_comparison(labels, np.where(faces < 2, 6, labels), np.where(faces >= 8, 6, labels))
    assert (tie.first_only, tie.second_only, tie.p_value) == (2, 2, 1.0)  # faces 8, 9 against 0, 1


def test_paired_comparison_on_thousands_of_disputed_faces() -> None:
    """A gap of 36 faces (a point of PublicTest) is unlikely by chance when 300 faces are disputed, not
    when 600 are; the exact test takes thousands of disputed faces."""
    for disputed, gap, significant in (
        (300, 36, True),
        (600, 36, False),
        (4000, 100, False),
        (4000, 200, True),
    ):
        labels = np.zeros(disputed, int)
        first_right = (disputed + gap) // 2
        first = np.where(np.arange(disputed) < first_right, 0, 1)
        result = paired_comparison(labels, first, 1 - first)
        assert (result.first_only, result.second_only) == (first_right, disputed - first_right)
        assert (result.p_value < 0.05) == significant


@pytest.mark.parametrize(
    ("labels", "first", "second", "message"),
    [
        (np.eye(7)[[0, 1]], [0, 1], [0, 1], r"labels of shape \(2, 7\): expected \(N,\) classes 0-6"),
        (np.array([0, 9]), [0, 1], [0, 1], r"labels of shape \(2,\): expected"),
        (np.array([0, 1]), np.zeros((2, 3)), [0, 1], r"the first model's predictions, of shape \(2, 3\)"),
        (np.array([0, 1]), [0, 1], [0.9, 0.9], r"the second model's predictions, of shape \(2,\): expected "
         r"\(2,\) classes 0-6 or \(2, 7\) probabilities"),
        (np.array([0, 1]), [0, 1], np.zeros((9, 7)), r"the second model's predictions, of shape \(9, 7\)"),
    ],
)  # fmt: skip
def test_paired_comparison_refuses_what_is_not_predictions_for_these_faces(
    labels: np.ndarray, first: object, second: object, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        paired_comparison(labels, np.asarray(first), np.asarray(second))

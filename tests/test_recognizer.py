"""Faces in real photos that ship with our dependencies, and the recognizer's API."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import keras
import numpy as np
import pytest
from sklearn.datasets import load_sample_images

from ferlib.errors import ConfigError, ModelFileError
from ferlib.faces import Box, Framing, HaarFaceDetector, crop_face, read_image
from ferlib.labels import EMOTIONS
from ferlib.recognizer import EmotionRecognizer
from ferlib.samples import grace_hopper

from synthetic import tiny_model

GRACE_HOPPER = grace_hopper()


@pytest.fixture(scope="module")
def recognizer() -> EmotionRecognizer:
    return EmotionRecognizer(tiny_model())


def test_grace_hopper_has_one_face_where_her_face_is(recognizer: EmotionRecognizer) -> None:
    results = recognizer.recognize(GRACE_HOPPER)
    assert len(results) == 1
    box = results[0].box
    # Her face lies in the upper middle of the 512x600 portrait.
    centre_x, centre_y = box.x + box.w / 2, box.y + box.h / 2
    assert 200 < centre_x < 320 and 150 < centre_y < 280 and 150 < box.w < 300
    assert set(results[0].scores) == set(EMOTIONS)
    assert sum(results[0].scores.values()) == pytest.approx(1.0, abs=1e-5)
    assert results[0].emotion == max(results[0].scores, key=results[0].scores.get)


def test_a_photo_without_faces_gives_an_empty_list(recognizer: EmotionRecognizer) -> None:
    china = load_sample_images().images[0]  # a temple, no people
    assert recognizer.recognize(china, colour_order="RGB") == []


def test_paths_arrays_and_pil_images_agree(recognizer: EmotionRecognizer) -> None:
    from PIL import Image

    bgr = cv2.imread(str(GRACE_HOPPER))
    expected = recognizer.recognize(GRACE_HOPPER)[0]
    for source, order in ((bgr, "BGR"), (bgr[:, :, ::-1], "RGB"), (Image.open(GRACE_HOPPER), "BGR")):
        got = recognizer.recognize(source, colour_order=order)[0]
        assert got.box == expected.box
        np.testing.assert_allclose(list(got.scores.values()), list(expected.scores.values()), atol=1e-5)
    grey = recognizer.recognize(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))[0]
    # The detector sees colour where there is colour: the grey copy's box moves by a pixel or two at most.
    assert np.abs(np.subtract(grey.box.as_list(), expected.box.as_list())).max() <= 3


def test_several_faces_go_through_the_model_in_one_batch(recognizer: EmotionRecognizer) -> None:
    face = cv2.imread(str(GRACE_HOPPER))[60:380, 100:420]
    canvas = np.full((720, 1280, 3), 90, dtype=np.uint8)
    for x in (20, 340, 660, 960):
        canvas[200:520, x : x + 320] = face
    calls = []
    original = recognizer.predict_crops
    recognizer.predict_crops = lambda crops: calls.append(len(crops)) or original(crops)  # type: ignore[method-assign]
    try:
        results = recognizer.recognize(canvas)
    finally:
        recognizer.predict_crops = original  # type: ignore[method-assign]
    assert len(results) == 4 and calls == [4]
    assert [r.box.x for r in results] == sorted(r.box.x for r in results)


def test_classify_takes_crops_of_any_size_and_colour(recognizer: EmotionRecognizer) -> None:
    bgr = cv2.imread(str(GRACE_HOPPER))
    box = recognizer.recognize(bgr)[0].box
    crop48 = crop_face(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), box, recognizer.framing)
    from_recognize = recognizer.recognize(bgr)[0].scores
    from_classify = recognizer.classify([crop48])[0]
    np.testing.assert_allclose(list(from_classify.values()), list(from_recognize.values()), atol=1e-6)
    big_colour = bgr[box.y : box.y + box.h, box.x : box.x + box.w]
    assert set(recognizer.classify([big_colour, crop48])[1]) == set(EMOTIONS)
    assert recognizer.classify([]) == []


def test_crop_widens_the_box_and_stays_inside_the_image() -> None:
    gray = np.arange(100 * 100, dtype=np.uint32).reshape(100, 100).astype(np.uint8)
    crop = crop_face(gray, Box(90, 90, 20, 20), Framing(margin=0.5))
    assert crop.shape == (48, 48) and crop.dtype == np.uint8
    with pytest.raises(ValueError, match="outside"):
        crop_face(gray, Box(200, 200, 10, 10))


def test_annotate_draws_on_a_copy(recognizer: EmotionRecognizer) -> None:
    bgr = cv2.imread(str(GRACE_HOPPER))
    results = recognizer.recognize(bgr)
    drawn = recognizer.annotate(bgr, results)
    assert drawn.shape == bgr.shape and not np.array_equal(drawn, bgr)
    np.testing.assert_array_equal(bgr, cv2.imread(str(GRACE_HOPPER)))  # the input is untouched
    box = results[0].box
    assert not np.array_equal(drawn[box.y, box.x : box.x + box.w], bgr[box.y, box.x : box.x + box.w])


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros((0, 10), np.uint8), "empty image"),
        (np.zeros((10, 10, 2), np.uint8), "expected an image of shape"),
        (np.full((10, 10), np.nan), "NaN"),
        ("no/such/file.jpg", "no such image file"),
        (12345, "expected an image path"),
    ],
)
def test_bad_images_raise_value_error(bad: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_image(bad)


def test_a_model_of_the_wrong_shape_is_refused() -> None:
    inputs = keras.Input((64, 64, 1))
    model = keras.Model(inputs, keras.layers.Dense(7)(keras.layers.Flatten()(inputs)))
    with pytest.raises(ValueError, match="needs"):
        EmotionRecognizer(model)


def test_haar_detector_needs_its_cascade(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="Haar cascade"):
        HaarFaceDetector(cascade=tmp_path / "missing.xml")


def test_each_detector_frames_faces_as_the_framing_benchmark_chose() -> None:
    from pathlib import Path

    from ferlib.faces import FRAMINGS

    results = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "framing.json"
    for row in json.loads(results.read_text())["summary"]:
        framing = FRAMINGS[row["detector"]]
        shape = "square" if framing.square else "box"
        assert row["best_framing"] == f"margin {framing.margin}, offset {framing.offset}, {shape}"


def test_framing_moves_widens_and_squares_the_cut() -> None:
    gray = np.tile(np.arange(200, dtype=np.uint8)[:, None], (1, 200))  # each row's value is its index
    box = Box(50, 50, 100, 100)
    plain = crop_face(gray, box, Framing(margin=0.0))
    np.testing.assert_allclose(plain[:, 0], np.linspace(51, 148, 48), atol=1.5)  # rows 50-149
    lower = crop_face(gray, box, Framing(margin=0.0, offset=0.2))
    np.testing.assert_allclose(lower.astype(int) - plain.astype(int), 20, atol=1)  # 20 rows further down
    wide = crop_face(gray, box, Framing(margin=0.25))
    assert wide[0, 0] < plain[0, 0] and wide[-1, 0] > plain[-1, 0]  # 25 rows more above and below
    tall = Box(50, 20, 50, 150)
    squared = crop_face(gray, tall, Framing(margin=0.0, square=True))
    stretched = crop_face(gray, tall, Framing(margin=0.0, square=False))
    np.testing.assert_allclose(squared[:, 24], stretched[:, 24], atol=1.5)  # the same rows either way
    columns = gray.T.copy()  # each column's value is its index
    assert abs(int(crop_face(columns, tall, Framing(margin=0.0, square=False))[24, 0]) - 50) <= 1
    assert int(crop_face(columns, tall, Framing(margin=0.0, square=True))[24, 0]) <= 2  # 150 wide: from 0
    with pytest.raises(ConfigError, match="margin"):
        Framing(margin=2)
    with pytest.raises(ConfigError, match="offset"):
        Framing(offset=-0.9)

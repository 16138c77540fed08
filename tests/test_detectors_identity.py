"""The optional dlib detector and face identity, on real photos and FER-2013 faces."""

from __future__ import annotations

import sys

import cv2
import numpy as np
import pytest

from ferlib.data import FER2013
from ferlib.errors import MissingExtraError
from ferlib.faces import DlibHogFaceDetector, HaarFaceDetector, make_detector
from ferlib.recognizer import EmotionRecognizer
from ferlib.samples import grace_hopper

from synthetic import tiny_model


def test_dlib_and_haar_agree_on_grace_hopper() -> None:
    gray = cv2.cvtColor(cv2.imread(str(grace_hopper())), cv2.COLOR_BGR2GRAY)
    (haar,) = HaarFaceDetector().detect(gray)
    (hog,) = make_detector("dlib-hog").detect(gray)
    assert abs((haar.x + haar.w / 2) - (hog.x + hog.w / 2)) < 30
    assert abs((haar.y + haar.h / 2) - (hog.y + hog.h / 2)) < 40


def test_unknown_detector_name_lists_the_names() -> None:
    with pytest.raises(ValueError, match="expected one of blazeface, haar, dlib-hog"):
        make_detector("yolo")


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dlib", None)  # as if dlib were not installed
    with pytest.raises(MissingExtraError, match=r'pip install "ferlib\[identity\]"'):
        EmotionRecognizer(tiny_model(), known_faces={"Grace Hopper": grace_hopper()})
    with pytest.raises(MissingExtraError, match=r'pip install "ferlib\[dlib\]"'):
        DlibHogFaceDetector()


def test_known_face_is_named_and_a_stranger_is_unknown(real_dataset: FER2013) -> None:
    recognizer = EmotionRecognizer(tiny_model(), known_faces={"Grace Hopper": grace_hopper()})
    portrait = cv2.imread(str(grace_hopper()))
    mirrored_and_smaller = cv2.resize(portrait[:, ::-1], None, fx=0.7, fy=0.7)
    (her,) = recognizer.recognize(mirrored_and_smaller)
    assert her.identity == "Grace Hopper" and her.to_dict()["identity"] == "Grace Hopper"

    strangers = 0
    for face in real_dataset.public_test.images[:40]:
        canvas = np.full((400, 400), 100, np.uint8)
        canvas[80:320, 80:320] = cv2.resize(face, (240, 240), interpolation=cv2.INTER_CUBIC)
        for result in recognizer.recognize(canvas):
            assert result.identity == "unknown"
            strangers += 1
    assert strangers >= 10, "the FER-2013 faces should be found and judged as strangers"


def test_a_known_photo_must_show_one_face() -> None:
    from sklearn.datasets import load_sample_images

    temple = load_sample_images().images[0][:, :, ::-1].copy()
    with pytest.raises(ValueError, match="exactly one face, found 0"):
        EmotionRecognizer(tiny_model(), known_faces={"nobody": temple})

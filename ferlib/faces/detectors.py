"""Face detectors by name: BlazeFace (the default, ``ferlib.faces.blazeface``), OpenCV's Haar cascade,
dlib's HOG detector, and "whole-image" for pictures that are already one face."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from ferlib.errors import ConfigError, ModelFileError
from ferlib.extras import require_extra
from ferlib.faces.blazeface import BlazeFaceDetector
from ferlib.faces.box import Box, FaceDetector
from ferlib.imageops import to_gray_uint8

#: The Haar cascades that ship inside opencv-python 4.x (its typing stubs do not declare ``cv2.data``).
_HAAR_FOLDER = Path(cv2.data.haarcascades)  # type: ignore[attr-defined]


class HaarFaceDetector:
    """OpenCV's frontal-face Haar cascade: fast on a CPU, frontal faces only."""

    def __init__(
        self,
        scale_factor: float = 1.1,
        min_neighbors: int = 5,
        min_size: int = 30,
        cascade: str | os.PathLike[str] | None = None,
    ) -> None:
        path = Path(cascade) if cascade else _HAAR_FOLDER / "haarcascade_frontalface_default.xml"
        self._cascade = cv2.CascadeClassifier(str(path))
        if self._cascade.empty():
            raise ModelFileError(f"could not load the Haar cascade {path}; is opencv-python 4.x installed?")
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self.min_size = min_size

    def detect(self, image: np.ndarray) -> list[Box]:
        found = self._cascade.detectMultiScale(
            to_gray_uint8(image),
            scaleFactor=self.scale_factor,
            minNeighbors=self.min_neighbors,
            minSize=(self.min_size, self.min_size),
        )
        boxes = [Box(int(x), int(y), int(w), int(h)) for x, y, w, h in np.reshape(found, (-1, 4))]
        return sorted(boxes, key=lambda b: (b.x, b.y))


class DlibHogFaceDetector:
    """dlib's HOG + linear SVM frontal-face detector, whose model ships inside dlib (``ferlib[dlib]``):
    finds more faces than Haar on small or poorly lit pictures, at a similar speed."""

    def __init__(self, upsample: int = 0) -> None:
        dlib = require_extra("dlib", "dlib")
        self._detector = dlib.get_frontal_face_detector()
        self.upsample = upsample

    def detect(self, image: np.ndarray) -> list[Box]:
        height, width = image.shape[:2]
        boxes = []
        for rect in self._detector(np.ascontiguousarray(to_gray_uint8(image)), self.upsample):
            left, top = max(0, rect.left()), max(0, rect.top())
            right, bottom = min(width, rect.right()), min(height, rect.bottom())
            if right > left and bottom > top:
                boxes.append(Box(left, top, right - left, bottom - top))
        return sorted(boxes, key=lambda b: (b.x, b.y))


class WholeImageDetector:
    """The whole picture is one face: for pictures already cut to a face (FER-2013's own, cropped data
    sets, a face filling a passport photo), where a detector has nothing left to find."""

    def detect(self, image: np.ndarray) -> list[Box]:
        height, width = image.shape[:2]
        return [Box(0, 0, width, height)]


#: Every detector by name, the default first: each builds one with its default settings.
DETECTORS: dict[str, Callable[[], FaceDetector]] = {
    "blazeface": BlazeFaceDetector,
    "haar": HaarFaceDetector,
    "dlib-hog": DlibHogFaceDetector,
    "whole-image": WholeImageDetector,
}
DEFAULT_DETECTOR = "blazeface"


def make_detector(name: str = DEFAULT_DETECTOR) -> FaceDetector:
    """A detector by name: ``"blazeface"`` (default, MediaPipe's CNNs, faces of every size), ``"haar"``
    (OpenCV's 2001 cascade), ``"dlib-hog"`` (needs ``ferlib[dlib]``) or ``"whole-image"`` (the picture
    is one face: for faces already cropped)."""
    if name not in DETECTORS:
        raise ConfigError(f"unknown face detector {name!r}; expected one of {', '.join(DETECTORS)}")
    return DETECTORS[name]()

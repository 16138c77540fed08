"""Finding faces in a picture and cutting them out the way FER-2013's faces were cut.

The default detector is MediaPipe's BlazeFace CNN (``ferlib.blazeface``), whose model ships inside a
package (no download); OpenCV's Haar cascade and dlib's HOG detector stay available by name. Any object
with a ``detect(image) -> list[Box]`` method, taking a grey or BGR uint8 picture, can take their place.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from ferlib.errors import ConfigError, ImageError, MissingExtraError, ModelFileError
from ferlib.imageops import FACE_SIZE, resize_square, to_gray_uint8, to_uint8

#: The Haar cascades that ship inside opencv-python 4.x (its typing stubs do not declare ``cv2.data``).
_HAAR_FOLDER = Path(cv2.data.haarcascades)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Box:
    """A face's bounding box in pixels: left, top, width, height; and the eye centres (x, y) where the
    detector finds them, which ``crop_face`` uses to level the eyes."""

    x: int
    y: int
    w: int
    h: int
    eyes: tuple[tuple[float, float], tuple[float, float]] | None = field(
        default=None, compare=False, repr=False
    )

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]


class FaceDetector(Protocol):
    """Anything that finds faces in a uint8 picture: 2-D grey, or height x width x 3 in BGR order."""

    def detect(self, image: np.ndarray) -> list[Box]: ...


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


def _blazeface() -> FaceDetector:
    from ferlib.blazeface import BlazeFaceDetector  # imports this module for Box

    return BlazeFaceDetector()


#: Every detector by name, the default first: each builds one with its default settings.
DETECTORS: dict[str, Callable[[], FaceDetector]] = {
    "blazeface": _blazeface,
    "haar": HaarFaceDetector,
    "dlib-hog": DlibHogFaceDetector,
}
DEFAULT_DETECTOR = "blazeface"


def make_detector(name: str = DEFAULT_DETECTOR) -> FaceDetector:
    """A detector by name: ``"blazeface"`` (default, MediaPipe's CNN), ``"haar"`` (OpenCV's 2001
    cascade) or ``"dlib-hog"`` (needs ``ferlib[dlib]``)."""
    if name not in DETECTORS:
        raise ConfigError(f"unknown face detector {name!r}; expected one of {', '.join(DETECTORS)}")
    return DETECTORS[name]()


def require_extra(module: str, extra: str) -> Any:
    """Import an optional dependency, or raise ``MissingExtraError`` naming the pip extra that has it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingExtraError(
            f'this needs the optional package {module!r}: pip install "ferlib[{extra}]"'
        ) from error


def crop_face(
    gray: np.ndarray, box: Box, margin: float = 0.1, size: int = FACE_SIZE, align: bool = True
) -> np.ndarray:
    """The face in ``box`` widened by ``margin`` of its size on each side, as a ``size`` x ``size``
    uint8 grayscale crop: what the model saw in training. Where the box has eye centres and ``align``
    is true, the crop is turned about the box's centre so that the eyes are level, as in FER-2013;
    parts of an aligned crop beyond the picture repeat its edge pixels."""
    pad_w, pad_h = round(box.w * margin), round(box.h * margin)
    top, left = max(0, box.y - pad_h), max(0, box.x - pad_w)
    bottom, right = min(gray.shape[0], box.y + box.h + pad_h), min(gray.shape[1], box.x + box.w + pad_w)
    if bottom <= top or right <= left:
        raise ImageError(f"the box {box.as_list()} lies outside the {gray.shape[1]}x{gray.shape[0]} image")
    if not (align and box.eyes):
        return resize_square(gray[top:bottom, left:right], size)
    (ax, ay), (bx, by) = sorted(box.eyes)  # the eye on the picture's left first
    angle = np.degrees(np.arctan2(by - ay, bx - ax))
    centre = (box.x + box.w / 2, box.y + box.h / 2)
    side = max(box.w + 2 * pad_w, box.h + 2 * pad_h)
    turn = np.asarray(cv2.getRotationMatrix2D(centre, angle, 1.0), dtype=np.float64)  # levels the eyes
    turn[:, 2] += np.array([side / 2 - centre[0], side / 2 - centre[1]])  # the box's centre to the crop's
    levelled = cv2.warpAffine(
        gray, turn, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return resize_square(levelled, size)


def read_image(source: Any, colour_order: str = "BGR") -> np.ndarray:
    """Any supported picture as a BGR (or grey) uint8 array: a path, a PIL image, or an array.

    Arrays are taken as ``colour_order`` (OpenCV's BGR by default); PIL images are RGB and converted.
    Raises ``ValueError`` for anything that is not a readable image.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ImageError(f"{path}: no such image file")
        image = cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise ImageError(f"{path}: not an image OpenCV can decode")
        return image
    if hasattr(source, "convert") and hasattr(source, "size"):  # a PIL image, without importing PIL
        return cv2.cvtColor(np.asarray(source.convert("RGB")), cv2.COLOR_RGB2BGR)
    if isinstance(source, np.ndarray):
        to_gray_uint8(source, colour_order=colour_order)  # ValueError for a bad shape, dtype or values
        image = to_uint8(np.asarray(source))
        if image.ndim == 3 and image.shape[2] == 1:
            image = image[:, :, 0]
        if image.ndim == 3:
            image = image[:, :, 2::-1] if colour_order.upper() == "RGB" else image[:, :, :3]
        return np.ascontiguousarray(image)
    raise ImageError(f"expected an image path, a PIL image or a NumPy array, got {type(source).__name__}")

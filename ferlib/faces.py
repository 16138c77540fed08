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


class WholeImageDetector:
    """The whole picture is one face: for pictures already cut to a face (FER-2013's own, cropped data
    sets, a face filling a passport photo), where a detector has nothing left to find."""

    def detect(self, image: np.ndarray) -> list[Box]:
        height, width = image.shape[:2]
        return [Box(0, 0, width, height)]


def _blazeface() -> FaceDetector:
    from ferlib.blazeface import BlazeFaceDetector  # imports this module for Box

    return BlazeFaceDetector()


#: Every detector by name, the default first: each builds one with its default settings.
DETECTORS: dict[str, Callable[[], FaceDetector]] = {
    "blazeface": _blazeface,
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


def require_extra(module: str, extra: str) -> Any:
    """Import an optional dependency, or raise ``MissingExtraError`` naming the pip extra that has it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingExtraError(
            f'this needs the optional package {module!r}: pip install "ferlib[{extra}]"'
        ) from error


@dataclass(frozen=True)
class Framing:
    """How a face is cut from its box. The model learned FER-2013's framing, and each detector draws its
    boxes its own way (BlazeFace's hug the eyes and mouth, Haar's reach the brows), so each has its
    own, chosen on PublicTest faces by ``benchmarks/framing.py`` (``FRAMINGS``).

    ``margin``: share of the box's width and height added on each side; ``offset``: the crop's centre
    moved down by this share of the box's height (up where negative); ``square``: cut a square of the
    box's larger side, rather than the box's own shape stretched to a square.
    """

    margin: float = 0.1
    offset: float = 0.0
    square: bool = True

    def __post_init__(self) -> None:
        if not -0.4 <= self.margin <= 1:
            raise ConfigError(f"margin must be in [-0.4, 1], got {self.margin}")
        if not -0.5 <= self.offset <= 0.5:
            raise ConfigError(f"offset must be in [-0.5, 0.5], got {self.offset}")


#: Each named detector's framing: the best of ``benchmarks/framing.py``'s grid on PublicTest faces for
#: BlazeFace (its box as drawn, 10% wider on each side) and Haar (the square box, moved down by a tenth:
#: its boxes reach the brows); dlib's is not measured yet; the whole picture is cut as it is.
FRAMINGS: dict[str, Framing] = {
    "blazeface": Framing(margin=0.1, offset=0.0, square=False),
    "haar": Framing(margin=0.0, offset=0.1, square=True),
    "dlib-hog": Framing(),
    "whole-image": Framing(margin=0.0),
}


def crop_face(
    gray: np.ndarray, box: Box, framing: Framing | None = None, size: int = FACE_SIZE, align: bool = True
) -> np.ndarray:
    """The face in ``box``, cut as ``framing`` says (``Framing()`` by default), as a ``size`` x ``size``
    uint8 grayscale crop: what the model saw in training. Where the box has eye centres and ``align``
    is true, the crop is turned about its centre so that the eyes are level, as in FER-2013. Parts of
    the crop beyond the picture repeat its edge pixels."""
    framing = framing or Framing()
    height, width = gray.shape[:2]
    if box.x >= width or box.y >= height or box.x + box.w <= 0 or box.y + box.h <= 0 or min(box.w, box.h) < 1:
        raise ImageError(f"the box {box.as_list()} lies outside the {width}x{height} image")
    crop_w, crop_h = box.w * (1 + 2 * framing.margin), box.h * (1 + 2 * framing.margin)
    if framing.square:
        crop_w = crop_h = max(crop_w, crop_h)
    out_w, out_h = max(1, round(crop_w)), max(1, round(crop_h))
    centre = (box.x + box.w / 2, box.y + box.h / 2 + framing.offset * box.h)
    angle = 0.0
    if align and box.eyes:
        (ax, ay), (bx, by) = sorted(box.eyes)  # the eye on the picture's left first
        angle = float(np.degrees(np.arctan2(by - ay, bx - ax)))
    turn = np.asarray(cv2.getRotationMatrix2D(centre, angle, 1.0), dtype=np.float64)  # levels the eyes
    turn[:, 2] += np.array([out_w / 2 - centre[0], out_h / 2 - centre[1]])  # the centre to the crop's
    cut = cv2.warpAffine(gray, turn, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return resize_square(cut, size)


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

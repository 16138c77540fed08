"""Cutting a face out of its box the way FER-2013's faces were cut: framed as the model learned, the eyes
levelled, 48x48 grey."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ferlib.errors import ConfigError, ImageError
from ferlib.faces.box import Box
from ferlib.imageops import FACE_SIZE, resize_square


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
#: BlazeFace (its box as drawn, 10% wider on each side) and Haar (its square box as drawn, moved up by
#: a twentieth); dlib's is not measured yet; the whole picture is cut as it is.
FRAMINGS: dict[str, Framing] = {
    "blazeface": Framing(margin=0.1, offset=0.0, square=False),
    "haar": Framing(margin=0.0, offset=-0.05, square=True),
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

"""A face's box, and what every face detector offers: ``detect(picture) -> list[Box]``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


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

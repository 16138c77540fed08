"""Decode one image file into a FER-2013 face: 48x48 grayscale uint8."""

from __future__ import annotations

import cv2
import numpy as np

from ferlib.errors import UnreadableImageError
from ferlib.imageops import FACE_SIZE, resize_square, to_gray_uint8

IMAGE_SUFFIXES: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".pgm", ".pbm", ".ppm", ".tif", ".tiff", ".webp"}
)
_JPEG_START = b"\xff\xd8"
_JPEG_END = b"\xff\xd9"


def decode_face(data: bytes) -> tuple[np.ndarray, bool]:
    """Decode image bytes into a 48x48 uint8 face; also say whether it had to be converted.

    A file that is already 48x48 8-bit grayscale comes back exactly as OpenCV decodes it. Colour,
    alpha, 16-bit or other-sized images are converted to grayscale and resized (``True``).
    Raises ``UnreadableImageError`` for empty, truncated or undecodable bytes.
    """
    if not data:
        raise UnreadableImageError("empty file")
    # libjpeg decodes a truncated JPEG with only a warning, filling the missing rows with grey:
    # a complete JPEG ends with the end-of-image marker, and that marker can't occur in the
    # entropy-coded data, so its absence at the end means the file was cut short.
    if data.startswith(_JPEG_START) and _JPEG_END not in data[-64:]:
        raise UnreadableImageError("truncated JPEG (no end-of-image marker)")
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise UnreadableImageError("not an image OpenCV can decode")
    already_face = image.dtype == np.uint8 and image.shape == (FACE_SIZE, FACE_SIZE)
    if already_face:
        return image, False
    try:
        gray = to_gray_uint8(image, colour_order="BGR")
    except ValueError as error:
        raise UnreadableImageError(str(error)) from error
    return resize_square(gray, FACE_SIZE), True

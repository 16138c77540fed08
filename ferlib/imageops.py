"""Pixel-level conversions shared by the data loader and the face pipeline."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np

from ferlib.errors import ConfigError, ImageError

#: How a colour array's channels are ordered: OpenCV's ``"BGR"`` or PIL's and matplotlib's ``"RGB"``
#: (lower case is accepted too).
ColourOrder = Literal["BGR", "RGB", "bgr", "rgb"]

#: FER-2013 faces are 48x48 grayscale.
FACE_SIZE: int = 48


def to_gray_uint8(image: np.ndarray, *, colour_order: ColourOrder = "BGR") -> np.ndarray:
    """Return a 2-D uint8 grayscale copy of ``image``.

    Accepts (H, W), (H, W, 1), (H, W, 3) and (H, W, 4) arrays of uint8, uint16 or floats in [0, 1]
    (floats above 1 are taken as 0-255). ``colour_order`` is ``"BGR"`` (OpenCV) or ``"RGB"``
    (PIL, matplotlib). Alpha is dropped. Raises ``ValueError`` for anything else.
    """
    array = np.asarray(image)
    if array.size == 0:
        raise ImageError(f"empty image of shape {array.shape}")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ImageError(
            f"expected an image of shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), got {array.shape}"
        )
    array = to_uint8(array)
    if array.ndim == 2:
        return np.ascontiguousarray(array)
    order = colour_order.upper()
    if order not in ("BGR", "RGB"):
        raise ConfigError(f"colour_order must be 'BGR' or 'RGB', got {colour_order!r}")
    codes = {
        ("BGR", 3): cv2.COLOR_BGR2GRAY,
        ("RGB", 3): cv2.COLOR_RGB2GRAY,
        ("BGR", 4): cv2.COLOR_BGRA2GRAY,
        ("RGB", 4): cv2.COLOR_RGBA2GRAY,
    }
    return cv2.cvtColor(np.ascontiguousarray(array), codes[(order, array.shape[2])])


def to_uint8(array: np.ndarray) -> np.ndarray:
    """Map an integer or float array onto uint8 without wrapping around (floats up to 1 count as 0-1)."""
    if array.dtype == np.uint8:
        return array
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    if array.dtype == np.uint16:
        return (array >> 8).astype(np.uint8)
    if np.issubdtype(array.dtype, np.integer):
        return np.clip(array, 0, 255).astype(np.uint8)
    if np.issubdtype(array.dtype, np.floating):
        if not np.all(np.isfinite(array)):
            raise ImageError("image contains NaN or infinite values")
        scale = 255.0 if float(array.max()) <= 1.0 else 1.0
        return np.clip(np.rint(array * scale), 0, 255).astype(np.uint8)
    raise ImageError(f"unsupported image dtype {array.dtype}")


def resize_square(gray: np.ndarray, size: int = FACE_SIZE) -> np.ndarray:
    """Resize a 2-D image to ``size`` x ``size``: area averaging when shrinking, bilinear when growing."""
    if gray.shape == (size, size):
        return gray
    shrinking = gray.shape[0] >= size and gray.shape[1] >= size
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(gray, (size, size), interpolation=interpolation)


def read_image(source: Any, colour_order: ColourOrder = "BGR") -> np.ndarray:
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

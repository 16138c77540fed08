"""Real pictures to try ferlib on without a camera: photos that ship with installed dependencies,
and frames and videos built from them."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from ferlib.errors import ConfigError, ImageError, VideoError
from ferlib.faces import Box

#: Where Grace Hopper's face lies in her 512x600 portrait, brows to chin, drawn by eye: x, y, w, h.
GRACE_HOPPER_FACE = (160, 118, 206, 206)


def grace_hopper() -> Path:
    """Grace Hopper's official portrait (one face), shipped with matplotlib."""
    import matplotlib.cbook

    return Path(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


def portraits() -> dict[str, tuple[np.ndarray, tuple[int, int, int, int]]]:
    """Real portraits that ship with installed packages, each as (BGR photo, face box x, y, w, h drawn by
    eye): Grace Hopper's (matplotlib) and, where scikit-image is installed, NASA's public-domain
    portrait of the astronaut Eileen Collins."""
    found = {"grace_hopper": (_portrait(), GRACE_HOPPER_FACE)}
    try:
        import skimage.data
    except ImportError:
        return found
    found["astronaut"] = (cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR), (176, 68, 100, 100))
    return found


def frame_with_faces(count: int = 1, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """A grey BGR frame of ``size`` holding ``count`` (1 or 4) copies of the portrait."""
    if count not in (1, 4):
        raise ConfigError(f"count must be 1 or 4, got {count}")
    width, height = size
    portrait = _portrait()
    frame = np.full((height, width, 3), 80, dtype=np.uint8)
    if count == 1:
        face_h = int(height * 0.92)
        face_w = int(face_h * portrait.shape[1] / portrait.shape[0])
        top, left = (height - face_h) // 2, (width - face_w) // 2
        frame[top : top + face_h, left : left + face_w] = cv2.resize(portrait, (face_w, face_h))
    else:
        cell_h, cell_w = height // 2, width // 2
        face_h = int(cell_h * 0.96)
        face_w = int(face_h * portrait.shape[1] / portrait.shape[0])
        small = cv2.resize(portrait, (face_w, face_h))
        for row in range(2):
            for col in range(2):
                top, left = row * cell_h + (cell_h - face_h) // 2, col * cell_w + (cell_w - face_w) // 2
                frame[top : top + face_h, left : left + face_w] = small
    return frame


def face_video(
    path: str | os.PathLike[str], frames: int = 12, fps: float = 10.0, blank_every: int = 4
) -> Path:
    """Write a 640x480 MP4 of the portrait sliding sideways; every ``blank_every``-th frame is empty."""
    path = Path(path)
    portrait = cv2.resize(_portrait(), (400, 468))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (640, 480))
    if not writer.isOpened():
        raise VideoError(f"{path}: OpenCV cannot write an MP4 video here")
    try:
        for index in range(frames):
            frame = np.full((480, 640, 3), 70, dtype=np.uint8)
            if index % blank_every != blank_every - 1:
                left = 20 + (index * 15) % 200
                frame[6:474, left : left + 400] = portrait
            writer.write(frame)
    finally:
        writer.release()
    return path


def place_face(
    scene: np.ndarray,
    portrait: np.ndarray | None = None,
    face: tuple[int, int, int, int] = GRACE_HOPPER_FACE,
    *,
    width: float = 100,
    degrees: float = 0,
    centre: tuple[float, float] | None = None,
    light: float = 1.0,
) -> tuple[np.ndarray, Box]:
    """A copy of ``scene`` (BGR) with a portrait pasted in the way a webcam might see its person: the
    face (``face``, its box in the portrait) ``width`` pixels wide, turned by ``degrees`` (counter-
    clockwise), centred at ``centre`` (default: the middle), then the whole frame's light scaled by
    ``light``. Returns the frame and the face's box in it. Grace Hopper's portrait by default."""
    if portrait is None:
        portrait = _portrait()
    if width <= 0:
        raise ConfigError(f"width must be > 0, got {width}")
    height, frame_width = scene.shape[:2]
    x, y, w, h = face
    source = (x + w / 2, y + h / 2)
    target = centre or (frame_width / 2, height / 2)
    turn = np.asarray(cv2.getRotationMatrix2D(source, degrees, width / w), dtype=np.float64)
    turn[:, 2] += np.array([target[0] - source[0], target[1] - source[1]])
    pasted = cv2.warpAffine(portrait, turn, (frame_width, height))
    inside = cv2.warpAffine(np.ones(portrait.shape[:2], np.uint8), turn, (frame_width, height)) > 0
    frame = scene.copy()
    frame[inside] = pasted[inside]
    side = round(width)
    return dimmed(frame, light), Box(round(target[0] - width / 2), round(target[1] - width / 2), side, side)


def close_up(
    portrait: np.ndarray,
    face: tuple[int, int, int, int],
    *,
    fill: float = 1.0,
    size: int = 480,
    degrees: float = 0,
    shift: tuple[float, float] = (0.0, 0.0),
) -> tuple[np.ndarray, Box]:
    """A square ``size`` x ``size`` close-up of ``portrait`` (BGR) in which the face (``face``, its box in
    the portrait, brows to chin) is ``fill`` of the picture's width: 1.0 is a face that fills the
    picture, as in cropped data sets and passport photos. The face is turned by ``degrees`` and moved by
    ``shift`` (fractions of its width); beyond the portrait its edge pixels repeat. Returns the picture
    and the face's box in it."""
    if not 0 < fill <= 1.5:
        raise ConfigError(f"fill must be in (0, 1.5], got {fill}")
    x, y, w, h = face
    scale = size * fill / w
    centre = (x + w / 2 + shift[0] * w, y + h / 2 + shift[1] * w)
    turn = np.asarray(cv2.getRotationMatrix2D(centre, degrees, scale), dtype=np.float64)
    turn[:, 2] += np.array([size / 2 - centre[0], size / 2 - centre[1]])
    picture = cv2.warpAffine(portrait, turn, (size, size), borderMode=cv2.BORDER_REPLICATE)
    left, top = size / 2 - (w / 2 + shift[0] * w) * scale, size / 2 - (h / 2 + shift[1] * w) * scale
    return picture, Box(round(left), round(top), round(w * scale), round(h * scale))


def dimmed(frame: np.ndarray, light: float) -> np.ndarray:
    """``frame`` with its light scaled by ``light`` (in (0, 1]), as in a dim room."""
    if not 0 < light <= 1:
        raise ConfigError(f"light must be in (0, 1], got {light}")
    return (frame.astype(np.float32) * light).astype(np.uint8)


def _portrait() -> np.ndarray:
    image = cv2.imread(str(grace_hopper()))
    if image is None:
        raise ImageError(f"{grace_hopper()}: OpenCV cannot read matplotlib's sample photo")
    return image

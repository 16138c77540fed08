"""``EmotionRecognizer``: a picture in, one result per face out (box, seven scores, top emotion)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ferlib.errors import ModelFileError
from ferlib.faces import (
    DEFAULT_DETECTOR,
    FRAMINGS,
    Box,
    FaceDetector,
    Framing,
    crop_face,
    make_detector,
    read_image,
)
from ferlib.identity import KnownFaces
from ferlib.imageops import FACE_SIZE, ColourOrder, resize_square, to_gray_uint8
from ferlib.labels import COLOURS, EMOTIONS
from ferlib.models import Predictor


@dataclass(frozen=True)
class FaceEmotion:
    """One face: where it is, the probability of each emotion, and the most likely one."""

    box: Box
    scores: dict[str, float]
    identity: str | None = None  # a known person's name or "unknown", when known_faces were given
    track: int | None = None  # the same number for the same face across a video's frames (FaceTracker)

    @property
    def emotion(self) -> str:
        return max(self.scores, key=self.scores.__getitem__)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"box": self.box.as_list(), "emotion": self.emotion, "scores": self.scores}
        if self.identity is not None:
            result["identity"] = self.identity
        if self.track is not None:
            result["track"] = self.track
        return result


class EmotionRecognizer:
    """Detect faces and score their emotions with a ferlib model (the shipped one by default).

    ``model`` is a Keras model, a ``.keras`` or ``.tflite`` file, or a shipped model by name:
    ``"default"`` (one network, fast enough for live video) or ``"accurate"`` (an average of two);
    ``detector`` is a name from ``ferlib.faces.DETECTORS`` (``"blazeface"`` by default, faces of every
    size; ``"whole-image"`` when each picture is already one face) or any object with
    ``detect(image) -> list[Box]``; ``framing`` says how a face is cut from its box (default: the
    named detector's, ``ferlib.faces.FRAMINGS``); ``align`` levels the eyes of each face before the
    model sees it, where the detector finds eyes (BlazeFace does);
    ``known_faces={"name": photo or [photos]}`` also names each face (needs ``ferlib[identity]``).

    >>> recognizer = EmotionRecognizer()
    >>> [face.emotion for face in recognizer.recognize("photo.jpg")]
    """

    def __init__(
        self,
        model: Predictor | str | os.PathLike[str] | None = None,
        detector: FaceDetector | str | None = None,
        *,
        framing: Framing | None = None,
        align: bool = True,
        max_detection_side: int = 1280,
        known_faces: KnownFaces | None = None,
    ) -> None:
        if model is None or isinstance(model, (str, os.PathLike)):
            from ferlib.pretrained import resolve_model

            model = resolve_model(model)  # a shipped model by name, a .keras, or a .tflite file
        assert not isinstance(model, (str, os.PathLike))  # for mypy: a path was loaded just above
        if tuple(model.input_shape[1:]) != (FACE_SIZE, FACE_SIZE, 1) or model.output_shape[-1] != len(
            EMOTIONS
        ):
            raise ModelFileError(
                f"the model maps {model.input_shape[1:]} to {model.output_shape[1:]}; "
                f"EmotionRecognizer needs (48, 48, 1) to ({len(EMOTIONS)},)"
            )
        self.model = model
        if isinstance(detector, str | None):
            name = detector or DEFAULT_DETECTOR
            self.detector = make_detector(name)
            self.framing = framing or FRAMINGS[name]
        else:
            self.detector = detector
            self.framing = framing or Framing()
        self.align = align
        self.max_detection_side = max_detection_side
        self.identifier = None
        if known_faces is not None:
            from ferlib.identity import FaceIdentifier

            self.identifier = FaceIdentifier(known_faces)

    def recognize(self, image: Any, colour_order: ColourOrder = "BGR") -> list[FaceEmotion]:
        """Every face in ``image`` (a path, a PIL image, or a BGR, RGB or grey array) with its emotions.
        All faces of the picture go through the model in one batch."""
        picture = read_image(image, colour_order)
        boxes = self.detect(picture)
        if not boxes:
            return []
        crops = self.crop_faces(to_gray_uint8(picture), boxes)
        names: list[str | None] = [None] * len(boxes)
        if self.identifier is not None:
            names = [self.identifier.identify(picture, box) for box in boxes]
        rows = self.predict_crops(crops)
        return [FaceEmotion(b, scores_dict(r), n) for b, r, n in zip(boxes, rows, names, strict=True)]

    def classify(self, faces: Sequence[np.ndarray] | np.ndarray) -> list[dict[str, float]]:
        """Emotion scores for face crops already cut out: any size, grey or colour (BGR)."""
        crops = [resize_square(to_gray_uint8(face), FACE_SIZE) for face in faces]
        if not crops:
            return []
        return [scores_dict(row) for row in self.predict_crops(np.stack(crops))]

    def annotate(
        self, image: Any, results: Sequence[FaceEmotion], colour_order: ColourOrder = "BGR"
    ) -> np.ndarray:
        """A BGR copy of ``image`` with a box, the top emotion and small score bars for each face."""
        canvas = read_image(image, colour_order)
        canvas = cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR) if canvas.ndim == 2 else canvas.copy()
        for face in results:
            draw_face(canvas, face)
        return canvas

    def detect(self, image: np.ndarray) -> list[Box]:
        """Faces in a grey or BGR picture, detected on a copy no larger than ``max_detection_side``: a
        10000-pixel photo takes as long as a 1280-pixel one; boxes are scaled back to the full picture."""
        scale = self.max_detection_side / max(image.shape[:2])
        if scale >= 1:
            return self.detector.detect(image)
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        return [scaled_box(box, 1 / scale) for box in self.detector.detect(small)]

    def crop_faces(self, gray: np.ndarray, boxes: Sequence[Box]) -> np.ndarray:
        """The model's input for each face: (N, 48, 48) uint8 crops, eyes levelled when ``align``."""
        return np.stack([crop_face(gray, box, self.framing, align=self.align) for box in boxes])

    def predict_crops(self, crops: np.ndarray) -> np.ndarray:
        """Probabilities (N, 7) for uint8 face crops (N, 48, 48), in one batch."""
        return np.asarray(self.model.predict_on_batch(crops[..., None].astype(np.float32)))


def scaled_box(box: Box, factor: float) -> Box:
    """``box`` (and its eyes) in a picture ``factor`` times as large."""
    x, y, w, h = (round(v * factor) for v in (box.x, box.y, box.w, box.h))
    if box.eyes is None:
        return Box(x, y, w, h)
    (ax, ay), (bx, by) = box.eyes
    return Box(x, y, w, h, eyes=((ax * factor, ay * factor), (bx * factor, by * factor)))


def scores_dict(row: np.ndarray) -> dict[str, float]:
    """One row of model output as ``{emotion: probability}`` in ``EMOTIONS`` order."""
    return {emotion: float(p) for emotion, p in zip(EMOTIONS, row, strict=True)}


def _bgr(hex_colour: str) -> tuple[int, int, int]:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return b, g, r


def draw_face(canvas: np.ndarray, face: FaceEmotion) -> None:
    """Draw one face's box, label and score bars onto a BGR ``canvas`` in place."""
    box, colour = face.box, _bgr(COLOURS[face.emotion])
    thickness = max(1, canvas.shape[1] // 320)
    cv2.rectangle(canvas, (box.x, box.y), (box.x + box.w, box.y + box.h), colour, thickness)
    label = f"{face.emotion} {face.scores[face.emotion]:.0%}"
    if face.identity is not None:
        label = f"{face.identity}: {label}"
    scale = max(0.4, box.w / 250)
    (text_w, text_h), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    top = max(0, box.y - text_h - 6)
    cv2.rectangle(canvas, (box.x, top), (box.x + text_w + 4, top + text_h + 6), colour, -1)
    cv2.putText(
        canvas, label, (box.x + 2, top + text_h + 2), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thickness
    )
    bar_h = max(3, box.h // 14)
    for i, emotion in enumerate(EMOTIONS):
        y = box.y + box.h + 4 + i * (bar_h + 1)
        if y + bar_h >= canvas.shape[0]:
            break
        width = round(face.scores[emotion] * box.w * 0.7)
        cv2.rectangle(canvas, (box.x, y), (box.x + width, y + bar_h), _bgr(COLOURS[emotion]), -1)
        for ink, weight in (((0, 0, 0), 3), ((255, 255, 255), 1)):  # white on a dark outline reads anywhere
            cv2.putText(
                canvas, emotion, (box.x + width + 3, y + bar_h - 1), cv2.FONT_HERSHEY_SIMPLEX,
                bar_h / 30, ink, weight, cv2.LINE_AA,
            )  # fmt: skip

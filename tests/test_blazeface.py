"""The default face detector, MediaPipe's BlazeFace, and eye alignment, on real photos."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from sklearn.datasets import load_sample_images

from ferlib.errors import ConfigError, ImageError
from ferlib.faces import DEFAULT_DETECTOR, Box, HaarFaceDetector, crop_face, make_detector
from ferlib.faces.blazeface import (
    CLOSE_UP_MID_MIN_SCORE,
    MIRROR_LOOK_MIN_SCORE,
    BlazeFaceDetector,
    Detection,
)
from ferlib.recognizer import EmotionRecognizer
from ferlib.samples import close_up, face_video, frame_with_faces, grace_hopper, portraits

from synthetic import tiny_model


@pytest.fixture(scope="module")
def detector() -> BlazeFaceDetector:
    return BlazeFaceDetector()


def portrait() -> np.ndarray:
    return cv2.imread(str(grace_hopper()))


def turned(image: np.ndarray, degrees: float) -> np.ndarray:
    height, width = image.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(image, turn, (width, height), borderMode=cv2.BORDER_REPLICATE)


def eye_slope(box: Box) -> float:
    assert box.eyes is not None
    (ax, ay), (bx, by) = sorted(box.eyes)
    return float(np.degrees(np.arctan2(by - ay, bx - ax)))


def test_blazeface_is_the_default_everywhere() -> None:
    assert DEFAULT_DETECTOR == "blazeface"
    assert isinstance(make_detector(), BlazeFaceDetector)
    assert isinstance(EmotionRecognizer(tiny_model()).detector, BlazeFaceDetector)
    assert isinstance(EmotionRecognizer(tiny_model(), "haar").detector, HaarFaceDetector)


def test_finds_grace_hopper_where_haar_does_with_her_eyes(detector: BlazeFaceDetector) -> None:
    image = portrait()
    (face,) = detector.detect(image)
    (haar,) = HaarFaceDetector().detect(image)
    assert abs((face.x + face.w / 2) - (haar.x + haar.w / 2)) < 25
    assert abs((face.y + face.h / 2) - (haar.y + haar.h / 2)) < 35
    assert 0.7 < face.w / haar.w < 1.4
    assert face.eyes is not None
    for x, y in face.eyes:  # both eyes lie in the box's upper half, one on each side of its centre
        assert face.x < x < face.x + face.w and face.y < y < face.y + face.h / 2
    assert abs(eye_slope(face)) < 5  # she looks straight at the camera


@pytest.mark.parametrize("degrees", [-30, -15, 15, 30])
def test_turned_faces_are_found_and_their_eyes_follow_the_turn(
    detector: BlazeFaceDetector, degrees: float
) -> None:
    (face,) = detector.detect(turned(portrait(), degrees))
    # OpenCV turns counter-clockwise for positive angles, which raises the eye on the picture's right.
    assert eye_slope(face) == pytest.approx(-degrees, abs=8)  # key points are good to a few degrees


def test_alignment_levels_the_eyes_of_a_turned_face(detector: BlazeFaceDetector) -> None:
    image = turned(portrait(), 25)
    (face,) = detector.detect(image)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    slopes = {}
    for align in (False, True):
        crop = cv2.resize(crop_face(gray, face, align=align), (192, 192))
        (again,) = detector.detect(cv2.copyMakeBorder(crop, 64, 64, 64, 64, cv2.BORDER_CONSTANT, value=128))
        slopes[align] = eye_slope(again)
    assert abs(slopes[False]) > 15 and abs(slopes[True]) < 5
    plain = Box(face.x, face.y, face.w, face.h)  # no eyes: alignment has nothing to go by
    np.testing.assert_array_equal(crop_face(gray, plain), crop_face(gray, face, align=False))


@pytest.mark.parametrize("count", [1, 4])
def test_every_pasted_face_is_found_once(detector: BlazeFaceDetector, count: int) -> None:
    assert len(detector.detect(frame_with_faces(count))) == count


def test_grey_pictures_work_too(detector: BlazeFaceDetector) -> None:
    (face,) = detector.detect(cv2.cvtColor(portrait(), cv2.COLOR_BGR2GRAY))
    assert 150 < face.w < 300


def test_pictures_without_faces_give_none(detector: BlazeFaceDetector) -> None:
    for photo in load_sample_images().images:  # a temple and a flower
        assert detector.detect(cv2.cvtColor(photo, cv2.COLOR_RGB2BGR)) == []
    assert detector.detect(np.full((480, 640, 3), 80, np.uint8)) == []


def test_finds_the_face_in_every_frame_of_a_video(detector: BlazeFaceDetector, tmp_path) -> None:
    video = cv2.VideoCapture(str(face_video(tmp_path / "v.mp4", frames=8, blank_every=4)))
    found = []
    while True:
        ok, frame = video.read()
        if not ok:
            break
        found.append(len(detector.detect(frame)))
    video.release()
    assert found == [1, 1, 1, 0, 1, 1, 1, 0]


@pytest.mark.parametrize(("setting", "value"), [("min_score", 0.0), ("min_score", 1.5), ("overlap", 1.0)])
def test_bad_settings_are_refused(setting: str, value: float) -> None:
    with pytest.raises(ConfigError, match=setting):
        BlazeFaceDetector(**{setting: value})


def test_a_picture_of_the_wrong_shape_is_refused(detector: BlazeFaceDetector) -> None:
    with pytest.raises(ImageError, match="grey or BGR"):
        detector.detect(np.zeros((10, 10, 2), np.uint8))


def test_a_box_of_no_area_does_not_stall_the_merging() -> None:
    from ferlib.faces.blazeface import _weighted_nms

    corners = np.array([[0.1, 0.1, 0.1, 0.1], [0.2, 0.2, 0.4, 0.4], [0.21, 0.2, 0.41, 0.4]], np.float32)
    merged = _weighted_nms(corners, np.zeros((3, 4), np.float32), np.array([0.9, 0.8, 0.7]), overlap=0.3)
    assert len(merged) == 2  # the empty box alone, and the two overlapping ones averaged


def matches(box: Box, face: Box) -> bool:
    """A box on the face at about its size: the detectors benchmark's rule."""
    dx = (box.x + box.w / 2) - (face.x + face.w / 2)
    dy = (box.y + box.h / 2) - (face.y + face.h / 2)
    return bool(np.hypot(dx, dy) <= face.w / 2 and 0.5 <= box.w / face.w <= 2)


@pytest.mark.parametrize("size", [150, 480])
@pytest.mark.parametrize("fill", [1.0, 0.85, 0.7])
def test_a_face_that_fills_the_picture_is_found(detector: BlazeFaceDetector, fill: float, size: int) -> None:
    for name, (image, face) in portraits().items():
        for degrees in (-12, 0, 12):
            picture, truth = close_up(image, face, fill=fill, size=size, degrees=degrees)
            boxes = detector.detect(picture)
            assert len(boxes) == 1 and matches(boxes[0], truth), (name, degrees, boxes, truth)


def test_close_ups_need_the_second_pass(detector: BlazeFaceDetector) -> None:
    image, face = portraits()["grace_hopper"]
    picture, truth = close_up(image, face, fill=1.0, size=480)
    assert BlazeFaceDetector(close_ups=False).detect(picture) == []  # full range alone misses it
    (found,) = detector.detect_close_up(picture)
    assert matches(Box(*(round(v) for v in found.box)), truth)
    assert found.score >= detector.short_range.min_score


def test_close_up_boxes_and_eyes_are_in_the_pictures_pixels(detector: BlazeFaceDetector) -> None:
    image, face = portraits()["grace_hopper"]
    picture, truth = close_up(image, face, fill=0.95, size=300)
    (box,) = detector.detect(picture)
    assert min(box.x, box.y) >= 0 and max(box.x + box.w, box.y + box.h) <= 300
    assert box.eyes is not None
    (ax, ay), (bx, by) = sorted(box.eyes)
    assert abs(ay - by) < truth.h / 10
    assert truth.x < ax < bx < truth.x + truth.w and truth.y < ay < truth.y + truth.h / 2


def test_a_face_found_only_in_the_mirror_image_is_put_back(
    detector: BlazeFaceDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    picture = np.zeros((100, 160, 3), np.uint8)
    picture[:, :40] = 255  # tells the picture from its mirror image
    face = Detection((10.0, 20.0, 50.0, 60.0), 0.9, ((20.0, 40.0), (45.0, 41.0)))
    looks: list[float] = []
    seen = MIRROR_LOOK_MIN_SCORE  # the first look saw something face-like, and kept nothing

    def only_in_the_mirror(image: np.ndarray, min_score: float = 0.0) -> tuple[list[Detection], float]:
        looks.append(min_score)
        return ([face], 0.9) if image[0, -1, 0] == 255 else ([], seen)

    monkeypatch.setattr(detector, "_confirmed_close_ups", only_in_the_mirror)
    (found,) = detector.detect_close_up(picture)
    assert looks == [0.0, CLOSE_UP_MID_MIN_SCORE]  # the second look is held to the stricter score
    assert found.box == (100.0, 20.0, 50.0, 60.0)
    assert found.eyes == ((115.0, 41.0), (140.0, 40.0))  # flipped, still left to right
    assert found.mirrored(160) == face

    looks.clear()
    seen = MIRROR_LOOK_MIN_SCORE - 0.01  # nothing face-like anywhere: no second look
    assert detector.detect_close_up(picture) == [] and looks == [0.0]


def test_a_look_reports_the_most_face_like_score_even_when_it_keeps_nothing(
    detector: BlazeFaceDetector,
) -> None:
    faces, top = detector.full_range.look(portrait())
    assert len(faces) == 1 and top >= faces[0].score >= 0.5
    blank, top_blank = detector.full_range.look(np.full((120, 160, 3), 128, np.uint8))
    assert blank == [] and 0 <= top_blank < 0.5


def test_a_large_picture_is_shrunk_once_and_its_boxes_scaled_back(detector: BlazeFaceDetector) -> None:
    picture = portrait()
    height, width = picture.shape[:2]
    assert max(height, width) > 192
    (found,) = detector.detect_faces(picture)
    (direct,) = detector.full_range.detect_faces(picture)  # the first pass on the picture itself
    np.testing.assert_allclose(found.box, direct.box, atol=1e-3)
    np.testing.assert_allclose(found.eyes, direct.eyes, atol=1e-3)
    assert found.score == pytest.approx(direct.score)


def test_fer2013_faces_are_found_at_their_own_size_and_enlarged(real_dataset) -> None:
    public = real_dataset.public_test.images
    faces = public[np.random.default_rng(0).choice(len(public), 100, replace=False)]
    recognizer = EmotionRecognizer(tiny_model())
    for size in (48, 192):
        found = 0
        for face in faces:
            picture = face if size == 48 else cv2.resize(face, (size, size), interpolation=cv2.INTER_LINEAR)
            boxes = recognizer.detect(picture)
            found += len(boxes) == 1 and matches(boxes[0], Box(0, 0, size, size))
        # benchmarks/detectors.py measures all 3,589 PublicTest faces
        assert found >= 85, f"{found} of 100 FER-2013 faces found at {size} px"


def test_whole_image_takes_the_picture_as_one_face(real_dataset) -> None:
    model = tiny_model()
    recognizer = EmotionRecognizer(model, "whole-image")
    faces = real_dataset.public_test.images[:8]
    for face in faces:
        (result,) = recognizer.recognize(face)
        assert result.box.as_list() == [0, 0, 48, 48]
    expected = model.predict(faces[..., None].astype(np.float32), verbose=0)
    got = [list(recognizer.recognize(face)[0].scores.values()) for face in faces]
    np.testing.assert_allclose(got, expected, atol=1e-5)  # the model sees the picture itself
    assert make_detector("whole-image").detect(np.zeros((30, 50), np.uint8)) == [Box(0, 0, 50, 30)]

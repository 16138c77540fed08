"""Sample pictures built from the real portrait that ships with matplotlib."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from ferlib.faces import HaarFaceDetector
from ferlib.samples import face_video, frame_with_faces, grace_hopper, place_face


@pytest.mark.parametrize("count", [1, 4])
def test_frames_hold_the_faces_they_promise(count: int) -> None:
    frame = frame_with_faces(count)
    assert frame.shape == (480, 640, 3)
    assert len(HaarFaceDetector().detect(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))) == count
    with pytest.raises(ValueError, match="1 or 4"):
        frame_with_faces(3)


def test_face_video_has_the_frames_asked_for(tmp_path: Path) -> None:
    video = cv2.VideoCapture(str(face_video(tmp_path / "v.mp4", frames=9, fps=12.0)))
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == 9 and video.get(cv2.CAP_PROP_FPS) == 12.0
    video.release()
    assert grace_hopper().is_file()


def test_place_face_puts_the_face_where_its_box_says() -> None:
    from ferlib.faces.blazeface import BlazeFaceDetector

    scene = np.full((480, 640, 3), 90, np.uint8)
    frame, box = place_face(scene, width=80, degrees=20, centre=(450, 200), light=0.5)
    assert frame.shape == scene.shape and frame.max() <= 128  # dimmed to half
    assert box.w == 80 and abs(box.x + 40 - 450) <= 1 and abs(box.y + 40 - 200) <= 1
    (found,) = BlazeFaceDetector().detect(frame)
    assert abs(found.x + found.w / 2 - 450) < 15 and abs(found.y + found.h / 2 - 200) < 15
    with pytest.raises(ValueError, match="light"):
        place_face(scene, light=0)
    with pytest.raises(ValueError, match="width"):
        place_face(scene, width=-1)


def test_each_portraits_face_box_holds_the_face_the_detector_finds() -> None:
    from ferlib.faces.blazeface import BlazeFaceDetector
    from ferlib.samples import portraits

    found = portraits()
    assert "grace_hopper" in found
    for name, (image, (x, y, w, h)) in found.items():
        (face,) = BlazeFaceDetector().detect(image)
        centre = (face.x + face.w / 2, face.y + face.h / 2)
        assert x < centre[0] < x + w and y < centre[1] < y + h, name
        assert 0.7 < face.w / w < 1.4, name

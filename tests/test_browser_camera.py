"""The browser-camera widget's kernel side, driven with real JPEG bytes as the browser sends them."""

from __future__ import annotations

import cv2
import pytest

from ferlib.browser_camera import BrowserCamera
from ferlib.recognizer import EmotionRecognizer
from ferlib.samples import grace_hopper

from synthetic import tiny_model


@pytest.fixture()
def camera() -> BrowserCamera:
    return BrowserCamera(EmotionRecognizer(tiny_model()))


def jpeg_of_grace_hopper(width: int = 480) -> bytes:
    portrait = cv2.imread(str(grace_hopper()))
    scaled = cv2.resize(portrait, (width, round(portrait.shape[0] * width / portrait.shape[1])))
    ok, encoded = cv2.imencode(".jpg", scaled, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return encoded.tobytes()


def test_a_frame_from_the_browser_comes_back_as_faces(camera: BrowserCamera) -> None:
    sent = []
    camera.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    camera._on_message(
        camera, {"type": "frame", "width": 480, "height": 562}, [memoryview(jpeg_of_grace_hopper())]
    )
    assert camera.frames_received == 1
    assert (
        len(sent) == 1 and sent[0]["type"] == "faces" and sent[0]["width"] == 480 and sent[0]["error"] is None
    )
    (face,) = sent[0]["faces"]
    x, y, w, h = face["box"]
    assert 150 < x + w / 2 < 330 and 100 < y + h / 2 < 260  # her face, in the 480-pixel-wide frame
    assert face["emotion"] in face["scores"] and camera.last_faces == sent[0]["faces"]


def test_a_broken_frame_is_reported_not_dropped(camera: BrowserCamera) -> None:
    sent = []
    camera.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    camera._on_message(camera, {"type": "frame", "width": 480}, [b"\xff\xd8 not really a jpeg"])
    assert sent[0]["faces"] == [] and "not a decodable JPEG" in sent[0]["error"]
    assert camera.frames_received == 1


def test_other_messages_are_ignored(camera: BrowserCamera) -> None:
    camera._on_message(camera, {"type": "hello"}, [])
    assert camera.frames_received == 0


def test_the_front_end_module_ships_with_the_package() -> None:
    esm = BrowserCamera._esm
    text = esm.read_text() if hasattr(esm, "read_text") else str(esm)
    assert "getUserMedia" in text and "msg:custom" in text and "export default" in text

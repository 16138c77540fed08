"""The page's recognizer (ferlib/static/browser_recognizer.js on LiteRT.js) against the kernel's
EmotionRecognizer on the very same pixels: same faces, boxes within a few pixels, the same emotion on at
least 95% of faces, scores within rounding. Frames: the portraits shipped with the samples at several
sizes, turned and filling the picture (the close-up pass), dimmed, four at once; and FER-2013 faces of
every emotion, enlarged. The page is offline: its files come from the installed package only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from ferlib import samples
from ferlib.browser_camera import PAGE_MODEL, PAGE_SCRIPT, RUNTIME_FILES
from ferlib.faces import blazeface
from ferlib.labels import EMOTIONS
from ferlib.recognizer import EmotionRecognizer

pytestmark = pytest.mark.browser
STATIC = Path(__file__).resolve().parents[2] / "ferlib" / "static"
ORIGIN = "http://ferlib.test"

#: In the page: LiteRT.js and the three models loaded from the package's files, then every frame (a PNG,
#: decoded without colour conversion) recognised; the faces of each frame.
RECOGNISE = """async ({frames, runtime, script, models, settings}) => {
  const litert = await import(runtime[0]);
  await litert.loadLiteRt(runtime[1]);
  const { createRecognizer } = await import(script);
  const compiled = {};
  for (const [name, url] of Object.entries(models)) {
    compiled[name] = await litert.loadAndCompile(url, {accelerator: "wasm"});
  }
  const recognizer = createRecognizer(litert, compiled, settings);
  const found = [];
  for (const url of frames) {
    const blob = await (await fetch(url)).blob();
    const bitmap = await createImageBitmap(blob, {colorSpaceConversion: "none", premultiplyAlpha: "none"});
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext("2d");
    ctx.drawImage(bitmap, 0, 0);
    found.push(await recognizer.recognize(ctx.getImageData(0, 0, bitmap.width, bitmap.height)));
  }
  return found;
}"""


def _frames(fer2013_dir: Path) -> list[np.ndarray]:
    """BGR frames with faces of every size, turn, light and emotion (see the module's docstring)."""
    frames = [
        samples.frame_with_faces(1),
        samples.frame_with_faces(4),
        samples.frame_with_faces(1, (480, 360)),
    ]
    frames.append(samples.dimmed(samples.frame_with_faces(1), 0.4))
    for portrait, face in samples.portraits().values():
        frames.append(cv2.resize(portrait, (480, round(portrait.shape[0] * 480 / portrait.shape[1]))))
        for fill, degrees in ((0.5, 0), (0.8, 12), (1.0, 0), (1.0, -15), (1.2, 5)):
            frames.append(samples.close_up(portrait, face, fill=fill, degrees=degrees, size=360)[0])
    for emotion in sorted(path for path in (fer2013_dir / "test").iterdir() if path.is_dir()):
        for path in sorted(emotion.glob("*.jpg"))[:6]:
            fer_face = np.asarray(cv2.imread(str(path)))
            frames.append(cv2.resize(fer_face, (192, 192), interpolation=cv2.INTER_LINEAR))
    return frames


@pytest.fixture(scope="module")
def both_results(browser: Any, fer2013_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """(kernel faces, page faces) for every frame, as ``FaceEmotion.to_dict()`` gives them."""
    folder = tmp_path_factory.mktemp("page-frames")
    frames = _frames(fer2013_dir)
    files = {name: STATIC / name for name in (*RUNTIME_FILES, PAGE_SCRIPT)}
    files.update(
        {f"{name}.tflite": blazeface.model_path(spec.file) for name, spec in blazeface.MODELS.items()}
    )
    files["emotion.tflite"] = PAGE_MODEL
    for index, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"{index}.png"), frame)
        files[f"frames/{index}.png"] = folder / f"{index}.png"
    context = browser.new_context()
    page = context.new_page()
    page.route("**/*", lambda route: _serve(route, files))
    page.goto(f"{ORIGIN}/")
    from ferlib.browser_camera import page_settings

    arguments = {
        "frames": [f"{ORIGIN}/frames/{index}.png" for index in range(len(frames))],
        "runtime": [f"{ORIGIN}/{name}" for name in RUNTIME_FILES[:2]],
        "script": f"{ORIGIN}/{PAGE_SCRIPT}",
        "models": {name: f"{ORIGIN}/{name}.tflite" for name in (*blazeface.MODELS, "emotion")},
        "settings": page_settings(None),
    }
    in_page = page.evaluate(RECOGNISE, arguments)
    context.close()
    kernel = EmotionRecognizer()
    yield [[face.to_dict() for face in kernel.recognize(frame)] for frame in frames], in_page


def _serve(route: Any, files: dict[str, Path]) -> None:
    name = route.request.url.removeprefix(f"{ORIGIN}/")
    if name == "":
        route.fulfill(body="<!doctype html><body></body>", content_type="text/html")
    elif name in files:
        kind = "text/javascript" if name.endswith(".js") else "application/octet-stream"
        route.fulfill(body=files[name].read_bytes(), content_type=kind)
    else:
        route.abort()  # nothing from elsewhere: the page must work offline


def test_the_page_finds_the_same_faces_as_the_kernel(both_results: Any) -> None:
    kernel, page = both_results
    assert sum(map(len, kernel)) >= 40, "too few faces found to compare"
    for index, (expected, found) in enumerate(zip(kernel, page, strict=True)):
        assert len(found) == len(expected), (
            f"frame {index}: {len(found)} faces in the page, {len(expected)} in the kernel"
        )
        for mine, theirs in zip(found, expected, strict=True):
            assert np.abs(np.subtract(mine["box"], theirs["box"])).max() <= 3, (
                index,
                mine["box"],
                theirs["box"],
            )


def test_the_page_gives_the_same_emotions_and_scores(both_results: Any) -> None:
    kernel, page = both_results
    pairs = [
        (mine, theirs)
        for found, expected in zip(page, kernel, strict=True)
        for mine, theirs in zip(found, expected, strict=True)
    ]
    same = sum(mine["emotion"] == theirs["emotion"] for mine, theirs in pairs)
    assert same >= 0.95 * len(pairs), f"the same emotion on {same} of {len(pairs)} faces"
    assert len({theirs["emotion"] for _, theirs in pairs}) >= 5  # the faces show several emotions

    def gaps(faces: list[tuple[dict[str, Any], dict[str, Any]]]) -> np.ndarray:
        return np.array(
            [abs(mine["scores"][e] - theirs["scores"][e]) for mine, theirs in faces for e in EMOTIONS]
        )

    # Scores within rounding: the model is the kernel's (float16 weights), the crops differ by a grey
    # level here and there; a box one pixel off (a close-up's average of boxes) moves them more.
    assert np.percentile(gaps(pairs), 95) <= 0.01, np.percentile(gaps(pairs), 95)
    same_boxes = [(mine, theirs) for mine, theirs in pairs if mine["box"] == theirs["box"]]
    assert len(same_boxes) >= 0.9 * len(pairs) and gaps(same_boxes).max() <= 0.02, gaps(same_boxes).max()

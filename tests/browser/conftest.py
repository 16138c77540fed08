"""A real JupyterLab in a real browser: the server, headless Chromium with a fake camera, kernel access.

The suite needs Debian's Chromium (``apt install chromium``; Playwright's own browser download is not
used) and Playwright for Python (the ``dev`` extra). Where either is missing it skips with the reason,
except in CI, where it fails. Run it alone with ``python -m pytest -m browser``.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from jupyter_lab import (
    CHROMIUM,
    BrowserPage,
    JupyterLab,
    ReverseProxy,
    reverse_proxy,
    running_lab,
    write_y4m,
)

from ferlib import samples


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests: {reason}")
    pytest.skip(reason)


def _lab(tmp_path_factory: pytest.TempPathFactory, fer2013_dir: Path, base_url: str = "/") -> Any:
    """``running_lab`` serving this repository, notebooks in quick mode, under ``base_url``."""
    if importlib.util.find_spec("jupyterlab") is None:
        _missing("JupyterLab is not installed (it comes with the dev extra)")
    environment = {"FERLIB_QUICK": "1", "FER2013_DIR": str(fer2013_dir)}
    return running_lab(tmp_path_factory.mktemp("jupyter"), environment, base_url)


@pytest.fixture(scope="session")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory, fer2013_dir: Path) -> Iterator[JupyterLab]:
    """JupyterLab on a free localhost port, serving this repository, notebooks in quick mode."""
    with _lab(tmp_path_factory, fer2013_dir) as lab:
        yield lab


@pytest.fixture(scope="session")
def hub_proxy(tmp_path_factory: pytest.TempPathFactory, fer2013_dir: Path) -> Iterator[ReverseProxy]:
    """JupyterLab as a hosted JupyterHub serves a learner's: under ``/user/learner/``, reached through a
    reverse proxy on another port that sends JupyterHub's Content-Security-Policy."""
    with _lab(tmp_path_factory, fer2013_dir, "/user/learner/") as lab, reverse_proxy(lab) as proxy:
        yield proxy


@pytest.fixture(scope="session")
def camera_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two seconds of the portrait photo, drifting sideways, as the browser's camera will see it."""
    base = samples.frame_with_faces(1)
    frames = [np.roll(base, shift, axis=1) for shift in range(-40, 40, 4)]
    return write_y4m(tmp_path_factory.mktemp("camera") / "faces.y4m", frames)


@pytest.fixture(scope="session")
def browser(camera_video: Path) -> Iterator[Any]:
    if not CHROMIUM.is_file():
        _missing(f"Chromium is not installed at {CHROMIUM} (Debian: apt install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
                "--use-fake-ui-for-media-stream",  # grant camera access without a prompt
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={camera_video}",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, jupyterlab: JupyterLab) -> Iterator[BrowserPage]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield BrowserPage(page, errors)
    context.close()
    jupyterlab.close_sessions()

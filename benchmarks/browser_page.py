"""An offline page in headless Chromium for the browser benchmarks: files served from this machine under
a made-up origin (nothing reaches the network), the fake camera playing a video if one is given."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
ORIGIN = "http://ferlib.test"


@contextmanager
def offline_page(files: Mapping[str, Path], camera_video: Path | None = None) -> Iterator[Any]:
    """A Playwright page at ``ORIGIN``/ where ``ORIGIN``/name serves ``files[name]``; every other
    request is refused, so a runtime that reaches for a CDN fails here."""
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
    if camera_video is not None:
        args.append(f"--use-file-for-fake-video-capture={camera_video}")

    def serve(route: Any) -> None:
        name = route.request.url.removeprefix(f"{ORIGIN}/").split("#")[0]
        if name == "":
            route.fulfill(body="<!doctype html><html><body></body></html>", content_type="text/html")
        elif name in files:
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            kind = "text/javascript" if name.endswith((".js", ".mjs")) else kind
            route.fulfill(body=files[name].read_bytes(), content_type=kind)
        else:
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            page = browser.new_page()
            page.route("**/*", serve)
            page.goto(f"{ORIGIN}/")
            yield page
        finally:
            browser.close()

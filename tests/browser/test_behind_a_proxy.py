"""The browser camera behind a hosted kernel's proxy: JupyterLab under ``/user/learner/``, reached only
through a reverse proxy on another port that relays HTTP and websockets and sends JupyterHub's
Content-Security-Policy (``hub_proxy``). The browser-mode and kernel-mode tests of
test_browser_camera_modes.py run here unchanged, with the lab they get swapped for the proxied one; the
page may reach nothing but the proxy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jupyter_lab import TORNADO_MAX_MESSAGE, BrowserPage, JupyterLab, ReverseProxy
from test_browser_camera_modes import (  # noqa: F401 (fixture and tests collected here, behind the proxy)
    PAGE_WIDGET,
    _faces_shown,
    _one_red_line,
    both_modes,
    test_each_failure_in_the_page_is_one_line_and_the_kernel_mode_still_works,
    test_the_page_recognises_faces_and_the_kernel_gets_no_pixels,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def jupyterlab(hub_proxy: ReverseProxy) -> JupyterLab:
    """The lab as this module's tests (and the fixtures they use) reach it: through the proxy."""
    return hub_proxy.lab


@pytest.fixture
def page(page: BrowserPage, hub_proxy: ReverseProxy) -> Iterator[BrowserPage]:
    """conftest's page, watched: a request or websocket that does not go through the proxy fails the test."""
    through = (f"{hub_proxy.lab.url}/", f"{hub_proxy.lab.url.replace('http', 'ws', 1)}/", "blob:", "data:")
    elsewhere: list[str] = []
    page.page.on(
        "request", lambda request: None if request.url.startswith(through) else elsewhere.append(request.url)
    )
    page.page.on(
        "websocket", lambda socket: None if socket.url.startswith(through) else elsewhere.append(socket.url)
    )
    yield page
    assert elsewhere == [], f"the page reached past the proxy: {elsewhere}"


def test_a_relay_with_tornados_limit_passes_the_recogniser_and_a_stricter_one_is_one_line(
    both_modes: BrowserPage,  # noqa: F811 (the fixture imported above)
    hub_proxy: ReverseProxy,
) -> None:
    """The runtime and models come a file a message, each under the 10 MiB a tornado-based relay
    (jupyter-server-proxy) lets through, about 13 MiB in all. Where a relay drops even those (1 MiB here),
    the widget says so in one line instead of loading for ever; behind tornado's limit, pressing Start
    camera again loads them and recognition runs."""
    page = both_modes.page
    widget = page.locator(PAGE_WIDGET)
    widget.scroll_into_view_if_needed()
    hub_proxy.max_message = 2**20
    try:
        widget.locator("button", has_text="Start camera").click()
        _one_red_line(widget, "the kernel has not sent the recogniser in 20 s")
    finally:
        hub_proxy.max_message = TORNADO_MAX_MESSAGE
    try:
        widget.locator("button", has_text="Start camera").click()  # JupyterLab has reconnected to the kernel
        page.wait_for_function(_faces_shown(PAGE_WIDGET), timeout=120_000)
        assert "in the page" in widget.locator(".ferlib-status").inner_text()
    finally:
        hub_proxy.max_message = None

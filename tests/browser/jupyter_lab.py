"""Helpers for the browser tests: a JupyterLab server handle, the page under test, the fake camera file,
and a reverse proxy that puts the lab behind another port as a hosted JupyterHub does."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("FERLIB_CHROMIUM", "/usr/bin/chromium"))
#: Screenshots land here (CI keeps them as artifacts); the folder is ignored by git.
ARTIFACTS = Path(os.environ.get("FERLIB_TEST_ARTIFACTS", ROOT / "test-artifacts"))


@dataclass
class JupyterLab:
    """A running JupyterLab server and the means to reach it and its kernels."""

    url: str
    token: str
    runtime_dir: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def api(self, path: str, method: str = "GET") -> Any:
        request = urllib.request.Request(
            f"{self.url}/api/{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def page_url(self, notebook: str) -> str:
        # ``reset``: a fresh workspace, so tabs restored from an earlier test cannot mix in
        return f"{self.url}/lab/tree/{notebook}?reset&token={self.token}"

    def kernel_of(self, notebook: str) -> str:
        for session in self.api("sessions"):
            if session["path"] == notebook:
                return session["kernel"]["id"]
        raise AssertionError(f"no kernel is running {notebook}")

    def evaluate(self, notebook: str, expression: str) -> Any:
        """Evaluate ``expression`` in the kernel behind ``notebook`` (as JSON), beside the browser."""
        from jupyter_client import BlockingKernelClient

        client = BlockingKernelClient(
            connection_file=str(self.runtime_dir / f"kernel-{self.kernel_of(notebook)}.json")
        )
        client.load_connection_file()
        client.start_channels()
        printed: list[str] = []

        def keep(message: dict[str, Any]) -> None:
            if message["msg_type"] == "stream":
                printed.append(message["content"]["text"])
            elif message["msg_type"] == "error":
                printed.append("\n".join(message["content"]["traceback"]))

        try:
            client.execute_interactive(f"import json; print(json.dumps({expression}))", output_hook=keep,
                                       timeout=60)  # fmt: skip
        finally:
            client.stop_channels()
        return json.loads("".join(printed))

    def close_sessions(self) -> None:
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")


@dataclass
class BrowserPage:
    """A Playwright page and every error its console or scripts reported."""

    page: Any
    errors: list[str]


def write_y4m(path: Path, frames: list[np.ndarray], fps: int = 10) -> Path:
    """Frames (BGR, even sizes) as a YUV4MPEG2 file: the format Chromium's fake camera plays, looped."""
    height, width = frames[0].shape[:2]
    with path.open("wb") as handle:
        handle.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            handle.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def open_notebook(browser_page: BrowserPage, lab: JupyterLab, notebook: str) -> Any:
    """Open ``notebook`` in JupyterLab, wait until its kernel is up and idle; its panel's locator."""
    page = browser_page.page
    page.goto(lab.page_url(notebook))
    panel = page.locator(".jp-NotebookPanel >> visible=true").first
    panel.locator(".jp-Notebook").wait_for(timeout=90_000)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        states = [s["kernel"]["execution_state"] for s in lab.api("sessions") if s["path"] == notebook]
        if states == ["idle"]:
            return panel
        time.sleep(0.5)
    raise AssertionError(f"the kernel of {notebook} never became idle")


def run_all_cells(browser_page: BrowserPage) -> None:
    """Run → Run All Cells, through the menu as a user would."""
    page = browser_page.page
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def free_port() -> int:
    """A TCP port on localhost that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_lab(home: Path, environment: dict[str, str], base_url: str = "/") -> Iterator[JupyterLab]:
    """JupyterLab on a free localhost port, serving this repository, with ``environment`` added and its
    settings, workspaces and runtime files in ``home``; stopped on leaving.

    ``base_url``: the path the server lives under, as a JupyterHub gives each user ``/user/<name>/``.
    """
    token = secrets.token_hex(16)
    port = free_port()
    env = {
        **os.environ,
        **environment,
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),  # no settings from the developer's own JupyterLab
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}", f"--ServerApp.base_url={base_url}", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT}",
        "--allow-root", "--LabApp.news_url=", "--LabApp.extension_manager=readonly",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    lab = JupyterLab(f"http://127.0.0.1:{port}{base_url.rstrip('/')}", token, home / "runtime", process)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                lab.api("status")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((home / "server.log").read_text()) from None
                time.sleep(0.5)
        yield lab
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


#: The Content-Security-Policy a JupyterHub single-user server sends on every response
#: (jupyterhub/singleuser/extension.py, since JupyterHub 4.1; configurable-http-proxy adds none).
HUB_CSP = "frame-ancestors 'none'"
#: Headers that belong to one connection, not to the request or response forwarded.
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}
#: The runtime and the models travel to the page in one comm message of about 13 MiB.
_MAX_MESSAGE = 256 * 1024 * 1024
#: The largest websocket message tornado relays by default (jupyter-server-proxy's relay keeps it).
TORNADO_MAX_MESSAGE = 10 * 1024 * 1024


@dataclass
class ReverseProxy:
    """A reverse proxy on its own port in front of a JupyterLab with a base URL, as a hosted JupyterHub's
    configurable-http-proxy stands between the browser and a learner's server: the path (prefix
    included) and the Host header forwarded unchanged, X-Forwarded-* headers added, websockets relayed
    message by message, and every response's Content-Security-Policy set to ``csp``. ``csp`` and
    ``max_message`` may change while it runs."""

    lab: JupyterLab  #: the lab as the browser reaches it: through the proxy
    upstream: str  #: the server's own address, ``scheme://host:port``
    csp: str = HUB_CSP
    #: The largest message relayed from the server (None: any); a larger one closes both websockets
    #: with 1009 (message too big), as a tornado relay does past its limit.
    max_message: int | None = None


def _forwarded(request: Any, drop: set[str] = _HOP_BY_HOP) -> Any:
    """The headers of ``request`` (a tornado request) as the proxy passes them on: those in ``drop`` out,
    X-Forwarded-* in (configurable-http-proxy's default)."""
    from tornado.httputil import HTTPHeaders

    headers = HTTPHeaders()
    for name, value in request.headers.get_all():
        if name.lower() not in drop:
            headers.add(name, value)
    headers.update(
        {"X-Forwarded-For": request.remote_ip, "X-Forwarded-Proto": "http", "X-Forwarded-Host": request.host}
    )
    return headers


def _proxy_app(proxy: ReverseProxy, prefix: str) -> Any:
    """The tornado application that forwards ``prefix`` (HTTP and websockets) to ``proxy.upstream``."""
    import asyncio

    import tornado.httpclient
    import tornado.routing
    import tornado.web
    import tornado.websocket

    client = tornado.httpclient.AsyncHTTPClient(
        force_instance=True, max_clients=64, max_body_size=_MAX_MESSAGE
    )

    class Forward(tornado.web.RequestHandler):
        SUPPORTED_METHODS = ("GET", "HEAD", "POST", "DELETE", "PATCH", "PUT", "OPTIONS")

        async def _forward(self) -> None:
            request = self.request
            response = await client.fetch(
                tornado.httpclient.HTTPRequest(
                    proxy.upstream + request.uri, method=request.method,
                    headers=_forwarded(request), body=request.body or None,
                    follow_redirects=False, decompress_response=False, allow_nonstandard_methods=True,
                    request_timeout=300,
                ),
                raise_error=False,
            )  # fmt: skip
            if response.code == 599:  # the server cannot be reached: what configurable-http-proxy answers
                raise tornado.web.HTTPError(503, f"proxy target missing: {response.error}")
            self.set_status(response.code, response.reason)
            copied: set[str] = set()  # the server's headers replace tornado's defaults (Content-Type, Server)
            for name, value in response.headers.get_all():
                if name.lower() not in _HOP_BY_HOP | {"content-length", "content-security-policy"}:
                    (self.add_header if name in copied else self.set_header)(name, value)
                    copied.add(name)
            self.set_header("Content-Security-Policy", proxy.csp)
            if response.body and response.code not in (204, 304) and request.method != "HEAD":
                self.write(response.body)

        get = head = post = delete = patch = put = options = _forward

    class ForwardSocket(tornado.websocket.WebSocketHandler):
        upstream: tornado.websocket.WebSocketClientConnection

        async def get(self, *args: Any, **kwargs: Any) -> None:
            """Connect to the server first, so the browser's handshake can take the subprotocol it chose."""
            drop = _HOP_BY_HOP | {"sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions"}
            offered = self.request.headers.get("Sec-WebSocket-Protocol", "")
            target = proxy.upstream.replace("http", "ws", 1) + self.request.uri
            try:
                self.upstream = await tornado.websocket.websocket_connect(
                    tornado.httpclient.HTTPRequest(target, headers=_forwarded(self.request, drop)),
                    max_message_size=_MAX_MESSAGE,
                    subprotocols=[name.strip() for name in offered.split(",") if name.strip()] or None,
                )
            except tornado.httpclient.HTTPClientError as refused:  # e.g. 403 for a wrong token: passed on
                self.set_status(refused.code)
                self.finish()
                return
            await super().get(*args, **kwargs)

        def select_subprotocol(self, subprotocols: list[str]) -> str | None:
            return self.upstream.selected_subprotocol

        def check_origin(self, origin: str) -> bool:
            return True  # the server behind checks the origin, as behind configurable-http-proxy

        def open(self, *args: str, **kwargs: str) -> None:
            self._relay = asyncio.ensure_future(self._from_server())  # kept: a task nobody holds may vanish

        async def _from_server(self) -> None:
            while (message := await self.upstream.read_message()) is not None:
                if proxy.max_message is not None and len(message) > proxy.max_message:
                    self.upstream.close(1009, "message too big")
                    self.close(1009, "message too big")
                    return
                try:
                    await self.write_message(message, binary=isinstance(message, bytes))
                except tornado.websocket.WebSocketClosedError:
                    return
            self.close()

        async def on_message(self, message: str | bytes) -> None:
            await self.upstream.write_message(message, binary=isinstance(message, bytes))

        def on_close(self) -> None:
            self.upstream.close()

    class Handshake(tornado.routing.Matcher):  # a websocket's opening request under the prefix
        def match(self, request: Any) -> dict[str, Any] | None:
            upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
            return {} if upgrade and request.path.startswith(prefix) else None

    rules = [
        tornado.routing.Rule(Handshake(), ForwardSocket),
        tornado.routing.Rule(tornado.routing.PathMatches(f"{prefix}.*"), Forward),
    ]
    return tornado.web.Application(rules, websocket_max_message_size=_MAX_MESSAGE)


@contextmanager
def reverse_proxy(lab: JupyterLab, csp: str = HUB_CSP) -> Iterator[ReverseProxy]:
    """A ``ReverseProxy`` in front of ``lab`` (served with a base URL), on a thread of its own, on a free
    localhost port; stopped on leaving. Only the lab's base URL is forwarded (anything else: 404)."""
    import asyncio
    import threading
    import urllib.parse

    import tornado.httpserver

    address = urllib.parse.urlsplit(lab.url)
    port = free_port()
    proxy = ReverseProxy(
        replace(lab, url=f"http://127.0.0.1:{port}{address.path}"),
        f"{address.scheme}://{address.netloc}",
        csp,
    )
    started = threading.Event()
    loop: asyncio.AbstractEventLoop | None = None
    stop: asyncio.Event | None = None

    async def serve() -> None:
        nonlocal loop, stop
        loop, stop = asyncio.get_running_loop(), asyncio.Event()
        server = tornado.httpserver.HTTPServer(
            _proxy_app(proxy, address.path + "/"), max_body_size=_MAX_MESSAGE
        )
        server.listen(port, "127.0.0.1")
        started.set()
        await stop.wait()
        server.stop()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), name="reverse-proxy", daemon=True)
    thread.start()
    if not started.wait(30):
        raise AssertionError("the reverse proxy did not start")
    try:
        yield proxy
    finally:
        assert loop is not None and stop is not None
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)

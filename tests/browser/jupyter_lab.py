"""Helpers for the browser tests: a JupyterLab server handle, the page under test, the fake camera file."""

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
from dataclasses import dataclass, field
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


@contextmanager
def running_lab(home: Path, environment: dict[str, str]) -> Iterator[JupyterLab]:
    """JupyterLab on a free localhost port, serving this repository, with ``environment`` added and its
    settings, workspaces and runtime files in ``home``; stopped on leaving."""
    token = secrets.token_hex(16)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
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
        f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}",
        "--allow-root", "--LabApp.news_url=", "--LabApp.extension_manager=readonly",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    lab = JupyterLab(f"http://127.0.0.1:{port}", token, home / "runtime", process)
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

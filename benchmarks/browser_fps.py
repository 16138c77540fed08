"""Frames per second of ``BrowserCamera`` in each mode, on the same video, in headless Chromium; and how
much the in-page mode adds to the package.

JupyterLab serves a notebook holding one camera of each mode (``where="browser"`` and ``"kernel"``, both
allowed ``--max-fps`` frames a second); Chromium's fake camera plays the tests' video (the portrait
drifting sideways, 640x480), and each mode runs alone for ``--seconds`` after a warm-up, ``--rounds``
times, alternating. A frame counts once its faces are drawn: in the browser mode recognised in the
page, in the kernel mode sent as a JPEG, recognised by the kernel and answered.

Package size: the bytes of ``ferlib/`` tracked by git before the in-page mode (``--before``, a commit),
and the files the in-page mode added to ``ferlib/static/``, as they are and deflated as a wheel stores
them (other changes to ``ferlib/`` since that commit are not counted).

Run:  python benchmarks/browser_fps.py [--seconds 20] [--rounds 2]
Writes benchmarks/results/browser_fps.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
from browser_page import CHROMIUM

from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine
from ferlib.samples import frame_with_faces

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from jupyter_lab import BrowserPage, open_notebook, run_all_cells, running_lab, write_y4m  # noqa: E402

RESULTS = Path(__file__).with_name("results") / "browser_fps.json"
NOTEBOOK = "test-artifacts/browser_fps.ipynb"
#: The commit before the in-page mode (the last one without ferlib/static/litert).
BEFORE = "c8346c4"


def package_bytes(commit: str | None) -> dict[str, int]:
    """Every file of ``ferlib/`` tracked by git at ``commit`` (the working tree's if None) and its size."""
    if commit is None:
        names = subprocess.run(
            ["git", "ls-files", "ferlib"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        return {name: (ROOT / name).stat().st_size for name in names.stdout.split()}
    tree = subprocess.run(
        ["git", "ls-tree", "-r", "-l", commit, "ferlib"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return {line.split()[-1]: int(line.split()[-2]) for line in tree.stdout.splitlines()}


def package_size(before: str) -> dict[str, Any]:
    old, new = package_bytes(before), package_bytes(None)
    added = sorted(name for name in set(new) - set(old) if name.startswith("ferlib/static/"))
    deflated = sum(len(zlib.compress((ROOT / name).read_bytes(), 6)) for name in added)
    mib = 2**20
    return {
        "before_commit": before,
        "ferlib_mib_before": round(sum(old.values()) / mib, 2),
        "ferlib_mib_after": round((sum(old.values()) + sum(new[name] for name in added)) / mib, 2),
        "added_files": {name: new[name] for name in added},
        "added_mib": round(sum(new[name] for name in added) / mib, 2),
        "added_mib_deflated": round(deflated / mib, 2),
    }


def measure_mode(page: Any, where: str, seconds: float) -> float:
    """Frames drawn per second by the camera of mode ``where`` (started, warmed up, timed, stopped)."""
    widget = page.locator(f".ferlib-browser-camera[data-where={where}]")
    widget.scroll_into_view_if_needed()
    widget.locator("button").click()
    selector = f".ferlib-browser-camera[data-where={where}]"
    shown = f"() => Number(document.querySelector('{selector}').dataset.frames || 0)"
    page.wait_for_function(f"() => ({shown})() >= 5", timeout=120_000)
    first, start = page.evaluate(shown), time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    last, took = page.evaluate(shown), time.monotonic() - start
    widget.locator("button", has_text="Stop camera").click()
    return (last - first) / took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--max-fps", type=float, default=30)
    parser.add_argument("--before", default=BEFORE)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    base = frame_with_faces(1)
    home = Path(tempfile.mkdtemp(prefix="ferlib-browser-fps-"))
    video = write_y4m(home / "faces.y4m", [np.roll(base, shift, axis=1) for shift in range(-40, 40, 4)])
    cells = [
        "from ferlib.browser_camera import BrowserCamera\n"
        f'camera = BrowserCamera(where="browser", max_fps={args.max_fps})\ncamera',
        f"kernel_camera = BrowserCamera(max_fps={args.max_fps})\nkernel_camera",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (ROOT / NOTEBOOK).parent.mkdir(exist_ok=True)
    nbformat.write(notebook, ROOT / NOTEBOOK)
    rates: dict[str, list[float]] = {"browser": [], "kernel": []}
    try:
        with running_lab(home, {}) as lab, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=["--no-sandbox", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                      f"--use-file-for-fake-video-capture={video}"],
            )  # fmt: skip
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            open_notebook(BrowserPage(page, []), lab, NOTEBOOK)
            run_all_cells(BrowserPage(page, []))
            page.locator(".ferlib-browser-camera[data-where=kernel] button").wait_for(timeout=180_000)
            for _ in range(args.rounds):
                for where in rates:
                    rates[where].append(round(measure_mode(page, where, args.seconds), 2))
                    print(where, rates[where][-1], "frames/s")
            browser.close()
    finally:
        (ROOT / NOTEBOOK).unlink(missing_ok=True)
    report = {
        "machine": describe_machine(),
        "browser": f"headless {CHROMIUM.name}, fake camera 640x480 at 10 frames/s, frames scaled to 480 wide",
        "max_fps": args.max_fps,
        "seconds_per_round": args.seconds,
        "frames_per_second": {
            where: {"rounds": values, "median": float(np.median(values))} for where, values in rates.items()
        },
        "package": package_size(args.before),
    }
    print(json.dumps(report["package"], indent=1))
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

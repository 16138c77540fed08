"""``import ferlib`` leaves the process as it found it: environment, import hooks, logging, open file
descriptors. Quieting TensorFlow's start-up lines is an explicit call (``ferlib.quiet_tensorflow()``),
made by the command line and by every notebook's first cell."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ferlib._quiet import _STARTUP_LINE

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

#: Run in a fresh interpreter: the process's state before and after importing the modules in argv.
SNAPSHOT = """
import json, logging, os, sys, warnings

def fds():
    found = {}
    for name in os.listdir("/dev/fd"):
        try:
            found[name] = os.readlink(f"/dev/fd/{name}")
        except OSError:  # the listing's own descriptor, closed by now
            pass
    return found

def state():
    root = logging.getLogger()
    return {
        "environ": dict(os.environ),
        "meta_path": [repr(finder) for finder in sys.meta_path],
        "path_hooks": [repr(hook) for hook in sys.path_hooks],
        "root_handlers": [repr(handler) for handler in root.handlers],
        "root_level": root.level,
        "logging_disabled": logging.root.manager.disable,
        "fds": fds(),
    }

before = state()
for module in sys.argv[1:]:
    __import__(module)
print(json.dumps({"before": before, "after": state()}))
"""


def _snapshot(
    *modules: str, preloaded: list[str] | tuple[()] = (), path: Path | None = None
) -> dict[str, dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "FERLIB_VERBOSE")}
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(path), env.get("PYTHONPATH")]))
    code = "".join(f"import {name}\n" for name in preloaded) + SNAPSHOT
    result = subprocess.run([sys.executable, "-c", code, *modules], capture_output=True, text=True,
                            timeout=300, check=False, env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.skipif(not Path("/dev/fd").is_dir(), reason="lists open files through /dev/fd (Linux, macOS)")
@pytest.mark.parametrize(
    ("preloaded", "modules"),
    [
        ([], ["ferlib"]),
        # OpenCV's own import prepends its library folder to LD_LIBRARY_PATH, as it does for anyone who
        # imports cv2; the data modules use it, so it is imported first here: what is left is ferlib's.
        (["cv2"], ["ferlib", "ferlib.cli", "ferlib.data", "ferlib.course", "ferlib.errors"]),
    ],
)
def test_importing_ferlib_changes_nothing_in_the_process(preloaded: list[str], modules: list[str]) -> None:
    snapshot = _snapshot(*modules, preloaded=preloaded)
    before, after = snapshot["before"], snapshot["after"]
    assert set(before) == set(after)
    for key in before:
        assert after[key] == before[key], key


def test_the_snapshot_sees_what_quieting_changes(tmp_path: Path) -> None:
    """The comparison above would catch the quieting if an import did it again."""
    (tmp_path / "quiet_on_import.py").write_text("import ferlib\nferlib.quiet_tensorflow()\n")
    snapshot = _snapshot("ferlib", "quiet_on_import", path=tmp_path)
    before, after = snapshot["before"], snapshot["after"]
    assert after["environ"]["TF_CPP_MIN_LOG_LEVEL"] == "3"  # type: ignore[index]
    assert "TF_CPP_MIN_LOG_LEVEL" not in before["environ"]  # type: ignore[operator]
    assert len(after["meta_path"]) == len(before["meta_path"]) + 1  # type: ignore[arg-type]


def test_quiet_tensorflow_keeps_the_start_up_lines_away() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "FERLIB_VERBOSE")}
    code = "import ferlib\nferlib.quiet_tensorflow()\nimport tensorflow\nprint(tensorflow.__version__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                            check=False, env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    start_up = [line for line in result.stderr.splitlines() if _STARTUP_LINE.match(line.encode())]
    assert start_up == [], result.stderr


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda path: path.stem)
def test_every_notebook_quiets_tensorflow_in_its_first_cell(notebook: Path) -> None:
    """The kernel forwards native standard error to the page: without the call, TensorFlow's start-up
    notes would land in the outputs."""
    cells = [cell for cell in json.loads(notebook.read_text())["cells"] if cell["cell_type"] == "code"]
    first = "".join(cells[0]["source"])
    assert "\nferlib.quiet_tensorflow()" in first

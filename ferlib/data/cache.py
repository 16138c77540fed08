"""A compressed ``.npz`` cache of decoded FER-2013, keyed by the source's file list and sizes."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ferlib.data.records import RawData, Skipped
from ferlib.io import atomic_path

CACHE_ENV_VAR = "FERLIB_CACHE_DIR"
#: Bump when the decoding changes, so old caches are not reused.
FORMAT_VERSION = "ferlib-fer2013-v1"


def cache_dir() -> Path:
    """``FERLIB_CACHE_DIR``, else ``$XDG_CACHE_HOME/ferlib``, else ``~/.cache/ferlib``."""
    explicit = os.environ.get(CACHE_ENV_VAR, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "ferlib"


def fingerprint(entries: Iterable[tuple[str, int]]) -> str:
    """A short hash of (name, size) pairs: changes whenever a file is added, removed or resized."""
    digest = hashlib.sha256(FORMAT_VERSION.encode())
    for name, size in sorted(entries):
        digest.update(f"{name}\t{size}\n".encode())
    return digest.hexdigest()[:16]


def cache_path(key: str, directory: Path | None = None) -> Path:
    return (directory or cache_dir()) / f"fer2013-{key}.npz"


def load(key: str, directory: Path | None = None) -> RawData | None:
    """The cached data for ``key``, or ``None`` when there is none or it cannot be read."""
    path = cache_path(key, directory)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            return RawData(
                images=stored["images"],
                labels=stored["labels"],
                splits=stored["splits"],
                sources=stored["sources"],
                converted=stored["converted"].tolist(),
                skipped=[Skipped(str(s), str(r)) for s, r in stored["skipped"].reshape(-1, 2)],
            )
    except (OSError, ValueError, KeyError, EOFError):
        return None  # a damaged cache is rebuilt from the source, never trusted


def save(key: str, raw: RawData, directory: Path | None = None) -> Path:
    """Write ``raw`` atomically to the cache file for ``key`` and return its path."""
    path = cache_path(key, directory)
    skipped = np.array([(s.source, s.reason) for s in raw.skipped], dtype=str).reshape(-1, 2)
    with atomic_path(path) as tmp:
        np.savez_compressed(
            tmp,
            images=raw.images,
            labels=raw.labels,
            splits=raw.splits,
            sources=raw.sources,
            converted=np.array(raw.converted, dtype=str),
            skipped=skipped,
        )
    return path

"""Read FER-2013 from image folders: Kaggle's ``train/``, ``test/`` layout and its relatives.

The split of each file comes from its name where it has the challenge's prefix
(``Training_``, ``PublicTest_``, ``PrivateTest_``: Kaggle's ``msambare/fer2013`` keeps them),
else from its folder: ``train/`` is Training, ``validation/`` or ``val/`` is PublicTest and
``test/`` is PrivateTest.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ferlib.data.decode import IMAGE_SUFFIXES, decode_face
from ferlib.data.records import SPLITS, RawData, Skipped
from ferlib.errors import DatasetFormatError, UnreadableImageError
from ferlib.imageops import FACE_SIZE
from ferlib.labels import EMOTIONS

#: Split folder name -> the split its un-prefixed files belong to.
SPLIT_FOLDERS: dict[str, str] = {
    "train": "Training",
    "validation": "PublicTest",
    "val": "PublicTest",
    "test": "PrivateTest",
}
#: Operating-system clutter that is never data (hidden files, starting with ".", are ignored too).
IGNORED_FILES: frozenset[str] = frozenset({"thumbs.db", "desktop.ini"})


@dataclass(frozen=True)
class ImageFile:
    """One image of a folder data set, before it is read."""

    path: Path
    relative: str
    split: int  # index into SPLITS
    label: int  # index into EMOTIONS
    size: int  # bytes


def is_folder_dataset(root: Path) -> bool:
    """Whether ``root`` holds at least one of the split folders."""
    return root.is_dir() and any((root / name).is_dir() for name in SPLIT_FOLDERS)


def list_images(root: Path) -> tuple[list[ImageFile], list[Skipped]]:
    """Every image under ``root``'s split folders, plus the non-image files found there.

    Raises ``DatasetFormatError`` for an unknown class folder or an empty split or class folder.
    """
    files: list[ImageFile] = []
    skipped: list[Skipped] = []
    for split_dir in sorted(p for p in root.iterdir() if p.is_dir() and p.name in SPLIT_FOLDERS):
        split_files = _list_split(root, split_dir, skipped)
        if not split_files:
            raise DatasetFormatError(
                f"{split_dir}: empty split folder, expected <emotion>/ folders of images"
            )
        files.extend(split_files)
    return files, skipped


def _list_split(root: Path, split_dir: Path, skipped: list[Skipped]) -> list[ImageFile]:
    files: list[ImageFile] = []
    for entry in sorted(os.scandir(split_dir), key=lambda e: e.name):
        if _ignored(entry.name):
            continue
        if not entry.is_dir():
            skipped.append(Skipped(_relative(root, entry.path), "file outside an <emotion>/ folder"))
            continue
        label_name = entry.name.lower()
        if label_name not in EMOTIONS:
            raise DatasetFormatError(
                f"{entry.path}: unknown class folder {entry.name!r}; expected only {', '.join(EMOTIONS)}"
            )
        class_files = _list_class(
            root, Path(entry.path), SPLIT_FOLDERS[split_dir.name], EMOTIONS.index(label_name), skipped
        )
        if not class_files:
            raise DatasetFormatError(f"{entry.path}: empty class folder, expected {entry.name} images")
        files.extend(class_files)
    return files


def _list_class(
    root: Path, class_dir: Path, folder_split: str, label: int, skipped: list[Skipped]
) -> list[ImageFile]:
    files: list[ImageFile] = []
    for entry in sorted(os.scandir(class_dir), key=lambda e: e.name):
        if _ignored(entry.name):
            continue
        relative = _relative(root, entry.path)
        if not entry.is_file() or Path(entry.name).suffix.lower() not in IMAGE_SUFFIXES:
            skipped.append(Skipped(relative, "not an image file"))
            continue
        split = _split_from_name(entry.name) or folder_split
        files.append(ImageFile(Path(entry.path), relative, SPLITS.index(split), label, entry.stat().st_size))
    return files


def _split_from_name(name: str) -> str | None:
    prefix = name.split("_", 1)[0]
    return prefix if prefix in SPLITS else None


def _ignored(name: str) -> bool:
    return name.startswith(".") or name.lower() in IGNORED_FILES


def _relative(root: Path, path: str) -> str:
    return Path(path).relative_to(root).as_posix()


def read_images(
    files: list[ImageFile], skipped: list[Skipped], progress: Callable[[int], object] | None = None
) -> RawData:
    """Decode ``files`` in parallel threads (OpenCV releases the GIL) into one ``RawData``."""
    images = np.empty((len(files), FACE_SIZE, FACE_SIZE), dtype=np.uint8)
    ok = np.zeros(len(files), dtype=bool)
    converted: list[str] = []
    unreadable: list[Skipped] = []

    def read_one(index: int) -> None:
        file = files[index]
        try:
            face, was_converted = decode_face(file.path.read_bytes())
        except (OSError, UnreadableImageError) as error:
            unreadable.append(Skipped(file.relative, str(error)))
        else:
            images[index] = face
            ok[index] = True
            if was_converted:
                converted.append(file.relative)

    with ThreadPoolExecutor(max_workers=min(8, 2 * (os.cpu_count() or 1))) as pool:
        for _ in pool.map(read_one, range(len(files))):
            if progress is not None:
                progress(1)
    kept = [f for f, good in zip(files, ok, strict=True) if good]
    return RawData(
        images=images[ok],
        labels=np.array([f.label for f in kept], dtype=np.uint8),
        splits=np.array([f.split for f in kept], dtype=np.uint8),
        sources=np.array([f.relative for f in kept], dtype=str),
        converted=sorted(converted),
        skipped=skipped + sorted(unreadable, key=lambda s: s.source),
    )

"""Read and write the original ``fer2013.csv``: columns ``emotion,pixels,Usage``.

``emotion`` is 0..6 in FER-2013's numbering (the same as ``ferlib.labels.EMOTIONS``), ``pixels`` is
2304 space-separated values 0..255 (48x48, row by row), and ``Usage`` is Training, PublicTest or
PrivateTest. Header names are matched without regard to case or surrounding spaces, so the variant
``emotion, Usage, pixels`` (Kaggle's ``icml_face_data.csv``) reads too.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ferlib.data.records import SPLITS, RawData
from ferlib.errors import DatasetFormatError
from ferlib.imageops import FACE_SIZE
from ferlib.io import atomic_path
from ferlib.labels import EMOTIONS

CSV_NAMES: tuple[str, ...] = ("fer2013.csv", "icml_face_data.csv")
REQUIRED_COLUMNS: tuple[str, ...] = ("emotion", "pixels", "usage")
_PIXELS = FACE_SIZE * FACE_SIZE


def find_csv(root: Path) -> Path | None:
    """``root`` itself if it is a CSV file, else the first known FER-2013 CSV inside it."""
    if root.is_file() and root.suffix.lower() == ".csv":
        return root
    for name in CSV_NAMES:
        if (root / name).is_file():
            return root / name
    return None


def read_csv(path: Path, progress: Callable[[int], object] | None = None) -> RawData:
    """Parse a FER-2013 CSV; ``DatasetFormatError`` naming the line for any malformed row."""
    images: list[np.ndarray] = []
    labels: list[int] = []
    splits: list[int] = []
    sources: list[str] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise DatasetFormatError(f"{path}: empty file, expected a header {','.join(REQUIRED_COLUMNS)}")
        columns = _column_positions(path, header)
        for row in reader:
            line = reader.line_num
            if not row:
                continue
            image, label, split = _parse_row(path, line, row, columns)
            images.append(image)
            labels.append(label)
            splits.append(split)
            sources.append(f"{path.name}:{line}")
            if progress is not None:
                progress(1)
    if not images:
        raise DatasetFormatError(f"{path}: no data rows after the header")
    return RawData(
        images=np.stack(images),
        labels=np.array(labels, dtype=np.uint8),
        splits=np.array(splits, dtype=np.uint8),
        sources=np.array(sources, dtype=str),
    )


def _column_positions(path: Path, header: list[str]) -> dict[str, int]:
    names = [name.strip().lower() for name in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        raise DatasetFormatError(
            f"{path}: missing column(s) {', '.join(missing)}; expected a header with "
            f"emotion, pixels and Usage, found {', '.join(header)}"
        )
    return {column: names.index(column) for column in REQUIRED_COLUMNS}


def _parse_row(path: Path, line: int, row: list[str], columns: dict[str, int]) -> tuple[np.ndarray, int, int]:
    where = f"{path}, line {line}"
    if len(row) <= max(columns.values()):
        raise DatasetFormatError(
            f"{where}: expected at least {max(columns.values()) + 1} fields, found {len(row)}"
        )
    emotion = row[columns["emotion"]].strip()
    if emotion not in {str(i) for i in range(len(EMOTIONS))}:
        raise DatasetFormatError(f"{where}: emotion {emotion!r} is not an integer 0..{len(EMOTIONS) - 1}")
    usage = row[columns["usage"]].strip()
    if usage not in SPLITS:
        raise DatasetFormatError(f"{where}: Usage {usage!r} is not one of {', '.join(SPLITS)}")
    values = row[columns["pixels"]].split()
    if len(values) != _PIXELS:
        raise DatasetFormatError(f"{where}: expected {_PIXELS} pixel values (48x48), found {len(values)}")
    try:
        pixels = np.array(values, dtype=np.int64)
    except ValueError:
        raise DatasetFormatError(f"{where}: pixels must be whole numbers 0..255") from None
    if pixels.min() < 0 or pixels.max() > 255:
        raise DatasetFormatError(
            f"{where}: pixel values must lie in 0..255, found {pixels.min()}..{pixels.max()}"
        )
    return pixels.astype(np.uint8).reshape(FACE_SIZE, FACE_SIZE), int(emotion), SPLITS.index(usage)


def write_csv(path: Path, images: np.ndarray, labels: np.ndarray, splits: np.ndarray) -> None:
    """Write faces in the original ``fer2013.csv`` format (``splits`` indexes ``SPLITS``)."""
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["emotion", "pixels", "Usage"])
        for image, label, split in zip(images, labels, splits, strict=True):
            writer.writerow([int(label), " ".join(map(str, image.reshape(-1).tolist())), SPLITS[int(split)]])

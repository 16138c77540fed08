"""The plain arrays every FER-2013 reader produces, whatever the source format."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: The canonical FER-2013 splits, in the challenge's order.
SPLITS: tuple[str, ...] = ("Training", "PublicTest", "PrivateTest")


@dataclass(frozen=True)
class Skipped:
    """An input left out of the data set, and why."""

    source: str
    reason: str


@dataclass
class RawData:
    """Images, labels and split of every face read from a source, plus what was converted or left out."""

    images: np.ndarray  # (N, 48, 48) uint8
    labels: np.ndarray  # (N,) uint8, index into ferlib.labels.EMOTIONS
    splits: np.ndarray  # (N,) uint8, index into SPLITS
    sources: np.ndarray  # (N,) str: file path relative to the root, or "file.csv:line"
    converted: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

"""The data set in memory: ``Split`` (one split's faces, labels and sources) and ``FER2013`` (the three
splits and how they were read). Plain containers with no reading logic, so that what reads the data
(``ferlib.data.dataset``) and what inspects it (``ferlib.data.duplicates``) both build on them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ferlib.data.locate import DataLocation
from ferlib.data.records import SPLITS, Skipped
from ferlib.errors import UnknownSplitError
from ferlib.labels import EMOTIONS


@dataclass(frozen=True)
class Split:
    """One split: ``images`` (N, 48, 48) uint8, ``labels`` (N,) indices into ``EMOTIONS``, and
    ``sources``, where each image came from."""

    name: str
    images: np.ndarray
    labels: np.ndarray
    sources: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def class_counts(self) -> dict[str, int]:
        """Images per emotion, every emotion listed."""
        counts = np.bincount(self.labels, minlength=len(EMOTIONS))
        return {emotion: int(count) for emotion, count in zip(EMOTIONS, counts, strict=True)}

    def subset(self, indices: np.ndarray) -> Split:
        """The images at ``indices`` (an index array or a boolean mask), as a new split."""
        return Split(self.name, self.images[indices], self.labels[indices], self.sources[indices])


@dataclass(frozen=True)
class FER2013:
    """FER-2013 in memory: the three canonical splits and a record of how they were read."""

    location: DataLocation
    fingerprint: str
    splits: dict[str, Split]
    converted: tuple[str, ...]
    skipped: tuple[Skipped, ...]

    def __getitem__(self, name: str) -> Split:
        if name not in self.splits:
            raise UnknownSplitError(f"unknown split {name!r}; expected one of {', '.join(SPLITS)}")
        return self.splits[name]

    @property
    def training(self) -> Split:
        return self.splits["Training"]

    @property
    def public_test(self) -> Split:
        return self.splits["PublicTest"]

    @property
    def private_test(self) -> Split:
        return self.splits["PrivateTest"]

    def __len__(self) -> int:
        return sum(len(split) for split in self.splits.values())

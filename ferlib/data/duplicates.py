"""Exact duplicates: faces whose 2304 pixels occur more than once, within and across splits."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ferlib.data.records import SPLITS
from ferlib.data.splits import FER2013, Split


@dataclass(frozen=True)
class DuplicateGroup:
    """One set of identical images: (split, index within split) of each copy."""

    members: tuple[tuple[str, int], ...]

    @property
    def splits(self) -> frozenset[str]:
        return frozenset(split for split, _ in self.members)

    @property
    def crosses_splits(self) -> bool:
        return len(self.splits) > 1


@dataclass(frozen=True)
class DuplicateReport:
    """Every group of identical images in a data set."""

    groups: tuple[DuplicateGroup, ...]

    @property
    def within_split(self) -> tuple[DuplicateGroup, ...]:
        return tuple(g for g in self.groups if not g.crosses_splits)

    @property
    def cross_split(self) -> tuple[DuplicateGroup, ...]:
        return tuple(g for g in self.groups if g.crosses_splits)

    @property
    def redundant_images(self) -> int:
        """Images that could go while keeping one copy of each."""
        return sum(len(g.members) - 1 for g in self.groups)

    def summary(self) -> str:
        return (
            f"{len(self.groups)} groups of identical images ({self.redundant_images} redundant copies): "
            f"{len(self.within_split)} within one split, {len(self.cross_split)} across splits"
        )


def find_duplicates(dataset: FER2013) -> DuplicateReport:
    """Group the images of all splits by identical pixels."""
    names = [name for name in SPLITS if len(dataset[name])]
    images = np.concatenate([dataset[name].images for name in names])
    owners = [(name, i) for name in names for i in range(len(dataset[name]))]
    rows = np.ascontiguousarray(images.reshape(len(images), -1))
    keys = rows.view(np.dtype((np.void, rows.shape[1]))).ravel()
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    repeated = np.flatnonzero(counts[inverse] > 1)
    groups: dict[int, list[tuple[str, int]]] = {}
    for index in repeated:
        groups.setdefault(int(inverse[index]), []).append(owners[index])
    ordered = sorted((tuple(members) for members in groups.values()), key=lambda m: m[0])
    return DuplicateReport(tuple(DuplicateGroup(members) for members in ordered))


def without_cross_split_duplicates(dataset: FER2013) -> FER2013:
    """A copy of ``dataset`` whose Training split keeps no image that also occurs in a test split."""
    leaked = {
        index
        for group in find_duplicates(dataset).cross_split
        for split, index in group.members
        if split == "Training"
    }
    training: Split = dataset.training
    keep = np.setdiff1d(np.arange(len(training)), np.fromiter(leaked, dtype=np.int64, count=len(leaked)))
    splits = {**dataset.splits, "Training": training.subset(keep)}
    return replace(dataset, splits=splits)

"""FER-2013 as people download it: the real files, read exactly."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from ferlib.data import FER2013, SPLITS, find_duplicates, load_fer2013, write_csv
from ferlib.labels import EMOTIONS

# The published composition of FER-2013 (Goodfellow et al., 2013), per split and emotion.
EXPECTED_COUNTS = {
    "Training": {
        "angry": 3995,
        "disgust": 436,
        "fear": 4097,
        "happy": 7215,
        "sad": 4830,
        "surprise": 3171,
        "neutral": 4965,
    },
    "PublicTest": {
        "angry": 467,
        "disgust": 56,
        "fear": 496,
        "happy": 895,
        "sad": 653,
        "surprise": 415,
        "neutral": 607,
    },
    "PrivateTest": {
        "angry": 491,
        "disgust": 55,
        "fear": 528,
        "happy": 879,
        "sad": 594,
        "surprise": 416,
        "neutral": 626,
    },
}


def test_split_sizes_and_class_counts(real_dataset: FER2013) -> None:
    assert [len(real_dataset[name]) for name in SPLITS] == [28709, 3589, 3589]
    for name in SPLITS:
        assert real_dataset[name].class_counts() == EXPECTED_COUNTS[name]
    assert real_dataset.skipped == () and real_dataset.converted == ()


def test_arrays_are_uint8_faces(real_dataset: FER2013) -> None:
    for name in SPLITS:
        split = real_dataset[name]
        assert split.images.dtype == np.uint8 and split.images.shape == (len(split), 48, 48)
        assert split.labels.dtype == np.uint8
        assert all(source.split("/")[-1].startswith(name + "_") for source in split.sources[:50])
    assert sum(split.images.nbytes for split in real_dataset.splits.values()) == 35887 * 48 * 48


@pytest.mark.parametrize("split_name", SPLITS)
def test_pixels_match_opencv(real_dataset: FER2013, fer2013_dir: Path, split_name: str) -> None:
    split = real_dataset[split_name]
    for index in (0, len(split) // 2, len(split) - 1):
        expected = cv2.imread(str(fer2013_dir / split.sources[index]), cv2.IMREAD_GRAYSCALE)
        np.testing.assert_array_equal(split.images[index], expected)
        assert split.sources[index].split("/")[1] == EMOTIONS[split.labels[index]]


def test_cache_gives_identical_arrays_without_reading_images(
    real_dataset: FER2013, fer2013_dir: Path, real_cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert list(real_cache_dir.glob("fer2013-*.npz")), "the first load writes a cache file"

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cached load must not decode images")

    monkeypatch.setattr("ferlib.data.dataset.read_images", no_decoding)
    cached = load_fer2013(fer2013_dir, cache_dir=real_cache_dir, progress=False)
    assert cached.fingerprint == real_dataset.fingerprint
    for name in SPLITS:
        np.testing.assert_array_equal(cached[name].images, real_dataset[name].images)
        np.testing.assert_array_equal(cached[name].labels, real_dataset[name].labels)
        np.testing.assert_array_equal(cached[name].sources, real_dataset[name].sources)


def test_csv_round_trip_of_a_real_subset(real_dataset: FER2013, tmp_path: Path) -> None:
    picks = {name: real_dataset[name].subset(np.arange(0, len(real_dataset[name]), 97)) for name in SPLITS}
    images = np.concatenate([picks[n].images for n in SPLITS])
    labels = np.concatenate([picks[n].labels for n in SPLITS])
    splits = np.concatenate([np.full(len(picks[n]), i) for i, n in enumerate(SPLITS)])
    csv_path = tmp_path / "fer2013.csv"
    write_csv(csv_path, images, labels, splits)

    back = load_fer2013(tmp_path, use_cache=False, progress=False)
    for name in SPLITS:
        np.testing.assert_array_equal(back[name].images, picks[name].images)
        np.testing.assert_array_equal(back[name].labels, picks[name].labels)


def test_duplicates_found_and_dropped_across_splits(
    real_dataset: FER2013, fer2013_dir: Path, real_cache_dir: Path
) -> None:
    report = find_duplicates(real_dataset)
    assert report.cross_split, "FER-2013 has images shared between Training and the test splits"
    for group in report.groups[:20]:
        first_split, first_index = group.members[0]
        for split, index in group.members[1:]:
            np.testing.assert_array_equal(
                real_dataset[split].images[index], real_dataset[first_split].images[first_index]
            )

    leaked = {i for g in report.cross_split for s, i in g.members if s == "Training"}
    cleaned = load_fer2013(
        fer2013_dir, cache_dir=real_cache_dir, progress=False, drop_cross_split_duplicates=True
    )
    assert len(cleaned.training) == len(real_dataset.training) - len(leaked)
    assert len(cleaned.public_test) == 3589 and len(cleaned.private_test) == 3589
    test_pixels = {img.tobytes() for n in ("PublicTest", "PrivateTest") for img in real_dataset[n].images}
    assert not any(img.tobytes() in test_pixels for img in cleaned.training.images)

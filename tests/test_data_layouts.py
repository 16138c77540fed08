"""Reading folder layouts and the CSV, and every malformed input giving a clear error or warning."""

from __future__ import annotations

import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest

from ferlib.data import FER2013, SPLITS, load_fer2013, write_csv
from ferlib.errors import DataQualityWarning, DatasetFormatError, DatasetNotFoundError
from ferlib.labels import EMOTIONS

from synthetic import make_kaggle_layout, synthetic_face, write_image


def load(path: Path, **kwargs: object) -> FER2013:
    return load_fer2013(path, use_cache=False, progress=False, **kwargs)


def test_kaggle_layout_splits_by_prefix(tmp_path: Path) -> None:
    root = make_kaggle_layout(tmp_path / "fer", per_class=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a clean copy loads without any warning
        dataset = load(root)
    assert [len(dataset[name]) for name in SPLITS] == [14, 14, 14]
    for name in SPLITS:
        split = dataset[name]
        assert split.class_counts() == dict.fromkeys(EMOTIONS, 2)
        for source, label, image in zip(split.sources, split.labels, split.images, strict=True):
            _, emotion, file = source.split("/")
            assert file.startswith(name + "_") and emotion == EMOTIONS[label]
            np.testing.assert_array_equal(image, cv2.imread(str(root / source), cv2.IMREAD_GRAYSCALE))


@pytest.mark.parametrize("validation_folder", ["validation", "val"])
def test_unprefixed_layout_splits_by_folder(tmp_path: Path, validation_folder: str) -> None:
    for folder, count in (("train", 3), (validation_folder, 2), ("test", 1)):
        for i in range(count):
            write_image(tmp_path / folder / "happy" / f"img{i}.png", synthetic_face(i))
    dataset = load(tmp_path)
    assert [len(dataset[name]) for name in SPLITS] == [3, 2, 1]
    assert set(dataset.training.labels) == {EMOTIONS.index("happy")}


def test_class_folder_names_ignore_case_and_ds_store(tmp_path: Path) -> None:
    write_image(tmp_path / "train" / "Happy" / "a.jpg", synthetic_face(1))
    (tmp_path / "train" / "Happy" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (tmp_path / "train" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dataset = load(tmp_path)
    assert len(dataset.training) == 1 and dataset.skipped == ()


def test_truncated_jpeg_is_listed_and_left_out(tmp_path: Path) -> None:
    root = make_kaggle_layout(tmp_path, per_class=1)
    victim = next((root / "train" / "sad").glob("*.jpg"))
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    with pytest.warns(DataQualityWarning, match=r"1 file\(s\) could not be read") as caught:
        dataset = load(root)
    assert victim.name in str(caught[0].message)
    assert len(dataset.training) == 6 and dataset.training.class_counts()["sad"] == 0
    assert [s.source for s in dataset.skipped] == [f"train/sad/{victim.name}"]
    assert "truncated" in dataset.skipped[0].reason


def test_strict_raises_on_unreadable_file(tmp_path: Path) -> None:
    root = make_kaggle_layout(tmp_path, per_class=1)
    (root / "train" / "fear" / "Training_999.jpg").write_bytes(b"this is not a jpeg")
    with pytest.raises(DatasetFormatError, match=r"Training_999\.jpg"):
        load(root, strict=True)


def test_colour_and_odd_images_are_converted_with_one_warning(tmp_path: Path) -> None:
    root = make_kaggle_layout(tmp_path, per_class=1)
    colour = synthetic_face(7, size=64, channels=3)
    write_image(root / "train" / "angry" / "Training_colour.png", colour)
    alpha = synthetic_face(8, size=48, channels=4)
    write_image(root / "train" / "angry" / "Training_alpha.png", alpha)
    deep = synthetic_face(9, size=48).astype(np.uint16) * 257
    write_image(root / "train" / "angry" / "Training_deep.png", deep)
    with pytest.warns(DataQualityWarning, match=r"3 image\(s\) were not 48x48 grayscale") as caught:
        dataset = load(root)
    assert len(caught) == 1
    converted = {Path(s).name for s in dataset.converted}
    assert converted == {"Training_colour.png", "Training_alpha.png", "Training_deep.png"}
    names = [Path(s).name for s in dataset.training.sources]
    by_name = dict(zip(names, dataset.training.images, strict=True))
    expected = cv2.resize(cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY), (48, 48), interpolation=cv2.INTER_AREA)
    np.testing.assert_array_equal(by_name["Training_colour.png"], expected)
    np.testing.assert_array_equal(by_name["Training_alpha.png"], cv2.cvtColor(alpha, cv2.COLOR_BGRA2GRAY))
    np.testing.assert_array_equal(by_name["Training_deep.png"], synthetic_face(9, size=48))


def test_stray_non_image_file_is_reported(tmp_path: Path) -> None:
    root = make_kaggle_layout(tmp_path, per_class=1)
    (root / "train" / "happy" / "notes.txt").write_text("my notes")
    with pytest.warns(DataQualityWarning, match="notes.txt: not an image file"):
        dataset = load(root)
    assert dataset.skipped[0].source == "train/happy/notes.txt"


def test_unknown_class_folder_raises(tmp_path: Path) -> None:
    root = make_kaggle_layout(tmp_path, per_class=1)
    write_image(root / "train" / "contempt" / "Training_1.jpg", synthetic_face(1))
    with pytest.raises(DatasetFormatError, match=r"contempt.*unknown class folder.*angry, disgust"):
        load(root)


def test_empty_split_raises(tmp_path: Path) -> None:
    root = make_kaggle_layout(tmp_path, per_class=1)
    (root / "val").mkdir()
    with pytest.raises(DatasetFormatError, match=r"val: empty split folder"):
        load(root)


def test_empty_class_folder_raises(tmp_path: Path) -> None:
    root = make_kaggle_layout(tmp_path, per_class=1)
    (root / "test" / "happy").rename(tmp_path / "moved")
    (root / "test" / "happy").mkdir()
    with pytest.raises(DatasetFormatError, match=r"test/happy: empty class folder"):
        load(root)


def test_missing_path_says_where_it_looked_and_how_to_get_data(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(DatasetNotFoundError) as error:
        load(missing)
    message = str(error.value)
    assert str(missing) in message and "ferlib download" in message and "FER2013_DIR" in message


def test_folder_that_is_not_a_dataset_raises(tmp_path: Path) -> None:
    (tmp_path / "something.txt").write_text("hello")
    with pytest.raises(DatasetFormatError, match="not a FER-2013 layout"):
        load(tmp_path)


def faces_for_csv(count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    images = np.stack([synthetic_face(i) for i in range(count)])
    labels = np.arange(count) % len(EMOTIONS)
    splits = np.arange(count) % len(SPLITS)
    return images, labels, splits


def test_csv_reads_back_exactly(tmp_path: Path) -> None:
    images, labels, splits = faces_for_csv(21)
    write_csv(tmp_path / "fer2013.csv", images, labels, splits)
    dataset = load(tmp_path / "fer2013.csv")
    for index, name in enumerate(SPLITS):
        np.testing.assert_array_equal(dataset[name].images, images[splits == index])
        np.testing.assert_array_equal(dataset[name].labels, labels[splits == index])


def test_csv_header_with_spaces_and_other_column_order(tmp_path: Path) -> None:
    image = synthetic_face(3)
    pixels = " ".join(map(str, image.ravel()))
    (tmp_path / "icml_face_data.csv").write_text(f"emotion, Usage, pixels\n5, PrivateTest,{pixels}\n")
    dataset = load(tmp_path)
    assert len(dataset.private_test) == 1 and dataset.private_test.labels[0] == EMOTIONS.index("surprise")
    np.testing.assert_array_equal(dataset.private_test.images[0], image)


GOOD_PIXELS = " ".join(["0"] * 2304)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (f"7,{GOOD_PIXELS},Training", r"line 3: emotion '7' is not an integer 0..6"),
        (f"3,{' '.join(['1'] * 2000)},Training", r"line 3: expected 2304 pixel values \(48x48\), found 2000"),
        (f"3,{GOOD_PIXELS[:-1]}x,Training", r"line 3: pixels must be whole numbers"),
        (f"3,{GOOD_PIXELS[:-1]}256,Training", r"line 3: pixel values must lie in 0..255"),
        (f"3,{GOOD_PIXELS},Validation", r"line 3: Usage 'Validation' is not one of Training"),
        ("3", r"line 3: expected at least 3 fields"),
    ],
)
def test_malformed_csv_row_names_the_line(tmp_path: Path, row: str, message: str) -> None:
    (tmp_path / "fer2013.csv").write_text(f"emotion,pixels,Usage\n0,{GOOD_PIXELS},Training\n{row}\n")
    with pytest.raises(DatasetFormatError, match=message):
        load(tmp_path)


def test_csv_missing_column_raises(tmp_path: Path) -> None:
    (tmp_path / "fer2013.csv").write_text(f"emotion,pixels\n0,{GOOD_PIXELS}\n")
    with pytest.raises(DatasetFormatError, match=r"missing column\(s\) usage"):
        load(tmp_path)


def test_csv_without_rows_raises(tmp_path: Path) -> None:
    (tmp_path / "fer2013.csv").write_text("emotion,pixels,Usage\n")
    with pytest.raises(DatasetFormatError, match="no data rows"):
        load(tmp_path)

"""The data resolver, the cache, duplicates, the download failure path and the tf.data pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ferlib.data import download as download_module
from ferlib.data import find_duplicates, load_fer2013, resolve_data_dir
from ferlib.data.cache import cache_path
from ferlib.errors import ConfigError, DownloadError

from synthetic import make_kaggle_layout, synthetic_face, write_image


def test_resolver_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit, from_env = tmp_path / "explicit", tmp_path / "env"
    explicit.mkdir()
    from_env.mkdir()
    monkeypatch.setenv("FER2013_DIR", str(from_env))
    assert resolve_data_dir(explicit).path == explicit
    assert resolve_data_dir().path == from_env and resolve_data_dir().origin == "FER2013_DIR"
    monkeypatch.delenv("FER2013_DIR")
    default = tmp_path / "repo" / "data" / "fer2013"
    default.mkdir(parents=True)
    notebooks = tmp_path / "repo" / "notebooks"
    notebooks.mkdir()
    monkeypatch.chdir(notebooks)
    found = resolve_data_dir()
    assert found.path.resolve() == default.resolve() and found.origin == "default"


def test_cache_is_reused_and_invalidated_by_new_files(tmp_path: Path) -> None:
    root = make_kaggle_layout(tmp_path / "fer", per_class=1)
    cache = tmp_path / "cache"
    first = load_fer2013(root, cache_dir=cache, progress=False)
    assert cache_path(first.fingerprint, cache).is_file()
    write_image(root / "train" / "happy" / "Training_new.jpg", synthetic_face(99))
    second = load_fer2013(root, cache_dir=cache, progress=False)
    assert second.fingerprint != first.fingerprint
    assert len(second.training) == len(first.training) + 1


def test_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    root = make_kaggle_layout(tmp_path / "fer", per_class=1)
    cache = tmp_path / "cache"
    first = load_fer2013(root, cache_dir=cache, progress=False)
    cache_path(first.fingerprint, cache).write_bytes(b"garbage")
    again = load_fer2013(root, cache_dir=cache, progress=False)
    np.testing.assert_array_equal(again.training.images, first.training.images)


def test_cached_load_repeats_quality_warnings(tmp_path: Path) -> None:
    root = make_kaggle_layout(tmp_path / "fer", per_class=1)
    (root / "train" / "happy" / "Training_bad.jpg").write_bytes(b"\xff\xd8 cut short")
    cache = tmp_path / "cache"
    for _ in range(2):  # cold, then cached: the left-out file is never forgotten
        with pytest.warns(UserWarning, match="Training_bad.jpg"):
            dataset = load_fer2013(root, cache_dir=cache, progress=False)
        assert [s.source for s in dataset.skipped] == ["train/happy/Training_bad.jpg"]


def test_duplicates_within_and_across_splits(tmp_path: Path) -> None:
    root = make_kaggle_layout(tmp_path / "fer", per_class=1)
    twin = synthetic_face(1234)
    write_image(root / "train" / "happy" / "Training_a.png", twin)
    write_image(root / "train" / "sad" / "Training_b.png", twin)
    write_image(root / "test" / "happy" / "PublicTest_c.png", twin)
    same_split = synthetic_face(4321)
    write_image(root / "test" / "fear" / "PrivateTest_d.png", same_split)
    write_image(root / "test" / "fear" / "PrivateTest_e.png", same_split)
    dataset = load_fer2013(root, use_cache=False, progress=False)
    report = find_duplicates(dataset)
    assert len(report.groups) == 2 and report.redundant_images == 3
    assert len(report.cross_split) == 1 and len(report.within_split) == 1
    cleaned = load_fer2013(root, use_cache=False, progress=False, drop_cross_split_duplicates=True)
    assert len(cleaned.training) == len(dataset.training) - 2
    assert len(cleaned.public_test) == len(dataset.public_test)


def test_download_fails_at_once_when_kaggle_is_unreachable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(download_module, "KAGGLE_HOST", ("127.0.0.1", 9))  # nothing listens there
    with pytest.raises(DownloadError, match="by hand") as error:
        download_module.download_fer2013(tmp_path / "fer", timeout=2)
    assert "FER2013_DIR" in str(error.value)


def test_download_reports_kagglehub_failures(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import kagglehub

    class FakeSocket:
        def close(self) -> None:
            pass

    def refuse(*args: object, **kwargs: object) -> str:
        raise PermissionError("401 Unauthorized")

    monkeypatch.setattr(download_module.socket, "create_connection", lambda *a, **k: FakeSocket())
    monkeypatch.setattr(kagglehub, "dataset_download", refuse)
    with pytest.raises(DownloadError, match=r"401 Unauthorized(.|\n)*kaggle.json"):
        download_module.download_fer2013(tmp_path / "fer")


def test_pipeline_batches_and_class_weights(tmp_path: Path) -> None:
    from ferlib.pipeline import class_weights, make_dataset

    root = make_kaggle_layout(tmp_path / "fer", per_class=3)
    split = load_fer2013(root, use_cache=False, progress=False).training
    batches = list(make_dataset(split, batch_size=8))
    assert [tuple(x.shape) for x, _ in batches] == [(8, 48, 48, 1), (8, 48, 48, 1), (5, 48, 48, 1)]
    images = np.concatenate([x.numpy() for x, _ in batches])[..., 0]
    np.testing.assert_array_equal(images, split.images.astype(np.float32))
    np.testing.assert_array_equal(np.concatenate([y.numpy() for _, y in batches]), split.labels)
    shuffled = np.concatenate([y.numpy() for _, y in make_dataset(split, batch_size=4, shuffle=True, seed=1)])
    assert sorted(shuffled) == sorted(split.labels)
    one_hot = next(iter(make_dataset(split, batch_size=4, one_hot=True)))[1].numpy()
    np.testing.assert_array_equal(one_hot.argmax(1), split.labels[:4])

    weights = class_weights(np.array([0, 0, 0, 3]))
    assert (
        weights[0] == pytest.approx(4 / (7 * 3)) and weights[3] == pytest.approx(4 / 7) and weights[1] == 0.0
    )


def test_mixup_blends_each_face_and_its_target_with_the_same_weight() -> None:
    from ferlib.pipeline import make_dataset

    # Every face of class k is flat grey at 30 * k, so a blended face's grey is its target's mean grey.
    labels = np.arange(64) % 7
    images = np.repeat((30 * labels).astype(np.uint8), 48 * 48).reshape(64, 48, 48)
    x, y = (t.numpy() for t in next(iter(make_dataset((images, labels), batch_size=64, one_hot=True,
                                                      mixup=0.4, seed=3))))  # fmt: skip
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(x[:, :, :, 0].std(axis=(1, 2)), 0, atol=1e-3)  # blended whole faces
    np.testing.assert_allclose(x[:, 0, 0, 0], y @ (30.0 * np.arange(7)), rtol=1e-4, atol=1e-3)
    assert (y.max(axis=1) < 0.9).sum() > 10  # most faces really blended, with weights that vary
    soft = (0.9 * np.eye(7)[labels] + 0.1 / 7).astype(np.float32)  # a teacher's targets
    x, y = (t.numpy() for t in next(iter(make_dataset((images, labels), batch_size=64, targets=soft,
                                                      mixup=0.4, seed=3))))  # fmt: skip
    np.testing.assert_allclose(x[:, 0, 0, 0], (y @ (30.0 * np.arange(7)) - 9) / 0.9, rtol=1e-4, atol=1e-2)
    assert (y.max(axis=1) < 0.8).sum() > 10


def test_pipeline_rejects_bad_arrays() -> None:
    from ferlib.pipeline import make_dataset

    with pytest.raises(ValueError, match=r"shape \(N, 48, 48\)"):
        make_dataset((np.zeros((2, 32, 32)), np.zeros(2)))
    with pytest.raises(ValueError, match="2 images but 3 labels"):
        make_dataset((np.zeros((2, 48, 48)), np.zeros(3)))
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.6"):
        make_dataset((np.zeros((1, 48, 48)), np.array([7])))
    with pytest.raises(ConfigError, match="mixup blends targets"):
        make_dataset((np.zeros((1, 48, 48)), np.array([3])), mixup=0.2)
    with pytest.raises(ConfigError, match="mixup must be a number >= 0"):
        make_dataset((np.zeros((1, 48, 48)), np.array([3])), one_hot=True, mixup=-0.2)

"""``load_fer2013``: FER-2013 from any supported source into uint8 arrays, split by split.

The containers it returns, ``FER2013`` and ``Split``, live in ``ferlib.data.splits`` (re-exported here).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path

from tqdm.auto import tqdm

from ferlib.data import cache
from ferlib.data.csv_format import find_csv, read_csv
from ferlib.data.duplicates import without_cross_split_duplicates
from ferlib.data.folders import is_folder_dataset, list_images, read_images
from ferlib.data.locate import DataLocation, resolve_data_dir
from ferlib.data.records import SPLITS, RawData
from ferlib.data.splits import FER2013, Split
from ferlib.errors import DataQualityWarning, DatasetFormatError

__all__ = ["FER2013", "Split", "load_fer2013"]

_EXAMPLES_SHOWN = 10


def load_fer2013(
    path: str | os.PathLike[str] | None = None,
    *,
    strict: bool = False,
    use_cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    drop_cross_split_duplicates: bool = False,
    progress: bool = True,
) -> FER2013:
    """Load FER-2013 into memory from Kaggle's folders, a folder layout without prefixes, or the CSV.

    ``path`` defaults to ``FER2013_DIR``, then ``data/fer2013`` (see ``ferlib.data.locate``).
    Images that are not 48x48 grayscale are converted, with one ``DataQualityWarning`` counting them;
    unreadable files are left out with one warning listing them, or raise ``DatasetFormatError``
    with ``strict=True``. The decoded arrays are cached in ``cache_dir`` (default
    ``ferlib.data.cache.cache_dir()``), so the next load takes a second or two.
    ``drop_cross_split_duplicates`` removes Training images whose pixels also occur in a test split.
    """
    location = resolve_data_dir(path)
    directory = Path(cache_dir).expanduser() if cache_dir is not None else None
    key, raw = _read_source(location.path, use_cache, directory, progress)
    _report_quality(raw, strict)
    dataset = _to_dataset(location, key, raw)
    if drop_cross_split_duplicates:
        dataset = without_cross_split_duplicates(dataset)
    return dataset


def _read_source(root: Path, use_cache: bool, directory: Path | None, progress: bool) -> tuple[str, RawData]:
    csv_path = find_csv(root)
    if csv_path is not None:
        stat = csv_path.stat()
        key = cache.fingerprint([(csv_path.name, stat.st_size), ("mtime_ns", stat.st_mtime_ns)])
        return key, _cached(key, use_cache, directory, lambda bar: read_csv(csv_path, bar), progress, None)
    if is_folder_dataset(root):
        files, skipped = list_images(root)
        key = cache.fingerprint([(f.relative, f.size) for f in files] + [(s.source, -1) for s in skipped])
        return key, _cached(
            key, use_cache, directory, lambda bar: read_images(files, skipped, bar), progress, len(files)
        )
    raise DatasetFormatError(
        f"{root}: not a FER-2013 layout. Expected train/ and test/ (or validation/, val/) folders of "
        f"<emotion>/ images, or a fer2013.csv file."
    )


def _cached(
    key: str,
    use_cache: bool,
    directory: Path | None,
    read: Callable[[Callable[[int], object]], RawData],
    progress: bool,
    total: int | None,
) -> RawData:
    if use_cache:
        raw = cache.load(key, directory)
        if raw is not None:
            return raw
    with tqdm(total=total, desc="Reading FER-2013", unit="img", disable=not progress) as bar:
        raw = read(bar.update)
    if use_cache:
        try:
            cache.save(key, raw, directory)
        except OSError as error:
            warnings.warn(
                f"could not write the FER-2013 cache ({error}); loading will not be faster next time",
                DataQualityWarning,
                stacklevel=4,
            )
    return raw


def _report_quality(raw: RawData, strict: bool) -> None:
    if raw.skipped:
        listing = "\n".join(f"  {s.source}: {s.reason}" for s in raw.skipped[:_EXAMPLES_SHOWN])
        more = len(raw.skipped) - _EXAMPLES_SHOWN
        if more > 0:
            listing += f"\n  ... and {more} more (see FER2013.skipped)"
        message = f"{len(raw.skipped)} file(s) could not be read and were left out:\n{listing}"
        if strict:
            raise DatasetFormatError(message)
        warnings.warn(message, DataQualityWarning, stacklevel=3)
    if raw.converted:
        examples = ", ".join(raw.converted[:_EXAMPLES_SHOWN])
        warnings.warn(
            f"{len(raw.converted)} image(s) were not 48x48 grayscale and were converted "
            f"(e.g. {examples}; all in FER2013.converted)",
            DataQualityWarning,
            stacklevel=3,
        )


def _to_dataset(location: DataLocation, key: str, raw: RawData) -> FER2013:
    splits = {}
    for index, name in enumerate(SPLITS):
        mask = raw.splits == index
        splits[name] = Split(name, raw.images[mask], raw.labels[mask], raw.sources[mask])
    return FER2013(location, key, splits, tuple(raw.converted), tuple(raw.skipped))

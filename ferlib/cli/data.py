"""``ferlib info`` and ``ferlib download``: FER-2013 on disk."""

from __future__ import annotations

import argparse

from ferlib.data.locate import DEFAULT_RELATIVE


def add_info(commands: argparse._SubParsersAction) -> None:
    """``ferlib info``: the data's counts per split and emotion."""
    info = commands.add_parser("info", help="count the images of FER-2013 per split and emotion")
    info.add_argument(
        "dir", nargs="?", help="data folder or fer2013.csv (default: $FER2013_DIR, then data/fer2013)"
    )
    info.add_argument(
        "--duplicates", action="store_true", help="also report images whose pixels occur more than once"
    )
    info.add_argument("--no-cache", action="store_true", help="read the source even if a cache exists")
    info.set_defaults(run=_info)


def add_download(commands: argparse._SubParsersAction) -> None:
    """``ferlib download``: FER-2013 from Kaggle."""
    download = commands.add_parser("download", help="download FER-2013 from Kaggle (msambare/fer2013)")
    download.add_argument(
        "dir", nargs="?", default=str(DEFAULT_RELATIVE), help="where to put it (default: data/fer2013)"
    )
    download.set_defaults(run=_download)


def _info(args: argparse.Namespace) -> int:
    from ferlib.data import SPLITS, find_duplicates, load_fer2013
    from ferlib.labels import EMOTIONS
    from ferlib.table import format_table

    dataset = load_fer2013(args.dir, use_cache=not args.no_cache)
    print(
        f"FER-2013 at {dataset.location.path} (from {dataset.location.origin}), "
        f"fingerprint {dataset.fingerprint}"
    )
    counts = {name: dataset[name].class_counts() for name in SPLITS}
    rows = [
        [emotion, *(counts[n][emotion] for n in SPLITS), sum(counts[n][emotion] for n in SPLITS)]
        for emotion in EMOTIONS
    ]
    sizes = [len(dataset[name]) for name in SPLITS]
    rows.append(["total", *sizes, sum(sizes)])
    print(format_table(["emotion", *SPLITS, "total"], rows))
    if dataset.converted or dataset.skipped:
        print(
            f"converted to 48x48 grayscale: {len(dataset.converted)}; "
            f"left out as unreadable: {len(dataset.skipped)}"
        )
    if args.duplicates:
        print(find_duplicates(dataset).summary())
    return 0


def _download(args: argparse.Namespace) -> int:
    from ferlib.data.download import download_fer2013

    path = download_fer2013(args.dir)
    print(f"FER-2013 is in {path}. Use it with: export FER2013_DIR={path}")
    return 0

"""The ``ferlib`` command line: one subcommand per job."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ferlib.data.locate import DEFAULT_RELATIVE
from ferlib.errors import FerlibError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; ferlib's own errors print as one message and exit with status 2."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except FerlibError as error:
        print(f"ferlib {args.command}: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ferlib", description="Facial emotion recognition on FER-2013.")
    commands = parser.add_subparsers(dest="command", required=True)

    info = commands.add_parser("info", help="count the images of FER-2013 per split and emotion")
    info.add_argument(
        "dir", nargs="?", help="data folder or fer2013.csv (default: $FER2013_DIR, then data/fer2013)"
    )
    info.add_argument(
        "--duplicates", action="store_true", help="also report images whose pixels occur more than once"
    )
    info.add_argument("--no-cache", action="store_true", help="read the source even if a cache exists")
    info.set_defaults(run=_info)

    download = commands.add_parser("download", help="download FER-2013 from Kaggle (msambare/fer2013)")
    download.add_argument(
        "dir", nargs="?", default=str(DEFAULT_RELATIVE), help="where to put it (default: data/fer2013)"
    )
    download.set_defaults(run=_download)
    return parser


def _info(args: argparse.Namespace) -> int:
    from ferlib.data import SPLITS, find_duplicates, load_fer2013
    from ferlib.labels import EMOTIONS

    dataset = load_fer2013(args.dir, use_cache=not args.no_cache)
    print(
        f"FER-2013 at {dataset.location.path} (from {dataset.location.origin}), "
        f"fingerprint {dataset.fingerprint}"
    )
    counts = {name: dataset[name].class_counts() for name in SPLITS}
    header = f"{'emotion':<10}" + "".join(f"{name:>13}" for name in SPLITS) + f"{'total':>9}"
    print(header)
    print("-" * len(header))
    for emotion in EMOTIONS:
        row = [counts[name][emotion] for name in SPLITS]
        print(f"{emotion:<10}" + "".join(f"{n:>13,}" for n in row) + f"{sum(row):>9,}")
    print("-" * len(header))
    sizes = [len(dataset[name]) for name in SPLITS]
    print(f"{'total':<10}" + "".join(f"{n:>13,}" for n in sizes) + f"{sum(sizes):>9,}")
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


if __name__ == "__main__":
    sys.exit(main())

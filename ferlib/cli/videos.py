"""``ferlib videos``: many videos into one table, on this machine's cores or on a Dask cluster."""

from __future__ import annotations

import argparse
import sys

from ferlib.cli.faces import add_video_options


def add_videos(commands: argparse._SubParsersAction) -> None:
    """``ferlib videos``: an archive of videos into one table and a summary."""
    videos = commands.add_parser(
        "videos",
        help="emotions in every frame of many videos, into one table (in parallel; run again to resume)",
    )
    videos.add_argument("inputs", nargs="+", metavar="IN", help="video files, folders or glob patterns")
    videos.add_argument(
        "--out", required=True, metavar="TABLE",
        help="the table: .parquet, or .csv; its summary goes to TABLE's name with .summary.csv, its work "
        "folder (one part per finished video, kept for reruns) to TABLE.parts",
    )  # fmt: skip
    add_video_options(videos)
    videos.add_argument(
        "--workers", type=int, help="local worker processes (default: one per core; 1: in this process)"
    )
    videos.add_argument(
        "--address", metavar="tcp://HOST:PORT",
        help="run on the Dask cluster whose scheduler is here (needs ferlib[cluster])",
    )  # fmt: skip
    videos.set_defaults(run=_videos)


def _videos(args: argparse.Namespace) -> int:
    from ferlib.archive import VideoSettings, process_videos

    settings = VideoSettings(args.model or "default", args.detector, args.window, args.every)
    result = process_videos(args.inputs, args.out, settings, workers=args.workers, address=args.address)
    for row in result.summary.itertuples():
        if row.status != "ok":
            print(f"ferlib videos: {row.video}: {row.reason}", file=sys.stderr)
    if not result.processed:
        print("every video was finished by an earlier run: nothing to do")
    print(f"written {result.table} and {result.summary_path}")
    print(f"{result.succeeded} succeeded, {result.failed} failed")
    return 1 if result.failed else 0

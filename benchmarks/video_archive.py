"""Frames per second over an archive of videos with ``ferlib videos`` (issue 30): in one process, in a
local pool of two processes, and on a local Dask cluster of one and of two workers.

Each configuration is the command a user types, timed from start to end in a fresh process (its
start-up, TensorFlow's import and each worker's model load included), on the same generated archive: a
face (``ferlib.samples.place_face``) moving across 640x480 frames. The Dask clusters are started before
the clock (as a user's cluster would be running already); their start-up is reported apart. The
engine's overhead per video is the one-worker cluster's time minus the one-process time, per video.
Steady frames per second leave start-up out: they are read from when each video's record was written.

Run:  python benchmarks/video_archive.py [--videos 20 --seconds 10 --fps 25]
Writes benchmarks/results/video_archive.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine
from ferlib.samples import place_face

RESULTS = Path(__file__).with_name("results") / "video_archive.json"
SIZE = (640, 480)
STEADY = "steady_frames_per_second"


def make_archive(folder: Path, videos: int, seconds: float, fps: float) -> int:
    """Write ``videos`` MP4 files into ``folder``; returns the number of frames in all."""
    frames = round(seconds * fps)
    scene = np.full((SIZE[1], SIZE[0], 3), 90, np.uint8)
    for number in range(videos):
        writer = cv2.VideoWriter(
            str(folder / f"clip{number:02d}.mp4"), cv2.VideoWriter.fourcc(*"mp4v"), fps, SIZE
        )
        for index in range(frames):
            centre = (200 + (index * 7 + number * 31) % 240, 240)
            writer.write(place_face(scene, width=160, centre=centre)[0])
        writer.release()
    return videos * frames


def timed_command(folder: Path, out: Path, *options: str) -> float:
    """Seconds that ``ferlib videos FOLDER --out OUT OPTIONS`` takes, in a fresh process."""
    start = time.perf_counter()
    command = [sys.executable, "-m", "ferlib", "videos", str(folder), "--out", str(out), *options]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def steady_frames_per_second(out: Path, workers: int) -> float:
    """Frames per second once every worker has finished a video (its start-up and model load behind
    it): the frames of the later videos over the time between the ``workers``-th record and the last."""
    records = sorted((path.stat().st_mtime, json.loads(path.read_text())["frames"])
                     for path in out.with_name(f"{out.name}.parts").glob("clip*.json"))  # fmt: skip
    later = records[workers:]
    return sum(frames for _, frames in later) / (later[-1][0] - records[workers - 1][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--fps", type=float, default=25.0)
    args = parser.parse_args()
    from distributed import LocalCluster

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "archive"
        folder.mkdir()
        frames = make_archive(folder, args.videos, args.seconds, args.fps)
        runs: dict[str, dict[str, float]] = {}
        for name, workers in (("one process", 1), ("local pool, 2 processes", 2)):
            out = Path(scratch) / f"{len(runs)}.parquet"
            seconds = timed_command(folder, out, "--workers", str(workers))
            runs[name] = {"seconds": seconds, STEADY: steady_frames_per_second(out, workers)}
            print(name, runs[name], flush=True)
        again = timed_command(folder, Path(scratch) / "0.parquet", "--workers", "1")
        for workers in (1, 2):
            start = time.perf_counter()
            with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster:
                started = time.perf_counter() - start
                out = Path(scratch) / f"{len(runs)}.parquet"
                seconds = timed_command(folder, out, "--address", cluster.scheduler_address)
            runs[f"Dask, {workers} worker{'s' if workers > 1 else ''}"] = {
                "seconds": seconds,
                STEADY: steady_frames_per_second(out, workers),
                "cluster_start_seconds": round(started, 2),
            }
            print(
                workers,
                "Dask workers",
                runs[f"Dask, {workers} worker{'s' if workers > 1 else ''}"],
                flush=True,
            )
    for run in runs.values():
        run["frames_per_second"] = round(frames / run["seconds"], 2)
        run["seconds"] = round(run["seconds"], 2)
        run[STEADY] = round(run[STEADY], 2)
    sequential, pool, dask = runs["one process"], runs["local pool, 2 processes"], runs["Dask, 2 workers"]
    report = {
        "archive": {"videos": args.videos, "seconds_each": args.seconds, "fps": args.fps, "size": list(SIZE),
                    "frames": frames},
        "model": "default", "detector": "blazeface", "window": 5,
        "runs": runs,
        "speed_up_of_2_processes": round(sequential["seconds"] / pool["seconds"], 2),
        "speed_up_of_2_dask_workers": round(sequential["seconds"] / dask["seconds"], 2),
        "steady_speed_up_of_2_processes": round(pool[STEADY] / sequential[STEADY], 2),
        "steady_speed_up_of_2_dask_workers": round(dask[STEADY] / sequential[STEADY], 2),
        "dask_overhead_seconds_per_video": round(
            (runs["Dask, 1 worker"]["seconds"] - sequential["seconds"]) / args.videos, 3
        ),
        "rerun_of_a_finished_archive_seconds": round(again, 2),
        "machine": describe_machine(),
        "load_average_1_min_before_and_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "note": "seconds and frames_per_second include the command's start-up, TensorFlow's import and each "
        "worker's model load; steady_frames_per_second leaves them out (from the time each video's record "
        "was written, once every worker had finished one video); load_average_1_min_before_and_after "
        "tells how busy the machine was (about 0 to 2: nothing else running)",
    }  # fmt: skip
    print(json.dumps(report, indent=2))
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""``process_videos`` and ``ferlib videos``: an archive of tiny generated videos (a face placed in each
frame by ``ferlib.samples.place_face``, one frame in four empty) and one corrupt file, processed in this
process, in a local pool of two processes and on a local Dask cluster of two workers, one of them killed
mid-run. Localhost only."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from ferlib import archive
from ferlib.archive import ArchiveResult, process_videos
from ferlib.cli import main
from ferlib.samples import place_face

VIDEOS = 5
FRAMES = 8


def tiny_video(path: Path, shift: int) -> Path:
    """A 160x120 MP4 of ``FRAMES`` frames: a 50-pixel face sliding right; every fourth frame empty."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 10.0, (160, 120))
    for index in range(FRAMES):
        scene = np.full((120, 160, 3), 90, np.uint8)
        frame = (
            scene if index % 4 == 3 else place_face(scene, width=50, centre=(50 + index * 4 + shift, 60))[0]
        )
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``VIDEOS`` tiny videos and ``broken.mp4``, which holds no video."""
    folder = tmp_path_factory.mktemp("archive")
    for number in range(VIDEOS):
        tiny_video(folder / f"clip{number}.mp4", shift=3 * number)
    (folder / "broken.mp4").write_bytes(b"these bytes are not a video")
    return folder


@pytest.fixture(scope="module")
def sequential(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> ArchiveResult:
    """The archive read in this process, video after video."""
    out = tmp_path_factory.mktemp("sequential") / "table.parquet"
    return process_videos([folder], out, workers=1, progress=False)


def test_sequential_run_reports_the_corrupt_file_and_completes_the_others(
    sequential: ArchiveResult, folder: Path
) -> None:
    summary = sequential.summary.set_index("video")
    assert summary.loc[str(folder / "broken.mp4"), "status"] == "failed"
    assert "cannot open" in summary.loc[str(folder / "broken.mp4"), "reason"]
    assert (sequential.succeeded, sequential.failed) == (VIDEOS, 1)
    ok = summary[summary["status"] == "ok"]
    assert (ok["frames"] == FRAMES).all() and (ok["faces"] == FRAMES - FRAMES // 4).all()
    table = pd.read_parquet(sequential.table)
    assert list(table.columns) == list(archive.TABLE_COLUMNS)
    assert len(table) == VIDEOS * FRAMES
    assert table["track"].isna().sum() == VIDEOS * (FRAMES // 4)  # the empty frames keep a row each


def test_one_video_matches_ferlib_video(sequential: ArchiveResult, folder: Path, tmp_path: Path) -> None:
    clip = folder / "clip2.mp4"
    assert main(["video", str(clip), "--csv", str(tmp_path / "one.csv")]) == 0
    alone = pd.read_csv(tmp_path / "one.csv")
    table = pd.read_parquet(sequential.table)
    mine = table[table["video"] == str(clip)].drop(columns="video").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, alone, check_dtype=False, rtol=1e-4)


def test_every_nth_frame_keeps_the_video_s_frame_numbers(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "third.csv"
    assert main(["video", str(folder / "clip0.mp4"), "--every", "3", "--csv", str(table)]) == 0
    rows = pd.read_csv(table)
    assert list(rows["frame"]) == [0, 3, 6]
    assert list(rows["seconds"]) == pytest.approx([0.0, 0.3, 0.6])
    assert main(["video", str(folder / "clip0.mp4"), "--every", "0"]) == 2
    assert "every must be 1 or more" in capsys.readouterr().err


def test_two_processes_give_the_sequential_table(
    sequential: ArchiveResult, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "table.csv"
    assert main(["videos", str(folder / "*.mp4"), "--out", str(out), "--workers", "2"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == f"{VIDEOS} succeeded, 1 failed"
    assert f"{folder / 'broken.mp4'}: cannot open" in captured.err
    expected = pd.read_parquet(sequential.table)
    pd.testing.assert_frame_equal(pd.read_csv(out), expected, check_dtype=False, rtol=1e-4)
    columns = ["video", "status", "frames", "faces"]
    summary = pd.read_csv(out.with_name("table.summary.csv"))
    pd.testing.assert_frame_equal(summary[columns], sequential.summary[columns], check_dtype=False)


def test_running_a_finished_archive_again_does_nothing(
    sequential: ArchiveResult, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    written = sequential.table.parent
    before = {path: path.stat().st_mtime_ns for path in written.rglob("*")}
    assert main(["videos", str(folder), "--out", str(sequential.table), "--workers", "1"]) == 1
    assert "nothing to do" in capsys.readouterr().out
    assert {path: path.stat().st_mtime_ns for path in written.rglob("*")} == before


def test_a_killed_cluster_worker_loses_and_repeats_nothing(
    sequential: ArchiveResult, folder: Path, tmp_path: Path
) -> None:
    from distributed import Client, LocalCluster

    out = tmp_path / "table.parquet"
    parts = out.with_name("table.parquet.parts")
    runs: list[ArchiveResult] = []
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        victim = next(iter(client.run(os.getpid).values()))
        address = cluster.scheduler_address

        def run() -> None:
            runs.append(process_videos([folder], out, address=address, progress=False))

        first = threading.Thread(target=run)
        first.start()
        deadline = time.monotonic() + 300
        while not any(parts.glob("*.parquet")) and first.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first.is_alive(), "the first run ended before a worker could be killed"
        os.kill(victim, signal.SIGKILL)
        first.join()
        run()
    assert len(runs) == 2 and (runs[1].succeeded, runs[1].failed) == (VIDEOS, 1)
    table = pd.read_parquet(out)
    assert not table.duplicated(["video", "frame", "track"]).any()
    pd.testing.assert_frame_equal(table, pd.read_parquet(sequential.table), rtol=1e-4)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "no such file or folder"),
        ("empty folder", "holds no video"),
        ("not a video", "not a video file"),
        ("unwritable", "is a file, not a folder"),
        ("bad suffix", "must end in .parquet"),
        ("not ours", "is not an archive's table"),
        ("unreachable", "cannot reach a Dask scheduler"),
        ("no model", "no such model file"),
        ("unknown model", "is neither a model file nor a shipped model"),
        ("no extra", 'pip install "ferlib[cluster]"'),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    case: str,
    message: str,
    folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("no video here")
    (tmp_path / "mine.parquet").write_text("the user's own file")
    monkeypatch.setattr(archive, "CONNECT_TIMEOUT", 2)
    inputs, out, extra = str(folder), str(tmp_path / "table.parquet"), []
    if case == "missing":
        inputs = str(tmp_path / "nowhere")
    elif case == "empty folder":
        inputs = str(tmp_path / "empty")
    elif case == "not a video":
        inputs = str(tmp_path / "notes.txt")
    elif case == "unwritable":
        out = str(tmp_path / "notes.txt" / "table.parquet")
    elif case == "bad suffix":
        out = str(tmp_path / "table.xlsx")
    elif case == "not ours":
        out = str(tmp_path / "mine.parquet")
    elif case == "no extra":
        monkeypatch.setitem(sys.modules, "distributed", None)  # as if ferlib[cluster] were not installed
        extra = ["--address", "tcp://127.0.0.1:9"]
    elif case == "unknown model":  # found by the worker that loads it: the new work folder goes again
        extra = ["--model", "acurate", "--workers", "1"]
    elif case == "no model":
        extra = ["--model", str(tmp_path / "nowhere.keras")]
    else:
        extra = ["--address", "tcp://127.0.0.1:9"]  # the discard port: nothing listens there
    before = sorted(tmp_path.rglob("*"))
    assert main(["videos", inputs, "--out", out, *extra]) == 2
    error = capsys.readouterr().err
    lines = [line for line in error.splitlines() if line.strip() and not line.startswith("Videos:")]
    assert len(lines) == 1 and lines[0].startswith("ferlib videos: ") and message in lines[0]
    assert sorted(tmp_path.rglob("*")) == before
    assert (tmp_path / "mine.parquet").read_text() == "the user's own file"

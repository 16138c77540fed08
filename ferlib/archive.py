"""Many videos into one table: ``process_videos`` runs ``process_video`` on each video of an archive, a
video per worker at a time, and merges the rows into one Parquet (or CSV) table with a per-video summary.

Nothing is lost or done twice: each finished video's rows go atomically into a part file in a work
folder beside the table (``TABLE.parts/``), with a small record of how it went; a run skips the videos
that have a record and does the others, so the same command run again after a crash, an interrupt or a
lost worker finishes the archive. A video that cannot be read gets a "failed" record with the reason
and the others go on. Frames of one video stay in order in one worker, so tracking and smoothing are
those of ``ferlib video``; each worker loads the model once and keeps it for every video it gets.

Where the videos run: in this process (``workers=1``), in a pool of local processes (one per core by
default: the standard library, nothing to install), or on a Dask distributed cluster (``address``, the
``ferlib[cluster]`` extra). Dask rather than Ray, measured on the 2-core development machine (distributed
2026.8.0, Ray 2.60.0, Python 3.11): Dask and distributed install as 25 MB of pure Python (Ray: 240 MB of
binaries, plus its own dependencies); a two-worker local cluster started and ran four tasks in 2.6 s
(Ray: 5.0 s); both work offline on localhost; and the clusters researchers have are mostly HPC
schedulers (Slurm, PBS, SGE), where dask-jobqueue or ``dask scheduler`` / ``dask worker`` in a batch
script start the workers.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm.auto import tqdm

from ferlib.errors import ClusterError, ConfigError, FerlibError, ModelFileError, OutputError, VideoError
from ferlib.extras import require_extra
from ferlib.faces import DEFAULT_DETECTOR
from ferlib.io import atomic_path, write_text_atomic
from ferlib.video import COLUMNS, process_video

if TYPE_CHECKING:
    import pandas as pd

    from ferlib.recognizer import EmotionRecognizer

#: The file name endings taken as videos in a folder or a glob pattern.
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv")
#: The table's columns: the video's path, then ``VideoResult.to_frame()``'s.
TABLE_COLUMNS = ("video", *COLUMNS)
#: The summary's columns, one row per video.
SUMMARY_COLUMNS = ("video", "status", "frames", "faces", "seconds", "reason")
#: Seconds to wait for a Dask scheduler at ``address``.
CONNECT_TIMEOUT = 10


@dataclass(frozen=True)
class VideoSettings:
    """How every video of an archive is read: the model (a shipped model's name or a file) and the
    detector by name, the smoothing window and the frame step. A work folder belongs to one set."""

    model: str = "default"
    detector: str = DEFAULT_DETECTOR
    window: int = 5
    every: int = 1


@dataclass(frozen=True)
class ArchiveResult:
    """Where the table and the summary are, the summary itself, and how many videos this run read."""

    table: Path
    summary_path: Path
    summary: pd.DataFrame
    processed: int

    @property
    def succeeded(self) -> int:
        return int((self.summary["status"] == "ok").sum())

    @property
    def failed(self) -> int:
        return len(self.summary) - self.succeeded


def find_videos(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The videos named by ``paths``: files, folders (searched recursively for ``VIDEO_SUFFIXES``) and
    glob patterns, sorted and without repeats; ``ConfigError`` for a path that is missing, a folder or a
    pattern with no video, or a file whose name is not a video's."""
    found: set[Path] = set()
    for item in paths:
        text = os.fspath(item)
        path = Path(text)
        if path.is_dir():
            inside = {p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES}
            if not inside:
                raise ConfigError(f"{text}: the folder holds no video ({', '.join(VIDEO_SUFFIXES)})")
            found |= inside
        elif path.is_file():
            if path.suffix.lower() not in VIDEO_SUFFIXES:
                raise ConfigError(f"{text}: not a video file (expected one of {', '.join(VIDEO_SUFFIXES)})")
            found.add(path)
        elif glob.has_magic(text):
            matched = {
                Path(p) for p in glob.glob(text, recursive=True) if Path(p).suffix.lower() in VIDEO_SUFFIXES
            }
            if not matched:
                raise ConfigError(f"{text}: the pattern matches no video")
            found |= {p for p in matched if p.is_file()}
        else:
            raise ConfigError(f"{text}: no such file or folder")
    return sorted(found)


def process_videos(
    paths: Iterable[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    settings: VideoSettings = VideoSettings(),
    *,
    workers: int | None = None,
    address: str | None = None,
    progress: bool = True,
) -> ArchiveResult:
    """Recognise every video in ``paths`` (``find_videos``) and write one table to ``out`` (``.parquet``
    or ``.csv``: one row per face per frame, ``TABLE_COLUMNS``) and a summary beside it
    (``NAME.summary.csv``, ``SUMMARY_COLUMNS``). ``workers``: local processes (default: one per core;
    1: in this process); ``address``: a running Dask scheduler's (``tcp://host:8786``) instead, its
    workers each loading the model once. Videos finished by an earlier run with the same ``out`` and
    ``settings`` are skipped; the result counts those that succeeded and failed."""
    videos = find_videos(paths)
    out = Path(out)
    model = Path(settings.model)
    if model.suffix or model.exists():  # a file, not a shipped model's name: named in full for every worker
        if not model.is_file():
            raise ModelFileError(f"{model}: no such model file")
        settings = replace(settings, model=str(model.resolve()))
    if settings.window < 1:  # checked here too, so that the driver needs no TensorFlow (FaceTracker's)
        raise ConfigError(f"window must be an integer >= 1 (1: no smoothing), got {settings.window!r}")
    if settings.every < 1:
        raise ConfigError(f"every must be 1 or more (1 reads every frame), got {settings.every}")
    if workers is not None and workers < 1:
        raise ConfigError(f"workers must be 1 or more, got {workers}")
    work = _work_folder(out)
    summary_path = out.with_name(f"{out.stem}.summary.csv")
    with _executor(workers, address) as executor:
        new = not work.exists()
        work.mkdir(exist_ok=True)
        try:
            _claim(work, settings)
            records = {video: _read_record(work, video) for video in videos}
            todo = [video for video, record in records.items() if record is None]
            errors = _run(executor, todo, work, settings, records, progress)
        except FerlibError:  # a model that cannot be loaded, say: a new work folder with no video goes
            if new and set(work.glob("*.json")) <= {work / "settings.json"}:
                shutil.rmtree(work)
            raise
    summary = _summary(videos, records, errors)
    finished = {_key(video): record for video, record in records.items() if record is not None}
    merged = work / "merged.json"  # what the table and summary were last written from
    current = json.dumps({"table": out.name, "videos": finished}, sort_keys=True)
    if not (out.exists() and summary_path.exists() and merged.exists() and merged.read_text() == current):
        _merge(out, work, [video for video in videos if (records[video] or {}).get("status") == "ok"])
        with atomic_path(summary_path) as tmp:
            summary.to_csv(tmp, index=False)
        write_text_atomic(merged, current)
    return ArchiveResult(out, summary_path, summary, processed=len(todo))


def _work_folder(out: Path) -> Path:
    """``out``'s work folder, after checking that ``out`` can be written and is not someone else's."""
    if out.suffix.lower() not in (".parquet", ".pq", ".csv"):
        raise ConfigError(f"{out}: the table must end in .parquet (or .pq) or .csv")
    work = out.with_name(f"{out.name}.parts")
    if out.exists() and not work.is_dir():
        raise OutputError(
            f"{out} exists and is not an archive's table (no {work.name} beside it); "
            "remove it or choose another --out"
        )
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {out}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise OutputError(f"cannot write {out}: permission denied")
    return work


def _claim(work: Path, settings: VideoSettings) -> None:
    """Record ``settings`` in a new work folder, or check that an old one was made with the same."""
    record = work / "settings.json"
    wanted = json.dumps(asdict(settings), sort_keys=True)
    if not record.exists():
        write_text_atomic(record, wanted)
    elif record.read_text(encoding="utf-8") != wanted:
        raise ConfigError(
            f"{work} holds results made with other settings ({record.read_text(encoding='utf-8')}); "
            "run with those, or choose another --out"
        )


@contextlib.contextmanager
def _executor(workers: int | None, address: str | None) -> Iterator[Executor | None]:
    """Where videos run: None (this process), a local process pool, or a Dask cluster's executor."""
    if address is not None:
        distributed = require_extra("distributed", "cluster")
        try:
            client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as error:
            raise ClusterError(f"cannot reach a Dask scheduler at {address}: {error}") from error
        with client:
            yield client.get_executor(pure=False)
        return
    count = workers or os.cpu_count() or 1
    if count == 1:
        yield None
        return
    import multiprocessing

    # spawn: a fresh interpreter per worker, safe whatever this process has loaded (TensorFlow, threads)
    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield pool
    except BaseException:  # an error or Ctrl-C: the videos not yet started are dropped, not waited for
        pool.shutdown(cancel_futures=True)
        raise
    pool.shutdown()


def _run(
    executor: Executor | None,
    todo: list[Path],
    work: Path,
    settings: VideoSettings,
    records: dict[Path, dict[str, Any] | None],
    progress: bool,
) -> dict[Path, str]:
    """Recognise ``todo``, filling ``records``; returns the videos lost to something other than the
    video itself (a worker that died, a bug), with the reason: they stay unfinished for the next run."""
    errors: dict[Path, str] = {}
    with tqdm(total=len(todo), desc="Videos", unit="video", disable=not progress or not todo) as bar:
        frames = failed = 0
        if executor is None:
            done: Iterable[tuple[Path, Future[dict[str, Any]] | None]] = ((v, None) for v in todo)
        else:
            futures = {executor.submit(process_one, str(v), str(work), settings, False): v for v in todo}
            done = ((futures[f], f) for f in as_completed(futures))
        for video, future in done:
            try:
                record = (
                    process_one(str(video), str(work), settings, progress)
                    if future is None
                    else future.result()
                )
            except FerlibError:  # a setting that no video can be read with (a damaged model file): stop
                raise
            except Exception as error:  # a lost worker or a bug: reported, and redone by the next run
                errors[video] = f"{type(error).__name__}: {error}"
            else:
                records[video] = record
                frames += record["frames"]
            failed += video in errors or record["status"] == "failed"
            bar.set_postfix(frames=frames, failed=failed)
            bar.update(1)
    return errors


#: In each worker process, the recognizers loaded so far, by (model, detector): loaded once, kept.
_LOADED: dict[tuple[str, str], EmotionRecognizer] = {}


def process_one(video: str, work: str, settings: VideoSettings, progress: bool = False) -> dict[str, Any]:
    """Recognise one video where this runs (a worker) and write its part file and record into
    ``work``: the rows, then a record saying it finished (status, frames, faces, seconds, reason)."""
    from ferlib.recognizer import EmotionRecognizer

    key = (settings.model, settings.detector)
    if key not in _LOADED:
        _LOADED[key] = EmotionRecognizer(settings.model, settings.detector)
    path = Path(video)
    record: dict[str, Any] = {
        "video": video,
        "stamp": _stamp(path),
        "status": "ok",
        "frames": 0,
        "faces": 0,
        "seconds": 0.0,
        "reason": "",
    }
    try:
        result = process_video(
            _LOADED[key], path, progress=progress, window=settings.window, every=settings.every
        )
    except VideoError as error:
        record.update(status="failed", reason=str(error).removeprefix(f"{video}: "))
    else:
        table = result.to_frame()
        table.insert(0, "video", video)
        import pyarrow.parquet as pq

        with atomic_path(_part(Path(work), path)) as tmp:
            pq.write_table(_arrow_table(table), tmp)
        record.update(
            frames=len(result),
            faces=int(table["track"].notna().sum()),
            seconds=len(result) * result.step / result.fps,
        )
    write_text_atomic(_record_path(Path(work), path), json.dumps(record))
    return record


def _key(video: Path) -> str:
    """A file name for ``video``'s part and record: its name and a hash of its full path."""
    digest = hashlib.sha1(str(video.resolve()).encode()).hexdigest()[:12]
    return f"{video.stem}-{digest}"


def _part(work: Path, video: Path) -> Path:
    return work / f"{_key(video)}.parquet"


def _record_path(work: Path, video: Path) -> Path:
    return work / f"{_key(video)}.json"


def _read_record(work: Path, video: Path) -> dict[str, Any] | None:
    """``video``'s record, if an earlier run finished this same file (and its part file is there)."""
    path = _record_path(work, video)
    if not path.exists():
        return None
    record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if record.get("stamp") != _stamp(video) or (record["status"] == "ok" and not _part(work, video).exists()):
        return None  # the video was replaced since (a fixed download, say), or its rows are gone
    return record


def _stamp(video: Path) -> list[int]:
    """The video file's size and modification time: a record is for this file as it was then."""
    status = video.stat()
    return [status.st_size, status.st_mtime_ns]


def _summary(
    videos: list[Path], records: dict[Path, dict[str, Any] | None], errors: dict[Path, str]
) -> pd.DataFrame:
    """One row per video: its record, or "failed" with the reason it was lost in this run."""
    import pandas as pd

    rows = [
        records[video]
        or {"video": str(video), "status": "failed", "frames": 0, "faces": 0, "seconds": 0.0,
            "reason": f"{errors.get(video, 'not run')} (not recorded: run the command again to redo it)"}
        for video in videos
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _schema() -> Any:
    """The table's Arrow schema, the same for every part (a part without faces has no scores)."""
    import pyarrow as pa

    integers = ("frame", "track", "x", "y", "w", "h")
    types = {"video": pa.string(), "emotion": pa.string(), **{name: pa.int64() for name in integers}}
    return pa.schema([(name, types.get(name, pa.float64())) for name in TABLE_COLUMNS])


def _arrow_table(table: pd.DataFrame) -> Any:
    import pyarrow as pa

    return pa.Table.from_pandas(table, schema=_schema(), preserve_index=False)


def _merge(out: Path, work: Path, videos: list[Path]) -> None:
    """Write the parts of ``videos``, in this order, into ``out`` (Parquet or CSV), atomically and one
    part at a time (an archive's table may be larger than memory)."""
    import pyarrow.parquet as pq

    with atomic_path(out) as tmp:
        if out.suffix.lower() == ".csv":
            with tmp.open("w", encoding="utf-8", newline="") as stream:
                stream.write(",".join(TABLE_COLUMNS) + "\n")
                for video in videos:
                    part = pq.read_table(_part(work, video)).to_pandas()
                    part.to_csv(stream, header=False, index=False, float_format="%.5g")
            return
        with pq.ParquetWriter(tmp, _schema()) as writer:
            for video in videos:
                writer.write_table(pq.read_table(_part(work, video), schema=_schema()))

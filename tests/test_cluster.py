"""Training across processes (``--strategy hosts``): Keras' DataParallel on JAX, tried on localhost.

The start-up check runs in threads (it is plain sockets); the training tests start real worker processes
with ``KERAS_BACKEND=jax``, each with a timeout, so a hang fails the test instead of stalling the suite.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ferlib.cli import main
from ferlib.cluster import Cluster, handshake
from ferlib.errors import ClusterError, ConfigError


def free_port() -> int:
    """A port that is free, with the one after it free too (the start-up check's)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("localhost", 0))
            port = first.getsockname()[1]
            with socket.socket() as second:
                try:
                    second.bind(("localhost", port + 1))
                except OSError:
                    continue
        return port
    raise RuntimeError("no free pair of ports")


# -- where the settings come from ------------------------------------------------------------------


def test_flags_win_over_the_environment_which_wins_over_slurm() -> None:
    environ = {"FERLIB_COORDINATOR": "head:1234", "FERLIB_NUM_PROCESSES": "4", "SLURM_NTASKS": "8",
               "SLURM_PROCID": "3"}  # fmt: skip
    assert Cluster.from_environment(environ=environ) == Cluster("head:1234", 4, 3)
    assert Cluster.from_environment("other:99", 2, 1, environ=environ) == Cluster("other:99", 2, 1)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "--coordinator or the variable FERLIB_COORDINATOR"),
        ({"coordinator": "head:1"}, "--processes or the variable FERLIB_NUM_PROCESSES or SLURM_NTASKS"),
        ({"coordinator": "head", "processes": 2, "index": 0}, "HOST:PORT"),
        ({"coordinator": "head:1", "processes": 2, "index": 2}, r"index must lie in 0\.\.1"),
        ({"coordinator": "head:1", "processes": 0, "index": 0}, "at least 1"),
    ],
)
def test_missing_or_bad_settings_name_what_to_give(values: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Cluster.from_environment(**values, environ={})  # type: ignore[arg-type]


def test_the_command_line_refuses_a_cluster_it_cannot_place(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--strategy", "hosts", "--out", "never-written"]) == 2
    assert "--coordinator" in capsys.readouterr().err
    assert not Path("never-written").exists()


def test_without_jax_the_command_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "jax", None)  # as if JAX were not installed
    command = [
        "train",
        "--strategy",
        "hosts",
        "--coordinator",
        "head:1",
        "--processes",
        "1",
        "--process-id",
        "0",
    ]
    assert main([*command, "--out", "never-written"]) == 2
    assert 'pip install "ferlib[hosts]"' in capsys.readouterr().err


# -- the start-up check -----------------------------------------------------------------------------


def run_together(clusters: list[Cluster], settings: list[str]) -> list[BaseException | None]:
    """``handshake`` in one thread per process; each one's error (or None)."""
    outcomes: list[BaseException | None] = [None] * len(clusters)

    def run(i: int) -> None:
        try:
            handshake(clusters[i], settings[i])
        except BaseException as error:
            outcomes[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clusters))]
    for thread in threads:
        thread.start()
        time.sleep(0.05)  # process 0 first, as usual (the others retry until it listens anyway)
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "the start-up check hung"
    return outcomes


def test_three_processes_that_agree_start() -> None:
    address = f"localhost:{free_port()}"
    clusters = [Cluster(address, 3, i, timeout=10) for i in range(3)]
    assert run_together(clusters, ["same"] * 3) == [None, None, None]


@pytest.mark.parametrize(
    ("clusters", "settings", "message"),
    [
        ([(2, 0), (3, 1)], ["a", "a"], "process 1 was told of 3 processes, process 0 of 2"),
        ([(3, 0), (3, 1), (3, 1)], ["a", "a", "a"], "two processes claim index 1"),
        ([(2, 0), (2, 1)], ["a", "b"], "process 1 runs other settings or data than process 0"),
    ],
)
def test_processes_that_disagree_all_stop_with_the_reason(
    clusters: list[tuple[int, int]], settings: list[str], message: str
) -> None:
    address = f"localhost:{free_port()}"
    outcomes = run_together([Cluster(address, n, i, timeout=10) for n, i in clusters], settings)
    assert all(isinstance(outcome, ClusterError) for outcome in outcomes), outcomes
    assert all(message in str(outcome) for outcome in outcomes), outcomes


def test_a_missing_worker_stops_process_0_after_the_timeout() -> None:
    started = time.monotonic()
    (outcome,) = run_together([Cluster(f"localhost:{free_port()}", 3, 0, timeout=1)], ["a"])
    assert isinstance(outcome, ClusterError)
    assert "only 1 of 3 processes started within 1 s (missing: 1, 2)" in str(outcome)
    assert time.monotonic() - started < 10


def test_an_unreachable_coordinator_stops_a_worker_after_the_timeout() -> None:
    started = time.monotonic()
    (outcome,) = run_together([Cluster(f"localhost:{free_port()}", 2, 1, timeout=1)], ["a"])
    assert isinstance(outcome, ClusterError) and "could not reach the coordinator" in str(outcome)
    assert time.monotonic() - started < 10


def test_tensorflow_only_pieces_say_so_under_jax() -> None:
    script = (
        "from ferlib.distribute import make_strategy\n"
        "from ferlib.errors import BackendError\n"
        "try:\n    make_strategy('mirrored')\nexcept BackendError as e:\n    print(e)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "KERAS_BACKEND": "jax"}, check=False)  # fmt: skip
    assert "needs KERAS_BACKEND=tensorflow" in result.stdout, result.stderr[-2000:]


# -- real training on localhost ---------------------------------------------------------------------

COMMON = ["--arch", "minimal", "--batch-size", "32", "--no-augment", "--strategy", "hosts"]


def worker_command(out: Path, port: int, processes: int, index: int, extra: list[str]) -> list[str]:
    where = ["--out", str(out), "--coordinator", f"localhost:{port}"]
    cluster = ["--processes", str(processes), "--process-id", str(index)]
    return [sys.executable, "-m", "ferlib", "train", *COMMON, *extra, *where, *cluster]


def worker_env(fer2013_dir: Path, cache: Path) -> dict[str, str]:
    return {
        **os.environ,
        "FER2013_DIR": str(fer2013_dir),
        "FERLIB_CACHE_DIR": str(cache),
        "PYTHONUNBUFFERED": "1",
    }


def start_workers(
    out: Path, port: int, processes: int, fer2013_dir: Path, cache: Path, extra: list[str]
) -> list[subprocess.Popen[str]]:
    env = worker_env(fer2013_dir, cache)
    return [
        subprocess.Popen(
            worker_command(out, port, processes, i, extra),
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for i in range(processes)
    ]


def finish(workers: list[subprocess.Popen[str]], timeout: float = 400) -> list[str]:
    outputs = []
    for worker in workers:
        try:
            outputs.append(worker.communicate(timeout=timeout)[0])
        except subprocess.TimeoutExpired:
            for other in workers:
                other.kill()
            pytest.fail("a worker hung")
        assert worker.returncode == 0, outputs[-1][-3000:]
    return outputs


def predictions(model_path: Path, fer2013_dir: Path, cache: Path) -> list[list[float]]:
    script = (
        "import json, keras\nfrom ferlib.data import load_fer2013\n"
        f"faces = load_fer2013({str(fer2013_dir)!r}, cache_dir={str(cache)!r}, progress=False)"
        ".public_test.images[:300, :, :, None].astype('float32')\n"
        f"model = keras.saving.load_model({str(model_path)!r})\n"
        "print(json.dumps(model.predict(faces, verbose=0).tolist()))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "KERAS_BACKEND": "jax"}, check=True)  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_processes_train_the_same_model_as_one(
    fer2013_dir: Path, real_cache_dir: Path, tmp_path: Path
) -> None:
    import numpy as np

    run = ["--epochs", "1", "--limit", "512"]
    finish(start_workers(tmp_path / "one", free_port(), 1, fer2013_dir, real_cache_dir, run))
    outputs = finish(start_workers(tmp_path / "two", free_port(), 2, fer2013_dir, real_cache_dir, run))
    assert all("PublicTest accuracy" in output for output in outputs)
    assert sorted(path.name for path in (tmp_path / "two").iterdir()) == sorted(
        ["best.keras", "clock.json", "config.json", "log.csv", "model.json", "model.keras"]
    )  # written once, by process 0; the backup is gone once the run is finished
    one = np.array(predictions(tmp_path / "one" / "model.keras", fer2013_dir, real_cache_dir))
    two = np.array(predictions(tmp_path / "two" / "model.keras", fer2013_dir, real_cache_dir))
    # Each process computes the gradient of its half of every batch and the halves are averaged: the
    # same sum as one process makes, in another order, so float32 rounding differs in the last bits and
    # sixteen SGD steps carry it along. One process against two stays within 1e-2 in probability; a
    # different seed or batch would move them by tenths.
    assert np.abs(one - two).max() < 1e-2


def test_two_processes_start_from_a_model_and_distil_from_a_teacher(
    fer2013_dir: Path, real_cache_dir: Path, tmp_path: Path
) -> None:
    import numpy as np

    finish(start_workers(tmp_path / "first", free_port(), 1, fer2013_dir, real_cache_dir,
                         ["--epochs", "1", "--limit", "512"]))  # fmt: skip
    first = str(tmp_path / "first" / "model.keras")
    # Models load only once JAX's runtime has started, on each process's own devices; a learning rate
    # too small to move the weights shows the run started from the given ones.
    still = ["--epochs", "1", "--limit", "512", "--lr", "1e-9", "--weight-decay", "0", "--seed", "1"]
    run = [*still, "--init", first, "--teacher", first]
    outputs = finish(start_workers(tmp_path / "tuned", free_port(), 2, fer2013_dir, real_cache_dir, run))
    assert all("PublicTest accuracy" in output for output in outputs)
    tuned = np.array(predictions(tmp_path / "tuned" / "model.keras", fer2013_dir, real_cache_dir))
    started = np.array(predictions(tmp_path / "first" / "model.keras", fer2013_dir, real_cache_dir))
    assert np.abs(tuned - started).max() < 1e-4


def test_a_killed_worker_resumes_from_the_backup(
    fer2013_dir: Path, real_cache_dir: Path, tmp_path: Path
) -> None:
    out, run = tmp_path / "run", ["--epochs", "3", "--limit", "1024", "--backup-every", "4"]
    workers = start_workers(out, free_port(), 2, fer2013_dir, real_cache_dir, run)
    deadline = time.monotonic() + 300
    while not (out / "log.csv").is_file() or len((out / "log.csv").read_text().splitlines()) < 2:
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers), "no epoch finished"
        time.sleep(0.2)
    workers[1].send_signal(signal.SIGKILL)  # a worker dies mid-run; the scheduler then ends the job
    workers[0].send_signal(signal.SIGKILL)
    for worker in workers:
        worker.communicate(timeout=60)
    assert (out / "backup").is_dir()

    outputs = finish(start_workers(out, free_port(), 2, fer2013_dir, real_cache_dir, run))
    assert all("Resuming" in output for output in outputs)
    epochs = [line.split(",")[0] for line in (out / "log.csv").read_text().splitlines()[1:]]
    assert epochs == ["0", "1", "2"]  # every epoch once: nothing lost, nothing repeated
    assert json.loads((out / "model.json").read_text())["epochs"] == 3


def test_a_worker_alone_where_two_were_promised_stops_with_one_line(
    fer2013_dir: Path, real_cache_dir: Path, tmp_path: Path
) -> None:
    run = ["--epochs", "1", "--limit", "256", "--cluster-timeout", "2"]
    command = worker_command(tmp_path / "run", free_port(), 2, 0, run)
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False,
                            env=worker_env(fer2013_dir, real_cache_dir))  # fmt: skip
    assert result.returncode == 2, result.stderr[-2000:]
    assert "ferlib train: only 1 of 2 processes started within 2 s (missing: 1)" in result.stderr
    assert not (tmp_path / "run").exists()  # nothing written before the cluster stood

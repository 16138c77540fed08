"""Training speed with one and two processes (``--strategy hosts``), each pinned to its own core.

Every row trains ferlib's default network for two epochs on the same Training subset with ferlib's
own ``train`` (batches of 64, mixed bfloat16, augmentation on) and times the second epoch, so start-up
and compilation are left out. ``hosts`` rows run Keras' DataParallel on JAX, the processes joined on
localhost; the ``tensorflow`` row is the one-machine default, also held to one core, for comparison.
Linux only (``taskset`` pins each process to a core).

Run:  python benchmarks/multi_process.py [--images 4096]
Prints a table and writes benchmarks/results/multi_process.json.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine
from ferlib.table import format_table

RESULTS = Path(__file__).with_name("results") / "multi_process.json"
BATCH = 64

WORKER = """
import json, sys, time
import keras
from ferlib.cluster import Cluster
from ferlib.config import TrainConfig
from ferlib.training import train

class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()
    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.start

out, images, port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
processes, index, batch = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
config = TrainConfig(architecture="ferlib", epochs=2, batch_size=batch, limit=images, output_dir=out,
                     precision="mixed_bfloat16")
cluster = Cluster(f"localhost:{port}", processes, index) if port != "none" else None
timer = EpochTimer()
train(config, cluster=cluster, callbacks=[timer], verbose=0)
print(json.dumps({"seconds": timer.seconds}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return int(probe.getsockname()[1])


def images_per_second(backend: str, processes: int, images: int, work: Path) -> float:
    """Training images a second in the second epoch, all processes together."""
    port = str(free_port()) if backend == "jax" else "none"
    env = {**os.environ, "KERAS_BACKEND": backend}
    out = work / f"{backend}-{processes}"
    commands = [
        ["taskset", "-c", str(index), sys.executable, "-c", WORKER, str(out), str(images), port,
         str(processes), str(index), str(BATCH)]
        for index in range(processes)
    ]  # fmt: skip
    workers = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for command in commands]
    reports = [json.loads(worker.communicate(timeout=3600)[0].strip().splitlines()[-1]) for worker in workers]
    return images // BATCH * BATCH / max(report["seconds"] for report in reports)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4096, help="Training images per epoch")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        speeds = {run: images_per_second(*run, args.images, Path(work)) for run in
                  (("tensorflow", 1), ("jax", 1), ("jax", 2))}  # fmt: skip
    rows = [
        {"backend": "tensorflow (default)" if backend == "tensorflow" else "jax (--strategy hosts)",
         "processes": processes, "cores": processes, "images_per_second": round(speed, 1),
         "scaling": round(speed / speeds[("jax", 1)], 2) if backend == "jax" else None}
        for (backend, processes), speed in speeds.items()
    ]  # fmt: skip
    print(format_table(list(rows[0]), [list(row.values()) for row in rows]))
    print(f"machine: {describe_machine()}")
    report = {"images": args.images, "batch_size": BATCH, "precision": "mixed_bfloat16", "rows": rows,
              "machine": describe_machine()}  # fmt: skip
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Training on several processes or hosts: Keras 3's distribution API on the JAX backend.

Every process runs the same ``ferlib train --strategy hosts`` command, told the coordinator's address
(process 0's ``host:port``), the number of processes and its own index, by flags or by environment
variables (``FERLIB_COORDINATOR``, ``FERLIB_NUM_PROCESSES``, ``FERLIB_PROCESS_ID``; under Slurm the
last two come from ``SLURM_NTASKS`` and ``SLURM_PROCID``). JAX's distributed runtime joins them and
``keras.distribution.DataParallel`` puts a copy of the model on every device of every process: each
global batch is split between the processes and the gradients are averaged.

JAX's runtime aborts a process, or waits, when a worker is missing or misconfigured. So ferlib checks
the cluster first with a handshake of its own on the port after the coordinator's: every process must
arrive within ``timeout`` seconds, agree on the number of processes, hold a distinct index and run the
same settings on the same data; otherwise every one of them stops with one ``ClusterError``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ferlib.errors import BackendError, ClusterError, ConfigError

#: Every way ``ferlib train`` can spread its work: ``default`` and ``mirrored`` are TensorFlow strategies
#: on one machine (``ferlib.distribute``), ``hosts`` is this module.
STRATEGIES = ("default", "mirrored", "hosts")

#: Where each setting comes from when no flag gives it, in order.
ENVIRONMENT = {
    "coordinator": ("FERLIB_COORDINATOR",),
    "processes": ("FERLIB_NUM_PROCESSES", "SLURM_NTASKS"),
    "index": ("FERLIB_PROCESS_ID", "SLURM_PROCID"),
}


@dataclass(frozen=True)
class Cluster:
    """Where this process stands: the coordinator's ``host:port``, how many processes, which one this is."""

    coordinator: str
    processes: int
    index: int
    timeout: float = 60.0

    def __post_init__(self) -> None:
        host, _, port = self.coordinator.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65535:
            raise ConfigError(f"the coordinator must be HOST:PORT (port 1-65534), got {self.coordinator!r}")
        if self.processes < 1:
            raise ConfigError(f"the number of processes must be at least 1, got {self.processes}")
        if not 0 <= self.index < self.processes:
            raise ConfigError(f"the process index must lie in 0..{self.processes - 1}, got {self.index}")
        if self.timeout <= 0:
            raise ConfigError(f"the timeout must be positive, got {self.timeout}")

    @property
    def host(self) -> str:
        return self.coordinator.rpartition(":")[0]

    @property
    def handshake_port(self) -> int:
        """ferlib's own start-up check listens on the port after JAX's coordinator."""
        return int(self.coordinator.rpartition(":")[2]) + 1

    @classmethod
    def from_environment(
        cls,
        coordinator: str | None = None,
        processes: int | None = None,
        index: int | None = None,
        timeout: float = 60.0,
        environ: Mapping[str, str] | None = None,
    ) -> Cluster:
        """The cluster from the values given, else from the environment (``ENVIRONMENT``)."""
        environ = os.environ if environ is None else environ
        given: dict[str, str | int | None] = {
            "coordinator": coordinator,
            "processes": processes,
            "index": index,
        }
        for name, variables in ENVIRONMENT.items():
            if given[name] is None:
                given[name] = next((environ[v] for v in variables if environ.get(v)), None)
            if given[name] is None:
                flag = {"coordinator": "--coordinator", "processes": "--processes", "index": "--process-id"}[
                    name
                ]
                raise ConfigError(f"--strategy hosts needs {flag} or the variable {' or '.join(variables)}")
        try:
            count, own = int(given["processes"]), int(given["index"])  # type: ignore[arg-type]
        except ValueError as error:
            raise ConfigError(f"the number of processes and the index must be integers: {error}") from None
        return cls(str(given["coordinator"]), count, own, timeout)


def handshake(cluster: Cluster, settings: str) -> None:
    """Check, before JAX starts, that every process arrives in time with the same ``settings`` (a
    fingerprint of the run's settings and data), the same number of processes and a distinct index."""
    if cluster.processes == 1:
        return
    if cluster.index == 0:
        _gather(cluster, settings)
    else:
        _report(cluster, settings)


def _gather(cluster: Cluster, settings: str) -> None:
    deadline = time.monotonic() + cluster.timeout
    joined: set[int] = set()
    connections: list[socket.socket] = []
    problem = None
    try:
        server = socket.create_server(("", cluster.handshake_port))
    except OSError as error:
        raise ClusterError(
            f"process 0 cannot listen on port {cluster.handshake_port} (the port after the coordinator's): "
            f"{error.strerror}; is another run, or another process 0, still using it?"
        ) from None
    with server:
        while len(joined) < cluster.processes - 1 and problem is None:
            server.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                connection, _ = server.accept()
            except TimeoutError:
                missing = sorted(set(range(1, cluster.processes)) - joined)
                problem = (
                    f"only {len(joined) + 1} of {cluster.processes} processes started within "
                    f"{cluster.timeout:g} s (missing: {', '.join(map(str, missing))}); start every worker, "
                    "each with its own --process-id, and check --processes"
                )
                break
            connections.append(connection)
            hello = _receive(connection, deadline)
            index = hello.get("index")
            if not isinstance(index, int) or not isinstance(hello.get("processes"), int):
                problem = f"a connection to port {cluster.handshake_port} sent no ferlib start-up message"
            elif hello.get("processes") != cluster.processes:
                problem = (
                    f"process {index} was told of {hello.get('processes')} processes, process 0 of "
                    f"{cluster.processes}; give every worker the same --processes"
                )
            elif index in joined or not 0 < index < cluster.processes:
                problem = f"two processes claim index {index}; give each worker its own --process-id"
            elif hello.get("settings") != settings:
                problem = (
                    f"process {index} runs other settings or data than process 0, or finds another run in "
                    "--out; start every worker with the same ferlib train command, the same FER-2013 and "
                    "an --out folder they all share"
                )
            else:
                joined.add(index)
    answer = {"error": problem} if problem else {"ok": True}
    for connection in connections:
        with connection:
            connection.sendall(json.dumps(answer).encode() + b"\n")
    if problem:
        raise ClusterError(problem)


def _report(cluster: Cluster, settings: str) -> None:
    deadline = time.monotonic() + cluster.timeout
    address = (cluster.host, cluster.handshake_port)
    while True:
        try:
            connection = socket.create_connection(address, timeout=max(0.01, deadline - time.monotonic()))
            break
        except OSError:
            if time.monotonic() >= deadline:
                raise ClusterError(
                    f"could not reach the coordinator (process 0) at {cluster.host}, port "
                    f"{cluster.handshake_port}, within {cluster.timeout:g} s; is process 0 started (or did "
                    "it already give up: see its output), and is --coordinator its address?"
                ) from None
            time.sleep(0.2)
    with connection:
        hello = {"index": cluster.index, "processes": cluster.processes, "settings": settings}
        connection.sendall(json.dumps(hello).encode() + b"\n")
        answer = _receive(connection, deadline + cluster.timeout)  # process 0 may wait for the others
    if "error" in answer or not answer.get("ok"):
        raise ClusterError(answer.get("error") or "process 0 ended the start-up check without an answer")


def _receive(connection: socket.socket, deadline: float) -> dict[str, Any]:
    """One JSON line from ``connection``, or an empty dict when none comes before ``deadline``."""
    data = b""
    while not data.endswith(b"\n"):
        connection.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = connection.recv(4096)
        except (TimeoutError, OSError):
            return {}
        if not chunk:
            return {}
        data += chunk
    try:
        message = json.loads(data)
    except ValueError:
        return {}
    return message if isinstance(message, dict) else {}


#: The cluster this process has joined (JAX's runtime starts once per process).
_joined: list[Cluster] = []


def join(cluster: Cluster, settings: str) -> None:
    """Check the cluster, start JAX's distributed runtime in this process and make Keras place a copy of
    every model built from now on on each device of every process (``DataParallel``)."""
    import keras

    if keras.backend.backend() != "jax":
        raise BackendError(
            "--strategy hosts trains on Keras' JAX backend: set KERAS_BACKEND=jax before Python starts "
            f"(the ferlib command does it itself); this Keras runs on {keras.backend.backend()}"
        )
    if _joined and (cluster.coordinator, cluster.processes, cluster.index) != (
        _joined[0].coordinator,
        _joined[0].processes,
        _joined[0].index,
    ):
        raise ClusterError(f"this process already joined another cluster ({_joined[0]})")
    if not _joined:
        handshake(cluster, settings)
        import jax

        if cluster.processes > 1:
            jax.distributed.initialize(
                coordinator_address=cluster.coordinator,
                num_processes=cluster.processes,
                process_id=cluster.index,
                initialization_timeout=max(1, round(cluster.timeout)),
            )
        _joined.append(cluster)
    import jax

    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=jax.devices()))


@contextlib.contextmanager
def local_models() -> Iterator[None]:
    """Models built or loaded inside (a teacher, a starting model) stay on this process's own devices
    rather than being spread by the cluster's ``DataParallel``: each process uses them on its own."""
    import keras

    previous = keras.distribution.distribution()
    keras.distribution.set_distribution(None)
    try:
        yield
    finally:
        keras.distribution.set_distribution(previous)


def is_chief() -> bool:
    """Whether this process writes the run's files: process 0, or the only process."""
    return not _joined or _joined[0].index == 0


def barrier(name: str) -> None:
    """Wait until every process of the cluster gets here (nothing to wait for in one process)."""
    if _joined and _joined[0].processes > 1:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices(name)

"""Settings the notebooks share: quick mode for CI and workshop mode for teachers.

``FERLIB_QUICK=1`` makes every notebook use small subsets and one or two epochs (nbval in CI);
``FERLIB_WORKSHOP=1`` sizes notebook 04's training for a 2-core laptop: the whole notebook in under twelve
minutes (``benchmarks/workshop_mode.py``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TypeVar

from ferlib.errors import ConfigError

T = TypeVar("T")

#: Where the benchmarks' saved results lie in a checkout of the repository (they are not in the wheel).
RESULTS_IN_CHECKOUT = Path("benchmarks", "results")


def quick_mode() -> bool:
    """Whether ``FERLIB_QUICK`` asks for the short run."""
    return os.environ.get("FERLIB_QUICK", "").strip().lower() in {"1", "true", "yes"}


def workshop_mode() -> bool:
    """Whether ``FERLIB_WORKSHOP`` asks for the classroom-sized training run."""
    return os.environ.get("FERLIB_WORKSHOP", "").strip().lower() in {"1", "true", "yes"}


_UNSET: Any = object()


def pick(full: T, quick: T, workshop: T = _UNSET) -> T:
    """The value for the current mode: one line per setting in the notebooks.

    Quick mode wins over workshop mode; a setting given no ``workshop`` value uses ``full`` there
    (``None`` is a value: ``workshop=None`` means None in workshop mode).
    """
    if quick_mode():
        return quick
    if workshop is not _UNSET and workshop_mode():
        return workshop
    return full


def mode_name() -> str:
    """The current mode in words, printed at the top of every notebook."""
    if quick_mode():
        return "quick (FERLIB_QUICK=1)"
    return "workshop (FERLIB_WORKSHOP=1)" if workshop_mode() else "full"


def results_dir(start: str | os.PathLike[str] | None = None) -> Path:
    """The benchmarks' saved results (``benchmarks/results``) of a ferlib checkout: the one this package
    runs from (``pip install -e .``), else the one holding ``start`` (default: the current folder, as
    for a notebook run from a clone with ferlib installed from a wheel). ``ConfigError`` where there is
    none: the results ship with the repository, not with the wheel."""
    here = Path(start if start is not None else Path.cwd()).resolve()
    for root in (Path(__file__).resolve().parents[1], here, *here.parents):
        if (root / RESULTS_IN_CHECKOUT).is_dir() and (root / "ferlib").is_dir():
            return root / RESULTS_IN_CHECKOUT
    raise ConfigError(
        f"no ferlib checkout holds {here}: the benchmarks' results ({RESULTS_IN_CHECKOUT}/) come with the "
        "repository, not the installed package; run the notebooks from a clone of ferlib"
    )


def benchmark_table(name: str) -> str:
    """A benchmark's saved rows (``benchmarks/results/NAME.json``, written by ``benchmarks/NAME.py``)
    as a table, with the machine they were measured on (where one machine measured them all): how a
    notebook quotes a measurement. The results are read from a checkout (``results_dir()``)."""
    from ferlib.table import format_table

    path = results_dir() / f"{name}.json"
    if not path.is_file():
        raise ConfigError(f"{path}: no such benchmark result (benchmarks/{name}.py writes it)")
    report = json.loads(path.read_text())
    rows = report["rows"]
    table = format_table(list(rows[0]), [list(row.values()) for row in rows])
    source = ", ".join([f"benchmarks/{name}.py", *([report["machine"]] if "machine" in report else [])])
    return f"{table}\n({source})"

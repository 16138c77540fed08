"""The benchmark tables of README and of the documentation site show figures that a benchmark wrote,
never hand-typed or stale ones.

Each number that starts a table cell on one of ``PAGES`` must equal, at the precision the page prints
it, a number in the results (``benchmarks/results/``) of the benchmark script the text names above that
table, and all the numbers of one row must come from one record of those results (one architecture, one
detector, ...), so a figure moved to the wrong row fails too. A table of figures with no script named
above it fails as well. Rerun a benchmark and forget the page, or type a figure in by hand, and this
fails naming the page and the row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LEADING_NUMBER = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?!\w)")
ANY_NUMBER = re.compile(r"\d+(?:\.\d+)?")
SCRIPT = re.compile(r"benchmarks/(\w+)\.py")

#: The pages that print benchmark figures in tables, and how many figures each holds at least (so that a
#: page whose tables went missing, or moved without this list following them, fails too).
PAGES = {"README.md": 16, "docs/model-card.md": 44, "docs/benchmarks.md": 278}


def _numbers_in(value: object) -> Iterator[float]:
    """Every number in a JSON value, including those written inside strings ("640 px"); durations in
    seconds also in minutes, as the pages give long ones."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, str):
        yield from (float(match) for match in ANY_NUMBER.findall(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers_in(item)
            if key.endswith("seconds") and isinstance(item, int | float):
                yield item / 60
    elif isinstance(value, list):
        for item in value:
            yield from _numbers_in(item)


def _records(value: object) -> Iterator[dict]:
    """The innermost records of a JSON value: dicts that hold no list of further records."""
    if isinstance(value, dict):
        if not any(
            isinstance(item, list) and any(isinstance(i, dict) for i in item) for item in value.values()
        ):
            yield value
        for item in value.values():
            yield from _records(item)
    elif isinstance(value, list):
        for item in value:
            yield from _records(item)


def _measured(script: str) -> list[list[float]]:
    """The numbers of each record in every result file that ``benchmarks/<script>.py`` wrote."""
    sources = sorted((ROOT / "benchmarks" / "results").glob(f"{script}*.json"))
    assert sources, f"benchmarks/{script}.py has no result in benchmarks/results/"
    return [
        list(_numbers_in(record)) for path in sources for record in _records(json.loads(path.read_text()))
    ]


def _table_cells(page: str) -> list[tuple[str, str, str]]:
    """(script, row, cell) for each table cell of ``page`` that starts with a number; ``script`` is the
    last ``benchmarks/<script>.py`` the text names above the table ("" where it names none)."""
    cells, script = [], ""
    for line in (ROOT / page).read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            script = ([script, *SCRIPT.findall(line)])[-1]
            continue
        for cell in (part.strip() for part in line.strip("|").split("|")):
            if LEADING_NUMBER.match(cell):
                cells.append((script, line, cell))
    return cells


def _backs(measured: float, cell: str) -> bool:
    """True when ``measured`` rounds to the number at the start of ``cell`` at the digits it shows."""
    whole, fraction = LEADING_NUMBER.match(cell).groups()  # type: ignore[union-attr]
    shown = float(whole.replace(",", "") + (fraction or ""))
    half_step = 0.5 * 10 ** -(len(fraction) - 1 if fraction else 0)
    return abs(measured - shown) <= half_step + 1e-9


@pytest.mark.parametrize("page", PAGES)
def test_every_benchmark_row_comes_from_one_record_of_its_benchmark(page: str) -> None:
    rows: dict[tuple[str, str], list[str]] = {}
    for script, row, cell in _table_cells(page):
        rows.setdefault((script, row), []).append(cell)
    assert sum(map(len, rows.values())) >= PAGES[page], f"{page}'s benchmark tables went missing"
    unsourced = [row for script, row in rows if not script]
    assert not unsourced, f"{page}: figures with no benchmarks/<script>.py named above them:\n" + "\n".join(
        unsourced
    )
    unbacked = [
        f"{row} (from benchmarks/{script}.py)"
        for (script, row), cells in rows.items()
        if not any(
            all(any(_backs(value, cell) for value in record) for cell in cells)
            for record in _measured(script)
        )
    ]
    assert not unbacked, f"{page}: rows no single record of their benchmark's results holds:\n" + "\n".join(
        unbacked
    )

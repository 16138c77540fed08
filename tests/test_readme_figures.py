"""README's benchmark tables show figures that a benchmark wrote, never hand-typed or stale ones.

Each number that starts a table cell in README's Benchmarks section must equal, at the precision
README prints it, a number in the results (``benchmarks/results/``) of the benchmark script the text
names above that table, and all the numbers of one README row must come from one record of those
results (one architecture, one detector, ...), so a figure moved to the wrong row fails too. Rerun a
benchmark and forget README, or type a figure in by hand, and this fails naming the row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEADING_NUMBER = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?!\w)")
ANY_NUMBER = re.compile(r"\d+(?:\.\d+)?")
SCRIPT = re.compile(r"benchmarks/(\w+)\.py")


def _numbers_in(value: object) -> Iterator[float]:
    """Every number in a JSON value, including those written inside strings ("640 px"); durations in
    seconds also in minutes, as README gives long ones."""
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


def _benchmark_table_cells() -> list[tuple[str, str, str]]:
    """(script, row, cell) for each table cell under README's "## Benchmarks" heading that starts with a
    number; ``script`` is the last ``benchmarks/<script>.py`` the text names above the table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Benchmarks\n", 1)[1].split("\n## ", 1)[0]
    cells, script = [], ""
    for line in section.splitlines():
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


def test_every_readme_benchmark_row_comes_from_one_record_of_its_benchmark() -> None:
    rows: dict[tuple[str, str], list[str]] = {}
    for script, row, cell in _benchmark_table_cells():
        rows.setdefault((script, row), []).append(cell)
    assert sum(map(len, rows.values())) > 100, "README's benchmark tables went missing"
    unbacked = [
        f"{row} (from benchmarks/{script}.py)"
        for (script, row), cells in rows.items()
        if not any(
            all(any(_backs(value, cell) for value in record) for cell in cells)
            for record in _measured(script)
        )
    ]
    assert not unbacked, "README rows no single record of their benchmark's results holds:\n" + "\n".join(
        unbacked
    )

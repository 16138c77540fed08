"""README's benchmark tables show figures that a benchmark wrote, never hand-typed or stale ones.

Each number that starts a table cell in README's Benchmarks section must equal, at the precision
README prints it, a number in the results (``benchmarks/results/``) of the benchmark script the text
names above that table. Rerun a benchmark and forget README, or type a figure in by hand, and this
fails naming the cell.
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


def _measured(script: str) -> list[float]:
    """The numbers in every result file that ``benchmarks/<script>.py`` wrote."""
    sources = sorted((ROOT / "benchmarks" / "results").glob(f"{script}*.json"))
    assert sources, f"benchmarks/{script}.py has no result in benchmarks/results/"
    return [number for path in sources for number in _numbers_in(json.loads(path.read_text()))]


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


def test_every_readme_benchmark_figure_comes_from_its_benchmark() -> None:
    cells = _benchmark_table_cells()
    assert len(cells) > 100, "README's benchmark tables went missing"
    unbacked = [
        f"{cell!r} in {row} (from benchmarks/{script}.py)"
        for script, row, cell in cells
        if not any(_backs(value, cell) for value in _measured(script))
    ]
    assert not unbacked, "README figures their benchmark's results do not hold:\n" + "\n".join(unbacked)


def test_a_figure_is_backed_only_at_the_digits_shown() -> None:
    assert _backs(0.6654, "0.6654") and _backs(678.5, "679") and _backs(1242151, "1,242,151")
    assert _backs(812.1 / 60, "13.5 minutes") and _backs(640, "640 px")
    assert not _backs(0.6654, "0.6655") and not _backs(0.6654, "0.66")

"""Plain-text tables for the command line and the benchmarks."""

from __future__ import annotations

from collections.abc import Sequence


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Columns as wide as their widest cell; text left-aligned, numbers (and blanks for None)
    right-aligned, with thousands separators for integers. A column of fractions (every real number in
    it between 0 and 1, such as accuracies) gets four decimals; any other column of real numbers one
    decimal, or two where one of them is below 1, the same for every cell so that the column lines up."""
    decimals = [_decimals([r[i] for r in rows]) for i in range(len(headers))]
    cells = [[_cell(value, places) for value, places in zip(row, decimals, strict=True)] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    numeric = [
        any(isinstance(r[i], (int, float)) for r in rows)
        and all(isinstance(r[i], (int, float)) or r[i] is None for r in rows)
        for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in cells)])


def _decimals(column: Sequence[object]) -> int:
    reals = [abs(v) for v in column if isinstance(v, float)]
    if reals and all(v <= 1 for v in reals):
        return 4
    return 2 if any(0 < v < 1 for v in reals) else 1


def _cell(value: object, decimals: int) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{decimals}f}"
    return str(value)

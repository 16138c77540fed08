"""The notebooks' mode switches: quick (CI), workshop (teachers) and full."""

from __future__ import annotations

from pathlib import Path

import pytest

from ferlib.course import mode_name, pick


@pytest.mark.parametrize(
    ("quick", "workshop", "expected", "name"),
    [
        ("", "", "full", "full"),
        ("1", "", "quick", "quick"),
        ("", "yes", "workshop", "workshop"),
        ("true", "1", "quick", "quick"),  # quick mode wins: CI must stay short
        ("0", "0", "full", "full"),
    ],
)
def test_pick_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, quick: str, workshop: str, expected: str, name: str
) -> None:
    monkeypatch.setenv("FERLIB_QUICK", quick)
    monkeypatch.setenv("FERLIB_WORKSHOP", workshop)
    assert pick(full="full", quick="quick", workshop="workshop") == expected
    assert mode_name().startswith(name)


def test_a_setting_without_a_workshop_value_uses_the_full_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FERLIB_QUICK", raising=False)
    monkeypatch.setenv("FERLIB_WORKSHOP", "1")
    assert pick(full=30, quick=1) == 30


def test_none_is_a_workshop_value_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FERLIB_QUICK", raising=False)
    monkeypatch.setenv("FERLIB_WORKSHOP", "1")
    assert pick(full="augment", quick="augment", workshop=None) is None


def test_benchmark_tables_show_every_saved_row_and_the_machine() -> None:
    import json

    from ferlib.course import benchmark_table, results_dir

    paths = sorted(results_dir().glob("*.json"))
    assert len(paths) >= 4  # notebook 06 quotes four of them
    for path in paths:
        report = json.loads(path.read_text())
        if "rows" not in report:
            continue
        lines = benchmark_table(path.stem).splitlines()
        assert len(lines) == 2 + len(report["rows"]) + 1, path.name  # header, rule, rows, source
        machine = f", {report['machine']}" if "machine" in report else ""
        assert lines[-1] == f"(benchmarks/{path.stem}.py{machine})"


def test_an_unknown_benchmark_is_a_clear_error() -> None:
    from ferlib.course import benchmark_table
    from ferlib.errors import ConfigError

    with pytest.raises(ConfigError, match="no such benchmark result"):
        benchmark_table("no_such_benchmark")


def test_from_a_wheel_the_results_come_from_the_checkout_holding_the_current_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ferlib import course
    from ferlib.errors import ConfigError

    checkout = course.results_dir().parents[1]
    installed = tmp_path / "site-packages" / "ferlib"
    installed.mkdir(parents=True)
    monkeypatch.setattr(course, "__file__", str(installed / "course.py"))  # as installed from a wheel
    assert course.results_dir(checkout / "notebooks") == checkout / "benchmarks" / "results"
    monkeypatch.chdir(checkout / "notebooks")  # a notebook's kernel runs in its folder
    assert course.benchmark_table("live_fps").endswith(")")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"^no ferlib checkout holds .*run the notebooks from a clone"):
        course.benchmark_table("live_fps")


def test_a_results_folder_outside_a_ferlib_checkout_is_not_taken(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ferlib import course
    from ferlib.errors import ConfigError

    monkeypatch.setattr(course, "__file__", str(tmp_path / "site-packages" / "ferlib" / "course.py"))
    other = tmp_path / "someone_elses_project"
    (other / "benchmarks" / "results").mkdir(parents=True)
    with pytest.raises(ConfigError, match="no ferlib checkout holds"):
        course.results_dir(other)

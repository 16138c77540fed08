"""The ``ferlib`` command line, run as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ferlib.cli import main
from ferlib.data import download as download_module

from synthetic import make_kaggle_layout


def test_info_prints_a_table_of_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_kaggle_layout(tmp_path / "fer", per_class=2)
    assert main(["info", str(root), "--duplicates"]) == 0
    out = capsys.readouterr().out
    assert f"FER-2013 at {root}" in out
    assert any(line.split() == ["happy", "2", "2", "2", "6"] for line in out.splitlines())
    assert any(line.split() == ["total", "14", "14", "14", "42"] for line in out.splitlines())
    assert "0 groups of identical images" in out


def test_info_on_a_missing_folder_exits_2_with_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "FER-2013 was not found" in err and "ferlib download" in err and "Traceback" not in err


def test_download_offline_exits_2_with_manual_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(download_module, "KAGGLE_HOST", ("127.0.0.1", 9))
    assert main(["download", str(tmp_path / "fer")]) == 2
    assert "To get the data by hand" in capsys.readouterr().err


def test_console_script_is_installed(tmp_path: Path) -> None:
    root = make_kaggle_layout(tmp_path / "fer", per_class=1)
    ferlib = Path(sys.executable).with_name("ferlib")
    result = subprocess.run(
        [str(ferlib), "info", str(root)], check=False, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "PrivateTest" in result.stdout


def test_data_commands_do_not_load_tensorflow() -> None:
    code = "import sys, ferlib.cli; ferlib.cli._parser(); print('tensorflow' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "False", "`ferlib info` and `ferlib download` must start fast"

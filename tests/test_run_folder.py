"""A run's output folder is the user's: a finished run is never retrained or deleted unless asked, and
nothing in the folder is touched before the settings, the data and the teacher have been checked."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest

from ferlib.card import read_card
from ferlib.cli import main
from ferlib.config import TrainConfig
from ferlib.data import FER2013
from ferlib.errors import RunExistsError
from ferlib.pretrained import PRETRAINED_PATH, model_file
from ferlib.training import RUN_FILES, run_state, train

from synthetic import make_kaggle_layout

TINY = ["--arch", "minimal", "--epochs", "1", "--batch-size", "32", "--limit", "128"]


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes and its modification time."""
    return {
        str(path.relative_to(folder)): f"{_sha256(path)}@{path.stat().st_mtime_ns}"
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }  # fmt: skip


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def finished_run(fer2013_dir: Path, real_dataset: FER2013, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    assert main(["train", *TINY, "--out", str(out), "--data", str(fer2013_dir)]) == 0
    assert (out / "model.keras").is_file() and (out / "model.json").is_file()
    return out


def test_the_same_command_on_a_finished_run_says_so_and_touches_nothing(
    finished_run: Path, fer2013_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(finished_run)
    capsys.readouterr()
    assert main(["train", *TINY, "--out", str(finished_run), "--data", str(fer2013_dir)]) == 0
    out = capsys.readouterr().out
    assert "finished: nothing to train" in out and str(finished_run / "model.keras") in out
    assert _snapshot(finished_run) == before


def test_a_typo_in_data_leaves_a_finished_run_untouched(
    finished_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(finished_run)
    status = main(["train", *TINY, "--out", str(finished_run), "--data", str(tmp_path / "fer2031")])
    assert status == 0  # the run is finished: the data is not even needed
    assert _snapshot(finished_run) == before


def test_other_settings_on_a_finished_run_are_refused_with_one_line(
    finished_run: Path, fer2013_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(finished_run)
    flags = ["--arch", "minimal", "--epochs", "2", "--batch-size", "32", "--limit", "128"]
    assert main(["train", *flags, "--out", str(finished_run), "--data", str(fer2013_dir)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "finished run" in err and "epochs: 1 there, 2 now" in err
    assert "--overwrite" in err
    assert _snapshot(finished_run) == before


def test_overwrite_starts_again(finished_run: Path, fer2013_dir: Path) -> None:
    before = _snapshot(finished_run)
    flags = ["--arch", "minimal", "--epochs", "2", "--batch-size", "32", "--limit", "128"]
    assert main(["train", *flags, "--out", str(finished_run), "--data", str(fer2013_dir), "--overwrite"]) == 0
    after = _snapshot(finished_run)
    assert after["model.keras"] != before["model.keras"]
    assert len((finished_run / "log.csv").read_text().strip().splitlines()) == 3  # header, two epochs


def test_bad_data_on_a_new_folder_creates_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", *TINY, "--out", str(out), "--data", str(tmp_path / "missing")]) == 2
    assert "FER-2013 was not found" in capsys.readouterr().err
    assert not out.exists()


def test_a_missing_teacher_is_refused_before_the_data_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    flags = [*TINY, "--teacher", str(tmp_path / "teacher.keras"), "--data", str(tmp_path / "missing")]
    assert main(["train", *flags, "--out", str(out)]) == 2
    assert "no such teacher model file" in capsys.readouterr().err
    assert not out.exists()


def test_run_state_reads_the_folder_without_touching_it(tmp_path: Path) -> None:
    config = TrainConfig(architecture="minimal", output_dir=str(tmp_path))
    assert run_state(tmp_path / "empty", config) == "new"
    (tmp_path / "log.csv").write_text("epoch,accuracy\n0,0.5\n")
    with pytest.raises(RunExistsError, match=r"no readable config\.json"):
        run_state(tmp_path, config)
    (tmp_path / "config.json").write_text(json.dumps(asdict(config)))
    with pytest.raises(RunExistsError, match="no backup to resume from"):
        run_state(tmp_path, config)  # files of a run, but nothing to resume and no finished model
    assert run_state(tmp_path, config, overwrite=True) == "overwrite"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["config.json", "log.csv"]
    assert (tmp_path / "log.csv").read_text() == "epoch,accuracy\n0,0.5\n"


def test_an_unfinished_run_resumes_only_with_its_own_settings(real_dataset: FER2013, tmp_path: Path) -> None:
    from ferlib.errors import TrainingInterrupted
    from ferlib.training import InterruptAfter

    config = TrainConfig(architecture="minimal", epochs=2, batch_size=32, limit=128, backup_every_batches=2,
                         output_dir=str(tmp_path))  # fmt: skip
    with pytest.raises(TrainingInterrupted):
        train(config, data=real_dataset, callbacks=[InterruptAfter(3)], verbose=0)
    assert run_state(tmp_path, config) == "resume"
    other = TrainConfig(**{**config.__dict__, "learning_rate": 0.01})
    with pytest.raises(RunExistsError, match="unfinished run"):
        train(other, data=real_dataset, verbose=0)
    assert (tmp_path / "backup").is_dir()


def test_a_run_resumes_only_against_the_teacher_file_it_began_with(
    real_dataset: FER2013, tmp_path: Path
) -> None:
    from ferlib.errors import TrainingInterrupted
    from ferlib.training import InterruptAfter

    teacher, out = tmp_path / "teacher.keras", tmp_path / "run"
    shutil.copy(PRETRAINED_PATH, teacher)
    config = TrainConfig(architecture="minimal", epochs=2, batch_size=32, limit=128, backup_every_batches=2,
                         teacher=str(teacher), output_dir=str(out))  # fmt: skip
    with pytest.raises(TrainingInterrupted):
        train(config, data=real_dataset, callbacks=[InterruptAfter(3)], verbose=0)
    assert json.loads((out / "teacher.json").read_text())["file"] == str(teacher)
    shutil.copy(model_file("accurate"), teacher)  # another model under the same name
    with pytest.raises(RunExistsError, match="began with another teacher file"):
        train(config, data=real_dataset, verbose=0)
    assert (out / "backup").is_dir()
    shutil.copy(PRETRAINED_PATH, teacher)  # the same file again: the run resumes and finishes
    assert train(config, data=real_dataset, verbose=0).card["epochs"] == 2


def test_run_files_name_everything_a_run_writes(finished_run: Path) -> None:
    assert {path.name for path in finished_run.iterdir()} <= set(RUN_FILES)


def test_report_private_test_on_a_finished_run_adds_it_to_the_card_once(
    finished_run: Path, fer2013_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Models are chosen on PublicTest; the chosen run is measured on PrivateTest afterwards, once."""
    model_before = _sha256(finished_run / "model.keras")
    card = json.loads((finished_run / "model.json").read_text())
    assert card["private_test_accuracy"] is None
    capsys.readouterr()
    folders = ["--out", str(finished_run), "--data", str(fer2013_dir)]
    command = ["train", *TINY, *folders, "--report-private-test"]
    assert main(command) == 0
    assert "PrivateTest accuracy:" in capsys.readouterr().out
    reported = json.loads((finished_run / "model.json").read_text())
    assert 0 < reported["private_test_accuracy"] < 1 and reported["config"]["report_private_test"]
    assert {k: v for k, v in reported.items() if k not in ("private_test_accuracy", "config", "command")} == {
        k: v for k, v in card.items() if k not in ("private_test_accuracy", "config", "command")
    }
    assert _sha256(finished_run / "model.keras") == model_before
    before = _snapshot(finished_run)
    assert main(command) == 0  # measured already: nothing is measured or written again
    assert _snapshot(finished_run) == before


def test_report_private_test_refuses_other_data(
    finished_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = make_kaggle_layout(tmp_path / "other")
    before = _snapshot(finished_run)
    status = main(["train", *TINY, "--out", str(finished_run), "--data", str(other), "--report-private-test"])
    assert status == 2 and "is not the data" in capsys.readouterr().err
    assert _snapshot(finished_run) == before


def test_a_card_from_an_earlier_ferlib_gets_what_the_run_cost_and_nothing_else(
    finished_run: Path, fer2013_dir: Path
) -> None:
    card = json.loads((finished_run / "model.json").read_text())
    own = {"folder": str(finished_run), "command": card["command"], "wall_seconds": card["wall_seconds"]}
    assert card["training_runs"] == [own]
    assert card["total_wall_seconds"] == pytest.approx(card["wall_seconds"], abs=0.1)
    legacy = {k: v for k, v in card.items() if k not in ("training_runs", "total_wall_seconds")}
    (finished_run / "model.json").write_text(json.dumps(legacy))
    model_before = _sha256(finished_run / "model.keras")

    assert main(["train", *TINY, "--out", str(finished_run), "--data", str(fer2013_dir)]) == 0
    assert json.loads((finished_run / "model.json").read_text()) == card
    assert _sha256(finished_run / "model.keras") == model_before


def test_a_students_card_from_an_earlier_ferlib_gets_the_breakdown_only_when_its_teacher_has_one(
    fer2013_dir: Path, tmp_path: Path
) -> None:
    teacher, out = tmp_path / "teacher.keras", tmp_path / "student"
    shutil.copy(PRETRAINED_PATH, teacher)
    shutil.copy(PRETRAINED_PATH.with_suffix(".json"), teacher.with_suffix(".json"))
    command = ["train", *TINY, "--teacher", str(teacher), "--out", str(out), "--data", str(fer2013_dir)]
    assert main(command) == 0
    card = json.loads((out / "model.json").read_text())
    assert card["training_runs"][1:] == read_card(teacher)["training_runs"]

    # as an earlier ferlib wrote them: no breakdown, and a total that may count a network twice
    legacy = {k: v for k, v in card.items() if k != "training_runs"} | {"total_wall_seconds": 1e6}
    teacher_card = teacher.with_suffix(".json").read_text()
    (out / "model.json").write_text(json.dumps(legacy))
    teacher.with_suffix(".json").write_text(
        json.dumps({k: v for k, v in json.loads(teacher_card).items() if k != "training_runs"})
    )
    assert main(command) == 0  # the teacher's cost is unknown too: the card stays as it was
    assert json.loads((out / "model.json").read_text()) == legacy
    teacher.with_suffix(".json").write_text(teacher_card)
    assert main(command) == 0  # now it can be counted, each run once
    assert json.loads((out / "model.json").read_text()) == card
    # a card from before ferlib kept the teacher's fingerprint gets it from the run's teacher.json
    (out / "model.json").write_text(json.dumps({k: v for k, v in card.items() if k != "teacher_fingerprint"}))
    assert main(command) == 0
    assert json.loads((out / "model.json").read_text()) == card

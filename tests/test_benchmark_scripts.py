"""The benchmark scripts that keep a run's predictions and build on them (``store_candidate.py``,
``stored_teacher.py``, ``ensemble_members.py``, ``candidate_runs.py``), run for real on a tiny synthetic
FER-2013: only the data loader and the models' predictions are replaced, and every file they write goes
under ``tmp_path``, never into ``benchmarks/results``."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import json
import math
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import ferlib.evaluation
import ferlib.models
from ferlib.config import TrainConfig
from ferlib.data import FER2013, load_fer2013
from ferlib.distill import file_fingerprint
from ferlib.labels import NUM_CLASSES
from ferlib.machine import describe_machine

from synthetic import make_kaggle_layout

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def data(tmp_path: Path) -> FER2013:
    """FER-2013 in miniature: 14 faces a split, two of each emotion."""
    return load_fer2013(make_kaggle_layout(tmp_path / "fer", per_class=2), use_cache=False, progress=False)


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ModuleType:
    """``benchmarks/_stored.py``, keeping predictions under ``tmp_path``."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    module = importlib.import_module("_stored")
    monkeypatch.setattr(module, "PREDICTIONS", tmp_path / "predictions")
    return module


@pytest.fixture
def script(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, data: FER2013, stored: ModuleType
) -> Callable[[str], ModuleType]:
    """Loads ``benchmarks/NAME.py`` afresh, reading ``data`` and writing under ``tmp_path``."""

    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(f"benchmark_{name}", BENCHMARKS / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        monkeypatch.setattr(module, "load_fer2013", lambda *args, **kwargs: data)
        for folder, path in (("RESULTS", "results"), ("CANDIDATES", "results/candidates")):
            if hasattr(module, folder):
                monkeypatch.setattr(module, folder, tmp_path / path)
        return module

    return load


def run(monkeypatch: pytest.MonkeyPatch, module: ModuleType, *args: str) -> None:
    """``python benchmarks/<module>.py ARGS...``."""
    monkeypatch.setattr(sys, "argv", [module.__file__, *args])
    module.main()


def close_calls(labels: np.ndarray) -> np.ndarray:
    """Probabilities that put the label first by 0.00005, a gap that float16 rounds away: stored, every
    face whose label is not 0 ties with the class before, which ``argmax`` takes, so it reads wrong."""
    probabilities = np.full((len(labels), NUM_CLASSES), 0.08, dtype=np.float32)
    rows = np.arange(len(labels))
    probabilities[rows, labels] = 0.30005
    probabilities[rows, (labels - 1) % NUM_CLASSES] = 0.3
    return probabilities / probabilities.sum(axis=1, keepdims=True)


def confident(classes: np.ndarray) -> np.ndarray:
    """Probabilities that put each of ``classes`` first by far: float16 keeps every one first."""
    return np.eye(NUM_CLASSES, dtype=np.float32)[classes] * 0.9 + 0.1 / NUM_CLASSES


def fake_model(
    monkeypatch: pytest.MonkeyPatch,
    data: FER2013,
    loader: object,
    predictor: object,
    give: Callable[[np.ndarray], np.ndarray] = close_calls,
) -> list[int]:
    """``loader.load_model_file`` and ``predictor.predict_proba`` replaced by a model that gives each of
    ``data``'s faces ``give`` of its label (``close_calls`` unless told), over test-time views or not;
    returns the list of the number of faces of each prediction made, to tell whether one was."""
    labels = {id(split.images): split.labels for split in (data.training, data.public_test)}
    calls: list[int] = []

    def predict_proba(model: str, faces: np.ndarray, tta: bool = False) -> np.ndarray:
        assert model == "model"
        calls.append(len(faces))
        return give(labels[id(faces)])

    monkeypatch.setattr(loader, "load_model_file", lambda path: "model")
    monkeypatch.setattr(predictor, "predict_proba", predict_proba)
    return calls


class MachineGone(Exception):
    """The machine going away in the middle of a store."""


def finished_run(folder: Path, name: str, teacher: Path | None = None) -> Path:
    """A finished run folder as ``ferlib train`` leaves it: its card, its epoch log and its model
    (``teacher``: distilled from that file of stored predictions)."""
    folder.mkdir(parents=True)
    card = {
        "command": f"ferlib train --out {name}",
        "config": dataclasses.asdict(TrainConfig(epochs=2, teacher=str(teacher) if teacher else None)),
        "epochs": 2,
        "wall_seconds": 90.0,
        "total_wall_seconds": 90.0,
        "public_test_accuracy": 0.5,
        "private_test_accuracy": None,
        "machine": "test machine",
        "teacher_fingerprint": file_fingerprint(teacher) if teacher else None,
    }
    (folder / "model.json").write_text(json.dumps(card))
    (folder / "log.csv").write_text("epoch,accuracy,val_accuracy\n0,0.3,0.25\n1,0.4,0.5\n")
    (folder / "model.keras").write_bytes(b"weights")
    return folder


def test_store_candidate_writes_its_card_last_and_prints_what_it_stored(
    script: Callable[[str], ModuleType],
    stored: ModuleType,
    data: FER2013,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every file lands by an atomic rename, the card last; the accuracies printed are those of the
    float16 files (the float32 predictions read 1.0, the stored ones far less)."""
    store_candidate = script("store_candidate")
    fake_model(monkeypatch, data, store_candidate, store_candidate)
    renamed: list[Path] = []
    replace = os.replace

    def recording_replace(source: str, destination: str) -> None:
        renamed.append(Path(destination))
        replace(source, destination)

    monkeypatch.setattr(os, "replace", recording_replace)
    run_folder = finished_run(tmp_path / "run", "kept")
    run(monkeypatch, store_candidate, str(run_folder), "kept")

    card = store_candidate.CANDIDATES / "kept.json"
    predictions = [stored.path("kept", split) for split in stored.SPLITS]
    assert renamed[-1] == card
    assert sorted(renamed) == sorted([*predictions, store_candidate.CANDIDATES / "kept_log.csv", card])
    assert card.read_bytes() == (run_folder / "model.json").read_bytes()
    assert (store_candidate.CANDIDATES / "kept_log.csv").read_bytes() == (run_folder / "log.csv").read_bytes()
    assert not (store_candidate.CANDIDATES / "kept_teacher.json").exists()  # not distilled
    printed = dict(re.findall(r"kept (\w+) \(as stored\): ([\d.]+)", capsys.readouterr().out))
    labels = data.public_test.labels
    for split in ("PublicTest", "PublicTest_tta"):
        kept = np.load(stored.path("kept", split))
        assert kept.dtype == np.float16
        assert printed[split] == f"{np.mean(kept.argmax(axis=1) == labels):.4f}"
        assert float(printed[split]) < 0.5  # the float32 predictions read 1.0
    assert np.load(stored.path("kept", "Training")).shape == (len(data.training), NUM_CLASSES)


def test_a_store_cut_short_has_no_card_and_is_redone_with_overwrite(
    script: Callable[[str], ModuleType],
    stored: ModuleType,
    data: FER2013,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store_candidate = script("store_candidate")
    fake_model(monkeypatch, data, store_candidate, store_candidate)
    run_folder = finished_run(tmp_path / "run", "kept")
    log = store_candidate.CANDIDATES / "kept_log.csv"
    replace = os.replace

    def stopping_at_the_log(source: str, destination: str) -> None:
        if Path(destination) == log:
            raise MachineGone
        replace(source, destination)

    monkeypatch.setattr(os, "replace", stopping_at_the_log)
    with pytest.raises(MachineGone):
        run(monkeypatch, store_candidate, str(run_folder), "kept")
    assert stored.path("kept", "Training").exists()
    assert not log.exists() and not (store_candidate.CANDIDATES / "kept.json").exists()
    assert not list(store_candidate.CANDIDATES.glob(".*"))  # no temporary file left behind

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(SystemExit):
        run(monkeypatch, store_candidate, str(run_folder), "kept")
    assert "kept is already stored" in capsys.readouterr().err
    run(monkeypatch, store_candidate, str(run_folder), "kept", "--overwrite")
    assert log.read_bytes() == (run_folder / "log.csv").read_bytes()
    assert (store_candidate.CANDIDATES / "kept.json").read_bytes() == (run_folder / "model.json").read_bytes()


def test_a_re_store_cut_short_leaves_no_card(
    script: Callable[[str], ModuleType],
    data: FER2013,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under --overwrite the old card goes first, so a re-store cut short leaves no card beside the new
    predictions, and a plan that skips stored runs by their card redoes it."""
    store_candidate = script("store_candidate")
    fake_model(monkeypatch, data, store_candidate, store_candidate)
    run_folder = finished_run(tmp_path / "run", "kept")
    run(monkeypatch, store_candidate, str(run_folder), "kept")
    card = store_candidate.CANDIDATES / "kept.json"
    assert card.exists()
    replace = os.replace

    def stopping_at_the_first_prediction(source: str, destination: str) -> None:
        raise MachineGone

    monkeypatch.setattr(os, "replace", stopping_at_the_first_prediction)
    with pytest.raises(MachineGone):
        run(monkeypatch, store_candidate, str(run_folder), "kept", "--overwrite")
    assert not card.exists()
    monkeypatch.setattr(os, "replace", replace)
    run(monkeypatch, store_candidate, str(run_folder), "kept", "--overwrite")
    assert card.read_bytes() == (run_folder / "model.json").read_bytes()


def test_store_candidate_refuses_a_name_that_reads_as_a_teacher_record(
    script: Callable[[str], ModuleType],
    data: FER2013,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store_candidate = script("store_candidate")
    calls = fake_model(monkeypatch, data, store_candidate, store_candidate)
    with pytest.raises(SystemExit):
        run(monkeypatch, store_candidate, str(finished_run(tmp_path / "run", "x")), "x_teacher")
    assert "x_teacher: a name ending in _teacher would read as another run's teacher record" in (
        capsys.readouterr().err
    )
    assert not calls and not store_candidate.CANDIDATES.exists()


def test_stored_teacher_averages_its_members_and_records_them(
    script: Callable[[str], ModuleType],
    stored: ModuleType,
    data: FER2013,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rng = np.random.default_rng(0)
    members = {}
    for name in ("first", "second"):
        for split, faces in (("Training", data.training), ("PublicTest", data.public_test)):
            probabilities = rng.dirichlet(np.ones(NUM_CLASSES), len(faces))
            members[name, split] = stored.save(name, split, probabilities)
    out = tmp_path / "ensembles" / "pair.npy"
    run(monkeypatch, script("stored_teacher"), "first", "second", "--out", str(out))

    average = np.mean([members["first", "Training"], members["second", "Training"]], axis=0)
    teacher = np.load(out)
    assert teacher.dtype == np.float16
    np.testing.assert_array_equal(teacher, average.astype(np.float16))
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["teacher"] == "pair.npy" and record["teacher_fingerprint"] == file_fingerprint(out)
    assert record["machine"] == describe_machine()
    assert record["command"].startswith("python ") and record["command"].endswith(f"first second --out {out}")
    results = tmp_path / "results" / "stored_teacher_pair.json"
    assert results.read_bytes() == out.with_suffix(".json").read_bytes()
    accuracy = stored.accuracy

    training, public = data.training.labels, data.public_test.labels
    assert record["members"] == [
        {
            "name": name,
            "public_test_accuracy": accuracy(members[name, "PublicTest"], public),
            "training_accuracy": accuracy(members[name, "Training"], training),
        }
        for name in ("first", "second")
    ]
    public_average = np.mean([members["first", "PublicTest"], members["second", "PublicTest"]], axis=0)
    mean_top = round(float(teacher.astype(np.float32).max(axis=1).mean()), 4)
    assert record["average"] == {
        "public_test_accuracy": accuracy(public_average, public),
        "training_accuracy": accuracy(teacher, training),
        "training_mean_top_probability": mean_top,
    }
    assert f"mean top probability on Training {mean_top:.4f}" in capsys.readouterr().out


def test_stored_teacher_never_replaces_a_record_or_a_result_unasked(
    script: Callable[[str], ModuleType],
    stored: ModuleType,
    data: FER2013,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """FILE.json beside FILE.npy, or benchmarks/results/stored_teacher_<FILE's stem>.json, is replaced
    only under --overwrite, even when FILE.npy itself is not there."""
    for split, faces in (("Training", data.training), ("PublicTest", data.public_test)):
        stored.save("flat", split, np.full((len(faces), NUM_CLASSES), 1 / NUM_CLASSES))
    out = tmp_path / "teacher.npy"
    run(monkeypatch, script("stored_teacher"), "flat", "--out", str(out))
    results = tmp_path / "results" / "stored_teacher_teacher.json"
    out.unlink()
    before = results.read_bytes()
    out.with_suffix(".json").write_text("an earlier record")
    with pytest.raises(SystemExit):
        run(monkeypatch, script("stored_teacher"), "flat", "--out", str(out))
    assert f"{out.with_suffix('.json')} exists; --overwrite replaces it" in capsys.readouterr().err
    other = tmp_path / "elsewhere" / "teacher.npy"  # another folder, the same stem
    with pytest.raises(SystemExit):
        run(monkeypatch, script("stored_teacher"), "flat", "--out", str(other))
    assert f"{results} exists; --overwrite replaces it" in capsys.readouterr().err
    assert not out.exists() and not other.exists() and results.read_bytes() == before
    assert out.with_suffix(".json").read_text() == "an earlier record"

    run(monkeypatch, script("stored_teacher"), "flat", "--out", str(out), "--overwrite")
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["teacher_fingerprint"] == file_fingerprint(out)
    assert json.loads(results.read_text()) == record


def test_stored_teacher_rejects_members_of_the_wrong_shape_and_repeated_ones(
    script: Callable[[str], ModuleType],
    stored: ModuleType,
    data: FER2013,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    uniform = np.full((len(data.public_test), NUM_CLASSES), 1 / NUM_CLASSES)
    stored.save("good", "Training", np.full((len(data.training), NUM_CLASSES), 1 / NUM_CLASSES))
    stored.save("good", "PublicTest", uniform)
    stored.save("short", "Training", np.full((len(data.training) - 1, NUM_CLASSES), 1 / NUM_CLASSES))
    stored.save("short", "PublicTest", uniform)
    stored.save("narrow", "Training", np.full((len(data.training), 6), 1 / 6))
    stored.save("narrow", "PublicTest", uniform)
    out = tmp_path / "teacher.npy"
    expected = re.escape(f"not ({len(data.training)}, 7)")
    for bad in ("short", "narrow"):
        with pytest.raises(SystemExit):
            run(monkeypatch, script("stored_teacher"), "good", bad, "--out", str(out))
        assert re.search(rf"error: {bad}: .*{bad}_Training\.npy holds .*{expected}", capsys.readouterr().err)
    with pytest.raises(SystemExit, match=r"^good: named more than once"):
        run(monkeypatch, script("stored_teacher"), "good", "short", "good", "--out", str(out))
    with pytest.raises(SystemExit):
        run(monkeypatch, script("stored_teacher"), "good", "absent", "--out", str(out))
    error = capsys.readouterr().err
    assert re.search(r"error: absent: .*absent_Training\.npy is missing; .*store_candidate\.py", error)
    assert not out.exists() and not out.with_suffix(".json").exists()


def test_bad_members_are_refused_before_any_model_predicts(
    script: Callable[[str], ModuleType],
    stored: ModuleType,
    data: FER2013,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A stored member missing or of the wrong shape, a NAME=MODEL.keras whose file is missing, and a
    model file given without NAME= are each named in one line before either script predicts."""
    model = tmp_path / "model.keras"
    model.write_bytes(b"weights")
    stored.save("short", "Training", np.full((len(data.training) - 1, NUM_CLASSES), 1 / NUM_CLASSES))
    stored.save("short", "PublicTest", np.full((len(data.public_test) - 1, NUM_CLASSES), 1 / NUM_CLASSES))
    out = tmp_path / "teacher.npy"
    for name, loader, predictor in (
        ("stored_teacher", None, None),
        ("ensemble_members", ferlib.models, ferlib.evaluation),  # imported when a model is given
    ):
        module = script(name)
        calls = fake_model(monkeypatch, data, loader or module, predictor or module)
        extra = ["--out", str(out)] if name == "stored_teacher" else []
        split = "Training" if name == "stored_teacher" else "PublicTest"
        for members, expected in (
            ([f"new={model}", "short"], rf"short: .*short_{split}\.npy holds an array of shape"),
            ([f"new={model}", "absent"], rf"absent: .*absent_{split}\.npy is missing"),
            ([f"new={model}", "gone=gone.keras"], r"gone=gone\.keras: gone\.keras is missing"),
            ([f"new={model}", "old.keras"], r"old\.keras: a model file is given as NAME=MODEL\.keras"),
        ):
            with pytest.raises(SystemExit):
                run(monkeypatch, module, *members, *extra)
            error = capsys.readouterr().err
            assert re.search(rf"error: {expected}", error), error
            assert len(error.strip().splitlines()[-1]) < 300  # one line
        assert not calls  # no model predicted
    assert not out.exists() and not stored.path("new", "PublicTest").exists()


def test_stored_teacher_predicts_a_member_given_as_a_model_file(
    script: Callable[[str], ModuleType],
    stored: ModuleType,
    data: FER2013,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """NAME=MODEL.keras (an older model from git history, say) is predicted on both splits and averaged
    with the stored members; its NAME counts for repeats like a stored one's."""
    uniform = {split: np.full((len(faces), NUM_CLASSES), 1 / NUM_CLASSES) for split, faces in
               (("Training", data.training), ("PublicTest", data.public_test))}  # fmt: skip
    kept = {split: stored.save("flat", split, probabilities) for split, probabilities in uniform.items()}
    stored_teacher = script("stored_teacher")
    fake_model(monkeypatch, data, stored_teacher, stored_teacher)
    out = tmp_path / "teacher.npy"
    old = tmp_path / "old.keras"
    old.write_bytes(b"weights")
    run(monkeypatch, stored_teacher, "flat", f"old={old}", "--out", str(out))

    expected = np.mean([kept["Training"], close_calls(data.training.labels)], axis=0)
    np.testing.assert_array_equal(np.load(out), expected.astype(np.float16))
    record = json.loads(out.with_suffix(".json").read_text())
    assert [member["name"] for member in record["members"]] == ["flat", "old"]
    assert record["members"][1]["training_accuracy"] == 1.0  # predicted, not rounded through float16
    with pytest.raises(SystemExit, match=r"^flat: named more than once"):
        run(monkeypatch, stored_teacher, "flat", f"flat={old}", "--out", str(tmp_path / "other.npy"))


def test_ensemble_members_names_a_missing_file_and_never_overwrites_unasked(
    script: Callable[[str], ModuleType],
    stored: ModuleType,
    data: FER2013,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ensemble_members = script("ensemble_members")
    with pytest.raises(SystemExit):
        run(monkeypatch, ensemble_members, "absent")
    error = capsys.readouterr().err
    assert re.search(r"error: absent: .*absent_PublicTest\.npy is missing; .*absent=MODEL\.keras", error)

    kept = stored.path("kept", "PublicTest")
    stored.save("kept", "PublicTest", np.full((len(data.public_test), NUM_CLASSES), 1 / NUM_CLASSES))
    before = kept.read_bytes()
    model = tmp_path / "model.keras"
    model.write_bytes(b"weights")
    calls = fake_model(monkeypatch, data, ferlib.models, ferlib.evaluation)  # imported when a model is given
    with pytest.raises(SystemExit):
        run(monkeypatch, ensemble_members, f"kept={model}")
    assert (
        f"{kept} already stored; --overwrite replaces it, or give NAME alone to read the stored ones"
        in capsys.readouterr().err
    )
    with pytest.raises(SystemExit, match=r"^kept: named more than once"):
        run(monkeypatch, ensemble_members, "kept", f"kept={model}", "--overwrite")
    assert kept.read_bytes() == before and not calls

    run(monkeypatch, ensemble_members, f"kept={model}", "--overwrite")
    np.testing.assert_array_equal(np.load(kept), close_calls(data.public_test.labels).astype(np.float16))
    report = json.loads((ensemble_members.RESULTS / "ensemble_members.json").read_text())
    labels = data.public_test.labels
    assert report["rows"] == [
        {"members": "kept", "count": 1, "public_test_accuracy": round(float(np.mean(labels == 0)), 4)}
    ]  # as stored: only the faces of emotion 0 survive float16's tie


def test_a_run_distilled_from_a_stored_teacher_keeps_its_members(
    script: Callable[[str], ModuleType],
    stored: ModuleType,
    data: FER2013,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """store_candidate.py keeps stored_teacher.py's record with the run distilled from its teacher, and
    candidate_runs.py names the members; a record of another file than the run's teacher is not kept."""
    store_candidate = script("store_candidate")
    fake_model(monkeypatch, data, store_candidate, store_candidate)
    run(monkeypatch, store_candidate, str(finished_run(tmp_path / "first", "first")), "first")
    # the second gets every face right but those of emotion 0, which it calls 1; the first, as stored,
    # only those of emotion 0 (close_calls)
    fake_model(monkeypatch, data, store_candidate, store_candidate, lambda labels: confident(
        np.where(labels == 0, 1, labels)))  # fmt: skip
    run(monkeypatch, store_candidate, str(finished_run(tmp_path / "second", "second")), "second")
    teacher = tmp_path / "ensembles" / "pair.npy"
    run(monkeypatch, script("stored_teacher"), "first", "second", "--out", str(teacher))
    student = finished_run(tmp_path / "student", "student", teacher=teacher)
    run(monkeypatch, store_candidate, str(student), "student")
    kept = store_candidate.CANDIDATES / "student_teacher.json"
    assert kept.read_bytes() == teacher.with_suffix(".json").read_bytes()

    candidate_runs = script("candidate_runs")
    monkeypatch.setattr(candidate_runs, "DEFAULT_RUN", "first")
    run(monkeypatch, candidate_runs)
    rows = json.loads((candidate_runs.RESULTS / "candidate_runs.json").read_text())["rows"]
    assert [row["command"] for row in rows] == [
        f"ferlib train --out {name}" for name in ("first", "second", "student")
    ]
    assert "distilled from the averaged predictions of first + second (T 2" in rows[2]["run"]
    labels = data.public_test.labels
    only_second, only_first = int(np.sum(labels != 0)), int(np.sum(labels == 0))
    assert (only_second, only_first) == (12, 2)
    assert rows[1]["faces_only_it_gets_right"] == only_second
    assert rows[1]["faces_only_default_gets_right"] == only_first
    p_value = 2 * sum(math.comb(14, k) for k in range(only_first + 1)) / 2**14  # exact, two-sided
    assert rows[1]["p_versus_default"] == float(f"{p_value:.3g}") == 0.0129

    (tmp_path / "student" / "model.json").write_text(
        (tmp_path / "student" / "model.json").read_text().replace(file_fingerprint(teacher), "0" * 16)
    )
    capsys.readouterr()
    run(monkeypatch, store_candidate, str(student), "student", "--overwrite")
    assert "is not kept: it records another file than the run's teacher" in capsys.readouterr().out
    assert not kept.exists()


def test_a_re_store_keeps_the_teacher_record_that_matches_when_the_teacher_s_is_gone(
    script: Callable[[str], ModuleType],
    stored: ModuleType,
    data: FER2013,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A re-store (--overwrite) whose teacher FILE.npy lost its FILE.json says where it looked and keeps
    the NAME_teacher.json already stored when it records that teacher; a card without a
    teacher_fingerprint gets a line of its own, and no record."""
    for split, faces in (("Training", data.training), ("PublicTest", data.public_test)):
        stored.save("flat", split, np.full((len(faces), NUM_CLASSES), 1 / NUM_CLASSES))
    teacher = tmp_path / "ensembles" / "flat.npy"
    run(monkeypatch, script("stored_teacher"), "flat", "--out", str(teacher))
    store_candidate = script("store_candidate")
    fake_model(monkeypatch, data, store_candidate, store_candidate)
    student = finished_run(tmp_path / "student", "student", teacher=teacher)
    run(monkeypatch, store_candidate, str(student), "student")
    kept = store_candidate.CANDIDATES / "student_teacher.json"
    before = kept.read_bytes()
    assert before == teacher.with_suffix(".json").read_bytes()

    teacher.with_suffix(".json").unlink()
    capsys.readouterr()
    run(monkeypatch, store_candidate, str(student), "student", "--overwrite")
    out = capsys.readouterr().out
    assert f"no record of the teacher's members found: looked for {teacher.with_suffix('.json')}" in out
    assert f"{kept} is kept: it records the run's teacher" in out
    assert kept.read_bytes() == before

    card = json.loads((student / "model.json").read_text())
    (student / "model.json").write_text(json.dumps({**card, "teacher_fingerprint": None}))
    run(monkeypatch, store_candidate, str(student), "student", "--overwrite")
    out = capsys.readouterr().out
    assert "the teacher's record is not kept: the run's card has no teacher_fingerprint" in out
    assert "fingerprint None" not in out
    assert not kept.exists()

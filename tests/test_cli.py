"""The ``ferlib`` command line, run as a user runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from ferlib.cli import main
from ferlib.data import download as download_module
from ferlib.samples import face_video, frame_with_faces, grace_hopper

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


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--erasing", "2"], "erasing must be a number in [0, 1], got 2.0"),
        (["--shift", "1.5"], "shift must be a number in [0, 1), got 1.5"),
        (["--epochs", "0"], "epochs must be an integer >= 1, got 0"),
        (["--lr", "0"], "learning_rate must be a number in (0, 1], got 0.0"),
        (["--weight-decay", "1"], "weight_decay must be a number in [0, 1), got 1.0"),
        (["--label-smoothing", "1"], "label_smoothing must be a number in [0, 1), got 1.0"),
        (["--limit", "0"], "limit must be an integer >= 1 or None, got 0"),
        (["--backup-every", "0"], "backup_every_batches must be an integer >= 1, got 0"),
        (["--distill-weight", "1.5"], "distill_weight must be a number in [0, 1], got 1.5"),
        (["--no-augment", "--mixup", "0.2"], "--no-augment turns off --mixup: give one or the other"),
        (["--class-weights", "--mixup", "0.2"], "use_class_weights (--class-weights) needs one-hot targets"),
        (["--teacher", "kept.npy", "--teacher-tta"], "needs a teacher model: a .npy teacher's stored"),
        (["--teacher", "gone.npy"], "gone.npy: no such teacher probabilities file"),
        (["--arch", "bogus"], "argument --arch: invalid choice: 'bogus'"),
        (["--precision", "float8"], "argument --precision: invalid choice: 'float8'"),
        (["--epochs", "many"], "argument --epochs: invalid int value: 'many'"),
    ],
)
def test_train_with_a_bad_setting_exits_2_before_loading_data(
    flags: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(
        ["train", *flags, "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "run")], capsys
    )
    assert code == 2 and err.startswith("ferlib train: ") and message in err
    assert err.count("\n") == 1, err
    assert not (tmp_path / "run").exists()


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``ferlib ARGV`` in this process: its exit status and what it printed to standard error."""
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own usage errors
        code = int(stop.code or 0)
    return code, capsys.readouterr().err


@pytest.fixture(scope="module")
def not_a_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bad") / "model.keras"
    path.write_bytes(b"not a zip archive")
    return path


@pytest.fixture(scope="module")
def not_fer2013(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("holiday-photos")
    (folder / "beach.jpg").write_bytes(b"")
    return folder


BAD_INPUT = {
    "info: no dataset": (["info", "{tmp}/missing"], "FER-2013 was not found"),
    "info: not FER-2013": (["info", "{not_fer2013}"], "not a FER-2013 layout"),
    "evaluate: missing model": (["evaluate", "--model", "{tmp}/missing.keras"], "no such model file"),
    "evaluate: damaged model": (["evaluate", "--model", "{not_a_model}"], "not a loadable Keras model"),
    "evaluate: unknown split": (["evaluate", "--split", "Validation"], "invalid choice: 'Validation'"),
    "evaluate: no dataset": (["evaluate", "--data", "{tmp}/missing"], "FER-2013 was not found"),
    "demo: missing model": (["demo", "--model", "{tmp}/missing.tflite"], "no such model file"),
    "demo: unwritable output": (["demo", "--out", "{not_a_model}/demo.png"], "cannot write"),
    "detect: missing image": (["detect", "{tmp}/missing.jpg"], "no such image file"),
    "detect: not an image": (["detect", "{not_a_model}"], "not an image OpenCV can decode"),
    "video: missing video": (["video", "{tmp}/missing.mp4"], "cannot open this video"),
    "video: not a video": (["video", "{not_a_model}"], "cannot open this video"),
    "export: missing model": (["export", "--model", "{tmp}/missing.keras"], "no such model file"),
    "export: unknown precision": (["export", "--tflite", "int4"], "invalid choice: 'int4'"),
    "train: no dataset": (
        ["train", "--out", "{tmp}/run", "--data", "{tmp}/missing"],
        "FER-2013 was not found",
    ),
    "ensemble: one member": (["ensemble", "{not_a_model}", "--out", "{tmp}/ens.keras"], "at least two"),
    "ensemble: missing member": (
        ["ensemble", "{tmp}/a.keras", "{tmp}/b.keras", "--out", "{tmp}/ens.keras"],
        "no such model file",
    ),
    "ensemble: existing output": (["ensemble", "{tmp}/a.keras", "--out", "{not_a_model}"], "already exists"),
    "unknown command": (["trian"], "invalid choice: 'trian'"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_every_command_answers_bad_input_with_one_line_and_status_2(
    case: str, tmp_path: Path, not_a_model: Path, not_fer2013: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv, message = BAD_INPUT[case]
    paths = {"tmp": tmp_path, "not_a_model": not_a_model, "not_fer2013": not_fer2013}
    code, err = _run([arg.format(**paths) for arg in argv], capsys)
    assert code == 2, err
    assert err.startswith(f"ferlib {argv[0]}: " if case != "unknown command" else "ferlib: ")
    assert message in err and "Traceback" not in err
    assert err.count("\n") == 1, err


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


@pytest.fixture(scope="module")
def tiny_model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from synthetic import tiny_model

    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    tiny_model().save(path)
    return path


def test_demo_writes_the_annotated_photo(
    tiny_model_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo.png"
    assert main(["demo", "--model", str(tiny_model_file), "--out", str(out)]) == 0
    assert "grace_hopper.jpg: face at [" in capsys.readouterr().out
    assert cv2.imread(str(out)).shape == (600, 512, 3)


def test_detect_json_lists_every_image_and_reports_bad_ones(
    tiny_model_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    four = tmp_path / "four.png"
    cv2.imwrite(str(four), frame_with_faces(4))
    code = main(["detect", str(grace_hopper()), str(four), str(tmp_path / "missing.jpg"), "--json",
                 "--model", str(tiny_model_file), "--out", str(tmp_path / "annotated")])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2 and "missing.jpg: no such image file" in captured.err
    report = json.loads(captured.out)
    assert [Path(r["image"]).name for r in report] == ["grace_hopper.jpg", "four.png"]
    assert [len(r["faces"]) for r in report] == [1, 4]
    face = report[0]["faces"][0]
    assert set(face) == {"box", "emotion", "scores"} and len(face["box"]) == 4 and len(face["scores"]) == 7
    assert (tmp_path / "annotated" / "four.png").is_file()


def test_detect_reads_a_fer2013_face_with_or_without_the_detector(
    fer2013_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    happy = sorted((fer2013_dir / "test" / "happy").glob("PublicTest_*.jpg"))[:5]
    assert main(["detect", *map(str, happy), "--detector", "whole-image", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [face["box"] for r in report for face in r["faces"]] == [[0, 0, 48, 48]] * 5
    assert sum(r["faces"][0]["emotion"] == "happy" for r in report) >= 4  # the shipped model reads them
    assert main(["detect", *map(str, happy), "--json"]) == 0  # BlazeFace's close-up pass finds them
    found = json.loads(capsys.readouterr().out)
    assert sum(len(r["faces"]) == 1 for r in found) >= 4


def test_video_command_writes_video_and_csv(
    tiny_model_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video = face_video(tmp_path / "in.mp4", frames=8)
    out, table = tmp_path / "out.mp4", tmp_path / "frames.csv"
    assert (
        main(["video", str(video), "--out", str(out), "--csv", str(table), "--model", str(tiny_model_file)])
        == 0
    )
    assert "8 frames at 10 fps, faces in 6, 1 tracked" in capsys.readouterr().out
    assert out.stat().st_size > 0 and len(table.read_text().strip().splitlines()) == 1 + 8


def test_export_tflite_from_the_command_line(tiny_model_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "tiny.tflite"
    assert main(["export", "--tflite", "float16", "--model", str(tiny_model_file), "--out", str(out)]) == 0
    assert out.stat().st_size > 0


def test_ensemble_command_writes_a_model_and_its_card(
    fer2013_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ferlib.card import read_card
    from ferlib.pretrained import PRETRAINED_PATH

    members = [shutil.copy(PRETRAINED_PATH, tmp_path / name) for name in ("a.keras", "b.keras")]
    for member in members:
        shutil.copy(PRETRAINED_PATH.with_suffix(".json"), Path(member).with_suffix(".json"))
    out = tmp_path / "ens.keras"
    assert main(["ensemble", *map(str, members), "--out", str(out), "--data", str(fer2013_dir)]) == 0
    card = read_card(out)
    shipped = read_card(PRETRAINED_PATH)
    assert card["architecture"] == "ensemble" and [m["file"] for m in card["members"]] == [
        "a.keras",
        "b.keras",
    ]
    # two copies of one model average to that model: the same PublicTest accuracy as its own card
    assert card["public_test_accuracy"] == pytest.approx(shipped["public_test_accuracy"], abs=1e-6)
    assert f"PublicTest accuracy: {card['public_test_accuracy']:.4f}" in capsys.readouterr().out
    assert card["weights_stored_as"] == "float32"

    half = tmp_path / "half.keras"
    assert main(["ensemble", *map(str, members), "--out", str(half), "--half-precision"]) == 0
    assert read_card(half)["weights_stored_as"] == "float16"
    assert half.stat().st_size < 0.55 * out.stat().st_size


def test_evaluate_measures_public_test_unless_asked() -> None:
    from ferlib.cli import _parser

    assert _parser().parse_args(["evaluate"]).split == "PublicTest"
    assert _parser().parse_args(["evaluate", "--split", "PrivateTest"]).split == "PrivateTest"

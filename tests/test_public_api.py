"""The names README documents are what ``import ferlib`` gives, in any import order; the command line
answers ``--version`` and ``python -m ferlib``; TensorFlow's start-up lines never reach the user."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from dataclasses import fields

import pytest

import ferlib
from ferlib import _quiet
from ferlib.cli import _parser
from ferlib.config import AUGMENT_SETTINGS, TRAIN_SETTINGS, AugmentConfig, TrainConfig
from ferlib.errors import ConfigError


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )


def test_train_and_evaluate_are_functions_after_their_modules_are_imported() -> None:
    result = _python(
        "import ferlib.cli, ferlib.training, ferlib.evaluation\n"
        "from ferlib import train, evaluate, EmotionRecognizer\n"
        "print(train.__module__, evaluate.__module__, callable(train), callable(evaluate),\n"
        "      train is ferlib.training.train)"
    )
    assert result.stdout.split() == ["ferlib.training.loop", "ferlib.evaluation", "True", "True", "True"], (
        result.stderr
    )


#: What ``import ferlib`` offers: pinned, so that a name leaving or arriving is a decision.
PACKAGE_NAMES = [
    "EMOTIONS", "__version__", "quiet_tensorflow", "load_fer2013", "EmotionRecognizer", "load_pretrained",
    "build_model", "train", "TrainConfig", "evaluate", "build_ensemble", "show_versions",
]  # fmt: skip

#: What ``ferlib.training`` offers (the names the CLI, tests, notebook 04, benchmarks and README import
#: from it, as when it was one module), and where each now lives.
TRAINING_NAMES = {
    "train": "ferlib.training.loop",
    "TrainResult": "ferlib.training.loop",
    "compiled_model": "ferlib.training.loop",
    "training_pipeline": "ferlib.training.loop",
    "read_log": "ferlib.training.run_folder",
    "run_state": "ferlib.training.run_folder",
    "RUN_FILES": "ferlib.training.run_folder",
    "InterruptAfter": "ferlib.training.callbacks",
    "learning_rate": "ferlib.training.schedule",
    "clock_learning_rate": "ferlib.training.schedule",
    "TrainingInterrupted": "ferlib.errors",
}

#: What ``ferlib.data`` offers.
DATA_NAMES = [
    "ENV_VAR", "FER2013", "SPLITS", "DuplicateReport", "Split", "find_duplicates", "load_fer2013",
    "resolve_data_dir", "write_csv",
]  # fmt: skip


def test_the_package_names_are_pinned() -> None:
    assert sorted(ferlib.__all__) == sorted(PACKAGE_NAMES)
    assert ferlib.__version__ == importlib.import_module("ferlib._version").__version__


def test_the_training_names_are_pinned() -> None:
    import ferlib.training

    assert sorted(ferlib.training.__all__) == sorted(TRAINING_NAMES)
    for name, home in TRAINING_NAMES.items():
        value = getattr(ferlib.training, name)
        assert value is getattr(importlib.import_module(home), name), name
    assert ferlib.train is ferlib.training.train
    assert [item.name for item in fields(ferlib.training.TrainResult)] == [
        "model", "model_path", "card", "history", "already_finished",
    ]  # fmt: skip


def test_the_data_names_are_pinned() -> None:
    import ferlib.data
    import ferlib.data.dataset

    assert sorted(ferlib.data.__all__) == sorted(DATA_NAMES)
    for name in DATA_NAMES:
        assert getattr(ferlib.data, name) is not None
    # the containers moved to ferlib.data.splits; where they were, they still are
    assert ferlib.data.dataset.FER2013 is ferlib.data.FER2013
    assert ferlib.data.dataset.Split is ferlib.data.Split


def test_dir_shows_the_public_api_and_nothing_else() -> None:
    names = dir(ferlib)
    assert {"EmotionRecognizer", "train", "evaluate", "load_fer2013", "TrainConfig", "build_ensemble"} <= set(
        names
    )
    assert not {"os", "importlib", "annotations"} & set(names)
    for name in ferlib.__all__:
        assert getattr(ferlib, name) is not None


def test_version_and_python_dash_m() -> None:
    result = subprocess.run([sys.executable, "-m", "ferlib", "--version"], capture_output=True, text=True,
                            timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0 and result.stdout.strip() == f"ferlib {ferlib.__version__}"


def test_demo_prints_no_tensorflow_start_up_lines(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "FERLIB_VERBOSE")}
    result = subprocess.run([sys.executable, "-m", "ferlib", "demo", "--out", str(tmp_path / "demo.png")],
                            capture_output=True, text=True, timeout=300, check=False, env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    assert result.stdout.count("\n") == 2  # the emotions, then where the picture went


def test_filtered_stderr_keeps_real_messages(capfd: pytest.CaptureFixture[str]) -> None:
    with _quiet._filtered_stderr():
        os.write(2, b"I0000 00:00:1795469947.078476    3284 port.cc:153] oneDNN custom operations are on.\n")
        os.write(
            2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        )
        os.write(2, b"E0000 00:00:1795469953.561745    3284 cuda_platform.cc:52] failed call to cuInit\n")
        os.write(2, b"a real problem\n")
    assert capfd.readouterr().err == "a real problem\n"


def test_every_setting_is_declared_once_and_drives_the_command_line() -> None:
    assert [item.name for item in fields(TrainConfig)] == list(TRAIN_SETTINGS)
    assert [item.name for item in fields(AugmentConfig)] == list(AUGMENT_SETTINGS)
    train_parser = _parser()._subparsers._group_actions[0].choices["train"]  # type: ignore[union-attr]
    actions = {action.dest: action for action in train_parser._actions}
    for name, setting in {**TRAIN_SETTINGS, **AUGMENT_SETTINGS}.items():
        if setting.flag is None:
            continue
        action = actions[name]
        assert setting.flag in action.option_strings
        assert tuple(action.choices or ()) == setting.choices
        assert setting.help in (action.help or "")


def test_architectures_in_the_table_are_the_models() -> None:
    from ferlib.models import MODELS

    assert tuple(MODELS) == TRAIN_SETTINGS["architecture"].choices


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("architecture", "bogus"), ("epochs", 0), ("epochs", 2.5), ("batch_size", 0),
        ("optimizer", "rmsprop"),
        ("learning_rate", 0.0), ("learning_rate", -1.0), ("weight_decay", 1.0), ("schedule", "step"),
        ("label_smoothing", 1.0), ("precision", "float64"), ("early_stopping_patience", 0), ("minutes", 0),
        ("limit", 0), ("seed", -1), ("backup_every_batches", 0), ("output_dir", None), ("data_dir", 3),
        ("report_private_test", "yes"), ("teacher", 1), ("distill_temperature", 0.0), ("distill_weight", 1.5),
        ("use_class_weights", 1), ("augment", "none"),
    ],
)  # fmt: skip
def test_every_train_setting_is_checked(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"^{field} must be "):
        TrainConfig(**{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rotation_degrees", 181.0),
        ("shift", 1.0),
        ("zoom", -0.1),
        ("horizontal_flip", "no"),
        ("erasing", 2),
        ("mixup", 1.5),
    ],
)
def test_every_augment_setting_is_checked(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"^{field} must be "):
        AugmentConfig(**{field: value})  # type: ignore[arg-type]

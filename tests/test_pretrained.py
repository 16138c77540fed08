"""The models that ship inside ferlib: load offline, their cards are complete and tell the truth."""

from __future__ import annotations

import socket

import pytest

from ferlib.card import REQUIRED_FIELDS
from ferlib.data import FER2013
from ferlib.errors import ConfigError
from ferlib.evaluation import evaluate
from ferlib.half_precision import stored_weight_dtypes
from ferlib.labels import EMOTIONS
from ferlib.pretrained import PRETRAINED, PRETRAINED_PATH, load_pretrained, pretrained_card
from ferlib.recognizer import EmotionRecognizer
from ferlib.samples import grace_hopper


def test_loads_offline_and_fits_in_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise OSError("network access is not allowed here")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    model = load_pretrained()
    assert model.input_shape == (None, 48, 48, 1) and model.output_shape == (None, 7)
    assert PRETRAINED_PATH.stat().st_size <= 10_000_000  # MB as README gives them
    accurate = load_pretrained("accurate")
    assert accurate.input_shape == (None, 48, 48, 1) and accurate.output_shape == (None, 7)
    assert sum(path.stat().st_size for path in PRETRAINED.values()) <= 25_000_000


def test_the_accurate_model_averages_the_members_its_card_names(real_dataset: FER2013) -> None:
    card, default = pretrained_card("accurate"), pretrained_card()
    assert card["architecture"] == "ensemble" and len(card["members"]) == 2
    assert card["data_fingerprint"] == real_dataset.fingerprint == default["data_fingerprint"]
    assert card["weights_stored_as"] == "float16" and stored_weight_dtypes(PRETRAINED["accurate"]) == {
        "float16"
    }
    public = evaluate(load_pretrained("accurate"), "PublicTest", data=real_dataset)
    assert public.accuracy == pytest.approx(card["public_test_accuracy"], abs=1e-6)
    # shipped because it beats the default by a point or more on PublicTest (issue #19)
    assert public.accuracy >= default["public_test_accuracy"] + 0.01
    # the default is a member, and every run behind either member is counted once: the second member's
    # teacher included the default, so the card costs what that member's own card does
    assert card["members"][0]["file"] == PRETRAINED["default"].name
    runs = card["training_runs"]
    assert len(runs) == len({run["command"] for run in runs})
    assert card["total_wall_seconds"] == pytest.approx(sum(run["wall_seconds"] for run in runs))
    assert card["total_wall_seconds"] == pytest.approx(max(m["total_wall_seconds"] for m in card["members"]))


def test_shipped_models_by_name_everywhere(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from ferlib.cli import main

    for name in PRETRAINED:
        (face,) = EmotionRecognizer(name).recognize(grace_hopper())
        assert face.emotion in EMOTIONS
        assert main(["demo", "--model", name, "--out", str(tmp_path / "demo.png")]) == 0
        assert f"{face.emotion} ({face.scores[face.emotion]:.0%})" in capsys.readouterr().out
    with pytest.raises(ConfigError, match="expected one of default, accurate"):
        load_pretrained("huge")
    with pytest.raises(ConfigError, match=r"'acurate' is neither a model file nor a shipped model \(default"):
        EmotionRecognizer("acurate")


def test_card_is_complete_and_names_its_command() -> None:
    card = pretrained_card()
    assert set(REQUIRED_FIELDS) <= set(card)
    assert card["labels"] == list(EMOTIONS)
    assert card["command"].split()[1:3] == ["train", "--arch"] and "--report-private-test" in card["command"]
    assert card["private_test_accuracy"] is not None
    # a distilled model names its teacher and what the teacher cost: the card's total is the model's cost
    assert card["config"]["teacher"] and card["total_wall_seconds"] > card["wall_seconds"]
    runs = card["training_runs"]
    assert card["total_wall_seconds"] == pytest.approx(sum(run["wall_seconds"] for run in runs))
    assert len(runs) == len({run["command"] for run in runs}) >= 2


def test_card_accuracy_is_what_the_model_scores(real_dataset: FER2013) -> None:
    card = pretrained_card()
    assert card["data_fingerprint"] == real_dataset.fingerprint
    public = evaluate(load_pretrained(), "PublicTest", data=real_dataset)
    assert public.accuracy == pytest.approx(card["public_test_accuracy"], abs=1e-6)


def test_the_shipped_model_reads_grace_hopper() -> None:
    """Pinned: Grace Hopper's calm portrait reads as neutral, clearly but not absolutely; her face sits in
    the upper middle of the 512x600 photo. A new model or detector that changes this must say why."""
    (face,) = EmotionRecognizer().recognize(grace_hopper())
    assert face.emotion == "neutral" and 0.5 <= face.scores["neutral"] <= 0.95, face.scores
    assert abs(sum(face.scores.values()) - 1) < 1e-4 and list(face.scores) == list(EMOTIONS)
    centre_x, centre_y = face.box.x + face.box.w / 2, face.box.y + face.box.h / 2
    assert 220 < centre_x < 310 and 170 < centre_y < 260 and 150 < face.box.w < 300, face.box

"""tf.distribute: training mirrored over two logical CPU devices matches one device."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ferlib.data import FER2013
from ferlib.distribute import make_strategy


def test_strategy_names_and_errors() -> None:
    with pytest.raises(ValueError, match="expected one of default, mirrored, hosts"):
        make_strategy("parameter-server")
    assert make_strategy("default").num_replicas_in_sync == 1


def _env(real_cache_dir: Path, fer2013_dir: Path) -> dict[str, str]:
    return {**os.environ, "FERLIB_CACHE_DIR": str(real_cache_dir), "FER2013_DIR": str(fer2013_dir),
            "PYTHONUNBUFFERED": "1"}  # fmt: skip


def test_mirrored_on_two_cpu_devices_matches_one_device(
    real_dataset: FER2013, real_cache_dir: Path, fer2013_dir: Path, tmp_path: Path
) -> None:
    script = textwrap.dedent(f"""
        import json
        import numpy as np
        from ferlib.distribute import split_cpu
        devices = split_cpu(2)
        import tensorflow as tf
        from ferlib.config import TrainConfig
        from ferlib.data import load_fer2013
        from ferlib.training import train
        data = load_fer2013(progress=False)
        common = dict(architecture="minimal", epochs=1, batch_size=32, limit=640, augment=None, seed=0)
        one = train(TrainConfig(**common, output_dir={str(tmp_path / "one")!r}), data=data, verbose=0,
                    strategy=tf.distribute.OneDeviceStrategy(devices[0]))
        two_strategy = tf.distribute.MirroredStrategy(devices)
        two = train(TrainConfig(**common, output_dir={str(tmp_path / "two")!r}), data=data, verbose=0,
                    strategy=two_strategy)
        faces = data.public_test.images[:300, :, :, None].astype("float32")
        p1, p2 = one.model.predict(faces, verbose=0), two.model.predict(faces, verbose=0)
        print(json.dumps({{"replicas": two_strategy.num_replicas_in_sync,
                          "max_difference": float(np.abs(p1 - p2).max()),
                          "loss": [one.history[0]["loss"], two.history[0]["loss"]]}}))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600,
                            check=False, env=_env(real_cache_dir, fer2013_dir))  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    assert report["loss"][0] == pytest.approx(report["loss"][1], rel=1e-3)
    # Summing gradients across replicas changes only the order of float additions. (After one short
    # epoch the probabilities are close to ties, so compare them, not the argmax.)
    assert report["max_difference"] < 5e-3

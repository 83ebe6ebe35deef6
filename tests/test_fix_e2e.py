"""SPEC "Fixes", end to end: a tutorial-style training script with no seeds
anywhere trains to different weights on every run; after
`tfseedlint --fix --unsafe-fixes` two runs on CPU give bitwise-identical
weights. Runs the real TensorFlow (CPU) in fresh processes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("tensorflow")

TUTORIAL = '''"""Train a tiny classifier (tutorial style: no seeds anywhere)."""
import hashlib

import numpy as np
import tensorflow as tf

rng = np.random.default_rng()
features = rng.normal(size=(96, 4)).astype("float32")
labels = (features.sum(axis=1) > 0).astype("float32")

dataset = tf.data.Dataset.from_tensor_slices((features, labels)).shuffle(96).batch(16)

model = tf.keras.Sequential([
    tf.keras.Input((4,)),
    tf.keras.layers.Dense(8, activation="relu"),
    tf.keras.layers.Dropout(0.3),
    tf.keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(dataset, epochs=2, verbose=0)

weights = b"".join(w.tobytes() for w in model.get_weights())
print("weights", hashlib.sha256(weights).hexdigest())
'''


def train(script: Path) -> str:
    """The digest of the trained weights from one fresh CPU process."""
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "-1", "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONHASHSEED": "random"}
    env.pop("TF_DETERMINISTIC_OPS", None)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          timeout=300, cwd=script.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [line for line in proc.stdout.splitlines() if line.startswith("weights ")]
    assert len(lines) == 1, proc.stdout
    return lines[0].split()[1]


def tfseedlint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tfseedlint", "--isolated", "--no-cache", *args],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_fix_makes_an_unseeded_training_script_reproducible(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(TUTORIAL)

    assert train(script) != train(script), "the unseeded script should train differently each run"

    linted = tfseedlint(str(script))
    assert linted.returncode == 1
    assert {"TSL103", "TSL401"} <= {line.split()[1] for line in linted.stdout.splitlines()}

    fixed = tfseedlint("--fix", "--unsafe-fixes", str(script))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    text = script.read_text()
    assert "tf.keras.utils.set_random_seed(42)" in text
    assert "tf.config.experimental.enable_op_determinism()" in text
    assert "np.random.default_rng(42)" in text
    assert tfseedlint("--fix", "--unsafe-fixes", str(script)).returncode == 0
    assert script.read_text() == text, "a second --fix must change nothing"

    first, second = train(script), train(script)
    assert first == second, "after --fix --unsafe-fixes two runs must give bitwise-identical weights"

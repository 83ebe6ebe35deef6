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


#: The same training, laid out as a project: model and data in a package,
#: the training script calling them.
PROJECT = {
    "pyproject.toml": "[project]\nname = 'tiny'\n",
    "tiny/__init__.py": "",
    "tiny/models.py": '''"""Model definitions."""
import tensorflow as tf


def build_model():
    return tf.keras.Sequential([
        tf.keras.Input((4,)),
        tf.keras.layers.Dense(8, activation="relu"),
        tf.keras.layers.Dropout(0.3),
        tf.keras.layers.Dense(1, activation="sigmoid"),
    ])
''',
    "tiny/data.py": '''"""Data loading."""
import numpy as np
import tensorflow as tf


def make_features(n):
    rng = np.random.default_rng()
    return rng.normal(size=(n, 4)).astype("float32")


def make_dataset(n=96):
    features = make_features(n)[np.random.permutation(n)]
    labels = (features.sum(axis=1) > 0).astype("float32")
    return tf.data.Dataset.from_tensor_slices((features, labels))
''',
    "train.py": '''"""Train the tiny model."""
import hashlib

from tiny.data import make_dataset
from tiny.models import build_model

dataset = make_dataset().shuffle(96).batch(16)
model = build_model()
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(dataset, epochs=2, verbose=0)

weights = b"".join(w.tobytes() for w in model.get_weights())
print("weights", hashlib.sha256(weights).hexdigest())
''',
}


@pytest.mark.slow
def test_fix_makes_a_project_reproducible(tmp_path: Path) -> None:
    """Model and data live in other modules than the training script: the
    script's calls of them are its randomness sources, and the global seed
    that `--fix` inserts comes before the first of them."""
    for name, text in PROJECT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    script = tmp_path / "train.py"

    assert train(script) != train(script), "the unseeded project should train differently each run"

    linted = tfseedlint(str(script))
    assert linted.returncode == 1
    codes = {line.split()[1] for line in linted.stdout.splitlines()}
    assert {"TSL102", "TSL201", "TSL401"} <= codes, linted.stdout

    fixed = tfseedlint("--fix", "--unsafe-fixes", str(tmp_path))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    text = script.read_text()
    assert text.index("set_random_seed(42)") < text.index("make_dataset()")
    assert "enable_op_determinism()" in text
    assert "np.random.default_rng(42)" in (tmp_path / "tiny" / "data.py").read_text()
    assert tfseedlint("--fix", "--unsafe-fixes", str(tmp_path)).returncode == 0

    first, second = train(script), train(script)
    assert first == second, "after --fix --unsafe-fixes two runs must give bitwise-identical weights"

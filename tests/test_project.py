"""SPEC "Terms": the linted project's functions across files. A call of a
project function that draws is a randomness source placed at the call, and
the values project functions return keep their kind (model, dataset,
options, instance of a project class).

Each layout below is a small project whose files mark the lines that must be
reported with `# expect: CODE`; every other line must stay silent. Each is
linted as a directory, file by file (the index is built from the project
root), with worker processes and again from the cache.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest

from tests.helpers import expected
from tfseedlint import runner
from tfseedlint.cli import main
from tfseedlint.ftypes import Config, ProjectFact
from tfseedlint.project import HelperIndex

CONFIG = Config(target_tensorflow="2.21.0")
PYPROJECT = "[project]\nname = 'demo'\n"

MODELS = '''\
"""A library module: its callers own the global seed."""
import keras


def build_model(units=8):
    return keras.Sequential([
        keras.layers.Dense(units),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(1),
    ])
'''
DATA = '''\
import numpy as np
import tensorflow as tf


def make_dataset(n=32):
    features = np.random.rand(n, 4).astype("float32")
    return tf.data.Dataset.from_tensor_slices(features)


def load_config():
    return {"epochs": 1}
'''

#: A package with `__init__` files, absolute imports, and a re-export.
PACKAGE = {
    "pyproject.toml": PYPROJECT,
    "shop/__init__.py": "",
    "shop/models/__init__.py": "from .net import build_model\n",
    "shop/models/net.py": MODELS,
    "shop/data.py": DATA,
    "shop/train.py": '''\
from shop import data
from shop.models import build_model

if __name__ == "__main__":
    cfg = data.load_config()
    model = build_model()  # expect: TSL401
    ds = data.make_dataset().shuffle(100).batch(8)  # expect: TSL102 TSL201
    model.compile(optimizer="adam", loss="mse")
    model.fit(ds, epochs=cfg["epochs"])
''',
    "shop/train_seeded.py": '''\
import tensorflow as tf

from shop import data
from shop.models import build_model

if __name__ == "__main__":
    tf.keras.utils.set_random_seed(1)
    tf.config.experimental.enable_op_determinism()
    model = build_model()
    ds = data.make_dataset().shuffle(100, seed=1).batch(8)
    model.fit(ds)
''',
}

#: Flat modules next to the script, imported as `sys.path[0]` finds them
#: (the project marked by `setup.cfg`).
FLAT = {
    "setup.cfg": "[metadata]\nname = demo\n",
    "experiments/models.py": MODELS,
    "experiments/data.py": DATA,
    "experiments/seed_helpers.py": '''\
import tensorflow as tf


def fix_seeds(seed=0):
    tf.random.set_seed(seed)
''',
    "experiments/train.py": '''\
import tensorflow as tf

import seed_helpers
from data import make_dataset
from models import build_model

seed_helpers.fix_seeds()  # expect: TSL404 TSL405
model = build_model()
ds = make_dataset().shuffle(10)  # expect: TSL102
model.fit(ds)
''',
    "experiments/evaluate.py": '''\
import keras
from sklearn.linear_model import LogisticRegression

from data import load_config

if __name__ == "__main__":
    cfg = load_config()
    clf = LogisticRegression()
    clf.fit([[0.0], [1.0]], [0, 1])
''',
}

#: A `src/` layout marked by `setup.py`, a script outside the package,
#: draws two calls deep.
SRC = {
    "setup.py": "from setuptools import setup\n\nsetup(name='proj')\n",
    "src/proj/__init__.py": "",
    "src/proj/noise.py": '''\
import random


def _jitter():
    return random.random()


def jitter_all(values):
    return [v + _jitter() for v in values]
''',
    "src/proj/augment.py": '''\
from proj.noise import jitter_all


def augment(values):
    return jitter_all(values)


def augment_seeded(values):
    random_state = 0
    return [v + random_state for v in values]
''',
    "scripts/prepare.py": '''\
from proj.augment import augment, augment_seeded

values = augment([1.0, 2.0])  # expect: TSL104
same = augment_seeded([1.0])
''',
    "scripts/prepare_seeded.py": '''\
import random

from proj.augment import augment

random.seed(3)
values = augment([1.0, 2.0])
''',
}

#: Relative imports, a method of a project class, a function returning a
#: model that another project function builds, a helper that seeds itself.
RELATIVE = {
    "pyproject.toml": PYPROJECT,
    "lab/__init__.py": "",
    "lab/models.py": MODELS + '''

def get_model():
    return build_model(units=4)
''',
    "lab/trainer.py": '''\
import numpy as np

from .models import get_model


class Trainer:
    def __init__(self):
        self.model = get_model()

    def batches(self, n):
        return np.random.permutation(n)

    def describe(self):
        return "trainer"


def seeded_noise():
    np.random.seed(0)
    return np.random.rand(3)
''',
    "lab/run.py": '''\
from . import trainer
from .models import get_model

if __name__ == "__main__":
    t = trainer.Trainer()  # expect: TSL401
    order = t.batches(10)  # expect: TSL102
    name = t.describe()
    noise = trainer.seeded_noise()  # expect: TSL402
    m = get_model()
    m.fit(order)
''',
}

LAYOUTS = {"package": PACKAGE, "flat": FLAT, "src": SRC, "relative": RELATIVE}


def build(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def wanted(files: dict[str, str], only: str | None = None) -> set[tuple[str, int, str]]:
    return {(name, line, code) for name, text in files.items() if name.endswith(".py")
            if only is None or name == only for line, code in expected(text)}


def run_cli(root: Path, *args: str) -> list[dict]:
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stdout(out):
            status = main(["--format", "json", *args])
    finally:
        os.chdir(cwd)
    assert status in (0, 1)
    return json.loads(out.getvalue())


def found(records: list[dict]) -> set[tuple[str, int, str]]:
    return {(Path(r["path"]).as_posix().removeprefix("./"), r["line"], r["code"]) for r in records}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layout_directory(tmp_path: Path, layout: str) -> None:
    files = LAYOUTS[layout]
    root = build(tmp_path, files)
    assert found(run_cli(root, "--no-cache", ".")) == wanted(files)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layout_one_file_at_a_time(tmp_path: Path, layout: str) -> None:
    files = LAYOUTS[layout]
    root = build(tmp_path, files)
    for name in files:
        if name.endswith(".py"):
            assert found(run_cli(root, "--no-cache", name)) == wanted(files, name), name


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layout_with_workers_and_cache(tmp_path: Path, layout: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)  # speculative workers, corrected by the index
    files = LAYOUTS[layout]
    root = build(tmp_path, files)
    cold = found(run_cli(root, "--jobs", "2", "."))
    warm = found(run_cli(root, "--jobs", "2", "."))
    assert cold == warm == wanted(files)


def test_message_names_the_draw_site(tmp_path: Path) -> None:
    root = build(tmp_path, SRC)
    (record,) = run_cli(root, "--no-cache", "scripts/prepare.py")
    assert record["code"] == "TSL104"
    assert "proj.augment.augment" in record["message"]
    # The draw two calls deep, where it is in the project.
    assert "`random.random` at `src/proj/noise.py:5`" in record["message"]


def test_index_facts(tmp_path: Path) -> None:
    root = build(tmp_path, {**RELATIVE, "lab/other.py": "from sklearn.utils import shuffle\n"})
    index = HelperIndex(root, CONFIG)
    model = index.lookup("lab.models.get_model")
    assert model is not None and model.kind == "model" and model.draws
    assert index.lookup("lab.trainer.Trainer") == ProjectFact(
        draws=model.draws, sites=model.sites, kind="instance", cls="lab.trainer.Trainer")
    assert index.lookup("lab.trainer.Trainer.describe") == ProjectFact()
    seeded = index.lookup("lab.trainer.seeded_noise")
    assert seeded is not None and seeded.seeds and not seeded.draws
    assert index.lookup("sklearn.utils.shuffle") is None  # another library
    assert index.lookup("lab.nothing_here") == ProjectFact()  # the project's, unknown


def test_an_edited_project_function_rechecks_its_callers(tmp_path: Path) -> None:
    root = build(tmp_path, SRC)
    assert ("scripts/prepare.py", 3, "TSL104") in found(run_cli(root, "."))
    (root / "src/proj/noise.py").write_text("def _jitter():\n    return 0.5\n\n\n"
                                            "def jitter_all(values):\n    return [v + _jitter() for v in values]\n")
    assert found(run_cli(root, ".")) == set()


def test_fix_seeds_before_the_first_project_call(tmp_path: Path) -> None:
    files = {"pyproject.toml": PYPROJECT, "models.py": MODELS,
             "train.py": "from models import build_model\n\nmodel = build_model()  # expect: TSL401\n"}
    root = build(tmp_path, files)
    assert found(run_cli(root, "--no-cache", "train.py")) == wanted(files, "train.py")
    run_cli(root, "--no-cache", "--fix", "train.py")
    text = (root / "train.py").read_text()
    assert text.index("set_random_seed(42)") < text.index("model = build_model()")
    assert run_cli(root, "--no-cache", "train.py") == []


def test_aliases_and_subclasses_of_project_models(tmp_path: Path) -> None:
    """`Model = models.Model` in a package's `__init__` names the same class;
    a script's class deriving from it is a Keras model, whose `fit` trains."""
    files = {
        "pyproject.toml": PYPROJECT,
        "rec/__init__.py": "from rec import models\n\nModel = models.Model\n",
        "rec/models.py": "import tensorflow as tf\n\n\nclass Model(tf.keras.Model):\n    pass\n",
        "train.py": '''\
import tensorflow as tf

import rec


class Ranker(rec.Model):
    def __init__(self):
        super().__init__()


if __name__ == "__main__":
    tf.keras.utils.set_random_seed(1)  # expect: TSL405
    Ranker().fit(None)
''',
    }
    root = build(tmp_path, files)
    index = HelperIndex(root, CONFIG)
    assert index.lookup("rec.Model") == ProjectFact(kind="model")
    assert found(run_cli(root, "--no-cache", "train.py")) == wanted(files, "train.py")


def test_a_return_annotation_gives_the_kind(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": PYPROJECT,
        "arch.py": '''\
import tensorflow as tf

ARCHITECTURES = {}


def make_model(name) -> tf.keras.Model:
    return ARCHITECTURES[name]()


def make_data(name) -> "tf.data.Dataset":
    return ARCHITECTURES[name]()
''',
    }
    index = HelperIndex(build(tmp_path, files), CONFIG)
    assert index.lookup("arch.make_model") == ProjectFact(kind="model")
    assert index.lookup("arch.make_data") == ProjectFact()  # a string annotation is not read

"""Where `--fix` puts what it adds and what it writes (SPEC "Fixes": one
seed, one global seed call, where the entry point starts, the file's own
names): an added import never changes the program, an inserted call is
always one the linter recognises, and the result reads as an expert wrote it."""
from __future__ import annotations

import json

import libcst as cst
import pytest

from tfseedlint import catalog
from tfseedlint.model import FileModel
from tests.helpers import CONFIG, lint
from tests.test_fixer import code_cell, fixed, notebook


def clean_and_stable(out: str, path: str = "example.py") -> None:
    assert [f.code for f in lint(out)] == [], out
    assert fixed(out, path) == out, "a second --fix must change nothing"


# ------------------------------------------------------------ environment setup


@pytest.mark.parametrize("setup", [
    'os.environ["KERAS_BACKEND"] = "jax"',
    'os.environ.setdefault("KERAS_BACKEND", "torch")',
])
def test_an_added_import_never_goes_above_environment_setup(setup: str) -> None:
    code = f"import os\n{setup}\nfrom keras import layers\n\nlayer = layers.Dense(3)\n"
    out = fixed(code)
    assert out == (f"import os\n{setup}\nfrom keras import layers\nimport keras\n\n"
                   "keras.utils.set_random_seed(42)\n\nlayer = layers.Dense(3)\n")
    clean_and_stable(out)


def test_tensorflow_import_goes_after_the_environment_it_reads() -> None:
    code = ("import os\n\nos.environ['TF_CPP_MIN_LOG_LEVEL'] = '2'\nimport numpy as np\n"
            "from tensorflow.keras import layers\n\nlayer = layers.Dense(3)\n")
    out = fixed(code)
    lines = out.splitlines()
    assert lines.index("import tensorflow as tf") > lines.index("os.environ['TF_CPP_MIN_LOG_LEVEL'] = '2'")
    assert lines.index("import tensorflow as tf") < lines.index("tf.keras.utils.set_random_seed(42)")
    clean_and_stable(out)


def test_set_backend_comes_before_the_seed() -> None:
    code = ("import keras\nkeras.config.set_backend('jax')\n\nlayer = keras.layers.Dense(3)\n")
    out = fixed(code)
    assert out == ("import keras\nkeras.config.set_backend('jax')\n\nkeras.utils.set_random_seed(42)\n\n"
                   "layer = keras.layers.Dense(3)\n")


def test_notebook_env_magic_stays_above_an_added_import() -> None:
    cells = [code_cell("%env KERAS_BACKEND=jax\nfrom keras import layers\n"),
             code_cell("layer = layers.Dense(3)\n")]
    out = json.loads(fixed(notebook(cells), "nb.ipynb"))
    assert out["cells"][0]["source"] == "%env KERAS_BACKEND=jax\nfrom keras import layers\nimport keras\n" \
                                        "keras.utils.set_random_seed(42)\n"


# ------------------------------------------------------------ aliases


ALIASES = [
    ("import tensorflow as tf", "tf.keras.layers.Dense(3)", "tf.keras.utils.set_random_seed(42)"),
    ("import tensorflow.compat.v2 as tf", "tf.keras.layers.Dense(3)", "tf.keras.utils.set_random_seed(42)"),
    ("import tensorflow.compat.v1 as tf", "tf.keras.layers.Dense(3)", "tf.keras.utils.set_random_seed(42)"),
    ("import tensorflow as T", "T.keras.layers.Dense(3)", "T.keras.utils.set_random_seed(42)"),
    ("from tensorflow import keras", "keras.layers.Dense(3)", "keras.utils.set_random_seed(42)"),
    ("import tensorflow.keras as K", "K.layers.Dense(3)", "K.utils.set_random_seed(42)"),
    ("import keras", "keras.layers.Dense(3)", "keras.utils.set_random_seed(42)"),
    ("from tensorflow.keras import layers", "layers.Dense(3)", "tf.keras.utils.set_random_seed(42)"),
]


def added_calls(before: str, after: str) -> list[str | None]:
    """What the calls on the lines a fix added or rewrote resolve to."""
    model = FileModel(cst.parse_module(after), CONFIG)
    new = {line.strip() for line in after.splitlines()} - {line.strip() for line in before.splitlines()}
    return [call.name for call in model.calls if model.module.code_for_node(call.node) in new]


@pytest.mark.parametrize("header,layer,seed", ALIASES, ids=[a[0] for a in ALIASES])
def test_every_inserted_call_is_recognised(header: str, layer: str, seed: str) -> None:
    """Each call a fix inserts (the global seed, op determinism) is one the
    linter resolves to the API meant, through every import form."""
    code = (f"import random\n\nimport numpy as np\n{header}\n\n"
            f"x = np.random.rand(3)\ny = random.random()\nlayer = {layer}\nlayer.fit(x, y)\n")
    out = fixed(code)
    assert seed in out
    keras_only = "tensorflow" not in header
    assert added_calls(code, out) == [catalog.SET_RANDOM_SEED] + (
        [] if keras_only else ["tensorflow.config.experimental.enable_op_determinism"])
    clean_and_stable(out)


SEED_CALLS = [
    ("import tensorflow as tf", "tf.random.set_seed(5)", "tf.keras.utils.set_random_seed(5)"),
    ("import tensorflow.compat.v2 as tf", "tf.random.set_seed(5)", "tf.keras.utils.set_random_seed(5)"),
    ("import tensorflow.compat.v1 as tf", "tf.set_random_seed(5)", "tf.keras.utils.set_random_seed(5)"),
    ("import tensorflow as T", "T.compat.v1.set_random_seed(5)", "T.keras.utils.set_random_seed(5)"),
    ("from tensorflow import random as tfr", "tfr.set_seed(5)", "tf.keras.utils.set_random_seed(5)"),
]


@pytest.mark.parametrize("header,call,want", SEED_CALLS, ids=[a[0] for a in SEED_CALLS])
def test_every_rewritten_seed_call_is_recognised(header: str, call: str, want: str) -> None:
    code = f"import numpy as np\n{header}\n\n{call}\nx = np.random.rand(3)\n"
    out = fixed(code)
    assert want in out and call not in out
    assert catalog.SET_RANDOM_SEED in added_calls(code, out)
    clean_and_stable(out)


def test_compat_v2_seed_is_recognised_and_not_added_again() -> None:
    code = "import tensorflow.compat.v2 as tf\n\nlayer = tf.keras.layers.Dense(3)\nx = tf.random.normal([2])\n"
    out = fixed(code)
    assert out == ("import tensorflow.compat.v2 as tf\n\ntf.keras.utils.set_random_seed(42)\n\n"
                   "layer = tf.keras.layers.Dense(3)\nx = tf.random.normal([2])\n")
    clean_and_stable(out)


def test_compat_v1_keras_and_data_are_randomness_and_the_seed_comes_first() -> None:
    code = ("import tensorflow.compat.v1 as tf\nimport numpy as np\n\n"
            "model = tf.keras.Sequential([tf.keras.layers.Dense(3)])\n"
            "ds = tf.data.Dataset.range(4).shuffle(4)\nmodel.fit(ds)\n")
    assert {f.code for f in lint(code)} >= {"TSL401"}
    out = fixed(code)
    assert out == ("import tensorflow.compat.v1 as tf\nimport numpy as np\n\n"
                   "tf.keras.utils.set_random_seed(42)\n"
                   "tf.compat.v2.config.experimental.enable_op_determinism()\n\n"
                   "model = tf.keras.Sequential([tf.keras.layers.Dense(3)])\n"
                   "ds = tf.data.Dataset.range(4).shuffle(4)\nmodel.fit(ds)\n")
    clean_and_stable(out)


# ------------------------------------------------------------ what an expert writes


def test_an_import_under_if_is_reused() -> None:
    code = ("import sys\nif sys.version_info >= (3,):\n    import tensorflow as tf\nelse:\n    tf = None\n\n"
            "layer = tf.keras.layers.Dense(3)\n")
    out = fixed(code)
    assert out.count("import tensorflow") == 1
    assert out.endswith("    tf = None\n\ntf.keras.utils.set_random_seed(42)\n\nlayer = tf.keras.layers.Dense(3)\n")


def test_no_semicolon_splice_after_an_import_line() -> None:
    out = fixed("import os; import tensorflow as tf\nlayer = tf.keras.layers.Dense(3)\n")
    assert out == ("import os; import tensorflow as tf\ntf.keras.utils.set_random_seed(42)\n"
                   "layer = tf.keras.layers.Dense(3)\n")


def test_pragma_pairs_stay_together() -> None:
    code = ("# pylint: disable=g-import-not-at-top\ntry:\n    import tensorflow as tf\nexcept ImportError:\n"
            "    tf = None\n# pylint: enable=g-import-not-at-top\n\nlayer = tf.keras.layers.Dense(3)\n")
    out = fixed(code)
    assert out == ("# pylint: disable=g-import-not-at-top\ntry:\n    import tensorflow as tf\nexcept ImportError:\n"
                   "    tf = None\n# pylint: enable=g-import-not-at-top\ntf.keras.utils.set_random_seed(42)\n\n"
                   "layer = tf.keras.layers.Dense(3)\n")


def test_keras_only_file_gets_no_tensorflow() -> None:
    code = ("import os\nos.environ['KERAS_BACKEND'] = 'jax'\nimport keras\n\n"
            "model = keras.Sequential([keras.layers.Dense(3)])\nmodel.fit(x, y)\n")
    out = fixed(code)
    assert out == ("import os\nos.environ['KERAS_BACKEND'] = 'jax'\nimport keras\n\n"
                   "keras.utils.set_random_seed(42)\n\nmodel = keras.Sequential([keras.layers.Dense(3)])\n"
                   "model.fit(x, y)\n")
    assert "tensorflow" not in out and "enable_op_determinism" not in out
    clean_and_stable(out)


@pytest.mark.parametrize("seed_line,expr", [("SEED = 7\n", "SEED"), ("RANDOM_SEED: int = 3\n", "RANDOM_SEED")])
def test_one_seed_reuses_the_files_constant(seed_line: str, expr: str) -> None:
    code = ("import numpy as np\nimport tensorflow as tf\n\n" + seed_line
            + "rng = np.random.default_rng()\nlayer = tf.keras.layers.Dense(3)\n")
    out = fixed(code)
    assert out == ("import numpy as np\nimport tensorflow as tf\n\n" + seed_line
                   + f"tf.keras.utils.set_random_seed({expr})\nrng = np.random.default_rng({expr})\n"
                   "layer = tf.keras.layers.Dense(3)\n")
    assert "42" not in out


def test_one_seed_reuses_the_global_seed_calls_argument() -> None:
    code = ("import numpy as np\nimport tensorflow as tf\n\ntf.random.set_seed(0)\n"
            "rng = np.random.default_rng()\nx = tf.random.shuffle(tf.range(3))\n")
    out = fixed(code)
    assert "default_rng(0)" in out and "42" not in out


def test_one_seed_uses_args_seed_in_the_main_block() -> None:
    code = ("import argparse\n\nimport tensorflow as tf\n\n\ndef train(seed):\n"
            "    return tf.keras.layers.Dense(3)\n\n\nif __name__ == '__main__':\n"
            "    parser = argparse.ArgumentParser()\n    parser.add_argument('--seed', type=int, default=0)\n"
            "    args = parser.parse_args()\n    train(args.seed)\n")
    out = fixed(code, unsafe=False)
    assert "    args = parser.parse_args()\n    tf.keras.utils.set_random_seed(args.seed)\n" in out
    clean_and_stable(out)


def test_numpy_and_python_draws_take_the_keras_seed_in_a_tf_file() -> None:
    code = "import random\n\nimport numpy as np\nimport tensorflow as tf\n\nx = np.random.rand(3)\ny = random.random()\n"
    out = fixed(code)
    assert out == ("import random\n\nimport numpy as np\nimport tensorflow as tf\n\n"
                   "tf.keras.utils.set_random_seed(42)\n\nx = np.random.rand(3)\ny = random.random()\n")
    clean_and_stable(out)


def test_tf_seed_becomes_the_keras_seed_for_numpy_draws() -> None:
    code = "import numpy as np\nimport tensorflow as tf\n\ntf.random.set_seed(3)\nx = np.random.rand(3)\n"
    out = fixed(code)
    assert out == "import numpy as np\nimport tensorflow as tf\n\ntf.keras.utils.set_random_seed(3)\nx = np.random.rand(3)\n"
    assert out.count("set_") == 1


def test_tf_seed_in_a_function_is_not_rewritten_when_a_later_module_seed_decides() -> None:
    # The module-level Keras seed after the draw decides its coverage: rewriting
    # the TF seed inside the function would edit a line and leave TSL102.
    code = ("import numpy as np\nimport tensorflow as tf\n\nx = np.random.rand(3)\n\n\n"
            "def reseed():\n    tf.random.set_seed(3)\n\n\ntf.keras.utils.set_random_seed(1)\n")
    out = fixed(code)
    assert "    tf.random.set_seed(3)\n" in out
    assert out.index("tf.keras.utils.set_random_seed(") < out.index("x = np.random.rand(3)")
    clean_and_stable(out)


def test_numpy_and_python_seeds_without_tf() -> None:
    code = "import random\n\nimport numpy as np\n\nx = np.random.rand(3)\ny = random.random()\n"
    out = fixed(code)
    assert out == ("import random\n\nimport numpy as np\n\nnp.random.seed(42)\nrandom.seed(42)\n\n"
                   "x = np.random.rand(3)\ny = random.random()\n")
    assert added_calls(code, out) == ["numpy.random.seed", "random.seed"]
    clean_and_stable(out)


def test_seed_goes_at_the_top_of_the_main_block() -> None:
    code = ("import tensorflow as tf\n\n\ndef build():\n    return tf.keras.Sequential([tf.keras.layers.Dense(3)])\n"
            "\n\nif __name__ == '__main__':\n    model = build()\n    model.fit(x, y)\n")
    out = fixed(code)
    assert out.endswith("if __name__ == '__main__':\n    tf.keras.utils.set_random_seed(42)\n"
                        "    tf.config.experimental.enable_op_determinism()\n    model = build()\n"
                        "    model.fit(x, y)\n")
    assert out.startswith("import tensorflow as tf\n\n\ndef build")
    clean_and_stable(out)


def test_seed_stays_at_module_level_when_module_code_calls_the_functions() -> None:
    code = ("import tensorflow as tf\n\n\ndef build():\n    return tf.keras.layers.Dense(3)\n\n\n"
            "layer = build()\n\nif __name__ == '__main__':\n    print(layer)\n")
    out = fixed(code)
    assert out.startswith("import tensorflow as tf\n\ntf.keras.utils.set_random_seed(42)\n")


def test_a_function_import_is_no_way_to_the_seed() -> None:
    code = "from keras import layers\nfrom keras.utils import to_categorical\n\nlayer = layers.Dense(3)\n"
    out = fixed(code)
    assert out == ("from keras import layers\nfrom keras.utils import to_categorical\nimport keras\n\n"
                   "keras.utils.set_random_seed(42)\n\nlayer = layers.Dense(3)\n")


def test_keras_on_jax_gets_the_keras_spelling_even_with_tf_data() -> None:
    code = ("import os\n\nos.environ['KERAS_BACKEND'] = 'jax'\n\nimport tensorflow as tf  # just for tf.data\n"
            "import keras\n\nlayer = keras.layers.Dense(3)\n")
    out = fixed(code, unsafe=False)
    assert out.endswith("import keras\n\nkeras.utils.set_random_seed(42)\n\nlayer = keras.layers.Dense(3)\n")


def test_tf1_execution_mode_switch_comes_before_the_seed() -> None:
    code = ("import tensorflow.compat.v1 as tf\n\ntf.disable_v2_behavior()\n\n"
            "x = tf.random_normal([2])\n")
    out = fixed(code, unsafe=False)
    assert out == ("import tensorflow.compat.v1 as tf\n\ntf.disable_v2_behavior()\n\n"
                   "tf.keras.utils.set_random_seed(42)\n\nx = tf.random_normal([2])\n")

"""Precision: findings that cannot matter stay silent, their near misses do not.

Test harnesses that seed, `DeterministicRandomTestTool` scopes, input
preprocessing, training-free scripts, deliberate re-seeding, evaluation sets,
legacy Keras and Keras on other backends (SPEC "Terms" and rows TSL204,
TSL402, TSL403, TSL405).
"""
from __future__ import annotations

from pathlib import Path

from tfseedlint.cli import main
from tests.helpers import expected, lint, reported


def codes(source: str, **settings: object) -> set[tuple[int, str]]:
    return reported(lint(source, **settings))


# ------------------------------------------------------------ test harnesses

TF_TEST = """import numpy as np
import tensorflow as tf


def make_batch():
    return np.random.rand(4, 3)


class ModelTest(tf.test.TestCase):

    def test_shapes(self):
        x = make_batch()
        noise = tf.random.normal([4, 3])
        layer = tf.keras.layers.Dropout(0.5)
        rng = np.random.default_rng()  # expect: TSL103
        self.assertEqual(x.shape, noise.shape)


if __name__ == "__main__":
    tf.test.main()
"""


def test_tf_test_case_and_tf_test_main_seed_every_test() -> None:
    assert codes(TF_TEST) == expected(TF_TEST)


def test_a_class_that_is_not_a_tf_test_case_is_not_covered() -> None:
    source = TF_TEST.replace("tf.test.TestCase", "unittest.TestCase").replace(
        "import numpy as np\n", "import unittest\n\nimport numpy as np\n").replace(
        "tf.test.main()", "unittest.main()")
    found = {code for _, code in codes(source)}
    assert {"TSL101", "TSL102", "TSL302", "TSL401", "TSL103"} <= found


def test_base_class_defined_in_the_same_file() -> None:
    source = ("import tensorflow as tf\n\n\nclass Base(tf.test.TestCase):\n    pass\n\n\n"
              "class NoiseTest(Base):\n    def test_it(self):\n        tf.random.normal([2])\n\n\n"
              "if __name__ == '__main__':\n    import absl.testing.absltest as t\n    t.main()\n")
    assert codes(source) == set()


def test_module_level_draws_of_a_test_module_are_not_covered() -> None:
    # tf.test.main() seeds inside tests only; module-level code runs before any setUp.
    source = ("import numpy as np\nimport tensorflow as tf\n\nDATA = np.random.rand(3)  # expect: TSL102\n\n\n"
              "class T(tf.test.TestCase):\n    def test_it(self):\n        np.random.rand(2)\n\n\n"
              "if __name__ == '__main__':\n    tf.test.main()\n")
    assert codes(source) == expected(source)


def test_deterministic_random_test_tool_scope_covers_tf_ops_only() -> None:
    source = ("import numpy as np\nimport tensorflow as tf\nimport tensorflow.compat.v1 as v1\n\n"
              "if __name__ == '__main__':\n"
              "    random_tool = v1.keras.utils.DeterministicRandomTestTool(mode='num_random_ops')\n"
              "    with random_tool.scope():\n"
              "        w = tf.random.uniform([3])\n"
              "        x = np.random.rand(3)  # expect: TSL102\n"
              "    outside = tf.random.normal([3])  # expect: TSL101 TSL401\n")
    assert codes(source) == expected(source)
    inline = ("import tensorflow as tf\n\nif __name__ == '__main__':\n"
              "    with tf.compat.v1.keras.utils.DeterministicRandomTestTool().scope():\n"
              "        w = tf.random.uniform([3])\n")
    assert codes(inline) == set()


# ---------------------------------------------------------- TSL403 contexts

def test_backprop_only_op_matters_only_where_the_file_trains() -> None:
    forward_only = "import tensorflow as tf\n\ny = tf.image.crop_and_resize(img, boxes, ids, (8, 8))\n"
    assert codes(forward_only, select=("TSL403",)) == set()
    trains = forward_only + "with tf.GradientTape() as tape:\n    loss = model(y)\n"
    assert codes(trains, select=("TSL403",)) == {(3, "TSL403")}
    optimizer = forward_only + "opt.apply_gradients(zip(grads, variables))\n"
    assert codes(optimizer, select=("TSL403",)) == {(3, "TSL403")}


def test_forward_op_is_reported_without_training() -> None:
    source = "import tensorflow as tf\n\ncounts = tf.math.bincount(ids)  # expect: TSL403\n"
    assert codes(source, select=("TSL403",)) == expected(source)


PIPELINE = """import functools

import tensorflow as tf


def contrast(image):
    return tf.image.random_contrast(image, 0.5, 1.5, seed=1)


def augment(image, label):
    return contrast(image), label


def count(x):
    return tf.math.bincount(x)


class Loader:
    def parse(self, record):
        return tf.math.bincount(record)

    def dataset(self, ds):
        return ds.map(self.parse)


ds = ds.map(augment).filter(lambda x, y: tf.reduce_sum(tf.math.bincount(y)) > 0)
ds = ds.interleave(functools.partial(count))
ids = tf.py_function(func=count, inp=[ids], Tout=tf.int32)
with tf.device("/cpu:0"):
    cpu_counts = tf.math.bincount(ids)
with tf.device("/GPU:0"):
    gpu_counts = tf.math.bincount(ids)  # expect: TSL403
"""


def test_ops_only_used_in_input_preprocessing_are_silent() -> None:
    assert codes(PIPELINE, select=("TSL403",)) == expected(PIPELINE)


def test_a_map_callback_also_called_on_the_model_path_is_reported() -> None:
    source = PIPELINE.replace("with tf.device(\"/GPU:0\"):\n    gpu_counts = tf.math.bincount(ids)  # expect: TSL403\n",
                              "logits = model(augment(x, y)[0])\n")
    found = codes(source, select=("TSL403",))
    # `augment` runs outside tf.data too, and with it `contrast`.
    assert found == {(7, "TSL403")}


def test_map_of_a_model_or_another_library_is_not_preprocessing() -> None:
    source = ("import pandas as pd\nimport tensorflow as tf\n\n\ndef count(x):\n"
              "    return tf.math.bincount(x)  # expect: TSL403\n\n\nframe = pd.read_csv('f')\nframe.map(count)\n")
    assert codes(source, select=("TSL403",)) == expected(source)


# ------------------------------------------------------------------ TSL405

SEEDED = "import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.keras.utils.set_random_seed(1)  # expect: TSL405\n"


def test_forward_only_scripts_do_not_need_op_determinism() -> None:
    built = SEEDED + "    model = tf.keras.Sequential([tf.keras.layers.Conv2D(4, 3), tf.keras.layers.Embedding(9, 2)])\n" \
                     "    print(model(x), tf.gather(x, [0]))\n"
    assert codes(built, select=("TSL405",)) == set()
    forward = SEEDED + "    total = tf.math.unsorted_segment_sum(x, ids, 3)\n"
    assert codes(forward, select=("TSL405",)) == expected(forward)
    trained = built + "    model.compile('adam', 'mse')\n    model.fit(x, y)\n"
    assert codes(trained, select=("TSL405",)) == expected(trained)


def test_test_modules_do_not_need_op_determinism() -> None:
    pytest_style = ("import pytest\nimport tensorflow as tf\n\n\ndef test_training():\n    model.fit(x, y)\n\n\n"
                    "if __name__ == '__main__':\n    tf.random.set_seed(1)\n    test_training()\n")
    assert codes(pytest_style, select=("TSL405",)) == set()
    # A training script's `test_step` does not make it a test module.
    script = ("import tensorflow as tf\n\ntf.random.set_seed(1)  # expect: TSL405\n\n\ndef test_step(x):\n"
              "    return model(x)\n\n\nif __name__ == '__main__':\n    with tf.GradientTape() as tape:\n"
              "        loss = model(x)\n")
    assert codes(script, select=("TSL405",)) == expected(script)


def test_op_determinism_only_where_tensorflow_runs() -> None:
    keras_only = "import keras\n\nif __name__ == '__main__':\n    keras.utils.set_random_seed(1)\n    model.fit(x, y)\n"
    assert codes(keras_only, select=("TSL405",)) == set()
    with_data = ("import keras\nfrom tensorflow import data\n\nif __name__ == '__main__':\n"
                 "    keras.utils.set_random_seed(1)  # expect: TSL405\n    model.fit(x, y)\n")
    assert codes(with_data, select=("TSL405",)) == expected(with_data)


# ------------------------------------------------------------------ TSL402

def test_only_the_first_seed_of_a_domain_can_come_after_use() -> None:
    reseed = ("import numpy as np\n\nnp.random.seed(0)\nfirst = np.random.rand(3)\nnp.random.seed(0)\n"
              "again = np.random.rand(3)\nnp.random.seed(1)\n")
    assert codes(reseed) == set()
    other = ("import random\n\nimport numpy as np\n\nnp.random.seed(0)\nx = np.random.rand(3)\n"
             "y = random.random()  # expect: TSL104\nrandom.seed(0)  # expect: TSL402\nrandom.seed(1)\n")
    assert codes(other) == expected(other)


# ------------------------------------------------------------------ TSL204

def test_dataset_utilities_matter_only_on_the_training_path() -> None:
    evaluation = ("import keras\n\nif __name__ == '__main__':\n"
                  "    train = keras.utils.image_dataset_from_directory('train', seed=1)\n"
                  "    val = keras.utils.image_dataset_from_directory('val')\n"
                  "    test = keras.utils.image_dataset_from_directory('test')\n"
                  "    model.fit(train, validation_data=val)\n    model.evaluate(test)\n")
    assert codes(evaluation, select=("TSL204",)) == set()
    training = ("import keras\nimport tensorflow as tf\n\n\ndef load(path):\n"
                "    return keras.utils.image_dataset_from_directory(path)  # expect: TSL204\n\n\n"
                "if __name__ == '__main__':\n    ds = load('train')\n"
                "    ds = ds.map(lambda x, y: (x / 255, y)).prefetch(tf.data.AUTOTUNE)\n"
                "    model.fit(x=ds, epochs=3)\n")
    assert codes(training, select=("TSL204",)) == expected(training)
    library = training.split("\n\nif __name__")[0] + "\n"
    assert codes(library, select=("TSL204",)) == set()


# --------------------------------------------------- legacy Keras, backends

def test_legacy_keras_dropout_is_covered_by_the_tf_seed() -> None:
    for header in ("import tf_keras\n", "import os\nos.environ['TF_USE_LEGACY_KERAS'] = 'True'\n"):
        source = (header + "import tensorflow as tf\n\ntf.random.set_seed(1)\n"
                  "drop = tf.keras.layers.Dropout(0.5)\nnoise = tf.keras.layers.GaussianNoise(0.1)\n")
        assert codes(source) == set(), header
        dense = source + "dense = tf.keras.layers.Dense(2)\n"
        findings = [f for f in lint(dense) if f.code == "TSL404"]
        assert len(findings) == 1 and "Keras 3" not in findings[0].message
    keras3 = "import tensorflow as tf\n\ntf.random.set_seed(1)\ndense = tf.keras.layers.Dense(2)\n"
    assert "Keras 3" in [f for f in lint(keras3) if f.code == "TSL404"][0].message
    off = "import os\nos.environ['TF_USE_LEGACY_KERAS'] = '0'\nimport tensorflow as tf\n\ntf.random.set_seed(1)\n" \
          "drop = tf.keras.layers.Dropout(0.5)  # expect: TSL302\n"
    assert codes(off, select=("TSL302",)) == expected(off)


def test_keras_only_files_are_told_the_keras_seed() -> None:
    keras_only = "import keras\n\nlayer = keras.layers.Dense(2)\n"
    message = [f for f in lint(keras_only) if f.code == "TSL401"][0].message
    assert "`keras.utils.set_random_seed(seed)`" in message and "tf.keras" not in message
    with_tf = "import tensorflow as tf\n\nlayer = tf.keras.layers.Dense(2)\n"
    assert "`tf.keras.utils.set_random_seed(seed)`" in [f for f in lint(with_tf) if f.code == "TSL401"][0].message
    upsample = "import keras\n\nup = keras.layers.UpSampling2D()\nmodel.fit(x, y)\n"
    assert codes(upsample, select=("TSL403",)) == set()
    assert codes("import tensorflow as tf\n" + upsample, select=("TSL403",)) == {(4, "TSL403")}


# ------------------------------------------- a project's own test base class

def _test_project(root: Path, base: str) -> Path:
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    pkg = root / "src" / "proj"
    (pkg / "testing").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "testing" / "__init__.py").write_text("from .case import TestCase\n")
    (pkg / "testing" / "case.py").write_text(f"import tensorflow as tf\n\n\nclass TestCase({base}):\n    pass\n")
    (pkg / "model_test.py").write_text(
        "import unittest\n\nimport tensorflow as tf\n\nfrom proj import testing\n\n\n"
        "class ModelTest(testing.TestCase):\n    def test_noise(self):\n        tf.random.normal([2])\n\n\n"
        "if __name__ == '__main__':\n    unittest.main()\n")
    (pkg / "layer_test.py").write_text(
        "import unittest\n\nimport numpy as np\n\nfrom .testing.case import TestCase\n\n\n"
        "class LayerTest(TestCase):\n    def test_data(self):\n        np.random.rand(2)\n\n\n"
        "if __name__ == '__main__':\n    unittest.main()\n")
    return pkg


def test_a_project_test_base_in_another_file_seeds_its_subclasses(tmp_path: Path, monkeypatch, capsys) -> None:
    pkg = _test_project(tmp_path, "tf.test.TestCase")
    monkeypatch.chdir(tmp_path)
    assert main(["--no-cache", "src/proj/model_test.py", "src/proj/layer_test.py"]) == 0
    capsys.readouterr()
    # The cached results must follow the base class when it changes.
    assert main(["src/proj/model_test.py", "src/proj/layer_test.py"]) == 0
    (pkg / "testing" / "case.py").write_text("import unittest\n\n\nclass TestCase(unittest.TestCase):\n    pass\n")
    assert main(["src/proj/model_test.py", "src/proj/layer_test.py"]) == 1
    out = capsys.readouterr().out
    assert "model_test.py:10:9: TSL101" in out and "layer_test.py:10:9: TSL102" in out


def test_a_project_base_that_is_not_a_tf_test_case_covers_nothing(tmp_path: Path, monkeypatch, capsys) -> None:
    _test_project(tmp_path, "unittest.TestCase")
    monkeypatch.chdir(tmp_path)
    assert main(["--no-cache", "src/proj/"]) == 1
    codes_found = {line.split(": ")[1].split()[0] for line in capsys.readouterr().out.splitlines() if ": TSL" in line}
    assert {"TSL101", "TSL102", "TSL401"} <= codes_found


def test_a_backprop_only_op_in_a_callback_also_used_for_display_is_silent() -> None:
    # pix2pix: the jitter function feeds tf.data and a plot; no gradient flows through either.
    source = ("import tensorflow as tf\n\n\ndef jitter(image):\n"
              "    return tf.image.resize(image, (8, 8), method='nearest')  # expect: TSL403\n\n\n"
              "def load(path):\n    return jitter(tf.io.decode_png(path))\n\n\n"
              "ds = ds.map(load)\nplt.imshow(jitter(sample))\n\n\n@tf.function\ndef train_step(x):\n"
              "    with tf.GradientTape() as tape:\n        loss = model(x)\n")
    assert codes(source, select=("TSL403",)) == set()
    in_step = source.replace("        loss = model(x)\n", "        loss = model(jitter(x))\n")
    assert codes(in_step, select=("TSL403",)) == expected(in_step)
    layer = source.replace("plt.imshow(jitter(sample))\n",
                           "class Up(tf.keras.layers.Layer):\n    def call(self, x):\n        return jitter(x)\n")
    assert codes(layer, select=("TSL403",)) == expected(layer)


def test_a_lambda_named_and_passed_to_map_is_preprocessing() -> None:
    source = ("import tensorflow as tf\n\naugment = lambda image: tf.image.random_contrast(image, 0.5, 2.0)\n"
              "ds = ds.map(augment)\n")
    assert codes(source, select=("TSL403",)) == set()


def test_unweighted_bincount_in_tests() -> None:
    test = ("import tensorflow as tf\n\n\nclass CountTest(tf.test.TestCase):\n    def test_counts(self):\n"
            "        self.assertAllEqual(tf.math.bincount(y), [0, 3, 3])  # expect: TSL403\n")
    assert codes(test, select=("TSL403",)) == set()
    determinism = test.replace("    def test_counts(self):\n",
                               "    def test_counts(self):\n        tf.config.experimental.enable_op_determinism()\n")
    assert codes(determinism, select=("TSL403",)) == {(7, "TSL403")}
    script = "import tensorflow as tf\n\ncounts = tf.math.bincount(y)  # expect: TSL403\n"
    assert codes(script, select=("TSL403",)) == expected(script)


def test_a_dataset_returned_out_of_sight_may_reach_training() -> None:
    # time_series: the function becomes a method whose results feed `fit` through properties.
    source = ("import keras\n\n\ndef make_dataset(self, data):\n"
              "    ds = keras.utils.timeseries_dataset_from_array(data, None, 3, shuffle=True)  # expect: TSL204\n"
              "    return ds.map(split)\n\n\nWindow.make_dataset = make_dataset\n\n"
              "if __name__ == '__main__':\n    model.fit(window.train, epochs=2)\n")
    assert codes(source, select=("TSL204",)) == expected(source)
    # Called by name only, never for training: an evaluation set.
    plain = source.replace("Window.make_dataset = make_dataset\n", "").replace(
        "model.fit(window.train, epochs=2)", "model.fit(train, epochs=2)\n    model.evaluate(make_dataset(None, d))")
    assert codes(plain, select=("TSL204",)) == set()

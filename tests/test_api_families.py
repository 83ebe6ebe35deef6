"""The API families beyond tf.random / Keras / NumPy / random: TF1-era names,
TF's own initializers, `functools.partial` objects, TensorFlow Datasets and
scikit-learn. Each family: what is reported, the near misses that are not,
and the fixes (result parses, clears its finding, a second fix changes
nothing)."""
from __future__ import annotations

from dataclasses import replace

import libcst as cst
import pytest

from tfseedlint.fixer import fix_source
from tests.helpers import CONFIG, expected, lint, reported


def check(code: str) -> None:
    """Exactly the `# expect:` lines are reported."""
    assert reported(lint(code)) == expected(code)


def codes(code: str) -> set[str]:
    return {f.code for f in lint(code)}


# ------------------------------------------------------------ TF1 scripts


def test_tf1_script_is_an_entry_point() -> None:
    check("import random\n\nimport tensorflow as tf\n\n"
          "w = tf.Variable(tf.random_normal([3, 3]))  # expect: TSL101 TSL401\n"
          "b = tf.multinomial(tf.math.log([[0.5, 0.5]]), 4)  # expect: TSL101\n"
          "k = random.randint(0, 9)  # expect: TSL104\n")


def test_tf1_layers() -> None:
    check("import tensorflow as tf\n\n"
          "h = tf.layers.dense(x, 256, activation=tf.nn.relu)  # expect: TSL401\n"
          "c = tf.compat.v1.layers.conv2d(x, 32, 5, kernel_initializer=None)\n"
          "d = tf.layers.dropout(h, rate=0.25, training=is_training)  # expect: TSL101\n"
          "e = tf.layers.dropout(h, 0.25, None, None, True)  # expect: TSL101\n")
    # Inference-mode dropout, a given initializer, a seed: nothing drawn unseeded.
    assert lint("import tensorflow as tf\n\nd = tf.layers.dropout(h, rate=0.25)\n"
                "f = tf.layers.dropout(h, 0.5, training=False)\n"
                "g = tf.layers.dropout(h, 0.5, training=True, seed=1)\n"
                "k = tf.layers.dense(x, 3, kernel_initializer=tf.zeros_initializer())\n") == []
    assert lint("import tensorflow as tf\n\ntf.set_random_seed(1)\nh = tf.layers.dense(x, 256)\n") == []


def test_tf1_names_resolve_through_aliases_and_from_imports() -> None:
    check("from tensorflow import random_uniform, truncated_normal as tn\n\n"
          "a = random_uniform([2])  # expect: TSL101 TSL401\nb = tn([2])  # expect: TSL101\n")


def test_tf1_global_seed_covers_tf1_ops() -> None:
    assert lint("import tensorflow as tf\n\ntf.set_random_seed(0)\nx = tf.random_shuffle(tf.range(4))\n") == []
    assert lint("import tensorflow as tf\n\ntf.random.set_random_seed(0)\nx = tf.random_normal([2])\n") == []


def test_tf1_ops_given_a_seed_are_silent() -> None:
    assert lint("import tensorflow as tf\n\nx = tf.truncated_normal([2], seed=1)\n"
                "y = tf.random_shuffle([1, 2], 3)\n") == []


def test_tf1_ops_in_a_library_are_left_to_the_caller() -> None:
    assert lint("import tensorflow as tf\n\n\ndef weights():\n    return tf.random_normal([2])\n") == []


# ------------------------------------------------------------ TF initializers


def test_tf_core_and_compat_initializers() -> None:
    check("import tensorflow as tf\n\n"
          "a = tf.random_normal_initializer(0.0, 0.1)  # expect: TSL301 TSL401\n"
          "b = tf.compat.v1.glorot_uniform_initializer()  # expect: TSL301\n"
          "c = tf.variance_scaling_initializer(2.0)  # expect: TSL301\n"
          "d = tf.compat.v1.initializers.truncated_normal()  # expect: TSL301\n"
          "e = tf.initializers.GlorotUniform()  # expect: TSL301\n")


def test_tf_initializers_are_covered_by_the_tf_seed_and_say_so() -> None:
    code = "import tensorflow as tf\n\nw = tf.random_uniform_initializer(-1.0, 1.0)\n"
    [finding] = lint(code, select=("TSL301",))
    assert "TF global seed" in finding.message
    # A TF-domain source: tf.random.set_seed covers it and TSL404 has nothing to say.
    assert lint("import tensorflow as tf\n\ntf.random.set_seed(1)\nw = tf.random_uniform_initializer(-1.0, 1.0)\n"
                "v = tf.compat.v1.orthogonal_initializer()\n") == []


def test_seeded_or_constant_tf_initializers_are_silent() -> None:
    assert lint("import tensorflow as tf\n\na = tf.random_normal_initializer(0.0, 0.1, 7)\n"
                "b = tf.compat.v1.glorot_normal_initializer(seed=3)\nc = tf.zeros_initializer()\n") == []


# ------------------------------------------------------------ functools.partial


def test_partial_of_a_weight_layer_is_drawn_where_it_is_called() -> None:
    check("import functools\n\nimport tensorflow as tf\n\n"
          "Dense = functools.partial(tf.keras.layers.Dense, activation='relu')\n\n"
          "if __name__ == '__main__':\n    hidden = Dense(64)  # expect: TSL401\n")


def test_seed_in_the_partial_or_in_the_call() -> None:
    assert lint("import functools\n\nimport keras\n\nDrop = functools.partial(keras.layers.Dropout, 0.5, seed=3)\n"
                "a = Drop()\n") == []
    assert lint("from functools import partial\n\nimport keras\n\nDrop = partial(keras.layers.Dropout, 0.5)\n"
                "a = Drop(seed=1)\n") == []
    # Positional arguments of the partial come first: 0.5 is `rate`, 2 is `seed`.
    assert lint("from functools import partial\n\nimport keras\n\nDrop = partial(keras.layers.Dropout, 0.5)\n"
                "a = Drop(None, 2)\n") == []


def test_unseeded_partials_of_every_family() -> None:
    check("from functools import partial\n\nimport numpy as np\nimport tensorflow as tf\n\n"
          "noise = partial(tf.random.normal, [3], seed=None)\n"
          "draw = partial(np.random.randint, 0, 10)\n"
          "Drop = partial(tf.keras.layers.Dropout, 0.5, seed=3)\n"
          "x = noise()  # expect: TSL101 TSL401\n"
          "y = draw(size=3)  # expect: TSL102\n"
          "z = Drop(seed=None)  # expect: TSL302\n")


def test_a_partial_of_something_else_is_not_a_source() -> None:
    assert lint("import functools\n\nimport tensorflow as tf\n\nadd = functools.partial(tf.add, 1)\n"
                "x = add(2)\n") == []
    # A name assigned a partial of two different APIs is not guessed.
    assert lint("import functools\n\nimport keras\n\nif flag:\n    L = functools.partial(keras.layers.Dropout, 0.1)\n"
                "else:\n    L = functools.partial(keras.layers.Dense, 3)\nlayer = L()\n", select=("TSL302",)) == []


# ------------------------------------------------------------ TensorFlow Datasets


def test_tfds_load_and_as_dataset() -> None:
    check("import tensorflow_datasets as tfds\n\n"
          "a = tfds.load('mnist', split='train', shuffle_files=True)  # expect: TSL206\n"
          "builder = tfds.builder('mnist')\n"
          "b = builder.as_dataset(split='train', shuffle_files=True)  # expect: TSL206\n"
          "c = tfds.builder('cifar10').as_dataset(shuffle_files=True)  # expect: TSL206\n")


def test_tfds_near_misses() -> None:
    assert lint("import tensorflow_datasets as tfds\n\n"
                "a = tfds.load('mnist', split='train')\n"
                "b = tfds.load('mnist', shuffle_files=False)\n"
                "c = tfds.load('mnist', shuffle_files=True, read_config=tfds.ReadConfig(shuffle_seed=3))\n"
                "cfg = tfds.ReadConfig(shuffle_seed=4)\n"
                "d = tfds.load('mnist', shuffle_files=True, read_config=cfg)\n"
                "other = tfds.ReadConfig()\nother.shuffle_seed = 5\n"
                "e = tfds.load('mnist', shuffle_files=True, read_config=other)\n") == []
    # `as_dataset` of something that is not a TFDS builder, in a file without TFDS.
    assert lint("import tensorflow as tf\n\nds = thing.as_dataset(shuffle_files=True)\n") == []


def test_tfds_read_configs_without_shuffle_seed() -> None:
    check("import tensorflow_datasets as tfds\n\n"
          "cfg = tfds.ReadConfig(try_autocache=False)\n"
          "a = tfds.load('mnist', shuffle_files=True, read_config=cfg)  # expect: TSL206\n"
          "b = tfds.load('mnist', shuffle_files=True,  # expect: TSL206\n"
          "              read_config=tfds.ReadConfig(shuffle_seed=None))\n"
          "c = tfds.load('mnist', shuffle_files=training, read_config=None)  # expect: TSL206\n")


def test_tfds_is_reported_in_library_modules_and_seeded_files() -> None:
    check("import tensorflow as tf\nimport tensorflow_datasets as tfds\n\ntf.keras.utils.set_random_seed(1)\n\n\n"
          "def load():\n    return tfds.load('mnist', shuffle_files=True)  # expect: TSL206\n")


def test_tfds_results_are_datasets() -> None:
    check("import tensorflow_datasets as tfds\n\n"
          "train = tfds.load('mnist', split='train').shuffle(1000)  # expect: TSL201 TSL401\n"
          "splits = tfds.load('mnist')\n"
          "test = splits['test'].shuffle(10)  # expect: TSL201\n"
          "(a, b), info = tfds.load('mnist', split=['train', 'test'], with_info=True)\n"
          "a = a.shuffle(10)  # expect: TSL201\n")


# ------------------------------------------------------------ scikit-learn


def test_sklearn_splitters() -> None:
    check("import numpy as np\nfrom sklearn import model_selection, utils\n\n"
          "parts = model_selection.train_test_split(np.arange(10), test_size=0.2)  # expect: TSL207\n"
          "a = model_selection.KFold(n_splits=5, shuffle=True)  # expect: TSL207\n"
          "b = model_selection.GroupKFold(3, shuffle=True, random_state=None)  # expect: TSL207\n"
          "c = model_selection.StratifiedGroupKFold(3, True)  # expect: TSL207\n"
          "d = model_selection.ShuffleSplit(3)  # expect: TSL207\n"
          "e = model_selection.RepeatedStratifiedKFold(n_splits=2)  # expect: TSL207\n"
          "f = utils.shuffle(np.arange(3))  # expect: TSL207\n")


def test_sklearn_near_misses() -> None:
    assert lint("from sklearn.model_selection import KFold, StratifiedKFold, train_test_split\n\n"
                "a = KFold(5)\nb = KFold(5, shuffle=False)\nc = StratifiedKFold(shuffle=True, random_state=0)\n"
                "d = train_test_split(x, y, random_state=0)\ne = train_test_split(x, y, shuffle=False)\n"
                "f = train_test_split(x, y, **options)\n") == []


def test_star_arrays_do_not_hide_a_missing_random_state() -> None:
    check("from sklearn.model_selection import train_test_split\n\n"
          "parts = train_test_split(*arrays, test_size=0.1)  # expect: TSL207\n")


def test_sklearn_is_numpy_domain() -> None:
    for seed in ("np.random.seed(0)", "keras.utils.set_random_seed(0)"):
        assert lint(f"import keras\nimport numpy as np\nfrom sklearn.model_selection import train_test_split\n\n"
                    f"{seed}\nparts = train_test_split(x, y)\n") == []
    # The TF seed and Python's do not reach NumPy's global state.
    check("import random\n\nimport tensorflow as tf\nfrom sklearn.model_selection import train_test_split\n\n"
          "tf.random.set_seed(0)\nrandom.seed(0)\nparts = train_test_split(x, y)  # expect: TSL207\n")
    # A NumPy seed after a module-level split is too late (TSL402).
    check("import numpy as np\nfrom sklearn.model_selection import train_test_split\n\n"
          "parts = train_test_split(x, y)  # expect: TSL207\nnp.random.seed(0)  # expect: TSL402\n")


def test_sklearn_in_a_library_function_is_left_to_the_caller() -> None:
    assert lint("from sklearn.model_selection import train_test_split\n\n\ndef split(x, y):\n"
                "    return train_test_split(x, y)\n") == []
    assert codes("from sklearn.model_selection import train_test_split\n\n\ndef split(x, y):\n"
                 "    return train_test_split(x, y)\n\n\nif __name__ == '__main__':\n    split(1, 2)\n") == {"TSL207"}


# ------------------------------------------------------------ fixes


def fixed(code: str, **settings: object) -> str:
    config = replace(CONFIG, **settings) if settings else CONFIG
    outcome = fix_source(code.encode("utf-8"), "example.py", config, unsafe=False)
    assert outcome.error is None, outcome.error
    return outcome.after.decode("utf-8")


FIXES = [
    ("TSL206",
     "import tensorflow_datasets as tfds\n\nds = tfds.load('mnist', shuffle_files=True)\n",
     "import tensorflow_datasets as tfds\n\n"
     "ds = tfds.load('mnist', shuffle_files=True, read_config=tfds.ReadConfig(shuffle_seed=42))\n"),
    ("TSL206",
     "import tensorflow_datasets as D\n\nds = D.load(\n    'mnist',\n    shuffle_files=True,\n"
     "    read_config=D.ReadConfig(try_autocache=False),\n)\n",
     "import tensorflow_datasets as D\n\nds = D.load(\n    'mnist',\n    shuffle_files=True,\n"
     "    read_config=D.ReadConfig(try_autocache=False, shuffle_seed=42),\n)\n"),
    ("TSL206",
     "import tensorflow_datasets as tfds\n\nds = tfds.load('mnist', shuffle_files=True, read_config=None)\n",
     "import tensorflow_datasets as tfds\n\n"
     "ds = tfds.load('mnist', shuffle_files=True, read_config=tfds.ReadConfig(shuffle_seed=42))\n"),
    ("TSL206",
     "from tensorflow_datasets import ReadConfig, builder\n\n\ndef load():\n"
     "    return builder('mnist').as_dataset(shuffle_files=True, read_config=ReadConfig(shuffle_seed=None))\n",
     "from tensorflow_datasets import ReadConfig, builder\n\n\ndef load():\n"
     "    return builder('mnist').as_dataset(shuffle_files=True, read_config=ReadConfig(shuffle_seed=42))\n"),
    ("TSL207",
     "from sklearn.model_selection import KFold, train_test_split\n\n"
     "parts = train_test_split(x, y, random_state=None)\nfolds = KFold(5, shuffle=True)\n",
     "from sklearn.model_selection import KFold, train_test_split\n\n"
     "parts = train_test_split(x, y, random_state=42)\nfolds = KFold(5, shuffle=True, random_state=42)\n"),
    ("TSL301",
     "import tensorflow as tf\n\nw = tf.random_normal_initializer(0.0, 0.1)\n"
     "v = tf.compat.v1.variance_scaling_initializer(seed=None)\n",
     "import tensorflow as tf\n\nw = tf.random_normal_initializer(0.0, 0.1, seed=42)\n"
     "v = tf.compat.v1.variance_scaling_initializer(seed=42)\n"),
]


@pytest.mark.parametrize("code,before,after", FIXES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(FIXES)])
def test_new_fixes(code: str, before: str, after: str) -> None:
    assert code in codes(before)
    got = fixed(before, select=(code,))
    assert got == after
    cst.parse_module(got)
    compile(got, "example.py", "exec")
    assert code not in codes(got), "the fix must clear its finding"
    assert fixed(got, select=(code,)) == got, "a second --fix must change nothing"


def test_tsl206_fix_adds_the_tfds_import_once() -> None:
    before = ("from tensorflow_datasets import load\n\n"
              "a = load('a', shuffle_files=True)\nb = load('b', shuffle_files=True)\n")
    got = fixed(before, select=("TSL206",))
    assert got.count("import tensorflow_datasets as tfds") == 1
    assert got.count("read_config=tfds.ReadConfig(shuffle_seed=42)") == 2
    assert "TSL206" not in codes(got)


def test_tsl206_leaves_a_named_read_config_alone() -> None:
    before = ("import tensorflow_datasets as tfds\n\ncfg = tfds.ReadConfig()\n"
              "ds = tfds.load('mnist', shuffle_files=True, read_config=cfg)\n")
    [finding] = lint(before, select=("TSL206",))
    assert not finding.fixable
    assert fixed(before, select=("TSL206",)) == before


def test_the_inserted_global_seed_makes_random_state_needless() -> None:
    before = ("import tensorflow as tf\nfrom sklearn.model_selection import train_test_split\n\n"
              "x = tf.random.normal([4])\nparts = train_test_split([1, 2, 3, 4])\n")
    got = fixed(before)
    assert "tf.keras.utils.set_random_seed(42)" in got and "random_state" not in got
    assert codes(got) == set()


def test_as_dataset_on_a_builder_class() -> None:
    check("import tensorflow_datasets as tfds\n\n\ndef load(d):\n"
          "    builder = tfds.image_classification.MNIST(data_dir=d)\n"
          "    return builder.as_dataset(split='train', shuffle_files=True)  # expect: TSL206\n")
    # Not TFDS: a `.as_dataset` of another library's object, with the same keyword.
    assert lint("import tensorflow_datasets as tfds\nimport otherlib\n\n"
                "ds = otherlib.Store().as_dataset(shuffle_files=True)\n") == []


SCREENED = [
    "import functools\n\nimport keras\n\nD = functools.partial(keras.layers.Dense, 3)\nlayer = D()\n",
    "from functools import partial\n\nimport numpy as np\n\ndraw = partial(np.random.rand, 3)\nx = draw()\n",
    "import tensorflow_datasets as tfds\n\n\ndef load(d):\n"
    "    return tfds.image_classification.MNIST(data_dir=d).as_dataset(shuffle_files=True)\n",
    "import functools\n\nimport tensorflow_datasets as tfds\n\n\ndef load():\n"
    "    read = functools.partial(tfds.load, shuffle_files=True)\n    return read('mnist')\n",
    "import tensorflow_datasets as tfds\n\nds = tfds.load('mnist').shuffle(10)\n",
    "from sklearn.model_selection import train_test_split\n\nparts = train_test_split(*arrays)\n",
    "import tensorflow as tf\n\nw = tf.random_normal([2])\n",
    "import tensorflow as tf\n\nh = tf.layers.dense(x, 3)\n",
    "import tensorflow as tf\n\n\ndef f(x, t):\n    return tf.layers.dropout(x, training=t)\n\n\n"
    "if __name__ == '__main__':\n    f(1, True)\n",
]


@pytest.mark.parametrize("code", SCREENED)
def test_the_prefilter_passes_these_families(code: str) -> None:
    from tfseedlint.prefilter import Screen

    assert lint(code), "each snippet has findings"
    for config in (CONFIG, replace(CONFIG, strict=True)):
        assert Screen(config).needs_lint(code), code

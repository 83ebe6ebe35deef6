"""SPEC "Terms": name resolution, entry points, coverage, strict, seed helpers."""
from __future__ import annotations

from pathlib import Path

import pytest

from tfseedlint.cli import main
from tests.helpers import expected, lint, reported


@pytest.mark.parametrize("source", [
    "import tensorflow as T\n\nx = T.random.normal([1])  # expect: TSL101\n",
    "from tensorflow import random as tfr\n\nx = tfr.normal([1])  # expect: TSL101\n",
    "from numpy.random import rand\n\nx = rand(1)  # expect: TSL102\n",
    "from keras import layers\n\nd = layers.Dropout(0.1)  # expect: TSL302\n",
    "import tensorflow.keras as K\n\nd = K.layers.Dropout(0.1)  # expect: TSL302\n",
    "import tensorflow.compat.v1 as tf\n\nx = tf.random_uniform([1])  # expect: TSL101\n",
    "from numpy.random import *\n\nx = randn(2)  # expect: TSL102\n",
    "import numpy\n\nx = numpy.random.mtrand.rand(2)  # expect: TSL102\n",
    "def f():\n    import numpy as np\n    return np.random.rand(1)  # expect: TSL102\n\n\nf()\n"
    "if __name__ == '__main__':\n    f()\n",
])
def test_names_resolve_through_imports_and_aliases(source: str) -> None:
    want = expected(source)
    code = next(iter(want))[1]
    assert reported(lint(source, select=(code,))) == want


@pytest.mark.parametrize("source", [
    "from mypkg import tf\n\nx = tf.random.normal([1])\n",
    "import tensorflow as tf\n\n\ndef f(tf):\n    return tf.random.normal([1])\n\n\nf(1)\n",
    "import numpy as np\n\n\nclass np:\n    pass\n\n\nx = np.random.rand(1)\n",
    "import numpy as np\n\nfor np in []:\n    pass\nx = [np.random.rand(1) for np in range(2)]\n",
    "import random\n\nrandom = MyRng()\nx = random.random()\n",
    "from numpy.random import *\n\n\ndef randn(n):\n    return n\n\n\nx = randn(2)\n",
])
def test_local_names_shadow_modules(source: str) -> None:
    assert [f for f in lint(source) if f.code.startswith("TSL1")] == []


def test_a_name_means_its_binding_at_that_point() -> None:
    source = ("import numpy as np\n\nx = np.random.rand(1)  # expect: TSL102\nnp = FakeNumpy()\n"
              "y = np.random.rand(1)\n\n\ndef later():\n    return np.random.rand(1)\n")
    assert reported(lint(source)) == expected(source)


def test_import_wins_over_fallback_assignment() -> None:
    source = ("try:\n    import tensorflow as tf\nexcept ImportError:\n    tf = None\n\n"
              "x = tf.random.normal([1])  # expect: TSL101\n")
    assert reported(lint(source, select=("TSL101",))) == expected(source)


def test_library_module_is_silent_and_strict_reports_it() -> None:
    source = "import numpy as np\n\n\ndef sample(n):\n    return np.random.permutation(n)\n"
    assert lint(source) == []
    assert [f.code for f in lint(source, strict=True)] == ["TSL102"]


def test_module_level_source_before_first_module_level_seed_is_not_covered() -> None:
    source = ("import numpy as np\n\nbefore = np.random.rand(1)  # expect: TSL102\nnp.random.seed(0)  # expect: TSL402\n"
              "after = np.random.rand(1)\n\n\ndef inside():\n    return np.random.rand(1)\n")
    assert reported(lint(source)) == expected(source)


def test_seed_inside_main_covers_function_sources() -> None:
    source = ("import numpy as np\n\n\ndef load():\n    return np.random.rand(3)\n\n\n"
              "if __name__ == '__main__':\n    np.random.seed(0)\n    load()\n")
    assert lint(source) == []


def test_each_global_seed_covers_only_what_it_seeds() -> None:
    source = ("import random\nimport numpy as np\nimport tensorflow as tf\n\ntf.random.set_seed(0)\n"
              "a = tf.random.normal([1])\nb = np.random.rand(1)  # expect: TSL102\n"
              "c = random.random()  # expect: TSL104\n")
    assert reported(lint(source)) == expected(source)
    source = ("import keras\nimport random\n\nrandom.seed(0)\nd = keras.layers.Dropout(0.1)\n"
              "x = keras.random.normal((1,))\n")
    assert lint(source) == []


def test_keras_utils_set_random_seed_covers_everything() -> None:
    source = ("import random\nimport numpy as np\nimport tensorflow as tf\n\ntf.keras.utils.set_random_seed(1)\n"
              "a = tf.random.normal([1])\nb = np.random.rand(1)\nc = random.random()\n"
              "d = tf.keras.layers.Dropout(0.1)\ne = tf.keras.initializers.HeNormal()\n")
    assert lint(source) == []


def test_seed_functions_setting() -> None:
    source = "import numpy as np\nfrom mylib import seed_all\n\nseed_all(1)\nx = np.random.rand(1)\n"
    assert [f.code for f in lint(source)] == ["TSL102"]
    assert lint(source, seed_functions=("mylib.seed_all",)) == []


def test_local_seed_helper_is_a_global_seed_call() -> None:
    source = ("import numpy as np\nimport tensorflow as tf\n\n\ndef seed_everything(s):\n"
              "    np.random.seed(s)\n    _tf(s)\n\n\ndef _tf(s):\n    tf.keras.utils.set_random_seed(s)\n\n\n"
              "seed_everything(0)\nx = np.random.rand(1)\ny = tf.keras.layers.Dropout(0.5)\n")
    assert lint(source) == []


def test_project_helper_in_another_file_is_found_when_only_the_caller_is_linted(
        tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    pkg = tmp_path / "src" / "proj"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "seeding.py").write_text("import random\nimport numpy as np\n\n\ndef seed_all(s):\n"
                                    "    random.seed(s)\n    np.random.seed(s)\n")
    (pkg / "utils.py").write_text("from .seeding import seed_all\n\n\ndef setup(s):\n    seed_all(s)\n")
    (pkg / "train.py").write_text("import numpy as np\nfrom proj.utils import setup\n\n"
                                  "setup(1)\nx = np.random.rand(2)\n")
    (pkg / "train2.py").write_text("import numpy as np\nfrom .seeding import seed_all\n\n"
                                   "x = np.random.rand(2)\n")
    monkeypatch.chdir(tmp_path)
    assert main(["src/proj/train.py"]) == 0
    assert main(["src/proj/train2.py"]) == 1
    capsys.readouterr()


def test_tsl401_first_tf_source_and_only_without_tf_seed() -> None:
    source = ("import numpy as np\nimport tensorflow as tf\n\nx = np.random.rand(1)\n"
              "m = tf.keras.layers.Dense(3)  # expect: TSL401\nn = tf.random.normal([1])\n")
    assert reported(lint(source, select=("TSL401",))) == expected(source)
    assert lint(source.replace("x = np", "tf.random.set_seed(1)\nx = np"), select=("TSL401",)) == []


def test_target_tensorflow_version_changes_tsl403() -> None:
    source = "import tensorflow as tf\n\n\ndef f(d, i):\n    return tf.math.unsorted_segment_sum(d, i, 3)\n"
    assert lint(source, select=("TSL403",)) == []
    assert [f.code for f in lint(source, select=("TSL403",), target_tensorflow="2.5")] == ["TSL403"]

"""TSL404 tf-seed-misses-keras."""
from __future__ import annotations

from typing import Iterator

from tfseedlint import catalog
from tfseedlint.catalog import Domain
from tfseedlint.fixes import keras_seed_instead
from tfseedlint.model import FileModel
from tfseedlint.rule import Invalid, Report, Rule, display_name


class TfSeedMissesKeras(Rule):
    """
    ## What it does
    Reports `tf.random.set_seed(...)` (or its `tf.compat.v1` spellings, or
    the call of a project helper that makes only such a call) in a file that
    seeds only that way but creates Keras 3 layers, initializers or
    `keras.random` draws (directly or through functions of the project,
    such as a `build_model()` in another module), and never calls
    `keras.utils.set_random_seed` or `random.seed`.

    Draws in `tf.test.TestCase` methods do not count: `setUp` seeds Python's
    `random` before every test.

    ## Why is this bad?
    Popular advice is wrong here: in Keras 3, `tf.random.set_seed` does not
    seed weight initializers, dropout, noise or augmentation layers, nor
    `keras.random`. They take their seeds from Python's `random` module, so
    two runs with only `tf.random.set_seed(42)` build different models.
    Legacy Keras (`tf_keras`, `TF_USE_LEGACY_KERAS=1`) draws dropout and
    noise through TF ops, which it does seed, but its initializers and
    augmentation layers still take their seeds from Python's `random`.

    ## Example
    ```python
    tf.random.set_seed(0)
    model = keras.Sequential([keras.layers.Dense(4)])
    ```

    ## Use instead
    ```python
    tf.keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(4)])
    ```

    ## Fix safety
    Safe: the fix replaces the call by `tf.keras.utils.set_random_seed(...)`
    through the file's own TensorFlow alias; it seeds TF as before, and also
    Python's `random` and NumPy. A project helper's call has no fix: the
    helper is changed where it is defined.

    ## References
    - https://keras.io/api/utils/python_utils/#setrandomseed-function
    """

    code = "TSL404"
    name = "tf-seed-misses-keras"
    summary = "`tf.random.set_seed` alone does not seed Keras 3 layers."
    fix_safety = "safe"
    VALID = [
        "import tensorflow as tf\n\ntf.random.set_seed(0)\nx = tf.random.normal([2])\n",
        "import tensorflow as tf\n\ntf.random.set_seed(0)\ntf.keras.utils.set_random_seed(0)\n"
        "layer = tf.keras.layers.Dense(2)\n",
        "import random\n\nimport tensorflow as tf\n\ntf.random.set_seed(0)\nrandom.seed(0)\n"
        "layer = tf.keras.layers.Dense(2)\n",
        # Legacy Keras: Dropout draws through TF ops.
        "import tensorflow as tf\nimport tf_keras\n\ntf.random.set_seed(0)\ndrop = tf_keras.layers.Dropout(0.5)\n",
        # setUp seeds Python's random before every test.
        "import tensorflow as tf\n\n\nclass LayerTest(tf.test.TestCase):\n    def test_dense(self):\n"
        "        tf.random.set_seed(0)\n        layer = tf.keras.layers.Dense(2)\n",
    ]
    INVALID = [
        Invalid("import tensorflow as tf\n\ntf.random.set_seed(0)  # expect: TSL404\n"
                "layer = tf.keras.layers.Dense(2)\n",
                "import tensorflow as tf\n\ntf.keras.utils.set_random_seed(0)  # expect: TSL404\n"
                "layer = tf.keras.layers.Dense(2)\n"),
        Invalid("import tensorflow as tf\nimport keras\n\n\ndef main():\n"
                "    tf.compat.v1.set_random_seed(1)  # expect: TSL404\n    return keras.random.normal((2,))\n",
                "import tensorflow as tf\nimport keras\n\n\ndef main():\n"
                "    tf.keras.utils.set_random_seed(1)  # expect: TSL404\n    return keras.random.normal((2,))\n"),
        Invalid("import tensorflow as tf\nimport tf_keras\n\ntf.random.set_seed(0)  # expect: TSL404\n"
                "layer = tf_keras.layers.Dense(2)\n",
                "import tensorflow as tf\nimport tf_keras\n\ntf.keras.utils.set_random_seed(0)  # expect: TSL404\n"
                "layer = tf_keras.layers.Dense(2)\n"),
    ]

    def check(self, model: FileModel) -> Iterator[Report]:
        # The TF-only seed APIs, and project helpers that make only such a call.
        tf_only = [s for s in model.seed_calls
                   if s.call.name in catalog.TF_ONLY_SEEDS or (s.domain == Domain.TF and model.project(s.call.name))]
        if not tf_only or model.seeds_for(Domain.KERAS):
            return
        # A tf.test.TestCase seeds Python's `random` before each test.
        if not any(s.domain & Domain.KERAS and not model.contexts.in_test_harness(s.call) for s in model.sources):
            return
        missed = ("Keras initializers or augmentation layers (legacy Keras seeds them from Python's `random`)"
                  if model.legacy_keras else "Keras 3 layers, initializers or `keras.random`")
        for seed in tf_only:
            if seed.call.name in catalog.TF_ONLY_SEEDS:
                yield self.report(seed.call.node, f"`{display_name(seed.name)}` does not seed {missed}; "
                                                  "use `tf.keras.utils.set_random_seed`",
                                  fix=keras_seed_instead(model, seed))
            else:  # the helper is fixed where it is defined
                yield self.report(seed.call.node,
                                  f"`{display_name(seed.name)}` only calls `tf.random.set_seed`, which does not "
                                  f"seed {missed}; make it call `tf.keras.utils.set_random_seed`")

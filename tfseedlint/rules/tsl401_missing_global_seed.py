"""TSL401 missing-global-seed."""
from __future__ import annotations

from typing import Iterator

from tfseedlint.catalog import Domain
from tfseedlint.fixes import insert_global_seed
from tfseedlint.model import FileModel
from tfseedlint.rule import Invalid, Report, Rule, source_message

TF_OR_KERAS = Domain.TF | Domain.KERAS


class MissingGlobalSeed(Rule):
    """
    ## What it does
    Reports an entry point (a script, a notebook, or a file with module-level
    randomness) that draws TensorFlow or Keras randomness but never sets a
    TF / Keras global seed. It is reported once, at the first such source
    that nothing covers: draws in `tf.test.TestCase` methods, in a module
    that runs `tf.test.main()`, or in a `DeterministicRandomTestTool` scope
    are seeded by the harness. A file that imports Keras but not TensorFlow
    (it may run on JAX or PyTorch) is told to call
    `keras.utils.set_random_seed`.
    A call of a function of the linted project that draws (a `build_model()`
    from `models.py` that creates layers, in another file too) is such a
    source, placed at the call.

    ## Why is this bad?
    One global seed call makes every op-level and layer-level draw that has
    no seed of its own repeatable; without it, weights, dropout masks and
    shuffles differ on every run.

    ## Example
    ```python
    import tensorflow as tf

    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    tf.keras.utils.set_random_seed(42)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    ```

    ## Fix safety
    Safe: the fix inserts `tf.keras.utils.set_random_seed(<seed>)` (or the
    `keras.utils` spelling the file already uses; a Keras-only file gets no
    TensorFlow import) with the file's own seed where the entry point
    starts: after the imports and environment setup, or at the top of the
    `__main__` block when all the randomness runs under it. An import is
    added only when no name of the file reaches the function.

    ## References
    - https://keras.io/api/utils/python_utils/#setrandomseed-function
    """

    code = "TSL401"
    name = "missing-global-seed"
    summary = "Entry point draws TF / Keras randomness and sets no global seed."
    fix_safety = "safe"
    VALID = [
        "import tensorflow as tf\n\ntf.keras.utils.set_random_seed(0)\nx = tf.random.normal([2])\n",
        "import tensorflow as tf\n\n\ndef noise():\n    return tf.random.normal([2])\n",
        "import numpy as np\n\nx = np.random.rand(3)\n",
        "import tensorflow as tf\n\n\nclass DenseTest(tf.test.TestCase):\n    def test_call(self):\n"
        "        layer = tf.keras.layers.Dense(3)\n\n\nif __name__ == '__main__':\n    tf.test.main()\n",
    ]
    INVALID = [
        Invalid("import tensorflow as tf\n\nlayer = tf.keras.layers.Dense(3)  # expect: TSL401\n"
                "x = tf.random.normal([2])\n",
                "import tensorflow as tf\n\ntf.keras.utils.set_random_seed(42)\n\n"
                "layer = tf.keras.layers.Dense(3)  # expect: TSL401\nx = tf.random.normal([2])\n"),
        Invalid("import keras\n\n\ndef main():\n    return keras.random.normal((2,))  # expect: TSL401\n\n\n"
                "if __name__ == '__main__':\n    main()\n",
                "import keras\n\n\ndef main():\n    return keras.random.normal((2,))  # expect: TSL401\n\n\n"
                "if __name__ == '__main__':\n    keras.utils.set_random_seed(42)\n    main()\n"),
    ]

    def check(self, model: FileModel) -> Iterator[Report]:
        if not model.is_entry_point or model.seeds_for(Domain.TF):
            return
        for source in model.sources:
            if source.domain & TF_OR_KERAS and not model.covered(source):
                yield self.report(source.call.node,
                                  source_message("`{api}` draws TF/Keras randomness and the file sets no "
                                                 f"global seed; call `{model.keras_seed_call}(seed)` first", source),
                                  fix=insert_global_seed(model))
                return

"""TSL101 unseeded-tf-random-op."""
from __future__ import annotations

from typing import Iterator

from tfseedlint.model import FileModel
from tfseedlint.fixes import source_fix
from tfseedlint.rule import Invalid, Report, SourceRule, display_name
from tfseedlint.catalog import SEEDABLES


class UnseededTfRandomOp(SourceRule):
    """
    ## What it does
    Finds stateful TensorFlow random ops called without `seed`:
    `tf.random.*`, `tf.image.random_*`, `tf.nn.dropout`, the candidate
    samplers and their `tf.compat.v1` spellings, and TF1's top-level names
    (`tf.random_normal`, `tf.truncated_normal`, `tf.random_uniform`,
    `tf.random_shuffle`, `tf.multinomial`, `tf.train.shuffle_batch`,
    `tf.layers.dropout` with `training` not `False`, ..., read as their
    `tf.compat.v1` names), also when called through a
    `functools.partial` that gives no seed, in an entry point whose global
    TF seed does not cover them. `tf.image.sample_distorted_bounding_box`
    and `tf.nn.fractional_*_pool` are reported everywhere: their op seed of 0
    means "random" whatever the global seed.

    Test harnesses and test tools seed TF for you, so these are covered:
    methods of classes deriving from `tf.test.TestCase` (also through the
    project's own base classes), every function and class of a module whose
    `__main__` runs `tf.test.main()` (`setUp` calls `random.seed`,
    `np.random.seed` and TF's `set_random_seed` before each test), and code
    inside `with DeterministicRandomTestTool(...).scope():` (legacy Keras's
    `tf.compat.v1.keras.utils`), which fixes every stateful TF op's seed.

    ## Why is this bad?
    Without an op seed or a global seed, each run draws different numbers,
    so augmentations, noise and samples (and what is trained on them) change
    from run to run.

    ## Example
    ```python
    import tensorflow as tf

    noise = tf.random.normal([3])
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    noise = tf.random.normal([3], seed=42)
    ```
    or set the global seed first with `tf.keras.utils.set_random_seed(42)`.

    ## Fix safety
    Safe: the fix adds `seed=<seed>` (the configured `seed`, default 42).

    ## References
    - https://www.tensorflow.org/api_docs/python/tf/random/set_seed
    """

    code = "TSL101"
    name = "unseeded-tf-random-op"
    summary = "Stateful TensorFlow random op without a seed."
    fix_safety = "safe"
    message = "`{api}` draws without a seed; pass `seed=` or set a global seed first"
    VALID = [
        "import tensorflow as tf\n\nnoise = tf.random.normal([3], seed=1)\n",
        "import tensorflow as tf\n\ntf.random.set_seed(0)\nnoise = tf.random.uniform([3])\n",
        "import tensorflow as tf\n\n\ndef augment(x):\n    return tf.image.random_flip_left_right(x)\n",
        "from mypkg import tf\n\nif __name__ == '__main__':\n    tf.random.normal([3])\n",
        "import tensorflow as tf\n\ntf.set_random_seed(1)\nx = tf.random_normal([3])\n",
        # tf.test.TestCase.setUp seeds TF before every test.
        "import tensorflow as tf\n\n\nclass NoiseTest(tf.test.TestCase):\n    def test_shape(self):\n"
        "        self.assertEqual(tf.random.normal([3]).shape, [3])\n\n\nif __name__ == '__main__':\n"
        "    tf.test.main()\n",
        "import tensorflow as tf\n\n\nclass Base(tf.test.TestCase):\n    pass\n\n\nclass NoiseTest(Base):\n"
        "    def test_shape(self):\n        tf.random.normal([3])\n\n\nif __name__ == '__main__':\n"
        "    import unittest\n    unittest.main()\n",
        "import tensorflow as tf\n\nif __name__ == '__main__':\n"
        "    tool = tf.compat.v1.keras.utils.DeterministicRandomTestTool(mode='num_random_ops')\n"
        "    with tool.scope():\n        x = tf.random.uniform([3])\n",
    ]
    INVALID = [
        Invalid("import tensorflow as tf\n\nnoise = tf.random.normal([3])  # expect: TSL101\n",
                "import tensorflow as tf\n\nnoise = tf.random.normal([3], seed=42)  # expect: TSL101\n"),
        Invalid("import tensorflow as T\n\nif __name__ == '__main__':\n"
                "    T.nn.dropout(T.ones([4]), 0.5)  # expect: TSL101\n",
                "import tensorflow as T\n\nif __name__ == '__main__':\n"
                "    T.nn.dropout(T.ones([4]), 0.5, seed=42)  # expect: TSL101\n"),
        Invalid("from tensorflow import random as tfr\n\nx = tfr.shuffle([1, 2, 3])  # expect: TSL101\n"
                "tfr.set_seed(1)\n",
                "from tensorflow import random as tfr\n\nx = tfr.shuffle([1, 2, 3], seed=1)  # expect: TSL101\n"
                "tfr.set_seed(1)\n"),
        Invalid("import tensorflow as tf\n\nw = tf.Variable(tf.truncated_normal([784, 10]))  # expect: TSL101\n"
                "idx = tf.random_shuffle(tf.range(10))  # expect: TSL101\n",
                "import tensorflow as tf\n\nw = tf.Variable(tf.truncated_normal([784, 10], seed=42))"
                "  # expect: TSL101\nidx = tf.random_shuffle(tf.range(10), seed=42)  # expect: TSL101\n"),
        Invalid("import tensorflow as tf\n\n\ndef crop(image, boxes):\n"
                "    return tf.image.sample_distorted_bounding_box(tf.shape(image), boxes, seed=0)  # expect: TSL101\n",
                "import tensorflow as tf\n\n\ndef crop(image, boxes):\n"
                "    return tf.image.sample_distorted_bounding_box(tf.shape(image), boxes, seed=42)"
                "  # expect: TSL101\n"),
        # absl's parameterized.TestCase does not seed anything.
        Invalid("import tensorflow as tf\nfrom absl.testing import absltest, parameterized\n\n\n"
                "class NoiseTest(parameterized.TestCase):\n    def test_shape(self):\n"
                "        tf.random.normal([3])  # expect: TSL101\n\n\nif __name__ == '__main__':\n"
                "    absltest.main()\n",
                "import tensorflow as tf\nfrom absl.testing import absltest, parameterized\n\n\n"
                "class NoiseTest(parameterized.TestCase):\n    def test_shape(self):\n"
                "        tf.random.normal([3], seed=42)  # expect: TSL101\n\n\nif __name__ == '__main__':\n"
                "    absltest.main()\n"),
    ]

    def check(self, model: FileModel) -> Iterator[Report]:
        for source in model.sources_for(self.code):
            entry = SEEDABLES[source.api]
            if entry.zero_is_random or model.reportable(source):
                yield self.report(source.call.node, self.message.format(api=display_name(source.api)),
                                  fix=source_fix(model, source))

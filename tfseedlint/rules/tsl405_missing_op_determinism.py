"""TSL405 missing-op-determinism."""
from __future__ import annotations

from typing import Iterator

from tfseedlint.catalog import Domain
from tfseedlint.fixes import insert_op_determinism
from tfseedlint.model import FileModel
from tfseedlint.rule import Invalid, Report, Rule


class MissingOpDeterminism(Rule):
    """
    ## What it does
    Reports the global seed call of a seeded entry point that imports
    TensorFlow and trains (`.fit(`, also on a model that a function of the
    project builds, `tf.GradientTape`, `apply_gradients`,
    `minimize`) or calls ops whose forward GPU kernels are nondeterministic
    (segment reductions, scatter, softmax cross-entropy, CTC loss, ...),
    when the file never calls `tf.config.experimental.enable_op_determinism()`
    nor sets `TF_DETERMINISTIC_OPS`.

    It stays silent where no GPU kernel can make a run differ:

    - without training, ops whose only nondeterministic kernel is their
      backprop (`tf.gather`, convolutions, bias-add, `Embedding`) do not
      count: building and calling a model is not training;
    - ops used only in input preprocessing (tf.data callbacks, `with
      tf.device("/cpu...")`) do not count;
    - test modules (a `TestCase` class, a test runner, pytest `test_*` functions):
      tests compare values, not training runs;
    - a file that imports Keras but not TensorFlow may run on JAX or PyTorch.

    ## Why is this bad?
    Seeds fix the random numbers, not the order in which GPU threads add
    floats. With atomics-based kernels, two seeded runs on a GPU still train
    to different weights.

    ## Example
    ```python
    tf.keras.utils.set_random_seed(123)
    model.fit(x, y)
    ```

    ## Use instead
    ```python
    tf.keras.utils.set_random_seed(123)
    tf.config.experimental.enable_op_determinism()
    model.fit(x, y)
    ```

    ## Fix safety
    Unsafe (needs `--unsafe-fixes`): the fix inserts
    `tf.config.experimental.enable_op_determinism()` after the seed call;
    training may get slower, and ops without a deterministic kernel then raise.

    ## References
    - https://www.tensorflow.org/api_docs/python/tf/config/experimental/enable_op_determinism
    """

    code = "TSL405"
    name = "missing-op-determinism"
    summary = "Seeded training without op determinism."
    fix_safety = "unsafe"
    VALID = [
        "import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.keras.utils.set_random_seed(1)\n"
        "    tf.config.experimental.enable_op_determinism()\n    model.fit(x, y)\n",
        "import os\nimport tensorflow as tf\n\nos.environ['TF_DETERMINISTIC_OPS'] = '1'\n"
        "if __name__ == '__main__':\n    tf.keras.utils.set_random_seed(1)\n    model.fit(x, y)\n",
        "import tensorflow as tf\n\nif __name__ == '__main__':\n    model.fit(x, y)\n",
        "import tensorflow as tf\nfrom sklearn.preprocessing import StandardScaler\n\n"
        "if __name__ == '__main__':\n    tf.keras.utils.set_random_seed(0)\n    scaler = StandardScaler()\n"
        "    scaler.fit(x)\n",
        # A model built and called, never trained; tf.gather's gradient is never taken.
        "import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.keras.utils.set_random_seed(1)\n"
        "    model = tf.keras.Sequential([tf.keras.layers.Conv2D(4, 3)])\n    y = model(x)\n"
        "    print(tf.gather(y, [0]))\n",
        # A test module.
        "import tensorflow as tf\n\n\nclass ModelTest(tf.test.TestCase):\n    def test_fit(self):\n"
        "        model.fit(x, y)\n\n\nif __name__ == '__main__':\n    tf.random.set_seed(1)\n    tf.test.main()\n",
        # Keras without TensorFlow may run on JAX or PyTorch.
        "import keras\n\nif __name__ == '__main__':\n    keras.utils.set_random_seed(1)\n    model.fit(x, y)\n",
    ]
    INVALID = [
        Invalid("import tensorflow as tf\n\nif __name__ == '__main__':\n"
                "    tf.keras.utils.set_random_seed(1)  # expect: TSL405\n    model.fit(x, y)\n",
                "import tensorflow as tf\n\nif __name__ == '__main__':\n"
                "    tf.keras.utils.set_random_seed(1)  # expect: TSL405\n"
                "    tf.config.experimental.enable_op_determinism()\n    model.fit(x, y)\n"),
        Invalid("import tensorflow as tf\n\nif __name__ == '__main__':\n"
                "    tf.random.set_seed(2)  # expect: TSL405\n"
                "    total = tf.math.unsorted_segment_sum(data, ids, 4)\n",
                "import tensorflow as tf\n\nif __name__ == '__main__':\n"
                "    tf.random.set_seed(2)  # expect: TSL405\n"
                "    tf.config.experimental.enable_op_determinism()\n"
                "    total = tf.math.unsorted_segment_sum(data, ids, 4)\n"),
    ]

    def check(self, model: FileModel) -> Iterator[Report]:
        if not model.is_entry_point or model.enables_op_determinism:
            return
        if not model.imports_tensorflow or model.contexts.is_test_module:
            return  # another backend may run it; tests check values, not training runs
        seeds = model.seeds_for(Domain.TF)
        if not seeds or not (model.trains or self._forward_gpu_ops(model)):
            return
        first = seeds[0]
        yield self.report(first.call.node, "seeded, but GPU kernels stay nondeterministic: call "
                                           "`tf.config.experimental.enable_op_determinism()`",
                          fix=insert_op_determinism(model, first))

    @staticmethod
    def _forward_gpu_ops(model: FileModel) -> bool:
        """Ops that are nondeterministic on the GPU even without training."""
        return any(not op.backprop_only and not model.contexts.in_preprocessing(call)
                   for call, op in model.gpu_op_calls())

"""TSL403 op-without-deterministic-gpu-kernel."""
from __future__ import annotations

from typing import Iterator

from tfseedlint.catalog import EXACT_UNLESS, lacks_deterministic_kernel
from tfseedlint.model import Call, FileModel
from tfseedlint.rule import Invalid, Report, Rule, display_name


class OpWithoutDeterministicGpuKernel(Rule):
    """
    ## What it does
    Finds ops that have no deterministic GPU kernel in the target TensorFlow
    version (`target-tensorflow`, default the installed one):
    `tf.math.bincount`, `tf.sparse.sparse_dense_matmul`,
    `tf.image.crop_and_resize` (backprop), `tf.image.adjust_contrast` /
    `random_contrast`, nearest-neighbour `tf.image.resize` backprop and
    `UpSampling2D` with its default interpolation. Reported in every file
    that imports TensorFlow, except where the op cannot matter:

    - an op whose only nondeterministic kernel is its backprop
      (`crop_and_resize`, nearest-neighbour resize, `UpSampling2D`) in a file
      that never trains (no `fit`, `tf.GradientTape`, `apply_gradients`,
      `minimize`): no gradient is taken;
    - any of these ops used only in input preprocessing: in a function passed
      to `Dataset.map` / `filter` / `interleave` / `flat_map` or
      `tf.py_function` (and in functions only those call), or under
      `with tf.device("/cpu:0"):`. tf.data runs on the CPU;
    - a file that imports Keras but not TensorFlow: it may run on JAX or
      PyTorch, where TF's kernels never run;
    - an unweighted `tf.math.bincount` (exact integer counts) in a test
      module that never enables op determinism: it can neither vary nor raise.

    ## Why is this bad?
    On a GPU their results vary from run to run, and under
    `tf.config.experimental.enable_op_determinism()` they raise
    `UnimplementedError`: a seeded, "deterministic" run cannot contain them.
    `tfseedlint probe` confirms each one on your own GPU.

    ## Example
    ```python
    counts = tf.math.bincount(ids)
    ```

    ## Use instead
    ```python
    counts = tf.math.unsorted_segment_sum(tf.ones_like(ids), ids, num_segments=n)
    ```
    or run the op on the CPU (`with tf.device("/CPU:0"):`).

    ## Fix safety
    No fix.

    ## References
    - https://www.tensorflow.org/api_docs/python/tf/config/experimental/enable_op_determinism
    - https://github.com/NVIDIA/framework-reproducibility
    """

    code = "TSL403"
    name = "op-without-deterministic-gpu-kernel"
    summary = "Op with no deterministic GPU kernel."
    VALID = [
        "import tensorflow as tf\n\ny = tf.image.resize(x, (8, 8))\n",
        "import tensorflow as tf\n\nup = tf.keras.layers.UpSampling2D(interpolation='bilinear')\n",
        "import tensorflow as tf\n\ns = tf.math.unsorted_segment_sum(x, ids, 3)\n",
        # Only the backprop is nondeterministic, and nothing here trains.
        "import tensorflow as tf\n\ny = tf.image.resize(x, (8, 8), method='nearest')\n",
        # Input preprocessing runs on the CPU.
        "import tensorflow as tf\n\n\ndef augment(image):\n    return tf.image.random_contrast(image, 0.5, 1.5)\n\n\n"
        "ds = ds.map(augment)\n",
        "import tensorflow as tf\n\nds = ds.map(lambda x: tf.math.bincount(x))\n",
        "import tensorflow as tf\n\nwith tf.device('/CPU:0'):\n    counts = tf.math.bincount(ids)\n",
        "import tensorflow as tf\n\n\nclass CountTest(tf.test.TestCase):\n    def test_counts(self):\n"
        "        self.assertAllEqual(tf.math.bincount([1, 1]), [0, 2])\n",
        # Keras without TensorFlow may run on JAX or PyTorch.
        "import keras\n\nup = keras.layers.UpSampling2D()\nmodel.fit(x, y)\n",
    ]
    INVALID = [
        Invalid("import tensorflow as tf\n\n\ndef hist(v):\n    return tf.math.bincount(v)  # expect: TSL403\n"),
        Invalid("import tensorflow as tf\n\ny = tf.image.resize(x, (8, 8), method='nearest')  # expect: TSL403\n"
                "model.fit(y)\n"),
        Invalid("import tensorflow as tf\nfrom tensorflow.keras import layers\n\n"
                "up = layers.UpSampling2D()  # expect: TSL403\n"
                "with tf.GradientTape() as tape:\n    loss = up(x)\n"),
        # A callback that is also called in the training step runs on the GPU there.
        Invalid("import tensorflow as tf\n\n\ndef augment(image):\n"
                "    return tf.image.resize(image, (8, 8), method='nearest')  # expect: TSL403\n\n\n"
                "ds = ds.map(augment)\nwith tf.GradientTape() as tape:\n    loss = model(augment(x))\n"),
        # Weighted counts vary on the GPU, in tests too.
        Invalid("import tensorflow as tf\n\n\nclass CountTest(tf.test.TestCase):\n    def test_counts(self):\n"
                "        tf.math.bincount(ids, weights=w)  # expect: TSL403\n"),
    ]

    def check(self, model: FileModel) -> Iterator[Report]:
        if not model.imports_tensorflow:
            return  # Keras on JAX / PyTorch: TF's kernels never run
        target = model.config.target_tensorflow
        for call, op in model.gpu_op_calls():
            if not lacks_deterministic_kernel(op, target):
                continue
            if op.backprop_only and not model.trains:
                continue  # its gradient is never taken here
            if model.contexts.in_preprocessing(call, backprop_only=op.backprop_only):
                continue  # runs on the CPU
            if self._exact_in_tests(model, call, op.name):
                continue
            yield self.report(call.node, f"`{display_name(op.name)}` has no deterministic GPU kernel "
                                         f"({op.what}): results vary on GPU and it raises under "
                                         "op determinism")

    @staticmethod
    def _exact_in_tests(model: FileModel, call: Call, name: str) -> bool:
        """An unweighted `bincount` counts exactly; in a test module that
        never turns op determinism on, it can neither vary nor raise."""
        exact = EXACT_UNLESS.get(name)
        return (exact is not None and call.argument(*exact) is None and not call.has_star_args
                and model.contexts.is_test_module and not model.enables_op_determinism)

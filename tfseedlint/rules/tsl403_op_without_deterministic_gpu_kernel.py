"""TSL403 op-without-deterministic-gpu-kernel."""
from __future__ import annotations

from typing import Iterator

from tfseedlint.catalog import lacks_deterministic_kernel
from tfseedlint.model import FileModel
from tfseedlint.rule import Invalid, Report, Rule, display_name


class OpWithoutDeterministicGpuKernel(Rule):
    """
    ## What it does
    Finds ops that have no deterministic GPU kernel in the target TensorFlow
    version (`target-tensorflow`, default the installed one):
    `tf.math.bincount`, `tf.sparse.sparse_dense_matmul`,
    `tf.image.crop_and_resize` (backprop), `tf.image.adjust_contrast` /
    `random_contrast`, nearest-neighbour `tf.image.resize` backprop and
    `UpSampling2D` with its default interpolation. Reported in every file.

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
        "import keras\n\nup = keras.layers.UpSampling2D(interpolation='bilinear')\n",
        "import tensorflow as tf\n\ns = tf.math.unsorted_segment_sum(x, ids, 3)\n",
    ]
    INVALID = [
        Invalid("import tensorflow as tf\n\n\ndef hist(v):\n    return tf.math.bincount(v)  # expect: TSL403\n"),
        Invalid("import tensorflow as tf\n\ny = tf.image.resize(x, (8, 8), method='nearest')  # expect: TSL403\n"),
        Invalid("from tensorflow.keras import layers\n\nup = layers.UpSampling2D()  # expect: TSL403\n"),
    ]

    def check(self, model: FileModel) -> Iterator[Report]:
        target = model.config.target_tensorflow
        for call, op in model.gpu_op_calls():
            if lacks_deterministic_kernel(op, target):
                yield self.report(call.node, f"`{display_name(op.name)}` has no deterministic GPU kernel "
                                             f"({op.what}): results vary on GPU and it raises under "
                                             "op determinism")

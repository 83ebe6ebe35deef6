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
    Reports the global seed call of a seeded entry point that trains
    (`.fit(`, `tf.GradientTape`) or calls ops whose GPU kernels are
    nondeterministic (segment reductions, scatter, softmax cross-entropy,
    CTC loss, convolution and bias-add backprop, ...), when the file never
    calls `tf.config.experimental.enable_op_determinism()` nor sets
    `TF_DETERMINISTIC_OPS`.

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
        seeds = model.seeds_for(Domain.TF)
        if not seeds or not (model.trains or model.gpu_op_calls()):
            return
        first = seeds[0]
        yield self.report(first.call.node, "seeded, but GPU kernels stay nondeterministic: call "
                                           "`tf.config.experimental.enable_op_determinism()`",
                          fix=insert_op_determinism(model, first))

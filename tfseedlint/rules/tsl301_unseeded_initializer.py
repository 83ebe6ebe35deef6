"""TSL301 unseeded-initializer."""
from __future__ import annotations

from typing import Iterator

from tfseedlint.catalog import Domain
from tfseedlint.fixes import source_fix
from tfseedlint.model import FileModel
from tfseedlint.rule import Invalid, Report, SourceRule, display_name


class UnseededInitializer(SourceRule):
    """
    ## What it does
    Finds random initializer instances created without `seed`, in an entry
    point whose global seed does not cover them: Keras initializers
    (`GlorotUniform()`, `HeNormal()`, `RandomNormal()`, `Orthogonal()`,
    `VarianceScaling()`, ...), TensorFlow's own (`tf.random_normal_initializer`,
    `tf.random_uniform_initializer`) and the `tf.compat.v1` ones
    (`tf.compat.v1.glorot_uniform_initializer`,
    `tf.compat.v1.variance_scaling_initializer`, TF1's
    `tf.truncated_normal_initializer`, `tf.compat.v1.initializers.*`, ...).

    ## Why is this bad?
    Keras 3 draws an unseeded initializer's seed from Python's `random`
    module: `tf.random.set_seed` does not reach it (`keras.utils.set_random_seed`
    or `random.seed` does). TensorFlow's own initializers draw with TF random
    ops, which only a TF global seed reaches. Unseeded, the initial weights,
    and so the trained model, differ on every run.

    ## Example
    ```python
    init = keras.initializers.HeUniform()
    ```

    ## Use instead
    ```python
    init = keras.initializers.HeUniform(seed=42)
    ```

    ## Fix safety
    Safe: the fix adds `seed=<seed>`.

    ## References
    - https://keras.io/api/layers/initializers/
    - https://www.tensorflow.org/api_docs/python/tf/random_normal_initializer
    """

    code = "TSL301"
    name = "unseeded-initializer"
    summary = "Random Keras or TensorFlow initializer without a seed."
    fix_safety = "safe"
    message = "`{api}` has no seed and no {seeds} global seed covers it; pass `seed=`"
    VALID = [
        "import keras\n\ninit = keras.initializers.GlorotUniform(seed=1)\n",
        "import keras\n\nkeras.utils.set_random_seed(1)\ninit = keras.initializers.HeNormal()\n",
        "import keras\n\n\ndef make():\n    return keras.initializers.Orthogonal()\n",
        "import tensorflow as tf\n\ntf.random.set_seed(1)\ninit = tf.random_normal_initializer(0.0, 0.1)\n",
        "import tensorflow as tf\n\ninit = tf.compat.v1.variance_scaling_initializer(2.0, 'fan_in', 'normal', 7)\n",
    ]
    INVALID = [
        Invalid("import tensorflow as tf\n\ninit = tf.keras.initializers.HeUniform()  # expect: TSL301\n",
                "import tensorflow as tf\n\ninit = tf.keras.initializers.HeUniform(seed=42)  # expect: TSL301\n"),
        Invalid("from keras import initializers\n\nif __name__ == '__main__':\n"
                "    initializers.RandomNormal(0.0, 0.1)  # expect: TSL301\n",
                "from keras import initializers\n\nif __name__ == '__main__':\n"
                "    initializers.RandomNormal(0.0, 0.1, seed=42)  # expect: TSL301\n"),
        Invalid("import tensorflow as tf\n\nw = tf.random_uniform_initializer(-0.05, 0.05)  # expect: TSL301\n"
                "v = tf.glorot_uniform_initializer()  # expect: TSL301\n"
                "u = tf.compat.v1.initializers.variance_scaling(scale=2.0)  # expect: TSL301\n",
                "import tensorflow as tf\n\nw = tf.random_uniform_initializer(-0.05, 0.05, seed=42)"
                "  # expect: TSL301\n"
                "v = tf.glorot_uniform_initializer(seed=42)  # expect: TSL301\n"
                "u = tf.compat.v1.initializers.variance_scaling(scale=2.0, seed=42)  # expect: TSL301\n"),
    ]

    def check(self, model: FileModel) -> Iterator[Report]:
        for source in model.sources_for(self.code):
            if model.reportable(source):
                seeds = "TF" if source.domain == Domain.TF else "Keras"
                yield self.report(source.call.node,
                                  self.message.format(api=display_name(source.api), seeds=seeds),
                                  fix=source_fix(model, source))

"""TSL301 unseeded-initializer."""
from __future__ import annotations

from tfseedlint.rule import Invalid, SourceRule


class UnseededInitializer(SourceRule):
    """
    ## What it does
    Finds random Keras initializer instances (`GlorotUniform()`, `HeNormal()`,
    `RandomNormal()`, `Orthogonal()`, `VarianceScaling()`, ...) created without
    `seed`, in an entry point that never calls `keras.utils.set_random_seed`
    (or `random.seed`) before them.

    ## Why is this bad?
    Keras 3 draws an unseeded initializer's seed from Python's `random`
    module; `tf.random.set_seed` does not reach it. The initial weights, and
    so the trained model, differ on every run.

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
    """

    code = "TSL301"
    name = "unseeded-initializer"
    summary = "Random Keras initializer without a seed."
    fix_safety = "safe"
    message = "`{api}` has no seed and no Keras global seed covers it; pass `seed=`"
    VALID = [
        "import keras\n\ninit = keras.initializers.GlorotUniform(seed=1)\n",
        "import keras\n\nkeras.utils.set_random_seed(1)\ninit = keras.initializers.HeNormal()\n",
        "import keras\n\n\ndef make():\n    return keras.initializers.Orthogonal()\n",
    ]
    INVALID = [
        Invalid("import tensorflow as tf\n\ninit = tf.keras.initializers.HeUniform()  # expect: TSL301\n",
                "import tensorflow as tf\n\ninit = tf.keras.initializers.HeUniform(seed=42)  # expect: TSL301\n"),
        Invalid("from keras import initializers\n\nif __name__ == '__main__':\n"
                "    initializers.RandomNormal(0.0, 0.1)  # expect: TSL301\n",
                "from keras import initializers\n\nif __name__ == '__main__':\n"
                "    initializers.RandomNormal(0.0, 0.1, seed=42)  # expect: TSL301\n"),
    ]

"""TSL105 unseeded-keras-random."""
from __future__ import annotations

from tfseedlint.rule import Invalid, SourceRule


class UnseededKerasRandom(SourceRule):
    """
    ## What it does
    Finds `keras.random.*` draws (`normal`, `uniform`, `dropout`, `shuffle`,
    ...) and `keras.random.SeedGenerator()` without a seed, in an entry point
    that never calls `keras.utils.set_random_seed` (or `random.seed`).

    ## Why is this bad?
    Keras 3 takes the seed of an unseeded draw from Python's `random` module;
    `tf.random.set_seed` does not reach it, so results change between runs.

    ## Example
    ```python
    import keras

    noise = keras.random.normal((2,))
    ```

    ## Use instead
    ```python
    import keras

    noise = keras.random.normal((2,), seed=42)
    ```

    ## Fix safety
    Safe: the fix adds `seed=<seed>`.

    ## References
    - https://keras.io/api/random/
    """

    code = "TSL105"
    name = "unseeded-keras-random"
    summary = "`keras.random` draw or `SeedGenerator` without a seed."
    fix_safety = "safe"
    message = "`{api}` has no seed and no Keras global seed covers it; pass `seed=`"
    VALID = [
        "import keras\n\nx = keras.random.normal((2,), seed=3)\n",
        "import keras\n\nkeras.utils.set_random_seed(1)\nx = keras.random.uniform((2,))\n",
        "import keras\n\ngen = keras.random.SeedGenerator(7)\n",
    ]
    INVALID = [
        Invalid("import keras\n\nx = keras.random.normal((2,))  # expect: TSL105\n",
                "import keras\n\nx = keras.random.normal((2,), seed=42)  # expect: TSL105\n"),
        Invalid("from keras import random\n\ngen = random.SeedGenerator()  # expect: TSL105\n",
                "from keras import random\n\ngen = random.SeedGenerator(seed=42)  # expect: TSL105\n"),
    ]

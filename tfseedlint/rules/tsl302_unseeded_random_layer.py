"""TSL302 unseeded-random-layer."""
from __future__ import annotations

from tfseedlint.rule import Invalid, SourceRule


class UnseededRandomLayer(SourceRule):
    """
    ## What it does
    Finds Keras layers that draw randomness at call time, created without
    `seed`: `Dropout`, `SpatialDropout*`, `GaussianNoise`, `GaussianDropout`,
    `AlphaDropout` and the augmentation layers (`RandomFlip`,
    `RandomRotation`, `RandomZoom`, `MixUp`, ...), in an entry point that never
    calls `keras.utils.set_random_seed` (or `random.seed`) before them. A
    `functools.partial` of such a layer that gives no seed is reported where
    the partial object is called: that call creates the layer.

    Under legacy Keras (a file that imports `tf_keras` or sets
    `TF_USE_LEGACY_KERAS=1`), `Dropout`, `SpatialDropout*` and the noise layers
    draw through TF's stateful random ops, so `tf.random.set_seed` covers
    them there; the augmentation layers still seed from Python's `random`.

    ## Why is this bad?
    Keras 3 seeds these layers from Python's `random` module when they are
    created; `tf.random.set_seed` does not reach them. Dropout masks and
    augmentations differ on every run.

    ## Example
    ```python
    drop = keras.layers.Dropout(0.2)
    ```

    ## Use instead
    ```python
    drop = keras.layers.Dropout(0.2, seed=42)
    ```

    ## Fix safety
    Safe: the fix adds `seed=<seed>`.

    ## References
    - https://keras.io/api/layers/regularization_layers/dropout/
    """

    code = "TSL302"
    name = "unseeded-random-layer"
    summary = "Keras dropout, noise or augmentation layer without a seed."
    fix_safety = "safe"
    message = "`{api}` has no seed and no Keras global seed covers it; pass `seed=`"
    VALID = [
        "from keras import layers\n\ndrop = layers.Dropout(0.2, seed=1)\n",
        "import keras\n\nkeras.utils.set_random_seed(2)\nflip = keras.layers.RandomFlip()\n",
        "import keras\n\n\ndef block():\n    return keras.layers.Dropout(0.1)\n",
        "import functools\n\nimport keras\n\nDrop = functools.partial(keras.layers.Dropout, 0.5, seed=3)\n"
        "drop = Drop()\n",
        # Legacy Keras: Dropout draws through TF ops, which tf.random.set_seed seeds.
        "import tensorflow as tf\nimport tf_keras\n\ntf.random.set_seed(1)\ndrop = tf_keras.layers.Dropout(0.5)\n",
        "import os\n\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\nimport tensorflow as tf\n\ntf.random.set_seed(1)\n"
        "noise = tf.keras.layers.GaussianNoise(0.1)\n",
    ]
    INVALID = [
        Invalid("from tensorflow.keras.layers import Dropout\n\ndrop = Dropout(0.2)  # expect: TSL302\n",
                "from tensorflow.keras.layers import Dropout\n\ndrop = Dropout(0.2, seed=42)  # expect: TSL302\n"),
        Invalid("import tensorflow as tf\n\ntf.random.set_seed(1)\n"
                "aug = tf.keras.layers.RandomFlip('horizontal')  # expect: TSL302\n",
                "import tensorflow as tf\n\ntf.random.set_seed(1)\n"
                "aug = tf.keras.layers.RandomFlip('horizontal', seed=1)  # expect: TSL302\n"),
        Invalid("from functools import partial\n\nimport keras\n\nDrop = partial(keras.layers.Dropout, 0.5)\n"
                "drop = Drop()  # expect: TSL302\n",
                "from functools import partial\n\nimport keras\n\nDrop = partial(keras.layers.Dropout, 0.5)\n"
                "drop = Drop(seed=42)  # expect: TSL302\n"),
        # Keras 3: tf.random.set_seed does not reach Dropout.
        Invalid("import tensorflow as tf\n\ntf.random.set_seed(1)\n"
                "drop = tf.keras.layers.Dropout(0.5)  # expect: TSL302\n",
                "import tensorflow as tf\n\ntf.random.set_seed(1)\n"
                "drop = tf.keras.layers.Dropout(0.5, seed=1)  # expect: TSL302\n"),
        # Legacy Keras augmentation layers still seed from Python's random.
        Invalid("import tensorflow as tf\nimport tf_keras\n\ntf.random.set_seed(1)\n"
                "flip = tf_keras.layers.RandomFlip()  # expect: TSL302\n",
                "import tensorflow as tf\nimport tf_keras\n\ntf.random.set_seed(1)\n"
                "flip = tf_keras.layers.RandomFlip(seed=1)  # expect: TSL302\n"),
    ]

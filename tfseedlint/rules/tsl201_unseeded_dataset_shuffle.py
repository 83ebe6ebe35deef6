"""TSL201 unseeded-dataset-shuffle."""
from __future__ import annotations

from tfseedlint.rule import Invalid, SourceRule


class UnseededDatasetShuffle(SourceRule):
    """
    ## What it does
    Finds `Dataset.shuffle(...)` without `seed` on a value traced to
    `tf.data` (a `tf.data.Dataset` constructor, a chain of dataset methods, a
    variable assigned one, a parameter annotated `tf.data.Dataset`, or the
    result of a function of the linted project that returns a dataset, as
    in `data.make_dataset().shuffle(100)`), in an entry point with no global
    TF seed before it.

    ## Why is this bad?
    The shuffle order, and so the order batches are trained on, changes on
    every run.

    ## Example
    ```python
    import tensorflow as tf

    ds = tf.data.Dataset.range(100).shuffle(100)
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    ds = tf.data.Dataset.range(100).shuffle(100, seed=42)
    ```

    ## Fix safety
    Safe: the fix adds `seed=<seed>`.

    ## References
    - https://www.tensorflow.org/api_docs/python/tf/data/Dataset#shuffle
    """

    code = "TSL201"
    name = "unseeded-dataset-shuffle"
    summary = "`tf.data.Dataset.shuffle` without a seed."
    fix_safety = "safe"
    message = "`Dataset.shuffle` without a seed reorders differently on every run; pass `seed=`"
    VALID = [
        "import tensorflow as tf\n\nds = tf.data.Dataset.range(9).shuffle(9, seed=1)\n",
        "import random\n\n\ndef shuffle(xs):\n    return xs\n\n\nitems = [3, 1]\nrandom.seed(0)\n"
        "random.shuffle(items)\n",
        "import pandas as pd\n\nif __name__ == '__main__':\n    frame = pd.DataFrame()\n    frame.shuffle(3)\n",
    ]
    INVALID = [
        Invalid("import tensorflow as tf\n\nds = tf.data.Dataset.range(9).shuffle(9)  # expect: TSL201\n",
                "import tensorflow as tf\n\nds = tf.data.Dataset.range(9).shuffle(9, seed=42)  # expect: TSL201\n"),
        Invalid("import tensorflow as tf\n\nfiles = tf.data.TFRecordDataset(['a'])\nds = files.map(len)\n"
                "if __name__ == '__main__':\n    ds.shuffle(10).batch(2)  # expect: TSL201\n",
                "import tensorflow as tf\n\nfiles = tf.data.TFRecordDataset(['a'])\nds = files.map(len)\n"
                "if __name__ == '__main__':\n    ds.shuffle(10, seed=42).batch(2)  # expect: TSL201\n"),
        Invalid("import tensorflow as tf\n\n\ndef prep(ds: tf.data.Dataset):\n"
                "    return ds.shuffle(64)  # expect: TSL201\n\n\nif __name__ == '__main__':\n"
                "    prep(tf.data.Dataset.range(3))\n",
                "import tensorflow as tf\n\n\ndef prep(ds: tf.data.Dataset):\n"
                "    return ds.shuffle(64, seed=42)  # expect: TSL201\n\n\nif __name__ == '__main__':\n"
                "    prep(tf.data.Dataset.range(3))\n"),
    ]

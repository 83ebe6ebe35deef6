"""TSL205 unseeded-dataset-sampling."""
from __future__ import annotations

from tfseedlint.rule import Invalid, SourceRule


class UnseededDatasetSampling(SourceRule):
    """
    ## What it does
    Finds tf.data sampling without a seed: `Dataset.sample_from_datasets`,
    `Dataset.random`, `Dataset.rejection_resample` and their
    `tf.data.experimental` equivalents, in an entry point with no global TF
    seed before them.

    ## Why is this bad?
    The mix of datasets, the resampled classes or the random stream change on
    every run.

    ## Example
    ```python
    mixed = tf.data.Dataset.sample_from_datasets([a, b], weights=[0.7, 0.3])
    ```

    ## Use instead
    ```python
    mixed = tf.data.Dataset.sample_from_datasets([a, b], weights=[0.7, 0.3], seed=42)
    ```

    ## Fix safety
    Safe: the fix adds `seed=<seed>`.

    ## References
    - https://www.tensorflow.org/api_docs/python/tf/data/Dataset#sample_from_datasets
    """

    code = "TSL205"
    name = "unseeded-dataset-sampling"
    summary = "tf.data sampling without a seed."
    fix_safety = "safe"
    message = "`{api}` samples without a seed; pass `seed=`"
    VALID = [
        "import tensorflow as tf\n\nmixed = tf.data.Dataset.sample_from_datasets([a, b], seed=1)\n",
        "import tensorflow as tf\n\nstream = tf.data.Dataset.random(seed=4)\n",
    ]
    INVALID = [
        Invalid("import tensorflow as tf\n\nmixed = tf.data.Dataset.sample_from_datasets([a, b])  # expect: TSL205\n",
                "import tensorflow as tf\n\nmixed = tf.data.Dataset.sample_from_datasets([a, b], seed=42)  # expect: TSL205\n"),
        Invalid("import tensorflow as tf\n\nds = tf.data.Dataset.range(10)\n"
                "ds = ds.rejection_resample(f, [0.5, 0.5])  # expect: TSL205\n",
                "import tensorflow as tf\n\nds = tf.data.Dataset.range(10)\n"
                "ds = ds.rejection_resample(f, [0.5, 0.5], seed=42)  # expect: TSL205\n"),
    ]

"""TSL202 list-files-shuffles."""
from __future__ import annotations

from tfseedlint.rule import Invalid, SourceRule


class ListFilesShuffles(SourceRule):
    """
    ## What it does
    Finds `tf.data.Dataset.list_files(...)` with neither `shuffle=False` nor a
    `seed`, in an entry point with no global TF seed before it.

    ## Why is this bad?
    `list_files` shuffles the file names by default. Unseeded, the order of
    the files (and of everything read from them) differs on every run.

    ## Example
    ```python
    import tensorflow as tf

    files = tf.data.Dataset.list_files("train-*.tfrecord")
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    files = tf.data.Dataset.list_files("train-*.tfrecord", seed=42)
    ```
    or `shuffle=False` when the order does not need to be random.

    ## Fix safety
    Safe: the fix adds `seed=<seed>`.

    ## References
    - https://www.tensorflow.org/api_docs/python/tf/data/Dataset#list_files
    """

    code = "TSL202"
    name = "list-files-shuffles"
    summary = "`Dataset.list_files` shuffles without a seed."
    fix_safety = "safe"
    message = "`Dataset.list_files` shuffles by default; pass `seed=` or `shuffle=False`"
    VALID = [
        "import tensorflow as tf\n\nfiles = tf.data.Dataset.list_files('*.png', shuffle=False)\n",
        "import tensorflow as tf\n\nfiles = tf.data.Dataset.list_files('*.png', seed=3)\n",
        "import tensorflow as tf\n\ntf.random.set_seed(1)\nfiles = tf.data.Dataset.list_files('*.png')\n",
    ]
    INVALID = [
        Invalid("import tensorflow as tf\n\nfiles = tf.data.Dataset.list_files('*.png')  # expect: TSL202\n",
                "import tensorflow as tf\n\nfiles = tf.data.Dataset.list_files('*.png', seed=42)  # expect: TSL202\n"),
    ]

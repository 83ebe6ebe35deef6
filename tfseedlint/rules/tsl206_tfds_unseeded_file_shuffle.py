"""TSL206 tfds-unseeded-file-shuffle."""
from __future__ import annotations

from typing import Iterator

from tfseedlint.fixes import add_shuffle_seed
from tfseedlint.model import FileModel
from tfseedlint.rule import Invalid, Report, Rule, display_name


class TfdsUnseededFileShuffle(Rule):
    """
    ## What it does
    Finds TensorFlow Datasets reads that shuffle their files without a seed:
    `tfds.load(...)` and `builder.as_dataset(...)` with `shuffle_files=True`
    (or an expression that may be true) and no `shuffle_seed` in their
    `read_config`. It is reported in every file, library modules included:
    no global seed reaches the file order, so the fix belongs at the call.

    ## Why is this bad?
    With `shuffle_files=True`, TFDS reads the shards in a different order on
    every run, so the training data comes in a different order even when
    `tf.random.set_seed` or `keras.utils.set_random_seed` was called: TFDS
    also relaxes the pipeline's `deterministic` option for file shuffling.
    The TFDS determinism guide's recipe is a `ReadConfig` with a
    `shuffle_seed`.

    ## Example
    ```python
    import tensorflow_datasets as tfds

    train = tfds.load("mnist", split="train", shuffle_files=True)
    ```

    ## Use instead
    ```python
    import tensorflow_datasets as tfds

    train = tfds.load("mnist", split="train", shuffle_files=True,
                      read_config=tfds.ReadConfig(shuffle_seed=42))
    ```

    ## Fix safety
    Safe: the fix adds `read_config=tfds.ReadConfig(shuffle_seed=<seed>)`
    (through the file's own TFDS alias), or `shuffle_seed=<seed>` to a
    `ReadConfig(...)` written in the call. A `read_config` passed by name is
    not changed.

    ## References
    - https://www.tensorflow.org/datasets/determinism
    - https://www.tensorflow.org/datasets/api_docs/python/tfds/ReadConfig
    """

    code = "TSL206"
    name = "tfds-unseeded-file-shuffle"
    summary = "TFDS read shuffles its files without a `shuffle_seed`."
    fix_safety = "safe"
    VALID = [
        "import tensorflow_datasets as tfds\n\nds = tfds.load('mnist', split='train')\n",
        "import tensorflow_datasets as tfds\n\nds = tfds.load('mnist', shuffle_files=False)\n",
        "import tensorflow_datasets as tfds\n\nds = tfds.load('mnist', shuffle_files=True,\n"
        "               read_config=tfds.ReadConfig(shuffle_seed=3))\n",
        "import tensorflow_datasets as tfds\n\nconfig = tfds.ReadConfig(shuffle_seed=3)\n"
        "ds = tfds.load('mnist', shuffle_files=True, read_config=config)\n",
        "import tensorflow_datasets as tfds\n\n\ndef load(config):\n"
        "    return tfds.load('mnist', shuffle_files=True, read_config=config)\n",
        "from mylib import tfds\n\nds = tfds.load('mnist', shuffle_files=True)\n",
    ]
    INVALID = [
        Invalid("import tensorflow_datasets as tfds\n\n\ndef load(split):\n"
                "    return tfds.load('mnist', split=split, shuffle_files=True)  # expect: TSL206\n",
                "import tensorflow_datasets as tfds\n\n\ndef load(split):\n"
                "    return tfds.load('mnist', split=split, shuffle_files=True, "
                "read_config=tfds.ReadConfig(shuffle_seed=42))  # expect: TSL206\n"),
        Invalid("import tensorflow_datasets as tfds\n\n\ndef load(training):\n"
                "    builder = tfds.builder('mnist')\n"
                "    return builder.as_dataset(split='train', shuffle_files=training,  # expect: TSL206\n"
                "                              read_config=tfds.ReadConfig(try_autocache=False))\n",
                "import tensorflow_datasets as tfds\n\n\ndef load(training):\n"
                "    builder = tfds.builder('mnist')\n"
                "    return builder.as_dataset(split='train', shuffle_files=training,  # expect: TSL206\n"
                "                              read_config=tfds.ReadConfig(try_autocache=False, "
                "shuffle_seed=42))\n"),
        Invalid("from tensorflow_datasets import load\n\nds = load('mnist', shuffle_files=True)  # expect: TSL206\n",
                "from tensorflow_datasets import load\nimport tensorflow_datasets as tfds\n\n"
                "ds = load('mnist', shuffle_files=True, read_config=tfds.ReadConfig(shuffle_seed=42))"
                "  # expect: TSL206\n"),
    ]

    def check(self, model: FileModel) -> Iterator[Report]:
        for source in model.sources_for(self.code):
            yield self.report(source.call.node,
                              f"`{display_name(source.api)}` shuffles its files in a different order on every "
                              "run and no global seed reaches it; pass "
                              "`read_config=tfds.ReadConfig(shuffle_seed=...)`",
                              fix=add_shuffle_seed(model, source))

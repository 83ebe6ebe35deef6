"""TSL204 dataset-utility-unseeded-split."""
from __future__ import annotations

from typing import Iterator

from tfseedlint.fixes import source_fix
from tfseedlint.model import Call, FileModel
from tfseedlint.rule import Invalid, Report, Rule, display_name

SPLIT_DATASET = "keras.utils.split_dataset"


class DatasetUtilityUnseededSplit(Rule):
    """
    ## What it does
    Finds Keras dataset utilities that shuffle without a seed:
    `image_dataset_from_directory`, `text_dataset_from_directory`,
    `audio_dataset_from_directory` (shuffle by default),
    `timeseries_dataset_from_array` and `split_dataset` with `shuffle=True`.
    With `validation_split` it is reported in every file. Otherwise only in
    an entry point whose NumPy global state is not seeded, and (but for
    `split_dataset`, whose split itself is drawn) only when the dataset is
    what `fit` trains on: its first argument, directly or through names and
    dataset methods (`train = ds.cache().prefetch(2)`), or may be: returned
    by a function the file hands on unseen (made a method, passed as an
    argument) in a file that trains.

    It stays silent on an evaluation or test set (passed to `evaluate`,
    `predict` or `validation_data=`): its order changes no metric.

    ## Why is this bad?
    With `validation_split` and no `seed`, Keras raises, or (older Keras) the
    training and validation subsets are drawn from different shuffles and leak
    samples into each other. Without it, the seed comes from NumPy's global
    state, so the order of the training batches changes between runs.

    ## Example
    ```python
    train, val = keras.utils.image_dataset_from_directory(
        "images", validation_split=0.2, subset="both")
    ```

    ## Use instead
    ```python
    train, val = keras.utils.image_dataset_from_directory(
        "images", validation_split=0.2, subset="both", seed=42)
    ```

    ## Fix safety
    Safe: the fix adds `seed=<seed>`.

    ## References
    - https://keras.io/api/data_loading/image/
    """

    code = "TSL204"
    name = "dataset-utility-unseeded-split"
    summary = "Keras dataset utility shuffles or splits without a seed."
    fix_safety = "safe"
    VALID = [
        "import keras\n\nds = keras.utils.image_dataset_from_directory('d', validation_split=0.2,"
        " subset='both', seed=1)\n",
        "import keras\n\nds = keras.utils.text_dataset_from_directory('d', shuffle=False)\n",
        "import keras\n\nds = keras.utils.timeseries_dataset_from_array([1, 2], None, 1)\n",
        "import keras\n\n\ndef load():\n    return keras.utils.image_dataset_from_directory('d')\n",
        # An evaluation set: its order changes no metric.
        "import keras\n\nif __name__ == '__main__':\n    test = keras.utils.image_dataset_from_directory('test')\n"
        "    model.evaluate(test)\n",
        "import keras\n\nif __name__ == '__main__':\n"
        "    train = keras.utils.image_dataset_from_directory('train', seed=1)\n"
        "    val = keras.utils.image_dataset_from_directory('val')\n"
        "    model.fit(train, validation_data=val)\n",
        # NumPy's global state is seeded.
        "import keras\n\nkeras.utils.set_random_seed(0)\ntrain = keras.utils.image_dataset_from_directory('d')\n"
        "model.fit(train)\n",
    ]
    INVALID = [
        Invalid("import keras\n\n\ndef load():\n"
                "    return keras.utils.image_dataset_from_directory(  # expect: TSL204\n"
                "        'd', validation_split=0.2, subset='both')\n",
                "import keras\n\n\ndef load():\n"
                "    return keras.utils.image_dataset_from_directory(  # expect: TSL204\n"
                "        'd', validation_split=0.2, subset='both', seed=42)\n"),
        Invalid("from tensorflow import keras\n\nds = keras.utils.text_dataset_from_directory('d')  # expect: TSL204\n"
                "train = ds.cache().prefetch(2)\nmodel.fit(train, epochs=2)\n",
                "from tensorflow import keras\n\n"
                "ds = keras.utils.text_dataset_from_directory('d', seed=42)  # expect: TSL204\n"
                "train = ds.cache().prefetch(2)\nmodel.fit(train, epochs=2)\n"),
        Invalid("import keras\n\nparts = keras.utils.split_dataset(data, 0.8, shuffle=True)  # expect: TSL204\n",
                "import keras\n\nparts = keras.utils.split_dataset(data, 0.8, shuffle=True, seed=42)"
                "  # expect: TSL204\n"),
    ]

    def check(self, model: FileModel) -> Iterator[Report]:
        for source in model.sources_for(self.code):
            split = model.has_validation_split(source.call)
            if split:
                why = "with `validation_split`, the subsets need the same seed"
            elif model.config.strict or (model.reportable(source) and self._matters(model, source.call)):
                why = "its shuffle seed comes from NumPy's unseeded global state"
            else:
                continue
            yield self.report(source.call.node, f"`{display_name(source.api)}` shuffles without `seed=`: {why}",
                              fix=source_fix(model, source))

    @staticmethod
    def _matters(model: FileModel, call: Call) -> bool:
        """`split_dataset` draws the split itself; the directory utilities
        without `validation_split` only an order, which matters in training."""
        return call.name == SPLIT_DATASET or model.reaches_training(call)

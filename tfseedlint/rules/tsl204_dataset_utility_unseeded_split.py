"""TSL204 dataset-utility-unseeded-split."""
from __future__ import annotations

from typing import Iterator

from tfseedlint.fixes import add_seed
from tfseedlint.model import FileModel
from tfseedlint.rule import Invalid, Report, Rule, display_name


class DatasetUtilityUnseededSplit(Rule):
    """
    ## What it does
    Finds Keras dataset utilities that shuffle without a seed:
    `image_dataset_from_directory`, `text_dataset_from_directory`,
    `audio_dataset_from_directory` (shuffle by default),
    `timeseries_dataset_from_array` and `split_dataset` with `shuffle=True`.
    With `validation_split` it is reported in every file; without, in an entry
    point whose NumPy global state is not seeded.

    ## Why is this bad?
    With `validation_split` and no `seed`, Keras raises, or (older Keras) the
    training and validation subsets are drawn from different shuffles and leak
    samples into each other. Without it, the seed comes from NumPy's global
    state, so the order changes between runs.

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
    ]
    INVALID = [
        Invalid("import keras\n\n\ndef load():\n    return keras.utils.image_dataset_from_directory(  # expect: TSL204\n"
                "        'd', validation_split=0.2, subset='both')\n",
                "import keras\n\n\ndef load():\n    return keras.utils.image_dataset_from_directory(  # expect: TSL204\n"
                "        'd', validation_split=0.2, subset='both', seed=42)\n"),
        Invalid("from tensorflow import keras\n\nds = keras.utils.text_dataset_from_directory('d')  # expect: TSL204\n",
                "from tensorflow import keras\n\n"
                "ds = keras.utils.text_dataset_from_directory('d', seed=42)  # expect: TSL204\n"),
        Invalid("import keras\n\nparts = keras.utils.split_dataset(data, 0.8, shuffle=True)  # expect: TSL204\n",
                "import keras\n\nparts = keras.utils.split_dataset(data, 0.8, shuffle=True, seed=42)"
                "  # expect: TSL204\n"),
    ]

    def check(self, model: FileModel) -> Iterator[Report]:
        for source in model.sources_for(self.code):
            split = model.has_validation_split(source.call)
            if split or model.reportable(source):
                why = ("with `validation_split`, the subsets need the same seed" if split
                       else "its shuffle seed comes from NumPy's unseeded global state")
                yield self.report(source.call.node,
                                  f"`{display_name(source.api)}` shuffles without `seed=`: {why}",
                                  fix=add_seed(source, model.config.seed))

"""TSL303 invalid-seed-argument."""
from __future__ import annotations

from typing import Iterator

from tfseedlint import catalog
from tfseedlint.fixes import remove_seed_argument
from tfseedlint.model import FileModel, find_argument
from tfseedlint.rule import Invalid, Report, Rule, display_name


class InvalidSeedArgument(Rule):
    """
    ## What it does
    Finds `seed=` passed to an API that has no such parameter: every Keras
    and TF optimizer, and the weight layers (`Dense`, `Conv2D`, `Embedding`,
    ...) whose weights are seeded through their initializers. Reported in
    every file.

    ## Why is this bad?
    A common piece of advice is wrong: `keras.optimizers.Adam(seed=42)`
    raises `ValueError: Argument(s) not recognized`. Optimizers draw no
    randomness; layers take seeded initializers instead.

    ## Example
    ```python
    opt = keras.optimizers.Adam(learning_rate=1e-3, seed=42)
    ```

    ## Use instead
    ```python
    opt = keras.optimizers.Adam(learning_rate=1e-3)
    ```

    ## Fix safety
    Safe: the fix removes the argument.

    ## References
    - https://keras.io/api/optimizers/
    """

    code = "TSL303"
    name = "invalid-seed-argument"
    summary = "`seed=` passed to an API that has no such parameter."
    fix_safety = "safe"
    VALID = [
        "import keras\n\nopt = keras.optimizers.Adam(1e-3)\n",
        "import keras\n\nlayer = keras.layers.LSTM(4, dropout=0.1, seed=3)\n",
        "from mylib import optimizers\n\nopt = optimizers.Adam(seed=1)\n",
    ]
    INVALID = [
        Invalid("import tensorflow as tf\n\n\ndef make(lr):\n"
                "    return tf.keras.optimizers.Adam(learning_rate=lr, seed=42)  # expect: TSL303\n",
                "import tensorflow as tf\n\n\ndef make(lr):\n"
                "    return tf.keras.optimizers.Adam(learning_rate=lr)  # expect: TSL303\n"),
        Invalid("from keras import layers\n\ndense = layers.Dense(4,\n"
                "                     seed=1)  # expect: TSL303\n",
                "from keras import layers\n\ndense = layers.Dense(4)  # expect: TSL303\n"),
    ]

    def check(self, model: FileModel) -> Iterator[Report]:
        for call in model.calls:
            if call.name not in catalog.NO_SEED_PARAMETER:
                continue
            # The call's own arguments: the fix removes it there, not from a partial.
            arg = find_argument(call.node.args, "seed", None)
            if arg is not None:
                yield self.report(arg, f"`{display_name(call.name)}` takes no `seed`: this raises; "
                                       "remove it", fix=remove_seed_argument(call))

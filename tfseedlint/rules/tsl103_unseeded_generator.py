"""TSL103 unseeded-generator."""
from __future__ import annotations

from typing import Iterator

from tfseedlint.fixes import generator_fix
from tfseedlint.model import FileModel
from tfseedlint.rule import Invalid, Report, Rule, display_name


class UnseededGenerator(Rule):
    """
    ## What it does
    Finds random generators created without a seed, in every file:
    `np.random.default_rng()`, `np.random.RandomState()`, bit generators
    (`PCG64()`, `Philox()`, ...), `np.random.SeedSequence()`,
    `random.Random()`, `tf.random.Generator.from_non_deterministic_state()`,
    and `tf.random.get_global_generator()` when the file never calls
    `tf.random.set_global_generator`.

    ## Why is this bad?
    No global seed reaches these: each one starts from fresh OS entropy, so
    even a fully seeded program draws different numbers on every run.

    ## Example
    ```python
    import numpy as np

    rng = np.random.default_rng()
    ```

    ## Use instead
    ```python
    import numpy as np

    rng = np.random.default_rng(42)
    ```

    ## Fix safety
    Safe: the fix passes the configured seed, and turns
    `Generator.from_non_deterministic_state()` into `Generator.from_seed(seed)`.

    ## References
    - https://numpy.org/doc/stable/reference/random/generator.html
    - https://www.tensorflow.org/api_docs/python/tf/random/Generator
    """

    code = "TSL103"
    name = "unseeded-generator"
    summary = "Random generator created without a seed."
    fix_safety = "safe"
    VALID = [
        "import numpy as np\n\nrng = np.random.default_rng(0)\n",
        "import tensorflow as tf\n\ng = tf.random.Generator.from_seed(1)\n",
        "import tensorflow as tf\n\ntf.random.set_global_generator(tf.random.Generator.from_seed(1))\n"
        "g = tf.random.get_global_generator()\n",
        "import random\n\nr = random.Random(5)\n",
    ]
    INVALID = [
        Invalid("import numpy as np\n\n\ndef make():\n    return np.random.default_rng()  # expect: TSL103\n",
                "import numpy as np\n\n\ndef make():\n    return np.random.default_rng(42)  # expect: TSL103\n"),
        Invalid("import tensorflow as tf\n\n\ndef make():\n"
                "    return tf.random.Generator.from_non_deterministic_state()  # expect: TSL103\n",
                "import tensorflow as tf\n\n\ndef make():\n"
                "    return tf.random.Generator.from_seed(42)  # expect: TSL103\n"),
        Invalid("from numpy.random import RandomState, SeedSequence\n\n"
                "a = RandomState(None)  # expect: TSL103\nb = SeedSequence()  # expect: TSL103\n",
                "from numpy.random import RandomState, SeedSequence\n\n"
                "a = RandomState(42)  # expect: TSL103\nb = SeedSequence(42)  # expect: TSL103\n"),
        Invalid("import random\n\nr = random.Random()  # expect: TSL103\n",
                "import random\n\nr = random.Random(42)  # expect: TSL103\n"),
    ]

    def check(self, model: FileModel) -> Iterator[Report]:
        for source in model.sources_for(self.code):
            yield self.report(source.call.node,
                              f"`{display_name(source.api)}` starts from fresh entropy that no global "
                              "seed reaches; pass a seed", fix=generator_fix(model, source))

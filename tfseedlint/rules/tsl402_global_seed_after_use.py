"""TSL402 global-seed-after-use."""
from __future__ import annotations

from typing import Iterator

from tfseedlint.catalog import Domain
from tfseedlint.model import FileModel
from tfseedlint.rule import Invalid, Report, Rule


class GlobalSeedAfterUse(Rule):
    """
    ## What it does
    Reports the first module-level global seed call of a domain (TF, Keras,
    NumPy, Python `random`) when module-level randomness of that domain is
    drawn before it. Only the first call of a domain can come "after use":
    a later call of the same domain re-seeds on purpose (a notebook section
    that starts again from a known state) and is never reported, while the
    first call of another domain still is. A seed call inside a
    `DeterministicRandomTestTool` scope belongs to that scope's deliberate
    comparison run and is not reported either.

    ## Why is this bad?
    A seed only affects draws made after it: the sources before it still
    differ on every run, while the code looks seeded.

    ## Example
    ```python
    init = tf.keras.initializers.Orthogonal()
    tf.keras.utils.set_random_seed(3)
    ```

    ## Use instead
    ```python
    tf.keras.utils.set_random_seed(3)
    init = tf.keras.initializers.Orthogonal()
    ```

    ## Fix safety
    No fix: moving code can change behaviour; move the seed call up by hand.
    """

    code = "TSL402"
    name = "global-seed-after-use"
    summary = "Global seed set after randomness it should cover was drawn."
    VALID = [
        "import numpy as np\n\nnp.random.seed(1)\nx = np.random.rand(2)\n",
        "import numpy as np\n\nimport tensorflow as tf\n\nx = np.random.rand(2)\ntf.random.set_seed(1)\n",
        # Re-seeding on purpose: the second call starts a section again.
        "import numpy as np\n\nnp.random.seed(0)\nfirst = np.random.rand(3)\nnp.random.seed(0)\n"
        "again = np.random.rand(3)\n",
        "import tensorflow as tf\n\nx = tf.random.normal([2])\n"
        "with tf.compat.v1.keras.utils.DeterministicRandomTestTool().scope():\n"
        "    tf.keras.utils.set_random_seed(1)\n    y = tf.random.normal([2])\n",
    ]
    INVALID = [
        Invalid("import tensorflow as tf\n\ninit = tf.keras.initializers.Orthogonal()\n"
                "tf.keras.utils.set_random_seed(3)  # expect: TSL402\n"),
        Invalid("import numpy as np\n\nx = np.random.rand(2)\nnp.random.seed(0)  # expect: TSL402\n"
                "np.random.seed(1)\n"),
        # The first seed of another domain after a draw of that domain.
        Invalid("import random\n\nimport numpy as np\n\nnp.random.seed(0)\nx = np.random.rand(2)\n"
                "y = random.random()\nrandom.seed(0)  # expect: TSL402\n"),
    ]

    def check(self, model: FileModel) -> Iterator[Report]:
        reported: set[int] = set()
        early = [s for s in model.sources if s.call.module_level and s.domain]
        for bit in (Domain.TF, Domain.KERAS, Domain.NUMPY, Domain.PYTHON):
            seeds = [s for s in model.seeds_for(bit)
                     if s.call.module_level and not model.contexts.in_deterministic_tool_scope(s.call)]
            if not seeds:
                continue
            first = seeds[0]
            if id(first) in reported:
                continue
            if any(s.domain & bit and s.call.order < first.call.order for s in early):
                reported.add(id(first))
                yield self.report(first.call.node, f"`{first.name}` runs after randomness it should "
                                                   "seed was drawn; move it before the first draw")

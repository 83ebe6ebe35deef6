"""TSL104 unseeded-python-random."""
from __future__ import annotations

from tfseedlint.rule import Invalid, SourceRule


class UnseededPythonRandom(SourceRule):
    """
    ## What it does
    Finds functions of Python's `random` module (`random.random`, `choice`,
    `shuffle`, `sample`, ...) in an entry point that never calls `random.seed`
    or `keras.utils.set_random_seed` before them. A call of a function of the
    linted project that (through any number of calls, in any of its files)
    draws from Python's generator is reported at the call, and the message
    names where the draw is (`pkg/data.py:12`).

    ## Why is this bad?
    The module's hidden generator is seeded from the OS at start-up, so every
    run shuffles and samples differently.

    ## Example
    ```python
    import random

    random.shuffle(files)
    ```

    ## Use instead
    ```python
    import random

    random.seed(42)
    random.shuffle(files)
    ```

    ## Fix safety
    Safe: the fix seeds the generator where the entry point starts, with the
    file's own seed. In a file that uses TensorFlow or Keras that is the one
    Keras global seed call, which seeds Python's `random` too (an existing
    `tf.random.set_seed(x)` becomes `keras.utils.set_random_seed(x)`);
    elsewhere `random.seed(seed)`.

    ## References
    - https://docs.python.org/3/library/random.html#random.seed
    """

    code = "TSL104"
    name = "unseeded-python-random"
    summary = "Python `random` module function without a seeded generator."
    message = "`{api}` draws from Python's unseeded global generator; call `random.seed` first"
    fix_safety = "safe"
    VALID = [
        "import random\n\nrandom.seed(1)\nx = random.random()\n",
        "import random as r\n\n\ndef pick(xs):\n    return r.choice(xs)\n",
        "import random\n\nrng = random.Random(3)\nx = rng.random()\n",
    ]
    INVALID = [
        Invalid("import random\n\nx = random.random()  # expect: TSL104\n",
                "import random\n\nrandom.seed(42)\n\nx = random.random()  # expect: TSL104\n"),
        Invalid("from random import shuffle\n\nif __name__ == '__main__':\n"
                "    shuffle([1, 2, 3])  # expect: TSL104\n",
                "from random import shuffle\nimport random\n\nif __name__ == '__main__':\n"
                "    random.seed(42)\n    shuffle([1, 2, 3])  # expect: TSL104\n"),
        Invalid("import random\n\nimport keras\n\nSEED = 7\nrandom.shuffle(files)  # expect: TSL104\n",
                "import random\n\nimport keras\n\nSEED = 7\nkeras.utils.set_random_seed(SEED)\n"
                "random.shuffle(files)  # expect: TSL104\n"),
    ]

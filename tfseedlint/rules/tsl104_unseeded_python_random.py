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
    No fix.

    ## References
    - https://docs.python.org/3/library/random.html#random.seed
    """

    code = "TSL104"
    name = "unseeded-python-random"
    summary = "Python `random` module function without a seeded generator."
    message = "`{api}` draws from Python's unseeded global generator; call `random.seed` first"
    VALID = [
        "import random\n\nrandom.seed(1)\nx = random.random()\n",
        "import random as r\n\n\ndef pick(xs):\n    return r.choice(xs)\n",
        "import random\n\nrng = random.Random(3)\nx = rng.random()\n",
    ]
    INVALID = [
        Invalid("import random\n\nx = random.random()  # expect: TSL104\n"),
        Invalid("from random import shuffle\n\nif __name__ == '__main__':\n"
                "    shuffle([1, 2, 3])  # expect: TSL104\n"),
    ]

"""TSL102 unseeded-numpy-global-random."""
from __future__ import annotations

from tfseedlint.rule import Invalid, SourceRule


class UnseededNumpyGlobalRandom(SourceRule):
    """
    ## What it does
    Finds calls of NumPy's legacy global random functions (`np.random.rand`,
    `randint`, `normal`, `shuffle`, `permutation`, ...) in an entry point that
    never seeds NumPy's global state (`np.random.seed` or
    `keras.utils.set_random_seed`) before them. A `tf.test.TestCase` seeds
    NumPy before every test: its methods, and every function and class of a
    module whose `__main__` runs `tf.test.main()`, are covered.
    A call of a function of the linted project that (through any number of
    calls, in any of its files) draws from that state is reported at the
    call, and the message names where the draw is (`pkg/data.py:12`).

    ## Why is this bad?
    They draw from a hidden global `RandomState` seeded from the OS: the data,
    splits and shuffles change on every run.

    ## Example
    ```python
    import numpy as np

    x = np.random.rand(256, 8)
    ```

    ## Use instead
    ```python
    import numpy as np

    rng = np.random.default_rng(42)
    x = rng.random((256, 8))
    ```
    or seed the global state first with `keras.utils.set_random_seed(42)`.

    ## Fix safety
    Safe: the fix seeds the global state where the entry point starts, with
    the file's own seed. In a file that uses TensorFlow or Keras that is the
    one Keras global seed call, which seeds NumPy too (an existing
    `tf.random.set_seed(x)` becomes `keras.utils.set_random_seed(x)`);
    elsewhere `np.random.seed(seed)`. Moving to a `Generator` is left to you:
    it changes the numbers drawn.

    ## References
    - https://numpy.org/doc/stable/reference/random/legacy.html
    """

    code = "TSL102"
    name = "unseeded-numpy-global-random"
    summary = "NumPy legacy global random function without a seeded global state."
    message = "`{api}` draws from NumPy's unseeded global state; seed it or use `np.random.default_rng(seed)`"
    fix_safety = "safe"
    VALID = [
        "import numpy as np\n\nnp.random.seed(0)\nx = np.random.rand(3)\n",
        "import numpy as np\n\n\ndef sample(n):\n    return np.random.permutation(n)\n",
        "import numpy as np\n\nrng = np.random.default_rng(0)\nx = rng.random(3)\n",
        # Helpers of a tf.test module run inside tests, after setUp seeded NumPy.
        "import numpy as np\nimport tensorflow as tf\n\n\ndef batch():\n    return np.random.rand(4, 3)\n\n\n"
        "if __name__ == '__main__':\n    tf.test.main()\n",
    ]
    INVALID = [
        Invalid("import numpy as np\n\nx = np.random.rand(3)  # expect: TSL102\n",
                "import numpy as np\n\nnp.random.seed(42)\n\nx = np.random.rand(3)  # expect: TSL102\n"),
        Invalid("from numpy.random import normal as draw\n\nvalues = draw(size=4)  # expect: TSL102\n",
                "from numpy.random import normal as draw\nimport numpy as np\n\nnp.random.seed(42)\n\n"
                "values = draw(size=4)  # expect: TSL102\n"),
        Invalid("import numpy\n\nif __name__ == '__main__':\n"
                "    numpy.random.shuffle([1, 2])  # expect: TSL102\n",
                "import numpy\n\nif __name__ == '__main__':\n    numpy.random.seed(42)\n"
                "    numpy.random.shuffle([1, 2])  # expect: TSL102\n"),
        # unittest's TestCase seeds nothing.
        Invalid("import unittest\n\nimport numpy as np\n\n\nclass DataTest(unittest.TestCase):\n"
                "    def test_mean(self):\n        x = np.random.rand(4)  # expect: TSL102\n\n\n"
                "if __name__ == '__main__':\n    unittest.main()\n",
                "import unittest\n\nimport numpy as np\n\n\nclass DataTest(unittest.TestCase):\n"
                "    def test_mean(self):\n        x = np.random.rand(4)  # expect: TSL102\n\n\n"
                "if __name__ == '__main__':\n    np.random.seed(42)\n    unittest.main()\n"),
        Invalid("import numpy as np\nimport tensorflow as tf\n\ntf.random.set_seed(3)\n"
                "x = np.random.rand(3)  # expect: TSL102\n",
                "import numpy as np\nimport tensorflow as tf\n\ntf.keras.utils.set_random_seed(3)\n"
                "x = np.random.rand(3)  # expect: TSL102\n"),
    ]

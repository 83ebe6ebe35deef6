"""TSL207 unseeded-sklearn-split."""
from __future__ import annotations

from tfseedlint.rule import Invalid, SourceRule


class UnseededSklearnSplit(SourceRule):
    """
    ## What it does
    Finds scikit-learn splitters and shufflers left with `random_state=None`:
    `train_test_split`, `ShuffleSplit`, `StratifiedShuffleSplit`,
    `GroupShuffleSplit`, `RepeatedKFold`, `RepeatedStratifiedKFold`,
    `KFold` / `StratifiedKFold` / `GroupKFold` / `StratifiedGroupKFold` with
    `shuffle=True`, `sklearn.utils.shuffle` and `sklearn.utils.resample`, in an
    entry point whose NumPy global state is not seeded before them
    (`np.random.seed` or `keras.utils.set_random_seed`).

    ## Why is this bad?
    `random_state=None` draws from NumPy's global `RandomState`. Unseeded,
    the train / test split and the folds change on every run, so the model
    is trained and evaluated on different data each time and metrics are
    not comparable between runs. `tf.random.set_seed` does not reach it.

    ## Example
    ```python
    from sklearn.model_selection import train_test_split

    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2)
    ```

    ## Use instead
    ```python
    from sklearn.model_selection import train_test_split

    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=42)
    ```
    or seed NumPy first with `keras.utils.set_random_seed(42)`.

    ## Fix safety
    Safe: the fix adds `random_state=<seed>` (the configured `seed`, default 42).

    ## References
    - https://scikit-learn.org/stable/common_pitfalls.html#controlling-randomness
    - https://scikit-learn.org/stable/glossary.html#term-random_state
    """

    code = "TSL207"
    name = "unseeded-sklearn-split"
    summary = "scikit-learn split or shuffle with `random_state=None` and an unseeded NumPy."
    fix_safety = "safe"
    message = ("`{api}` has `random_state=None`: it draws from NumPy's unseeded global state; "
               "pass `random_state=`")
    VALID = [
        "from sklearn.model_selection import train_test_split\n\nparts = train_test_split(x, y, random_state=0)\n",
        "from sklearn.model_selection import train_test_split\n\nparts = train_test_split(x, y, shuffle=False)\n",
        "from sklearn.model_selection import KFold\n\nfolds = KFold(n_splits=5)\n",
        "from sklearn.model_selection import KFold\n\nfolds = KFold(5, shuffle=False)\n",
        "import numpy as np\nfrom sklearn.utils import shuffle\n\nnp.random.seed(0)\nx, y = shuffle(x, y)\n",
        "import keras\nfrom sklearn import model_selection\n\nkeras.utils.set_random_seed(1)\n"
        "cv = model_selection.ShuffleSplit(n_splits=3)\n",
        "from sklearn.model_selection import train_test_split\n\n\ndef split(x, y):\n"
        "    return train_test_split(x, y)\n",
    ]
    INVALID = [
        Invalid("from sklearn.model_selection import train_test_split\n\n"
                "x_tr, x_te = train_test_split(x, test_size=0.25)  # expect: TSL207\n",
                "from sklearn.model_selection import train_test_split\n\n"
                "x_tr, x_te = train_test_split(x, test_size=0.25, random_state=42)  # expect: TSL207\n"),
        Invalid("import sklearn.model_selection as ms\n\nif __name__ == '__main__':\n"
                "    folds = ms.StratifiedKFold(n_splits=5, shuffle=True, random_state=None)  # expect: TSL207\n",
                "import sklearn.model_selection as ms\n\nif __name__ == '__main__':\n"
                "    folds = ms.StratifiedKFold(n_splits=5, shuffle=True, random_state=42)  # expect: TSL207\n"),
        Invalid("import numpy as np\nfrom sklearn.utils import resample\n\n"
                "boot = resample(*np.arange(4))  # expect: TSL207\n",
                "import numpy as np\nfrom sklearn.utils import resample\n\n"
                "boot = resample(*np.arange(4), random_state=42)  # expect: TSL207\n"),
    ]

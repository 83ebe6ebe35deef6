"""TSL203 nondeterministic-data-pipeline."""
from __future__ import annotations

from typing import Iterator

import libcst as cst

from tfseedlint import catalog
from tfseedlint.fixes import set_true
from tfseedlint.model import OPTIONS, FileModel, is_false
from tfseedlint.rule import Invalid, Report, Rule


class NondeterministicDataPipeline(Rule):
    """
    ## What it does
    Finds tf.data pipelines that give up element order: `deterministic=False`
    passed to `map`, `interleave`, `batch`, ..., and `Options.deterministic`
    or `Options.experimental_deterministic` set to `False`. Reported in every
    file.

    ## Why is this bad?
    Parallel transformations then emit elements as soon as they are ready, so
    the order of training examples depends on thread timing.

    ## Example
    ```python
    ds = files.interleave(tf.data.TFRecordDataset, num_parallel_calls=4,
                          deterministic=False)
    ```

    ## Use instead
    ```python
    ds = files.interleave(tf.data.TFRecordDataset, num_parallel_calls=4,
                          deterministic=True)
    ```

    ## Fix safety
    Unsafe (needs `--unsafe-fixes`): the fix sets the value to `True`, which
    can slow the pipeline down.

    ## References
    - https://www.tensorflow.org/api_docs/python/tf/data/Options#deterministic
    """

    code = "TSL203"
    name = "nondeterministic-data-pipeline"
    summary = "tf.data pipeline with `deterministic=False`."
    fix_safety = "unsafe"
    VALID = [
        "ds = ds.map(f, num_parallel_calls=4, deterministic=True)\n",
        "import tensorflow as tf\n\noptions = tf.data.Options()\noptions.deterministic = True\n",
        "class Config:\n    pass\n\n\nsettings = Config()\nsettings.deterministic = False\n",
    ]
    INVALID = [
        Invalid("ds = ds.map(f, num_parallel_calls=4, deterministic=False)  # expect: TSL203\n",
                "ds = ds.map(f, num_parallel_calls=4, deterministic=True)  # expect: TSL203\n"),
        Invalid("import tensorflow as tf\n\nopts = tf.data.Options()\n"
                "opts.deterministic = False  # expect: TSL203\n",
                "import tensorflow as tf\n\nopts = tf.data.Options()\n"
                "opts.deterministic = True  # expect: TSL203\n"),
        Invalid("def configure(options):\n"
                "    options.experimental_deterministic = False  # expect: TSL203\n",
                "def configure(options):\n"
                "    options.experimental_deterministic = True  # expect: TSL203\n"),
    ]

    def check(self, model: FileModel) -> Iterator[Report]:
        for call in model.calls:
            if call.method in catalog.DETERMINISTIC_METHODS or (
                    call.name or "").startswith("tensorflow.data."):
                arg = call.argument("deterministic", None)
                if arg is not None and is_false(arg.value):
                    yield self.report(arg, "`deterministic=False` lets the pipeline reorder elements "
                                           "between runs", fix=set_true(arg.value))
        for assign in model.walk.attribute_assigns:
            attribute = assign.target.attr.value
            if attribute not in catalog.OPTIONS_ATTRIBUTES or not is_false(assign.value):
                continue
            if attribute == "deterministic" and not self._is_options(model, assign.target.value, assign):
                continue
            yield self.report(assign.node, f"`{attribute} = False` lets the pipeline reorder elements "
                                           "between runs", fix=set_true(assign.value))

    @staticmethod
    def _is_options(model: FileModel, expr: cst.BaseExpression, assign) -> bool:
        """`deterministic` is a common attribute name: require tf.data Options,
        or a receiver whose name says it holds options."""
        if model.kind_of(expr, assign.scope) == OPTIONS:
            return True
        last = expr.attr.value if type(expr) is cst.Attribute else (
            expr.value if type(expr) is cst.Name else "")
        return "option" in last.lower()

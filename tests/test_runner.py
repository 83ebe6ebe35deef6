"""The runner: prefilter soundness, positions, jobs, errors, the code table.

The prefilter may only skip a file that the engine would report nothing
in: every test here compares it with the engine itself, on the rules' own
examples, on scripts written the way users write them, and on variants of
all of them (inside functions, aliased, star-imported, as notebooks, with
other line endings ...).
"""
from __future__ import annotations

import functools
import json
import os
import re
import random
import textwrap
from dataclasses import replace
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from tfseedlint import catalog, prefilter, runner
from tfseedlint.codes import ALL_CODES, RULES
from tfseedlint.engine import lint_source
from tfseedlint.ftypes import Config
from tfseedlint.positions import start_positions
from tfseedlint.prefilter import Screen, leaf, might_call_in_functions, triggers
from tfseedlint.rules import ALL_CODES as REGISTRY_CODES
from tfseedlint.rules import ALL_RULES
from tfseedlint.runner import lint_files
from tfseedlint.notebook import decode_notebook

CONFIG = Config(target_tensorflow="2.21.0")

#: Scripts as users write them, each with findings (or not) of its own.
SCRIPTS = {
    "train_script": """
        import numpy as np
        import tensorflow as tf

        x = np.random.rand(100, 8)
        y = (x.sum(axis=1) > 4).astype("float32")
        rng = np.random.default_rng()
        ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).batch(8)
        model = tf.keras.Sequential([tf.keras.layers.Dense(16), tf.keras.layers.Dropout(0.2),
                                     tf.keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(ds, epochs=2)
    """,
    "fully_seeded": """
        import numpy as np
        import tensorflow as tf

        tf.keras.utils.set_random_seed(1)
        tf.config.experimental.enable_op_determinism()
        rng = np.random.default_rng(1)
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        model.fit(rng.random((4, 2)), rng.random((4, 1)))
    """,
    "from_imports": """
        from numpy.random import rand as r, default_rng
        from tensorflow.random import normal
        from keras import layers as L

        a = r(3)
        g = default_rng()
        n = normal([2])
        d = L.Dropout(0.5)
    """,
    "optimizer_seed": """
        import keras


        def make(lr):
            return keras.optimizers.Adam(learning_rate=lr, seed=42)
    """,
    "set_seed_only_tf": """
        import tensorflow as tf
        import keras

        tf.random.set_seed(0)
        layer = keras.layers.Dense(2)
    """,
    "pipeline": """
        import tensorflow as tf


        def load(pattern):
            files = tf.data.Dataset.list_files(pattern)
            ds = files.interleave(tf.data.TFRecordDataset, num_parallel_calls=4, deterministic=False)
            options = tf.data.Options()
            options.experimental_deterministic = False
            return ds.with_options(options)
    """,
    "library": """
        import numpy as np
        import tensorflow as tf


        def noise(shape):
            return tf.random.normal(shape) + np.random.rand(*shape)
    """,
    "order": """
        import numpy as np

        a = np.random.rand(3)
        np.random.seed(0)
        b = np.random.rand(3)
    """,
    "keras_random": """
        import keras

        if __name__ == "__main__":
            x = keras.random.normal((2, 2))
            gen = keras.random.SeedGenerator()
    """,
    "dataset_utils": """
        import keras


        def data(path):
            return keras.utils.image_dataset_from_directory(path, validation_split=0.2, subset="both")
    """,
    "suppressed": """
        import numpy as np

        a = np.random.rand(3)  # noqa: TSL102
    """,
    "not_ours": """
        from mylib import np, tf

        x = np.random.rand(3)
        y = tf.random.normal([2])
    """,
    "fit_without_determinism": """
        import tensorflow as tf

        if __name__ == "__main__":
            tf.keras.utils.set_random_seed(3)
            with tf.GradientTape() as tape:
                pass
    """,
    "gpu_ops": """
        import tensorflow as tf


        def counts(x):
            return tf.math.bincount(x) + tf.image.adjust_contrast(x, 2.0)
    """,
    "star_import": """
        from numpy.random import *

        x = rand(3)
    """,
    "generators": """
        import random

        import tensorflow as tf


        def make():
            return random.Random(), tf.random.Generator.from_non_deterministic_state()
    """,
    "seeded_generator_in_library": """
        import numpy as np


        def make(seed):
            return np.random.default_rng(seed)
    """,
    "parenthesized_and_commented": """
        import numpy as np

        x = (np.random  # the module
             .rand)(3)
        y = np.random.rand \\
            (2)
    """,
    "sampling": """
        import tensorflow as tf

        ds = tf.data.Dataset.sample_from_datasets([a, b])
        r = tf.data.Dataset.random()
    """,
    "initializers": """
        import keras

        init = keras.initializers.GlorotUniform()
        aug = keras.layers.RandomFlip()
    """,
    "plain_python": """
        import os


        def main():
            return os.getcwd()
    """,
    "no_calls": "VALUE = 1\n",
    "zero_seed_op": """
        import tensorflow as tf


        def crop(image):
            return tf.image.sample_distorted_bounding_box(tf.shape(image), boxes, seed=0)
    """,
}


def script(name: str) -> str:
    return textwrap.dedent(SCRIPTS[name]).lstrip("\n")


def _inside_main(code: str) -> str:
    lines = code.splitlines()
    imports = [line for line in lines if line.startswith(("import ", "from "))]
    rest = [line for line in lines if not line.startswith(("import ", "from "))]
    body = "\n".join("    " + line if line.strip() else "" for line in rest) or "    pass"
    return "\n".join(imports) + "\n\n\ndef main():\n" + body + "\n\n\nif __name__ == '__main__':\n    main()\n"


def _in_library(code: str) -> str:
    lines = code.splitlines()
    imports = [line for line in lines if line.startswith(("import ", "from "))]
    rest = [line for line in lines if not line.startswith(("import ", "from ", "if __name__"))]
    body = "\n".join("    " + line if line.strip() else "" for line in rest) or "    pass"
    return "\n".join(imports) + "\n\n\ndef build():\n" + body + "\n"


def _aliased(code: str) -> str:
    code = re.sub(r"\bimport numpy as np\b", "import numpy as xp", code)
    code = re.sub(r"\bimport tensorflow as tf\b", "import tensorflow as T", code)
    code = re.sub(r"(?<![\w.])np\.", "xp.", code)
    return re.sub(r"(?<![\w.])tf\.", "T.", code)


def _keras_src(code: str) -> str:
    code = code.replace("import keras\n", "from keras import src as keras\n")
    return code.replace("from keras import layers", "from keras.src import layers")


def variants(code: str) -> dict[str, str]:
    return {
        "as is": code,
        "crlf": code.replace("\n", "\r\n"),
        "cr": code.replace("\n", "\r"),
        "inside main": _inside_main(code),
        "in a library function": _in_library(code),
        "aliased": _aliased(code),
        "keras.src": _keras_src(code),
        "after a docstring": '"""Module doc: np.random.rand() in text."""\n' + code,
        "semicolons": code.replace("\nimport ", "\nimport os; import "),
    }


def examples() -> list[tuple[str, str]]:
    out = [(f"{rule.code}-valid-{i}", code) for rule in ALL_RULES for i, code in enumerate(rule.VALID)]
    out += [(f"{rule.code}-invalid-{i}", ex.code) for rule in ALL_RULES for i, ex in enumerate(rule.INVALID)]
    out += [(f"script-{name}", script(name)) for name in SCRIPTS]
    return [(f"{name} / {variant}", text) for name, code in out for variant, text in variants(code).items()]


CASES = examples()


@functools.lru_cache(maxsize=None)
def _screen(config: Config) -> Screen:
    return Screen(config)


def screened(code: str, config: Config = CONFIG, *, notebook: bool = False,
             package: tuple[str, ...] = ()) -> bool:
    return _screen(config).needs_lint(code, notebook=notebook, package=package)


@functools.lru_cache(maxsize=None)
def _findings(code: str, config: Config, package: tuple[str, ...]) -> tuple:
    return tuple(lint_source(code.encode("utf-8"), "example.py", config, package=package).findings)


def findings(code: str, config: Config = CONFIG, package: tuple[str, ...] = ()) -> list:
    return list(_findings(code, config, package))


# ------------------------------------------------------------ soundness


@pytest.mark.parametrize("name,code", CASES, ids=[c[0] for c in CASES])
def test_screen_passes_every_file_with_findings(name: str, code: str) -> None:
    for config in (CONFIG, replace(CONFIG, strict=True)):
        if findings(code, config):
            assert screened(code, config), f"{name}: skipped, but the engine reports {findings(code, config)}"


@pytest.mark.parametrize("rule", [r for r in ALL_RULES if r.INVALID], ids=lambda r: r.code)
def test_every_invalid_example_passes_the_screen(rule) -> None:
    for example in rule.INVALID:
        assert screened(example.code), example.code
        only = replace(CONFIG, select=(rule.code,))
        assert screened(example.code, only), f"{rule.code} alone: {example.code}"


@pytest.mark.parametrize("code", sorted(ALL_CODES))
def test_screen_with_one_rule_selected_is_sound(code: str) -> None:
    # Rules do not depend on one another: selecting one keeps its findings.
    only = replace(CONFIG, select=(code,))
    for name, text in CASES:
        if any(f.code == code for f in findings(text)):
            assert screened(text, only), f"{name} with --select {code}"


def test_every_rule_code_declares_its_triggers() -> None:
    assert set(triggers(CONFIG)) == set(REGISTRY_CODES)


def test_canonical_never_changes_the_last_component() -> None:
    # The prefilter looks for the last component of catalog names in the text.
    prefixes = [p for p, _ in catalog._PREFIXES] + ["keras.src.layers.core.dense.", "tensorflow.keras.layers.x."]
    names = prefilter.source_names() | catalog.NO_SEED_PARAMETER | frozenset(catalog.GPU_OPS)
    for name in names:
        rest = name.split(".", 1)[1]
        for prefix in prefixes:
            assert leaf(catalog.canonical(prefix + rest)) == leaf(name)
            assert leaf(catalog.canonical(prefix + leaf(name))) == leaf(name)


def test_notebooks_and_relative_imports() -> None:
    cells = [script("train_script"), "%matplotlib inline\n", "!pip list\n"]
    document = {"cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": [],
                           "execution_count": None} for c in cells],
                "metadata": {"kernelspec": {"language": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    data = json.dumps(document).encode()
    assert lint_source(data, "nb.ipynb", CONFIG).findings
    assert screened(decode_notebook(data).text, notebook=True)
    # `from .. import random` inside package keras.src.layers is keras.random.
    relative = "from .. import random\n\nx = random.normal((2,))\n"
    assert findings(relative.replace("..", "keras.src"))
    assert screened(relative, package=("keras", "src", "layers"))
    assert findings(relative, package=("keras", "src", "layers"))
    assert not screened(relative, package=("mypkg", "layers"))
    assert not findings(relative, package=("mypkg", "layers"))


def test_screen_skips_what_cannot_report() -> None:
    skipped = {
        "plain_python", "no_calls", "not_ours", "seeded_generator_in_library", "fully_seeded"}
    for name in skipped:
        assert not findings(script(name)), name
    for name in skipped - {"fully_seeded"}:  # a seeded script still trains: TSL405 may apply
        assert not screened(script(name)), name
    # Calls of a name the rules know, on something that is not the catalog API.
    assert not screened("import os\n\n\ndef f(ds):\n    return ds.normal(3) + os.path.join('a')\n")
    assert not screened("import numpy as np\n\n\ndef f():\n    return np.random.default_rng(7)\n")
    assert not screened("from mylib import tf\n\nx = tf.random.normal([2])\n")
    # A seed in the text is not enough.
    assert not screened("import numpy as np\n\n\ndef f(seed):\n    return np.zeros(3) + seed\n")


def test_a_partial_counts_only_for_what_it_binds() -> None:
    # A partial object of a source is called under a name of the file's own.
    header = "import functools\nimport numpy as np\nfrom functools import partial as P\n\n"
    sources = [header + "draw = functools.partial(np.random.rand, 3)\nx = draw()\n",
               header + "from numpy.random import rand as r\n\ndraw = P(r, 3)\nx = draw()\n"]
    for code in sources:
        assert findings(code), code
        assert screened(code), code
    # Partials of the file's own helpers (and of no name at all) are no sources.
    idle = [header + "def helper(a, b):\n    return a + b\n\n\nadd = functools.partial(helper, 1)\nx = add(2)\n",
            header + "import mylib\n\nadd = P(mylib.add, 1)\nx = add(2)\n"]
    for code in idle:
        assert not findings(code), code
        assert not screened(code), code
    # Anything but a dotted name may be one: the engine decides.
    assert screened(header + "add = functools.partial(lambda a: a, 1)\nx = add(2)\n")


def test_a_file_that_does_not_compile_goes_to_the_engine() -> None:
    assert screened("def f(:\n    pass\n")
    assert screened("x = 1\nyield x\n")  # CPython rejects it, LibCST parses it: the engine decides
    assert findings("def f(:\n    pass\n")[0].code == "TSL001"


def test_might_call_in_functions_looks_in_module_level_function_bodies() -> None:
    names = frozenset({"random.seed"})
    assert might_call_in_functions("import random\n\n\ndef s():\n    random.seed(0)\n", names)
    assert not might_call_in_functions("import random\n\nrandom.seed(0)\n", names)
    assert not might_call_in_functions("import random\n\n\nclass A:\n    def s(self):\n        random.seed(0)\n", names)
    assert might_call_in_functions("from random import seed as s\n\n\ndef f():\n    s(1)\n", names)


def test_runner_output_is_the_same_with_and_without_the_screen(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    files = []
    for index, (name, code) in enumerate(CASES):
        path = tmp_path / "pkg" / f"case_{index:03}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(code.encode("utf-8"))
        files.append(path)
    screened_run = lint_files(files, CONFIG, jobs=1, use_cache=False)
    assert screened_run.count("prefilter") > 0 and screened_run.count("engine") > 0
    monkeypatch.setattr(Screen, "needs_lint", lambda self, text, **kw: True)
    full_run = lint_files(files, CONFIG, jobs=1, use_cache=False)
    assert screened_run.findings == full_run.findings
    assert screened_run.errors == full_run.errors == []


# ------------------------------------------------------------ positions


def _positions(code: str) -> tuple[cst.Module, list[cst.CSTNode], dict]:
    module = cst.parse_module(code)
    nodes: list[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, (cst.Call, cst.Arg, cst.Assign, cst.Name, cst.SimpleStatementLine)):
                nodes.append(node)
            return True

    module.visit(Collect())
    return module, nodes, MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def _parses(code: str) -> bool:
    try:
        cst.parse_module(code)
    except cst.ParserSyntaxError:
        return False
    return True


POSITION_SOURCES = [text for _, text in CASES[:: 7] if _parses(text)] + [
    "# header\n\nx = f()\n\ny = g(a=1)\n# footer\n",
    "x = f()\ny = g()",  # no trailing newline
    "x = f()\r\ny = (g)(\r\n  a=1)\r\n",
    "x = f()\ry = g(\r  a=1)\r",
    "class A(B(1)):\n    x: int = f(2)\n    def g(self): return self.h(deterministic=False)\n",
    "s = '''\nf()\n'''\nt = f'{g()}'\nu = [h(i) for i in k()]\n",
    "é = f('ü')\n𝔘 = g()\n",
]


@pytest.mark.parametrize("code", POSITION_SOURCES)
def test_start_positions_are_position_providers(code: str) -> None:
    module, nodes, expected = _positions(code)
    chooser = random.Random(len(code))
    for size in (1, 2, 3, len(nodes)):
        for _ in range(4):
            pick = chooser.sample(nodes, min(size, len(nodes)))
            for text in (None, code):
                got = start_positions(module, pick, text)
                assert got == {n: (expected[n].start.line, expected[n].start.column) for n in pick}


def test_start_positions_distrust_a_text_whose_ends_differ() -> None:
    code = "a = f()\n" + "b = 1\n" * 50 + "c = g()\n"
    module, nodes, expected = _positions(code)
    calls = [n for n in nodes if isinstance(n, cst.Call)]
    want = {n: (expected[n].start.line, expected[n].start.column) for n in calls}
    for other in ("# x\n" + code, code + "# x\n", code.replace("c = g()", "c = g( )")):
        assert start_positions(module, calls, other) == want
    with pytest.raises(KeyError):
        start_positions(module, [cst.Name("elsewhere")], code)


# ------------------------------------------------------------ runs


def _project(tmp_path: Path, count: int = 12) -> list[Path]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    names = sorted(SCRIPTS)
    files = []
    for index in range(count):
        path = tmp_path / f"m{index:02}.py"
        path.write_text(script(names[index % len(names)]) + "\n" * index)
        files.append(path)
    return files


def test_jobs_give_identical_output(tmp_path: Path, monkeypatch) -> None:
    files = _project(tmp_path)
    serial = lint_files(files, CONFIG, jobs=1, use_cache=False)
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)
    parallel = lint_files(files, CONFIG, jobs=2, use_cache=False)
    assert parallel.findings == serial.findings and serial.findings
    assert [p for p, _ in parallel.results] == [p for p, _ in serial.results] == [str(f) for f in files]
    assert parallel.errors == serial.errors == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_that_vanishes_or_cannot_be_read_is_a_message(tmp_path: Path, monkeypatch, jobs: int) -> None:
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)
    files = _project(tmp_path, 6)
    gone = tmp_path / "gone.py"
    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)
    run = lint_files([gone, *files, fifo], CONFIG, jobs=jobs, use_cache=False)
    assert run.errors == [f"{gone}: No such file or directory", f"{fifo}: not a regular file"]
    assert run.findings == lint_files(files, CONFIG, jobs=1, use_cache=False).findings


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failure_in_one_file_does_not_stop_the_others(tmp_path: Path, monkeypatch, jobs: int) -> None:
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)
    files = _project(tmp_path, 6)
    expected = lint_files(files[1:], CONFIG, jobs=1, use_cache=False).findings
    real = runner._Linter._lint

    def failing(self, task, data, outcome):  # type: ignore[no-untyped-def]
        if task.path == str(files[0]):
            raise ValueError("boom")
        return real(self, task, data, outcome)

    monkeypatch.setattr(runner._Linter, "_lint", failing)
    run = lint_files(files, CONFIG, jobs=jobs, use_cache=False)
    assert run.errors == [f"{files[0]}: internal error: ValueError: boom"]
    assert run.findings == expected


def test_a_worker_that_dies_costs_only_its_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)
    files = _project(tmp_path, 6)
    expected = lint_files(files[1:], CONFIG, jobs=1, use_cache=False).findings
    real = runner._Linter._lint

    def dying(self, task, data, outcome):  # type: ignore[no-untyped-def]
        if task.path == str(files[0]):
            os._exit(3)
        return real(self, task, data, outcome)

    monkeypatch.setattr(runner._Linter, "_lint", dying)
    run = lint_files(files, CONFIG, jobs=2, use_cache=False)
    assert run.errors == [f"{files[0]}: internal error: the worker process died"]
    assert run.findings == expected


def test_run_keeps_input_order_and_plain_findings(tmp_path: Path) -> None:
    files = list(reversed(_project(tmp_path, 5)))
    run = lint_files(files, CONFIG, jobs=1, use_cache=False)
    assert [p for p, _ in run.results] == [str(f) for f in files]
    assert run.findings == sorted(run.findings, key=lambda f: f.sort_key)
    assert all(hasattr(r, "findings") for _, r in run.results)


def test_stdin(tmp_path: Path) -> None:
    code = script("train_script").encode()
    run = runner.lint_stdin(str(tmp_path / "t.py"), CONFIG, use_cache=False, data=code)
    assert run.stdin_data == code
    assert run.findings == lint_source(code, str(tmp_path / "t.py"), CONFIG).findings


def test_code_table_matches_the_rule_registry() -> None:
    registry = {rule.code: (rule.name, rule.summary, rule.fix_safety) for rule in ALL_RULES}
    table = {code: (info.name, info.summary, info.fix_safety) for code, info in RULES.items()}
    assert table == registry, "update tfseedlint/codes.py: " + "\n".join(
        f'    ("{c}", "{n}", "{s}"),  # fix: {f}' for c, (n, s, f) in sorted(registry.items()))
    assert ALL_CODES == REGISTRY_CODES

"""`--fix` / `--diff`: every rule's `fixed` example, the guarantees of SPEC
"Fixes" (parses, keeps formatting, idempotent, clears its findings, fixes
compose, atomic writes keeping encoding / BOM / line endings / mode, files
changed meanwhile left alone), notebooks, stdin and the CLI."""
from __future__ import annotations

import codecs
import io
import json
import os
import stat
import sys
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import libcst as cst
import pytest

from tfseedlint import cli, fixer
from tfseedlint.fixer import apply_once, fix_source
from tfseedlint.rules import ALL_RULES
from tests.helpers import CONFIG, lint

FIXABLE = [rule for rule in ALL_RULES if rule.fix_safety]
EXAMPLES = [(rule.code, i, ex.code, ex.fixed) for rule in FIXABLE for i, ex in enumerate(rule.INVALID)]


def fixed(code: str, path: str = "example.py", *, unsafe: bool = True, **settings: object) -> str:
    config = replace(CONFIG, **settings) if settings else CONFIG
    outcome = fix_source(code.encode("utf-8"), path, config, unsafe=unsafe)
    assert outcome.error is None, outcome.error
    return outcome.after.decode("utf-8")


def fixable(code: str, **settings: object) -> list[str]:
    return [f.code for f in lint(code, **settings) if f.fixable]


# ------------------------------------------------------------ rule examples


@pytest.mark.parametrize("code,index,source,want", EXAMPLES, ids=[f"{c}-invalid-{i}" for c, i, _, _ in EXAMPLES])
def test_invalid_example_is_fixed_as_documented(code: str, index: int, source: str, want: str | None) -> None:
    got = fixed(source, select=(code,))
    if want is None:
        # An example of a fixable rule without `fixed` is one the fix leaves alone.
        assert got == source
        return
    assert got == want
    cst.parse_module(got)
    compile(got, "example.py", "exec")
    assert code not in fixable(got, select=(code,)), "the fix must clear its finding"
    assert fixed(got, select=(code,)) == got, "a second --fix must change nothing"


def test_every_fixable_rule_has_a_fixed_example() -> None:
    for rule in FIXABLE:
        assert any(ex.fixed for ex in rule.INVALID), rule.code


def test_rules_without_a_fix_report_no_fix() -> None:
    code = ("import keras\nimport tensorflow as tf\n\nw = keras.initializers.Orthogonal(seed=1)\n"
            "keras.utils.set_random_seed(1)\ny = tf.math.bincount(x)\n")
    assert {f.code for f in lint(code)} == {"TSL403"}
    assert fixable(code) == []


# ------------------------------------------------------------ seed arguments


def test_seed_none_is_replaced_not_duplicated() -> None:
    code = ("import numpy as np\nimport tensorflow as tf\n\n"
            "rng = np.random.default_rng(None)\nx = tf.random.normal([2], seed=None)\n")
    assert fixed(code, select=("TSL101", "TSL103")) == (
        "import numpy as np\nimport tensorflow as tf\n\n"
        "rng = np.random.default_rng(42)\nx = tf.random.normal([2], seed=42)\n")


def test_configured_seed_is_used() -> None:
    code = "import numpy as np\n\nrng = np.random.default_rng()\n"
    assert fixed(code, seed=7) == "import numpy as np\n\nrng = np.random.default_rng(7)\n"
    assert fixed(code, seed=-3) == "import numpy as np\n\nrng = np.random.default_rng(-3)\n"


def test_positional_seed_only_when_unambiguous() -> None:
    # An argument already there: the keyword says which parameter gets the seed.
    code = "import numpy as np\n\nss = np.random.SeedSequence(spawn_key=(1,))\nr = np.random.PCG64()\n"
    assert fixed(code) == ("import numpy as np\n\nss = np.random.SeedSequence(spawn_key=(1,), entropy=42)\n"
                           "r = np.random.PCG64(42)\n")


def test_multiline_calls_keep_their_layout() -> None:
    code = ("import tensorflow as tf\n\n"
            "x = tf.random.uniform(\n    [2],\n    maxval=3,\n)\n"
            "y = tf.random.normal([2],\n                     mean=1.0)  # why\n"
            "z = tf.random.normal(\n    [2]  # shape\n)\n")
    assert fixed(code, select=("TSL101",)) == (
        "import tensorflow as tf\n\n"
        "x = tf.random.uniform(\n    [2],\n    maxval=3,\n    seed=42,\n)\n"
        "y = tf.random.normal([2],\n                     mean=1.0,\n                     seed=42)  # why\n"
        "z = tf.random.normal(\n    [2], seed=42  # shape\n)\n")


def test_unseeded_generator_fixes() -> None:
    code = ("import tensorflow as tf\n\n\ndef make():\n"
            "    a = tf.random.Generator.from_non_deterministic_state(alg='philox')\n"
            "    b = tf.random.get_global_generator()\n    return a, b\n")
    out = fixed(code)
    assert "tf.random.Generator.from_seed(42, alg='philox')" in out
    assert "tf.random.get_global_generator()" in out  # no mechanical fix
    assert [f.code for f in lint(out)] == ["TSL103"]


def test_remove_seed_argument_keeps_comments() -> None:
    code = ("import keras\n\n\ndef make():\n"
            "    a = keras.optimizers.Adam(seed=1, learning_rate=0.1)\n"
            "    b = keras.optimizers.SGD(\n        0.1,\n        seed=2,\n    )\n"
            "    c = keras.optimizers.SGD(0.1, seed=3)\n"
            "    d = keras.optimizers.SGD(0.1,\n                             seed=4,  # keep me\n    )\n"
            "    return a, b, c, d\n")
    out = fixed(code)
    assert out == ("import keras\n\n\ndef make():\n"
                   "    a = keras.optimizers.Adam(learning_rate=0.1)\n"
                   "    b = keras.optimizers.SGD(\n        0.1,\n    )\n"
                   "    c = keras.optimizers.SGD(0.1)\n"
                   "    d = keras.optimizers.SGD(0.1,\n                             seed=4,  # keep me\n    )\n"
                   "    return a, b, c, d\n")
    assert [f.line for f in lint(out)] == [11]  # declined: it would drop the comment


def test_unsafe_fixes_need_the_flag() -> None:
    code = "ds = ds.map(f, deterministic=False)\n"
    assert fixed(code, unsafe=False) == code
    assert fixed(code, unsafe=True) == "ds = ds.map(f, deterministic=True)\n"


# ------------------------------------------------------------ global seeds


def test_global_seed_goes_after_docstring_future_and_imports() -> None:
    code = ('#!/usr/bin/env python\n"""Train."""\nfrom __future__ import annotations\n\n'
            "import os\n\nos.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
            "import tensorflow as tf  # after the environment\n\n"
            "# the model\nmodel = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n")
    assert fixed(code, select=("TSL401",)) == (
        '#!/usr/bin/env python\n"""Train."""\nfrom __future__ import annotations\n\n'
        "import os\n\nos.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
        "import tensorflow as tf  # after the environment\n\n"
        "tf.keras.utils.set_random_seed(42)\n\n"
        "# the model\nmodel = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n")


def test_global_seed_comes_before_module_level_randomness() -> None:
    # Inserting it after the late import would make TSL402 fire on it.
    code = ("import numpy as np\n\nx = np.random.rand(3)\nimport tensorflow as tf\n\n"
            "y = tf.random.normal([2])\n")
    out = fixed(code, select=("TSL401",))
    assert out == ("import numpy as np\nimport tensorflow as tf\n\ntf.keras.utils.set_random_seed(42)\n\n"
                   "x = np.random.rand(3)\nimport tensorflow as tf\n\ny = tf.random.normal([2])\n")
    assert lint(out) == []


def test_global_seed_adds_an_import_only_when_none_reaches_it() -> None:
    code = "from tensorflow.keras.layers import Dense\n\nlayer = Dense(3)\n"
    assert fixed(code) == ("from tensorflow.keras.layers import Dense\nimport tensorflow as tf\n\n"
                           "tf.keras.utils.set_random_seed(42)\n\nlayer = Dense(3)\n")
    code = "from keras import layers\n\nlayer = layers.Dense(3)\n"
    assert fixed(code) == ("from keras import layers\nimport keras\n\nkeras.utils.set_random_seed(42)\n\n"
                           "layer = layers.Dense(3)\n")
    code = "from tensorflow import keras\n\nlayer = keras.layers.Dense(3)\n"
    assert fixed(code) == ("from tensorflow import keras\n\nkeras.utils.set_random_seed(42)\n\n"
                           "layer = keras.layers.Dense(3)\n")


def test_global_seed_never_uses_a_shadowed_name() -> None:
    code = ("import tensorflow\nfrom mypkg import tf\n\n"
            "layer = tensorflow.keras.layers.Dense(3)\n")
    out = fixed(code, select=("TSL401",))
    assert "tensorflow.keras.utils.set_random_seed(42)" in out
    assert "import tensorflow as tf" not in out


def test_tf_seed_becomes_keras_seed_through_the_files_alias() -> None:
    code = "import tensorflow as T\n\nT.random.set_seed(1)\nlayer = T.keras.layers.Dense(2)\n"
    assert fixed(code, select=("TSL404",)) == (
        "import tensorflow as T\n\nT.keras.utils.set_random_seed(1)\nlayer = T.keras.layers.Dense(2)\n")


def test_tf_seed_with_only_a_submodule_import_adds_the_import() -> None:
    code = ("from tensorflow import random\nfrom tensorflow.keras import layers\n\n"
            "random.set_seed(1)\nlayer = layers.Dense(2)\n")
    out = fixed(code, select=("TSL404",))
    assert out == ("from tensorflow import random\nfrom tensorflow.keras import layers\nimport tensorflow as tf\n\n"
                   "tf.keras.utils.set_random_seed(1)\nlayer = layers.Dense(2)\n")
    assert lint(out, select=("TSL404",)) == []


def test_op_determinism_goes_right_after_the_seed_call() -> None:
    main = "\n\nif __name__ == '__main__':\n    main(*load())\n"
    code = ("from tensorflow import keras\n\n\ndef main(model, x, y):\n    if True:\n"
            "        keras.utils.set_random_seed(1)  # seed\n        model.fit(x, y)\n" + main)
    out = fixed(code, select=("TSL405",))
    assert out == ("from tensorflow import keras\nimport tensorflow as tf\n\n\ndef main(model, x, y):\n    if True:\n"
                   "        keras.utils.set_random_seed(1)  # seed\n"
                   "        tf.config.experimental.enable_op_determinism()\n        model.fit(x, y)\n" + main)
    assert fixed("import tensorflow as tf\nif __name__ == '__main__': tf.random.set_seed(1); m.fit(x)\n",
                 select=("TSL405",)) == (
        "import tensorflow as tf\n"
        "if __name__ == '__main__': tf.random.set_seed(1); tf.config.experimental.enable_op_determinism(); m.fit(x)\n")
    assert fixed("import tensorflow as tf\n\nif __name__ == '__main__':\n    tf.random.set_seed(1); m.fit(x)\n",
                 select=("TSL405",)) == (
        "import tensorflow as tf\n\nif __name__ == '__main__':\n"
        "    tf.random.set_seed(1); tf.config.experimental.enable_op_determinism(); m.fit(x)\n")


def test_op_determinism_needs_an_expression_statement() -> None:
    code = "import tensorflow as tf\n\nif __name__ == '__main__':\n    s = tf.random.set_seed(1)\n    m.fit(x)\n"
    assert fixed(code, select=("TSL405",)) == code  # no import added either


# ------------------------------------------------------------ composition


TRAIN = '''"""Train a model."""
import numpy as np
import tensorflow as tf  # the framework

rng = np.random.default_rng()
x = rng.normal(size=(32, 4))
ds = tf.data.Dataset.from_tensor_slices(x).shuffle(32).map(
    lambda v: v, num_parallel_calls=2, deterministic=False)


def build():
    return tf.keras.Sequential([
        tf.keras.layers.Dense(4),
        tf.keras.layers.Dropout(0.5),  # regularise
    ])


if __name__ == "__main__":
    model = build()
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3, seed=1), loss="mse")
    model.fit(ds, epochs=1)
'''


def test_fixes_compose_in_one_file() -> None:
    out = fixed(TRAIN)
    assert out == '''"""Train a model."""
import numpy as np
import tensorflow as tf  # the framework

tf.keras.utils.set_random_seed(42)
tf.config.experimental.enable_op_determinism()

rng = np.random.default_rng(42)
x = rng.normal(size=(32, 4))
ds = tf.data.Dataset.from_tensor_slices(x).shuffle(32).map(
    lambda v: v, num_parallel_calls=2, deterministic=True)


def build():
    return tf.keras.Sequential([
        tf.keras.layers.Dense(4),
        tf.keras.layers.Dropout(0.5),  # regularise
    ])


if __name__ == "__main__":
    model = build()
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="mse")
    model.fit(ds, epochs=1)
'''
    assert lint(out) == []
    assert fixed(out) == out


def test_safe_fixes_leave_the_unsafe_findings() -> None:
    out = fixed(TRAIN, unsafe=False)
    assert {f.code for f in lint(out)} == {"TSL203", "TSL405"}
    assert fixed(out, unsafe=False) == out


def test_only_the_edited_lines_change() -> None:
    code = ("import tensorflow as tf\n\n\n\ndef f( a ,b ):   # odd spacing\n"
            "    return tf.random.normal( [a,b] )\n\n"
            "x = [1,\n     2]  # a list\n\nif __name__ == '__main__':\n    f(1, 2)\n")
    out = fixed(code, select=("TSL101",), strict=True)
    before, after = code.splitlines(), out.splitlines()
    assert len(before) == len(after)
    changed = [(b, a) for b, a in zip(before, after) if b != a]
    assert changed == [("    return tf.random.normal( [a,b] )", "    return tf.random.normal( [a,b], seed=42 )")]


def test_noqa_findings_are_not_fixed() -> None:
    code = "import tensorflow as tf\n\nx = tf.random.normal([2])  # noqa: TSL101\n"
    assert fixed(code, select=("TSL101",)) == code


def test_rounds_stop_when_a_fix_does_not_clear_its_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    # A fix whose finding survives is not made twice (no `seed=42, seed=42`).
    code = "import tensorflow as tf\n\nx = tf.random.normal([2])\n"
    real = fixer.lint_source

    def sticky(data: bytes, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        result = real(data.replace(b"seed=42", b"seed=None"), *args, **kwargs)
        return result
    monkeypatch.setattr(fixer, "lint_source", sticky)
    outcome = fix_source(code.encode(), "x.py", replace(CONFIG, select=("TSL101",)))
    assert outcome.error is None
    assert outcome.after.decode().count("seed=") == 1


def test_a_fix_that_breaks_the_code_leaves_the_file_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    code = "import numpy as np\n\nrng = np.random.default_rng()\n"
    monkeypatch.setattr(fixer, "apply_once", lambda module, fixes: SimpleNamespace(code=module.code + "x = (\n"))
    outcome = fix_source(code.encode(), "bad.py", CONFIG)
    assert outcome.error is not None and outcome.error.startswith("bad.py:") and "parse" in outcome.error
    assert not outcome.changed
    monkeypatch.setattr(fixer, "apply_once", lambda module, fixes: SimpleNamespace(
        code=module.code + "f(seed=1, seed=2)\n"))
    outcome = fix_source(code.encode(), "bad.py", CONFIG)
    assert outcome.error is not None and "compile" in outcome.error
    assert [f.code for f in outcome.result.findings] == ["TSL103"]


# ------------------------------------------------------------ files on disk


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: bytes | None = None,
            monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = cli.main(["--isolated", "--no-cache", "--quiet", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_fix_writes_and_second_run_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    code, out, err = run_cli(["--fix", str(script)], capsys)
    assert code == 1
    assert sorted(line.split()[1] for line in out.splitlines()) == ["TSL203", "TSL405"]
    first = script.read_text()
    assert first != TRAIN and "default_rng(42)" in first
    code, out, err = run_cli(["--fix", str(script)], capsys)
    assert script.read_text() == first
    code, out, err = run_cli(["--diff", str(script)], capsys)
    assert (code, out) == (0, "")
    assert [p.name for p in tmp_path.iterdir()] == ["train.py"]  # no temporary file left


def test_diff_writes_nothing_and_shows_the_same_edits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    code, out, err = run_cli(["--diff", "--unsafe-fixes", str(script)], capsys)
    assert code == 1
    assert script.read_text() == TRAIN
    assert out.startswith(f"--- {script}\n+++ {script}\n")
    assert "+tf.keras.utils.set_random_seed(42)\n" in out and "-rng = np.random.default_rng()\n" in out
    assert err == ""  # nothing remains once the unsafe fixes are in
    expected = fixed(TRAIN)
    run_cli(["--fix", "--unsafe-fixes", str(script)], capsys)
    assert script.read_text() == expected


def test_write_keeps_mode_encoding_bom_and_line_endings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    latin = tmp_path / "latin.py"
    latin.write_bytes("# -*- coding: latin-1 -*-\n# café\nimport numpy as np\r\n\r\nrng = np.random.default_rng()\r\n"
                      .encode("latin-1"))
    os.chmod(latin, 0o751)
    bom = tmp_path / "bom.py"
    bom.write_bytes(codecs.BOM_UTF8 + "# ü\r\nimport tensorflow as tf\r\n\r\nx = tf.random.normal([2])\r\n"
                    .encode("utf-8"))
    run_cli(["--fix", str(latin), str(bom)], capsys)
    assert latin.read_bytes() == ("# -*- coding: latin-1 -*-\n# café\nimport numpy as np\r\n\r\n"
                                  "rng = np.random.default_rng(42)\r\n").encode("latin-1")
    assert stat.S_IMODE(latin.stat().st_mode) == 0o751
    assert bom.read_bytes() == codecs.BOM_UTF8 + ("# ü\r\nimport tensorflow as tf\r\n\r\n"
                                                  "tf.keras.utils.set_random_seed(42)\r\n\r\n"
                                                  "x = tf.random.normal([2])\r\n").encode("utf-8")


def test_symlinked_file_is_fixed_through_the_link(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "real.py"
    real.write_text("import numpy as np\n\nrng = np.random.default_rng()\n")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    run_cli(["--fix", str(link)], capsys)
    assert link.is_symlink()
    assert real.read_text() == "import numpy as np\n\nrng = np.random.default_rng(42)\n"


def test_file_changed_since_read_is_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "train.py"
    script.write_text("import numpy as np\n\nrng = np.random.default_rng()\n")
    real = fixer.fix_source

    def edit_meanwhile(data: bytes, path: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        outcome = real(data, path, *args, **kwargs)
        Path(path).write_text("print('edited by someone else')\n")
        return outcome
    monkeypatch.setattr(fixer, "fix_source", edit_meanwhile)
    code, out, err = run_cli(["--fix", str(script)], capsys)
    assert code == 2
    assert f"{script}: changed on disk since it was read; not fixed" in err
    assert script.read_text() == "print('edited by someone else')\n"
    assert [p.name for p in tmp_path.iterdir()] == ["train.py"]


def test_unparsable_fix_is_reported_with_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "train.py"
    original = "import numpy as np\n\nrng = np.random.default_rng()\n"
    script.write_text(original)
    monkeypatch.setattr(fixer, "apply_once", lambda module, fixes: SimpleNamespace(code="x = (\n"))
    code, out, err = run_cli(["--fix", str(script)], capsys)
    assert code == 2 and f"{script}: the fixed code would not parse" in err
    assert script.read_text() == original
    assert "TSL103" in out  # the finding is still reported


def test_stdin_fix_prints_the_fixed_source(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    source = b"import numpy as np\r\n\r\nrng = np.random.default_rng()\r\nx = np.random.rand(2)\r\n"
    code, out, err = run_cli(["--fix", "-"], capsys, stdin=source, monkeypatch=monkeypatch)
    assert out == ("import numpy as np\r\n\r\nnp.random.seed(42)\r\n\r\nrng = np.random.default_rng(42)\r\n"
                   "x = np.random.rand(2)\r\n")
    assert (code, err) == (0, "")
    source += b"import tensorflow as tf\r\ng = tf.random.get_global_generator()\r\n"  # no mechanical fix
    code, out, err = run_cli(["--fix", "-"], capsys, stdin=source, monkeypatch=monkeypatch)
    assert "TSL103" in err and code == 1
    code, out, err = run_cli(["--fix", "-"], capsys, stdin=b"x = 1\n", monkeypatch=monkeypatch)
    assert (code, out) == (0, "x = 1\n")
    code, out, err = run_cli(["--diff", "--stdin-filename", "t.py", "-"], capsys, stdin=source,
                             monkeypatch=monkeypatch)
    assert code == 1 and out.startswith("--- t.py\n+++ t.py\n")


# ------------------------------------------------------------ notebooks


def notebook(cells: list[dict], indent: int | None = 1, newline: bool = True) -> str:
    document = {"cells": cells, "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
                "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(document, indent=indent, ensure_ascii=False) + ("\n" if newline else "")


def code_cell(source: str | list[str], **extra: object) -> dict:
    return {"cell_type": "code", "execution_count": 3, "id": f"id-{abs(hash(str(source))) % 997}",
            "metadata": {"tags": ["x"]}, "outputs": [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}],
            "source": source, **extra}


def test_notebook_is_fixed_in_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cells = [
        {"cell_type": "markdown", "id": "md", "metadata": {}, "source": ["# Título\n", "no seeds"]},
        code_cell(["%matplotlib inline\n", "import numpy as np\n", "import tensorflow as tf"]),
        code_cell("%%time\nrng = np.random.default_rng()\nds = tf.data.Dataset.range(8).shuffle(8)\n"),
        code_cell(["!ls\n", "y = rng.random(2)"]),
        code_cell("%%bash\necho hi\n"),
    ]
    path = tmp_path / "train.ipynb"
    path.write_text(notebook(cells))
    code, out, err = run_cli(["--fix", str(path)], capsys)
    assert (code, out) == (0, "")
    document = json.loads(path.read_text())
    want = json.loads(notebook(cells))
    want["cells"][1]["source"] = ["%matplotlib inline\n", "import numpy as np\n", "import tensorflow as tf\n",
                                  "tf.keras.utils.set_random_seed(42)"]
    want["cells"][2]["source"] = "%%time\nrng = np.random.default_rng(42)\nds = tf.data.Dataset.range(8).shuffle(8)\n"
    assert document == want
    assert path.read_text() == notebook(want["cells"])  # same JSON layout
    run_cli(["--fix", str(path)], capsys)
    assert path.read_text() == notebook(want["cells"])


def test_notebook_layout_and_dedented_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cells = [code_cell("import numpy as np\n"),
             code_cell("    rng = np.random.default_rng()\n    n = 1")]
    path = tmp_path / "nb.ipynb"
    path.write_text(notebook(cells, indent=2, newline=False))
    code, out, err = run_cli(["--diff", str(path)], capsys)
    assert code == 1
    assert out == (f"--- {path}:cell 2\n+++ {path}:cell 2\n@@ -1,2 +1,2 @@\n"
                   "-    rng = np.random.default_rng()\n+    rng = np.random.default_rng(42)\n     n = 1\n"
                   "\\ No newline at end of file\n")
    run_cli(["--fix", str(path)], capsys)
    cells[1]["source"] = "    rng = np.random.default_rng(42)\n    n = 1"
    assert path.read_text() == notebook(cells, indent=2, newline=False)


def test_notebook_edit_refuses_to_touch_magic_lines() -> None:
    from tfseedlint.notebook import NotebookEditError, decode_notebook

    source = decode_notebook(notebook([code_cell("!pip install x\nx = 1\n")]).encode())
    assert source is not None
    with pytest.raises(NotebookEditError):
        source.edit(source.text.replace("\nx = 1", "changed\nx = 1", 1))


def test_apply_once_is_one_pass_over_nested_edits() -> None:
    module = cst.parse_module("import tensorflow as tf\n\nx = tf.random.normal([tf.random.uniform([1])])\n")
    from tfseedlint.engine import lint_source

    result = lint_source(module.code.encode(), "x.py", replace(CONFIG, select=("TSL101",)))
    assert result.module is not None
    fixes = [p.report.fix for p in result.placed]
    assert len(fixes) == 2
    out = apply_once(result.module, fixes).code
    assert out == "import tensorflow as tf\n\nx = tf.random.normal([tf.random.uniform([1], seed=42)], seed=42)\n"


@pytest.mark.parametrize("options,newline", [
    ({"indent": 1, "ensure_ascii": False}, "\n"),
    ({"indent": 4, "ensure_ascii": True}, "\r\n"),
    ({"indent": "\t", "ensure_ascii": False}, "\n"),
    ({"indent": None, "separators": (",", ":")}, ""),
    ({"indent": 2, "separators": (", ", ": "), "sort_keys": True}, "\n"),
])
def test_notebook_json_layout_is_kept(options: dict, newline: str) -> None:
    cell = code_cell("import numpy as np\nrng = np.random.default_rng()  # é")
    text = json.dumps({"nbformat": 4, "cells": [cell], "metadata": {}}, **options)
    raw = (text + "\n").replace("\n", newline) if newline else text
    outcome = fix_source(codecs.BOM_UTF8 + raw.encode("utf-8"), "n.ipynb", CONFIG)
    assert outcome.error is None and outcome.after.startswith(codecs.BOM_UTF8)
    want = raw.replace("default_rng()", "default_rng(42)")
    assert outcome.after[len(codecs.BOM_UTF8):].decode("utf-8") == want

"""Fixing a notebook loses nothing: every line of every cell is kept (IPython
syntax, `%%` cells of other languages, cells without a trailing newline), a
cell without an edit keeps its bytes, and the JSON text changes only on the
edited source lines."""
from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfseedlint import notebook
from tfseedlint.cli import main
from tfseedlint.fixer import fix_source
from tests.helpers import CONFIG, lint

#: Lines a fix may edit, and lines nothing may touch.
FIXABLE = ["ds = tf.data.Dataset.range(10).shuffle(10)", "w = tf.random.uniform([2])",
           "rng = np.random.default_rng()", "layer = tf.keras.layers.Dropout(0.5)"]
PYTHON = ["x = 1", "print(x)", "history", "y = [1,\n     2]", "for i in range(2):\n    z = i",
          "s = '<b>é</b>'", "if x:\n    %time f()", "import tensorflow as tf", "import numpy as np",
          "from keras import layers", "m = layers.Dropout(0.5)"]
IPYTHON = ["%load_ext autoreload", "%autoreload 2", "%matplotlib inline", "!pip install -q thing",
           "!pip install \\\n  --quiet thing", "ds?", "tf.random??", "ls ./data", "files = !ls", "?x"]
FOREIGN = ["%%writefile model.py\nimport tensorflow as tf\nw = tf.random.uniform([2])",
           "%%bash\necho $((1 + 2))\nls", "%%html\n<b>bold</b>", "%%backend\nx = tf.random.uniform([2])"]
MARKDOWN = ["# Title <b>x</b>\n", "Some *text* & more", "é <i>\\u00e9</i>"]


def cell(kind: str, source: str, as_list: bool) -> dict:
    out: dict = {"cell_type": kind, "metadata": {}, "source": source.splitlines(True) if as_list else source}
    if kind == "code":
        out.update(execution_count=None, outputs=[])
    return out


def document(cells: list[dict]) -> dict:
    return {"cells": cells, "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


@st.composite
def code_texts(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 5)) == 0:
        text = draw(st.sampled_from(FOREIGN))
    else:
        lines = draw(st.lists(st.sampled_from(PYTHON + IPYTHON + FIXABLE), min_size=1, max_size=5))
        text = "\n".join(lines)
        if draw(st.integers(0, 5)) == 0:  # IPython removes the first line's indentation
            text = "\n".join("  " + line for line in text.split("\n"))
        if draw(st.integers(0, 6)) == 0:
            text = "%%time\n" + text
    text += "\n" if draw(st.booleans()) else ""
    return text.replace("\n", "\r\n") if draw(st.integers(0, 6)) == 0 else text


@st.composite
def notebooks(draw: st.DrawFn) -> str:
    as_list = draw(st.booleans())
    first = draw(st.sampled_from(["import numpy as np\nimport tensorflow as tf", "import tensorflow as tf\n",
                                  "from keras import layers", None]))
    cells = [cell("code", first, as_list)] if first else []
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.integers(0, 3)) == 0:
            cells.append(cell("markdown", draw(st.sampled_from(MARKDOWN)), as_list))
        else:
            cells.append(cell("code", draw(code_texts()), as_list))
    raw = json.dumps(document(cells), indent=draw(st.sampled_from([1, 2])), ensure_ascii=draw(st.booleans()))
    # Escapes a writer may use that json.dumps does not: they must survive.
    return raw.replace("<", "\\u003c").replace(">", "\\u003e") + ("\n" if draw(st.booleans()) else "")


def bodies(text: str) -> list[str]:
    return [line.rstrip("\r\n") for line in notebook.split_lines(text)]


def is_subsequence(part: list[str], whole: list[str]) -> bool:
    rest = iter(whole)
    return all(line in rest for line in part)


@settings(max_examples=150, deadline=None, database=None, print_blob=True, suppress_health_check=list(HealthCheck))
@given(raw=notebooks())
def test_fixing_a_notebook_keeps_every_line(raw: str) -> None:
    outcome = fix_source(raw.encode(), "nb.ipynb", CONFIG, unsafe=True)
    assert outcome.error is None, outcome.error
    after = outcome.after.decode()
    old_doc, new_doc = json.loads(raw), json.loads(after)
    assert len(old_doc["cells"]) == len(new_doc["cells"])
    changed = set()
    for number, (old, new) in enumerate(zip(old_doc["cells"], new_doc["cells"]), start=1):
        assert {k: v for k, v in old.items() if k != "source"} == {k: v for k, v in new.items() if k != "source"}
        before, now = notebook.cell_text(old), notebook.cell_text(new)
        if before == now:
            continue
        changed.add(number)
        assert old["cell_type"] == "code" and not before.lstrip().startswith(tuple(f[:5] for f in FOREIGN))
        # Every line is still there, in order, but the lines a fix edits.
        assert is_subsequence([b for b in bodies(before) if b.strip() not in FIXABLE], bodies(now)), (before, now)
        removed = [line for tag, i1, i2, _, _ in difflib.SequenceMatcher(
            None, bodies(before), bodies(now), autojunk=False).get_opcodes() if tag != "equal"
            for line in bodies(before)[i1:i2]]
        assert {line.strip() for line in removed} <= set(FIXABLE), (before, now)
        assert before.endswith("\n") == now.endswith("\n")
    assert {k: v for k, v in old_doc.items() if k != "cells"} == {k: v for k, v in new_doc.items() if k != "cells"}
    # The JSON text differs only on source lines of the cells that changed.
    texts = [notebook.cell_text(old_doc["cells"][n - 1]) for n in changed]
    # (a whole source given as one string, a line a fix edits, a last line given
    # its newline, or the comma before a line added after it)
    old_sources = {json.dumps(t) for t in texts}
    for text in texts:
        parts = notebook.split_lines(text)
        old_sources |= {json.dumps(p) for p in parts if p.strip() in FIXABLE} | {json.dumps(parts[-1])}
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, raw.splitlines(), after.splitlines(),
                                                     autojunk=False).get_opcodes():
        for line in raw.splitlines()[i1:i2] if tag != "equal" else []:
            value = re.sub(r'^\s*("source":\s*)?|,$', "", line)
            assert json.dumps(json.loads(value)) in old_sources, line
    # A second run changes nothing.
    again = fix_source(outcome.after, "nb.ipynb", CONFIG, unsafe=True)
    assert again.error is None and again.after == outcome.after


# ------------------------------------------------------------ reported cases


def write(tmp_path: Path, name: str, cells: list[list[str] | str], **dump: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document([cell("code", "", False) | {"source": c} for c in cells]),
                               **{"indent": 1, **dump}) + "\n")
    return path


def run(*args: str) -> int:
    return main([*args, "--no-cache"])


def test_last_ipython_line_without_newline_is_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cells: list[list[str] | str] = [
        ["%load_ext autoreload\n", "%autoreload 2"], ["import tensorflow as tf"],
        ["ds = tf.data.Dataset.range(10).shuffle(10)"], ["ds.take(1)\n", "ds?"],
        ["history = 1\n", "history"], ["!pip install \\\n", "  --quiet thing"],
        ["%%writefile a.py\n", "print(1)"], ["%%bash\n", "echo hi"], ["%%backend\n", "x = tf.constant(1)"]]
    path = write(tmp_path, "nb.ipynb", cells)
    assert run("--diff", str(path)) == 1
    out = capsys.readouterr().out
    assert out.count("\n-") == 1 and "\n-import tensorflow as tf\n" in out, out  # the only line edited
    for _ in range(2):
        run("--fix", str(path))
        sources = [c["source"] for c in json.loads(path.read_text())["cells"]]
        assert sources[1] == ["import tensorflow as tf\n", "tf.keras.utils.set_random_seed(42)"]
        assert [s for n, s in enumerate(sources) if n != 1] == [c for n, c in enumerate(cells) if n != 1]


def test_json_escapes_and_layout_of_other_lines_are_kept(tmp_path: Path) -> None:
    cells = [cell("markdown", "<b>é</b> & more\n", True),
             cell("code", "import tensorflow as tf\ns = '<b>'\nw = tf.random.uniform([2])", True)]
    raw = json.dumps(document(cells), indent=2, ensure_ascii=False).replace("<", "\\u003c")
    path = tmp_path / "nb.ipynb"
    path.write_text(raw)  # and no newline at the end
    run("--fix", str(path))
    new = path.read_text()
    edits = [line[:1] + line[2:] for line in difflib.ndiff(raw.splitlines(), new.splitlines()) if line[:1] in "+-"]
    assert edits == ['+        "tf.keras.utils.set_random_seed(42)\\n",'], edits
    assert new.count("\\u003cb>") == 2 and "é" in new and not new.endswith("\n")


@pytest.mark.parametrize("line", ["\x0c", "\\", "  \\"])
def test_form_feed_or_backslash_line_next_to_an_insert_is_not_repeated(line: str) -> None:
    code = f"import tensorflow as tf\n{line}\n\nx = tf.random.uniform([2])\n"
    outcome = fix_source(code.encode(), "x.py", CONFIG, unsafe=True)
    assert outcome.error is None and outcome.text.count(f"\n{line}\n") == 1, outcome.text
    cells = [f"import tensorflow as tf\n{line}\n", "\nx = tf.random.uniform([2])"]
    raw = json.dumps(document([cell("code", c, True) for c in cells]), indent=1)
    fixed = fix_source(raw.encode(), "nb.ipynb", CONFIG, unsafe=True)
    texts = [notebook.cell_text(c) for c in json.loads(fixed.after)["cells"]]
    assert fixed.error is None and "".join(texts).count(f"\n{line}\n") == 1, texts


def test_new_line_goes_past_cells_of_other_languages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "nb.ipynb", ["%%writefile a.py\nprint(1)",
                                        "from keras import layers\nm = layers.Dropout(0.5)"])
    assert run("--fix", str(path)) == 0
    sources = [c["source"] for c in json.loads(path.read_text())["cells"]]
    assert sources[0] == "%%writefile a.py\nprint(1)" and "keras.utils.set_random_seed(42)" in sources[1]


def test_unplaceable_line_is_reported_on_its_file_and_the_run_goes_on(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notebook._Edit, "_can_take", lambda self, cell, k: False)
    path = write(tmp_path, "nb.ipynb", ["import numpy as np\nimport tensorflow as tf\n"
                                        "rng = np.random.default_rng()\nw = tf.random.uniform([2])"])
    script = tmp_path / "a.py"
    script.write_text("import numpy as np\nrng = np.random.default_rng()\n")
    assert run("--fix", str(path), str(script)) == 0  # the per-call seeds were enough
    err = capsys.readouterr().err
    assert f"tfseedlint: warning: {path}: cannot place a new line in the notebook" in err and "error" not in err
    fixed = path.read_text()
    assert "default_rng(42)" in fixed and "uniform([2], seed=42)" in fixed and "set_random_seed" not in fixed
    assert script.read_text() == "import numpy as np\nrng = np.random.default_rng(42)\n"


def test_only_the_first_lines_indentation_is_removed_like_ipython() -> None:
    cells = [" x = [1,\n      2]\nprint(x)", " import numpy as np\na = np.random.rand(2)\n b = np.random.rand(2)"]
    raw = json.dumps(document([cell("code", c, False) for c in cells]))
    assert [(f.cell, f.line, f.col, f.code) for f in lint(raw, "nb.ipynb")] == [
        (2, 2, 5, "TSL102"), (2, 3, 6, "TSL102")]


@settings(max_examples=200, deadline=None, database=None)
@given(old=st.lists(st.sampled_from("abcd"), max_size=12), new=st.lists(st.sampled_from("abcde"), max_size=12))
def test_changes_are_a_shortest_edit_script(old: list[str], new: list[str]) -> None:
    out, at = [], 0
    for i1, i2, j1, j2 in notebook.changes(old, new):
        assert at <= i1 <= i2
        out += old[at:i1] + new[j1:j2]
        at = i2
    assert out + old[at:] == new
    common = [[0] * (len(new) + 1) for _ in range(len(old) + 1)]
    for i, a in enumerate(old):
        for j, b in enumerate(new):
            common[i + 1][j + 1] = common[i][j] + 1 if a == b else max(common[i][j + 1], common[i + 1][j])
    assert len(old) - sum(i2 - i1 for i1, i2, _, _ in notebook.changes(old, new)) == common[-1][-1]


def test_identical_cells_are_each_fixed_in_place() -> None:
    text = "  import tensorflow as tf\n  import numpy as np\n  ds = tf.data.Dataset.range(10).shuffle(10)\n" \
           "  rng = np.random.default_rng()"
    raw = json.dumps(document([cell("code", text, False), cell("code", text, False)]))
    outcome = fix_source(raw.encode(), "nb.ipynb", CONFIG, unsafe=True)
    first, second = (c["source"] for c in json.loads(outcome.after)["cells"])
    assert outcome.error is None and second == text.replace("default_rng()", "default_rng(42)")
    assert first == text.replace("np\n", "np\n  tf.keras.utils.set_random_seed(42)\n").replace("rng()", "rng(42)")

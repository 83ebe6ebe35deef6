"""The flake8 plugin, run by the real flake8 (`python -m flake8`) and
compared with `tfseedlint` on the same files."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("flake8", reason="flake8 is not installed")

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>TSL\d{3}) (?P<message>.*)$")

ENTRY = """\
import numpy as np
import tensorflow as tf

x = tf.random.uniform([3])
y = np.random.rand(3)  # noqa
z = tf.random.normal([2])  # noqa: TSL101
w = tf.random.normal([2])  # noqa:TSL4
v = tf.random.normal([2])  # NOQA: TSL101,TSL401
rng = np.random.default_rng()
é = "é"; u = tf.random.uniform([1])
t = tf.random.uniform(
    [3],
)
"""

HELPER = """\
import keras


def seed_everything(seed):
    keras.utils.set_random_seed(seed)
"""

SEEDED_BY_HELPER = """\
import tensorflow as tf
from pkg.seeding import seed_everything

seed_everything(1)
x = tf.random.uniform([3])
ds = tf.data.Dataset.range(3).map(lambda x: x, deterministic=False)
"""

#: Columns count characters, whatever the file's encoding.
LATIN_1 = ('# -*- coding: latin-1 -*-\nimport tensorflow as tf\n\n'
           'é = "ñ"; x = tf.random.uniform([1])\n').encode("latin-1")

LIBRARY = """\
import numpy as np
import tensorflow as tf


def augment(x):
    return tf.image.random_flip_left_right(x)


def make_rng():
    return np.random.RandomState()
"""


def tool(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if args[0] == "tfseedlint":
        args = (args[0], "--quiet", *args[1:])  # the findings, not the summary lines
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=300, check=False)


def flake8(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    # --isolated: no flake8 settings of the machine or the user leak in.
    return tool("flake8", "--isolated", "--select", "TSL", *args, cwd=cwd, stdin=stdin)


def findings(output: str) -> set[tuple[str, int, int, str, str]]:
    out = set()
    for line in output.splitlines():
        match = LINE.match(line)
        assert match, f"not a finding line: {line!r}"
        path = match["path"].removeprefix("./")
        out.add((path, int(match["line"]), int(match["col"]), match["code"], match["message"]))
    return out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.tfseedlint]\nignore = ["TSL402"]\n'
        'per-file-ignores = { "pkg/library.py" = ["TSL103"] }\n')
    (tmp_path / "entry.py").write_text(ENTRY, encoding="utf-8")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "seeding.py").write_text(HELPER)
    (pkg / "library.py").write_text(LIBRARY)
    (tmp_path / "main.py").write_text(SEEDED_BY_HELPER)
    (tmp_path / "silenced.py").write_text("# tfseedlint: noqa\n" + ENTRY, encoding="utf-8")
    (tmp_path / "latin.py").write_bytes(LATIN_1)
    # A nested project with settings of its own: the nearest ones apply.
    nested = tmp_path / "nested"
    nested.mkdir()
    (nested / "pyproject.toml").write_text('[tool.tfseedlint]\nignore = ["TSL401"]\n')
    (nested / "script.py").write_text(ENTRY, encoding="utf-8")
    return tmp_path


def test_same_findings_as_tfseedlint(project: Path) -> None:
    theirs = flake8(".", cwd=project)
    assert theirs.returncode == 1, theirs.stderr
    # The plugin takes each file's nearest settings, as `tfseedlint FILE`
    # does; one `tfseedlint` run uses the settings of its first path, so the
    # nested project gets a run of its own.
    ours: set[tuple[str, int, int, str, str]] = set()
    files = sorted(str(p.relative_to(project)) for p in project.rglob("*.py"))
    for group in ([f for f in files if not f.startswith("nested")], [f for f in files if f.startswith("nested")]):
        done = tool("tfseedlint", *group, cwd=project)
        assert done.returncode == 1, done.stderr
        ours |= findings(done.stdout)
    assert findings(theirs.stdout) == ours
    got = {(path, line, col, code) for path, line, col, code, _ in findings(theirs.stdout)}
    # Not vacuous: what each setting and suppression should leave.
    assert got >= {
        ("entry.py", 4, 5, "TSL101"), ("entry.py", 4, 5, "TSL401"),
        ("entry.py", 7, 5, "TSL101"),  # `noqa:TSL4` suppresses only the TSL4 codes
        ("entry.py", 9, 7, "TSL103"),
        ("entry.py", 10, 14, "TSL101"),  # columns count characters, as in tfseedlint
        ("entry.py", 11, 5, "TSL101"),
        ("main.py", 6, 48, "TSL203"),
        ("nested/script.py", 4, 5, "TSL101"),
        ("latin.py", 4, 14, "TSL101"),
    }
    assert not {f for f in got if f[0] == "entry.py" and f[1] in (5, 6, 8)}  # the noqa comments
    assert not {f for f in got if f[0] == "silenced.py"}  # the file-wide noqa line
    assert not {f for f in got if f[0] == "main.py" and f[3] != "TSL203"}  # seeded by a helper
    assert ("pkg/library.py", 10, 12, "TSL103") not in got  # per-file-ignores of [tool.tfseedlint]
    assert not {f for f in got if f[0] == "nested/script.py" and f[3] == "TSL401"}  # nearest settings


def test_flake8_applies_noqa_itself(project: Path) -> None:
    """The plugin leaves `# noqa` to flake8 (so it is applied once, by
    flake8's rules): `--disable-noqa` shows what the comments hide."""
    shown = findings(flake8("--disable-noqa", "entry.py", cwd=project).stdout)
    hidden = findings(flake8("entry.py", cwd=project).stdout)
    assert {(line, code) for _, line, _, code, _ in shown - hidden} == {
        (5, "TSL102"), (6, "TSL101"), (8, "TSL101")}


def test_flake8_per_file_ignores_and_select(project: Path) -> None:
    done = flake8("--per-file-ignores=entry.py:TSL101 nested/*:TSL", ".", cwd=project)
    got = {(path, code) for path, _, _, code, _ in findings(done.stdout)}
    assert ("entry.py", "TSL101") not in got and ("entry.py", "TSL103") in got
    assert ("main.py", "TSL203") in got
    assert not {p for p, _ in got if p.startswith("nested/")}
    only = flake8("--select", "TSL103", ".", cwd=project)
    assert {code for _, _, _, code, _ in findings(only.stdout)} == {"TSL103"}


def test_stdin_display_name_picks_settings(project: Path) -> None:
    """Editors pipe the buffer: the settings are those of the name given."""
    done = flake8("--stdin-display-name", "nested/script.py", "-", cwd=project, stdin=ENTRY)
    got = findings(done.stdout)
    assert got and all(path == "nested/script.py" for path, *_ in got)
    assert "TSL401" not in {code for *_, code, _ in got}
    ours = tool("tfseedlint", "-", "--stdin-filename", "nested/script.py", cwd=project, stdin=ENTRY)
    assert findings(ours.stdout) == got


def test_broken_settings_stop_flake8_with_the_key_named(project: Path) -> None:
    (project / "nested" / "pyproject.toml").write_text('[tool.tfseedlint]\nignore = ["TSL999"]\n')
    done = flake8("nested/script.py", cwd=project)
    assert done.returncode != 0
    assert "tool.tfseedlint.ignore" in done.stdout + done.stderr and "TSL999" in done.stdout + done.stderr


def test_notebook_named_to_flake8_gets_no_wrong_lines(project: Path) -> None:
    """flake8 would hand over a notebook's JSON (valid Python, as it happens):
    findings with cell-relative lines would point at the wrong JSON lines."""
    (project / "nb.ipynb").write_text(json.dumps({
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                   "source": "import tensorflow as tf\nx = tf.random.uniform([3])\n"}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    done = flake8("nb.ipynb", cwd=project)
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    assert "nb.ipynb:cell 1:2:5: TSL101" in tool("tfseedlint", "nb.ipynb", cwd=project).stdout


def test_plugin_is_registered_under_tsl() -> None:
    done = tool("flake8", "--version", cwd=ROOT)
    assert "tfseedlint:" in done.stdout
    from importlib.metadata import entry_points

    (entry,) = [e for e in entry_points(group="flake8.extension") if e.name == "TSL"]
    assert entry.value == "tfseedlint.flake8_plugin:Plugin"


def test_settings_and_project_index_are_built_once_per_directory(project: Path) -> None:
    import ast

    from tfseedlint import flake8_plugin

    flake8_plugin._settings_file.cache_clear()
    flake8_plugin._settings.cache_clear()
    plugins = [flake8_plugin.Plugin(ast.parse(""), str(project / name), [])
               for name in ("entry.py", "main.py", "pkg/library.py", "pkg/seeding.py")]
    assert len({id(p.config) for p in plugins}) == 1
    assert len({id(p.projects) for p in plugins}) == 1
    assert flake8_plugin._settings_file.cache_info().misses == 2  # the project and pkg/
    assert flake8_plugin._settings.cache_info().misses == 1
    # The index of the project's seed helpers is shared as well.
    lines = SEEDED_BY_HELPER.splitlines(keepends=True)
    first = list(flake8_plugin.Plugin(ast.parse(SEEDED_BY_HELPER), str(project / "main.py"), lines).run())
    index, _ = plugins[0].projects.for_file(project / "main.py")
    assert index._table is not None  # built by the first file ...
    again = list(flake8_plugin.Plugin(ast.parse(SEEDED_BY_HELPER), str(project / "main.py"), lines).run())
    assert plugins[0].projects.for_file(project / "main.py")[0] is index  # ... and reused
    assert [text.split()[0] for _, _, text, _ in first] == ["TSL203"] and first == again


def test_json_positions_match_flake8_columns(project: Path) -> None:
    """flake8's columns are tfseedlint's (1-based, characters)."""
    ours = json.loads(tool("tfseedlint", "--format", "json", "entry.py", cwd=project).stdout)
    theirs = findings(flake8("entry.py", cwd=project).stdout)
    assert {(f["line"], f["column"], f["code"]) for f in ours} == {
        (line, col, code) for _, line, col, code, _ in theirs}


NOQA_COMMENTS = ["# noqa", "# NOQA", "# noqa:TSL101", "# noqa: TSL101", "# noqa: TSL1", "# noqa: TSL4",
                 "# noqa: TSL", "# noqa : TSL401", "# noqa: TSL401,TSL101", "# noqa: TSL401 TSL101",
                 "# noqa: E501", "# noqa: E501,TSL1", "# type: ignore # noqa: TSL101",
                 "#noqa", "#  noqa", "# noqa: tsl101"]


@pytest.mark.parametrize("comment", NOQA_COMMENTS)
def test_noqa_semantics_are_flake8s(comment: str) -> None:
    """tfseedlint's `# noqa` decides as flake8's own implementation does."""
    from flake8.violation import Violation

    from tfseedlint.engine import suppressed

    line = f"x = tf.random.uniform([3])  {comment}\n"
    for code in ("TSL101", "TSL401"):
        assert suppressed(line, code) == Violation(code, "a.py", 1, 1, "m", line).is_inline_ignored(False)


def test_defuse_noqa_keeps_offsets_and_the_file_comment() -> None:
    from tfseedlint.flake8_plugin import defuse_noqa

    text = "# tfseedlint: noqa\nx = f()  # NOQA: TSL101\ny = g()  #noqa\ns = '# noqa'\n"
    defused = defuse_noqa(text)
    assert len(defused) == len(text) and defused.splitlines()[0] == "# tfseedlint: noqa"
    assert "noqa" not in defused.lower().replace("tfseedlint: noqa", "")


def test_project_functions_across_files(tmp_path: Path) -> None:
    """A script whose model and data come from other modules of the project:
    the plugin, run on that file alone, finds what `tfseedlint` finds."""
    from tests.test_project import PACKAGE, build, wanted

    root = build(tmp_path, PACKAGE)
    theirs = flake8("shop/train.py", cwd=root)
    assert {(path, line, code) for path, line, _, code, _ in findings(theirs.stdout)} == wanted(
        PACKAGE, "shop/train.py")
    assert findings(theirs.stdout) == findings(tool("tfseedlint", "--quiet", "shop/train.py", cwd=root).stdout)

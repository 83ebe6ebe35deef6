"""The command line end to end, as users run it (in-process `main`)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tfseedlint.cli import main
from tfseedlint.codes import RULES

UNSEEDED = "import numpy as np\n\nx = np.random.rand(3)\n"


def run(capsys, *args: str) -> tuple[int, str, str]:
    """`main(args)`; lint runs get `--quiet` (findings without the summary)."""
    quiet = [] if args and args[0] in ("rules", "explain", "rule") else ["--quiet"]
    code = main([*quiet, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    return tmp_path


def test_exit_codes_and_flake8_lines(project: Path, capsys) -> None:
    (project / "bad.py").write_text(UNSEEDED)
    (project / "good.py").write_text("import numpy as np\n\nrng = np.random.default_rng(1)\n")
    code, out, _ = run(capsys, "bad.py", "good.py")
    assert code == 1
    assert out.splitlines() == ["bad.py:3:5: TSL102 " + out.split("TSL102 ", 1)[1].splitlines()[0]]
    assert run(capsys, "good.py")[0] == 0


def test_directory_walk_sorts_by_path_line_column_code(project: Path, capsys) -> None:
    (project / "pkg").mkdir()
    (project / "pkg" / "b.py").write_text(UNSEEDED)
    (project / "pkg" / "a.py").write_text("import tensorflow as tf\n\nx = tf.random.normal([2])\n")
    (project / ".venv").mkdir()
    (project / ".venv" / "pyvenv.cfg").write_text("")
    (project / ".venv" / "c.py").write_text(UNSEEDED)
    code, out, _ = run(capsys, ".")
    assert code == 1
    locations = [line.split(" ")[0] + line.split(" ")[1] for line in out.splitlines()]
    assert locations == ["pkg/a.py:3:5:TSL101", "pkg/a.py:3:5:TSL401", "pkg/b.py:3:5:TSL102"]


def test_select_ignore_and_extend_select(project: Path, capsys) -> None:
    (project / "a.py").write_text("import tensorflow as tf\n\nx = tf.random.normal([2])\n")
    assert [l.split()[1] for l in run(capsys, "--select", "TSL4", "a.py")[1].splitlines()] == ["TSL401"]
    assert [l.split()[1] for l in run(capsys, "--ignore", "TSL401", "a.py")[1].splitlines()] == ["TSL101"]
    out = run(capsys, "--select", "TSL4", "--extend-select", "TSL101", "a.py")[1]
    assert [l.split()[1] for l in out.splitlines()] == ["TSL101", "TSL401"]


def test_noqa_forms(project: Path, capsys) -> None:
    (project / "a.py").write_text(
        "import numpy as np\n\n"
        "a = np.random.rand(1)  # noqa\n"
        "b = np.random.rand(1)  # noqa: TSL102\n"
        "c = np.random.rand(1)  # noqa:TSL1\n"
        "d = np.random.rand(1)  # noqa: TSL101\n"
        "e = np.random.rand(1)  # NOQA: TSL999,TSL102\n")
    out = run(capsys, "a.py")[1]
    assert [l.split(":")[1] for l in out.splitlines()] == ["6"]
    (project / "b.py").write_text("# tfseedlint: noqa\n" + UNSEEDED)
    assert run(capsys, "b.py")[0] == 0


def test_config_file_and_per_file_ignores(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.tfseedlint]\nignore = ['TSL401']\nper-file-ignores = { 'scripts/*' = ['TSL1'] }\n")
    (project / "scripts").mkdir()
    (project / "scripts" / "s.py").write_text(UNSEEDED)
    (project / "t.py").write_text("import tensorflow as tf\n\nx = tf.random.normal([2])\n")
    out = run(capsys, ".")[1]
    assert [l.split(" ")[1] for l in out.splitlines()] == ["TSL101"]
    assert run(capsys, "--isolated", "scripts/s.py")[0] == 1


def test_broken_config_and_unknown_code_exit_2(project: Path, capsys) -> None:
    (project / "a.py").write_text(UNSEEDED)
    (project / "pyproject.toml").write_text("[tool.tfseedlint\nselect = [")
    code, out, err = run(capsys, "a.py")
    assert code == 2 and "pyproject.toml" in err and out == ""
    (project / "pyproject.toml").write_text("[tool.tfseedlint]\nselect = ['TSL999']\n")
    code, _, err = run(capsys, "a.py")
    assert code == 2 and "TSL999" in err
    (project / "pyproject.toml").write_text("")
    code, _, err = run(capsys, "--select", "XYZ1", "a.py")
    assert code == 2 and "XYZ1" in err


def test_syntax_error_is_tsl001_and_other_files_still_linted(project: Path, capsys) -> None:
    (project / "a.py").write_text("def f(:\n    pass\n")
    (project / "b.py").write_bytes(b"x = 1\x00\n")
    (project / "c.py").write_bytes(b"# -*- coding: utf-8 -*-\nx = '\xff'\n")
    (project / "d.py").write_text(UNSEEDED)
    code, out, _ = run(capsys, ".")
    codes = [(l.split(":")[0], l.split(" ")[1]) for l in out.splitlines()]
    assert code == 1
    assert codes == [("a.py", "TSL001"), ("b.py", "TSL001"), ("c.py", "TSL001"), ("d.py", "TSL102")]
    assert out.startswith("a.py:1:7: TSL001")


def test_missing_path_is_an_error_but_others_are_linted(project: Path, capsys) -> None:
    (project / "a.py").write_text(UNSEEDED)
    code, out, err = run(capsys, "a.py", "nope.py")
    assert code == 2
    assert "a.py:3:5: TSL102" in out
    assert "nope.py" in err


def test_notebook_positions_are_cell_relative(project: Path, capsys) -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# title"},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["%matplotlib inline\n", "import numpy as np\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": "!ls\nfor i in range(2):\n    !echo hi\n    x = np.random.rand(2)\n"},
    ]
    (project / "nb.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                                  "nbformat_minor": 5}))
    out = run(capsys, "nb.ipynb")[1]
    assert out.splitlines()[0].startswith("nb.ipynb:cell 3:4:9: TSL102")


def test_non_python_notebook_is_skipped(project: Path, capsys) -> None:
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": "x <- runif(3)"}],
          "metadata": {"kernelspec": {"language": "R", "name": "ir"}}, "nbformat": 4, "nbformat_minor": 5}
    (project / "r.ipynb").write_text(json.dumps(nb))
    assert run(capsys, "r.ipynb")[0] == 0


def test_formats_and_statistics(project: Path, capsys) -> None:
    (project / "a.py").write_text(UNSEEDED + "y = np.random.randn(2)\n")
    data = json.loads(run(capsys, "--format", "json", "a.py")[1])
    assert [(d["line"], d["column"], d["code"], d["name"]) for d in data] == [
        (3, 5, "TSL102", "unseeded-numpy-global-random"), (4, 5, "TSL102", "unseeded-numpy-global-random")]
    out = run(capsys, "--format", "github", "a.py")[1]
    assert out.splitlines()[0].startswith("::warning file=a.py,line=3,col=5,title=TSL102")
    out = run(capsys, "--statistics", "a.py")[1]
    assert out.splitlines()[-1].split() == ["2", "TSL102", "unseeded-numpy-global-random"]


def test_rules_and_explain(capsys) -> None:
    code, out, _ = run(capsys, "rules")
    assert code == 0 and len(out.splitlines()) == len(RULES) and out.splitlines()[0].startswith("TSL001")
    code, out, _ = run(capsys, "explain", "tsl404")
    assert code == 0 and out.startswith("# TSL404 tf-seed-misses-keras") and "## Why is this bad?" in out
    assert run(capsys, "explain", "TSL999")[0] == 2


def test_stdin(project: Path, capsys, monkeypatch) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(UNSEEDED.encode())))
    code, out, _ = run(capsys, "-", "--stdin-filename", "src/x.py")
    assert code == 1 and out.startswith("src/x.py:3:5: TSL102")

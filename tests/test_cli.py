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


# -- ruff's command-line shape -----------------------------------------------------


def loud(capsys, *args: str) -> tuple[int, str, str]:
    """`main(args)` as a user types it (summary lines included)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_is_the_explicit_default_command(project: Path, capsys) -> None:
    (project / "a.py").write_text(UNSEEDED)
    assert loud(capsys, "check", "a.py") == loud(capsys, "a.py")
    code, out, err = loud(capsys, "check")
    assert code == 1 and "a.py:3:5: TSL102" in out and "No such file" not in err


def test_help_lists_the_commands_and_exits_0(capsys) -> None:
    code, out, _ = loud(capsys, "--help")
    assert code == 0
    for command in ("check [PATH ...]", "rules [PREFIX ...]", "explain CODE", "probe", "lsp"):
        assert command in out
    assert loud(capsys, "check", "--help")[1] == out
    code, out, _ = loud(capsys, "rules", "--help")
    assert code == 0 and out.startswith("usage: tfseedlint rules") and "TSL101" not in out
    code, out, _ = loud(capsys, "explain", "--help")
    assert code == 0 and out.startswith("usage: tfseedlint explain") and "unknown rule code" not in out


def test_rules_filter_and_json(capsys) -> None:
    code, out, _ = loud(capsys, "rules", "TSL1")
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == [
        "TSL101", "TSL102", "TSL103", "TSL104", "TSL105"]
    records = json.loads(loud(capsys, "rules", "--output-format", "json", "tsl40")[1])
    assert [(r["code"], r["fix"]) for r in records] == [
        ("TSL401", "safe"), ("TSL402", None), ("TSL403", None), ("TSL404", "safe"), ("TSL405", "unsafe")]
    code, out, err = loud(capsys, "rules", "TSL9")
    assert (code, out) == (2, "") and len(err.splitlines()) == 1


def test_explain_says_fix_safety_once_and_hides_test_markers(capsys) -> None:
    code, out, _ = loud(capsys, "explain", "TSL201")
    assert code == 0
    assert out.count("## Fix safety") == 1 and "Fix: " not in out
    assert "# expect:" not in out and "shuffle(9)" in out
    assert loud(capsys, "rule", "tsl201")[1] == out  # ruff's spelling


@pytest.mark.parametrize(("argv", "needle"), [
    (["--select", ""], "--select: no rule code given"),
    (["--ignore", ","], "--ignore: no rule code given"),
    (["--jobs", "0"], "--jobs"),
    (["--jobs", "-3"], "--jobs"),
    (["--stdin-filename", "x.py", "a.py"], "--stdin-filename"),
    (["-", "a.py"], "`-` (standard input) cannot be combined"),
    (["--output-format", "xml"], "unknown output format 'xml'"),
    (["--per-file-ignores", "nocodes"], "GLOB:CODE"),
    (["--add-noqa", "--fix"], "--add-noqa"),
    (["--no-such-flag"], "unrecognized arguments"),
    (["explain"], "CODE"),
    (["explain", "TSL999"], "unknown rule code 'TSL999'"),
])
def test_usage_errors_are_one_line_with_exit_2(project: Path, capsys, argv: list[str], needle: str) -> None:
    (project / "a.py").write_text(UNSEEDED)
    code, out, err = loud(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("tfseedlint: error: ") and needle in err


def test_environment_format_is_checked(project: Path, capsys, monkeypatch) -> None:
    (project / "a.py").write_text(UNSEEDED)
    monkeypatch.setenv("TFSEEDLINT_OUTPUT_FORMAT", "json")
    assert json.loads(loud(capsys, "a.py")[1])[0]["code"] == "TSL102"
    monkeypatch.setenv("TFSEEDLINT_OUTPUT_FORMAT", "yaml")
    code, _, err = loud(capsys, "a.py")
    assert code == 2 and "TFSEEDLINT_OUTPUT_FORMAT" in err


def test_output_format_setting(project: Path, capsys) -> None:
    (project / "a.py").write_text(UNSEEDED)
    (project / "pyproject.toml").write_text("[tool.tfseedlint]\noutput-format = 'grouped'\n")
    assert loud(capsys, "a.py")[1].startswith("a.py:\n  3:5 TSL102 ")
    assert loud(capsys, "--output-format", "concise", "a.py")[1].startswith("a.py:3:5: TSL102 ")
    (project / "pyproject.toml").write_text("[tool.tfseedlint]\noutput-format = 'yaml'\n")
    code, _, err = loud(capsys, "a.py")
    assert code == 2 and "output-format" in err


def test_stdin_filename_alone_reads_stdin(project: Path, capsys, monkeypatch) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(UNSEEDED.encode())))
    code, out, _ = loud(capsys, "--stdin-filename", "src/x.py", "-q")
    assert code == 1 and out.startswith("src/x.py:3:5: TSL102")


def test_no_files_found_says_so(project: Path, capsys) -> None:
    (project / "empty").mkdir()
    (project / "empty" / "notes.txt").write_text("x")
    code, out, err = loud(capsys, "empty")
    assert (code, out) == (0, "")
    assert err == "tfseedlint: warning: no Python files (*.py, *.ipynb) found under empty\n"
    assert loud(capsys, "--silent", "empty")[2] == ""
    code, _, err = loud(capsys, "missing.py")
    assert code == 2 and err == "tfseedlint: error: missing.py: No such file or directory\n"


def test_summaries(project: Path, capsys) -> None:
    (project / "a.py").write_text("import tensorflow as tf\n\nds = tf.data.Dataset.range(3).shuffle(3)\n"
                                  "x = tf.data.Dataset.range(3).interleave(len, deterministic=False)\n")
    code, out, err = loud(capsys, "a.py")
    assert out.splitlines()[-2:] == ["Found 3 problems.", "[*] 2 fixable with --fix (1 more with --unsafe-fixes)."]
    assert loud(capsys, "--unsafe-fixes", "a.py")[1].splitlines()[-1] == "[*] 3 fixable with --fix."
    code, out, err = loud(capsys, "--output-format", "json", "a.py")
    assert "Found" not in out and err.splitlines() == [
        "Found 3 problems.", "[*] 2 fixable with --fix (1 more with --unsafe-fixes)."]
    (project / "ok.py").write_text("x = 1\n")
    assert loud(capsys, "ok.py") == (0, "All checks passed!\n", "")
    code, out, err = loud(capsys, "--fix", "--unsafe-fixes", "a.py")
    assert out == "Found 3 problems (3 fixed, 0 remaining).\n" and code == 0


def test_quiet_and_silent(project: Path, capsys) -> None:
    (project / "a.py").write_text(UNSEEDED)
    code, out, err = loud(capsys, "-q", "a.py")
    assert code == 1 and out.splitlines() == [out.splitlines()[0]] and err == ""
    assert loud(capsys, "--silent", "a.py") == (1, "", "")
    assert loud(capsys, "-s", "--statistics", "a.py") == (1, "", "")


def test_exit_non_zero_on_fix_and_exit_zero(project: Path, capsys) -> None:
    (project / "a.py").write_text("import numpy as np\n\nrng = np.random.default_rng()\n")
    assert loud(capsys, "--fix", "--exit-non-zero-on-fix", "-q", "a.py")[0] == 1
    assert loud(capsys, "--fix", "--exit-non-zero-on-fix", "-q", "a.py")[0] == 0  # nothing left to fix
    (project / "b.py").write_text(UNSEEDED)
    assert loud(capsys, "--exit-zero", "-q", "b.py")[0] == 0


def test_show_settings_and_show_files(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text("[tool.tfseedlint]\nignore = ['TSL402']\nseed = 7\n")
    (project / "pkg").mkdir()
    (project / "pkg" / "a.py").write_text(UNSEEDED)
    (project / "pkg" / "b.ipynb").write_text("{}")
    (project / "pkg" / "notes.txt").write_text("")
    code, out, _ = loud(capsys, "--show-files", ".")
    assert (code, out.splitlines()) == (0, ["pkg/a.py", "pkg/b.ipynb"])
    code, out, _ = loud(capsys, "--show-settings", "--extend-ignore", "TSL403", ".")
    assert code == 0
    assert f"# settings file: {project / 'pyproject.toml'}" in out
    assert 'ignore = ["TSL402", "TSL403"]' in out and "seed = 7" in out and "# files to lint: 2" in out
    tomllib = pytest.importorskip("tomllib")
    assert tomllib.loads(out)["tool"]["tfseedlint"]["per-file-ignores"] == {}  # it is TOML


def test_exclude_extend_exclude_and_per_file_ignores_flags(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text("[tool.tfseedlint]\nexclude = ['gen']\n")
    for name in ("gen/a.py", "vendor/b.py", "tests/test_c.py", "d.py"):
        (project / name).parent.mkdir(exist_ok=True)
        (project / name).write_text(UNSEEDED)
    files = lambda *a: loud(capsys, "--show-files", *a, ".")[1].splitlines()  # noqa: E731
    assert files() == ["d.py", "tests/test_c.py", "vendor/b.py"]
    assert files("--extend-exclude", "vendor") == ["d.py", "tests/test_c.py"]
    assert files("--exclude", "vendor,tests") == ["d.py", "gen/a.py"]  # replaces the configured exclude
    out = loud(capsys, "-q", "--per-file-ignores", "tests/*:TSL1 vendor/*:TSL102", ".")[1]
    assert [line.split(":")[0] for line in out.splitlines()] == ["d.py"]
    (project / "pyproject.toml").write_text("[tool.tfseedlint]\nper-file-ignores = { 'tests/*' = ['TSL1'] }\n")
    out = loud(capsys, "-q", "--extend-per-file-ignores", "vendor/*:TSL1", ".")[1]
    assert [line.split(":")[0] for line in out.splitlines()] == ["d.py", "gen/a.py"]


def test_add_noqa(project: Path, capsys) -> None:
    source = ("import numpy as np\r\n\r\n"
              "a = np.random.rand(1)  # keep this comment\r\n"
              "b = np.random.rand(1)  # noqa: E501\r\n"
              "c = np.random.rand(\r\n    1)\r\n"
              "s = f'''{np.random.rand(1)}\r\n'''\r\n")
    (project / "a.py").write_bytes(source.encode())
    code, out, err = loud(capsys, "--add-noqa", "a.py")
    assert code == 0 and out == ""
    assert "Added 3 noqa directives." in err and "a.py:7: the line continues" in err
    assert (project / "a.py").read_bytes().decode() == (
        "import numpy as np\r\n\r\n"
        "a = np.random.rand(1)  # keep this comment  # noqa: TSL102\r\n"
        "b = np.random.rand(1)  # noqa: E501, TSL102\r\n"
        "c = np.random.rand(  # noqa: TSL102\r\n    1)\r\n"
        "s = f'''{np.random.rand(1)}\r\n'''\r\n")
    code, out, _ = loud(capsys, "-q", "a.py")
    assert [line.split(":")[1] for line in out.splitlines()] == ["7"]  # only the one that could not be marked


def test_lsp_is_routed(monkeypatch) -> None:
    import tfseedlint.lsp as lsp

    seen = []
    monkeypatch.setattr(lsp, "main", lambda argv: seen.append(list(argv)) or 0)
    assert main(["lsp", "--stdio"]) == 0 and seen == [["--stdio"]]


def test_walks_do_not_follow_links_out_of_the_tree(project: Path, capsys, tmp_path_factory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (outside / "lib.py").write_text(UNSEEDED)
    (project / "a").mkdir()
    (project / "a" / "x.py").symlink_to(outside / "passwd")
    (project / "a" / "ext").symlink_to(outside, target_is_directory=True)
    (project / "a" / "ok.py").write_text("x = 1\n")
    assert loud(capsys, "-q", ".") == (0, "", "")
    code, out, _ = loud(capsys, "-q", "a/x.py")  # named on the command line: linted
    assert code == 1 and out.startswith("a/x.py:1:") and "TSL001" in out


def test_gitignore_with_git_wildmatch_rules(project: Path, capsys) -> None:
    (project / ".git").mkdir()
    (project / ".gitignore").write_text("data/**/*.py\n!data/**/keep_*.py\n/top.py\n")
    (project / "pkg").mkdir()
    (project / "pkg" / ".gitignore").write_text("*.gen.py\n")
    for name in ("data/a/b/x.py", "data/a/keep_me.py", "top.py", "sub/top.py", "pkg/m.gen.py", "pkg/m.py"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(UNSEEDED)
    out = loud(capsys, "--show-files", ".")[1]
    assert out.splitlines() == ["data/a/keep_me.py", "pkg/m.py", "sub/top.py"]


def test_settings_glob_and_walk_modules_import_no_circle() -> None:
    import ast

    package = Path(__file__).resolve().parent.parent / "tfseedlint"
    modules = ("config", "ftypes", "paths", "globs")
    imports: dict[str, set[str]] = {}
    for name in modules:
        tree = ast.parse((package / f"{name}.py").read_text(encoding="utf-8"))
        imports[name] = {node.module.rsplit(".", 1)[-1] for node in ast.walk(tree)
                         if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tfseedlint.")
                         and node.module.rsplit(".", 1)[-1] in modules}

    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in imports[start])

    assert not [name for name in modules if reaches(name, name)], imports


def test_select_all_is_every_rule(project: Path, capsys) -> None:
    (project / "a.py").write_text("import tensorflow as tf\n\nx = tf.random.normal([2])\n")
    assert loud(capsys, "-q", "--select", "ALL", "a.py")[1] == loud(capsys, "-q", "a.py")[1] != ""
    out = loud(capsys, "-q", "--select", "ALL", "--ignore", "TSL4", "a.py")[1]
    assert [line.split()[1] for line in out.splitlines()] == ["TSL101"]


def test_add_noqa_leaves_notebooks_alone_with_one_warning(project: Path, capsys) -> None:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": "import numpy as np\nx = np.random.rand(2)\ny = np.random.rand(2)\n"}]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    (project / "nb.ipynb").write_text(text)
    code, out, err = loud(capsys, "--add-noqa", "nb.ipynb")
    assert code == 0 and (project / "nb.ipynb").read_text() == text
    assert err.splitlines() == ["tfseedlint: warning: nb.ipynb: notebooks are not edited by --add-noqa (2 not marked)",
                                "Added 0 noqa directives."]

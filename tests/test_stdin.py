"""What editors and CI see: `tfseedlint -` with `--stdin-filename`, the
regular expressions the README gives editors (checked against real output),
and the `github` / `sarif` formats end to end (`python -m tfseedlint`)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

BAD = "import numpy as np\nimport tensorflow as tf\n\nx = tf.random.uniform([3])\ny = np.random.rand(3)\n"
CLEAN = "import numpy as np\n\nrng = np.random.default_rng(7)\n"


def notebook(*cells: tuple[str, str]) -> str:
    return json.dumps({
        "cells": [{"cell_type": kind, "metadata": {}, "source": source,
                   **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                  for kind, source in cells],
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
        "nbformat": 4, "nbformat_minor": 5,
    })


NOTEBOOK = notebook(("markdown", "# Training"), ("code", "import tensorflow as tf\nx = tf.random.uniform([3])\n"))


def tfseedlint(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m tfseedlint --quiet ARGS`: findings without the summary lines."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "tfseedlint", "--quiet", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=300, check=False)


def codes(output: str) -> list[tuple[str, str]]:
    """(location, code) of each text-format line."""
    return [(line.split(": ", 1)[0], line.split(": ", 2)[1].split()[0]) for line in output.splitlines()]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.tfseedlint]\nper-file-ignores = { "tests/*" = ["TSL1"] }\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[tool.tfseedlint]\nignore = ["TSL401"]\n')
    return tmp_path


# -- stdin ---------------------------------------------------------------------


def test_findings_are_named_after_the_stdin_filename(project: Path) -> None:
    done = tfseedlint("-", "--stdin-filename", "src/train.py", cwd=project, stdin=BAD)
    assert done.returncode == 1
    assert codes(done.stdout) == [("src/train.py:4:5", "TSL101"), ("src/train.py:4:5", "TSL401"),
                                  ("src/train.py:5:5", "TSL102")]


def test_per_file_ignores_match_the_stdin_filename(project: Path) -> None:
    done = tfseedlint("-", "--stdin-filename", "tests/test_train.py", cwd=project, stdin=BAD)
    assert done.returncode == 1 and codes(done.stdout) == [("tests/test_train.py:4:5", "TSL401")]


def test_settings_come_from_the_stdin_filename_directory(project: Path, tmp_path_factory) -> None:
    # The buffer is unsaved, in a directory that does not exist yet; the
    # editor runs the linter from somewhere else with an absolute name.
    name = project / "sub" / "new" / "unsaved.py"
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    done = tfseedlint("-", "--stdin-filename", str(name), cwd=elsewhere, stdin=BAD)
    assert done.returncode == 1
    assert codes(done.stdout) == [(f"{name}:4:5", "TSL101"), (f"{name}:5:5", "TSL102")]


def test_project_seed_helpers_are_found_for_the_stdin_filename(project: Path) -> None:
    (project / "seeding.py").write_text(
        "import keras\n\n\ndef seed_everything(seed):\n    keras.utils.set_random_seed(seed)\n")
    code = ("import tensorflow as tf\nfrom seeding import seed_everything\n\n"
            "seed_everything(1)\nx = tf.random.uniform([3])\n")
    done = tfseedlint("-", "--stdin-filename", "train.py", cwd=project, stdin=code)
    assert (done.returncode, done.stdout) == (0, "")


def test_notebook_by_stdin_filename(project: Path) -> None:
    done = tfseedlint("-", "--stdin-filename", "nb.ipynb", cwd=project, stdin=NOTEBOOK)
    assert done.returncode == 1
    # The cell counts the markdown cell; the line is within the cell.
    assert codes(done.stdout) == [("nb.ipynb:cell 2:2:5", "TSL101"), ("nb.ipynb:cell 2:2:5", "TSL401")]


@pytest.mark.parametrize(("args", "stdin", "expected"), [
    (("--stdin-filename", "clean.py"), CLEAN, 0),
    (("--stdin-filename", "bad.py"), BAD, 1),
    (("--stdin-filename", "bad.py", "--exit-zero"), BAD, 0),
    (("--stdin-filename", "broken.py"), "def f(:\n", 1),  # TSL001 is a finding
    (("--stdin-filename", "bad.py", "--select", "TSL999"), BAD, 2),
    ((), BAD, 1),  # no name: findings are named "-"
], ids=["clean", "findings", "exit-zero", "syntax-error", "unknown-code", "no-name"])
def test_exit_status(project: Path, args: tuple[str, ...], stdin: str, expected: int) -> None:
    done = tfseedlint("-", *args, cwd=project, stdin=stdin)
    assert done.returncode == expected, done.stderr
    if "broken.py" in args:
        assert codes(done.stdout)[0][1] == "TSL001"


def test_broken_settings_near_the_stdin_filename_exit_2(project: Path) -> None:
    (project / "sub" / "pyproject.toml").write_text('[tool.tfseedlint]\nignore = ["TSL999"]\n')
    done = tfseedlint("-", "--stdin-filename", "sub/x.py", cwd=project, stdin=BAD)
    assert done.returncode == 2 and done.stdout == ""
    assert "sub/pyproject.toml" in done.stderr and "TSL999" in done.stderr


# -- the editor patterns the README documents ---------------------------------

#: The Vim / Neovim `errorformat` of the README, and its `:make` setting.
VIM_ERRORFORMAT_SETTING = r"%-G%f:cell\ %.%#,%f:%l:%c:\ %m,%-G%.%#"
VIM_SETLOCAL = rf"setlocal makeprg=tfseedlint\ %:S errorformat={VIM_ERRORFORMAT_SETTING}"
#: The README's flycheck checker.
FLYCHECK_CHECKER = """\
(flycheck-define-checker python-tfseedlint
  "Reproducibility problems in TensorFlow / Keras / NumPy code (tfseedlint)."
  :command ("tfseedlint" "--stdin-filename" source-original "-")
  :standard-input t
  :error-patterns
  ((warning line-start (file-name) ":" line ":" column ": "
            (id "TSL" (= 3 digit)) " " (message) line-end))
  :modes (python-mode python-ts-mode))
(add-to-list 'flycheck-checkers 'python-tfseedlint t)
"""
#: The same, as Vim compiles it: entries are tried in order, anchored at the
#: start; `%f` followed by a character becomes `.\{-1,}` (shortest match),
#: `%l` / `%c` `\d\+`, `%m` `.\+`, `%.%#` `.*`; `%-G` drops the line.
VIM_ERRORFORMAT = [
    (False, re.compile(r"^(?P<file>.+?):cell .*$")),  # notebook findings: dropped
    (True, re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")),
    (False, re.compile(r"^.*$")),
]


def vim_parse(line: str) -> re.Match[str] | None:
    for keep, pattern in VIM_ERRORFORMAT:
        match = pattern.match(line)
        if match:
            return match if keep else None
    return None


#: ALE's flake8 handler (ale_linters/python/flake8.vim), for the flake8 plugin.
ALE_FLAKE8 = re.compile(r"^[a-zA-Z]?:?[^:]+:(?P<line>\d+):?(?P<col>\d+)?: (?P<code>[A-Za-z0-9]+) (?P<message>.*)$")
#: The flycheck checker's pattern as flycheck compiles it: (file-name) is a
#: shortest match, line / column are digits, (message) the rest of the line.
FLYCHECK = re.compile(r"^(?P<file>.+?):(?P<line>[0-9]+):(?P<col>[0-9]+): (?P<code>TSL[0-9]{3}) (?P<message>.+)$")
#: The VS Code problem matcher's `regexp` (a JavaScript regex; the same in Python).
VSCODE = re.compile(r"^(.+?\.py):(\d+):(\d+): (TSL\d{3}) (.*)$")


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[dict]]:
    """Real output lines for a tree with a notebook, a file in a
    subdirectory and a name with a space, and the same findings as JSON."""
    project = tmp_path_factory.mktemp("editors")
    (project / "pkg").mkdir()
    (project / "pkg" / "my train.py").write_text(BAD)
    (project / "main.py").write_text(BAD)
    (project / "nb.ipynb").write_text(NOTEBOOK)
    text = tfseedlint(".", cwd=project)
    records = json.loads(tfseedlint("--format", "json", ".", cwd=project).stdout)
    assert text.returncode == 1 and len(text.stdout.splitlines()) == len(records) == 8
    return text.stdout.splitlines(), records


def test_vim_errorformat_reads_python_findings_and_skips_notebooks(output) -> None:
    lines, records = output
    for line, record in zip(lines, records):
        match = vim_parse(line)
        if record["cell"] is not None:
            assert match is None, line  # dropped, not put on a wrong line
            continue
        assert match, line
        assert (match["file"], int(match["line"]), int(match["col"])) == (
            record["path"], record["line"], record["column"])
        assert match["message"] == f"{record['code']} {record['message']}"


def test_real_vim_quickfix(output, tmp_path: Path) -> None:
    """The errorformat in Vim itself (`:cgetfile`), where Vim is installed."""
    vim = shutil.which("vim") or shutil.which("nvim")
    if vim is None:
        pytest.skip("neither vim nor nvim is installed")
    lines, records = output
    (tmp_path / "out.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    dump = ("call writefile([json_encode(map(getqflist(), {_, e -> "
            "{'file': bufname(e.bufnr), 'lnum': e.lnum, 'col': e.col, 'text': e.text, 'valid': e.valid}}))], "
            "'qf.json')")
    subprocess.run([vim, "-Nu", "NONE", "-i", "NONE", "-es", "-c", f"set errorformat={VIM_ERRORFORMAT_SETTING}",
                    "-c", "cgetfile out.txt", "-c", dump, "-c", "qa!"],
                   cwd=tmp_path, timeout=60, check=True, stdin=subprocess.DEVNULL, capture_output=True)
    entries = json.loads((tmp_path / "qf.json").read_text(encoding="utf-8"))
    assert [(e["file"], e["lnum"], e["col"], e["text"], e["valid"]) for e in entries] == [
        (r["path"], r["line"], r["column"], f"{r['code']} {r['message']}", 1) for r in records if r["cell"] is None]


def test_real_vim_make(tmp_path: Path) -> None:
    """The README's `:make` setting, word for word, on a file whose name has a space."""
    vim = shutil.which("vim") or shutil.which("nvim")
    scripts = Path(sys.executable).parent
    if vim is None or not (scripts / "tfseedlint").exists():
        pytest.skip("needs vim (or nvim) and the `tfseedlint` script next to this Python")
    (tmp_path / "my train.py").write_text(BAD)
    env = dict(os.environ, PATH=f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}")
    dump = ("call writefile([json_encode(map(getqflist(), {_, e -> "
            "[bufname(e.bufnr), e.lnum, e.col, split(e.text)[0]]}))], 'qf.json')")
    subprocess.run([vim, "-Nu", "NONE", "-i", "NONE", "-es", "-c", r"edit my\ train.py",
                    "-c", VIM_SETLOCAL,
                    "-c", "silent make", "-c", dump, "-c", "qa!"],
                   cwd=tmp_path, env=env, timeout=120, check=True, stdin=subprocess.DEVNULL, capture_output=True)
    assert json.loads((tmp_path / "qf.json").read_text()) == [
        ["my train.py", 4, 5, "TSL101"], ["my train.py", 4, 5, "TSL401"], ["my train.py", 5, 5, "TSL102"]]


def test_flycheck_pattern(output) -> None:
    lines, records = output
    for line, record in zip(lines, records):
        match = FLYCHECK.match(line)
        assert match, line
        if record["cell"] is not None:
            # Never attached to the notebook itself (flycheck drops errors of
            # other files); flycheck only runs on Python buffers anyway.
            assert match["file"] != record["path"]
            continue
        assert (match["file"], int(match["line"]), int(match["col"]), match["code"], match["message"]) == (
            record["path"], record["line"], record["column"], record["code"], record["message"])


def test_vscode_problem_matcher(output) -> None:
    lines, records = output
    for line, record in zip(lines, records):
        match = VSCODE.match(line)
        if record["cell"] is not None:
            assert match is None, line
            continue
        assert match, line
        assert match.groups() == (record["path"], str(record["line"]), str(record["column"]),
                                  record["code"], record["message"])


def test_real_flycheck(tmp_path: Path) -> None:
    """The README's flycheck checker in Emacs itself, where Emacs and
    flycheck are installed: the buffer (unsaved edits included) goes in on
    stdin."""
    emacs = shutil.which("emacs")
    scripts = Path(sys.executable).parent
    if emacs is None or not (scripts / "tfseedlint").exists():
        pytest.skip("needs emacs and the `tfseedlint` script next to this Python")
    (tmp_path / "my train.py").write_text(CLEAN)
    script = tmp_path / "check.el"
    script.write_text(f"""\
(package-initialize)
(dolist (dir (file-expand-wildcards "/usr/share/emacs/site-lisp/elpa/*"))
  (add-to-list 'load-path dir))
(unless (require 'flycheck nil t)
  (princ "NO-FLYCHECK")
  (kill-emacs 0))
{FLYCHECK_CHECKER}
(find-file "my train.py")
(python-mode)
(erase-buffer)
(insert {json.dumps(BAD.replace("x = tf", 'e = "é"; x = tf'))})
(setq flycheck-checker 'python-tfseedlint)
(flycheck-mode 1)
(flycheck-buffer)
(let ((waited 0))
  (while (and (flycheck-running-p) (< waited 600))
    (accept-process-output nil 0.1)
    (setq waited (1+ waited))))
(princ (format "STATUS %S\\n" flycheck-last-status-change))
(dolist (e flycheck-current-errors)
  (princ (format "ERROR %s|%s|%s|%s|%s\\n" (file-name-nondirectory (flycheck-error-filename e))
                 (flycheck-error-line e) (flycheck-error-column e) (flycheck-error-id e)
                 (flycheck-error-level e))))
""", encoding="utf-8")
    env = dict(os.environ, PATH=f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run([emacs, "--batch", "-Q", "-l", str(script)], cwd=tmp_path, env=env, timeout=120,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    if "NO-FLYCHECK" in done.stdout:
        pytest.skip("flycheck is not installed")
    assert "STATUS finished" in done.stdout, done.stdout + done.stderr
    errors = [line.split(" ", 1)[1] for line in done.stdout.splitlines() if line.startswith("ERROR ")]
    # The buffer's text, not the file's (CLEAN); columns count characters.
    assert errors == ["my train.py|4|14|TSL101|warning", "my train.py|4|14|TSL401|warning",
                      "my train.py|5|5|TSL102|warning"]


def test_ale_flake8_handler_reads_the_plugin_output(project: Path) -> None:
    pytest.importorskip("flake8")
    # What ALE runs: flake8 [options] --stdin-display-name %s -
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select", "TSL",
                           "--stdin-display-name", "src/train.py", "-"], cwd=project, env=env,
                          input=BAD, capture_output=True, text=True, timeout=300, check=False)
    parsed = [ALE_FLAKE8.match(line) for line in done.stdout.splitlines()]
    assert all(parsed) and [(int(m["line"]), int(m["col"]), m["code"]) for m in parsed] == [
        (4, 5, "TSL101"), (4, 5, "TSL401"), (5, 5, "TSL102")]


# -- github and sarif, end to end ---------------------------------------------


@pytest.fixture
def fixture_dir(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(BAD)
    (tmp_path / "src" / "ok.py").write_text(CLEAN)
    (tmp_path / "nb.ipynb").write_text(NOTEBOOK)
    return tmp_path


def test_github_annotations(fixture_dir: Path) -> None:
    done = tfseedlint("--format", "github", ".", cwd=fixture_dir)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    # The notebook is one line of JSON: the annotation is on that line, at the call.
    col = NOTEBOOK.index("tf.random.uniform") + 1
    assert lines[0].startswith(f"::warning file=nb.ipynb,line=1,col={col},title=TSL101 unseeded-tf-random-op::cell 2: ")
    assert "::warning file=src/train.py,line=5,col=5,title=TSL102 unseeded-numpy-global-random::" in done.stdout
    pattern = re.compile(r"^::warning file=[^,]+,line=\d+,col=\d+,title=TSL\d{3} [a-z-]+::.+$")
    assert len(lines) == 5 and all(pattern.match(line) for line in lines)
    clean = tfseedlint("--format", "github", "src/ok.py", cwd=fixture_dir)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_sarif_is_valid_and_complete(fixture_dir: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.is_file():
        pytest.skip(f"{SCHEMA} is missing")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)

    done = tfseedlint("--format", "sarif", ".", cwd=fixture_dir)
    assert done.returncode == 1
    log = json.loads(done.stdout)
    validator.validate(log)
    (run,) = log["runs"]
    got = sorted((r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                  r["locations"][0]["physicalLocation"]["region"]["startLine"],
                  r["locations"][0]["physicalLocation"]["region"]["startColumn"]) for r in run["results"])
    col = NOTEBOOK.index("tf.random.uniform") + 1  # the notebook's JSON is one line
    assert got == [("TSL101", "nb.ipynb", 1, col), ("TSL101", "src/train.py", 4, 5),
                   ("TSL102", "src/train.py", 5, 5), ("TSL401", "nb.ipynb", 1, col), ("TSL401", "src/train.py", 4, 5)]
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])

    clean = tfseedlint("--format", "sarif", "src/ok.py", cwd=fixture_dir)
    assert clean.returncode == 0
    validator.validate(json.loads(clean.stdout))
    assert json.loads(clean.stdout)["runs"][0]["results"] == []

    # From stdin, as a CI step may run it: the name is the artifact.
    piped = tfseedlint("--format", "sarif", "-", "--stdin-filename", "src/train.py", cwd=fixture_dir, stdin=BAD)
    validator.validate(json.loads(piped.stdout))
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(piped.stdout)["runs"][0]["results"]} == {"src/train.py"}

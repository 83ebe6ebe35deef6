"""The linter never runs the code it looks at.

`tests/fixtures/hostile/never_run/` holds a project whose every file leaves a
marker file when imported or run: a training script (which the fixer has
work to do on), a seed helper it imports, a package, a notebook, and modules
named like the ones the linter itself imports (`random`, `json`, `tokenize`,
`typing`, `libcst`, `numpy`, `tensorflow`...) that would shadow them if the
project directory came first on `sys.path`. Its `pyproject.toml` holds
settings that look like code. The copy is linted, fixed and probed from
inside the project directory; the marker must never appear.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tfseedlint

FIXTURE = Path(__file__).parent / "fixtures" / "hostile" / "never_run"
#: stored under another name: pytest would import a `conftest.py` in tests/
RENAMES = {"_conftest.py": "conftest.py"}
PROBE_AVAILABLE = (Path(tfseedlint.__file__).parent / "probe" / "cli.py").exists()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("README.md"))
    for stored, real in RENAMES.items():
        (root / stored).rename(root / real)
    assert not (root / "MARKER").exists()
    monkeypatch.setenv("TFSEEDLINT_MARKER", str(tmp_path / "MARKER"))
    return root


def markers(root: Path) -> list[Path]:
    found = [p for p in root.rglob("MARKER*")]
    env = os.environ.get("TFSEEDLINT_MARKER")
    if env and Path(env).exists():
        found.append(Path(env))
    return found


def run(root: Path, *args: str, stdin: bytes | None = None, timeout: float = 180,
        via_module: bool = True) -> subprocess.CompletedProcess[bytes]:
    """The real CLI, from inside the project directory: `python -m
    tfseedlint` (which puts the directory first on sys.path) or the console
    script's equivalent."""
    if via_module:
        command = [sys.executable, "-m", "tfseedlint", *args]
    else:
        script = Path(sys.executable).parent / "tfseedlint"
        command = [str(script), *args] if script.exists() else [
            sys.executable, "-c", "import sys; del sys.path[0]; from tfseedlint.cli import main; sys.exit(main())",
            *args]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(check=False, args=command, cwd=root, input=stdin, capture_output=True, timeout=timeout, env=env)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")[-3000:]
    assert not markers(root), f"`{' '.join(args)}` ran user code: {markers(root)}"
    return proc


def test_lint_never_runs_user_code(project: Path) -> None:
    for via_module in (True, False):
        proc = run(project, "--no-cache", ".", via_module=via_module)
        assert proc.returncode == 1, proc.stderr
        out = proc.stdout.decode()
        assert "train.py:" in out and "notebook.ipynb:cell 3:" in out  # the files were read
        assert "TSL303" in out and "TSL403" in out
    for fmt in ("json", "sarif", "github"):
        run(project, "--no-cache", "--format", fmt, ".")
    run(project, "--statistics", ".")  # with the results cache, twice
    run(project, "--statistics", ".")
    run(project, "--no-cache", "train.py", "utils.py", "pkg/__init__.py", "tensorflow/__init__.py")
    with open(project / "train.py", "rb") as fh:
        run(project, "--no-cache", "-", "--stdin-filename", "train.py", stdin=fh.read())


def test_fix_and_diff_never_run_user_code(project: Path) -> None:
    before = (project / "train.py").read_bytes()
    diff = run(project, "--no-cache", "--diff", "--unsafe-fixes", ".")
    assert diff.returncode == 1 and b"+++ " in diff.stdout
    assert (project / "train.py").read_bytes() == before
    fixed = run(project, "--no-cache", "--fix", "--unsafe-fixes", ".")
    assert fixed.returncode in (0, 1), fixed.stderr
    after = (project / "train.py").read_bytes()
    assert after != before
    compile(after, "train.py", "exec")  # checked, never run
    again = run(project, "--no-cache", "--fix", "--unsafe-fixes", ".")
    assert (project / "train.py").read_bytes() == after and again.returncode in (0, 1)
    notebook = json.loads((project / "notebook.ipynb").read_text())
    assert notebook["cells"][1]["source"] == ["%%bash\n", "touch MARKER\n"]  # left as it was
    with open(project / "utils.py", "rb") as fh:
        run(project, "--no-cache", "--fix", "-", "--stdin-filename", "train.py", stdin=fh.read())


def test_config_values_are_data(project: Path) -> None:
    """Code-looking settings are only ever strings: patterns, names."""
    proc = run(project, "--no-cache", ".")
    assert proc.returncode == 1
    for setting in ('seed = "__import__(\'os\').system(\'touch MARKER\')"',
                    'seed-functions = ["__import__(\'os\').system(\'touch MARKER\')"]',
                    'target-tensorflow = "$(touch MARKER)"', 'select = ["$(touch MARKER)"]'):
        bad = project / "bad.toml"
        bad.write_text(f"[tool.tfseedlint]\n{setting}\n")
        refused = run(project, "--config", str(bad), ".")
        assert refused.returncode in (1, 2), setting
        if refused.returncode == 2:
            assert len(refused.stderr.strip().splitlines()) == 1 and b"bad.toml" in refused.stderr
    weird = project / "weird.toml"
    weird.write_text('[tool.tfseedlint]\ntarget-tensorflow = "2.21.0; import os"\n'
                     'select = ["TSL; touch MARKER"]\n')
    answer = run(project, "--config", str(weird), ".")
    assert answer.returncode in (1, 2)


def test_flake8_plugin_never_runs_user_code(project: Path) -> None:
    # The console script, as users run it (`python -m flake8` would itself
    # import the project's `random.py` before our plugin is even loaded).
    flake8 = Path(sys.executable).parent / "flake8"
    if not flake8.exists():
        pytest.skip("flake8 is not installed")
    proc = subprocess.run(check=False, args=[str(flake8), "--select", "TSL", "train.py", "utils.py"],
                          cwd=project, capture_output=True, timeout=180)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    assert not markers(project)
    assert b"TSL" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.slow
@pytest.mark.skipif(not PROBE_AVAILABLE, reason="tfseedlint/probe/cli.py does not exist yet")
def test_probe_never_runs_user_code(project: Path) -> None:
    pytest.importorskip("tensorflow")
    proc = run(project, "probe", "--device", "cpu", "--runs", "2", "--jobs", "2", "--timeout", "240", ".",
               timeout=600)
    assert proc.returncode in (0, 1), proc.stderr.decode(errors="replace")[-3000:]
    assert b"bincount" in proc.stdout, proc.stdout

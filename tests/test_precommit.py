"""The pre-commit hooks of `.pre-commit-hooks.yaml`, run by the real
pre-commit against small temporary git repositories.

pre-commit installs a hook from a git repository (`pip install .` of a
commit). `pre-commit try-repo` of this checkout would use its HEAD plus the
changes to tracked files only, so new, not yet committed modules would be
missing from the hook's environment. The hooks are therefore installed from
a snapshot of the working tree (tracked and untracked, not ignored files)
committed to a repository of its own: what is tested is what is on disk.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
pytest.importorskip("pre_commit", reason="pre-commit is not installed")

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 600

BAD = "import numpy as np\n\nx = np.random.rand(3)\n"
CLEAN = "import numpy as np\n\nrng = np.random.default_rng(7)\n"
FIXABLE = "import numpy as np\n\nrng = np.random.default_rng()\n"


def notebook(code: str) -> str:
    return json.dumps({
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": "# Training"},
                  {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": code}],
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
        "nbformat": 4, "nbformat_minor": 5,
    }, indent=1) + "\n"


UNSEEDED_NOTEBOOK = notebook("import tensorflow as tf\nx = tf.random.uniform([3])\n")


def isolated_git_env(home: Path) -> dict[str, str]:
    """No user or system git settings (hooks, signing, templates) in the
    temporary repositories; a fixed identity for their commits."""
    config = home / "gitconfig"
    if not config.exists():
        config.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT")) and k != "SKIP"}
    env.update(GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="test", GIT_AUTHOR_EMAIL="test@example.com",
               GIT_COMMITTER_NAME="test", GIT_COMMITTER_EMAIL="test@example.com")
    return env


def git(*args: str, cwd: Path, env: dict[str, str]) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="session")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    return isolated_git_env(tmp_path_factory.mktemp("git-home"))


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> tuple[Path, str]:
    """(path, commit) of a repository holding this checkout's working tree."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=False)
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=ROOT, capture_output=True, text=True,
                         check=False)
    if listed.returncode != 0 or top.returncode != 0 or Path(top.stdout.strip()).resolve() != ROOT:
        pytest.skip(f"{ROOT} is not a git checkout: pre-commit installs hooks from a git repository")
    snapshot = tmp_path_factory.mktemp("hook-repo")
    # A virtualenv someone made in the checkout without ignoring it is no
    # part of the project (and would take long to copy).
    venvs = {cfg.parent for cfg in ROOT.glob("*/pyvenv.cfg")}
    for name in filter(None, listed.stdout.decode("utf-8", "surrogateescape").split("\0")):
        source = ROOT / name
        if source.is_file() and not venvs.intersection(source.parents):  # not deleted, not a venv
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    assert (snapshot / ".pre-commit-hooks.yaml").is_file()
    git("init", "-q", cwd=snapshot, env=env)
    git("add", "-A", cwd=snapshot, env=env)
    git("commit", "-q", "--no-verify", "-m", "snapshot", cwd=snapshot, env=env)
    return snapshot, git("rev-parse", "HEAD", cwd=snapshot, env=env).strip()


def target_repo(path: Path, files: dict[str, str], env: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    git("init", "-q", cwd=path, env=env)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text, encoding="utf-8")
    git("add", "-A", cwd=path, env=env)
    return path


def pre_commit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args, "--color=never"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)


def test_try_repo_lint_hook_fails_on_bad_files(hook_repo, env, tmp_path: Path) -> None:
    repo, _ = hook_repo
    target = target_repo(tmp_path / "target", {
        "src/train.py": BAD, "nb.ipynb": UNSEEDED_NOTEBOOK, "src/ok.py": CLEAN,
        # Not Python: the hook's types keep it away from tfseedlint.
        "notes.txt": BAD}, env)
    done = pre_commit("try-repo", str(repo), "tfseedlint", "--all-files", cwd=target, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "src/train.py:3:5: TSL102" in done.stdout
    assert "nb.ipynb:cell 2:2:5: TSL101" in done.stdout  # types_or: jupyter
    assert "notes.txt" not in done.stdout and "ok.py" not in done.stdout


def test_try_repo_lint_hook_passes_on_clean_files(hook_repo, env, tmp_path: Path) -> None:
    repo, _ = hook_repo
    target = target_repo(tmp_path / "target", {"src/ok.py": CLEAN, "notes.txt": BAD}, env)
    done = pre_commit("try-repo", str(repo), "tfseedlint", "--all-files", cwd=target, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tfseedlint" in done.stdout and "Passed" in done.stdout


def test_fix_hook_rewrites_then_passes(hook_repo, env, tmp_path_factory: pytest.TempPathFactory,
                                       tmp_path: Path) -> None:
    """Both hooks from one configuration share one environment (one
    PRE_COMMIT_HOME), built once."""
    repo, commit = hook_repo
    config = (f"repos:\n-   repo: {repo}\n    rev: {commit}\n    hooks:\n"
              "    -   id: tfseedlint-fix\n    -   id: tfseedlint\n")
    target = target_repo(tmp_path / "target", {
        ".pre-commit-config.yaml": config, "train.py": FIXABLE, "nb.ipynb": UNSEEDED_NOTEBOOK}, env)
    env = dict(env, PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")))

    first = pre_commit("run", "tfseedlint-fix", "--all-files", cwd=target, env=env)
    # pre-commit fails a hook that modified files, so the user reviews them.
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert (target / "train.py").read_text() == "import numpy as np\n\nrng = np.random.default_rng(42)\n"
    cells = json.loads((target / "nb.ipynb").read_text())["cells"]
    assert "set_random_seed(42)" in "".join(cells[1]["source"])
    assert cells[0]["source"] == "# Training" and cells[1]["outputs"] == []

    again = pre_commit("run", "tfseedlint-fix", "--all-files", cwd=target, env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    lint = pre_commit("run", "tfseedlint", "--all-files", cwd=target, env=env)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "Installing environment" not in again.stdout + again.stderr + lint.stdout + lint.stderr


def test_manifest() -> None:
    """The manifest as pre-commit itself reads it."""
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {"tfseedlint", "tfseedlint-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["types_or"] == ["python", "jupyter"]
    assert hooks["tfseedlint"]["entry"] == "tfseedlint"
    assert hooks["tfseedlint-fix"]["entry"] == "tfseedlint --fix"

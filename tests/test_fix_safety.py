"""`--fix` under faults: a file is always either exactly what it was or
exactly its fixed version, whatever happens to the run.

- SIGKILL at random moments (and right while a temporary file is being
  written) over hundreds of files;
- writes that fail: a read-only file, a full disk (a real file-size limit on
  the real CLI, and ENOSPC simulated in-process), a directory where no
  temporary file can be made;
- several `--fix` runs at once on the same tree, with the same or with
  different settings;
- a file that changes on disk between reading and writing.
"""
from __future__ import annotations

import errno
import io
import json
import os
import random
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tfseedlint import cli

try:
    from tfseedlint import fixer
except ImportError:  # pragma: no cover - only while fixer.py is missing
    fixer = None  # type: ignore[assignment]

pytestmark = pytest.mark.skipif(fixer is None, reason="fixer not available")

TEMP_SUFFIX = ".tfseedlint"


def source(i: int) -> bytes:
    """A fixable file of some kilobytes, in one of several encodings / layouts."""
    filler = "".join(f"# filler {j}: " + "x" * 60 + "\n" for j in range((i * 7) % 60))
    text = (f"import tensorflow as tf\nimport numpy as np\n\n{filler}"
            f"x = tf.random.normal([{i}])\nds = tf.data.Dataset.range(4).shuffle(4)\nrng = np.random.default_rng()\n")
    data = text.encode()
    kind = i % 5
    if kind == 1:
        data = data.replace(b"\n", b"\r\n")
    elif kind == 2:
        data = b"\xef\xbb\xbf" + data
    elif kind == 3:
        data = "# -*- coding: latin-1 -*-\n# café\n".encode("latin-1") + data
    return data


NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Train\n"]},
        {"cell_type": "code", "execution_count": 3, "metadata": {"tags": ["keep"]},
         "outputs": [{"output_type": "stream", "name": "stdout", "text": ["0.5\n"]}],
         "source": ["import tensorflow as tf\n", "x = tf.random.normal([2])"]},
    ],
    "metadata": {"kernelspec": {"language": "python", "name": "python3", "display_name": "Python 3"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def make_tree(root: Path, count: int) -> dict[str, bytes]:
    root.mkdir(parents=True, exist_ok=True)
    files = {}
    for i in range(count):
        name = f"pkg{i % 4}/f{i:03}.py"
        files[name] = source(i)
    for i in range(0, count, 50):
        files[f"nb{i:03}.ipynb"] = json.dumps(NOTEBOOK, indent=1).encode() + b"\n"
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
    (root / "pkg0" / "script.py").write_bytes(source(0))
    files["pkg0/script.py"] = source(0)
    (root / "pkg0" / "script.py").chmod(0o755)
    return files


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.endswith(TEMP_SUFFIX) and ".tfseedlint_cache" not in p.parts}


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tfseedlint", "--isolated", "--no-cache", *args]


def run_fix(root: Path, *args: str, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(check=False, args=command("--fix", *args, "."), cwd=root, capture_output=True, timeout=timeout, **kwargs)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")[-3000:]
    return proc


@pytest.fixture(scope="module")
def fixed_tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], dict[str, bytes], float]:
    """The original files, their fixed versions (by one complete real run) and
    how long that run took."""
    root = tmp_path_factory.mktemp("reference")
    old = make_tree(root, 200)
    start = time.monotonic()
    proc = run_fix(root)
    elapsed = time.monotonic() - start
    assert proc.returncode in (0, 1), proc.stderr
    new = snapshot(root)
    assert set(new) == set(old)
    changed = [name for name in old if new[name] != old[name]]
    assert len(changed) == len(old), "every file of the tree has something to fix"
    assert stat.S_IMODE((root / "pkg0" / "script.py").stat().st_mode) == 0o755
    return old, new, elapsed


def assert_old_or_new(root: Path, old: dict[str, bytes], new: dict[str, bytes]) -> int:
    """Every file is exactly old or exactly new; returns how many are new."""
    now = snapshot(root)
    assert set(now) == set(old), set(now) ^ set(old)
    fixed = 0
    for name, data in now.items():
        assert data in (old[name], new[name]), f"{name} is neither the original nor the fixed file"
        fixed += data == new[name]
    for leftover in root.rglob(f"*{TEMP_SUFFIX}"):
        # a temporary file a kill left behind: hidden, and never linted
        assert leftover.name.startswith(".") and not leftover.name.endswith((".py", ".ipynb"))
    return fixed


def killed_run(root: Path, delay: float | None) -> None:
    """Start `--fix`, SIGKILL its whole process group after `delay` seconds,
    or (None) as soon as a temporary file of an atomic write appears."""
    proc = subprocess.Popen(command("--fix", "."), cwd=root, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        if delay is not None:
            time.sleep(delay)
        else:
            deadline = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < deadline:
                if any(name.endswith(TEMP_SUFFIX) for d in ("pkg0", "pkg1", "pkg2", "pkg3")
                       for name in os.listdir(root / d)):
                    break
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


@pytest.mark.slow
def test_sigkill_at_random_moments(tmp_path: Path, fixed_tree) -> None:
    old, new, elapsed = fixed_tree
    root = tmp_path / "tree"
    make_tree(root, 200)
    rng = random.Random(os.environ.get("TFSEEDLINT_KILL_SEED", "1234"))
    progress = []
    moments: list[float | None] = [None, None] + sorted(rng.uniform(0.2, 0.8) * elapsed for _ in range(6))
    for delay in moments:
        killed_run(root, delay)
        progress.append(assert_old_or_new(root, old, new))
    assert progress == sorted(progress)
    # the kills interrupted the writing: some runs died with part of the tree fixed
    assert any(0 < fixed < len(old) for fixed in progress), progress
    proc = run_fix(root)  # a complete run finishes the job
    assert proc.returncode in (0, 1), proc.stderr
    assert assert_old_or_new(root, old, new) == len(old)
    assert snapshot(root) == new
    assert stat.S_IMODE((root / "pkg0" / "script.py").stat().st_mode) == 0o755
    # nothing the kills left behind is linted
    lint = subprocess.run(check=False, args=command("."), cwd=root, capture_output=True, timeout=120)
    assert TEMP_SUFFIX.encode() not in lint.stdout + lint.stderr


# ---------------------------------------------------------------- failing writes


def write_file(root: Path, name: str, data: bytes) -> Path:
    path = root / name
    path.write_bytes(data)
    return path


def run_main(capsysbinary: pytest.CaptureFixture[bytes], root: Path, *args: str) -> tuple[int, bytes, bytes]:
    status = cli.main(["--isolated", "--no-cache", "--jobs", "1", *args, str(root)])
    captured = capsysbinary.readouterr()
    return status, captured.out, captured.err


def test_read_only_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                        capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    locked = write_file(tmp_path, "locked.py", source(0))
    other = write_file(tmp_path, "other.py", source(5))
    locked.chmod(0o444)
    if os.geteuid() == 0:
        # Root may write any file: make this one read-only for real with the
        # immutable attribute where the file system allows, else simulate the
        # refusal where a writer asks for it.
        immutable = shutil.which("chattr") and subprocess.run(check=False, args=["chattr", "+i", str(locked)],
                                                              capture_output=True).returncode == 0
        if not immutable:
            real_access = os.access
            monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if os.path.realpath(p) == str(
                locked.resolve()) and mode & os.W_OK else real_access(p, mode, *a, **k))
    else:
        immutable = False
    try:
        status, _, err = run_main(capsysbinary, tmp_path, "--fix")
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(locked)], check=True)
        locked.chmod(0o644)
    assert locked.read_bytes() == source(0)
    assert other.read_bytes() != source(5)  # the other file was fixed
    assert status == 2
    lines = [line for line in err.splitlines() if b"locked.py" in line]
    assert len(lines) == 1 and b"not fixed" in lines[0], err
    assert not list(tmp_path.glob(f".*{TEMP_SUFFIX}"))


def test_read_only_directory_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    """No temporary file can be created, nothing can be renamed there."""
    (tmp_path / "ro").mkdir()
    locked = write_file(tmp_path / "ro", "a.py", source(1))
    other = write_file(tmp_path, "b.py", source(2))
    ro = str((tmp_path / "ro").resolve())

    def refuse(path: object) -> bool:
        return os.path.dirname(os.path.realpath(os.fspath(path))) == ro  # type: ignore[arg-type]

    def fail(path: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))  # type: ignore[arg-type]

    real_open, real_replace, real_rename, real_mkstemp = os.open, os.replace, os.rename, tempfile.mkstemp

    def os_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and refuse(path):
            fail(path)
        return real_open(path, flags, *args, **kwargs)

    def mkstemp(*args, dir=None, **kwargs):  # type: ignore[no-untyped-def]
        if dir is not None and os.path.realpath(dir) == ro:
            fail(dir)
        return real_mkstemp(*args, dir=dir, **kwargs)

    def replace(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        if refuse(dst):
            fail(dst)
        return real_replace(src, dst, *args, **kwargs)

    def rename(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        if refuse(dst):
            fail(dst)
        return real_rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "rename", rename)
    status, _, err = run_main(capsysbinary, tmp_path, "--fix")
    assert locked.read_bytes() == source(1)
    assert other.read_bytes() != source(2)
    assert status == 2
    lines = [line for line in err.splitlines() if b"a.py" in line]
    assert len(lines) == 1 and b"Permission denied" in lines[0], err


def test_disk_full_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    """ENOSPC on the write or on the fsync of the temporary file."""
    first = write_file(tmp_path, "first.py", source(3))
    second = write_file(tmp_path, "second.py", source(4))
    real_write, real_fsync = os.write, os.fsync
    targets = {"write": 0, "fsync": 0}

    def temp_fd(fd: int) -> bool:
        try:
            return os.readlink(f"/proc/self/fd/{fd}").endswith(TEMP_SUFFIX)
        except OSError:
            return False

    def write(fd: int, data: bytes) -> int:
        if temp_fd(fd) and "first" in os.readlink(f"/proc/self/fd/{fd}"):
            targets["write"] += 1
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    def fsync(fd: int) -> None:
        if temp_fd(fd) and "second" in os.readlink(f"/proc/self/fd/{fd}"):
            targets["fsync"] += 1
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    if not os.path.exists("/proc/self/fd"):
        pytest.skip("needs /proc to tell the fixer's temporary files apart")
    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(os, "fsync", fsync)
    # the buffered writer of a temporary file ends in os.write via FileIO:
    # make FileIO's writes go through the patched os.write too.
    real_fileio_write = io.FileIO.write

    class FileIO(io.FileIO):
        def write(self, data):  # type: ignore[no-untyped-def, override]
            if temp_fd(self.fileno()):
                return write(self.fileno(), bytes(data))
            return real_fileio_write(self, data)

    monkeypatch.setattr(io, "FileIO", FileIO)
    real_fdopen = os.fdopen

    def fdopen(fd, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        if "b" in mode and "w" in mode and temp_fd(fd):
            return io.BufferedWriter(FileIO(fd, "wb", closefd=True))
        return real_fdopen(fd, mode, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", fdopen)
    status, _, err = run_main(capsysbinary, tmp_path, "--fix")
    assert first.read_bytes() == source(3) and second.read_bytes() == source(4)
    assert targets["write"] >= 1 or targets["fsync"] >= 1
    assert status == 2
    for name in (b"first.py", b"second.py"):
        lines = [line for line in err.splitlines() if name in line]
        assert len(lines) == 1 and b"No space left on device" in lines[0] and b"not fixed" in lines[0], err
    assert not list(tmp_path.glob(f".*{TEMP_SUFFIX}")), "the temporary files are removed"


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="needs RLIMIT_FSIZE")
def test_file_size_limit_real_cli(tmp_path: Path) -> None:
    """A real write failure in the real CLI: under RLIMIT_FSIZE the kernel
    refuses to grow the temporary file past the limit (EFBIG), as a full disk
    would refuse it (Python ignores SIGXFSZ)."""
    small = write_file(tmp_path, "small.py", source(0))  # well under the limit
    big = write_file(tmp_path, "big.py", source(8) + b"# pad\n" * 2000)  # over it
    limit = 4096
    assert len(small.read_bytes()) < limit - 200 < limit < len(big.read_bytes())

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run(check=False, args=command("--fix", "."), cwd=tmp_path, capture_output=True, timeout=120,
                          preexec_fn=limited)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    assert big.read_bytes() == source(8) + b"# pad\n" * 2000
    assert small.read_bytes() != source(0)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if b"big.py" in line]
    assert len(lines) == 1 and b"File too large" in lines[0], proc.stderr
    assert not list(tmp_path.glob(f".*{TEMP_SUFFIX}"))


def test_changed_on_disk_while_fixing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    """The user saves the file while the fixer works on it: their version stays."""
    victim = write_file(tmp_path, "victim.py", source(6))
    write_file(tmp_path, "bystander.py", source(7))
    real_fix = fixer.fix_source

    def fix_and_edit(data: bytes, path: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        outcome = real_fix(data, path, *args, **kwargs)
        if path.endswith("victim.py"):
            time.sleep(0.01)  # a distinct mtime even on coarse clocks
            victim.write_bytes(b"# the user's own edit\n" + source(6))
        return outcome

    monkeypatch.setattr(fixer, "fix_source", fix_and_edit)
    status, _, err = run_main(capsysbinary, tmp_path, "--fix")
    assert victim.read_bytes() == b"# the user's own edit\n" + source(6)
    assert (tmp_path / "bystander.py").read_bytes() != source(7)
    lines = [line for line in err.splitlines() if b"victim.py" in line]
    assert len(lines) == 1 and b"changed on disk" in lines[0], err
    assert status == 2


def test_symlinked_file_is_fixed_through_the_link(tmp_path: Path) -> None:
    real = write_file(tmp_path, "real_target.txt", source(9))
    os.symlink("real_target.txt", tmp_path / "link.py")
    proc = run_fix(tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert (tmp_path / "link.py").is_symlink()
    assert real.read_bytes() != source(9)


# ---------------------------------------------------------------- concurrent runs


@pytest.mark.slow
def test_concurrent_fix_runs_same_settings(tmp_path: Path, fixed_tree) -> None:
    old, new, _ = fixed_tree
    root = tmp_path / "tree"
    make_tree(root, 200)
    procs = [subprocess.Popen(command("--fix", "."), cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(4)]
    # communicate(), not wait(): a run whose output fills the pipe would block forever.
    outputs = [p.communicate(timeout=300) for p in procs]
    results = [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs)]
    for status, _, err in results:
        assert b"Traceback" not in err, err.decode(errors="replace")
        assert status in (0, 1, 2)
        for line in err.splitlines():  # a run that lost a race says so, per file
            assert b"changed on disk" in line or b"not fixed" in line, line
    assert snapshot(root) == new
    assert assert_old_or_new(root, old, new) == len(old)


def test_concurrent_fix_runs_different_settings(tmp_path: Path) -> None:
    """Two runs that would write different fixes (seed 1 and seed 2): each file
    ends up as one run's complete result, never a mix of both."""
    root = tmp_path / "tree"
    files = {f"m{i:02}.py": source(i) for i in range(40)}
    root.mkdir()
    for name, data in files.items():
        (root / name).write_bytes(data)
    configs = []
    for seed in (1, 2):
        config = tmp_path / f"seed{seed}" / "pyproject.toml"
        config.parent.mkdir()
        config.write_text(f"[tool.tfseedlint]\nseed = {seed}\n")
        configs.append(config)

    def fixed_with(config: Path) -> dict[str, bytes]:
        copy = tmp_path / f"copy-{config.parent.name}"
        shutil.copytree(root, copy)
        subprocess.run(check=False, args=[sys.executable, "-m", "tfseedlint", "--no-cache", "--config", str(config), "--fix", "."],
                       cwd=copy, capture_output=True, timeout=120)
        return snapshot(copy)

    versions = [fixed_with(config) for config in configs]
    assert all(versions[0][n] != versions[1][n] for n in files), "the two settings give different fixes"
    for _ in range(3):
        for name, data in files.items():
            (root / name).write_bytes(data)
        procs = [subprocess.Popen([sys.executable, "-m", "tfseedlint", "--no-cache", "--config", str(config),
                                   "--fix", "."], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for config in configs * 2]
        for proc in procs:
            proc.wait(timeout=300)
            assert b"Traceback" not in proc.stderr.read()  # type: ignore[union-attr]
        now = snapshot(root)
        for name in files:
            assert now[name] in (versions[0][name], versions[1][name]), f"{name} mixes two runs' writes"


# ---------------------------------------------------------------- what a fix keeps


def test_fix_keeps_mode_encoding_line_endings_and_notebook_outputs(tmp_path: Path) -> None:
    old = make_tree(tmp_path, 10)
    proc = run_fix(tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    new = snapshot(tmp_path)
    for name, data in old.items():
        after = new[name]
        assert after != data, name
        if name.endswith(".py"):
            assert after.startswith(b"\xef\xbb\xbf") == data.startswith(b"\xef\xbb\xbf")
            assert (b"\r\n" in after) == (b"\r\n" in data)
            if b"latin-1" in data:
                after.decode("latin-1")
                assert "café".encode("latin-1") in after
            compile(after.removeprefix(b"\xef\xbb\xbf"), name, "exec")
        else:
            before_doc, after_doc = json.loads(data), json.loads(after)
            assert after_doc["metadata"] == before_doc["metadata"]
            for a, b in zip(before_doc["cells"], after_doc["cells"]):
                assert {k: v for k, v in a.items() if k != "source"} == {k: v for k, v in b.items() if k != "source"}
            assert after.endswith(b"\n") and b'\n "cells"' in after  # the layout (indent=1) is kept
    assert stat.S_IMODE((tmp_path / "pkg0" / "script.py").stat().st_mode) == 0o755
    again = run_fix(tmp_path)
    assert snapshot(tmp_path) == new, "a second --fix changes nothing"
    assert again.returncode in (0, 1)

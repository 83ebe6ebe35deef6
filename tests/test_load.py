"""Load: 10,000 generated files. Parallel runs (`--jobs N`) print exactly
what `--jobs 1` prints, and the run stays within the performance target
(peak RSS under 400 MB, the whole process tree counted).

The files are small and of a few kinds: clean modules, scripts with
findings, files seeded through a helper of the project (resolved across
files), `# noqa`, syntax errors, notebooks.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

FILES = 10_000
RSS_LIMIT = 400 * 1024 * 1024
TEMPLATES = [
    "import numpy as np\n\n\ndef f(x):\n    return x + {i}\n",
    "import tensorflow as tf\n\nx = tf.random.normal([{i}])\n",
    "from helpers.seeding import seed_all\nimport tensorflow as tf\n\nseed_all()\nlayer = tf.keras.layers.Dense({i})\n",
    "import random\n\nVALUE = {i}\nprint(random.random())\n",
    "def broken({i}:\n    pass\n",
    "import numpy as np\nrng = np.random.default_rng()  # noqa: TSL103\nx = np.random.rand({i})\n",
    '"""Docs {i}."""\nCONSTANT = {i}\n',
    ("import tensorflow as tf\nds = tf.data.Dataset.range({i}).shuffle(10)\nif __name__ == '__main__':\n"
     "    tf.random.set_seed(1)\n"),
]


def generate(root: Path, count: int) -> None:
    (root / "helpers").mkdir(parents=True)
    (root / "helpers" / "__init__.py").write_text("")
    (root / "helpers" / "seeding.py").write_text(
        "import tensorflow as tf\n\n\ndef seed_all(seed=0):\n    tf.keras.utils.set_random_seed(seed)\n")
    (root / "pyproject.toml").write_text("[tool.tfseedlint]\nseed = 3\n")
    for i in range(count - 2):
        directory = root / f"pkg{i % 37:02d}" / f"sub{i % 11}"
        directory.mkdir(parents=True, exist_ok=True)
        text = TEMPLATES[i % len(TEMPLATES)].format(i=i)
        if i % 97 == 0:
            cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": text}
            document = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
            (directory / f"m{i:05d}.ipynb").write_text(json.dumps(document))
        else:
            (directory / f"m{i:05d}.py").write_text(text)


#: Runs argv[2:], then writes the peak RSS (kB) of it and its reaped children to argv[1].
LAUNCHER = ("import resource, subprocess, sys\n"
            "status = subprocess.call(sys.argv[2:])\n"
            "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
            "sys.exit(status)\n")


def _tree_rss(pid: int) -> int:
    """Resident memory of `pid` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total


def measured_run(root: Path, *args: str) -> tuple[bytes, int, int, float]:
    """Output, peak RSS of the largest process of the run (from wait4: the
    main process and the workers it reaped), peak RSS of the whole tree
    (sampled), and seconds."""
    start = time.monotonic()
    out_path, err_path, rss_path = root.parent / "out.bin", root.parent / "err.bin", root.parent / "rss"
    with open(out_path, "wb") as out_file, open(err_path, "wb") as err_file:
        # Through a small launcher: a process forked from this (possibly
        # large) test process would inherit its peak RSS in ru_maxrss.
        proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(rss_path),
                                 sys.executable, "-m", "tfseedlint", "--quiet", *args, "."], cwd=root,
                                stdout=out_file, stderr=err_file)
    peak_tree = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.is_set():
            try:
                peak_tree = max(peak_tree, _tree_rss(proc.pid))
            except OSError:
                pass
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    if os.path.isdir("/proc"):
        sampler.start()
        proc.wait(timeout=600)
    done.set()
    elapsed = time.monotonic() - start
    out, err = out_path.read_bytes(), err_path.read_bytes()
    assert b"Traceback" not in err, err.decode(errors="replace")[-3000:]
    assert proc.returncode == 1, err.decode(errors="replace")[-3000:]
    return out, int(rss_path.read_text()) * 1024, peak_tree, elapsed  # ru_maxrss is in kB on Linux


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="RSS is read from /proc and ru_maxrss in kB (Linux)")
def test_ten_thousand_files_parallel_output_is_identical(tmp_path: Path) -> None:
    root = tmp_path / "big"
    generate(root, FILES)
    assert sum(1 for _ in root.rglob("m*.*")) == FILES - 2
    serial, peak_serial, tree_serial, _ = measured_run(root, "--no-cache", "--jobs", "1")
    lines = serial.splitlines()
    assert len(lines) > 5_000
    assert lines == sorted(lines, key=lambda l: (l.split(b":")[0], ))  # sorted by path first
    # --jobs 2 fills the results cache, --jobs 4 reads it: same bytes each time
    for jobs, cache in (("2", "cold"), ("4", "warm")):
        parallel, largest, tree, _ = measured_run(root, "--jobs", jobs)
        assert parallel == serial, f"--jobs {jobs} ({cache} cache) output differs from --jobs 1"
        assert largest < RSS_LIMIT, f"--jobs {jobs}: a process peaked at {largest / 2**20:.0f} MB"
        assert tree < RSS_LIMIT, f"--jobs {jobs}: the process tree peaked at {tree / 2**20:.0f} MB"
    assert (root / ".tfseedlint_cache").exists() or any(root.glob(".*cache*")), "the cache was written"
    peak = max(peak_serial, tree_serial)
    assert peak < RSS_LIMIT, f"--jobs 1: peak RSS {peak / 2**20:.0f} MB"

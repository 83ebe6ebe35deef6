"""The results cache and the cached seed-helper index: what is reused, what
is checked again, and that a run served from the cache imports no LibCST."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tfseedlint import project as project_module
from tfseedlint import runner
from tfseedlint.cache import CACHE_DIR, RACY_NS, RecordStore
from tfseedlint.ftypes import Config
from tfseedlint.project import HelperIndex, Projects, _table
from tfseedlint.paths import iter_source_files
from tfseedlint.runner import lint_files

CONFIG = Config(target_tensorflow="2.21.0")

MAIN = """\
import tensorflow as tf
from utils import seed_all

seed_all()
x = tf.random.normal([2])
"""
UTILS = """\
import tensorflow as tf


def seed_all():
    tf.keras.utils.set_random_seed(0)
"""
OTHER = "import numpy as np\n\nx = np.random.rand(3)\n"
PLAIN = "import os\n\nprint(os.getcwd())\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path / "pyproject.toml", "[project]\nname = 'demo'\n")
    write(tmp_path / "main.py", MAIN)
    write(tmp_path / "utils.py", UTILS)
    write(tmp_path / "other.py", OTHER)
    write(tmp_path / "plain.py", PLAIN)
    return tmp_path


def files_of(root: Path) -> list[Path]:
    return iter_source_files([root], CONFIG)[0]


def via(run: runner.Run) -> dict[str, str]:
    return {Path(path).name: result.via for path, result in run.results}  # type: ignore[attr-defined]


def codes(run: runner.Run, name: str) -> list[str]:
    return [f.code for f in run.findings if Path(f.path).name == name]


def backdate(*paths: Path) -> None:
    """As if written long ago: a stat the cache may trust (not racy)."""
    old = time.time() - 3600
    for path in paths:
        os.utime(path, (old, old))


def test_second_run_is_served_from_the_cache(project: Path) -> None:
    backdate(*files_of(project))
    first = lint_files(files_of(project), CONFIG)
    assert set(via(first).values()) <= {"engine", "prefilter"}
    second = lint_files(files_of(project), CONFIG)
    assert set(via(second).values()) == {"cache"}
    assert second.findings == first.findings and first.findings
    assert codes(first, "main.py") == []  # the helper seeds it


def test_cache_lives_at_the_project_root_and_ignores_itself(project: Path) -> None:
    backdate(*files_of(project))
    lint_files(files_of(project), CONFIG)
    cache = project / CACHE_DIR
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    kinds = sorted(p.name.split("-")[0] for p in cache.glob("*.json"))
    assert kinds == ["functions", "helpers", "results", "tables"]
    assert CACHE_DIR not in {p.parent.name for p in files_of(project)}


def test_no_cache_neither_reads_nor_writes(project: Path) -> None:
    run = lint_files(files_of(project), CONFIG, use_cache=False)
    assert not (project / CACHE_DIR).exists()
    lint_files(files_of(project), CONFIG)
    again = lint_files(files_of(project), CONFIG, use_cache=False)
    assert "cache" not in via(again).values() and again.findings == run.findings


def test_an_edited_file_is_linted_again_and_only_it(project: Path) -> None:
    backdate(*files_of(project))
    lint_files(files_of(project), CONFIG)
    write(project / "other.py", OTHER + "y = np.random.randn(2)\n")
    backdate(project / "other.py")
    run = lint_files(files_of(project), CONFIG)
    assert via(run)["other.py"] == "engine"
    assert {v for k, v in via(run).items() if k != "other.py"} == {"cache"}
    assert codes(run, "other.py") == ["TSL102", "TSL102"]


def test_same_content_under_a_new_stat_comes_from_the_cache(project: Path) -> None:
    backdate(*files_of(project))
    first = lint_files(files_of(project), CONFIG)
    os.utime(project / "other.py")  # touched: a new mtime, the same bytes
    run = lint_files(files_of(project), CONFIG)
    assert via(run)["other.py"] == "cache" and run.findings == first.findings


def test_a_changed_helper_rechecks_the_files_that_use_it(project: Path) -> None:
    backdate(*files_of(project))
    first = lint_files(files_of(project), CONFIG)
    assert codes(first, "main.py") == []
    write(project / "utils.py", "def seed_all():\n    pass\n")  # no longer seeds
    backdate(project / "utils.py")
    run = lint_files(files_of(project), CONFIG)
    assert codes(run, "main.py") == ["TSL101", "TSL401"]
    assert via(run)["main.py"] == "engine"
    assert via(run)["other.py"] == via(run)["plain.py"] == "cache"  # they use no helper
    write(project / "utils.py", UTILS)
    assert codes(lint_files(files_of(project), CONFIG), "main.py") == []


def test_other_settings_are_another_cache(project: Path) -> None:
    backdate(*files_of(project))
    lint_files(files_of(project), CONFIG)
    only = Config(target_tensorflow="2.21.0", select=("TSL102",))
    run = lint_files(files_of(project), only)
    assert "cache" not in via(run).values()
    assert [f.code for f in run.findings] == ["TSL102"]
    assert set(via(lint_files(files_of(project), only)).values()) == {"cache"}


def test_jobs_and_cache_give_the_same_output(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)
    for index in range(8):
        write(project / "pkg" / f"m{index}.py", MAIN if index % 2 else OTHER)
    serial = lint_files(files_of(project), CONFIG, jobs=1, use_cache=False)
    cold = lint_files(files_of(project), CONFIG, jobs=2)  # speculative helper table, corrected
    warm = lint_files(files_of(project), CONFIG, jobs=2)
    assert cold.findings == warm.findings == serial.findings


def test_a_corrupt_or_unwritable_cache_is_ignored(project: Path) -> None:
    expected = lint_files(files_of(project), CONFIG, use_cache=False).findings
    lint_files(files_of(project), CONFIG)
    for store in (project / CACHE_DIR).glob("*.json"):
        store.write_text("{not json")
    assert lint_files(files_of(project), CONFIG).findings == expected
    for store in (project / CACHE_DIR).glob("*.json"):
        store.write_text(json.dumps({"format": 1, "records": {str(project / "main.py"): "nonsense"}}))
    assert lint_files(files_of(project), CONFIG).findings == expected
    for store in (project / CACHE_DIR).glob("*.json"):  # the right shape, wrong data
        document = json.loads(store.read_text())
        for record in document["records"].values():
            record[3] = ["garbage", {}]
        store.write_text(json.dumps(document))
    assert lint_files(files_of(project), CONFIG).findings == expected
    # A file where the cache directory should be: nothing can be written.
    for item in (project / CACHE_DIR).iterdir():
        item.unlink()
    (project / CACHE_DIR).rmdir()
    (project / CACHE_DIR).write_text("in the way")
    assert lint_files(files_of(project), CONFIG).findings == expected


def test_without_project_markers_the_cache_goes_to_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = tmp_path / "tree"
    write(top / "a.py", OTHER)
    write(top / "sub" / "b.py", OTHER)
    write(top / "sub" / "deeper" / "c.py", MAIN)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    lint_files(files_of(top), CONFIG)
    assert [p.parent for p in tmp_path.rglob(CACHE_DIR)] == [work]
    # The command line too: a loose script in `bin/` gets no cache beside it.
    write(tmp_path / "x" / "bin" / "tool.py", MAIN)
    monkeypatch.chdir(top)
    assert main_quiet([str(tmp_path / "x" / "bin" / "tool.py")]) == 1
    assert sorted(p.parent for p in tmp_path.rglob(CACHE_DIR)) == [top, work]


def main_quiet(argv: list[str]) -> int:
    import contextlib
    import io

    from tfseedlint.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(argv)


def test_a_warm_run_imports_neither_libcst_nor_the_rules(project: Path) -> None:
    code = textwrap.dedent("""
        import contextlib, io, sys
        from tfseedlint.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            status = main(["."])
        print(status, "libcst" in sys.modules, "tfseedlint.rules" in sys.modules)
    """)
    backdate(*files_of(project))

    def run() -> str:
        return subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True,
                              check=True).stdout.split()

    assert run() == ["1", "True", "True"]  # cold
    assert run() == ["1", "False", "False"]  # warm


# ---------------------------------------------------------------- stores


def test_record_store_trusts_a_stat_only_when_it_was_not_racy(tmp_path: Path) -> None:
    a, b = str(write(tmp_path / "a.py", "")), str(write(tmp_path / "b.py", ""))
    store = RecordStore(tmp_path, "test")
    old = store.started_ns - 10 * RACY_NS
    store.put(a, (old, old, 3, 1), {"x": 1}, "digest-a")
    store.put(b, (store.started_ns, store.started_ns, 3, 1), {"x": 2}, "digest-b")
    assert store.get(a, (old, old, 3, 1)) == {"x": 1}
    assert store.get(a, (old, old, 4, 1)) is None  # another size
    assert store.get(b, (store.started_ns, store.started_ns, 3, 1)) is None  # changed as it was read
    assert store.digest(b) == "digest-b"
    store.touch(a, (old + 1, old + 1, 3, 1))
    assert store.get(a, (old + 1, old + 1, 3, 1)) == {"x": 1} and store.digest(a) == "digest-a"
    Path(b).unlink()
    store.save()
    again = RecordStore(tmp_path, "test")
    assert again.get(a, (old + 1, old + 1, 3, 1)) == {"x": 1}
    assert again.digest(b) is None  # a file that is gone is forgotten


def test_record_store_prunes_stale_stores_of_its_kind(tmp_path: Path) -> None:
    cache = tmp_path / CACHE_DIR
    cache.mkdir()
    stale = cache / "test-0000000000000000.json"
    stale.write_text("{}")
    os.utime(stale, (0, 0))
    recent = cache / "test-1111111111111111.json"
    recent.write_text("{}")
    other = cache / "results-2222222222222222.json"
    other.write_text("{}")
    os.utime(other, (0, 0))
    store = RecordStore(tmp_path, "test")
    store.put(str(write(tmp_path / "a.py", "")), (1, 1, 1, 1), 1)
    store.save()
    assert not stale.exists() and recent.exists() and other.exists()


# ---------------------------------------------------------------- helper index


HELPER_PROJECT = {
    "pkg/__init__.py": "",
    "pkg/seeding.py": "import random\nimport numpy as np\n\n\ndef seed_everything(s):\n    random.seed(s)\n"
                      "    np.random.seed(s)\n",
    "pkg/relay.py": "from .seeding import seed_everything\n\n\ndef setup(seed=0):\n    seed_everything(seed)\n",
    "pkg/far.py": "from pkg import relay\n\n\ndef init_seed():\n    relay.setup()\n",
    "pkg/decoy.py": "SEED = 3\n\n\ndef seedless():\n    return SEED\n",
    "pkg/method.py": "import random\n\n\nclass A:\n    def seed(self):\n        random.seed(0)\n",
    "pkg/aliased.py": "from tensorflow.random import set_seed as tf_seed\n\n\ndef seed_tf():\n    tf_seed(1)\n",
    "scripts/train.py": "from pkg.far import init_seed\n\ninit_seed()\n",
    "notes.txt": "seed",
}


def helper_project(root: Path) -> Path:
    write(root / "pyproject.toml", "[project]\nname = 'demo'\n")
    for name, text in HELPER_PROJECT.items():
        write(root / name, text)
    return root


def full_scan(root: Path) -> dict:
    """The table as if every file that mentions "seed" were parsed."""
    index = HelperIndex(root, CONFIG)
    return _table(h for path in files_of(root) if path.suffix == ".py" for h in index._scan(path))


def test_helper_table_is_the_same_as_parsing_every_seed_file(tmp_path: Path) -> None:
    root = helper_project(tmp_path)
    table = HelperIndex(root, CONFIG).table()
    assert table == full_scan(root)
    assert {"pkg.seeding.seed_everything", "pkg.relay.setup", "pkg.far.init_seed", "pkg.aliased.seed_tf"} <= set(table)
    assert not any(key.endswith(("seedless", "A.seed", "method.seed")) for key in table)


def test_helper_records_are_reused_and_only_what_changed_is_parsed(tmp_path: Path, monkeypatch) -> None:
    root = helper_project(tmp_path)
    first = Projects(CONFIG, use_cache=True).index(root).table()
    parsed: list[str] = []
    real = HelperIndex._scan

    def scan(self, path):  # type: ignore[no-untyped-def]
        parsed.append(path.name)
        return real(self, path)

    monkeypatch.setattr(HelperIndex, "_scan", scan)
    backdate(*files_of(root))
    Projects(CONFIG, use_cache=True).index(root).table()  # records the stats
    parsed.clear()
    assert Projects(CONFIG, use_cache=True).index(root).table() == first
    assert parsed == []
    write(root / "pkg" / "relay.py", "def setup(seed=0):\n    return seed\n")  # relays no more
    table = Projects(CONFIG, use_cache=True).index(root).table()
    assert set(parsed) <= {"relay.py"}  # it need not even be parsed: it calls no helper
    assert "pkg.relay.setup" not in table and "pkg.far.init_seed" not in table
    assert table == full_scan(root)


def test_memoized_roots_and_packages_are_configs_and_projects(tmp_path: Path) -> None:
    from tfseedlint.config import find_project_root
    from tfseedlint.project import package_of

    write(tmp_path / "repo" / "pyproject.toml", "[project]\nname = 'r'\n")
    write(tmp_path / "repo" / "src" / "pkg" / "__init__.py", "")
    write(tmp_path / "repo" / "src" / "pkg" / "mod.py", "")
    write(tmp_path / "repo" / "sub" / ".git", "gitdir: elsewhere\n")
    write(tmp_path / "repo" / "sub" / "a" / "b.py", "")
    write(tmp_path / "loose" / "x" / "y.py", "")
    (tmp_path / "links").mkdir()
    (tmp_path / "links" / "to_pkg").symlink_to(tmp_path / "repo" / "src" / "pkg")
    (tmp_path / "links" / "mod_link.py").symlink_to(tmp_path / "repo" / "src" / "pkg" / "mod.py")
    paths = [p for p in tmp_path.rglob("*.py")] + [tmp_path / "links" / "to_pkg" / "mod.py",
                                                   tmp_path / "loose" / "missing.py", tmp_path / "repo"]
    projects = Projects(CONFIG)
    for path in paths:
        root = find_project_root(path)
        assert projects.root_of(path) == root, path
        if path.suffix == ".py":
            assert projects.package_of(path, root) == package_of(path, root), path


def test_the_walk_of_the_linted_directory_serves_its_project(tmp_path: Path, monkeypatch) -> None:
    root = helper_project(tmp_path / "proj")
    monkeypatch.chdir(tmp_path)
    files = iter_source_files([Path("proj")], CONFIG)[0]
    expected = HelperIndex(root, CONFIG).table()
    unwalked = lint_files(files, CONFIG, use_cache=False).findings
    walks: list[object] = []
    real = project_module.iter_source_files
    monkeypatch.setattr(project_module, "iter_source_files", lambda *a, **k: walks.append(a) or real(*a, **k))
    run = runner._Runner(CONFIG, 1, use_cache=True)
    run.projects.walked(root, [str(root / f.relative_to("proj")) for f in files])
    assert run.projects.index(root).table() == expected and walks == []
    assert lint_files(files, CONFIG, walked=Path("proj")).findings == unwalked and walks == []


@pytest.mark.parametrize("name", ["libcst", "pytest", "flake8", "Fixit", "tensorflow-cpu", "tensorflow_cpu", "nope-x"])
def test_dist_info_versions_are_importlib_metadatas(name: str) -> None:
    import importlib.metadata

    from tfseedlint.config import _dist_info_version

    try:
        expected: str | None = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        expected = None
    assert _dist_info_version(name) == expected


def test_a_warm_start_does_not_import_importlib_metadata() -> None:
    code = "import sys; import tfseedlint.cli; from tfseedlint.config import installed_version as v; " \
           "v('libcst'); print('importlib.metadata' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"

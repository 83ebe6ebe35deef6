"""Tests of the runtime probe (`tfseedlint probe`) on CPU.

The checks that need TensorFlow start real worker processes (tensorflow-cpu is
enough); the expensive runs happen once per module and several tests read
them. The fake recipes below are imported by those workers (the runner puts
the repository root on their PYTHONPATH) to show that a hanging or crashing
recipe becomes an `error` verdict.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
import types
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from tfseedlint.probe import INSTALL_HINT, cli, runner
from tfseedlint.probe.recipes import (
    CONTROL,
    GPU_OP_KEYS,
    RECIPES,
    Case,
    Recipe,
    canonical_key,
)
from tfseedlint.probe.seeds import (
    DIFFER,
    FACTS,
    FACTS_BY_ID,
    RAISES,
    SAME,
    Expect,
    SeedFact,
    groups,
    judge,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "probe" / "gpu_ops.py"
HAVE_TF = importlib.util.find_spec("tensorflow") is not None
needs_tf = pytest.mark.skipif(not HAVE_TF, reason="needs TensorFlow (pip install 'tfseedlint[probe]')")

# The ops behind TSL403 and TSL405, one recipe each.
TSL403_KEYS = (
    "tensorflow.math.bincount",
    "tensorflow.sparse.sparse_dense_matmul",
    "tensorflow.image.crop_and_resize",
    "tensorflow.image.adjust_contrast",
    "tensorflow.image.random_contrast",
    "tensorflow.image.resize",
    "tensorflow.compat.v1.image.resize_nearest_neighbor",
    "keras.layers.UpSampling2D",
)
TSL405_KEYS = (
    "tensorflow.math.segment_sum",
    "tensorflow.math.segment_prod",
    "tensorflow.math.segment_mean",
    "tensorflow.math.unsorted_segment_sum",
    "tensorflow.math.unsorted_segment_prod",
    "tensorflow.math.unsorted_segment_mean",
    "tensorflow.math.unsorted_segment_sqrt_n",
    "tensorflow.sparse.segment_sum",
    "tensorflow.sparse.segment_mean",
    "tensorflow.sparse.segment_sqrt_n",
    "tensorflow.gather",
    "tensorflow.nn.embedding_lookup",
    "tensorflow.scatter_nd",
    "tensorflow.tensor_scatter_nd_add",
    "tensorflow.tensor_scatter_nd_sub",
    "tensorflow.tensor_scatter_nd_update",
    "tensorflow.nn.softmax_cross_entropy_with_logits",
    "tensorflow.nn.sparse_softmax_cross_entropy_with_logits",
    "tensorflow.nn.ctc_loss",
    "tensorflow.nn.bias_add",
    "tensorflow.nn.conv1d",
    "tensorflow.nn.conv2d",
    "tensorflow.nn.conv3d",
    "keras.layers.Conv1D",
    "keras.layers.Conv2D",
    "keras.layers.Conv3D",
    "keras.layers.Embedding",
)
BACKPROP_KEYS = {
    "tensorflow.image.crop_and_resize",
    "tensorflow.image.resize",
    "tensorflow.compat.v1.image.resize_nearest_neighbor",
    "keras.layers.UpSampling2D",
    "tensorflow.gather",
    "tensorflow.nn.embedding_lookup",
    "tensorflow.nn.bias_add",
    "tensorflow.nn.conv1d",
    "tensorflow.nn.conv2d",
    "tensorflow.nn.conv3d",
    "keras.layers.Conv1D",
    "keras.layers.Conv2D",
    "keras.layers.Conv3D",
    "keras.layers.Embedding",
}


# --------------------------------------------------------------------------
# Fake recipes, run inside workers


def hanging_recipe(tf: Any, np: Any, rng: Any) -> Case:
    def run() -> Any:
        time.sleep(3600)

    return Case(run)


def aborting_recipe(tf: Any, np: Any, rng: Any) -> Case:
    return Case(lambda: os.abort())


def failing_recipe(tf: Any, np: Any, rng: Any) -> Case:
    return Case(lambda: tf.reshape(tf.ones([6]), [4, 4]))  # InvalidArgumentError: a broken recipe


def shape_error_recipe(tf: Any, np: Any, rng: Any) -> Case:
    def run() -> Any:
        raise ValueError("shapes (3,) and (4,) are incompatible")

    return Case(run)


def _fake(name: str) -> Recipe:
    return Recipe(key=f"fake.{name}", rule=CONTROL, build=f"{__name__}:{name}", backprop=False, what="fake")


# --------------------------------------------------------------------------
# Registry (no TensorFlow needed)


def test_one_recipe_per_issue_op_key_with_its_rule() -> None:
    assert set(GPU_OP_KEYS) == set(TSL403_KEYS) | set(TSL405_KEYS)
    assert len(GPU_OP_KEYS) == len(TSL403_KEYS) + len(TSL405_KEYS)
    for key in TSL403_KEYS:
        assert RECIPES[key].rule == "TSL403"
    for key in TSL405_KEYS:
        assert RECIPES[key].rule == "TSL405"
    for key in BACKPROP_KEYS:
        assert RECIPES[key].backprop, key
    assert RECIPES["tensorflow.timestamp"].rule == CONTROL
    assert RECIPES["tensorflow.random.uniform"].rule == CONTROL


def test_every_recipe_builder_resolves() -> None:
    for recipe in RECIPES.values():
        module, _, attr = recipe.build.partition(":")
        assert callable(getattr(importlib.import_module(module), attr)), recipe.key


def test_recipes_match_the_linter_catalog() -> None:
    catalog = pytest.importorskip("tfseedlint.catalog")
    gpu_ops = getattr(catalog, "GPU_OPS", None)
    if gpu_ops is None:
        pytest.skip("catalog has no GPU_OPS yet")
    assert set(gpu_ops) == set(GPU_OP_KEYS)
    for name, op in gpu_ops.items():
        if str(getattr(op, "what", "")).startswith("backprop"):
            assert RECIPES[name].backprop, name


def test_canonical_key_accepts_short_spellings() -> None:
    assert canonical_key("tf.math.bincount") == "tensorflow.math.bincount"
    assert canonical_key("tf.keras.layers.Conv2D") == "keras.layers.Conv2D"
    assert canonical_key(" keras.layers.Embedding ") == "keras.layers.Embedding"


def test_unknown_op_key_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--ops", "tf.math.bincount,tensorflow.nope"]) == 2
    assert "tensorflow.nope" in capsys.readouterr().err


def test_list_ops_runs_as_a_module_without_tensorflow() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tfseedlint.probe", "--list-ops"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 0
    assert "tensorflow.math.bincount  [TSL403]" in proc.stdout


def test_worker_environment_drops_inherited_determinism(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_DETERMINISTIC_OPS", "1")
    env = runner.worker_env("cpu")
    assert "TF_DETERMINISTIC_OPS" not in env
    assert env["CUDA_VISIBLE_DEVICES"] == "-1"
    assert env["KERAS_BACKEND"] == "tensorflow"
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(ROOT)
    assert runner.worker_env("cpu", [("TF_DETERMINISTIC_OPS", "1")])["TF_DETERMINISTIC_OPS"] == "1"


# --------------------------------------------------------------------------
# Verdicts and judging (no TensorFlow needed)


def _ok(**data: Any) -> runner.WorkerResult:
    return runner.WorkerResult({"status": "ok", **data}, None, 1.0)


def test_op_verdicts() -> None:
    v = runner.op_verdict(
        _ok(runs=5, differing_runs=3, parts_differing=["backprop"], max_abs_diff=2.5e-07), determinism=False
    )
    assert v.kind == runner.NONDETERMINISTIC
    assert v.text == "nondeterministic (3 of 5 runs differ from the first, max abs diff 2.5e-07, in backprop)"
    v = runner.op_verdict(_ok(runs=5, differing_runs=0, max_abs_diff=0.0), determinism=False)
    assert (v.kind, v.text) == (runner.STABLE, "stable in 5 runs")
    v = runner.op_verdict(_ok(runs=5, differing_runs=0, max_abs_diff=0.0), determinism=True)
    assert (v.kind, v.text) == (runner.DETERMINISTIC, "deterministic under determinism")
    raised = {"status": "raised", "phase": "backprop", "run": 1, "error_class": "UnimplementedError", "message": "m"}
    v = runner.op_verdict(runner.WorkerResult(raised, None, 1.0), determinism=True)
    assert v.kind == runner.RAISES
    assert v.text == "raises under determinism: UnimplementedError: m (in backprop)"
    v = runner.op_verdict(runner.WorkerResult(None, "timed out after 5 s", 5.0), determinism=False)
    assert (v.kind, v.text) == (runner.ERROR, "error: timed out after 5 s")


def test_judge_names_the_rules_whose_premise_changed() -> None:
    fact = SeedFact(
        "f",
        "claim",
        "observe_no_seed",
        (
            Expect("Dense kernel", DIFFER, ("TSL404", "TSL301")),
            Expect("tf.random.uniform()", SAME, ("TSL101",)),
            Expect("Adam(seed=1)", RAISES + "ValueError", ("TSL303",)),
        ),
        group="g",
    )
    same = {"Dense kernel": "a", "tf.random.uniform()": "b", "Adam(seed=1)": "raises ValueError: x"}
    assert judge(fact, [same, same]).kind == "changed"  # the kernel no longer differs
    verdict = judge(fact, [same, dict(same, **{"Dense kernel": "z"})])
    assert verdict.kind == "holds"
    broken = dict(same, **{"Dense kernel": "z", "Adam(seed=1)": "no exception"})
    verdict = judge(fact, [same, broken])
    assert verdict.kind == "changed"
    assert verdict.rules_changed == ("TSL303",)
    assert "TSL303" in verdict.text and "no exception" in verdict.text
    verdict = judge(fact, [same, {"tf.random.uniform()": "b"}])
    assert verdict.kind == "error"
    assert judge(fact, [same, None], ["timed out after 3 s"]).text == "error: timed out after 3 s"


def test_every_seed_rule_is_covered_by_a_fact() -> None:
    rules = {r for fact in FACTS for e in fact.expects for r in e.rules}
    assert {"TSL101", "TSL102", "TSL103", "TSL104", "TSL105", "TSL201", "TSL207", "TSL301", "TSL302", "TSL303",
            "TSL404"} <= rules


def test_text_report_points_verdicts_to_call_sites() -> None:
    from tfseedlint.probe.report import render_text

    stable = runner.Verdict(runner.STABLE, "stable in 5 runs")
    raises = runner.Verdict(runner.RAISES, "raises under determinism: UnimplementedError: no kernel")
    report = runner.OpReport(
        "tensorflow.math.bincount", "TSL403", "", False, (("src/a.py", 3), ("src/b.py", 10)), stable, raises
    )
    env = {
        "device": "gpu", "device_model": "NVIDIA H100", "gpus": [{"name": "NVIDIA H100", "compute_capability": "9.0"}],
        "tensorflow": "2.21.0", "keras": "3.15.1", "numpy": "2.4.6", "python": "3.11.7",
        "cuda_build": True, "cuda_version": "12.5.1", "cudnn_version": "9",
    }
    text = render_text(env, [report], [], runs=5, timeout=60)
    assert "device GPU (NVIDIA H100, compute capability 9.0)" in text
    assert "TensorFlow 2.21.0" in text and "CUDA 12.5.1, cuDNN 9" in text
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("tf.math.bincount"))
    assert lines[row].split() == ["tf.math.bincount", "TSL403", "stable", "raises"]
    assert lines[row + 1] == "  used at: src/a.py:3, src/b.py:10"
    assert "  tf.math.bincount (determinism on): raises under determinism: UnimplementedError: no kernel" in lines


def test_text_report_fits_100_columns() -> None:
    from tfseedlint.probe.report import WIDTH, render_text

    long_error = runner.Verdict(runner.ERROR, "error: " + "InvalidArgumentError: a long message " * 20)
    nondet = runner.Verdict(runner.NONDETERMINISTIC, "nondeterministic (3 of 5 runs differ from the first, "
                                                     "max abs diff 0.5, in forward and backprop)")
    sites = tuple((f"src/some/deeply/nested/package/module_{i}.py", 1000 + i) for i in range(40))
    ops = [runner.OpReport(key, RECIPES[key].rule, "", False, sites, nondet, long_error) for key in RECIPES]
    fact = FACTS[0]
    changed = types.SimpleNamespace(fact=fact, verdict=judge(fact, [{"tf.random.uniform()": "a",
                                                                     "Dataset.shuffle()": "b"},
                                                                    {"tf.random.uniform()": "c",
                                                                     "Dataset.shuffle()": "b"}]))
    env = {"device": "gpu", "device_model": "NVIDIA H100 80GB HBM3 with a very long marketing name " * 2,
           "tensorflow": "2.21.0", "keras": "3.15.1", "numpy": "2.4.6", "python": "3.11.7", "cuda_build": True}
    text = render_text(env, ops, [changed], runs=5, timeout=60)
    assert changed.verdict.kind == "changed" and "CHANGED" in text
    assert "+" in text and "more" in text  # the site list was cut short
    for line in text.splitlines():
        assert len(line) <= WIDTH, line


def test_sites_from_the_linter_reach_the_report(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    """Plumbing only: fake engine and fake runner, no subprocess."""
    fake_engine = types.ModuleType("tfseedlint.engine")
    seen: list[Any] = []

    def gpu_op_sites(paths: Any) -> dict[str, list[tuple[str, int]]]:
        seen.append(list(paths))
        return {"tensorflow.nn.conv2d": [("b.py", 9), ("a.py", 4)], "tensorflow.gather": []}

    fake_engine.gpu_op_sites = gpu_op_sites  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tfseedlint.engine", fake_engine)
    monkeypatch.setattr(runner, "probe_environment", lambda device, timeout: {"device": "cpu", "device_model": "x"})

    def run_probe(ops: Any, facts: Any, **kw: Any) -> Any:
        v = runner.Verdict(runner.STABLE, "stable in 2 runs")
        return [runner.OpReport(k, "TSL405", "", True, tuple(sorted(s)), v, v) for k, s in ops.items()], []

    monkeypatch.setattr(runner, "run_probe", run_probe)
    monkeypatch.setattr(runner, "start_zygotes", lambda envs: None)
    monkeypatch.setattr("tfseedlint.probe.cli.tensorflow_available", lambda: True)
    assert cli.main([str(tmp_path), "--format", "json"]) == 0
    assert seen == [[tmp_path]]
    doc = json.loads(capsys.readouterr().out)
    assert [op["op"] for op in doc["ops"]] == ["tensorflow.nn.conv2d"]  # ops without sites are dropped
    assert doc["ops"][0]["sites"] == [{"path": "a.py", "line": 4}, {"path": "b.py", "line": 9}]


# --------------------------------------------------------------------------
# Without TensorFlow


def test_without_tensorflow_prints_install_hint_and_exits_2(monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "tensorflow" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert cli.main(["--seeds"]) == 2
    assert INSTALL_HINT in capsys.readouterr().err


def test_without_site_packages_the_probe_exits_2_with_hint() -> None:
    # -S leaves site-packages (TensorFlow, NumPy, LibCST) off sys.path: the
    # situation of a plain `pip install tfseedlint`.
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from tfseedlint.probe.cli import main; sys.exit(main())"
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code, "--ops", "all"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "pip install 'tfseedlint[probe]'" in proc.stderr
    assert proc.stdout == ""


# --------------------------------------------------------------------------
# Real workers


_PARENT_CHECK = (
    "import sys; from tfseedlint.probe.cli import main; rc = main(sys.argv[1:]); "
    "sys.stderr.write('PARENT IMPORTED ' + ' '.join(m for m in ('tensorflow', 'numpy', 'keras') if m in sys.modules)); "
    "sys.exit(rc)"
)


def _run_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`tfseedlint probe ARGS` in a fresh interpreter that reports which heavy
    modules the parent process imported (it must import none)."""
    return subprocess.run(
        [sys.executable, "-c", _PARENT_CHECK, *args],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False,
    )


@pytest.fixture(scope="module")
def probe_run() -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """The controls, one stable op and the seed facts, in one probe run."""
    proc = _run_cli(
        "--ops", "tensorflow.timestamp,tf.random.uniform,tf.math.segment_sum",
        "--seeds", "--runs", "3", "--device", "cpu", "--format", "json",
    )
    # Exit 1: tf.random.uniform and tf.timestamp are nondeterministic (for CI).
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc, json.loads(proc.stdout)


def _op(doc: dict[str, Any], key: str) -> dict[str, Any]:
    return next(op for op in doc["ops"] if op["op"] == key)


@needs_tf
def test_timestamp_raises_failed_precondition_under_determinism(probe_run: Any) -> None:
    on = _op(probe_run[1], "tensorflow.timestamp")["determinism_on"]
    assert on["verdict"] == "raises"
    assert on["error_class"] == "FailedPreconditionError"
    assert on["text"].startswith("raises under determinism: FailedPreconditionError: Timestamp cannot be called")


@needs_tf
def test_unseeded_random_op_raises_under_determinism(probe_run: Any) -> None:
    # TF 2.21 raises RuntimeError from Python (random_seed.get_seed) on CPU.
    on = _op(probe_run[1], "tensorflow.random.uniform")["determinism_on"]
    assert on["verdict"] == "raises"
    assert on["error_class"] == "RuntimeError"
    assert "require a seed" in on["message"]


@needs_tf
def test_repeated_runs_are_compared_bitwise(probe_run: Any) -> None:
    off = _op(probe_run[1], "tensorflow.random.uniform")["determinism_off"]
    assert off["verdict"] == "nondeterministic"
    assert off["differing_runs"] == 2 and off["max_abs_diff"] > 0
    assert off["text"].startswith("nondeterministic (2 of 3 runs differ from the first, max abs diff ")
    seg = _op(probe_run[1], "tensorflow.math.segment_sum")
    assert seg["determinism_off"]["verdict"] == "stable"
    assert seg["determinism_off"]["text"] == "stable in 3 runs"
    assert seg["determinism_on"]["verdict"] == "deterministic"
    assert "CPU:0" in seg["determinism_off"]["placement"]


@needs_tf
def test_json_report_shape(probe_run: Any) -> None:
    proc, doc = probe_run
    assert set(doc) == {"tool", "version", "environment", "settings", "ops", "seed_facts", "summary",
                        "tensorflow_starts"}
    # One TensorFlow start: every check is forked from it, also those of the
    # facts run with TF_DETERMINISTIC_OPS=1 / TF_USE_LEGACY_KERAS=1, which
    # TensorFlow reads on first use (the child checks they took effect).
    assert doc["tensorflow_starts"] == 1
    env = doc["environment"]
    assert env["device"] == "cpu"
    assert env["tensorflow"] == metadata.version("tensorflow-cpu" if _installed("tensorflow-cpu") else "tensorflow")
    assert isinstance(env["build_info"], dict)
    assert env["cuda_build"] is bool(env["build_info"].get("is_cuda_build"))
    assert {"device_model", "keras", "numpy", "python", "cuda_version", "cudnn_version", "gpus"} <= set(env)
    assert doc["settings"] == {"runs": 3, "timeout_s": 180.0, "device": "cpu"}
    assert [op["op"] for op in doc["ops"]] == [
        "tensorflow.math.segment_sum", "tensorflow.timestamp", "tensorflow.random.uniform"
    ]
    for op in doc["ops"]:
        assert {"op", "rule", "recipe", "backprop", "sites", "determinism_off", "determinism_on"} <= set(op)
        assert op["sites"] == []
        for check in (op["determinism_off"], op["determinism_on"]):
            assert {"verdict", "text", "seconds"} <= set(check)
    assert len(doc["seed_facts"]) == len(FACTS)
    for fact in doc["seed_facts"]:
        assert {"fact", "claim", "verdict", "text", "rules_changed", "checks"} <= set(fact)
        for check in fact["checks"]:
            assert {"name", "expected", "observed", "holds", "rules"} <= set(check)
    assert doc["summary"]["ops"] == 3 and doc["summary"]["errors"] == 0
    assert doc["summary"]["raises_under_determinism"] == 2
    checks = 3 * 2 + sum(g.processes for g in groups(FACTS))  # 3 ops x 2 checks + the seed processes
    assert f"[{checks}/{checks}]" in proc.stderr  # progress on stderr
    assert proc.stderr.endswith("PARENT IMPORTED ")  # no TensorFlow in the parent


def _installed(dist: str) -> bool:
    try:
        metadata.version(dist)
    except metadata.PackageNotFoundError:
        return False
    return True


@pytest.fixture(scope="module")
def fake_verdicts() -> dict[str, runner.Verdict]:
    """Fake recipes, checked in parallel: one hangs, one aborts the
    interpreter, one is broken, one raises a ValueError unrelated to
    determinism under determinism."""
    checks = {
        "hang": (_fake("hanging_recipe"), False, 6.0),
        "abort": (_fake("aborting_recipe"), False, 300.0),
        "fail": (_fake("failing_recipe"), False, 300.0),
        "shape": (_fake("shape_error_recipe"), True, 300.0),
    }
    start = time.monotonic()
    with ThreadPoolExecutor(len(checks)) as pool:
        futures = {
            name: pool.submit(runner.check_op, recipe, determinism=d, runs=2, device="cpu", timeout=t)
            for name, (recipe, d, t) in checks.items()
        }
        verdicts = {name: f.result() for name, f in futures.items()}
    assert time.monotonic() - start < 120
    runner.close_zygotes()
    return verdicts


@needs_tf
def test_hanging_recipe_is_an_error_verdict(fake_verdicts: dict[str, runner.Verdict]) -> None:
    assert fake_verdicts["hang"].kind == runner.ERROR
    assert fake_verdicts["hang"].text == "error: timed out after 6 s"


@needs_tf
def test_crashing_recipe_is_an_error_verdict(fake_verdicts: dict[str, runner.Verdict]) -> None:
    assert fake_verdicts["abort"].kind == runner.ERROR
    assert fake_verdicts["abort"].text.startswith("error: worker killed by signal SIGABRT")


@needs_tf
def test_broken_recipes_are_error_verdicts(fake_verdicts: dict[str, runner.Verdict]) -> None:
    assert fake_verdicts["fail"].kind == runner.ERROR
    assert fake_verdicts["fail"].text.startswith("error: InvalidArgumentError: ")
    # Under determinism, a ValueError that does not mention determinism is a
    # broken recipe, not TensorFlow refusing the op.
    assert fake_verdicts["shape"].kind == runner.ERROR
    assert fake_verdicts["shape"].text == "error: ValueError: shapes (3,) and (4,) are incompatible"


@needs_tf
@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="a GPU may be present")
def test_device_gpu_without_a_gpu_exits_2() -> None:
    proc = _run_cli("--ops", "tensorflow.timestamp", "--device", "gpu", timeout=300)
    assert proc.returncode == 2
    assert "sees no GPU" in proc.stderr
    assert proc.stdout == ""


# --------------------------------------------------------------------------
# Seed facts


@needs_tf
def test_seed_facts_hold_on_the_installed_versions(probe_run: Any) -> None:
    seeds = probe_run[1]
    verdicts = {f["fact"]: f for f in seeds["seed_facts"]}
    assert set(verdicts) == set(FACTS_BY_ID)
    for fact in verdicts.values():
        assert fact["verdict"] == "holds", fact["text"]
        assert fact["rules_changed"] == []
    assert seeds["summary"]["facts_changed"] == seeds["summary"]["facts_error"] == 0


@needs_tf
def test_seed_facts_compare_pairs_of_processes(probe_run: Any) -> None:
    seeds = probe_run[1]
    checks = {c["name"]: c for f in seeds["seed_facts"] for c in f["checks"]}
    # tf.random.set_seed alone: the Dense kernel differs between two processes...
    misses = next(f for f in seeds["seed_facts"] if f["fact"] == "tf-seed-misses-keras")
    dense = next(c for c in misses["checks"] if c["name"] == "Dense kernel")
    assert dense["expected"] == DIFFER and len(set(dense["observed"])) == 2
    # ...keras.utils.set_random_seed makes it identical.
    covers = next(f for f in seeds["seed_facts"] if f["fact"] == "keras-set-random-seed-covers-all")
    dense = next(c for c in covers["checks"] if c["name"] == "Dense kernel")
    assert dense["expected"] == SAME and len(dense["observed"]) == 2 and len(set(dense["observed"])) == 1
    adam = checks["keras.optimizers.Adam(seed=1)"]
    assert all(o.startswith("raises ValueError: Argument(s) not recognized") for o in adam["observed"])
    assert checks["np.random.default_rng()"]["holds"]
    assert checks["Dataset.shuffle()"]["holds"]


# --------------------------------------------------------------------------
# Call sites from the linter


def _gpu_op_sites() -> Any:
    engine = pytest.importorskip("tfseedlint.engine")
    if not hasattr(engine, "gpu_op_sites"):
        pytest.skip("tfseedlint.engine.gpu_op_sites does not exist yet")
    return engine.gpu_op_sites


def test_fixture_sites_cover_every_gpu_op() -> None:
    gpu_op_sites = _gpu_op_sites()
    sites = gpu_op_sites([FIXTURE])
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    for key in GPU_OP_KEYS:
        assert sites.get(key), f"{key} not found in the fixture"
        for path, line in sites[key]:
            assert Path(path).name == "gpu_ops.py"
            assert key.rsplit(".", 1)[1] in lines[line - 1], (key, line)


@needs_tf
def test_probe_points_verdicts_to_call_sites(tmp_path: Path) -> None:
    _gpu_op_sites()
    script = tmp_path / "pool.py"
    script.write_text(textwrap.dedent("""\
        import tensorflow as tf


        def pool(data, ids):
            return tf.math.unsorted_segment_sum(data, ids, num_segments=8)
        """), encoding="utf-8")
    proc = _run_cli(str(script), "--runs", "2", "--device", "cpu", "--format", "json")
    assert proc.returncode == 0, proc.stderr[-3000:]  # nothing nondeterministic
    doc = json.loads(proc.stdout)
    assert doc["tensorflow_starts"] == 1
    assert [op["op"] for op in doc["ops"]] == ["tensorflow.math.unsorted_segment_sum"]
    (site,) = doc["ops"][0]["sites"]
    assert Path(site["path"]).name == "pool.py" and site["line"] == 5
    assert doc["ops"][0]["determinism_off"]["verdict"] == "stable"


# --------------------------------------------------------------------------
# Exit status, width, TensorFlow starts


def test_nothing_to_probe_starts_no_tensorflow(tmp_path: Path) -> None:
    # A stand-in `tensorflow` that leaves a mark when anything imports it.
    fake = tmp_path / "fake"
    (fake / "tensorflow").mkdir(parents=True)
    marker = tmp_path / "tensorflow-imported"
    (fake / "tensorflow" / "__init__.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nraise ImportError('stand-in')\n", encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    (project / "plain.py").write_text("import numpy as np\n\nx = np.zeros(3)\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(fake), str(ROOT)]))

    def probe(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tfseedlint", "probe", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300, check=False)

    proc = probe(str(project), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert "nothing to probe" in proc.stderr
    assert json.loads(proc.stdout)["ops"] == []
    assert not marker.exists()
    # The mark works: an op to probe starts (the stand-in) TensorFlow.
    proc = probe("--ops", "tensorflow.timestamp", "--device", "cpu")
    assert proc.returncode == 2 and "cannot start TensorFlow" in proc.stderr, proc.stderr
    assert marker.exists()


@needs_tf
def test_text_report_of_a_real_run_fits_100_columns(tmp_path: Path) -> None:
    _gpu_op_sites()
    script = tmp_path / "a_module_with_a_rather_long_name_for_a_training_loss_function.py"
    calls = "".join(f"    l{i} = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)\n"
                    for i in range(30))
    script.write_text(f"import tensorflow as tf\n\n\ndef loss(labels, logits):\n{calls}", encoding="utf-8")
    proc = _run_cli(str(script), "--ops", "tf.random.uniform", "--runs", "2", "--device", "cpu")
    # tf.random.uniform (unseeded) is nondeterministic: exit 1, for CI.
    assert proc.returncode == 1, proc.stderr[-3000:]
    out = proc.stdout.splitlines()
    assert any(line.split()[:3] == ["tf.random.uniform", "control", "NONDETERMINISTIC"] for line in out)
    assert any(line.startswith("tf.nn.sparse_softmax_cross_entropy_with_logits  TSL405") for line in out)
    assert any("+" in line and "more" in line for line in out if line.startswith("  used at: "))
    for line in out + proc.stderr.splitlines()[:-1]:  # the last: which modules the parent imported
        assert len(line) <= 100, line


@needs_tf
def test_no_fork_starts_tensorflow_for_every_check() -> None:
    proc = _run_cli("--ops", "tensorflow.timestamp", "--runs", "2", "--device", "cpu", "--format", "json",
                    "--no-fork")
    assert proc.returncode == 1, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    assert doc["tensorflow_starts"] == 3  # the device, then one per check
    assert _op(doc, "tensorflow.timestamp")["determinism_on"]["error_class"] == "FailedPreconditionError"
    assert _op(doc, "tensorflow.timestamp")["determinism_off"]["verdict"] == "nondeterministic"


def test_lazily_read_variables_share_the_plain_zygote_unless_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "_needs_own_zygote", set())
    assert runner._mode([("TF_DETERMINISTIC_OPS", "1")]) == ()
    assert runner._mode([("TF_USE_LEGACY_KERAS", "1")]) == ()
    assert runner._mode([("SOME_OTHER_VARIABLE", "1")]) == (("SOME_OTHER_VARIABLE", "1"),)
    runner._needs_own_zygote.add((("TF_DETERMINISTIC_OPS", "1"),))  # a child said it did not take effect
    assert runner._mode([("TF_DETERMINISTIC_OPS", "1")]) == (("TF_DETERMINISTIC_OPS", "1"),)


@needs_tf
def test_a_forked_child_sees_whether_a_late_variable_took_effect() -> None:
    # After `import tensorflow`, a forked child that sets TF_DETERMINISTIC_OPS
    # gets op determinism; once TensorFlow has read the variable, setting it
    # no longer works, and the check says so (the mode then gets its own zygote).
    code = textwrap.dedent("""\
        import os, sys
        import tensorflow
        from tfseedlint.probe.zygote import _determinism_applied
        pid = os.fork()
        if pid == 0:
            os.environ["TF_DETERMINISTIC_OPS"] = "1"
            os._exit(0 if _determinism_applied() else 1)
        _, status = os.waitpid(pid, 0)
        from tensorflow.python.framework.config import is_op_determinism_enabled
        is_op_determinism_enabled()  # TensorFlow reads the variable now
        os.environ["TF_DETERMINISTIC_OPS"] = "1"
        print(os.waitstatus_to_exitcode(status), _determinism_applied())
        """)
    env = runner._zygote_env(())  # as a zygote runs: single-threaded
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.stdout.split() == ["0", "False"], proc.stderr[-2000:]

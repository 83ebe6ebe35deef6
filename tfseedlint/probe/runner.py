"""Parent side of the probe: runs each check in a process of its own (forked
from the zygote of its mode, see `zygote.py`, or a fresh subprocess where
fork is unavailable or unsafe), enforces the timeout, and turns each
worker's JSON result into a verdict.

Nothing here imports TensorFlow. A worker that crashes, hangs or writes no
result yields an `error` verdict with the reason; it never takes the probe
down with it.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import signal
import site
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tfseedlint.probe.recipes import RECIPES, Recipe
from tfseedlint.probe.seeds import FactVerdict, Group, SeedFact, groups, judge
from tfseedlint.probe.zygote import LAZY_ENV, NOT_APPLIED, ZYGOTE_ENV, ForkRefused, Zygote, ZygoteError

Site = tuple[str, int]
T = TypeVar("T")

# Verdict kinds (the `verdict` field of the JSON report).
NONDETERMINISTIC = "nondeterministic"
STABLE = "stable"
RAISES = "raises"
DETERMINISTIC = "deterministic"
ERROR = "error"

# A determinism request inherited from the caller's shell would silently turn
# the "determinism off" check into a second "on" check.
_SCRUBBED_ENV = ("TF_DETERMINISTIC_OPS", "TF_CUDNN_DETERMINISTIC")
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
# TensorFlow's own info / warning log lines say nothing about why a worker died.
_LOG_NOISE = re.compile(r"^([IW]\d{4} |WARNING: All log messages before absl)")


class ProbeError(Exception):
    """The probe cannot run at all (no usable TensorFlow, no GPU asked for...)."""


@dataclass(frozen=True)
class WorkerResult:
    data: dict[str, Any] | None
    error: str | None  # why there is no usable result
    seconds: float


@dataclass(frozen=True)
class Verdict:
    kind: str
    text: str
    details: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class OpReport:
    key: str
    rule: str
    what: str
    backprop: bool
    sites: tuple[Site, ...]
    off: Verdict
    on: Verdict


@dataclass(frozen=True)
class FactReport:
    fact: SeedFact
    verdict: FactVerdict
    seconds: float


# --------------------------------------------------------------------------
# Workers

_live: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()
_stopping = threading.Event()  # set on Ctrl-C: start no more workers


def worker_env(device: str, extra: Sequence[tuple[str, str]] = ()) -> dict[str, str]:
    env = dict(os.environ)
    for var in _SCRUBBED_ENV:
        env.pop(var, None)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["KERAS_BACKEND"] = "tensorflow"
    env.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")  # parallel workers share one GPU
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = "-1"
    # The worker runs in an empty temporary directory (so nothing of the
    # user's tree can shadow a module); it still has to find tfseedlint. A
    # site directory is never put on PYTHONPATH: that would rank it above
    # the standard library.
    if not _is_site_dir(_PACKAGE_ROOT):
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def _is_site_dir(path: str) -> bool:
    sites = [*site.getsitepackages(), site.getusersitepackages()] if hasattr(site, "getsitepackages") else []
    return any(os.path.realpath(path) == os.path.realpath(d) for d in sites)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)  # the worker's own session: it and its children
        else:  # pragma: no cover - Windows
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass


def terminate_all() -> None:
    """Kill every worker still running (on Ctrl-C: they do not get the
    terminal's SIGINT, living in their own sessions)."""
    _stopping.set()
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        _kill(proc)
    _ZYGOTES.close()  # a zygote kills its children when its input ends


def _why_died(returncode: int, stderr: bytes) -> str:
    if returncode < 0:
        try:
            why = f"worker killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            why = f"worker killed by signal {-returncode}"
    else:
        why = f"worker exited with status {returncode} without a result"
    lines = [
        ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines()
        if ln.strip() and not _LOG_NOISE.match(ln.strip())
    ]
    if lines:
        last = lines[-1]
        why += f" ({last[:200]})"
    return why


def _zygote_env(extra: Sequence[tuple[str, str]]) -> dict[str, str]:
    """A zygote's environment: a worker's, less what only the child needs."""
    env = worker_env("auto", extra)
    env.update(ZYGOTE_ENV)
    return env


def _child_env(device: str) -> dict[str, str]:
    """Set in a forked child before TensorFlow's runtime starts (CUDA reads
    it when it initialises, in the child)."""
    return {"CUDA_VISIBLE_DEVICES": "-1"} if device == "cpu" else {}


class _Zygotes:
    """The zygotes of this probe run, one per environment (mode), started
    on first use and ended by `close_zygotes`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._zygotes: dict[tuple[tuple[str, str], ...], Zygote] = {}
        self.started = 0  # zygotes started: TensorFlow starts
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def get(self, extra: Sequence[tuple[str, str]]) -> Zygote:
        key = tuple(sorted(extra))
        with self._lock:
            zygote = self._zygotes.get(key)
            if zygote is None:
                if self._tmp is None:
                    # An empty directory: nothing of the user's tree can
                    # shadow a module (sys.path[0] of `python -m`).
                    self._tmp = tempfile.TemporaryDirectory(prefix="tfseedlint-probe-")
                zygote = self._zygotes[key] = Zygote(_zygote_env(key), self._tmp.name)
                self.started += 1
            return zygote

    def close(self, *, kill: bool = False) -> None:
        with self._lock:
            zygotes, self._zygotes = list(self._zygotes.values()), {}
            tmp, self._tmp = self._tmp, None
        for zygote in zygotes:
            zygote.kill() if kill else zygote.close()
        if tmp is not None:
            tmp.cleanup()


_ZYGOTES = _Zygotes()
#: Seconds a zygote may take to import TensorFlow.
ZYGOTE_START_TIMEOUT_S = 300.0
atexit.register(_ZYGOTES.close, kill=True)
#: Fork checks from a zygote (False: one fresh process per check, as on
#: platforms without fork, and with `tfseedlint probe --no-fork`).
USE_ZYGOTE = hasattr(os, "fork") and sys.platform.startswith("linux")


def start_zygotes(envs: Sequence[Sequence[tuple[str, str]]]) -> None:
    """Start the zygotes of the modes of checks with these variables now, so
    that they import TensorFlow side by side rather than one after the other."""
    if USE_ZYGOTE and not _stopping.is_set():
        for extra in envs:
            _ZYGOTES.get(_mode(extra))


def close_zygotes() -> None:
    _ZYGOTES.close()


_fresh_starts = 0  # workers started afresh (each starts TensorFlow)


def tensorflow_starts() -> int:
    """How many processes imported TensorFlow so far: one per zygote, plus
    one per check run in a fresh process."""
    return _ZYGOTES.started + _fresh_starts


def run_worker(
    args: Sequence[str],
    *,
    timeout: float,
    device: str,
    extra_env: Sequence[tuple[str, str]] = (),
) -> WorkerResult:
    """Run `python -m tfseedlint.probe.worker ARGS --out FILE` in a process
    of its own (forked from the zygote of its mode, or started afresh) and
    read FILE back."""
    if _stopping.is_set():
        return WorkerResult(None, "interrupted", 0.0)
    if USE_ZYGOTE:
        try:
            return _run_forked(args, timeout=timeout, device=device, extra_env=extra_env)
        except ForkRefused:
            pass
        except ZygoteError as exc:
            return WorkerResult(None, f"TensorFlow did not start: {exc}", 0.0)
    return _run_fresh(args, timeout=timeout, device=device, extra_env=extra_env)


def _read_result(out: str) -> dict[str, Any] | None:
    try:
        with open(out, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _result(data: dict[str, Any] | None, timed_out: bool, returncode: int | None, stderr: bytes,
            timeout: float, elapsed: float) -> WorkerResult:
    # A result written before a hang or crash at interpreter exit still counts.
    if data is not None:
        return WorkerResult(data, None, elapsed)
    if timed_out:
        return WorkerResult(None, f"timed out after {timeout:g} s", elapsed)
    return WorkerResult(None, _why_died(returncode if returncode is not None else 1, stderr), elapsed)


#: Modes whose variables did not take effect when set in a forked child.
_needs_own_zygote: set[tuple[tuple[str, str], ...]] = set()


def _mode(extra_env: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The zygote a check with these variables forks from: the plain one
    when TensorFlow reads them all lazily (the child sets them)."""
    key = tuple(sorted(extra_env))
    if key in _needs_own_zygote or any(name not in LAZY_ENV for name, _ in key):
        return key
    return ()


def _run_forked(args: Sequence[str], *, timeout: float, device: str,
                extra_env: Sequence[tuple[str, str]]) -> WorkerResult:
    mode = _mode(extra_env)
    zygote = _ZYGOTES.get(mode)
    # TensorFlow's start is no check's: it gets its own allowance.
    zygote.wait_ready(max(timeout, ZYGOTE_START_TIMEOUT_S))
    late = {} if mode else dict(extra_env)
    with tempfile.TemporaryDirectory(prefix="tfseedlint-probe-") as tmp:
        out, err = os.path.join(tmp, "result.json"), os.path.join(tmp, "stderr.txt")
        start = time.monotonic()
        status, timed_out = zygote.run(args, out=out, err=err, timeout=timeout,
                                       env={**_child_env(device), **late}, verify=list(late))
        if status == NOT_APPLIED and late and not os.path.exists(out):
            _needs_own_zygote.add(tuple(sorted(extra_env)))
            return _run_forked(args, timeout=timeout, device=device, extra_env=extra_env)
        elapsed = time.monotonic() - start
        try:
            with open(err, "rb") as f:
                stderr = f.read()
        except OSError:
            stderr = b""
        return _result(_read_result(out), timed_out, status, stderr, timeout, elapsed)


def _run_fresh(args: Sequence[str], *, timeout: float, device: str,
               extra_env: Sequence[tuple[str, str]]) -> WorkerResult:
    global _fresh_starts
    with tempfile.TemporaryDirectory(prefix="tfseedlint-probe-") as tmp:
        out = os.path.join(tmp, "result.json")
        cmd = [sys.executable, "-m", "tfseedlint.probe.worker", *args, "--out", out]
        start = time.monotonic()
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=tmp,
                env=worker_env(device, extra_env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            return WorkerResult(None, f"cannot start worker: {exc}", 0.0)
        with _live_lock:
            _live.add(proc)
            _fresh_starts += 1
        timed_out = False
        try:
            _, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(proc)
            _, stderr = proc.communicate()
        finally:
            with _live_lock:
                _live.discard(proc)
        elapsed = time.monotonic() - start
        data = _read_result(out)
    return _result(data, timed_out, proc.returncode, stderr, timeout, elapsed)


# --------------------------------------------------------------------------
# Environment


def probe_environment(device: str, timeout: float) -> dict[str, Any]:
    """Versions, build info and the device the op checks will use."""
    result = run_worker(["env", "--device", device], timeout=timeout, device=device)
    data = result.data
    if data is None or data.get("status") != "ok":
        why = result.error or (data or {}).get("message", "unknown failure")
        raise ProbeError(f"cannot start TensorFlow: {why.removeprefix('TensorFlow did not start: ')}")
    if device == "gpu" and not data["gpus"]:
        raise ProbeError("--device gpu: TensorFlow sees no GPU on this machine")
    return {k: v for k, v in data.items() if k not in ("status", "seconds")}


# --------------------------------------------------------------------------
# Op checks


def _fmt_diff(value: float) -> str:
    return f"{value:.3g}"


def op_verdict(result: WorkerResult, *, determinism: bool, device: str = "cpu") -> Verdict:
    """Turn one op worker's result into a verdict. On a GPU run, an op whose
    output TensorFlow placed on the CPU (no GPU kernel) is marked as such."""
    data = result.data
    if data is None:
        return Verdict(ERROR, f"error: {result.error}", {"error": result.error}, result.seconds)
    status = data.get("status")
    if status == "error":
        message = data.get("message", "unknown failure")
        return Verdict(ERROR, f"error: {message}", {"error": message}, result.seconds)
    if status == "raised":
        details = {k: data[k] for k in ("phase", "run", "error_class", "message") if k in data}
        text = f"raises under determinism: {data['error_class']}: {data['message']}"
        if data.get("phase") == "backprop":
            text += " (in backprop)"
        return Verdict(RAISES, text, details, result.seconds)
    runs, k = int(data["runs"]), int(data["differing_runs"])
    details = {
        k_: data[k_]
        for k_ in ("runs", "differing_runs", "parts_differing", "max_abs_diff", "placement", "seconds_per_run")
        if k_ in data
    }
    placement = str(data.get("placement", ""))
    on_cpu = " (output placed on CPU)" if device == "gpu" and placement and "GPU" not in placement.upper() else ""
    if k:
        parts = " and ".join(data.get("parts_differing", ()))
        where = f", in {parts}" if parts else ""
        prefix = "nondeterministic under determinism" if determinism else "nondeterministic"
        text = (
            f"{prefix} ({k} of {runs} runs differ from the first, "
            f"max abs diff {_fmt_diff(float(data['max_abs_diff']))}{where}){on_cpu}"
        )
        return Verdict(NONDETERMINISTIC, text, details, result.seconds)
    if determinism:
        return Verdict(DETERMINISTIC, f"deterministic under determinism{on_cpu}", details, result.seconds)
    return Verdict(STABLE, f"stable in {runs} runs{on_cpu}", details, result.seconds)


def check_op(recipe: Recipe, *, determinism: bool, runs: int, device: str, timeout: float) -> Verdict:
    """One check of one recipe in a fresh worker: op determinism off or on."""
    args = ["op", "--build", recipe.build, "--key", recipe.key, "--runs", str(runs), "--device", device]
    if determinism:
        args.append("--determinism")
    if recipe.backprop:
        args.append("--backprop")
    return op_verdict(run_worker(args, timeout=timeout, device=device), determinism=determinism, device=device)


def _no_recipe(key: str) -> Verdict:
    return Verdict(ERROR, "error: no recipe for this op", {"error": f"no recipe for {key}"})


# --------------------------------------------------------------------------
# Seed facts


def observe_group(group: Group, *, device: str, timeout: float) -> WorkerResult:
    """One fresh process observing a group of seed facts."""
    ids = ",".join(f.id for f in group.facts)
    return run_worker(["fact", "--facts", ids], timeout=timeout, device=device, extra_env=group.env)


def fact_report(fact: SeedFact, results: Sequence[WorkerResult]) -> FactReport:
    """Judge one fact from the results of its group's processes."""
    observations: list[Mapping[str, str] | None] = []
    errors: list[str] = []
    for r in results:
        data = r.data
        if data is None:
            errors.append(r.error or "no result")
        elif data.get("status") != "ok":
            errors.append(data.get("message", "unknown failure"))
        elif fact.id in data.get("errors", {}):
            errors.append(data["errors"][fact.id])
        else:
            observations.append(data["observations"].get(fact.id))
            continue
        observations.append(None)
    seconds = sum(r.seconds for r in results)
    return FactReport(fact, judge(fact, observations, sorted(set(errors))), seconds)


# --------------------------------------------------------------------------
# Scheduling


def _run_all(
    jobs: int,
    tasks: Sequence[tuple[str, Callable[[], T]]],
    describe: Callable[[T], str],
    progress: Callable[[str], None] | None,
) -> list[T]:
    """Run the tasks on `jobs` threads (each mostly waits on its subprocess);
    results in task order, progress lines as tasks finish."""
    done = 0
    lock = threading.Lock()

    def run(label: str, fn: Callable[[], T]) -> T:
        nonlocal done
        start = time.monotonic()
        value = fn()
        with lock:
            done += 1
            if progress is not None and not _stopping.is_set():
                # The seconds first: a long verdict may be cut at the terminal's width.
                progress(f"[{done}/{len(tasks)}] {time.monotonic() - start:.1f} s  {label}: {describe(value)}")
        return value

    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = [pool.submit(run, label, fn) for label, fn in tasks]
        return [f.result() for f in futures]
    except KeyboardInterrupt:  # kill the workers now, not after they finish
        terminate_all()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_probe(
    ops: Mapping[str, Sequence[Site]],
    facts: Sequence[SeedFact],
    *,
    runs: int,
    device: str,
    timeout: float,
    jobs: int,
    progress: Callable[[str], None] | None = None,
    recipes: Mapping[str, Recipe] = RECIPES,
) -> tuple[list[OpReport], list[FactReport]]:
    """Check every op (determinism off, then on) and observe every seed fact.

    `ops` maps an op key to the call sites that use it; `device` is already
    resolved to "cpu" or "gpu"."""
    tasks: list[tuple[str, Callable[[], Any]]] = []
    for key in ops:
        recipe = recipes.get(key)
        for determinism in (False, True):
            label = f"{key} (determinism {'on' if determinism else 'off'})"
            if recipe is None:
                tasks.append((label, lambda key=key: _no_recipe(key)))
            else:
                tasks.append((label, lambda r=recipe, d=determinism: check_op(
                    r, determinism=d, runs=runs, device=device, timeout=timeout)))
    fact_groups = groups(facts)
    for group in fact_groups:
        for i in range(group.processes):
            label = f"seed facts of group {group.facts[0].group} (process {i + 1} of {group.processes})"
            tasks.append((label, lambda g=group: observe_group(g, device=device, timeout=timeout)))

    def describe(value: Any) -> str:
        if isinstance(value, Verdict):
            return value.text
        if value.data is None:
            return f"error: {value.error}"
        return "observed" if value.data.get("status") == "ok" else f"error: {value.data.get('message')}"

    results = _run_all(jobs, tasks, describe, progress)
    op_reports: list[OpReport] = []
    pos = 0
    for key, sites in ops.items():
        off, on = results[pos], results[pos + 1]
        pos += 2
        recipe = recipes.get(key)
        op_reports.append(OpReport(
            key=key,
            rule=recipe.rule if recipe else "?",
            what=recipe.what if recipe else "",
            backprop=recipe.backprop if recipe else False,
            sites=tuple(sorted(sites)),
            off=off,
            on=on,
        ))
    by_fact: dict[str, FactReport] = {}
    for group in fact_groups:
        group_results = results[pos : pos + group.processes]
        pos += group.processes
        for fact in group.facts:
            by_fact[fact.id] = fact_report(fact, group_results)
    return op_reports, [by_fact[f.id] for f in facts]

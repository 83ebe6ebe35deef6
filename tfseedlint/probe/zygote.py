"""One TensorFlow start per probe mode: a zygote process imports TensorFlow,
Keras and NumPy once and forks a child per check.

Starting TensorFlow (importing it) is most of a check's cost; the check itself
takes a fraction of a second. The zygote pays that cost once; each child
still starts from the state of a process that has just imported TensorFlow
and done nothing else, as a fresh process would:

- The zygote forks only while it has a single thread. Importing TensorFlow
  starts no thread of its own but NumPy's OpenBLAS starts a pool, so the
  zygote runs with `OPENBLAS_NUM_THREADS=1` (BLAS speed is irrelevant here:
  NumPy only builds inputs and digests) and checks `/proc/self/task`
  before every fork; with more than one thread it refuses to fork and the
  parent falls back to one fresh process per check.
- Nothing initialises TensorFlow's runtime (eager context, thread pools,
  devices, CUDA) in the zygote: each child does that itself, on first use,
  so GPU children each get their own CUDA context. The zygote checks this
  too, and does not fork if an import listed devices.
- What a fresh process seeds from the OS is seeded again in the child:
  Python's `random` does it itself after a fork, NumPy's global
  `RandomState` is reseeded here. The probe's own seed fact
  "unseeded-sources-differ" checks that two children draw differently.
- Environment variables: a mode's are set for its zygote, before TensorFlow
  starts. Those TensorFlow reads only on first use (`CUDA_VISIBLE_DEVICES`
  when CUDA starts, `TF_DETERMINISTIC_OPS` at the first determinism
  question, `TF_USE_LEGACY_KERAS` at the first `tf.keras` access: see
  `LAZY_ENV`) are set in the child instead, which first checks that they
  took effect (exit status `NOT_APPLIED` if not: the parent then starts a
  zygote with them set from the start).

Protocol (JSON lines): the parent writes `{"op": "run", "id", "argv", "out",
"err", "timeout"}` and `{"op": "kill", "id"}` to the zygote's stdin; the
zygote answers `{"event": "ready", "fork": bool}` once, then
`{"event": "exited", "id", "status"}` per check (`status` as
`subprocess.Popen.returncode`: negative for a signal). End of stdin ends
the zygote and its children.

The parent side (`Zygote`) imports nothing heavy: the probe's parent process
never imports TensorFlow.
"""
from __future__ import annotations

import json
import math
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Set in the zygote's environment (see the module docstring).
ZYGOTE_ENV = (("OPENBLAS_NUM_THREADS", "1"),)
#: Variables that a child forked after `import tensorflow` may still set:
#: TensorFlow reads them on first use. Each maps to a check, run in the
#: child, that it did take effect.
LAZY_ENV = {
    "TF_DETERMINISTIC_OPS": "_determinism_applied",
    "TF_USE_LEGACY_KERAS": "_legacy_keras_applied",
}
#: A child's exit status when a lazily read variable did not take effect.
NOT_APPLIED = 75
#: Seconds a child outlives its timeout before killing itself (if the probe
#: that started it is gone and nobody else will).
_ORPHAN_GRACE_S = 30


# --------------------------------------------------------------------------
# Zygote side (`python -m tfseedlint.probe.worker serve`)


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # not Linux: cannot tell, so do not fork
        return 0


def _send(message: Mapping[str, Any]) -> None:
    os.write(1, (json.dumps(message) + "\n").encode())


def _preload() -> None:
    import numpy  # noqa: F401
    import tensorflow  # noqa: F401

    try:
        import keras  # noqa: F401
    except ImportError:  # Keras-less installs still probe TF ops
        pass
    import tfseedlint.probe.recipes  # noqa: F401
    import tfseedlint.probe.seeds  # noqa: F401


def _runtime_started() -> bool:
    """Whether an import already listed devices or made the eager context:
    CUDA would then be initialised in the zygote, and a forked child cannot
    use it."""
    from tensorflow.python.eager import context  # not public API: looked at defensively

    ctx = context.context()
    return getattr(ctx, "_physical_devices", None) is not None or getattr(ctx, "_context_handle", None) is not None


def _child(request: Mapping[str, Any]) -> None:
    """In the forked child: become a fresh-looking worker, run, exit."""
    code = 1
    try:
        os.setsid()  # its own process group: a kill takes its children too
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
            signal.signal(sig, signal.SIG_DFL)
        signal.alarm(max(1, math.ceil(float(request["timeout"]))) + _ORPHAN_GRACE_S)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        err = os.open(request["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(err, 2)
        os.close(null)
        os.close(err)
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as the process
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        os.environ.update(request.get("env", {}))
        for name in request.get("verify", ()):
            if not globals()[LAZY_ENV[name]]():
                code = NOT_APPLIED
                return
        import numpy as np

        np.random.seed()  # from the OS, as in a fresh process
        from tfseedlint.probe.worker import main

        code = main([*request["argv"], "--out", request["out"]])
    except BaseException:  # noqa: BLE001 - whatever happens, never return into the zygote's loop
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _determinism_applied() -> bool:
    try:  # not in TensorFlow's public API
        from tensorflow.python.framework.config import is_op_determinism_enabled
    except ImportError:
        return False  # cannot tell: the mode gets a zygote of its own
    wanted = os.environ.get("TF_DETERMINISTIC_OPS", "").lower() in ("1", "true")
    return bool(is_op_determinism_enabled()) == wanted


def _legacy_keras_applied() -> bool:
    import tensorflow as tf

    wanted = os.environ.get("TF_USE_LEGACY_KERAS", "").lower() in ("1", "true")
    try:
        legacy = tf.keras.__name__.startswith("tf_keras")
    except ImportError:  # tf_keras is not installed: the observers say so
        return True
    return legacy == wanted


def serve() -> int:
    """The zygote's loop: fork a child per request, report exits."""
    import time

    start = time.perf_counter()
    try:
        _preload()
    except BaseException as exc:  # noqa: BLE001 - the parent wants the reason
        _send({"event": "error", "message": f"{type(exc).__name__}: {exc}"})
        return 1
    fork = hasattr(os, "fork") and _threads() == 1 and not _runtime_started()
    _send({"event": "ready", "fork": fork, "seconds": round(time.perf_counter() - start, 3)})
    if not fork:
        return 0
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the select below
    children: dict[int, int] = {}  # pid -> request id
    buffer = b""
    open_input = True
    while open_input or children:
        _reap(children)
        if not open_input:  # the parent is gone: nothing will ask for these
            for pid in children:
                _killpg(pid)
        try:
            ready, _, _ = select.select([0, wake_r] if open_input else [wake_r], [], [], 1.0)
        except InterruptedError:
            continue
        if wake_r in ready:
            os.read(wake_r, 4096)
        if 0 not in ready:
            continue
        data = os.read(0, 65536)
        if not data:
            open_input = False
            continue
        buffer += data
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if line.strip():
                _handle(json.loads(line), children)
    return 0


def _handle(request: Mapping[str, Any], children: dict[int, int]) -> None:
    if request["op"] == "kill":
        for pid, ident in children.items():
            if ident == request["id"]:
                _killpg(pid)  # not yet reaped: the pid is still this child's
        return
    if _threads() != 1:  # something started a thread: a fork could deadlock
        _send({"event": "refused", "id": request["id"], "message": "the zygote is no longer single-threaded"})
        return
    pid = os.fork()
    if pid == 0:
        _child(request)
    children[pid] = request["id"]


def _reap(children: dict[int, int]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        ident = children.pop(pid, None)
        if ident is not None:
            _send({"event": "exited", "id": ident, "status": os.waitstatus_to_exitcode(status)})


def _killpg(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# --------------------------------------------------------------------------
# Parent side


class ZygoteError(Exception):
    """The zygote could not start TensorFlow, or died."""


class ForkRefused(Exception):
    """The zygote cannot fork safely: run checks in fresh processes."""


@dataclass
class _Pending:
    done: threading.Event
    status: int | None = None
    error: str | None = None


class Zygote:
    """A running zygote process (one mode: one environment)."""

    def __init__(self, env: Mapping[str, str], cwd: str) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tfseedlint.probe.worker", "serve"],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._next = 0
        self._ready = threading.Event()
        self.fork: bool | None = None
        self.failure: str | None = None
        self._stderr = b""
        threading.Thread(target=self._read, daemon=True, name="tfseedlint-zygote").start()
        threading.Thread(target=self._read_stderr, daemon=True, name="tfseedlint-zygote-err").start()

    def _read_stderr(self) -> None:
        assert self._proc.stderr is not None
        for line in self._proc.stderr:
            self._stderr = (self._stderr + line)[-8192:]

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            kind = event.get("event")
            if kind == "ready":
                self.fork = bool(event.get("fork"))
                self._ready.set()
            elif kind == "error":
                self.failure = f"importing it failed: {event.get('message')}"
            elif kind in ("exited", "refused"):
                with self._lock:
                    pending = self._pending.pop(event["id"], None)
                if pending is not None:
                    pending.status = event.get("status")
                    pending.error = event.get("message") if kind == "refused" else None
                    pending.done.set()
        self._proc.wait()
        why = self.failure or self._died()
        self.failure = why
        self._ready.set()
        with self._lock:
            left, self._pending = list(self._pending.values()), {}
        for pending in left:
            pending.error = why
            pending.done.set()

    def _died(self) -> str:
        code = self._proc.returncode
        lines = [ln.strip() for ln in self._stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        tail = f" ({lines[-1][:200]})" if lines else ""
        if code is not None and code < 0:
            return f"the zygote was killed by signal {-code}{tail}"
        return f"the zygote exited with status {code}{tail}"

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Whether checks can be forked; raises ForkRefused (use fresh
        processes) or ZygoteError (TensorFlow did not start, or not within
        `timeout` seconds)."""
        if not self._ready.wait(timeout):
            raise ZygoteError(f"importing it took more than {timeout:g} s")
        if self.fork is None:
            raise ZygoteError(self.failure or "the zygote did not start")
        if not self.fork:
            raise ForkRefused()
        return True

    def _write(self, message: Mapping[str, Any]) -> bool:
        try:
            assert self._proc.stdin is not None
            self._proc.stdin.write((json.dumps(message) + "\n").encode())
            self._proc.stdin.flush()
        except (OSError, ValueError):
            return False
        return True

    def run(self, argv: Sequence[str], *, out: str, err: str, timeout: float,
            env: Mapping[str, str] | None = None, verify: Sequence[str] = ()) -> tuple[int | None, bool]:
        """Fork a child that runs `worker.main(argv + ["--out", out])` with
        stderr to `err` and `env` added to its environment, after checking
        that the `verify` variables (of LAZY_ENV) took effect; (exit
        status, timed out). Raises ForkRefused or ZygoteError."""
        self.wait_ready()
        pending = _Pending(threading.Event())
        with self._lock:
            self._next += 1
            ident = self._next
            if self.failure is not None:
                raise ZygoteError(self.failure)
            self._pending[ident] = pending
            sent = self._write({"op": "run", "id": ident, "argv": list(argv), "out": out, "err": err,
                                "timeout": timeout, "env": dict(env or {}), "verify": list(verify)})
        if not sent:
            with self._lock:
                self._pending.pop(ident, None)
            raise ZygoteError(self.failure or "the zygote is gone")
        timed_out = not pending.done.wait(timeout)
        if timed_out:
            with self._lock:
                self._write({"op": "kill", "id": ident})
            pending.done.wait()
        if pending.error is not None:
            if pending.status is None and "single-threaded" in pending.error:
                raise ForkRefused()
            raise ZygoteError(pending.error)
        return pending.status, timed_out

    def close(self) -> None:
        """End the zygote (its running children are killed)."""
        try:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
        except OSError:
            pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._proc.wait()

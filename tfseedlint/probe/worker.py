"""The subprocess side of the probe: `python -m tfseedlint.probe.worker MODE
--out FILE ...` imports TensorFlow, does one check and writes its result as
JSON to FILE. Each check runs in a process of its own (forked from a zygote
that imported TensorFlow once, or started afresh), so op determinism, the
global seeds and any crash stay confined to one check.

Modes:
  serve the zygote: import TensorFlow once, fork a worker per check (`zygote.py`).
  env   TF / Keras / NumPy versions, build info, devices; resolves `--device auto`.
  op    one recipe, `--runs` times, with op determinism off or (`--determinism`) on.
  fact  one observation of a group of seed facts (see `seeds.py`).

A worker never imports user code: only `--build module:function` targets,
which the parent takes from the recipe registry.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import platform
import re
import sys
import time
import traceback
import zlib
from typing import Any

# Only an error of the classes listed in `run_op` whose message talks about
# determinism counts as "raises under determinism"; anything else is a broken
# recipe.
_DETERMINISM_MESSAGE = re.compile(r"determinis", re.IGNORECASE)
_TF_NODE_PREFIX = re.compile(r"\{\{function_node [^}]*\}\}\s*")
_TF_NAME_SUFFIX = re.compile(r"\s*name:\s*(None)?\s*$")
_MAX_MESSAGE = 300


def clean_message(message: str) -> str:
    """First meaningful line of a TF error message, without the
    `{{function_node ...}}` prefix, capped in length."""
    message = _TF_NODE_PREFIX.sub("", message)
    line = next((part.strip() for part in message.splitlines() if part.strip()), "")
    line = _TF_NAME_SUFFIX.sub("", line)
    return line if len(line) <= _MAX_MESSAGE else line[: _MAX_MESSAGE - 3] + "..."


def _load(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise ValueError(f"recipe target {target!r} is not module:function")
    return getattr(importlib.import_module(module_name), attr)


def _digest(arrays: list[Any]) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _max_abs_diff(np: Any, left: list[Any], right: list[Any]) -> float:
    worst = 0.0
    if len(left) != len(right):
        return float("inf")
    for a, b in zip(left, right, strict=True):
        if a.shape != b.shape:
            return float("inf")
        if a.size == 0:
            continue
        diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
        worst = max(worst, float(np.max(diff)))
    return worst


class _OpRun:
    """Runs one recipe repeatedly; `phase` says where an exception came from."""

    def __init__(self, tf: Any, np: Any, case: Any, backprop: bool, upstream_seed: int) -> None:
        self.tf, self.case, self.backprop = tf, case, backprop
        self.upstream_rng = np.random.default_rng(upstream_seed)
        self.upstream: list[Any] | None = None
        self.phase = "forward"
        self.placement = ""

    def once(self) -> dict[str, list[Any]]:
        tf = self.tf
        self.phase = "forward"
        with tf.GradientTape() as tape:
            for source in self.case.sources:
                if isinstance(source, tf.Tensor):
                    tape.watch(source)
            flat = [tf.convert_to_tensor(t) for t in tf.nest.flatten(self.case.run())]
            if self.backprop:
                self.phase = "backprop"
                # Upstream-gradient injection (as in NVIDIA's d9m tests): the
                # outputs are multiplied, on the tape, by a fixed random tensor
                # drawn once with NumPy, so every output element's gradient
                # path carries a distinct weight.
                floats = [t for t in flat if t.dtype.is_floating]
                if self.upstream is None:
                    self.upstream = [self._upstream(t) for t in floats]
                targets = [t * u for t, u in zip(floats, self.upstream, strict=True)]
        self.placement = getattr(flat[0], "device", "") if flat else ""
        parts = {"forward": [t.numpy() for t in flat]}
        if not self.backprop:
            return parts
        grads = tape.gradient(targets, list(self.case.sources))
        parts["backprop"] = [tf.convert_to_tensor(g).numpy() for g in grads if g is not None]
        if not parts["backprop"]:
            raise ValueError("recipe marked backprop produced no gradients")
        return parts

    def _upstream(self, t: Any) -> Any:
        values = self.upstream_rng.standard_normal(t.shape.as_list())
        return self.tf.constant(values.astype(t.dtype.as_numpy_dtype))


def run_op(build: str, key: str, runs: int, device: str, determinism: bool, backprop: bool) -> dict[str, Any]:
    builder = _load(build)  # before TensorFlow: a bad target fails fast
    import numpy as np
    import tensorflow as tf

    if determinism:
        tf.config.experimental.enable_op_determinism()
    if device == "gpu" and not tf.config.list_physical_devices("GPU"):
        return {"status": "error", "message": "no GPU visible to TensorFlow"}
    determinism_errors = (
        tf.errors.UnimplementedError,
        tf.errors.FailedPreconditionError,
        RuntimeError,
        ValueError,
    )
    seed = zlib.crc32(key.encode())
    with tf.device("/GPU:0" if device == "gpu" else "/CPU:0"):
        case = builder(tf, np, np.random.default_rng(seed))
        runner = _OpRun(tf, np, case, backprop, seed ^ 0x5EED)
        first: dict[str, list[Any]] | None = None
        digests: list[dict[str, str]] = []
        seconds: list[float] = []
        differing_runs, parts_differing, max_diff = 0, set(), 0.0
        for i in range(runs):
            start = time.perf_counter()
            try:
                parts = runner.once()
            except determinism_errors as exc:
                if determinism and _DETERMINISM_MESSAGE.search(str(exc)):
                    return {
                        "status": "raised",
                        "phase": runner.phase,
                        "run": i + 1,
                        "error_class": type(exc).__name__,
                        "message": clean_message(str(exc)),
                    }
                raise
            seconds.append(round(time.perf_counter() - start, 4))
            digests.append({name: _digest(arrays) for name, arrays in parts.items()})
            if first is None:
                first = parts
                continue
            differs = [name for name in parts if digests[-1][name] != digests[0][name]]
            if differs:
                differing_runs += 1
                parts_differing.update(differs)
                for name in differs:
                    max_diff = max(max_diff, _max_abs_diff(np, first[name], parts[name]))
    return {
        "status": "ok",
        "runs": runs,
        "differing_runs": differing_runs,
        "parts_differing": sorted(parts_differing),
        "max_abs_diff": max_diff,
        "placement": runner.placement,
        "seconds_per_run": seconds,
        "digests": digests,
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def environment(device: str) -> dict[str, Any]:
    import numpy as np
    import tensorflow as tf

    build_info = {k: (v if isinstance(v, (bool, int, float, str)) or v is None else str(v))
                  for k, v in dict(tf.sysconfig.get_build_info()).items()}
    gpus = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        cc = details.get("compute_capability")
        gpus.append({
            "name": details.get("device_name", gpu.name),
            "compute_capability": ".".join(map(str, cc)) if cc else None,
        })
    resolved = ("gpu" if gpus else "cpu") if device == "auto" else device
    return {
        "status": "ok",
        "device": resolved,
        "device_model": gpus[0]["name"] if resolved == "gpu" and gpus else _cpu_model(),
        "gpus": gpus,
        "cpu": _cpu_model(),
        "tensorflow": tf.__version__,
        "keras": _version("keras"),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cuda_build": bool(build_info.get("is_cuda_build")),
        "cuda_version": build_info.get("cuda_version"),
        "cudnn_version": build_info.get("cudnn_version"),
        "build_info": build_info,
    }


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tfseedlint.probe.worker")
    p.add_argument("mode", choices=("env", "op", "fact"))  # and "serve", see main
    p.add_argument("--out", required=True)
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "gpu"))
    p.add_argument("--build", default="")
    p.add_argument("--key", default="")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--determinism", action="store_true")
    p.add_argument("--backprop", action="store_true")
    p.add_argument("--facts", default="", help="comma-separated seed fact ids, observed in this order")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    if (sys.argv[1:] if argv is None else argv)[:1] == ["serve"]:
        from tfseedlint.probe.zygote import serve

        return serve()
    args = _parse(argv)
    start = time.perf_counter()
    try:
        if args.mode == "env":
            result = environment(args.device)
        elif args.mode == "op":
            result = run_op(args.build, args.key, args.runs, args.device, args.determinism, args.backprop)
        else:
            from tfseedlint.probe.seeds import observe

            result = {"status": "ok", **observe([f for f in args.facts.split(",") if f])}
    except Exception as exc:  # noqa: BLE001 - the parent wants a reason, not a traceback
        result = {
            "status": "error",
            "message": f"{type(exc).__name__}: {clean_message(str(exc))}",
            "traceback": traceback.format_exc(limit=8),
        }
    result["seconds"] = round(time.perf_counter() - start, 3)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result, f)
    os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

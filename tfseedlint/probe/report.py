"""Rendering of a probe run: a text table (default) or JSON. The only place
that formats probe results; `cli.py` prints what these functions return."""
from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from tfseedlint import __version__
from tfseedlint.probe.runner import FactReport, OpReport, Verdict


def _finite(value: Any) -> Any:
    """JSON has no inf / nan: spell them as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def describe_environment(env: Mapping[str, Any]) -> str:
    """One line: device and model, TF / Keras versions, CUDA / cuDNN build."""
    device = str(env.get("device", "?")).upper()
    model = env.get("device_model") or "unknown model"
    gpu = next((g for g in env.get("gpus", ()) if g.get("name") == model), None)
    if gpu and gpu.get("compute_capability"):
        model += f", compute capability {gpu['compute_capability']}"
    if env.get("cuda_build"):
        build = f"CUDA {env.get('cuda_version') or '?'}, cuDNN {env.get('cudnn_version') or '?'}"
    else:
        build = "built without CUDA"
    return (
        f"device {device} ({model}); TensorFlow {env.get('tensorflow')}, Keras {env.get('keras') or '-'}, "
        f"NumPy {env.get('numpy')}, Python {env.get('python')}; {build}"
    )


def _sites(report: OpReport) -> str:
    return ", ".join(f"{path}:{line}" for path, line in report.sites) or "-"


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([*(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)), row[-1]]).rstrip()
        for row in rows
    ]


def render_text(
    env: Mapping[str, Any],
    ops: Sequence[OpReport],
    facts: Sequence[FactReport],
    *,
    runs: int,
    timeout: float,
) -> str:
    lines = [f"tfseedlint probe: {describe_environment(env)}"]
    if ops:
        lines.append(f"{runs} runs per check, compared bitwise; timeout {timeout:g} s per check")
        lines.append("")
        rows = [("op", "rule", "determinism off", "determinism on", "used at")]
        rows += [(r.key, r.rule, r.off.text, r.on.text, _sites(r)) for r in ops]
        lines += _table(rows)
    if not ops and not facts:
        lines.append("no ops to probe")
    if facts:
        lines.append("")
        lines.append("seed facts (observed in fresh processes; draws compared across two):")
        rows = [("verdict", "fact", "")]
        for f in facts:
            label = {"holds": "holds", "changed": "CHANGED", "error": "error"}[f.verdict.kind]
            detail = "" if f.verdict.kind == "holds" else f.verdict.text
            rows.append((label, f.fact.claim, detail))
        lines += ["  " + line for line in _table(rows)[1:]]
    return "\n".join(lines) + "\n"


def _verdict_json(v: Verdict) -> dict[str, Any]:
    return {"verdict": v.kind, "text": v.text, "seconds": round(v.seconds, 3), **dict(v.details)}


def summary(ops: Sequence[OpReport], facts: Sequence[FactReport]) -> dict[str, int]:
    return {
        "ops": len(ops),
        "nondeterministic": sum(r.off.kind == "nondeterministic" for r in ops),
        "raises_under_determinism": sum(r.on.kind == "raises" for r in ops),
        "errors": sum((r.off.kind == "error") + (r.on.kind == "error") for r in ops),
        "facts": len(facts),
        "facts_changed": sum(f.verdict.kind == "changed" for f in facts),
        "facts_error": sum(f.verdict.kind == "error" for f in facts),
    }


def render_json(
    env: Mapping[str, Any],
    ops: Sequence[OpReport],
    facts: Sequence[FactReport],
    *,
    runs: int,
    timeout: float,
) -> str:
    doc = {
        "tool": "tfseedlint probe",
        "version": __version__,
        "environment": dict(env),
        "settings": {"runs": runs, "timeout_s": timeout, "device": env.get("device")},
        "ops": [
            {
                "op": r.key,
                "rule": r.rule,
                "recipe": r.what,
                "backprop": r.backprop,
                "sites": [{"path": path, "line": line} for path, line in r.sites],
                "determinism_off": _verdict_json(r.off),
                "determinism_on": _verdict_json(r.on),
            }
            for r in ops
        ],
        "seed_facts": [
            {
                "fact": f.fact.id,
                "claim": f.fact.claim,
                "verdict": f.verdict.kind,
                "text": f.verdict.text,
                "rules_changed": list(f.verdict.rules_changed),
                "seconds": round(f.seconds, 3),
                "checks": [
                    {
                        "name": c.name,
                        "expected": c.expected,
                        "observed": list(c.observed),
                        "holds": c.holds,
                        "rules": list(c.rules),
                    }
                    for c in f.verdict.checks
                ],
            }
            for f in facts
        ],
        "summary": summary(ops, facts),
    }
    return json.dumps(_finite(doc), indent=2) + "\n"

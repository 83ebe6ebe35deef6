"""Rendering of a probe run: a text table (default) or JSON. The only place
that formats probe results; `cli.py` prints what these functions return."""
from __future__ import annotations

import json
import math
import textwrap
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


#: The text report fits this many columns; `--format json` has every detail.
WIDTH = 100
_OP_COLUMN = 48
#: A verdict in one word, for the table (`Verdict.kind` -> label).
_LABELS = {
    "nondeterministic": "NONDETERMINISTIC",
    "stable": "stable",
    "raises": "raises",
    "deterministic": "deterministic",
    "error": "ERROR",
}


def describe_environment(env: Mapping[str, Any]) -> str:
    """Device and model, TF / Keras versions, CUDA / cuDNN build."""
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


def short_name(key: str) -> str:
    """`tensorflow.math.bincount` as users write it: `tf.math.bincount`."""
    return "tf." + key[len("tensorflow."):] if key.startswith("tensorflow.") else key


def label(verdict: Verdict) -> str:
    return _LABELS.get(verdict.kind, verdict.kind)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False) or [first.rstrip()]


def _sites(report: OpReport) -> str:
    """`  used at: a.py:3, b.py:10, +2 more`, within the width."""
    prefix = "  used at: "
    sites = [f"{path}:{line}" for path, line in report.sites]
    shown: list[str] = []
    for i, site in enumerate(sites):
        left = len(sites) - i - 1
        line = prefix + ", ".join([*shown, site]) + (f", +{left} more" if left else "")
        if len(line) > WIDTH and shown:  # the previous line fitted: it said "+N more" from here on
            return prefix + ", ".join(shown) + f", +{left + 1} more"
        if len(line) > WIDTH:  # one long path: keep its end, which names the file
            tail = f", +{left} more" if left else ""
            room = WIDTH - len(prefix) - len(tail)
            return prefix + "..." + site[-(room - 3):] + tail
        shown.append(site)
    return prefix + ", ".join(shown)


def _op_rows(ops: Sequence[OpReport]) -> list[str]:
    name_width = min(_OP_COLUMN, max(len(short_name(r.key)) for r in ops))
    rule_width = max(4, *(len(r.rule) for r in ops))
    cell = len(_LABELS["nondeterministic"])

    def row(name: str, rule: str, off: str, on: str) -> str:
        return f"{_fit(name, name_width):<{name_width}}  {rule:<{rule_width}}  {off:<{cell}}  {on}".rstrip()

    lines = [row("op", "rule", "determinism off", "determinism on")]
    for r in ops:
        lines.append(row(short_name(r.key), r.rule, label(r.off), label(r.on)))
        if r.sites:
            lines.append(_sites(r))
    return lines


def _notes(ops: Sequence[OpReport]) -> list[str]:
    """What the table's one-word verdicts leave out, for the verdicts that
    matter: nondeterministic, raises, error."""
    lines = []
    for r in ops:
        for when, verdict in (("off", r.off), ("on", r.on)):
            if verdict.kind in ("nondeterministic", "raises", "error"):
                lines += _wrap(f"{short_name(r.key)} (determinism {when}): {verdict.text}", "  ", "      ")
    return lines


def render_text(
    env: Mapping[str, Any],
    ops: Sequence[OpReport],
    facts: Sequence[FactReport],
    *,
    runs: int,
    timeout: float,
    tensorflow_starts: int | None = None,
) -> str:
    """The report, every line at most WIDTH columns."""
    lines = _wrap(f"tfseedlint probe: {describe_environment(env)}", "", "  ")
    if ops:
        lines += _wrap(f"{runs} runs per check with determinism off, compared bitwise; timeout {timeout:g} s "
                       "per check; every detail with --format json", "", "")
        lines.append("")
        lines += _op_rows(ops)
        notes = _notes(ops)
        if notes:
            lines += ["", "notes:", *notes]
    if not ops and not facts:
        lines.append("no ops to probe")
    if facts:
        lines.append("")
        lines.append("seed facts (observed in fresh processes; draws compared across two):")
        for f in facts:
            tag = {"holds": "holds", "changed": "CHANGED", "error": "ERROR"}[f.verdict.kind]
            lines += _wrap(f.fact.claim, f"  {tag:<9}", " " * 11)
            if f.verdict.kind != "holds":
                lines += _wrap(f.verdict.text, " " * 11, " " * 11)
    lines.append("")
    lines += _wrap(f"summary: {summary_line(ops, facts)}", "", "  ")
    return "\n".join(lines) + "\n"


def summary_line(ops: Sequence[OpReport], facts: Sequence[FactReport]) -> str:
    counts = summary(ops, facts)
    parts = []
    if ops:
        parts.append(f"{counts['ops']} op(s): {counts['nondeterministic']} nondeterministic with determinism "
                     f"off, {counts['nondeterministic_under_determinism']} under determinism, "
                     f"{counts['raises_under_determinism']} raise under determinism, {counts['errors']} error(s)")
    if facts:
        holds = counts["facts"] - counts["facts_changed"] - counts["facts_error"]
        parts.append(f"{counts['facts']} seed fact(s): {holds} hold, {counts['facts_changed']} changed, "
                     f"{counts['facts_error']} error(s)")
    return "; ".join(parts) or "nothing probed"


def failed(ops: Sequence[OpReport], facts: Sequence[FactReport]) -> bool:
    """Whether the run found a problem (exit status 1): an op that is
    nondeterministic (determinism off or on), a check that ended in error,
    a seed fact that no longer holds."""
    counts = summary(ops, facts)
    return any(counts[k] for k in ("nondeterministic", "nondeterministic_under_determinism", "errors",
                                   "facts_changed", "facts_error"))


def _verdict_json(v: Verdict) -> dict[str, Any]:
    return {"verdict": v.kind, "text": v.text, "seconds": round(v.seconds, 3), **dict(v.details)}


def summary(ops: Sequence[OpReport], facts: Sequence[FactReport]) -> dict[str, int]:
    return {
        "ops": len(ops),
        "nondeterministic": sum(r.off.kind == "nondeterministic" for r in ops),
        "nondeterministic_under_determinism": sum(r.on.kind == "nondeterministic" for r in ops),
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
    tensorflow_starts: int | None = None,
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
        "tensorflow_starts": tensorflow_starts,
    }
    return json.dumps(_finite(doc), indent=2) + "\n"

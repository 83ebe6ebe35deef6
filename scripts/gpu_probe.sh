#!/usr/bin/env bash
# Runs `tfseedlint probe` on this machine's GPU over the fixture that calls
# every op behind TSL403 / TSL405 (tests/fixtures/probe/gpu_ops.py), plus the
# seed facts, and writes the JSON report.
#
# Usage:  scripts/gpu_probe.sh [REPORT.json]     (default: docs/gpu_probe.json)
# Env:    PYTHON   interpreter with TensorFlow + CUDA (default: python3)
#         RUNS     runs per check with determinism off (default: 5)
#         TIMEOUT  seconds per check (default: 300: CUDA start-up and autotuning)
#         JOBS     checks run at once on the GPU (default: 4)
#
# Exit status: the probe's (0 nothing nondeterministic and every seed fact
# holds, 1 an op was found nondeterministic, a seed fact changed or a check
# ended in `error`: the report is written either way; 2 the probe could not
# run, e.g. no GPU visible: nothing is written).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-docs/gpu_probe.json}"
case "$out" in
  /*) ;;
  *) out="$PWD/$out" ;;
esac
python="${PYTHON:-python3}"

cd "$root"  # so the report names call sites as tests/fixtures/probe/gpu_ops.py:LINE
mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT

status=0
PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" "$python" -m tfseedlint.probe \
  --device gpu --format json --seeds \
  --runs "${RUNS:-5}" --timeout "${TIMEOUT:-300}" --jobs "${JOBS:-4}" \
  tests/fixtures/probe/gpu_ops.py >"$tmp" || status=$?

if [ "$status" -ge 2 ]; then
  echo "gpu_probe: the probe could not run (exit $status); no report written" >&2
  exit "$status"
fi
mv "$tmp" "$out"
echo "gpu_probe: wrote $out" >&2
exit "$status"

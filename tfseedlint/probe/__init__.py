"""The runtime probe (`tfseedlint probe`): confirms on the installed TensorFlow
which of the GPU-relevant ops that the linted code calls are actually
nondeterministic, and whether the seed-coverage facts the rules rest on still
hold.

The parent process never imports TensorFlow (nor NumPy): every check runs in a
fresh `python -m tfseedlint.probe.worker` subprocess, so a crashing or hanging
recipe costs one verdict, never the probe. User code is never run or imported;
only the recipes in `recipes.py` and the observers in `seeds.py` are.

Modules: `recipes` (one small op recipe per op key), `seeds` (the seed facts),
`worker` (the subprocess side), `runner` (launching workers, verdicts),
`report` (text / JSON rendering), `cli` (`main(argv)`).
"""
from __future__ import annotations

import importlib.util

INSTALL_HINT = (
    "tfseedlint probe needs TensorFlow, which is not installed in this Python "
    "environment.\nInstall it with:  pip install 'tfseedlint[probe]'\n"
    "(or install TensorFlow yourself: pip install tensorflow, or tensorflow-cpu)."
)


def tensorflow_available() -> bool:
    """Whether `import tensorflow` would find a module, without importing it."""
    try:
        return importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):  # a broken or half-installed package
        return False

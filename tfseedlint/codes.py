"""The rule codes, names and summaries as a static table.

Settings validation and the reporters need only these, and importing the
rules imports LibCST (a fifth of a second): a run served from the results
cache never does. `tests/test_runner.py` checks this table against the rule
registry, so a new or renamed rule fails the tests until it is added here.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleInfo:
    """What reporters and settings need to know about a rule."""

    code: str
    name: str
    summary: str
    #: "safe", "unsafe" (needs `--unsafe-fixes`) or None (no mechanical fix).
    fix_safety: str | None = None


#: The fix safety of each rule that has a fix (the summary lines count
#: fixable findings without importing the rules).
FIX_SAFETY: dict[str, str] = {
    "TSL101": "safe", "TSL102": "safe", "TSL103": "safe", "TSL104": "safe", "TSL105": "safe", "TSL201": "safe", "TSL202": "safe",
    "TSL203": "unsafe", "TSL204": "safe", "TSL205": "safe", "TSL206": "safe", "TSL207": "safe",
    "TSL301": "safe", "TSL302": "safe",
    "TSL303": "safe", "TSL401": "safe", "TSL404": "safe", "TSL405": "unsafe",
}

RULES: dict[str, RuleInfo] = {info.code: info for info in (
    RuleInfo(*row, fix_safety=FIX_SAFETY.get(row[0])) for row in (
    ("TSL001", "syntax-error", "The file cannot be parsed or decoded."),
    ("TSL101", "unseeded-tf-random-op", "Stateful TensorFlow random op without a seed."),
    ("TSL102", "unseeded-numpy-global-random",
     "NumPy legacy global random function without a seeded global state."),
    ("TSL103", "unseeded-generator", "Random generator created without a seed."),
    ("TSL104", "unseeded-python-random", "Python `random` module function without a seeded generator."),
    ("TSL105", "unseeded-keras-random", "`keras.random` draw or `SeedGenerator` without a seed."),
    ("TSL201", "unseeded-dataset-shuffle", "`tf.data.Dataset.shuffle` without a seed."),
    ("TSL202", "list-files-shuffles", "`Dataset.list_files` shuffles without a seed."),
    ("TSL203", "nondeterministic-data-pipeline", "tf.data pipeline with `deterministic=False`."),
    ("TSL204", "dataset-utility-unseeded-split", "Keras dataset utility shuffles or splits without a seed."),
    ("TSL205", "unseeded-dataset-sampling", "tf.data sampling without a seed."),
    ("TSL206", "tfds-unseeded-file-shuffle", "TFDS read shuffles its files without a `shuffle_seed`."),
    ("TSL207", "unseeded-sklearn-split",
     "scikit-learn split or shuffle with `random_state=None` and an unseeded NumPy."),
    ("TSL301", "unseeded-initializer", "Random Keras or TensorFlow initializer without a seed."),
    ("TSL302", "unseeded-random-layer", "Keras dropout, noise or augmentation layer without a seed."),
    ("TSL303", "invalid-seed-argument", "`seed=` passed to an API that has no such parameter."),
    ("TSL401", "missing-global-seed", "Entry point draws TF / Keras randomness and sets no global seed."),
    ("TSL402", "global-seed-after-use", "Global seed set after randomness it should cover was drawn."),
    ("TSL403", "op-without-deterministic-gpu-kernel", "Op with no deterministic GPU kernel."),
    ("TSL404", "tf-seed-misses-keras", "`tf.random.set_seed` alone does not seed Keras 3 layers."),
    ("TSL405", "missing-op-determinism", "Seeded training without op determinism."),
))}
ALL_CODES: frozenset[str] = frozenset(RULES)

#: Findings shown as errors rather than warnings (editors, SARIF): the file
#: cannot be parsed, or the call raises when it runs.
ERROR_CODES: frozenset[str] = frozenset({"TSL001", "TSL303"})
#: The project's repository (`[project.urls]` in pyproject.toml says the same;
#: a test keeps them in step). Rule pages live under `rules/` in it.
REPOSITORY_URL = "https://github.com/tfseedlint/tfseedlint"


def severity(code: str) -> str:
    """"error" or "warning"."""
    return "error" if code in ERROR_CODES else "warning"


def rule_url(code: str) -> str:
    """The rule's documentation page (`rules/CODE.md` in the repository)."""
    return f"{REPOSITORY_URL}/blob/main/rules/{code}.md"

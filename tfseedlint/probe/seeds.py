"""The seed-coverage facts of SPEC ("Facts the rules rest on"), as checks.

Each fact names quantities to observe and what they must do across a pair of
fresh processes: be the SAME (the seed reaches them), DIFFER (it does not),
or raise a given exception. An observer runs inside a worker and returns
short digests; `judge` (parent side) compares them. When a quantity no longer
behaves as the fact says, the rules listed with it rest on a premise the
installed TF / Keras / NumPy no longer honour.

Facts of one `group` share their pair of processes (TensorFlow start-up is
most of a check's cost): their observers run one after the other, each first
setting exactly the seeds its fact is about. A group only holds observers that
cannot disturb each other: none of them seeds what a later one needs
unseeded.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SAME = "same"
DIFFER = "differ"
RAISES = "raises "  # followed by the exception class name


@dataclass(frozen=True)
class Expect:
    """One observed quantity of a fact and the rules that rely on its behaviour."""

    name: str
    expect: str  # SAME, DIFFER or RAISES + class name
    rules: tuple[str, ...]


@dataclass(frozen=True)
class SeedFact:
    id: str
    claim: str
    observer: str  # name of a function of this module, run in the worker
    expects: tuple[Expect, ...]
    group: str  # facts of a group are observed in the same processes
    env: tuple[tuple[str, str], ...] = ()  # set in the worker's environment

    @property
    def processes(self) -> int:
        """Two fresh processes to compare draws; one to see an exception."""
        return 2 if any(e.expect in (SAME, DIFFER) for e in self.expects) else 1


@dataclass(frozen=True)
class Group:
    """Facts observed together, in `processes` fresh processes."""

    facts: tuple[SeedFact, ...]
    env: tuple[tuple[str, str], ...]
    processes: int


def groups(facts: Sequence[SeedFact]) -> list[Group]:
    """The facts' groups, in order of first appearance."""
    members: dict[str, list[SeedFact]] = {}
    for fact in facts:
        members.setdefault(fact.group, []).append(fact)
    out = []
    for name, group in members.items():
        envs = {f.env for f in group}
        if len(envs) != 1:
            raise ValueError(f"seed facts of group {name!r} need different environments")
        out.append(Group(tuple(group), envs.pop(), max(f.processes for f in group)))
    return out


@dataclass(frozen=True)
class Check:
    """How one expected quantity turned out."""

    name: str
    expected: str
    observed: tuple[str, ...]
    holds: bool
    rules: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class FactVerdict:
    kind: str  # "holds", "changed" or "error"
    text: str
    checks: tuple[Check, ...]
    rules_changed: tuple[str, ...]


# --------------------------------------------------------------------------
# Observers (worker side). Each returns {quantity name: digest or outcome}.


def _h(value: Any) -> str:
    """A short digest of an array-like, or of a string."""
    if isinstance(value, str):
        return hashlib.sha256(value.encode()).hexdigest()[:16]
    import numpy as np

    arr = np.asarray(value)
    return hashlib.sha256(arr.dtype.str.encode() + str(arr.shape).encode() + arr.tobytes()).hexdigest()[:16]


def _raises(fn: Callable[[], Any]) -> str:
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the class is the observation
        from tfseedlint.probe.worker import clean_message

        return f"raises {type(exc).__name__}: {clean_message(str(exc))}"
    return "no exception"


def _python_numpy_draws() -> dict[str, str]:
    import random

    import numpy as np

    return {"random.random()": _h(repr(random.random())), "np.random.rand()": _h(np.random.rand(8))}


def _tf_draws() -> dict[str, str]:
    import tensorflow as tf

    return {
        "tf.random.uniform()": _h(tf.random.uniform([16]).numpy()),
        "Dataset.shuffle()": _h(list(tf.data.Dataset.range(64).shuffle(64).as_numpy_iterator())),
    }


def _keras_draws() -> dict[str, str]:
    import keras
    import numpy as np

    dense = keras.layers.Dense(8)
    dense.build((None, 4))
    mask = keras.layers.Dropout(0.5)(np.ones((64,), dtype="float32"), training=True)
    return {
        "Dense kernel": _h(np.asarray(dense.kernel)),
        "Dropout mask": _h(np.asarray(mask)),
        "keras.random.uniform()": _h(np.asarray(keras.random.uniform((16,)))),
    }


def observe_tf_seed_tf_ops() -> dict[str, str]:
    import tensorflow as tf

    tf.random.set_seed(42)
    return _tf_draws()


def observe_tf_seed_keras() -> dict[str, str]:
    import tensorflow as tf

    tf.random.set_seed(42)
    return _keras_draws()


def observe_keras_set_random_seed() -> dict[str, str]:
    import keras

    keras.utils.set_random_seed(42)
    return {**_python_numpy_draws(), **_tf_draws(), **_keras_draws()}


def observe_module_seeds() -> dict[str, str]:
    import random

    import numpy as np

    np.random.seed(42)
    random.seed(42)
    return _python_numpy_draws()


def observe_unseeded_generators() -> dict[str, str]:
    import random

    import keras
    import numpy as np
    import tensorflow as tf

    keras.utils.set_random_seed(42)  # seeds random, NumPy's global state and TF
    return {
        "np.random.default_rng()": _h(np.random.default_rng().random(8)),
        "np.random.RandomState()": _h(np.random.RandomState().rand(8)),
        "np.random.PCG64()": _h(np.random.Generator(np.random.PCG64()).random(8)),
        "np.random.SeedSequence()": _h(str(np.random.SeedSequence().entropy)),
        "random.Random()": _h(repr(random.Random().random())),
        "tf.random.Generator.from_non_deterministic_state()": _h(
            tf.random.Generator.from_non_deterministic_state().uniform([8]).numpy()
        ),
        "tf.random.get_global_generator()": _h(tf.random.get_global_generator().uniform([8]).numpy()),
    }


def observe_no_seed() -> dict[str, str]:
    return {**_python_numpy_draws(), **_tf_draws(), **_keras_draws()}


def observe_optimizer_seed() -> dict[str, str]:
    import keras

    return {
        "keras.optimizers.Adam(seed=1)": _raises(lambda: keras.optimizers.Adam(seed=1)),
        "keras.optimizers.SGD(seed=1)": _raises(lambda: keras.optimizers.SGD(seed=1)),
    }


def observe_list_files() -> dict[str, str]:
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as tmp:
        for i in range(32):
            with open(os.path.join(tmp, f"{i:02d}.txt"), "w", encoding="utf-8") as f:
                f.write(str(i))
        files = tf.data.Dataset.list_files(os.path.join(tmp, "*.txt"))
        order = [os.path.basename(p.decode()) for p in files.as_numpy_iterator()]
    return {"Dataset.list_files() order": _h(",".join(order))}


def observe_deterministic_ops_env() -> dict[str, str]:
    import tensorflow as tf

    return {"tf.timestamp() with TF_DETERMINISTIC_OPS=1": _raises(lambda: tf.timestamp())}


def _text_tree(root: str) -> str:
    for label in ("a", "b"):
        os.makedirs(os.path.join(root, label))
        for i in range(8):
            with open(os.path.join(root, label, f"{i}.txt"), "w", encoding="utf-8") as f:
                f.write(f"{label}{i}")
    return root


def observe_dataset_split_without_seed() -> dict[str, str]:
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        root = _text_tree(tmp)
        outcome = _raises(
            lambda: keras.utils.text_dataset_from_directory(root, validation_split=0.25, subset="training")
        )
    return {"text_dataset_from_directory(validation_split=0.25)": outcome}


def observe_dataset_seed_from_numpy() -> dict[str, str]:
    import keras
    import numpy as np

    np.random.seed(42)
    with tempfile.TemporaryDirectory() as tmp:
        ds = keras.utils.text_dataset_from_directory(_text_tree(tmp), batch_size=None, shuffle=True)
        order = [text.decode() for text, _ in ds.as_numpy_iterator()]
    return {"text_dataset_from_directory() order": _h(",".join(order))}


def observe_tf_test_case_setup() -> dict[str, str]:
    import keras
    import numpy as np
    import tensorflow as tf

    class _Probe(tf.test.TestCase):
        def test_draws(self) -> None:
            pass

    case = _Probe("test_draws")
    case.setUp()  # what the runner does before each test
    try:
        dense = keras.layers.Dense(8)
        dense.build((None, 4))
        return {
            **_python_numpy_draws(),
            "tf.random.uniform() in a test": _h(tf.random.uniform([16]).numpy()),
            "Dense kernel in a test": _h(np.asarray(dense.kernel)),
        }
    finally:
        case.tearDown()


def _legacy_draws() -> dict[str, str]:
    """Draws of tf_keras layers (run with TF_USE_LEGACY_KERAS=1: `tf.keras` is tf_keras)."""
    import numpy as np
    import tensorflow as tf

    keras = tf.keras
    ones = np.ones((1, 64), dtype="float32")
    image = np.arange(192, dtype="float32").reshape((1, 8, 8, 3))
    dense = keras.layers.Dense(8)
    dense.build((None, 4))
    return {
        "legacy Dropout mask": _h(keras.layers.Dropout(0.5)(ones, training=True).numpy()),
        "legacy GaussianNoise": _h(keras.layers.GaussianNoise(1.0)(ones, training=True).numpy()),
        "legacy Dense kernel": _h(dense.kernel.numpy()),
        "legacy RandomRotation": _h(keras.layers.RandomRotation(0.3)(image, training=True).numpy()),
    }


def observe_legacy_keras_tf_seed() -> dict[str, str]:
    import tensorflow as tf

    if not tf.keras.__name__.startswith("tf_keras"):
        raise RuntimeError(f"tf.keras is {tf.keras.__name__}, not tf_keras: is tf_keras installed?")
    tf.random.set_seed(1)
    return _legacy_draws()


def observe_deterministic_random_test_tool() -> dict[str, str]:
    import numpy as np
    import tensorflow as tf

    tool = tf.compat.v1.keras.utils.DeterministicRandomTestTool(mode="num_random_ops")
    with tool.scope():
        draws = _legacy_draws()
        uniform = _h(tf.random.uniform([16]).numpy())
        numpy = _h(np.random.rand(8))
    return {
        "tf.random.uniform() in the tool's scope": uniform,
        "legacy Dropout mask in the tool's scope": draws["legacy Dropout mask"],
        "legacy Dense kernel in the tool's scope": draws["legacy Dense kernel"],
        "np.random.rand() in the tool's scope": numpy,
    }


def observe_sklearn_random_state_none() -> dict[str, str]:
    import keras
    import numpy as np
    from sklearn.model_selection import train_test_split

    def split() -> str:
        train, _ = train_test_split(np.arange(64), test_size=0.25)
        return _h(train)

    # Unseeded first: this observer then seeds NumPy, so it comes last in its group.
    unseeded = split()
    np.random.seed(42)
    numpy_seeded = split()
    keras.utils.set_random_seed(42)
    return {
        "train_test_split()": unseeded,
        "np.random.seed + train_test_split()": numpy_seeded,
        "keras.utils.set_random_seed + train_test_split()": split(),
    }


# --------------------------------------------------------------------------
# The facts

_KERAS = (("Dense kernel", "TSL301"), ("Dropout mask", "TSL302"), ("keras.random.uniform()", "TSL105"))
_TF = (("tf.random.uniform()", "TSL101"), ("Dataset.shuffle()", "TSL201"))
_GLOBAL = (("random.random()", "TSL104"), ("np.random.rand()", "TSL102"))

FACTS: tuple[SeedFact, ...] = (
    SeedFact(
        "tf-seed-covers-tf-ops",
        "tf.random.set_seed(s) seeds TF random ops and tf.data shuffles",
        "observe_tf_seed_tf_ops",
        tuple(Expect(name, SAME, (rule,)) for name, rule in _TF),
        group="tf-seed",
    ),
    SeedFact(
        "tf-seed-misses-keras",
        "tf.random.set_seed(s) alone does not seed Keras 3 initializers, Dropout masks or keras.random",
        "observe_tf_seed_keras",
        tuple(Expect(name, DIFFER, ("TSL404", rule)) for name, rule in _KERAS),
        group="tf-seed",
    ),
    SeedFact(
        "keras-set-random-seed-covers-all",
        "keras.utils.set_random_seed(s) seeds Python random, NumPy's global state, TF and Keras",
        "observe_keras_set_random_seed",
        tuple(Expect(name, SAME, (rule, "TSL404")) for name, rule in _GLOBAL + _TF + _KERAS),
        group="keras-seed",
    ),
    SeedFact(
        "module-seeds-cover-module-functions",
        "np.random.seed(s) seeds NumPy's legacy functions; random.seed(s) the random module's",
        "observe_module_seeds",
        tuple(Expect(name, SAME, (rule,)) for name, rule in _GLOBAL),
        group="module-seeds",
    ),
    SeedFact(
        "no-seed-reaches-generators",
        "no global seed reaches default_rng(), RandomState(), bit generators, SeedSequence(), "
        "random.Random(), Generator.from_non_deterministic_state() or get_global_generator()",
        "observe_unseeded_generators",
        tuple(
            Expect(name, DIFFER, ("TSL103",))
            for name in (
                "np.random.default_rng()",
                "np.random.RandomState()",
                "np.random.PCG64()",
                "np.random.SeedSequence()",
                "random.Random()",
                "tf.random.Generator.from_non_deterministic_state()",
                "tf.random.get_global_generator()",
            )
        ),
        group="keras-seed",
    ),
    SeedFact(
        "unseeded-sources-differ",
        "without any seed, every randomness source draws differently on every run",
        "observe_no_seed",
        tuple(Expect(name, DIFFER, (rule,)) for name, rule in _GLOBAL + _TF + _KERAS),
        group="no-seed",
    ),
    SeedFact(
        "optimizers-reject-seed",
        "no optimizer accepts seed: keras.optimizers.Adam(seed=1) raises ValueError",
        "observe_optimizer_seed",
        (
            Expect("keras.optimizers.Adam(seed=1)", RAISES + "ValueError", ("TSL303",)),
            Expect("keras.optimizers.SGD(seed=1)", RAISES + "ValueError", ("TSL303",)),
        ),
        group="no-seed",
    ),
    SeedFact(
        "list-files-shuffles",
        "tf.data.Dataset.list_files shuffles by default",
        "observe_list_files",
        (Expect("Dataset.list_files() order", DIFFER, ("TSL202",)),),
        group="no-seed",
    ),
    SeedFact(
        "deterministic-ops-env",
        "TF_DETERMINISTIC_OPS=1 before TF starts is equivalent to enable_op_determinism()",
        "observe_deterministic_ops_env",
        (Expect("tf.timestamp() with TF_DETERMINISTIC_OPS=1", RAISES + "FailedPreconditionError", ("TSL405",)),),
        env=(("TF_DETERMINISTIC_OPS", "1"),),
        group="env",
    ),
    SeedFact(
        "dataset-utility-split-needs-seed",
        "*_dataset_from_directory with validation_split and shuffling but no seed raises",
        "observe_dataset_split_without_seed",
        (Expect("text_dataset_from_directory(validation_split=0.25)", RAISES + "ValueError", ("TSL204",)),),
        group="no-seed",
    ),
    SeedFact(
        "dataset-utility-seed-from-numpy",
        "without validation_split, *_dataset_from_directory draws its shuffle seed from NumPy's global state",
        "observe_dataset_seed_from_numpy",
        (Expect("text_dataset_from_directory() order", SAME, ("TSL204",)),),
        group="module-seeds",
    ),
    SeedFact(
        "tf-test-case-seeds-each-test",
        "tf.test.TestCase.setUp seeds Python random, NumPy's global state and TF (so Keras 3 too) before each test",
        "observe_tf_test_case_setup",
        (
            Expect("random.random()", SAME, ("TSL104",)),
            Expect("np.random.rand()", SAME, ("TSL102",)),
            Expect("tf.random.uniform() in a test", SAME, ("TSL101", "TSL401")),
            Expect("Dense kernel in a test", SAME, ("TSL301", "TSL404")),
        ),
        group="tf-test-case",
    ),
    SeedFact(
        "legacy-keras-tf-seed-covers-dropout",
        "legacy Keras (tf_keras): tf.random.set_seed covers Dropout and noise layers, "
        "not initializers or augmentation layers (seeded from Python random)",
        "observe_legacy_keras_tf_seed",
        (
            Expect("legacy Dropout mask", SAME, ("TSL302", "TSL404")),
            Expect("legacy GaussianNoise", SAME, ("TSL302", "TSL404")),
            Expect("legacy Dense kernel", DIFFER, ("TSL301", "TSL404")),
            Expect("legacy RandomRotation", DIFFER, ("TSL302", "TSL404")),
        ),
        env=(("TF_USE_LEGACY_KERAS", "1"),),
        group="legacy-keras",
    ),
    SeedFact(
        "deterministic-random-test-tool-covers-tf-ops",
        "DeterministicRandomTestTool().scope() seeds TF's stateful random ops (legacy Dropout too), "
        "not Keras initializers nor NumPy",
        "observe_deterministic_random_test_tool",
        (
            Expect("tf.random.uniform() in the tool's scope", SAME, ("TSL101", "TSL401")),
            Expect("legacy Dropout mask in the tool's scope", SAME, ("TSL302",)),
            Expect("legacy Dense kernel in the tool's scope", DIFFER, ("TSL301",)),
            Expect("np.random.rand() in the tool's scope", DIFFER, ("TSL102",)),
        ),
        env=(("TF_USE_LEGACY_KERAS", "1"),),
        group="legacy-keras",
    ),
    SeedFact(
        "sklearn-random-state-none-is-numpy",
        "sklearn's random_state=None means NumPy's global RandomState, so np.random.seed and "
        "keras.utils.set_random_seed cover it; train_test_split without either gives a different split "
        "on every run",
        "observe_sklearn_random_state_none",
        (
            Expect("train_test_split()", DIFFER, ("TSL207",)),
            Expect("np.random.seed + train_test_split()", SAME, ("TSL207",)),
            Expect("keras.utils.set_random_seed + train_test_split()", SAME, ("TSL207",)),
        ),
        group="no-seed",  # the last of its group: it seeds NumPy after its unseeded draw
    ),
)

FACTS_BY_ID: dict[str, SeedFact] = {f.id: f for f in FACTS}


def observe(fact_ids: Sequence[str]) -> dict[str, Any]:
    """Run the facts' observers one after the other (in a worker process):
    `{"observations": {fact id: {...}}, "errors": {fact id: message}}`."""
    from tfseedlint.probe.worker import clean_message

    observations: dict[str, dict[str, str]] = {}
    errors: dict[str, str] = {}
    for fact_id in fact_ids:
        fact = FACTS_BY_ID.get(fact_id)
        if fact is None:
            errors[fact_id] = f"unknown seed fact {fact_id!r}"
            continue
        try:
            observations[fact_id] = globals()[fact.observer]()
        except Exception as exc:  # noqa: BLE001 - one broken observer costs one fact
            errors[fact_id] = f"{type(exc).__name__}: {clean_message(str(exc))}"
    return {"observations": observations, "errors": errors}


# --------------------------------------------------------------------------
# Judging (parent side)


def _check(expect: Expect, observed: tuple[str, ...]) -> Check:
    if expect.expect.startswith(RAISES):
        wrong = [o for o in observed if not (o.startswith(expect.expect + ":") or o == expect.expect)]
        holds = not wrong
        note = f"now {wrong[0]} (expected it to {expect.expect.rstrip()})" if wrong else ""
    else:
        identical = len(set(observed)) == 1
        holds = identical == (expect.expect == SAME)
        note = "" if holds else (
            "now differs between runs (expected the seed to fix it)"
            if expect.expect == SAME
            else "now identical in both runs (expected it to differ)"
        )
    return Check(expect.name, expect.expect, observed, holds, expect.rules, note)


def judge(fact: SeedFact, observations: Sequence[Mapping[str, str] | None], errors: Sequence[str] = ()) -> FactVerdict:
    """Compare a fact's observations from its fresh processes with what it says."""
    if errors or any(o is None for o in observations):
        why = "; ".join(errors) or "no observation"
        return FactVerdict("error", f"error: {why}", (), ())
    missing = [e.name for e in fact.expects if any(e.name not in o for o in observations if o is not None)]
    if missing:
        return FactVerdict("error", f"error: observer did not report {', '.join(missing)}", (), ())
    checks = tuple(
        _check(e, tuple(o[e.name] for o in observations if o is not None)) for e in fact.expects
    )
    broken = [c for c in checks if not c.holds]
    if not broken:
        return FactVerdict("holds", "holds", checks, ())
    rules = tuple(sorted({r for c in broken for r in c.rules}))
    notes = "; ".join(f"{c.name} {c.note}" for c in broken)
    return FactVerdict(
        "changed",
        f"CHANGED: {notes}; premise of {', '.join(rules)} no longer holds",
        checks,
        rules,
    )

"""The catalog checked against the installed TensorFlow, Keras, NumPy and
Python by introspection: a renamed or moved seed parameter, a new random
layer or an optimizer that gains `seed` fails here."""
from __future__ import annotations

import importlib
import inspect
import os
import random
import sys

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")

from tfseedlint import catalog  # noqa: E402

ROOTS = {"tensorflow": tf, "keras": keras, "numpy": np, "random": random}
#: Libraries the catalog knows that may be absent: their entries are skipped.
OPTIONAL_ROOTS = ("sklearn", "tensorflow_datasets", "functools")
#: Layers that take `seed` for something other than drawing at call time.
NOT_RANDOM_LAYERS = {"JaxLayer", "FlaxLayer", "Attention", "AdditiveAttention"}
#: Optimizer names that are wrappers or base classes, not algorithms.
NOT_OPTIMIZERS = {"Optimizer", "LossScaleOptimizer", "MultiOptimizer", "OptimizerMap"}


#: Where `tf.compat.v1.layers` lives: it exists only under legacy Keras.
TF1_LAYERS = "tensorflow.compat.v1.layers."
LEGACY_LAYERS_MODULE = "tf_keras.api._v1.keras.__internal__.legacy.layers"


def resolve(name: str):
    if name.startswith(TF1_LAYERS):
        pytest.importorskip("tf_keras")
        return getattr(importlib.import_module(LEGACY_LAYERS_MODULE), name[len(TF1_LAYERS):])
    head, *rest = name.split(".")
    if head in OPTIONAL_ROOTS:
        obj = pytest.importorskip(head)
        for index, part in enumerate(rest):
            if not hasattr(obj, part):
                # A subpackage the package does not import itself (sklearn.model_selection).
                importlib.import_module(".".join([head, *rest[:index + 1]]))
            obj = getattr(obj, part)
        return obj
    obj = ROOTS[head]
    for part in rest:
        obj = getattr(obj, part)
    return obj


def parameters(obj) -> list[inspect.Parameter]:
    return [p for p in inspect.signature(obj).parameters.values() if p.name != "self"]


def positional_index(obj, name: str) -> int | None:
    for index, p in enumerate(parameters(obj)):
        if p.name == name:
            return index if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) else None
    raise AssertionError(f"no parameter {name!r}")


def _exists_here(name: str) -> bool:
    # random.binomialvariate arrived in Python 3.12.
    return not (name == "random.binomialvariate" and sys.version_info < (3, 12))


SEEDED = [s for s in catalog.SEEDABLES.values() if s.seed_param is not None]
UNSEEDED = [s for s in catalog.SEEDABLES.values() if s.seed_param is None and _exists_here(s.name)]


@pytest.mark.parametrize("entry", SEEDED, ids=[s.name for s in SEEDED])
def test_seed_parameter_name_and_position(entry: catalog.Seedable) -> None:
    obj = resolve(entry.name)
    assert positional_index(obj, entry.seed_param) == entry.seed_pos


@pytest.mark.parametrize("entry", UNSEEDED, ids=[s.name for s in UNSEEDED])
def test_global_state_functions_exist_and_take_no_seed(entry: catalog.Seedable) -> None:
    obj = resolve(entry.name)
    assert callable(obj)
    try:
        names = [p.name for p in parameters(obj)]
    except (TypeError, ValueError):
        return  # a C function without a signature cannot take `seed=` either
    assert "seed" not in names


@pytest.mark.parametrize("name", sorted(catalog.GLOBAL_SEEDS) + sorted(catalog.OP_DETERMINISM)
                         + sorted(catalog.NONDETERMINISTIC_GENERATORS) + sorted(catalog.SET_GLOBAL_GENERATOR)
                         + [catalog.GENERATOR_FROM_SEED, catalog.GRADIENT_TAPE, catalog.DATA_OPTIONS]
                         + sorted(catalog.KERAS_MODELS))
def test_named_apis_exist(name: str) -> None:
    assert callable(resolve(name))


@pytest.mark.parametrize("name", sorted(catalog.OPTIMIZERS))
def test_optimizers_reject_seed(name: str) -> None:
    obj = resolve(name)
    assert "seed" not in [p.name for p in parameters(obj)]
    if name.startswith("keras."):
        with pytest.raises((TypeError, ValueError)):
            obj(seed=1)


def test_every_keras_optimizer_is_listed() -> None:
    listed = {n.rsplit(".", 1)[1] for n in catalog.OPTIMIZERS if n.startswith("keras.")}
    found = {n for n, v in vars(keras.optimizers).items() if inspect.isclass(v) and n not in NOT_OPTIMIZERS}
    assert found == listed


@pytest.mark.parametrize("name", sorted(catalog.NO_SEED_PARAMETER - catalog.OPTIMIZERS))
def test_weight_layers_without_seed_reject_it(name: str) -> None:
    layer = resolve(name)
    assert "seed" not in [p.name for p in parameters(layer)]


@pytest.mark.parametrize("name", sorted(catalog.WEIGHT_LAYERS))
def test_weight_layers_have_random_default_initializers(name: str) -> None:
    layer = resolve(name)
    params = {p.name: p for p in parameters(layer)}
    for keyword in catalog.WEIGHT_LAYERS[name]:
        assert keyword in params, f"{name} has no {keyword}"
        default = params[keyword].default
        assert isinstance(default, str) and default not in catalog.CONSTANT_INITIALIZERS


@pytest.mark.parametrize("name", sorted(catalog.LAYERS_WITH_DROPOUT_SEED))
def test_recurrent_and_attention_layers_take_seed(name: str) -> None:
    assert "seed" in [p.name for p in parameters(resolve(name))]


def test_every_seeded_keras_layer_is_known() -> None:
    listed = {s.name.rsplit(".", 1)[1] for s in catalog.SEEDABLES.values() if s.name.startswith("keras.layers.")}
    listed |= {n.rsplit(".", 1)[1] for n in catalog.LAYERS_WITH_DROPOUT_SEED}
    seeded = set()
    for name, value in vars(keras.layers).items():
        if inspect.isclass(value) and name not in NOT_RANDOM_LAYERS:
            try:
                if "seed" in [p.name for p in parameters(value)]:
                    seeded.add(name)
            except (TypeError, ValueError):
                continue
    assert seeded - listed == set()


@pytest.mark.parametrize("module,prefix", [(keras.random, "keras.random."), (keras.initializers, "keras.initializers.")])
def test_every_seeded_keras_random_api_is_known(module, prefix: str) -> None:
    seeded = set()
    for name, value in vars(module).items():
        if callable(value) and not name.startswith("_"):
            try:
                if "seed" in [p.name for p in parameters(value)]:
                    seeded.add(prefix + name)
            except (TypeError, ValueError):
                continue
    assert seeded - set(catalog.SEEDABLES) == set()


@pytest.mark.parametrize("util", list(catalog.SHUFFLING_UTILITIES.values()), ids=lambda u: u.name)
def test_dataset_utilities(util: catalog.ShufflingUtility) -> None:
    obj = resolve(util.name)
    params = {p.name: p for p in parameters(obj)}
    assert params["shuffle"].default is util.shuffle_default
    assert positional_index(obj, "shuffle") == util.shuffle_pos
    assert positional_index(obj, "seed") == util.seed_pos
    assert ("validation_split" in params) == util.has_validation_split


@pytest.mark.parametrize("method", sorted(catalog.DATASET_SEEDED_METHODS))
def test_dataset_seeded_methods(method: str) -> None:
    entry = catalog.DATASET_SEEDED_METHODS[method]
    assert positional_index(getattr(tf.data.Dataset, method), "seed") == entry.seed_pos


@pytest.mark.parametrize("method", sorted(catalog.DATASET_METHODS))
def test_dataset_methods_exist(method: str) -> None:
    assert hasattr(tf.data.Dataset, method)


@pytest.mark.parametrize("method", sorted(catalog.DETERMINISTIC_METHODS))
def test_deterministic_methods_take_the_argument(method: str) -> None:
    assert "deterministic" in [p.name for p in parameters(getattr(tf.data.Dataset, method))]


@pytest.mark.parametrize("name", sorted(catalog.GPU_OPS) + sorted(catalog.GPU_OP_ALIASES))
def test_gpu_ops_exist(name: str) -> None:
    assert callable(resolve(name))


@pytest.mark.parametrize("op", [op for op in catalog.GPU_OPS.values() if op.when], ids=lambda op: op.name)
def test_gpu_op_conditions_name_real_parameters(op: catalog.GpuOp) -> None:
    keyword, position, _values, default = op.when
    obj = resolve(op.name)
    assert positional_index(obj, keyword) == position
    declared = {p.name: p.default for p in parameters(obj)}[keyword]
    assert str(declared).lower().endswith(default)


def test_dataset_sources_are_real() -> None:
    for name in catalog.DATASET_SOURCES:
        assert callable(resolve(name)), name


def test_canonical_spellings_resolve_to_the_same_objects() -> None:
    assert tf.keras.layers.Dense is resolve(catalog.canonical("tensorflow.keras.layers.Dense"))
    assert tf.keras.utils.set_random_seed is resolve(catalog.canonical("tensorflow.keras.utils.set_random_seed"))
    assert np.random.rand is resolve(catalog.canonical("numpy.random.mtrand.rand"))


# ------------------------------------------------------------ TF1 and TF core


@pytest.mark.parametrize("name", sorted(catalog.TF1_ONLY))
def test_tf1_names_exist_only_under_compat_v1(name: str) -> None:
    """`tf.X` is read as `tf.compat.v1.X` only where TF 2 has no `tf.X`, and
    that name is one the catalog knows."""
    assert callable(resolve(f"tensorflow.compat.v1.{name}"))
    with pytest.raises(AttributeError):
        resolve(f"tensorflow.{name}")
    qualified = catalog.canonical(f"tensorflow.{name}")
    assert qualified == f"tensorflow.compat.v1.{name}"
    assert qualified in catalog.SEEDABLES or qualified in catalog.GLOBAL_SEEDS or qualified in catalog.TF1_WEIGHT_LAYERS


def test_every_seeded_tf1_top_level_name_is_known() -> None:
    """Every `tf.compat.v1` function with a seed that TF 2 dropped from the
    top level is read through its compat name."""
    missing = set()
    for name, value in vars(tf.compat.v1).items():
        if name.startswith("_") or hasattr(tf, name) or not callable(value) or inspect.isclass(value):
            continue
        try:
            names = [p.name for p in parameters(value)]
        except (TypeError, ValueError):
            continue
        if "seed" in names:
            missing.add(name)
    assert missing - catalog.TF1_ONLY == set()


@pytest.mark.parametrize("name", sorted(catalog.TF1_WEIGHT_LAYERS))
def test_tf1_layers_default_to_the_variable_scope_initializer(name: str) -> None:
    params = {p.name: p.default for p in parameters(resolve(name))}
    for keyword in catalog.TF1_WEIGHT_LAYERS[name]:
        assert params[keyword] is None, f"{name}: {keyword}"
    assert "seed" not in params


def test_every_tf1_weight_layer_is_known() -> None:
    pytest.importorskip("tf_keras")
    module = importlib.import_module(LEGACY_LAYERS_MODULE)
    found = {TF1_LAYERS + n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
             and {"kernel_initializer", "depthwise_initializer"} & {p.name for p in parameters(v)}}
    assert found == set(catalog.TF1_WEIGHT_LAYERS)


def test_tf_core_initializers_draw_with_tf_ops() -> None:
    """TF's own initializers are TF-domain sources (TSL301 under the TF seed)."""
    entries = [s for s in catalog.SEEDABLES.values() if s.name.startswith("tensorflow.") and s.rule == "TSL301"]
    assert {"tensorflow.random_normal_initializer", "tensorflow.random_uniform_initializer",
            "tensorflow.compat.v1.variance_scaling_initializer"} <= {s.name for s in entries}
    assert all(s.domain == catalog.Domain.TF for s in entries)
    seeded = {f"tensorflow.compat.v1.initializers.{n}" for n, v in vars(tf.compat.v1.initializers).items()
              if callable(v) and not n.startswith("_") and "seed" in [p.name for p in parameters(v)]}
    assert seeded - set(catalog.SEEDABLES) == set()


@pytest.mark.parametrize("entry", [s for s in catalog.SEEDABLES.values() if s.switch is not None],
                         ids=lambda s: s.name)
def test_switches(entry: catalog.Seedable) -> None:
    obj = resolve(entry.name)
    assert positional_index(obj, entry.switch.param) == entry.switch.pos
    declared = {p.name: p.default for p in parameters(obj)}[entry.switch.param]
    # `list_files(shuffle=None)` means True.
    assert declared is entry.switch.default or (declared is None and entry.switch.default)


def test_partial_is_functools_partial() -> None:
    import functools

    assert resolve(catalog.PARTIAL) is functools.partial


# ------------------------------------------------------------ scikit-learn


def test_every_sklearn_splitter_is_known() -> None:
    """Every cross-validation splitter of sklearn.model_selection that takes
    `random_state` (searches and samplers are no splits of the data)."""
    model_selection = pytest.importorskip("sklearn.model_selection")
    found = set()
    for name, value in vars(model_selection).items():
        if inspect.isclass(value) and name.endswith(("Split", "Fold")) and not name.startswith(("_", "Base")) \
                and "random_state" in [
                p.name for p in parameters(value)]:
            found.add(f"sklearn.model_selection.{name}")
    found.add("sklearn.model_selection.train_test_split")
    assert found - set(catalog.SEEDABLES) == set()


def test_sklearn_random_state_none_is_numpy_global_state() -> None:
    utils = pytest.importorskip("sklearn.utils")
    assert utils.check_random_state(None) is np.random.mtrand._rand
    for entry in catalog.SEEDABLES.values():
        if entry.name.startswith("sklearn."):
            assert entry.domain == catalog.Domain.NUMPY and entry.seed_param == "random_state"
            assert {p.name: p.default for p in parameters(resolve(entry.name))}["random_state"] is None


# ------------------------------------------------------------ TensorFlow Datasets


@pytest.mark.parametrize("name", [catalog.TFDS_LOAD, catalog.TFDS_AS_DATASET])
def test_tfds_reads(name: str) -> None:
    obj = resolve(name)
    params = {p.name: p for p in parameters(obj)}
    shuffle = catalog.TFDS_SHUFFLE
    assert positional_index(obj, shuffle.param) == shuffle.pos
    assert params[shuffle.param].default is shuffle.default
    assert positional_index(obj, catalog.TFDS_READ_CONFIG) is None


def test_tfds_read_config_and_builders() -> None:
    configs = [resolve(n) for n in sorted(catalog.TFDS_READ_CONFIG_CLASS)]
    assert all(c is configs[0] for c in configs)
    assert positional_index(configs[0], catalog.TFDS_SHUFFLE_SEED[0]) == catalog.TFDS_SHUFFLE_SEED[1]
    tfds = resolve(catalog.TFDS_ROOT)
    assert inspect.signature(tfds.builder).return_annotation.endswith("DatasetBuilder")
    assert catalog.TFDS_AS_DATASET.rsplit(".", 1)[1] == "as_dataset"


# ------------------------------------------- harnesses and where ops run


def _object(name: str):
    """The object a dotted name imports as (module prefix, then attributes)."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part)
        return obj
    raise AssertionError(f"cannot import {name}")


@pytest.mark.parametrize("name", sorted(catalog.TF_TEST_CASES))
def test_tf_test_cases_seed_before_every_test(name: str) -> None:
    cls = _object(name)
    assert cls is tf.test.TestCase
    setup = inspect.getsource(cls.setUp)
    for call in ("random.seed(", "np.random.seed(", "set_random_seed("):
        assert call in setup, f"{name}.setUp no longer calls {call}..)"


@pytest.mark.parametrize("name", sorted(catalog.TF_TEST_MAINS))
def test_tf_test_mains(name: str) -> None:
    assert _object(name) is tf.test.main


def test_deterministic_random_test_tool_is_legacy_keras_only() -> None:
    tf_keras = pytest.importorskip("tf_keras")
    assert not hasattr(keras.utils, catalog.DETERMINISTIC_RANDOM_TEST_TOOL)  # absent from Keras 3
    # What `tf.compat.v1.keras.utils` is under TF_USE_LEGACY_KERAS.
    tool = getattr(importlib.import_module("tf_keras.api._v1.keras.utils"), catalog.DETERMINISTIC_RANDOM_TEST_TOOL)
    assert callable(tool().scope)
    assert tf_keras.__version__.split(".")[:2] == tf.__version__.split(".")[:2]


@pytest.mark.parametrize("name", sorted(catalog.LEGACY_TF_SEEDED_LAYERS))
def test_legacy_tf_seeded_layers_exist_in_tf_keras(name: str) -> None:
    tf_keras = pytest.importorskip("tf_keras")
    layer = getattr(tf_keras.layers, name.rsplit(".", 1)[1])
    # SpatialDropout* take no `seed` of their own: they are Dropout underneath.
    assert "seed" in inspect.signature(layer).parameters or issubclass(layer, tf_keras.layers.Dropout)


@pytest.mark.parametrize("method,keyword", sorted(catalog.PREPROCESSING_METHODS.items()))
def test_preprocessing_methods_take_a_function_first(method: str, keyword: str) -> None:
    assert parameters(getattr(tf.data.Dataset, method))[0].name == keyword


@pytest.mark.parametrize("name,keyword", sorted(catalog.PREPROCESSING_FUNCTIONS.items()))
def test_preprocessing_functions_take_a_function_first(name: str, keyword: str) -> None:
    assert parameters(_object(name))[0].name == keyword


@pytest.mark.parametrize("name", sorted(catalog.DEVICE_SCOPE))
def test_device_scopes_exist(name: str) -> None:
    assert callable(_object(name))


@pytest.mark.parametrize("method", sorted(catalog.TRAINING_METHODS))
def test_training_methods_exist(method: str) -> None:
    tf_keras = pytest.importorskip("tf_keras")
    owners = (keras.Model, keras.optimizers.Optimizer, tf_keras.Model, tf_keras.optimizers.Optimizer)
    assert any(hasattr(owner, method) for owner in owners)


@pytest.mark.parametrize("name,argument", sorted(catalog.EXACT_UNLESS.items()))
def test_exact_unless_argument(name: str, argument: tuple[str, int]) -> None:
    keyword, position = argument
    assert positional_index(resolve(name), keyword) == position
    assert catalog.gpu_op(name) is not None


#: Spellings of one API through the aliases files import TF under.
ALIAS_SPELLINGS = [
    ("tensorflow.compat.v2.keras.utils.set_random_seed", "keras.utils.set_random_seed"),
    ("tensorflow.compat.v1.keras.utils.set_random_seed", "keras.utils.set_random_seed"),
    ("tensorflow.compat.v1.compat.v2.keras.utils.set_random_seed", "keras.utils.set_random_seed"),
    ("tensorflow.compat.v2.compat.v1.keras.layers.Dense", "keras.layers.Dense"),
    ("tensorflow.compat.v2.compat.v1.set_random_seed", "tensorflow.compat.v1.set_random_seed"),
    ("tensorflow.compat.v2.random.set_seed", "tensorflow.random.set_seed"),
    ("tensorflow.compat.v1.compat.v2.config.experimental.enable_op_determinism",
     "tensorflow.config.experimental.enable_op_determinism"),
]


@pytest.mark.parametrize("spelled,name", ALIAS_SPELLINGS)
def test_canonical_resolves_every_alias_to_a_fixed_point(spelled: str, name: str) -> None:
    assert catalog.canonical(spelled) == name
    assert catalog.canonical(name) == name
    assert resolve(spelled) is resolve(name)


def test_compat_v1_data_takes_seeds_where_tf_data_does() -> None:
    # `tensorflow.compat.v1.data.X` is read as `tensorflow.data.X`: the v1
    # Dataset is another class, with the same seed parameters.
    for name in ("tensorflow.data.Dataset.shuffle", "tensorflow.data.Dataset.list_files",
                 "tensorflow.data.experimental.sample_from_datasets"):
        v1 = name.replace("tensorflow.", "tensorflow.compat.v1.", 1)
        assert catalog.canonical(v1) == name
        assert positional_index(resolve(v1), "seed") == positional_index(resolve(name), "seed")

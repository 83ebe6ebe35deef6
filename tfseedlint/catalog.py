"""Everything tfseedlint knows about TensorFlow, Keras, NumPy and Python APIs.

Knowledge is data: rules look APIs up here by canonical qualified name and never
spell module paths themselves. `tests/test_catalog.py` checks every entry
against the installed tensorflow, keras and numpy by introspection, so version
drift (a renamed parameter, an optimizer that gains `seed`) fails the tests.

Names are canonical after `canonical()`: `tensorflow.keras.X`, `tf_keras.X`
and `keras.api.X` become `keras.X`; `numpy.random.mtrand.X` becomes
`numpy.random.X`.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class Domain(enum.Flag):
    """Which global seed reaches a randomness source."""

    NONE = 0
    TF = enum.auto()  # tf.random.set_seed: TF random ops, tf.data, Model.fit shuffling
    KERAS = enum.auto()  # Keras 3 initializers, random layers, keras.random: seeded from Python `random`
    NUMPY = enum.auto()  # NumPy's legacy global RandomState
    PYTHON = enum.auto()  # Python's `random` module


ALL_DOMAINS = Domain.TF | Domain.KERAS | Domain.NUMPY | Domain.PYTHON


@dataclass(frozen=True)
class Seedable:
    """A call that draws randomness unless it is given a seed.

    `seed_pos` is the positional index of the seed parameter (None: keyword
    only, or no seed parameter at all when `seed_param` is None).
    `zero_is_random`: an explicit seed of 0 still means "random" (TF ops whose
    op-level seed 0 picks a fresh seed).
    `switch`: the argument that turns the drawing on (`KFold(shuffle=True)`,
    `tf.layers.dropout(training=True)`); the call draws unless it is given
    `False` (None: it always draws).
    """

    name: str
    rule: str | None
    domain: Domain
    seed_pos: int | None = None
    seed_param: str | None = "seed"
    zero_is_random: bool = False
    switch: Switch | None = None


@dataclass(frozen=True)
class Switch:
    """A call's on/off argument for drawing (shuffling, dropout in training):
    `param` at `pos` (None: keyword-only), and whether it draws when the
    argument is left out."""

    param: str
    pos: int | None
    default: bool


@dataclass(frozen=True)
class ShufflingUtility:
    """A Keras dataset utility that shuffles with a seed of its own (TSL204)."""

    name: str
    shuffle_default: bool
    shuffle_pos: int
    seed_pos: int
    has_validation_split: bool


@dataclass(frozen=True)
class GpuOp:
    """An op whose GPU kernel is nondeterministic.

    `deterministic_since`: first TF version with a deterministic GPU kernel
    (used under op determinism); None: there is none and the op raises
    `UnimplementedError` under `enable_op_determinism()` (TSL403).
    `when`: (keyword, position, values, default) restricting the entry to calls
    whose argument takes one of `values` (e.g. resize method "nearest").
    """

    name: str
    deterministic_since: str | None
    what: str
    when: tuple[str, int | None, tuple[str, ...], str] | None = None

    @property
    def backprop_only(self) -> bool:
        """Only its gradient is nondeterministic: it matters only in training."""
        return self.what.startswith("backprop")


def _v(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".")[:2] if p.isdigit())


def lacks_deterministic_kernel(op: GpuOp, target: str | None) -> bool:
    """Whether `op` has no deterministic GPU kernel in TF `target`."""
    if op.deterministic_since is None:
        return True
    return target is not None and _v(target) < _v(op.deterministic_since)


# ---------------------------------------------------------------- name forms

_PREFIXES = (
    # `tensorflow.compat.v2` is `tensorflow`; `compat` inside compat is compat again.
    ("tensorflow.compat.v2.", "tensorflow."),
    ("tensorflow.compat.v1.compat.", "tensorflow.compat."),
    ("tensorflow._api.v2.", "tensorflow."),
    # Under `import tensorflow.compat.v1 as tf`, `tf.keras` is Keras and
    # `tf.data` has the same seeded calls as TF 2's (checked in test_catalog).
    ("tensorflow.compat.v1.keras.", "keras."),
    ("tensorflow.compat.v1.data.", "tensorflow.data."),
    ("tensorflow.python.keras.", "keras."),
    ("tensorflow.keras.", "keras."),
    ("tf_keras.", "keras."),
    ("keras.api.", "keras."),
    ("keras._tf_keras.keras.", "keras."),
    ("keras.src.", "keras."),
    ("tensorflow.initializers.", "keras.initializers."),
    ("tensorflow.optimizers.", "keras.optimizers."),
    ("numpy.random.mtrand.", "numpy.random."),
)
_INFIXES = (
    ("keras.layers.experimental.preprocessing.", "keras.layers."),
    ("keras.preprocessing.image_dataset_from_directory", "keras.utils.image_dataset_from_directory"),
    ("keras.preprocessing.text_dataset_from_directory", "keras.utils.text_dataset_from_directory"),
    ("keras.preprocessing.timeseries_dataset_from_array", "keras.utils.timeseries_dataset_from_array"),
    ("keras.optimizers.experimental.", "keras.optimizers."),
    ("keras.optimizers.legacy.", "keras.optimizers."),
)
#: TF1 spellings that TF 2 kept only under `tf.compat.v1` (`tf.random_normal`,
#: `tf.set_random_seed` ...): `tensorflow.X` means `tensorflow.compat.v1.X`.
TF1_ONLY = frozenset((
    "random_normal random_uniform truncated_normal random_shuffle multinomial random_gamma "
    "random_poisson random_crop set_random_seed random.multinomial random.set_random_seed "
    "nn.uniform_candidate_sampler nn.log_uniform_candidate_sampler "
    "glorot_normal_initializer glorot_uniform_initializer orthogonal_initializer "
    "truncated_normal_initializer uniform_unit_scaling_initializer variance_scaling_initializer "
    "train.shuffle_batch train.shuffle_batch_join layers.dropout layers.dense layers.conv1d layers.conv2d "
    "layers.conv3d layers.conv2d_transpose layers.conv3d_transpose layers.separable_conv1d "
    "layers.separable_conv2d layers.Dense layers.Conv1D layers.Conv2D layers.Conv3D layers.Conv2DTranspose "
    "layers.Conv3DTranspose layers.SeparableConv1D layers.SeparableConv2D"
).split())
_FLAT_KERAS_PACKAGES = frozenset({"layers", "initializers", "random", "optimizers", "utils"})
ROOT_MODULES = frozenset({"tensorflow", "keras", "tf_keras", "numpy", "random"})


def canonical(name: str) -> str:
    """Map the many spellings of one API onto the name the catalog uses.

    Prefixes are rewritten until none applies (`tensorflow.compat.v2.keras.X`
    -> `tensorflow.keras.X` -> `keras.X`): every spelling reaches one fixed
    point, so a call the fixer writes through any alias is recognised."""
    for _ in range(len(_PREFIXES)):
        for prefix, repl in _PREFIXES:
            if name.startswith(prefix) or name == prefix[:-1]:
                name = repl + name[len(prefix):] if name != prefix[:-1] else repl[:-1]
                break
        else:
            break
    for infix, repl in _INFIXES:
        if name.startswith(infix):
            name = repl + name[len(infix):]
    if name.startswith("tensorflow.") and name[len("tensorflow."):] in TF1_ONLY:
        return "tensorflow.compat.v1." + name[len("tensorflow."):]
    parts = name.split(".")
    if len(parts) > 3 and parts[0] == "keras" and parts[1] in _FLAT_KERAS_PACKAGES:
        # keras.src.layers.core.dense.Dense is exported as keras.layers.Dense.
        name = f"keras.{parts[1]}.{parts[-1]}"
    return name


# ------------------------------------------------------------ global seeding

GLOBAL_SEEDS: dict[str, Domain] = {
    "keras.utils.set_random_seed": ALL_DOMAINS,
    "tensorflow.random.set_seed": Domain.TF,
    "tensorflow.compat.v1.set_random_seed": Domain.TF,
    "tensorflow.compat.v1.random.set_random_seed": Domain.TF,
    "numpy.random.seed": Domain.NUMPY,
    # Keras 3 draws the seeds of unseeded initializers, layers and
    # keras.random calls from Python's `random`, so seeding it reaches them.
    "random.seed": Domain.PYTHON | Domain.KERAS,
}
#: The TF-only global seeds that TSL404 reports and its fix replaces.
TF_ONLY_SEEDS = frozenset(n for n, d in GLOBAL_SEEDS.items() if d == Domain.TF)
SET_RANDOM_SEED = "keras.utils.set_random_seed"
OP_DETERMINISM = frozenset({"tensorflow.config.experimental.enable_op_determinism"})
DETERMINISM_ENV = "TF_DETERMINISTIC_OPS"
GRADIENT_TAPE = "tensorflow.GradientTape"


# ------------------------------------------------------- randomness sources

def _family(rule: str, domain: Domain, prefix: str, spec: str, **kw: object) -> list[Seedable]:
    """Entries from "name:pos name:pos" ("name:-" = keyword-only seed)."""
    out = []
    for item in spec.split():
        name, _, pos = item.partition(":")
        out.append(Seedable(prefix + name, rule, domain,
                            seed_pos=None if pos in ("", "-") else int(pos), **kw))  # type: ignore[arg-type]
    return out


def _unseedable(rule: str, domain: Domain, prefix: str, names: str) -> list[Seedable]:
    return [Seedable(prefix + n, rule, domain, seed_param=None) for n in names.split()]


_TF_RANDOM = (
    _family("TSL101", Domain.TF, "tensorflow.random.",
            "normal:4 uniform:4 truncated_normal:4 categorical:3 shuffle:1 gamma:4 poisson:3 "
            "log_uniform_candidate_sampler:5 uniform_candidate_sampler:5 "
            "learned_unigram_candidate_sampler:5 fixed_unigram_candidate_sampler:11 "
            "all_candidate_sampler:4")
    + _family("TSL101", Domain.TF, "tensorflow.nn.",
              "dropout:3 learned_unigram_candidate_sampler:5 fixed_unigram_candidate_sampler:11 "
              "all_candidate_sampler:4")
    + _family("TSL101", Domain.TF, "tensorflow.image.",
              "random_flip_left_right:1 random_flip_up_down:1 random_brightness:2 random_contrast:3 "
              "random_hue:2 random_saturation:3 random_jpeg_quality:3 random_crop:2")
    + _family("TSL101", Domain.TF, "tensorflow.compat.v1.",
              "random_normal:4 random_uniform:4 truncated_normal:4 random_shuffle:1 multinomial:2 "
              "random_gamma:4 random_poisson:3 random_crop:2 nn.dropout:3 "
              "random.normal:4 random.uniform:4 random.shuffle:1 random.categorical:3 random.poisson:3 "
              "random.gamma:4 random.truncated_normal:4 random.multinomial:2 "
              "nn.uniform_candidate_sampler:5 nn.log_uniform_candidate_sampler:5 "
              "train.shuffle_batch:5 train.shuffle_batch_join:4")
    # TF1's functional dropout draws only with `training=True`.
    + [Seedable("tensorflow.compat.v1.layers.dropout", "TSL101", Domain.TF, seed_pos=3,
                switch=Switch("training", 4, False))]
    # Seed 0 means "pick a random seed" for these ops whatever the global seed.
    + _family("TSL101", Domain.TF, "tensorflow.", "image.sample_distorted_bounding_box:2 "
              "nn.fractional_max_pool:4 nn.fractional_avg_pool:4 "
              "compat.v1.image.sample_distorted_bounding_box:2 "
              "compat.v1.nn.fractional_max_pool:5 compat.v1.nn.fractional_avg_pool:5",
              zero_is_random=True)
)

NUMPY_LEGACY = (
    "beta binomial bytes chisquare choice dirichlet exponential f gamma geometric gumbel "
    "hypergeometric laplace logistic lognormal logseries multinomial multivariate_normal "
    "negative_binomial noncentral_chisquare noncentral_f normal pareto permutation poisson "
    "power rand randint randn random random_integers random_sample ranf rayleigh sample "
    "shuffle standard_cauchy standard_exponential standard_gamma standard_normal standard_t "
    "triangular uniform vonmises wald weibull zipf"
)
PYTHON_RANDOM = (
    "betavariate choice choices expovariate gammavariate gauss getrandbits lognormvariate "
    "normalvariate paretovariate randbytes randint random randrange sample shuffle triangular "
    "uniform vonmisesvariate weibullvariate binomialvariate"
)

_GENERATORS = (
    _family("TSL103", Domain.NONE, "numpy.random.",
            "default_rng:0 RandomState:0 MT19937:0 PCG64:0 PCG64DXSM:0 Philox:0 SFC64:0")
    + [Seedable("numpy.random.SeedSequence", "TSL103", Domain.NONE, seed_pos=0, seed_param="entropy"),
       Seedable("random.Random", "TSL103", Domain.NONE, seed_pos=0, seed_param="x")]
)
#: Constructors that take no seed at all: always a fresh, unseeded stream.
NONDETERMINISTIC_GENERATORS = frozenset({
    "tensorflow.random.Generator.from_non_deterministic_state",
    "tensorflow.random.experimental.Generator.from_non_deterministic_state",
    "tensorflow.random.get_global_generator",
    "tensorflow.random.experimental.get_global_generator",
})
SET_GLOBAL_GENERATOR = frozenset({
    "tensorflow.random.set_global_generator",
    "tensorflow.random.experimental.set_global_generator",
})
GENERATOR_FROM_SEED = "tensorflow.random.Generator.from_seed"

_KERAS_RANDOM = _family(
    "TSL105", Domain.KERAS, "keras.random.",
    "normal:4 uniform:4 truncated_normal:4 categorical:3 randint:4 dropout:3 shuffle:2 gamma:3 "
    "binomial:4 beta:4 SeedGenerator:0",
)

_INITIALIZERS = _family(
    "TSL301", Domain.KERAS, "keras.initializers.",
    "GlorotNormal:0 GlorotUniform:0 HeNormal:0 HeUniform:0 LecunNormal:0 LecunUniform:0 "
    "Orthogonal:1 OrthogonalInitializer:1 RandomNormal:2 RandomUniform:2 TruncatedNormal:2 "
    "VarianceScaling:3 glorot_normal:0 glorot_uniform:0 he_normal:0 he_uniform:0 lecun_normal:0 "
    "lecun_uniform:0 orthogonal:1 random_normal:2 random_uniform:2 truncated_normal:2 "
    "variance_scaling:3",
)

#: TF's own initializers (TF 2 core and `tf.compat.v1`): they draw with TF
#: random ops, so the TF global seed covers them.
_TF_INITIALIZERS = (
    _family("TSL301", Domain.TF, "tensorflow.", "random_normal_initializer:2 random_uniform_initializer:2")
    + _family("TSL301", Domain.TF, "tensorflow.compat.v1.",
              "random_normal_initializer:2 random_uniform_initializer:2 truncated_normal_initializer:2 "
              "glorot_normal_initializer:0 glorot_uniform_initializer:0 orthogonal_initializer:1 "
              "uniform_unit_scaling_initializer:1 variance_scaling_initializer:3 "
              "initializers.random_normal:2 initializers.random_uniform:2 initializers.truncated_normal:2 "
              "initializers.glorot_normal:0 initializers.glorot_uniform:0 initializers.he_normal:0 "
              "initializers.he_uniform:0 initializers.lecun_normal:0 initializers.lecun_uniform:0 "
              "initializers.orthogonal:1 initializers.uniform_unit_scaling:1 initializers.variance_scaling:3")
)

_RANDOM_LAYERS = _family(
    "TSL302", Domain.KERAS, "keras.layers.",
    "Dropout:2 SpatialDropout1D:1 SpatialDropout2D:2 SpatialDropout3D:2 GaussianDropout:1 "
    "GaussianNoise:1 AlphaDropout:2 "
    "RandomFlip:1 RandomRotation:3 RandomZoom:4 RandomTranslation:4 RandomContrast:2 RandomCrop:2 "
    "RandomBrightness:2 RandomHue:3 RandomSaturation:3 RandomSharpness:3 RandomShear:6 "
    "RandomGrayscale:2 RandomColorDegeneration:3 RandomColorJitter:5 RandomPerspective:4 "
    "RandomErasing:4 RandomGaussianBlur:5 RandomPosterization:3 RandomInvert:2 "
    "RandomElasticTransform:6 Solarization:3 RandAugment:4 AugMix:7 MixUp:2 CutMix:1",
)

#: tf.data calls with a seed of their own (TSL202, TSL205).
_DATA = (
    # `shuffle=None` (the default) means True.
    [Seedable("tensorflow.data.Dataset.list_files", "TSL202", Domain.TF, seed_pos=2,
              switch=Switch("shuffle", 1, True))]
    + _family("TSL205", Domain.TF, "tensorflow.data.",
              "Dataset.sample_from_datasets:2 Dataset.random:0 experimental.sample_from_datasets:2 "
              "experimental.rejection_resample:3 experimental.RandomDataset:0")
)

#: sklearn splitters and shufflers: `random_state=None` draws from NumPy's
#: global RandomState (`check_random_state(None)`), so a NumPy seed covers them.
_SPLIT_SHUFFLES = Switch("shuffle", None, True)
_KFOLD_SHUFFLE = Switch("shuffle", None, False)
_SKLEARN = (
    _family("TSL207", Domain.NUMPY, "sklearn.model_selection.",
            "ShuffleSplit:- StratifiedShuffleSplit:- GroupShuffleSplit:- RepeatedKFold:- "
            "RepeatedStratifiedKFold:-", seed_param="random_state")
    + [Seedable("sklearn.model_selection.train_test_split", "TSL207", Domain.NUMPY,
                seed_param="random_state", switch=_SPLIT_SHUFFLES)]
    + _family("TSL207", Domain.NUMPY, "sklearn.model_selection.", "KFold:- StratifiedKFold:- GroupKFold:-",
              seed_param="random_state", switch=_KFOLD_SHUFFLE)
    + [Seedable("sklearn.model_selection.StratifiedGroupKFold", "TSL207", Domain.NUMPY, seed_pos=2,
                seed_param="random_state", switch=Switch("shuffle", 1, False))]
    + _family("TSL207", Domain.NUMPY, "sklearn.utils.", "shuffle:- resample:-", seed_param="random_state")
)

SEEDABLES: dict[str, Seedable] = {
    s.name: s for s in (_TF_RANDOM + _GENERATORS + _KERAS_RANDOM + _INITIALIZERS + _TF_INITIALIZERS
                        + _RANDOM_LAYERS + _DATA + _SKLEARN)
}
SEEDABLES.update({s.name: s for s in _unseedable("TSL102", Domain.NUMPY, "numpy.random.", NUMPY_LEGACY)})
SEEDABLES.update({s.name: s for s in _unseedable("TSL104", Domain.PYTHON, "random.", PYTHON_RANDOM)})

#: Dataset methods that take a seed (receiver traced to tf.data).
DATASET_SEEDED_METHODS: dict[str, Seedable] = {
    "shuffle": Seedable("tensorflow.data.Dataset.shuffle", "TSL201", Domain.TF, seed_pos=1),
    "rejection_resample": Seedable("tensorflow.data.Dataset.rejection_resample", "TSL205",
                                   Domain.TF, seed_pos=3),
}

# ------------------------------------------------------- TensorFlow Datasets

#: TFDS reads that shuffle their files with `shuffle_files=True` (TSL206):
#: `tfds.load` and `DatasetBuilder.as_dataset` (a method: found by its name on
#: a builder). No global seed reaches the file order; only
#: `read_config=tfds.ReadConfig(shuffle_seed=...)` does.
TFDS_LOAD = "tensorflow_datasets.load"
TFDS_AS_DATASET = "tensorflow_datasets.core.DatasetBuilder.as_dataset"
TFDS_SHUFFLE = Switch("shuffle_files", None, False)
TFDS_READ_CONFIG = "read_config"  # keyword-only in both
TFDS_READ_CONFIG_CLASS = frozenset({"tensorflow_datasets.ReadConfig"})
TFDS_SHUFFLE_SEED = ("shuffle_seed", 4)
#: Any object TFDS makes other than a dataset may be a builder
#: (`tfds.builder(...)`, `tfds.image_classification.MNIST(data_dir=...)`).
TFDS_ROOT = "tensorflow_datasets"

#: `functools.partial(api, ...)`: calling the result calls `api` with the
#: partial's arguments first.
PARTIAL = "functools.partial"

SHUFFLING_UTILITIES: dict[str, ShufflingUtility] = {
    u.name: u for u in (
        ShufflingUtility("keras.utils.image_dataset_from_directory", True, 7, 8, True),
        ShufflingUtility("keras.utils.text_dataset_from_directory", True, 6, 7, True),
        ShufflingUtility("keras.utils.audio_dataset_from_directory", True, 8, 9, True),
        ShufflingUtility("keras.utils.timeseries_dataset_from_array", False, 6, 7, False),
        ShufflingUtility("keras.utils.split_dataset", False, 3, 4, False),
    )
}


# ------------------------------------------------------------ Keras layers

#: Layers whose weights get a random default initializer, with the keyword
#: arguments that set those initializers. They take no `seed` unless listed
#: in LAYERS_WITH_DROPOUT_SEED (their `seed` drives dropout, not weights).
WEIGHT_LAYERS: dict[str, tuple[str, ...]] = {
    **{f"keras.layers.{n}": ("kernel_initializer",) for n in (
        "Dense EinsumDense Conv1D Conv2D Conv3D Conv1DTranspose Conv2DTranspose Conv3DTranspose "
        "Convolution1D Convolution2D Convolution3D Convolution2DTranspose Convolution3DTranspose"
    ).split()},
    **{f"keras.layers.{n}": ("depthwise_initializer", "pointwise_initializer") for n in
       "SeparableConv1D SeparableConv2D SeparableConvolution1D SeparableConvolution2D".split()},
    **{f"keras.layers.{n}": ("depthwise_initializer",) for n in "DepthwiseConv1D DepthwiseConv2D".split()},
    "keras.layers.Embedding": ("embeddings_initializer",),
    **{f"keras.layers.{n}": ("kernel_initializer", "recurrent_initializer") for n in
       "SimpleRNN SimpleRNNCell LSTM LSTMCell GRU GRUCell ConvLSTM1D ConvLSTM2D ConvLSTM3D".split()},
    **{f"keras.layers.{n}": ("kernel_initializer",) for n in "MultiHeadAttention GroupQueryAttention".split()},
}
#: TF1's `tf.layers` (`tf.compat.v1.layers`, available under legacy Keras):
#: their default initializer (None: the variable scope's, glorot_uniform)
#: draws with TF random ops, so the TF global seed covers them.
TF1_WEIGHT_LAYERS: dict[str, tuple[str, ...]] = {
    **{f"tensorflow.compat.v1.layers.{n}": ("kernel_initializer",) for n in (
        "dense conv1d conv2d conv3d conv2d_transpose conv3d_transpose "
        "Dense Conv1D Conv2D Conv3D Conv2DTranspose Conv3DTranspose").split()},
    **{f"tensorflow.compat.v1.layers.{n}": ("depthwise_initializer", "pointwise_initializer") for n in
       "separable_conv1d separable_conv2d SeparableConv1D SeparableConv2D".split()},
}
LAYERS_WITH_DROPOUT_SEED = frozenset(
    f"keras.layers.{n}" for n in
    "SimpleRNN SimpleRNNCell LSTM LSTMCell GRU GRUCell ConvLSTM1D ConvLSTM2D ConvLSTM3D "
    "MultiHeadAttention GroupQueryAttention".split()
)
#: Initializer names (strings) that draw no randomness.
CONSTANT_INITIALIZERS = frozenset({"zeros", "ones", "constant", "identity", "Zeros", "Ones", "Constant", "Identity"})

KERAS_MODELS = frozenset({"keras.Sequential", "keras.Model", "keras.models.Sequential",
                          "keras.models.Model", "keras.models.load_model", "keras.saving.load_model"})


# --------------------------------------------------------- no `seed` at all

OPTIMIZERS = frozenset(
    f"keras.optimizers.{n}" for n in
    "Adadelta Adafactor Adagrad Adam AdamW Adamax Ftrl Lamb Lion Nadam RMSprop SGD Muon "
    "ScheduleFreeAdamW".split()
) | frozenset(
    f"tensorflow.compat.v1.train.{n}" for n in
    "AdamOptimizer AdagradOptimizer AdadeltaOptimizer GradientDescentOptimizer "
    "MomentumOptimizer RMSPropOptimizer FtrlOptimizer".split()
)
#: APIs that reject a `seed=` argument (TSL303).
NO_SEED_PARAMETER = OPTIMIZERS | frozenset(WEIGHT_LAYERS).difference(LAYERS_WITH_DROPOUT_SEED)


# ----------------------------------------------------------------- tf.data

#: Calls that produce a tf.data.Dataset.
DATASET_SOURCES_PREFIX = ("tensorflow.data.Dataset.",)
DATASET_SOURCES = frozenset({
    "tensorflow.data.TFRecordDataset", "tensorflow.data.TextLineDataset",
    "tensorflow.data.FixedLengthRecordDataset", "tensorflow.data.experimental.sample_from_datasets",
    "tensorflow.data.experimental.choose_from_datasets", "tensorflow.data.experimental.make_csv_dataset",
    "tensorflow.data.experimental.CsvDataset", "tensorflow.data.experimental.SqlDataset",
    "tensorflow.data.experimental.RandomDataset", "tensorflow.data.experimental.Counter",
    TFDS_LOAD,
}) | frozenset(SHUFFLING_UTILITIES)
#: Dataset methods that return a Dataset (so a chain stays traced).
DATASET_METHODS = frozenset(
    "apply batch bucket_by_sequence_length cache concatenate enumerate filter flat_map group_by_window "
    "ignore_errors interleave map padded_batch prefetch ragged_batch rebatch "
    "rejection_resample repeat scan shard shuffle skip snapshot sparse_batch take take_while "
    "unbatch unique window with_options zip".split()
)
#: Methods whose `deterministic=False` gives up the element order (TSL203).
DETERMINISTIC_METHODS = frozenset({"map", "interleave", "batch"})
DATA_OPTIONS = "tensorflow.data.Options"
OPTIONS_ATTRIBUTES = frozenset({"deterministic", "experimental_deterministic"})


# ---------------------------------------------------- GPU-nondeterministic ops

def _ops(since: str | None, what: str, names: str) -> list[GpuOp]:
    return [GpuOp(n, since, what) for n in names.split()]


_NEAREST = ("method", 2, ("nearest", "NEAREST_NEIGHBOR", "ResizeMethod.NEAREST_NEIGHBOR"), "bilinear")
GPU_OPS: dict[str, GpuOp] = {op.name: op for op in (
    # No deterministic GPU kernel: UnimplementedError under op determinism.
    _ops(None, "forward", "tensorflow.math.bincount tensorflow.sparse.sparse_dense_matmul "
                          "tensorflow.image.adjust_contrast tensorflow.image.random_contrast")
    + _ops(None, "backprop", "tensorflow.image.crop_and_resize "
                             "tensorflow.compat.v1.image.resize_nearest_neighbor")
    + [GpuOp("tensorflow.image.resize", None, "backprop with method=nearest", _NEAREST),
       GpuOp("keras.layers.UpSampling2D", None, "backprop with interpolation=nearest",
             ("interpolation", 2, ("nearest",), "nearest"))]
    # Atomics-based kernels, deterministic only under op determinism.
    + _ops("2.7", "forward", "tensorflow.math.segment_sum tensorflow.math.segment_prod "
                             "tensorflow.math.segment_mean tensorflow.math.unsorted_segment_sum "
                             "tensorflow.math.unsorted_segment_prod tensorflow.math.unsorted_segment_mean "
                             "tensorflow.math.unsorted_segment_sqrt_n tensorflow.sparse.segment_sum "
                             "tensorflow.sparse.segment_mean tensorflow.sparse.segment_sqrt_n "
                             "tensorflow.scatter_nd tensorflow.tensor_scatter_nd_add "
                             "tensorflow.tensor_scatter_nd_sub tensorflow.tensor_scatter_nd_update "
                             "tensorflow.nn.sparse_softmax_cross_entropy_with_logits tensorflow.nn.ctc_loss")
    + _ops("2.7", "backprop", "tensorflow.gather tensorflow.nn.embedding_lookup keras.layers.Embedding")
    + _ops("2.6", "forward", "tensorflow.nn.softmax_cross_entropy_with_logits")
    + _ops("2.1", "backprop", "tensorflow.nn.bias_add tensorflow.nn.conv1d tensorflow.nn.conv2d "
                              "tensorflow.nn.conv3d keras.layers.Conv1D keras.layers.Conv2D "
                              "keras.layers.Conv3D")
)}
#: Other spellings of GPU ops.
GPU_OP_ALIASES = {
    "tensorflow.compat.v1.bincount": "tensorflow.math.bincount",
    "tensorflow.compat.v1.math.bincount": "tensorflow.math.bincount",
    "tensorflow.compat.v1.sparse_tensor_dense_matmul": "tensorflow.sparse.sparse_dense_matmul",
    "tensorflow.compat.v1.sparse.sparse_dense_matmul": "tensorflow.sparse.sparse_dense_matmul",
    "tensorflow.compat.v1.image.crop_and_resize": "tensorflow.image.crop_and_resize",
    "tensorflow.compat.v1.image.adjust_contrast": "tensorflow.image.adjust_contrast",
    "tensorflow.compat.v1.image.random_contrast": "tensorflow.image.random_contrast",
    "tensorflow.compat.v1.unsorted_segment_sum": "tensorflow.math.unsorted_segment_sum",
    "tensorflow.compat.v1.segment_sum": "tensorflow.math.segment_sum",
    "keras.layers.Convolution1D": "keras.layers.Conv1D",
    "keras.layers.Convolution2D": "keras.layers.Conv2D",
    "keras.layers.Convolution3D": "keras.layers.Conv3D",
}


def gpu_op(name: str) -> GpuOp | None:
    return GPU_OPS.get(GPU_OP_ALIASES.get(name, name))


# ------------------------------------------- harnesses and where ops run

#: Test cases whose `setUp` seeds `random`, NumPy's global state and TF
#: before every test (`tf.test.TestCase` and where it is defined).
TF_TEST_CASES = frozenset({
    "tensorflow.test.TestCase", "tensorflow.compat.v1.test.TestCase",
    "tensorflow.python.platform.test.TestCase", "tensorflow.python.framework.test_util.TensorFlowTestCase",
})
#: `tf.test.main()`: a module whose `__main__` runs it is a suite of such tests.
TF_TEST_MAINS = frozenset({"tensorflow.test.main", "tensorflow.compat.v1.test.main",
                           "tensorflow.python.platform.test.main"})
#: Runners that make a module a test module (TSL405 stays silent there).
TEST_MAINS = TF_TEST_MAINS | frozenset({"unittest.main", "absl.testing.absltest.main", "pytest.main"})
#: Legacy Keras's `DeterministicRandomTestTool`: its `scope()` gives every
#: stateful TF random op a fixed seed (matched by this last name component:
#: it is exported as `tf.compat.v1.keras.utils.DeterministicRandomTestTool`
#: only, and only when `tf.compat.v1.keras` is tf_keras).
DETERMINISTIC_RANDOM_TEST_TOOL = "DeterministicRandomTestTool"
#: Legacy Keras (tf_keras, or `TF_USE_LEGACY_KERAS`): these layers draw
#: through TF's stateful random ops, so `tf.random.set_seed` covers them
#: (its initializers and augmentation layers still seed from Python `random`).
LEGACY_KERAS_ENV = "TF_USE_LEGACY_KERAS"
LEGACY_TF_SEEDED_LAYERS = frozenset(
    f"keras.layers.{n}" for n in
    "Dropout SpatialDropout1D SpatialDropout2D SpatialDropout3D GaussianNoise GaussianDropout AlphaDropout".split()
)
#: tf.data methods whose function argument runs in the input pipeline, on
#: the CPU: method -> the keyword of that argument (else the first one).
PREPROCESSING_METHODS = {"map": "map_func", "filter": "predicate", "interleave": "map_func",
                         "flat_map": "map_func"}
#: Functions whose function argument runs as Python on the host.
PREPROCESSING_FUNCTIONS = {"tensorflow.py_function": "func"}
PARTIAL = "functools.partial"
DEVICE_SCOPE = frozenset({"tensorflow.device", "tensorflow.compat.v1.device"})
#: Methods that train (TSL403's backprop ops, TSL405); `fit` is judged by its receiver.
TRAINING_METHODS = frozenset({"fit", "train_on_batch", "fit_generator", "apply_gradients", "minimize"})
#: Ops whose results are exact integers (so the same on every run) unless
#: given this argument (keyword, position): only raising under op
#: determinism can matter, which a test module without it never does.
EXACT_UNLESS = {"tensorflow.math.bincount": ("weights", 1)}

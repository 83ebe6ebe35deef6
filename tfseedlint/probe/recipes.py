"""One small recipe per GPU-relevant op: fixed inputs, the op, and (for ops
whose nondeterminism lives in the gradient) what to differentiate.

The registry (`RECIPES`) is plain data that the parent process reads; the
builder functions only run inside a worker, which passes them the `tensorflow`
and `numpy` modules and a NumPy generator seeded from the op key. Inputs are
always built with NumPy, never with TF random ops, so every run of a recipe
sees bit-identical inputs. Sizes are chosen so that atomics have many
colliding updates to reorder (hundreds of duplicate indices per output slot)
while one run stays in the tens of milliseconds on a CPU.

Keys are the canonical API names the linter's catalog uses
(`tensorflow.math.bincount`, `keras.layers.Conv2D`, ...).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

TSL403 = "TSL403"  # no deterministic GPU kernel
TSL405 = "TSL405"  # GPU kernel uses atomics unless op determinism is on
CONTROL = "control"  # not a GPU op: a known answer the probe itself is tested on


@dataclass(frozen=True)
class Case:
    """What a builder returns: `run()` computes the op's outputs (a tensor or a
    nest of tensors) from inputs fixed at build time; the gradients of the
    outputs (times a fixed upstream gradient) are taken with respect to
    `sources` (tensors are watched, trainable variables are automatic)."""

    run: Callable[[], Any]
    sources: Sequence[Any] = field(default_factory=tuple)


@dataclass(frozen=True)
class Recipe:
    """How to probe one op. `build` names the builder as `module:function` so
    that the worker can import it (tests point it at fake builders)."""

    key: str
    rule: str
    build: str
    backprop: bool
    what: str


# --------------------------------------------------------------------------
# Input helpers (NumPy only; `rng` is a seeded numpy.random.Generator)

_ROWS = 1 << 17  # rows fed to segment / scatter / gather style ops
_SLOTS = 256  # output slots they collide into: ~500 updates per slot


def _uniform(np: Any, rng: Any, *shape: int, low: float = -1.0, high: float = 1.0) -> Any:
    return rng.uniform(low, high, size=shape).astype(np.float32)


def _ids(np: Any, rng: Any, high: int, size: int, *, sort: bool = False) -> Any:
    ids = rng.integers(0, high, size=size).astype(np.int32)
    return np.sort(ids) if sort else ids


def _set_weights(np: Any, rng: Any, layer: Any) -> None:
    layer.set_weights([_uniform(np, rng, *w.shape, low=-0.1, high=0.1) for w in layer.get_weights()])


# --------------------------------------------------------------------------
# TSL403: ops with no deterministic GPU kernel


def bincount(tf: Any, np: Any, rng: Any) -> Case:
    # Float weights: integer counts would add up the same in any order.
    arr = tf.constant(_ids(np, rng, 512, 1 << 20))
    weights = tf.constant(_uniform(np, rng, 1 << 20))
    return Case(lambda: tf.math.bincount(arr, weights=weights, minlength=512))


def sparse_dense_matmul(tf: Any, np: Any, rng: Any) -> Case:
    n, k, m, nnz = 1024, 1024, 64, 1 << 17
    indices = np.stack([rng.integers(0, n, nnz), rng.integers(0, k, nnz)], axis=1).astype(np.int64)
    sparse = tf.sparse.reorder(tf.SparseTensor(indices, _uniform(np, rng, nnz), [n, k]))
    dense = tf.constant(_uniform(np, rng, k, m))
    return Case(lambda: tf.sparse.sparse_dense_matmul(sparse, dense))


def crop_and_resize(tf: Any, np: Any, rng: Any) -> Case:
    batch, n_boxes = 8, 512
    image = tf.constant(_uniform(np, rng, batch, 96, 96, 8))
    y1 = rng.uniform(0.0, 0.5, n_boxes)
    x1 = rng.uniform(0.0, 0.5, n_boxes)
    y2 = y1 + rng.uniform(0.1, 0.5, n_boxes)
    x2 = x1 + rng.uniform(0.1, 0.5, n_boxes)
    boxes = tf.constant(np.stack([y1, x1, y2, x2], axis=1).astype(np.float32))
    box_indices = tf.constant(_ids(np, rng, batch, n_boxes))
    return Case(
        lambda: tf.image.crop_and_resize(image, boxes, box_indices, [24, 24]),
        sources=(image, boxes),
    )


def adjust_contrast(tf: Any, np: Any, rng: Any) -> Case:
    images = tf.constant(_uniform(np, rng, 16, 128, 128, 3, low=0.0, high=1.0))
    return Case(lambda: tf.image.adjust_contrast(images, 1.7))


def random_contrast(tf: Any, np: Any, rng: Any) -> Case:
    images = tf.constant(_uniform(np, rng, 16, 128, 128, 3, low=0.0, high=1.0))

    def run() -> Any:
        # Reset the global seed each run: a seeded stateful op still advances
        # its own counter between calls, which is not what is being probed.
        tf.random.set_seed(1234)
        return tf.image.random_contrast(images, 0.2, 1.8, seed=7)

    return Case(run)


def resize_nearest(tf: Any, np: Any, rng: Any) -> Case:
    # Upsampling by a non-integer factor: several output pixels take their
    # value from one input pixel, so the gradient adds into shared slots.
    images = tf.constant(_uniform(np, rng, 8, 64, 64, 16))
    return Case(lambda: tf.image.resize(images, [150, 150], method="nearest"), sources=(images,))


def resize_nearest_neighbor_v1(tf: Any, np: Any, rng: Any) -> Case:
    images = tf.constant(_uniform(np, rng, 8, 64, 64, 16))
    return Case(lambda: tf.compat.v1.image.resize_nearest_neighbor(images, [150, 150]), sources=(images,))


def upsampling2d(tf: Any, np: Any, rng: Any) -> Case:
    import keras

    images = tf.constant(_uniform(np, rng, 8, 64, 64, 16))
    layer = keras.layers.UpSampling2D(size=(3, 3))  # interpolation="nearest" by default
    return Case(lambda: layer(images), sources=(images,))


# --------------------------------------------------------------------------
# TSL405: GPU kernels that use atomics when op determinism is off


def _segment_data(tf: Any, np: Any, rng: Any, *, near_one: bool = False) -> Any:
    if near_one:  # products of ~500 factors stay finite
        return tf.constant(1.0 + _uniform(np, rng, _ROWS, 16, low=-0.01, high=0.01))
    return tf.constant(_uniform(np, rng, _ROWS, 16))


def _segment(name: str, *, near_one: bool = False) -> Callable[[Any, Any, Any], Case]:
    def build(tf: Any, np: Any, rng: Any) -> Case:
        data = _segment_data(tf, np, rng, near_one=near_one)
        ids = tf.constant(_ids(np, rng, _SLOTS, _ROWS, sort=True))
        op = getattr(tf.math, name)
        return Case(lambda: op(data, ids))

    build.__name__ = name
    return build


def _unsorted_segment(name: str, *, near_one: bool = False) -> Callable[[Any, Any, Any], Case]:
    def build(tf: Any, np: Any, rng: Any) -> Case:
        data = _segment_data(tf, np, rng, near_one=near_one)
        ids = tf.constant(_ids(np, rng, _SLOTS, _ROWS))
        op = getattr(tf.math, name)
        return Case(lambda: op(data, ids, num_segments=_SLOTS))

    build.__name__ = name
    return build


def _sparse_segment(name: str) -> Callable[[Any, Any, Any], Case]:
    def build(tf: Any, np: Any, rng: Any) -> Case:
        data = tf.constant(_uniform(np, rng, 4096, 32))
        indices = tf.constant(_ids(np, rng, 4096, _ROWS))
        segment_ids = tf.constant(_ids(np, rng, _SLOTS, _ROWS, sort=True))
        op = getattr(tf.sparse, name)
        return Case(lambda: op(data, indices, segment_ids))

    build.__name__ = f"sparse_{name}"
    return build


segment_sum = _segment("segment_sum")
segment_prod = _segment("segment_prod", near_one=True)
segment_mean = _segment("segment_mean")
unsorted_segment_sum = _unsorted_segment("unsorted_segment_sum")
unsorted_segment_prod = _unsorted_segment("unsorted_segment_prod", near_one=True)
unsorted_segment_mean = _unsorted_segment("unsorted_segment_mean")
unsorted_segment_sqrt_n = _unsorted_segment("unsorted_segment_sqrt_n")
sparse_segment_sum = _sparse_segment("segment_sum")
sparse_segment_mean = _sparse_segment("segment_mean")
sparse_segment_sqrt_n = _sparse_segment("segment_sqrt_n")


def gather(tf: Any, np: Any, rng: Any) -> Case:
    # The gradient is IndexedSlices; densifying it is an unsorted segment sum.
    params = tf.constant(_uniform(np, rng, 1024, 64))
    indices = tf.constant(_ids(np, rng, 1024, 1 << 16))
    return Case(lambda: tf.gather(params, indices), sources=(params,))


def embedding_lookup(tf: Any, np: Any, rng: Any) -> Case:
    params = tf.constant(_uniform(np, rng, 1024, 64))
    ids = tf.constant(_ids(np, rng, 1024, 1 << 16))
    return Case(lambda: tf.nn.embedding_lookup(params, ids), sources=(params,))


def _scatter_inputs(tf: Any, np: Any, rng: Any) -> tuple[Any, Any, Any]:
    indices = tf.constant(_ids(np, rng, _SLOTS, _ROWS).reshape(-1, 1))
    updates = tf.constant(_uniform(np, rng, _ROWS, 16))
    tensor = tf.constant(_uniform(np, rng, _SLOTS, 16))
    return indices, updates, tensor


def scatter_nd(tf: Any, np: Any, rng: Any) -> Case:
    indices, updates, _ = _scatter_inputs(tf, np, rng)
    return Case(lambda: tf.scatter_nd(indices, updates, [_SLOTS, 16]))


def _tensor_scatter(name: str) -> Callable[[Any, Any, Any], Case]:
    def build(tf: Any, np: Any, rng: Any) -> Case:
        indices, updates, tensor = _scatter_inputs(tf, np, rng)
        op = getattr(tf, name)
        return Case(lambda: op(tensor, indices, updates))

    build.__name__ = name
    return build


tensor_scatter_nd_add = _tensor_scatter("tensor_scatter_nd_add")
tensor_scatter_nd_sub = _tensor_scatter("tensor_scatter_nd_sub")
# With duplicate indices, which update lands last is up to the kernel.
tensor_scatter_nd_update = _tensor_scatter("tensor_scatter_nd_update")


def softmax_cross_entropy(tf: Any, np: Any, rng: Any) -> Case:
    logits = tf.constant(_uniform(np, rng, 2048, 1000, low=-4.0, high=4.0))
    raw = rng.uniform(0.0, 1.0, size=(2048, 1000))
    labels = tf.constant((raw / raw.sum(axis=1, keepdims=True)).astype(np.float32))
    return Case(
        lambda: tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits),
        sources=(logits,),
    )


def sparse_softmax_cross_entropy(tf: Any, np: Any, rng: Any) -> Case:
    logits = tf.constant(_uniform(np, rng, 2048, 1000, low=-4.0, high=4.0))
    labels = tf.constant(_ids(np, rng, 1000, 2048))
    return Case(
        lambda: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits),
        sources=(logits,),
    )


def ctc_loss(tf: Any, np: Any, rng: Any) -> Case:
    frames, batch, classes, max_label = 32, 16, 24, 10
    logits = tf.constant(_uniform(np, rng, frames, batch, classes, low=-2.0, high=2.0))
    labels = tf.constant(rng.integers(1, classes, size=(batch, max_label)).astype(np.int32))
    label_length = tf.constant(rng.integers(max_label // 2, max_label + 1, size=batch).astype(np.int32))
    logit_length = tf.constant(np.full(batch, frames, dtype=np.int32))
    return Case(
        lambda: tf.nn.ctc_loss(
            labels, logits, label_length, logit_length, logits_time_major=True, blank_index=0
        ),
        sources=(logits,),
    )


def bias_add(tf: Any, np: Any, rng: Any) -> Case:
    # The bias gradient reduces 65k values into each of 32 slots.
    value = tf.constant(_uniform(np, rng, 16, 64, 64, 32))
    bias = tf.constant(_uniform(np, rng, 32))
    return Case(lambda: tf.nn.bias_add(value, bias), sources=(value, bias))


def conv1d(tf: Any, np: Any, rng: Any) -> Case:
    x = tf.constant(_uniform(np, rng, 16, 512, 32))
    filters = tf.constant(_uniform(np, rng, 5, 32, 32, low=-0.1, high=0.1))
    return Case(lambda: tf.nn.conv1d(x, filters, stride=1, padding="SAME"), sources=(x, filters))


def conv2d(tf: Any, np: Any, rng: Any) -> Case:
    x = tf.constant(_uniform(np, rng, 8, 64, 64, 16))
    filters = tf.constant(_uniform(np, rng, 3, 3, 16, 32, low=-0.1, high=0.1))
    return Case(lambda: tf.nn.conv2d(x, filters, strides=1, padding="SAME"), sources=(x, filters))


def conv3d(tf: Any, np: Any, rng: Any) -> Case:
    x = tf.constant(_uniform(np, rng, 2, 16, 32, 32, 8))
    filters = tf.constant(_uniform(np, rng, 3, 3, 3, 8, 16, low=-0.1, high=0.1))
    return Case(
        lambda: tf.nn.conv3d(x, filters, strides=[1, 1, 1, 1, 1], padding="SAME"),
        sources=(x, filters),
    )


def _keras_layer(tf: Any, np: Any, rng: Any, layer: Any, x: Any) -> Case:
    layer.build(tuple(x.shape))
    _set_weights(np, rng, layer)
    return Case(lambda: layer(x), sources=(x, *layer.trainable_variables))


def keras_conv1d(tf: Any, np: Any, rng: Any) -> Case:
    import keras

    x = tf.constant(_uniform(np, rng, 16, 512, 32))
    return _keras_layer(tf, np, rng, keras.layers.Conv1D(32, 5, padding="same", kernel_initializer="zeros"), x)


def keras_conv2d(tf: Any, np: Any, rng: Any) -> Case:
    import keras

    x = tf.constant(_uniform(np, rng, 8, 64, 64, 16))
    return _keras_layer(tf, np, rng, keras.layers.Conv2D(32, 3, padding="same", kernel_initializer="zeros"), x)


def keras_conv3d(tf: Any, np: Any, rng: Any) -> Case:
    import keras

    x = tf.constant(_uniform(np, rng, 2, 16, 32, 32, 8))
    return _keras_layer(tf, np, rng, keras.layers.Conv3D(16, 3, padding="same", kernel_initializer="zeros"), x)


def keras_embedding(tf: Any, np: Any, rng: Any) -> Case:
    import keras

    layer = keras.layers.Embedding(1024, 64, embeddings_initializer="zeros")
    ids = tf.constant(_ids(np, rng, 1024, 1 << 16))
    layer.build(tuple(ids.shape))
    _set_weights(np, rng, layer)
    return Case(lambda: layer(ids), sources=tuple(layer.trainable_variables))


# --------------------------------------------------------------------------
# Controls: answers known on any device


def timestamp(tf: Any, np: Any, rng: Any) -> Case:
    return Case(lambda: tf.timestamp())


def unseeded_random_uniform(tf: Any, np: Any, rng: Any) -> Case:
    return Case(lambda: tf.random.uniform([1024]))


# --------------------------------------------------------------------------
# Registry


def _r(key: str, rule: str, builder: Callable[..., Case], what: str, *, backprop: bool = False) -> Recipe:
    return Recipe(key=key, rule=rule, build=f"{__name__}:{builder.__name__}", backprop=backprop, what=what)


_ALL: tuple[Recipe, ...] = (
    _r("tensorflow.math.bincount", TSL403, bincount, "1M int32 values into 512 bins, float32 weights"),
    _r("tensorflow.sparse.sparse_dense_matmul", TSL403, sparse_dense_matmul, "1024x1024 sparse (131k nnz) @ 1024x64"),
    _r("tensorflow.image.crop_and_resize", TSL403, crop_and_resize, "512 boxes from 8x96x96x8 to 24x24", backprop=True),
    _r("tensorflow.image.adjust_contrast", TSL403, adjust_contrast, "16x128x128x3, factor 1.7"),
    _r("tensorflow.image.random_contrast", TSL403, random_contrast, "16x128x128x3, seeded"),
    _r("tensorflow.image.resize", TSL403, resize_nearest, 'method="nearest", 8x64x64x16 to 150x150', backprop=True),
    _r(
        "tensorflow.compat.v1.image.resize_nearest_neighbor",
        TSL403,
        resize_nearest_neighbor_v1,
        "8x64x64x16 to 150x150",
        backprop=True,
    ),
    _r("keras.layers.UpSampling2D", TSL403, upsampling2d, "size 3, default nearest, 8x64x64x16", backprop=True),
    _r("tensorflow.math.segment_sum", TSL405, segment_sum, "131k x 16 rows into 256 sorted segments"),
    _r("tensorflow.math.segment_prod", TSL405, segment_prod, "131k x 16 rows into 256 sorted segments"),
    _r("tensorflow.math.segment_mean", TSL405, segment_mean, "131k x 16 rows into 256 sorted segments"),
    _r("tensorflow.math.unsorted_segment_sum", TSL405, unsorted_segment_sum, "131k x 16 rows into 256 segments"),
    _r("tensorflow.math.unsorted_segment_prod", TSL405, unsorted_segment_prod, "131k x 16 rows into 256 segments"),
    _r("tensorflow.math.unsorted_segment_mean", TSL405, unsorted_segment_mean, "131k x 16 rows into 256 segments"),
    _r("tensorflow.math.unsorted_segment_sqrt_n", TSL405, unsorted_segment_sqrt_n, "131k x 16 rows into 256 segments"),
    _r("tensorflow.sparse.segment_sum", TSL405, sparse_segment_sum, "131k picks of 4096x32 into 256 segments"),
    _r("tensorflow.sparse.segment_mean", TSL405, sparse_segment_mean, "131k picks of 4096x32 into 256 segments"),
    _r("tensorflow.sparse.segment_sqrt_n", TSL405, sparse_segment_sqrt_n, "131k picks of 4096x32 into 256 segments"),
    _r("tensorflow.gather", TSL405, gather, "65k indices into 1024x64", backprop=True),
    _r("tensorflow.nn.embedding_lookup", TSL405, embedding_lookup, "65k ids into 1024x64", backprop=True),
    _r("tensorflow.scatter_nd", TSL405, scatter_nd, "131k x 16 updates into 256 rows"),
    _r("tensorflow.tensor_scatter_nd_add", TSL405, tensor_scatter_nd_add, "131k x 16 updates into 256 rows"),
    _r("tensorflow.tensor_scatter_nd_sub", TSL405, tensor_scatter_nd_sub, "131k x 16 updates into 256 rows"),
    _r("tensorflow.tensor_scatter_nd_update", TSL405, tensor_scatter_nd_update, "131k x 16 updates into 256 rows"),
    _r(
        "tensorflow.nn.softmax_cross_entropy_with_logits",
        TSL405,
        softmax_cross_entropy,
        "2048x1000 logits",
        backprop=True,
    ),
    _r(
        "tensorflow.nn.sparse_softmax_cross_entropy_with_logits",
        TSL405,
        sparse_softmax_cross_entropy,
        "2048x1000 logits",
        backprop=True,
    ),
    _r("tensorflow.nn.ctc_loss", TSL405, ctc_loss, "32 frames x 16 x 24 classes, dense labels", backprop=True),
    _r("tensorflow.nn.bias_add", TSL405, bias_add, "16x64x64x32 + 32", backprop=True),
    _r("tensorflow.nn.conv1d", TSL405, conv1d, "16x512x32, 5-tap, 32 filters", backprop=True),
    _r("tensorflow.nn.conv2d", TSL405, conv2d, "8x64x64x16, 3x3, 32 filters", backprop=True),
    _r("tensorflow.nn.conv3d", TSL405, conv3d, "2x16x32x32x8, 3x3x3, 16 filters", backprop=True),
    _r("keras.layers.Conv1D", TSL405, keras_conv1d, "16x512x32, 5-tap, 32 filters", backprop=True),
    _r("keras.layers.Conv2D", TSL405, keras_conv2d, "8x64x64x16, 3x3, 32 filters", backprop=True),
    _r("keras.layers.Conv3D", TSL405, keras_conv3d, "2x16x32x32x8, 3x3x3, 16 filters", backprop=True),
    _r("keras.layers.Embedding", TSL405, keras_embedding, "65k ids into 1024x64", backprop=True),
    _r("tensorflow.timestamp", CONTROL, timestamp, "wall clock: differs every run, refused under determinism"),
    _r("tensorflow.random.uniform", CONTROL, unseeded_random_uniform, "1024 values, no seed anywhere"),
)

RECIPES: dict[str, Recipe] = {r.key: r for r in _ALL}
GPU_OP_KEYS: tuple[str, ...] = tuple(r.key for r in _ALL if r.rule != CONTROL)

_PREFIXES = (("tf.keras.", "keras."), ("tensorflow.keras.", "keras."), ("tf.", "tensorflow."))


def canonical_key(name: str) -> str:
    """`tf.math.bincount` -> `tensorflow.math.bincount`,
    `tf.keras.layers.Conv2D` -> `keras.layers.Conv2D`; other names unchanged."""
    name = name.strip()
    for short, full in _PREFIXES:
        if name.startswith(short):
            return full + name[len(short) :]
    return name

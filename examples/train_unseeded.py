"""A tutorial-style training script with no seeds anywhere.

`python3 -m tfseedlint examples/` explains why it trains to different weights
on every run; `python3 -m tfseedlint --fix --unsafe-fixes examples/` makes two
runs bitwise identical on CPU.
"""
import numpy as np
import tensorflow as tf

x = np.random.rand(512, 8).astype("float32")
y = (x.sum(axis=1) > 4).astype("float32")
noise = np.random.default_rng().normal(size=x.shape).astype("float32")

dataset = tf.data.Dataset.from_tensor_slices((x + 0.01 * noise, y)).shuffle(512).batch(32)

model = tf.keras.Sequential([
    tf.keras.Input((8,)),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="binary_crossentropy")

if __name__ == "__main__":
    model.fit(dataset, epochs=2, verbose=0)
    print(float(tf.reduce_sum(model.layers[0].kernel)))

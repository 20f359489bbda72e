"""TensorFlow-CPU training-step throughput of the reference models (SPEC §3), for scripts/bench-train.sh.

Prints tab-separated rows: network, batch, best seconds per step, images/s — the same format as
`sigverify benchmark train --tsv`. Each step is one `train_on_batch` (forward, backward, Adam update).
"""
import sys
import time

import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers, regularizers


def autoencoder(size, latent):
    l2 = regularizers.l2(1e-4)
    x = inp = keras.Input((size, size, 1))
    for i, width in enumerate([32, 64, 128, 256]):
        x = layers.Conv2D(width, 3, padding="same", activation="relu", kernel_regularizer=l2)(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(2, padding="same")(x)
        if i < 3:
            x = layers.Dropout(0.2)(x)
    x = layers.Flatten()(x)
    z = layers.Dense(latent, activation="relu", kernel_regularizer=l2)(x)
    s = size // 16
    y = layers.Dense(s * s * 256, activation="relu")(z)
    y = layers.Reshape((s, s, 256))(y)
    for width in [128, 64, 32]:
        y = layers.Conv2DTranspose(width, 3, strides=2, padding="same", activation="relu", kernel_regularizer=l2)(y)
        y = layers.BatchNormalization()(y)
    y = layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid")(y)
    model = keras.Model(inp, y)

    def loss(t, p):
        bce = tf.reduce_mean(keras.losses.binary_crossentropy(t, p))
        return 0.7 * bce + 0.3 * (1 - tf.reduce_mean(tf.image.ssim(t, p, max_val=1.0)))

    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss=loss)
    return model


def classifier(size):
    model = keras.Sequential([
        keras.Input((size, size, 1)),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"), layers.Flatten(),
        layers.Dense(64, activation="relu"), layers.Dropout(0.5),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    return model


def best_step(model, x, y, steps):
    model.train_on_batch(x, y)  # warm-up: graph tracing
    best = float("inf")
    for _ in range(steps):
        t0 = time.perf_counter()
        model.train_on_batch(x, y)
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    size, latent, batch, steps = (int(a) for a in sys.argv[1:5])
    rng = np.random.default_rng(1)
    x = (rng.random((batch, size, size, 1)) < 0.08).astype(np.float32)
    labels = (np.arange(batch) % 2).astype(np.float32).reshape(batch, 1)
    for name, model, y in [("autoencoder", autoencoder(size, latent), x), ("classifier", classifier(size), labels)]:
        s = best_step(model, x, y, steps)
        print(f"{name}\t{batch}\t{s}\t{batch / s}", flush=True)


if __name__ == "__main__":
    main()

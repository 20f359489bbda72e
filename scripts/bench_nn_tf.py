"""TensorFlow-CPU throughput of the fused batched verifier (SPEC §3), for scripts/bench-nn.sh.

The same work as `sigverify benchmark nn`: the encoder runs once, its latent feeds the decoder
(per-image mean squared reconstruction error) and an IsolationForest of 100 trees (max_samples 256,
depth limit 8, scored in TensorFlow with scikit-learn's path lengths), and the classifier runs on the
same batch — all inside one `tf.function`, inference mode (no dropout, BatchNorm on moving statistics).

Prints tab-separated rows: batch, best seconds per batch, images/s, best process CPU-seconds per
batch (all threads) — the format of `sigverify benchmark nn --tsv`.
"""
import sys
import time

import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

from bench_train_tf import classifier  # the same classifier the training benchmark trains


def encoder(size, latent):
    x = inp = keras.Input((size, size, 1))
    for i, width in enumerate([32, 64, 128, 256]):
        x = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(2, padding="same")(x)
        if i < 3:
            x = layers.Dropout(0.2)(x)
    x = layers.Flatten()(x)
    return keras.Model(inp, layers.Dense(latent, activation="relu")(x))


def decoder(size, latent):
    s = size // 16
    z = inp = keras.Input((latent,))
    y = layers.Dense(s * s * 256, activation="relu")(z)
    y = layers.Reshape((s, s, 256))(y)
    for width in [128, 64, 32]:
        y = layers.Conv2DTranspose(width, 3, strides=2, padding="same", activation="relu")(y)
        y = layers.BatchNormalization()(y)
    y = layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid")(y)
    return keras.Model(inp, y)


def c_factor(n):
    n = np.asarray(n, dtype=np.float64)
    out = np.where(n > 2, 2 * (np.log(np.maximum(n - 1, 1)) + np.euler_gamma) - 2 * (n - 1) / np.maximum(n, 1), 0.0)
    return np.where(n == 2, 1.0, out)


def random_forest(latents, trees=100, max_samples=256, seed=4):
    """Isolation trees grown on `latents` as scikit-learn grows them, as complete binary trees of depth
    ceil(log2(max_samples)) stored level by level (a leaf above the limit repeats itself below)."""
    rng = np.random.default_rng(seed)
    samples = min(max_samples, len(latents))
    depth = max(1, int(np.ceil(np.log2(max(samples, 2)))))
    nodes = 2 ** (depth + 1) - 1
    feature = np.zeros((trees, nodes), np.int32)
    threshold = np.full((trees, nodes), np.inf, np.float32)
    leaf_value = np.zeros((trees, nodes), np.float64)
    for t in range(trees):
        rows = latents[rng.choice(len(latents), samples, replace=False)]

        def grow(node, x, d):
            constant = len(x) <= 1 or np.all(x.max(0) - x.min(0) <= 1e-7)
            if d == depth or constant:
                leaf_value[t, node] = d + c_factor(len(x))
                return
            spread = np.nonzero(x.max(0) - x.min(0) > 1e-7)[0]
            f = rng.choice(spread)
            v = rng.uniform(x[:, f].min(), x[:, f].max())
            feature[t, node], threshold[t, node] = f, v
            grow(2 * node + 1, x[x[:, f] <= v], d + 1)
            grow(2 * node + 2, x[x[:, f] > v], d + 1)

        grow(0, rows, 0)
    return feature, threshold, leaf_value, depth, c_factor(samples)


def build(size, latent, forest_sample):
    enc, dec, cls = encoder(size, latent), decoder(size, latent), classifier(size)
    feature, threshold, leaf_value, depth, c_max = random_forest(enc(forest_sample, training=False).numpy())
    trees = feature.shape[0]
    feature, threshold, leaf_value = (tf.constant(a) for a in (feature, threshold, leaf_value))
    tree_index = tf.range(trees)

    def forest_score(z):
        n = tf.shape(z)[0]
        node = tf.zeros((n, trees), tf.int32)
        path = tf.zeros((n, trees), tf.float64)
        done = tf.zeros((n, trees), tf.bool)
        for _ in range(depth):
            index = tf.stack([tf.broadcast_to(tree_index, (n, trees)), node], -1)
            f, v = tf.gather_nd(feature, index), tf.gather_nd(threshold, index)
            leaf = tf.math.is_inf(v)
            path = tf.where(leaf & ~done, tf.gather_nd(leaf_value, index), path)
            done = done | leaf
            x = tf.gather(z, f, batch_dims=1)
            node = tf.where(leaf, node, tf.where(x <= v, 2 * node + 1, 2 * node + 2))
        index = tf.stack([tf.broadcast_to(tree_index, (n, trees)), node], -1)
        path = tf.where(done, path, tf.gather_nd(leaf_value, index))
        return -tf.pow(tf.constant(2.0, tf.float64), -tf.reduce_mean(path, 1) / c_max)

    @tf.function(jit_compile=False)
    def verify(x):
        z = enc(x, training=False)
        reconstruction = dec(z, training=False)
        mse = tf.reduce_mean(tf.square(reconstruction - x), axis=[1, 2, 3])
        return mse, forest_score(z), cls(x, training=False)[:, 0]

    return verify


def main():
    size, latent, repeats = (int(a) for a in sys.argv[1:4])
    batches = [int(b) for b in sys.argv[4:]] or [1, 32]
    rng = np.random.default_rng(1)
    verify = build(size, latent, rng.random((8, size, size, 1)).astype(np.float32))
    for batch in batches:
        x = tf.constant(rng.random((batch, size, size, 1)).astype(np.float32))
        [t.numpy() for t in verify(x)]  # warm-up: tracing
        best, best_cpu = float("inf"), float("inf")
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            [t.numpy() for t in verify(x)]
            best, best_cpu = min(best, time.perf_counter() - t0), min(best_cpu, time.process_time() - c0)
        print(f"{batch}\t{best}\t{batch / best}\t{best_cpu}", flush=True)


if __name__ == "__main__":
    main()

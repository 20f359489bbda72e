"""OpenCV side of scripts/bench-preprocess.sh: the reference pipeline (SPEC.md §2) on the same
files sigverify timed, single-threaded, and the side-by-side ratio. Not a runtime dependency."""
import os
import subprocess
import sys
import time

import cv2
import numpy as np

cv2.setNumThreads(1)
# sigverify's profile options (e.g. "--profile clean --profile-version 2 --size 64"); empty: the seed
# profile at 224, the same pipeline as OpenCV's below. OpenCV always runs the seed pipeline on a full decode.
PROFILE_ARGS = os.environ.get("SIGVERIFY_PROFILE_ARGS", "").split()


def mean_seconds(fn, minimum):
    """Mean CPU time of the calling thread per call (as sigverify measures: robust to other
    processes on a shared machine; OpenCV runs single-threaded on this thread)."""
    fn()  # warm-up
    n, start = 0, time.thread_time()
    while True:
        fn()
        n += 1
        elapsed = time.thread_time() - start
        if elapsed >= minimum and n >= 3:
            return elapsed / n


def decode(path):
    return cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2GRAY)


def pipeline(gray):
    eq = cv2.equalizeHist(gray)
    bl = cv2.GaussianBlur(eq, (3, 3), 0)
    th = cv2.adaptiveThreshold(bl, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY_INV, 11, 2)
    op = cv2.morphologyEx(th, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    rs = cv2.resize(op, (224, 224), interpolation=cv2.INTER_LINEAR)
    return rs.astype(np.float32) / 255


def synthetic(width, height):
    """A scan-like page: paper with grain and shading, four dark sine strokes."""
    rng = np.random.default_rng(7)
    x = np.arange(width)[None, :]
    y = np.arange(height)[:, None]
    page = 215 + (20 * x) // width - (10 * y) // height + rng.integers(-8, 8, (height, width))
    thickness = max(2, height // 250)
    for s in range(4):
        amp, period, base = height * (0.08 + 0.03 * s), width * (0.15 + 0.05 * s), height * (0.3 + 0.12 * s)
        xs = np.arange(width // 10, width * 9 // 10)
        ys = (base + amp * np.sin(xs / period * 2 * np.pi)).astype(int)
        for dy in range(thickness):
            ok = (ys + dy >= 0) & (ys + dy < height)
            page[ys[ok] + dy, xs[ok]] = 30 + 10 * s
    return np.clip(page, 0, 255).astype(np.uint8)


def make_synthetic(folder):
    for w, h in [(1500, 700), (2500, 1200)]:
        path = os.path.join(folder, f"synthetic_{w}x{h}.jpg")
        if not os.path.exists(path):
            cv2.imwrite(path, synthetic(w, h), [cv2.IMWRITE_JPEG_QUALITY, 90])
        print(path)


def sigverify_times(binary, minimum, path=None, size=None):
    """(decode ms or None, preprocess ms) from one `sigverify benchmark preprocess --tsv` run."""
    args = [binary, "benchmark", "preprocess", "--tsv", "--seconds", str(minimum), "--synthetic", size or ""] + PROFILE_ARGS
    if path:
        args.append(path)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=env).stdout.strip().split("\t")
    return (None if out[3] == "-" else float(out[3])), float(out[4])


def compare(binary, minimum, rounds, files, sizes):
    """Alternates sigverify and OpenCV on each input for `rounds` rounds and keeps each side's
    best mean, so load from other processes on a shared machine hits both sides alike."""
    rows = [(os.path.basename(f), f, None) for f in files] + [(f"synthetic {s} (decoded)", None, s) for s in sizes]
    best = {}
    for _ in range(rounds):
        for label, path, size in rows:
            sv_dec, sv_prep = sigverify_times(binary, minimum, path=path, size=size)
            if path:
                gray = decode(path)
                cv_dec = mean_seconds(lambda: decode(path), minimum) * 1000
            else:
                w, h = (int(v) for v in size.split("x"))
                gray, cv_dec = synthetic(w, h), None
            cv_prep = mean_seconds(lambda: pipeline(gray), minimum) * 1000
            old = best.get(label)
            pick = lambda a, b: b if a is None else (a if b is None else min(a, b))
            best[label] = (gray.shape, *(pick(o, n) for o, n in zip(old[1:] if old else (None,) * 4, (sv_dec, cv_dec, sv_prep, cv_prep))))
    profile = " ".join(PROFILE_ARGS) or "seed profile at 224 (the same pipeline)"
    print(f"OpenCV {cv2.__version__} (full decode + seed pipeline at 224) vs sigverify ({profile}), both 1 thread;")
    print(f"best of {rounds} alternating rounds of mean thread-CPU ms per image;")
    print("ratio = OpenCV time / sigverify time (> 1: sigverify faster)")
    print(f"{'input':<30}{'size':>10}  {'decode sv':>9} {'cv':>7} {'ratio':>6}  {'preproc sv':>10} {'cv':>7} {'ratio':>6}  {'img/s sv':>9} {'cv':>7} {'ratio':>6}")
    tot = [0.0, 0.0, 0.0, 0.0]
    for label, path, size in rows:
        (h, w), sv_dec, cv_dec, sv_prep, cv_prep = best[label]
        sv_total, cv_total = (sv_dec or 0) + sv_prep, (cv_dec or 0) + cv_prep
        dec = f"{sv_dec:9.3f} {cv_dec:7.3f} {cv_dec / sv_dec:6.2f}" if sv_dec else f"{'-':>9} {'-':>7} {'':>6}"
        print(f"{label:<30}{f'{w}x{h}':>10}  {dec}  {sv_prep:10.3f} {cv_prep:7.3f} {cv_prep / sv_prep:6.2f}"
              f"  {1000 / sv_total:9.1f} {1000 / cv_total:7.1f} {cv_total / sv_total:6.2f}")
        if path:
            tot = [tot[0] + sv_dec, tot[1] + cv_dec, tot[2] + sv_prep, tot[3] + cv_prep]
    if files:
        n = len(files)
        print(f"\nall {n} files: decode+preprocess sigverify {1000 * n / (tot[0] + tot[2]):.1f} img/s, "
              f"OpenCV {1000 * n / (tot[1] + tot[3]):.1f} img/s, ratio {(tot[1] + tot[3]) / (tot[0] + tot[2]):.2f}; "
              f"preprocess-only ratio {tot[3] / tot[2]:.2f}; decode-only ratio {tot[1] / tot[0]:.2f}")


if __name__ == "__main__":
    if sys.argv[1] == "make-synthetic":
        make_synthetic(sys.argv[2])
    elif sys.argv[1] == "compare":
        # compare BINARY SECONDS ROUNDS SIZES(comma-separated) FILES...
        compare(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[6:], [s for s in sys.argv[5].split(",") if s])

#!/usr/bin/env python3
"""Compares ways of scoring a questioned signature against a subject's references, on embeddings
written by `sigverify evaluate-writers ... --embeddings FILE` (numpy only).

Usage: scripts/writer_scores.py EVAL.tsv DATASET CALIBRATION.tsv [DRAWS]
  EVAL.tsv         embeddings of the writers to score (e.g. a dataset left out of training)
  DATASET          the dataset of EVAL.tsv to score; CALIBRATION.tsv's rows of other datasets choose
                   each score's threshold (5 % of their genuine trials rejected, as train-writers does)
  DRAWS            reference draws averaged (default 5)
Per writer: 5 genuine references (a random draw), questioned its other genuine signatures, its skilled
forgeries and one genuine signature of each of up to 10 other writers of its dataset (the protocol of
evaluate-writers, with numpy's draws instead of its seeded ones). Prints, per score, the calibration
rows' skilled and random EER, then the scored dataset's EERs and FRR / FAR at the calibrated threshold.
"""
import collections
import sys

import numpy as np

R = 5


def load(path, keep):
    rows = []
    with open(path) as f:
        next(f)
        for line in f:
            _, dataset, writer, kind, _, values = line.rstrip('\n').split('\t')
            if keep(dataset):
                rows.append((dataset, writer, kind == 'genuine', np.array([float(x) for x in values.split(',')])))
    e = np.stack([r[3] for r in rows])
    return rows, e / np.linalg.norm(e, axis=1, keepdims=True)


def trials(rows, seed):
    rng = np.random.default_rng(seed)
    by = collections.defaultdict(lambda: {'g': [], 'f': []})
    dataset_of = {}
    for i, r in enumerate(rows):
        by[r[1]]['g' if r[2] else 'f'].append(i)
        dataset_of[r[1]] = r[0]
    writers = [w for w in sorted(by) if len(by[w]['g']) > R]
    out = []
    for w in writers:
        genuine = list(rng.permutation(by[w]['g']))
        refs = genuine[:R]
        out += [(refs, q, 'g') for q in genuine[R:]] + [(refs, q, 's') for q in by[w]['f']]
        others = [x for x in writers if x != w and dataset_of[x] == dataset_of[w]]
        out += [(refs, int(rng.choice(by[x]['g'])), 'r') for x in rng.permutation(others)[:10]]
    return out


def scores(e, refs, q):
    r = e[refs]
    gram = r @ r.T
    likeness = (gram.sum() - len(refs)) / (len(refs) * (len(refs) - 1))
    c = (r @ e[q]).mean()
    np.fill_diagonal(gram, -1)
    return {
        'mean cosine (mean_cosine)': c,
        'minus likeness (relative_to_references)': c - likeness,
        'minus 0.75 likeness': c - 0.75 * likeness,
        'ratio to likeness': c / likeness,
        'max cosine minus mean nearest': (r @ e[q]).max() - gram.max(1).mean(),
    }


def eer(pos, neg):
    s = np.r_[pos, neg]
    label = np.r_[np.ones(len(pos)), np.zeros(len(neg))][np.argsort(-s)]
    frr = 1 - np.cumsum(label) / len(pos)
    far = np.cumsum(1 - label) / len(neg)
    i = np.argmin(np.abs(frr - far))
    return (frr[i] + far[i]) / 2


def main():
    eval_path, dataset, calibration_path = sys.argv[1:4]
    draws = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    ev_rows, ev = load(eval_path, lambda d: d == dataset)
    ca_rows, ca = load(calibration_path, lambda d: d != dataset)
    figures = collections.defaultdict(list)
    for seed in range(draws):
        cal = [(k, scores(ca, refs, q)) for refs, q, k in trials(ca_rows, 100 + seed)]
        tst = [(k, scores(ev, refs, q)) for refs, q, k in trials(ev_rows, 200 + seed)]
        for name in cal[0][1]:
            part = lambda t, kind: np.array([m[name] for k, m in t if k == kind])
            threshold = np.quantile(part(cal, 'g'), 0.05)
            g, s, r = part(tst, 'g'), part(tst, 's'), part(tst, 'r')
            figures[name].append((eer(part(cal, 'g'), part(cal, 's')), eer(part(cal, 'g'), part(cal, 'r')),
                                  eer(g, s), eer(g, r), (g < threshold).mean(), (s >= threshold).mean(), (r >= threshold).mean()))
    print(f"{'score':42s} calibration: skilled EER, random EER | {dataset}: skilled EER, random EER, FRR, FAR skilled, "
          f"FAR random (means of {draws} draws)")
    for name, rows in figures.items():
        m = np.mean(rows, 0)
        print(f"{name:42s} {m[0]:.3f} {m[1]:.3f} | " + " ".join(f"{x:.3f}" for x in m[2:]))


if __name__ == '__main__':
    main()

"""Reference for IsolationForestTests.testFitMatchesScikitLearnStatistically.

scikit-learn's fitting uses NumPy's random stream, which sigverify does not reproduce; what must match is
the sampling semantics. So: fit 40 forests (seeds 0..39, defaults: 100 trees, max_samples=min(256, n))
on one data set and record, for probe points, the mean and standard deviation of score_samples over the
seeds. sigverify's 40 seeded fits must give the same means within sampling error.

Run: python3 make_reference.py  (numpy, scikit-learn)  → reference.json
"""
import json

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest

rng = np.random.default_rng(0)
x = np.concatenate([
    rng.normal(size=(500, 4)),                      # inliers
    rng.uniform(-6, 6, size=(20, 4)),               # scattered outliers
    np.repeat([[0.5, 0.5, 0.5, 0.5]], 30, axis=0),  # a block of duplicates (constant nodes)
]).astype(np.float32)
x[:, 3] = np.round(x[:, 3])                         # a coarse feature with many ties
probes = np.concatenate([rng.normal(size=(40, 4)) * 1.5,
                         [[0, 0, 0, 0], [5, 5, 5, 5], [0.5, 0.5, 0.5, 0.5]]]).astype(np.float32)
scores = np.array([IsolationForest(random_state=s).fit(x).score_samples(probes) for s in range(40)])
json.dump({
    "sklearn_version": sklearn.__version__,
    "seeds": 40,
    "x": x.tolist(),
    "probes": probes.tolist(),
    "mean": scores.mean(0).tolist(),
    "std": scores.std(0).tolist(),
}, open("reference.json", "w"))

"""Ink fraction per preprocessing profile on real vs generated scans (issue 7).

Usage: measure_profiles.py OUT_ROOT LABEL=PROFILE... -- FILES...
Expects OUT_ROOT/<label>/<stem>.png (and stages) written by `sigverify preprocess --stages`.
Ink = pixels >= 128 in the final 224x224 input; "full-res" = the last full-resolution binary
stage (seed: opened, clean: despeckled). "Dark-ink kept" = share of the pixels darker than 60 % of the page median that the full-res
binary stage marks as ink (strokes must not be erased). Separability = AUC of ink fraction as a real-vs-
clean-synthetic-signature classifier (0.5: ink fraction cannot tell the domains apart)."""
import os
import sys

import cv2
import numpy as np

FULL_RES = {"seed": "opened", "clean": "despeckled"}


def group(stem):
    if stem.startswith("aug"):
        return "clean synthetic signature"
    if stem.startswith("scan"):
        return "scan-like synthetic sig."
    if stem.startswith("invalid"):
        return "generated non-signature"
    if stem.startswith(("edge_", "s3_", "camera", "horse", "page")):
        return None
    return "real scan"


def auc(pos, neg):
    pairs = [(p > n) + 0.5 * (p == n) for p in pos for n in neg]
    return sum(pairs) / len(pairs) if pairs else float("nan")


def main():
    root = sys.argv[1]
    split = sys.argv.index("--")
    candidates = [a.split("=", 1) for a in sys.argv[2:split]]
    files = sys.argv[split + 1:]
    stems = [os.path.splitext(os.path.basename(f))[0] for f in files]
    print(f"{'candidate':<18}{'group':<26}{'n':>3}  {'ink 224² mean':>13} {'median':>7} {'min':>6} {'max':>6}   {'ink full-res mean':>17}  {'dark-ink kept':>13}")
    summary = {}
    for label, profile in candidates:
        per_group = {}
        for stem in stems:
            g = group(stem)
            if g is None:
                continue
            final = cv2.imread(os.path.join(root, label, stem + ".png"), cv2.IMREAD_GRAYSCALE)
            full = cv2.imread(os.path.join(root, label, f"{stem}.{FULL_RES[profile]}.png"), cv2.IMREAD_GRAYSCALE)
            if final is None or full is None:
                continue
            gray = cv2.imread(os.path.join(root, label, f"{stem}.gray.png"), cv2.IMREAD_GRAYSCALE)
            # Definite ink: darker than 60 % of the page's median (paper) level.
            truth = gray < 0.6 * np.median(gray)
            kept = float((full[truth] >= 128).mean()) if truth.any() else float("nan")
            per_group.setdefault(g, []).append((float((final >= 128).mean()), float((full >= 128).mean()), stem, kept))
        for g, vals in sorted(per_group.items()):
            ink = np.array([v[0] for v in vals]); fr = np.array([v[1] for v in vals])
            kept = np.nanmean([v[3] for v in vals])
            print(f"{label:<18}{g:<26}{len(vals):>3}  {100 * ink.mean():12.1f}% {100 * np.median(ink):6.1f}% {100 * ink.min():5.1f}% {100 * ink.max():5.1f}%   {100 * fr.mean():16.1f}%  {100 * kept:12.1f}%")
        real = [v[0] for v in per_group.get("real scan", [])]
        synth = [v[0] for v in per_group.get("clean synthetic signature", [])]
        signatures = real + synth + [v[0] for v in per_group.get("scan-like synthetic sig.", [])]
        others = [v[0] for v in per_group.get("generated non-signature", [])]
        if real and synth:
            summary[label] = (np.mean(real) / np.mean(synth), auc(real, synth), auc(signatures, others))
        if os.environ.get("VERBOSE"):
            for g, vals in sorted(per_group.items()):
                for v in vals:
                    print(f"    {label:<18}{g:<26}{v[2]:<24}{100 * v[0]:6.1f}% {100 * v[1]:6.1f}% kept {100 * v[3]:5.1f}%")
    print()
    print("domain AUC: real vs clean synthetic signatures by ink fraction (0.5 = the domains look alike)")
    print("class AUC: signatures vs generated non-signatures by ink fraction (away from 0.5 = ink alone separates)")
    for label, (ratio, a, c) in summary.items():
        print(f"{label:<18} real / clean-synthetic ink ratio {ratio:5.2f}x   domain AUC {a:.2f}   class AUC {c:.2f}")
    picture = os.environ.get("PICTURE")
    if picture:
        rows = []
        for stem in stems:
            if group(stem) != "real scan" and not stem.startswith(("aug1200_00", "scan1500_00", "invalid224_04")):
                continue
            gray = cv2.imread(os.path.join(root, candidates[0][0], f"{stem}.gray.png"), cv2.IMREAD_GRAYSCALE)
            h, w = gray.shape
            tiles = [cv2.resize(gray, (224 * w // h if w / h < 2 else 448, 224 if w / h < 2 else 448 * h // w))]
            tiles[0] = cv2.copyMakeBorder(tiles[0], 0, 224 - tiles[0].shape[0], 0, 448 - tiles[0].shape[1], cv2.BORDER_CONSTANT, value=128)
            tiles += [cv2.imread(os.path.join(root, label, stem + ".png"), cv2.IMREAD_GRAYSCALE) for label, _ in candidates]
            rows.append(np.hstack([np.pad(t, 2, constant_values=128) for t in tiles]))
        cv2.imwrite(picture, np.vstack(rows))
        print(f"\nbefore/after picture (gray | {' | '.join(l for l, _ in candidates)}): {picture}")


if __name__ == "__main__":
    main()

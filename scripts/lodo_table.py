#!/usr/bin/env python3
"""Prints the leave-one-dataset-out table of every recipe under a scripts/lodo.sh work folder
(default .build/lodo): per left-out dataset the share of its signatures accepted, then the mean and
worst, and the non-signatures rejected — the realistic ones (real non-signatures and the generated
kinds a back office meets) and, apart, the reference's line-art patterns. Markdown, for the README."""
import json, os, sys

FOLDS = ["cedar", "sigcomp2009", "chinese", "bhsig260", "icdar_dutch", "nfi"]
LINE_ART = {"polyline", "shapes", "text_strokes", "sine_waves", "circles", "composite"}

def summary(report):
    signatures = [0, 0]; realistic = [0, 0]; line_art = [0, 0]
    for source, m in report["perSource"].items():
        c = m["confusion"]
        if c["truePositives"] + c["falseNegatives"]:
            signatures[0] += c["truePositives"]; signatures[1] += c["truePositives"] + c["falseNegatives"]
        else:
            kind = source.removeprefix("synthetic-")
            bucket = line_art if kind in LINE_ART else realistic
            bucket[0] += c["trueNegatives"]; bucket[1] += c["trueNegatives"] + c["falsePositives"]
    return signatures, realistic, line_art

def main(work):
    print("| recipe | " + " | ".join(FOLDS) + " | mean / worst | realistic non-signatures rejected | line art rejected |")
    print("|---" * (len(FOLDS) + 4) + "|")
    for recipe in sorted(os.listdir(work)):
        cells, shares, real, art = [], [], [0, 0], [0, 0]
        for fold in FOLDS:
            path = os.path.join(work, recipe, fold, "report", "report.json")
            if not os.path.exists(path):
                cells.append("–"); continue
            s, r, a = summary(json.load(open(path)))
            share = s[0] / s[1]
            shares.append(share)
            cells.append(f"{share:.3f} ({s[0]}/{s[1]})")
            real = [real[0] + r[0], real[1] + r[1]]; art = [art[0] + a[0], art[1] + a[1]]
        if not shares:
            continue
        folds = len(shares)
        mean = f"{sum(shares) / folds:.3f} / {min(shares):.3f}" + ("" if folds == len(FOLDS) else f" ({folds} folds)")
        rr = f"{real[0] / real[1]:.3f}" if real[1] else "–"
        ar = f"{art[0] / art[1]:.3f}" if art[1] else "–"
        print(f"| {recipe} | " + " | ".join(cells) + f" | {mean} | {rr} | {ar} |")

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".build/lodo")

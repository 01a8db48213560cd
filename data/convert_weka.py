#!/usr/bin/env python3
"""Converts two UCI data sets shipped by Debian's `weka` package (/usr/share/doc/weka/examples) into the CSV the
streamgrad readers take: a header row, numeric feature columns standardised to zero mean and unit variance
(population std over the whole file), and a numeric `label` column (the class index in ARFF declaration order).

    python3 data/convert_weka.py /usr/share/doc/weka/examples data
"""
import math
import sys

SETS = {
    # file, output, label mapping (ARFF class values in declaration order -> 0..k-1)
    "diabetes.arff": "diabetes.csv",
    "segment-challenge.arff": "segment.csv",
}


def read_arff(path):
    names, classes, rows = [], None, []
    in_data = False
    for line in open(path, encoding="latin-1"):
        line = line.strip()
        if not line or line.startswith("%"):
            continue
        low = line.lower()
        if in_data:
            rows.append([c.strip().strip("'") for c in line.split(",")])
        elif low.startswith("@attribute"):
            rest = line.split(None, 1)[1]
            if "{" in rest:
                name = rest[: rest.index("{")].strip().strip("'")
                classes = [c.strip().strip("'") for c in rest[rest.index("{") + 1 : rest.rindex("}")].split(",")]
            else:
                name = rest.split()[0].strip("'")
            names.append(name)
        elif low.startswith("@data"):
            in_data = True
    return names, classes, rows


def convert(src, dst):
    names, classes, rows = read_arff(src)
    features = names[:-1]
    x = [[float(v) for v in r[:-1]] for r in rows]
    y = [classes.index(r[-1]) for r in rows]
    n = len(x)
    cols = []
    for j in range(len(features)):
        mean = sum(r[j] for r in x) / n
        std = math.sqrt(sum((r[j] - mean) ** 2 for r in x) / n) or 1.0
        cols.append((mean, std))
    with open(dst, "w", encoding="utf-8") as out:
        out.write(",".join([f.replace(",", "_") for f in features] + ["label"]) + "\n")
        for r, label in zip(x, y):
            out.write(",".join("%.6g" % ((v - m) / s) for v, (m, s) in zip(r, cols)) + ",%d\n" % label)
    print("%s -> %s: %d rows, %d features, classes %s" % (src, dst, n, len(features), classes))


if __name__ == "__main__":
    src_dir, dst_dir = sys.argv[1], sys.argv[2]
    for src, dst in SETS.items():
        convert(src_dir + "/" + src, dst_dir + "/" + dst)

#!/usr/bin/env python3
"""Converts Weka's ARFF copies of two UCI data sets into the files the tests read.

Input: the Debian package `weka` (3.6.14), /usr/share/doc/weka/examples/*.arff
  (apt-get install weka). Run from this directory: python3 prepare.py

segment-train.svm / segment-test.svm (UCI Image Segmentation, Weka's segment-challenge / segment-test split):
  LibSVM, 19 features, indices 1-based, labels 0..6 in the ARFF's class order
  (brickface, sky, foliage, cement, window, path, grass).
  Features are standardised with the TRAINING file's mean and population standard deviation (the test file uses
  the training statistics, so nothing leaks); a constant feature (region-pixel-count is always 9) becomes 0 and
  is therefore absent from every line. Values are written with 7 significant digits.

iris.csv (UCI Iris): CSV with a header, the four raw measurements and a `label` column 0..2
  (setosa, versicolor, virginica), in the ARFF's order (sorted by class).
"""
import math

EXAMPLES = "/usr/share/doc/weka/examples/"


def read_arff(path):
    attrs, rows, in_data = [], [], False
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("%"):
                continue
            low = line.lower()
            if low.startswith("@attribute"):
                parts = line.split(None, 2)
                attrs.append((parts[1], parts[2].strip()))
            elif low.startswith("@data"):
                in_data = True
            elif in_data:
                rows.append([v.strip() for v in line.split(",")])
    return attrs, rows


def classes_of(attr_type):
    return [c.strip() for c in attr_type.strip("{}").split(",")]


def fmt(v):
    return "%.7g" % v


def segment():
    attrs, train = read_arff(EXAMPLES + "segment-challenge.arff")
    attrs_t, test = read_arff(EXAMPLES + "segment-test.arff")
    assert attrs == attrs_t
    classes = classes_of(attrs[-1][1])
    nf = len(attrs) - 1
    cols = [[float(r[j]) for r in train] for j in range(nf)]
    mean = [sum(c) / len(c) for c in cols]
    std = [math.sqrt(sum((x - m) ** 2 for x in c) / len(c)) for c, m in zip(cols, mean)]
    for name, rows in (("segment-train.svm", train), ("segment-test.svm", test)):
        with open(name, "w") as out:
            for r in rows:
                tokens = [str(classes.index(r[-1]))]
                for j in range(nf):
                    z = 0.0 if std[j] == 0 else (float(r[j]) - mean[j]) / std[j]
                    if z != 0.0:
                        tokens.append("%d:%s" % (j + 1, fmt(z)))
                out.write(" ".join(tokens) + "\n")


def iris():
    attrs, rows = read_arff(EXAMPLES + "iris.arff")
    classes = classes_of(attrs[-1][1])
    with open("iris.csv", "w") as out:
        out.write(",".join(a[0] for a in attrs[:-1]) + ",label\n")
        for r in rows:
            out.write(",".join(r[:-1]) + "," + str(classes.index(r[-1])) + "\n")


if __name__ == "__main__":
    segment()
    iris()

#!/usr/bin/env python3
"""Makes data/recs/online-retail-2010-12.csv from the UCI Online Retail data set (December 2010).

Input: the per-day CSV files of December 2010 as shipped in github.com/databricks/Spark-The-Definitive-Guide
(data/retail-data/by-day/2010-12-*.csv; columns InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,
CustomerID,Country), a copy of UCI's "Online Retail" (id 352, CC BY 4.0).

Usage: python3 prepare.py DIR_WITH_DAY_FILES > online-retail-2010-12.csv

Transformations, in order:
  1. drop lines without CustomerID, cancellations (InvoiceNo starting with C) and quantities <= 0;
  2. keep product codes only (StockCode starting with a digit: drops POST, M, D, DOT, BANK CHARGES, ...);
  3. one interaction per (customer, product, invoice): user = CustomerID as an integer, item = StockCode;
  4. timestamp = InvoiceDate as an ISO-8601 instant (the shop's UK time; in December UK time is UTC);
  5. sort by (timestamp, InvoiceNo, StockCode) - a stable, documented order for equal times.
"""
import csv
import glob
import os
import sys


def main(directory):
    seen = set()
    rows = []
    for path in sorted(glob.glob(os.path.join(directory, "2010-12-*.csv"))):
        with open(path, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if not r["CustomerID"] or r["InvoiceNo"].startswith("C") or float(r["Quantity"]) <= 0:
                    continue
                code = r["StockCode"].strip()
                if not code[:1].isdigit():
                    continue
                user = str(int(float(r["CustomerID"])))
                key = (user, code, r["InvoiceNo"])
                if key in seen:
                    continue
                seen.add(key)
                ts = r["InvoiceDate"].strip().replace(" ", "T") + "Z"
                rows.append((ts, r["InvoiceNo"], code, user))
    rows.sort()
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["user", "item", "timestamp"])
    for ts, _invoice, code, user in rows:
        out.writerow([user, code, ts])


if __name__ == "__main__":
    main(sys.argv[1])

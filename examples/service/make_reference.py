#!/usr/bin/env python3
"""Writes examples/service/reference.csv: the feature sample of the toy
model's "training data" that the example service freezes as its drift
reference (2000 rows; fixed seed, so the file is reproducible).

    python3 examples/service/make_reference.py > examples/service/reference.csv
"""
import numpy as np

rng = np.random.default_rng(20261206)
n = 2000
age = np.round(rng.normal(40.0, 12.0, n), 1)
session_length = np.round(rng.lognormal(3.0, 0.6, n), 2)
price_affinity = np.round(rng.uniform(0.0, 1.0, n), 4)
recency = np.round(rng.exponential(7.0, n), 2)
device = rng.choice(["ios", "android", "web"], size=n, p=[0.45, 0.40, 0.15])
print("age,session_length,price_affinity,recency,device")
for row in zip(age, session_length, price_affinity, recency, device):
    print(",".join(str(v) for v in row))

"""Makes the bundled example data: a retail recommender's request features
from a reference week (reference.csv) and from this week (current.csv), in
which basket values crept up, mobile traffic grew and a new market opened.

Deterministic: /usr/bin/python3 make_example_data.py rewrites the same files."""

import csv
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def rows(rng, n, current):
    devices = ["mobile", "desktop", "tablet"]
    device_p = [0.62, 0.30, 0.08] if current else [0.45, 0.45, 0.10]
    countries = ["US", "DE", "FR", "Korea, Republic of"] + (["BR"] if current else [])
    country_p = [0.4, 0.25, 0.2, 0.1, 0.05] if current else [0.45, 0.25, 0.2, 0.1]
    out = []
    for _ in range(n):
        basket = rng.lognormal(3.6 if current else 3.4, 0.5)
        items = int(rng.poisson(3.2 if current else 3.0)) + 1
        session = rng.gamma(2.0, 90.0)
        age = int(np.clip(rng.normal(38, 12), 18, 90))
        score = rng.beta(2.0, 5.0)
        row = [
            f"{basket:.2f}",
            str(items),
            f"{session:.1f}",
            str(age),
            str(rng.choice(devices, p=device_p)),
            str(rng.choice(countries, p=country_p)),
            f"{score:.4f}",
        ]
        if rng.random() < 0.02:
            row[3] = ""  # age not always known
        out.append(row)
    return out


def main():
    rng = np.random.default_rng(20261127)
    header = ["basket_value", "items_in_cart", "session_seconds", "user_age", "device", "country", "top_score"]
    ref = rows(rng, 2000, current=False)
    cur = rows(rng, 1500, current=True)
    # The reference export still carries a retired column; this week adds one.
    write(os.path.join(here, "reference.csv"), header + ["legacy_segment"],
          [r + [str(rng.choice(["a", "b"]))] for r in ref])
    write(os.path.join(here, "current.csv"), header + ["promo_code"],
          [r + [str(rng.choice(["", "SPRING", "VIP"]))] for r in cur])


if __name__ == "__main__":
    main()

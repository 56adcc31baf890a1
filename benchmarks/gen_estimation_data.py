"""Seeded survey responses for the estimation benchmark.

1,000,000 responses in 100 strata × 50 PSUs (5,000 PSUs of varying size), 30 domains, a
sampling weight, and 10 five-point items (1–5) with about 2% missing values.  Writes
``benchmarks/data/estimation_<n>.csv``.  Usage::

    .venv/bin/python benchmarks/gen_estimation_data.py [--n 1000000] [--seed 20261123]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).parent / "data"
N_STRATA, PSU_PER_STRATUM, N_DOMAINS, N_ITEMS = 100, 50, 30, 10


def generate(n: int, seed: int) -> pd.DataFrame:
    """Responses clustered in PSUs: PSU effects shift every item; domains cut across PSUs."""
    rng = np.random.default_rng(seed)
    n_psu = N_STRATA * PSU_PER_STRATUM
    size = rng.gamma(4.0, 1.0, n_psu)
    psu = np.sort(rng.choice(n_psu, size=n, p=size / size.sum()))
    stratum = psu // PSU_PER_STRATUM
    domain = (rng.integers(0, N_DOMAINS, n) + (psu % 7)) % N_DOMAINS
    weight = rng.uniform(20, 200, n_psu)[psu] * rng.uniform(0.8, 1.25, n)
    psu_effect = rng.normal(0, 0.6, n_psu)[psu]
    frame = {"stratum": stratum, "psu": psu, "domain": domain, "w": weight}
    for k in range(N_ITEMS):
        latent = 3.4 + 0.1 * k + psu_effect + 0.02 * domain + rng.normal(0, 1.0, n)
        item = np.clip(np.rint(latent), 1, 5)
        item[rng.random(n) < 0.02] = np.nan
        frame[f"q{k + 1}"] = item
    return pd.DataFrame(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"estimation_{args.n}.csv"
    generate(args.n, args.seed).to_csv(path, index=False)
    print(path)


if __name__ == "__main__":
    main()

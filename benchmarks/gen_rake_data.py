"""Seeded data for the raking benchmark: 1,000,000 records, three margins of 4 × 2 × 5 levels.

Writes ``benchmarks/data/rake_<n>.csv`` (columns ``region`` 4 levels, ``sex`` 2, ``age`` 5, and a
unit base weight ``w``) and ``benchmarks/data/rake_<n>_targets.json`` (population margins whose
shares differ from the sample's, so IPF needs several sweeps).  Usage::

    .venv/bin/python benchmarks/gen_rake_data.py [--n 1000000] [--seed 20261123]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).parent / "data"
REGIONS = ["north", "south", "east", "west"]
SEXES = ["female", "male"]
AGES = ["18-29", "30-39", "40-49", "50-59", "60+"]


def generate(n: int, seed: int) -> tuple[pd.DataFrame, dict]:
    """Sample with associated region/sex/age and population margins of 10 × n people."""
    rng = np.random.default_rng(seed)
    region = rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1])
    sex = (rng.uniform(size=n) < 0.35 + 0.1 * region).astype(int)
    age = np.clip(rng.poisson(1.0 + 0.6 * region + 0.5 * sex), 0, 4)
    frame = pd.DataFrame({
        "region": np.array(REGIONS)[region], "sex": np.array(SEXES)[sex],
        "age": np.array(AGES)[age], "w": np.ones(n),
    })
    population = 10 * n
    targets = {
        "region": dict(zip(REGIONS, np.round(population * np.array([0.25, 0.25, 0.3, 0.2])))),
        "sex": dict(zip(SEXES, np.round(population * np.array([0.51, 0.49])))),
        "age": dict(zip(AGES, np.round(population * np.array([0.2, 0.22, 0.2, 0.18, 0.2])))),
    }
    targets = {k: {level: float(v) for level, v in margin.items()} for k, margin in targets.items()}
    return frame, targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    frame, targets = generate(args.n, args.seed)
    frame.to_csv(DATA / f"rake_{args.n}.csv", index=False)
    (DATA / f"rake_{args.n}_targets.json").write_text(json.dumps(targets, indent=2))
    print(f"wrote {DATA / f'rake_{args.n}.csv'} and its targets")


if __name__ == "__main__":
    main()

"""Benchmark: Cronbach's alpha, KMO and a 5-factor minres fit on 25 Likert items.

Generates (seeded, written to benchmarks/data/) n respondents × 25 five-point items from a
five-factor model with 2% of answers missing, then times in one run on the same file
survey_engine's ``cronbach_alpha`` (pairwise and listwise, 7 reverse-keyed items, including the
omega fit), ``kmo`` and ``factor_loadings(5, varimax)`` against R's ``psych::alpha``,
``psych::KMO`` and ``psych::fa(nfactors = 5, rotate = "varimax")`` through Rscript (timing only
the calls, not reading the CSV).  Alphas of both are printed as a check.

    .venv/bin/python benchmarks/bench_reliability.py [--n 200000] [--skip-r]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from survey_engine.analysis import cronbach_alpha, factor_loadings, kmo

HERE = Path(__file__).parent
REVERSE = ["i1", "i7", "i8", "i13", "i14", "i20", "i25"]

R_SCRIPT = r"""
suppressPackageStartupMessages(library(psych))
args <- commandArgs(trailingOnly = TRUE)
x <- read.csv(args[1])
keys <- strsplit(args[2], ",")[[1]]
best <- function(f, runs) min(replicate(runs, system.time(f())[["elapsed"]]))
a <- alpha(x, keys = keys, warnings = FALSE)
al <- alpha(na.omit(x), keys = keys, warnings = FALSE)
t_pair <- best(function() alpha(x, keys = keys, warnings = FALSE), 3)
t_list <- best(function() alpha(na.omit(x), keys = keys, warnings = FALSE), 3)
t_kmo <- best(function() KMO(x), 3)
t_fa <- best(function() fa(x, nfactors = 5, rotate = "varimax", fm = "minres"), 3)
cat(sprintf('{"alpha": %.15g, "alpha_listwise": %.15g, "pairwise": %g, "listwise": %g, "kmo": %g, "fa": %g}\n',
            a$total$raw_alpha, al$total$raw_alpha, t_pair, t_list, t_kmo, t_fa))
"""


def generate(n: int, seed: int = 20261123) -> Path:
    """Write n × 25 items (5 factors × 5 items, 1..5) with 2% missing; return the path."""
    path = HERE / "data" / f"reliability_{n}.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((n, 5))
    loading = np.repeat(np.eye(5), 5, axis=0) * 0.7  # item j loads on factor j // 5
    signs = np.where(np.isin([f"i{j + 1}" for j in range(25)], REVERSE), -1.0, 1.0)
    latent = factors @ loading.T * signs + 0.7 * rng.standard_normal((n, 25))
    items = np.clip(np.round(3 + 1.1 * latent), 1, 5)
    items[rng.random(items.shape) < 0.02] = np.nan
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(items, columns=[f"i{j + 1}" for j in range(25)]).to_csv(path, index=False)
    return path


def best_of(runs: int, func) -> float:
    """Fastest wall time of ``runs`` calls, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--skip-r", action="store_true")
    args = parser.parse_args()
    path = generate(args.n)
    x = pd.read_csv(path)
    ours = {
        "pairwise": best_of(3, lambda: cronbach_alpha(x, reverse=REVERSE)),
        "listwise": best_of(3, lambda: cronbach_alpha(x, reverse=REVERSE, missing="listwise")),
        "kmo": best_of(3, lambda: kmo(x)),
        "fa": best_of(3, lambda: factor_loadings(x, 5, rotation="varimax")),
    }
    a = cronbach_alpha(x, reverse=REVERSE)
    al = cronbach_alpha(x, reverse=REVERSE, missing="listwise")
    theirs: dict[str, float] = {}
    if not args.skip_r:
        with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as script:
            script.write(R_SCRIPT)
        out = subprocess.run(["Rscript", script.name, str(path), ",".join(REVERSE)],
                             check=True, capture_output=True, text=True).stdout
        theirs = json.loads(out.strip().splitlines()[-1])
        Path(script.name).unlink()
    print(f"n = {len(x):,} rows × 25 items (2% missing), best of 3, seconds")
    print(f"{'task':<34}{'survey_engine':>14}{'R psych':>10}")
    labels = {"pairwise": "alpha, pairwise (+ omega fit)", "listwise": "alpha, listwise (+ omega fit)",
              "kmo": "KMO", "fa": "fa 5 factors minres varimax"}
    for key, label in labels.items():
        r = f"{theirs[key]:.3f}" if key in theirs else "-"
        print(f"{label:<34}{ours[key]:>14.3f}{r:>10}")
    if theirs:
        print(f"alpha pairwise: ours {a.alpha:.12f}  psych {theirs['alpha']:.12f}")
        print(f"alpha listwise: ours {al.alpha:.12f}  psych {theirs['alpha_listwise']:.12f}")


if __name__ == "__main__":
    main()

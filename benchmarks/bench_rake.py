"""Benchmark: raking 1,000,000 records to three margins (4 × 2 × 5 levels) to tolerance 1e-10.

Times, in one run on the same data (benchmarks/gen_rake_data.py), survey_engine's ``rake``
(``Design.rake`` from the data frame, and the array-level ``rake_codes`` on integer codes),
R's ``survey::rake`` (through Rscript, timing only the ``rake`` call, epsilon = tolerance) and
the Python package weightipy (``weightipy.weight``; it rakes from unit weights, which is why
the data carry unit base weights).  Each result's worst margin misfit |achieved − target| /
(1 + target) is printed, and the weights of R and weightipy are compared with ours.

    .venv/bin/pip install -r benchmarks/requirements.txt
    .venv/bin/python benchmarks/gen_rake_data.py
    .venv/bin/python benchmarks/bench_rake.py [--n 1000000] [--skip-r]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from survey_engine.analysis import Design
from survey_engine.analysis.weighting import fit_rake, rake_codes

HERE = Path(__file__).parent
TOL = 1e-10


def misfit(frame: pd.DataFrame, weights: np.ndarray, targets: dict) -> float:
    """Worst |achieved − target| / (1 + target) over every margin level."""
    worst = 0.0
    for variable, margin in targets.items():
        achieved = pd.Series(weights).groupby(frame[variable].to_numpy()).sum()
        for level, target in margin.items():
            worst = max(worst, abs(achieved[level] - target) / (1 + target))
    return worst


def best_of(runs: int, func):
    """Fastest of ``runs`` calls and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--skip-r", action="store_true")
    args = parser.parse_args()
    csv = HERE / "data" / f"rake_{args.n}.csv"
    targets_path = HERE / "data" / f"rake_{args.n}_targets.json"
    if not csv.exists():
        sys.exit(f"{csv} is missing: run benchmarks/gen_rake_data.py --n {args.n} first")
    frame = pd.read_csv(csv)
    targets = json.loads(targets_path.read_text())
    rows = []

    design = Design(frame, weights="w")
    seconds, fit = best_of(3, lambda: fit_rake(design, targets, tol=TOL))
    ours = fit.design.weights
    rows.append(("survey_engine Design.rake", seconds, fit.convergence.iterations,
                 misfit(frame, ours, targets), 0.0))

    codes = [pd.Categorical(frame[v], categories=list(targets[v])).codes.astype(np.int64)
             for v in targets]
    arrays = [np.array(list(targets[v].values())) for v in targets]
    w = frame["w"].to_numpy()
    seconds, (raw, conv) = best_of(3, lambda: rake_codes(w, codes, arrays, tol=TOL))
    rows.append(("survey_engine rake_codes (int codes)", seconds, conv.iterations,
                 misfit(frame, raw, targets), float(np.max(np.abs(raw - ours) / ours))))

    import weightipy as wp

    population = sum(next(iter(targets.values())).values())
    scheme = wp.scheme_from_dict(targets, rim_params={"max_iterations": 1000})
    seconds, wts = best_of(1, lambda: wp.weight(frame[list(targets)], scheme))
    theirs = wts.to_numpy() * population / len(frame)
    rows.append((f"weightipy {wp.__version__} weight", seconds, None, misfit(frame, theirs, targets),
                 float(np.max(np.abs(theirs - ours) / ours))))

    if not args.skip_r:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "w.bin"
            done = subprocess.run(["Rscript", str(HERE / "bench_rake.R"), str(csv),
                                   str(targets_path), str(TOL), str(out)],
                                  check=True, capture_output=True, text=True)
            elapsed, _ = done.stdout.split()
            r_weights = np.fromfile(out, dtype=np.float64)
        version = subprocess.run(["Rscript", "-e", "cat(as.character(packageVersion('survey')))"],
                                 capture_output=True, text=True).stdout.strip()
        rows.append((f"R survey {version} rake", float(elapsed), None,
                     misfit(frame, r_weights, targets),
                     float(np.max(np.abs(r_weights - ours) / ours))))

    print(f"raking {len(frame):,} records to margins "
          f"{' × '.join(str(len(m)) for m in targets.values())}, tolerance {TOL:g}\n")
    print(f"{'implementation':40s} {'seconds':>9s} {'sweeps':>7s} {'worst misfit':>13s} "
          f"{'max rel diff vs ours':>21s} {'time vs ours':>13s}")
    base = rows[0][1]
    for name, secs, sweeps, worst, diff in rows:
        print(f"{name:40s} {secs:9.3f} {sweeps if sweeps is not None else '-':>7} "
              f"{worst:13.2e} {diff:21.2e} {secs / base:12.1f}×")


if __name__ == "__main__":
    main()

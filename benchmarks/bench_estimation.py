"""Benchmark: design-based means with SEs — survey_engine vs R's survey vs a plain numpy floor.

Data: ``benchmarks/gen_estimation_data.py`` (1,000,000 responses, 100 strata, 5,000 PSUs,
30 domains, 10 five-point items with ~2% missing).  Design: PSUs ``psu`` in strata
``stratum``, weights ``w``, with-replacement first-stage variance.  Tasks, each timed:

1. the means of the 10 items with SEs (missing values dropped per item);
2. the mean of q1 in each of the 30 domains with SEs.

R runs in the same invocation (Rscript subprocess); its timings come from ``system.time``
around the ``svymean``/``svyby`` calls only (per item: ``svymean(~qk, d, na.rm=TRUE)``, the
same per-item missing-value rule).  The numpy floor is a hand-written single pass over
precomputed integer codes.  Peak memory of our calls is measured with ``tracemalloc``
(numpy buffers are traced) and compared with the bytes of the data columns used.  Usage::

    .venv/bin/python benchmarks/gen_estimation_data.py
    .venv/bin/python benchmarks/bench_estimation.py [--n 1000000] [--repeat 5] [--no-r]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from survey_engine.analysis import Design

DATA = Path(__file__).parent / "data"
ITEMS = [f"q{k}" for k in range(1, 11)]

R_SCRIPT = r"""
suppressMessages({library(survey); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
df <- read.csv(args[1])
d <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = df)
items <- paste0("q", 1:10)
est <- numeric(10); se <- numeric(10)
t_items <- system.time({
  for (k in seq_along(items)) {
    m <- svymean(as.formula(paste0("~", items[k])), d, na.rm = TRUE)
    est[k] <- coef(m); se[k] <- SE(m)
  }
})[["elapsed"]]
t_by <- system.time({
  b <- svyby(~q1, ~domain, d, svymean, na.rm = TRUE)
})[["elapsed"]]
write_json(list(t_items = t_items, t_by = t_by, est = est, se = se,
                by_est = as.numeric(coef(b)), by_se = as.numeric(SE(b)), by_dom = as.character(b$domain)),
           args[2], digits = NA, auto_unbox = TRUE)
"""


def _floor_variance(t: np.ndarray, psu_stratum: np.ndarray, n_h: np.ndarray) -> np.ndarray:
    """With-replacement stratified variance of PSU totals t (K, or K×D)."""
    factor = (n_h / (n_h - 1))[psu_stratum]
    if t.ndim == 1:
        mean_h = np.bincount(psu_stratum, weights=t, minlength=n_h.size) / n_h
        dev = t - mean_h[psu_stratum]
        return np.array([(factor * dev) @ dev])
    mean_h = np.stack([np.bincount(psu_stratum, weights=t[:, d], minlength=n_h.size)
                       for d in range(t.shape[1])], 1) / n_h[:, None]
    dev = t - mean_h[psu_stratum]
    return (dev * dev * factor[:, None]).sum(axis=0)


def floor_items(codes: dict[str, np.ndarray], w: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Task 1 in plain numpy: one pass per item over precomputed PSU codes (the lower bound)."""
    psu, psu_stratum, n_h = codes["psu"], codes["psu_stratum"], codes["n_h"]
    est, se = np.empty(items.shape[1]), np.empty(items.shape[1])
    for j in range(items.shape[1]):
        y = items[:, j]
        ok = ~np.isnan(y)
        wy = np.where(ok, w, 0.0)
        y0 = np.where(ok, y, 0.0)
        total_w = wy.sum()
        m = (wy @ y0) / total_w
        t = np.bincount(psu, weights=wy * (y0 - m), minlength=psu_stratum.size) / total_w
        est[j], se[j] = m, np.sqrt(_floor_variance(t, psu_stratum, n_h)[0])
    return est, se


def floor_by(codes: dict[str, np.ndarray], w: np.ndarray, y: np.ndarray, domain: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """Task 2 in plain numpy: domain means of one item with SEs."""
    psu, psu_stratum, n_h = codes["psu"], codes["psu_stratum"], codes["n_h"]
    k = psu_stratum.size
    ok = ~np.isnan(y)
    wy, y0 = np.where(ok, w, 0.0), np.where(ok, y, 0.0)
    n_dom = int(domain.max()) + 1
    sw = np.bincount(domain, weights=wy, minlength=n_dom)
    m = np.bincount(domain, weights=wy * y0, minlength=n_dom) / sw
    z = wy * (y0 - m[domain]) / sw[domain]
    t = np.bincount(psu * n_dom + domain, weights=z, minlength=k * n_dom).reshape(k, n_dom)
    return m, np.sqrt(_floor_variance(t, psu_stratum, n_h))


def best_of(repeat: int, fn):
    """Minimum wall time over ``repeat`` runs and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-r", action="store_true", help="skip R (no Rscript available)")
    args = parser.parse_args()
    path = DATA / f"estimation_{args.n}.csv"
    if not path.exists():
        raise SystemExit(f"{path} is missing; run benchmarks/gen_estimation_data.py --n {args.n} first")
    df = pd.read_csv(path)
    used = ["stratum", "psu", "domain", "w", *ITEMS]
    data_bytes = sum(df[c].to_numpy().nbytes for c in used)

    t_design, design = best_of(1, lambda: Design(df, ids="psu", strata="stratum", weights="w"))
    t_items, items_res = best_of(args.repeat, lambda: design.mean(ITEMS, deff=False))
    fresh = Design(df, ids="psu", strata="stratum", weights="w")
    t_by_first, _ = best_of(1, lambda: fresh.mean("q1", by="domain", deff=False))
    t_by, by_res = best_of(args.repeat, lambda: design.mean("q1", by="domain", deff=False))
    tracemalloc.start()
    design.mean(ITEMS, deff=False)
    design.mean("q1", by="domain", deff=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    stage = design.structure.stages[0]
    codes = {"psu": stage.cluster, "psu_stratum": stage.cluster_stratum, "n_h": stage.npsu.astype(float)}
    matrix = df[ITEMS].to_numpy()
    w = df["w"].to_numpy()
    dom = pd.factorize(df["domain"], sort=True)[0]
    t_floor_items, floor = best_of(args.repeat, lambda: floor_items(codes, w, matrix))
    t_floor_by, floor_dom = best_of(args.repeat, lambda: floor_by(codes, w, matrix[:, 0].copy(), dom))

    diff_floor = max(np.max(np.abs(items_res.values - floor[0]) / np.abs(floor[0])),
                     np.max(np.abs(items_res.ses - floor[1]) / floor[1]),
                     np.max(np.abs(by_res.values - floor_dom[0]) / np.abs(floor_dom[0])),
                     np.max(np.abs(by_res.ses - floor_dom[1]) / floor_dom[1]))
    rows = [("design construction (factorise once)", t_design, None, None)]
    r_result = None
    if not args.no_r and shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            script, out = Path(tmp) / "bench.R", Path(tmp) / "out.json"
            script.write_text(R_SCRIPT)
            print("running R's survey (this takes a while) ...", flush=True)
            subprocess.run(["Rscript", str(script), str(path), str(out)], check=True)
            r_result = json.loads(out.read_text())
    rows.append(("10 item means + SEs", t_items, r_result and r_result["t_items"], t_floor_items))
    rows.append(("q1 by 30 domains + SEs", t_by, r_result and r_result["t_by"], t_floor_by))
    rows.append(("  same, first call (factorises domain)", t_by_first, r_result and r_result["t_by"], t_floor_by))

    print(f"\nn = {len(df):,}  PSUs = {stage.n_clusters:,}  strata = {stage.n_strata}  domains = {dom.max() + 1}")
    print(f"{'task':40s} {'survey_engine s':>16s} {'R survey s':>11s} {'speed-up':>9s} {'numpy floor s':>14s} {'vs floor':>9s}")
    for name, ours, r_time, floor_time in rows:
        r_txt = f"{r_time:11.3f}" if r_time else f"{'-':>11s}"
        speed = f"{r_time / ours:8.1f}x" if r_time else f"{'-':>9s}"
        fl = f"{floor_time:14.4f}" if floor_time else f"{'-':>14s}"
        vs = f"{ours / floor_time:8.2f}x" if floor_time else f"{'-':>9s}"
        print(f"{name:40s} {ours:16.4f} {r_txt} {speed} {fl} {vs}")
    print(f"\npeak traced memory of the estimation calls: {peak / 2**20:.1f} MiB "
          f"= {peak / data_bytes:.2f} x the {data_bytes / 2**20:.1f} MiB of data columns used")
    print(f"max relative difference vs numpy floor: {diff_floor:.2e}")
    if r_result:
        d_items = max(np.max(np.abs(items_res.values - r_result["est"]) / np.abs(r_result["est"])),
                      np.max(np.abs(items_res.ses - r_result["se"]) / np.abs(r_result["se"])))
        ours_by = by_res.to_frame()
        d_by = max(np.max(np.abs(ours_by["estimate"].to_numpy() - r_result["by_est"]) / np.abs(r_result["by_est"])),
                   np.max(np.abs(ours_by["se"].to_numpy() - r_result["by_se"]) / np.abs(r_result["by_se"])))
        print(f"max relative difference vs R: items {d_items:.2e}, domains {d_by:.2e}")


if __name__ == "__main__":
    main()

"""Benchmark: stratified systematic PPS draw on a large frame, ours vs R's sampling::UPsystematic.

Run from the repository root::

    .venv/bin/python benchmarks/bench_sampling.py            # 10,000,000 units, 200 strata, n = 20,000

A seeded generator writes the frame (stratum codes and lognormal size measures) once under
``benchmarks/data/``.  Both sides then run in their own child process on the same binary
files, so peak memory (maximum resident set size from ``wait4``) is measured per side:

* survey_engine: build the DataFrame, ``load_frame`` (checks + fingerprint), then
  ``draw_sample`` with a stratified ``pps_systematic`` design, allocation proportional to the
  stratum size totals (timed ``--repeat`` times; the first call is the cold one);
* R 4.x, sampling: for each stratum ``inclusionprobabilities(x_h, n_h)`` and
  ``UPsystematic(pik_h)`` with the same n_h (timed around the loop only).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"

R_SCRIPT = r"""
suppressPackageStartupMessages(library(sampling))
args <- commandArgs(trailingOnly = TRUE)
d <- args[1]; N <- as.integer(args[2]); H <- as.integer(args[3])
x <- readBin(file.path(d, "sizes.f64"), "double", n = N, size = 8)
counts <- readBin(file.path(d, "counts.i32"), "integer", n = H, size = 4)
nh <- readBin(file.path(d, "nh.i32"), "integer", n = H, size = 4)
t0 <- proc.time()[["elapsed"]]
ends <- cumsum(counts); starts <- ends - counts + 1
selected <- 0
for (h in seq_len(H)) {
  xh <- x[starts[h]:ends[h]]
  s <- UPsystematic(inclusionprobabilities(xh, nh[h]))
  selected <- selected + sum(s)
}
t1 <- proc.time()[["elapsed"]]
cat(sprintf('{"draw_s": %.4f, "n_selected": %d}\n', t1 - t0, as.integer(round(selected))))
"""


def make_data(units: int, strata: int, n: int, seed: int) -> Path:
    """Write the seeded frame (sorted by stratum) and the allocation once; reuse it afterwards."""
    from survey_engine.sampling import allocate

    folder = DATA / f"sampling_{units}_{strata}_{n}_{seed}"
    if (folder / "nh.i32").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    # Unequal strata (Dirichlet shares) and skewed sizes, as in a business register.
    counts = rng.multinomial(units, rng.dirichlet(np.full(strata, 2.0)))
    strata_codes = np.repeat(np.arange(strata, dtype=np.int32), counts)
    sizes = rng.lognormal(3.0, 1.2, units)
    totals = np.bincount(strata_codes, weights=sizes, minlength=strata)
    nh = allocate(n, counts, measure=totals).n
    strata_codes.tofile(folder / "strata.i32")
    sizes.tofile(folder / "sizes.f64")
    counts.astype(np.int32).tofile(folder / "counts.i32")
    nh.astype(np.int32).tofile(folder / "nh.i32")
    return folder


def child(folder: Path, n: int, repeat: int) -> None:
    """Run our side in this process and print its timings as JSON."""
    import pandas as pd

    from survey_engine.sampling import AllocationSpec, Method, SampleDesign, draw_sample, load_frame

    strata = np.fromfile(folder / "strata.i32", dtype=np.int32)
    sizes = np.fromfile(folder / "sizes.f64", dtype=np.float64)
    data = pd.DataFrame({"id": np.arange(sizes.size, dtype=np.int64), "stratum": strata, "size": sizes})
    t0 = time.perf_counter()
    frame = load_frame(data, {"id": "id", "stratum": "stratum", "size": "size"})
    load_s = time.perf_counter() - t0
    design = SampleDesign(Method.PPS_SYSTEMATIC, n, stratified=True,
                          allocation=AllocationSpec(measure="size"))
    times, sample = [], None
    for seed in range(repeat):
        t0 = time.perf_counter()
        sample = draw_sample(frame, design, seed)
        times.append(time.perf_counter() - t0)
    nh = np.fromfile(folder / "nh.i32", dtype=np.int32)
    same_allocation = list(sample.allocation.values()) == nh.tolist()
    print(json.dumps({"load_s": load_s, "draw_s": times, "n_selected": int(len(sample.units)),
                      "same_allocation_as_r": same_allocation}))


def run(cmd: list[str]) -> tuple[dict, float, float]:
    """Run a child; return its JSON line, wall time and peak RSS in MB."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        err = proc.stderr.read().decode()
        out.seek(0)
        text = out.read().decode()
    if status != 0:
        raise SystemExit(f"child failed ({cmd[0]}):\n{err}\n{text}")
    return json.loads(text.strip().splitlines()[-1]), wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000_000)
    parser.add_argument("--strata", type=int, default=200)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-r", action="store_true", help="skip the R comparison")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.n, args.repeat)
        return
    t0 = time.perf_counter()
    folder = make_data(args.units, args.strata, args.n, args.seed)
    print(f"frame: {args.units:,} units, {args.strata} strata, n = {args.n:,} "
          f"(data ready in {time.perf_counter() - t0:.1f} s, {folder})", flush=True)
    ours, _, ours_mb = run([sys.executable, __file__, "--child", str(folder), "--n", str(args.n),
                            "--repeat", str(args.repeat)])
    rows = [("survey_engine draw_sample (cold)", ours["draw_s"][0], ours_mb),
            (f"survey_engine draw_sample (median of {args.repeat})", float(np.median(ours["draw_s"])), ours_mb),
            ("survey_engine load_frame (checks + hash)", ours["load_s"], ours_mb)]
    if not args.no_r and shutil.which("Rscript"):
        with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
            fh.write(R_SCRIPT)
        try:
            r, _, r_mb = run(["Rscript", fh.name, str(folder), str(args.units), str(args.strata)])
        finally:
            os.unlink(fh.name)
        rows.append(("R sampling: inclusionprobabilities + UPsystematic", r["draw_s"], r_mb))
        assert r["n_selected"] == ours["n_selected"], (r, ours)
    print(f"selected: {ours['n_selected']:,}; same allocation as given to R: {ours['same_allocation_as_r']}")
    print(f"{'step':<55} {'seconds':>8} {'peak RSS MB':>12}")
    for name, secs, mb in rows:
        print(f"{name:<55} {secs:>8.2f} {mb:>12.0f}")


if __name__ == "__main__":
    main()

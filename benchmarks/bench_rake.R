# R side of benchmarks/bench_rake.py: times survey::rake on the benchmark data.
# Usage: Rscript benchmarks/bench_rake.R DATA.csv TARGETS.json TOL OUT.bin
suppressPackageStartupMessages({library(survey); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
df <- read.csv(args[1], stringsAsFactors = TRUE)
targets <- fromJSON(args[2])
tol <- as.numeric(args[3])
pop <- lapply(names(targets), function(v) {
  out <- data.frame(names(targets[[v]]), as.numeric(unlist(targets[[v]])))
  names(out) <- c(v, "Freq")
  out
})
d <- svydesign(ids = ~1, weights = ~w, data = df)
start <- proc.time()[["elapsed"]]
raked <- rake(d, lapply(names(targets), function(v) as.formula(paste0("~", v))), pop,
              control = list(maxit = 1000, epsilon = tol))
elapsed <- proc.time()[["elapsed"]] - start
w <- weights(raked)
misfit <- max(sapply(names(targets), function(v) {
  achieved <- tapply(w, df[[v]], sum)
  target <- unlist(targets[[v]])[names(achieved)]
  max(abs(achieved - target) / (1 + target))
}))
writeBin(as.numeric(w), args[4], size = 8)
cat(sprintf("%.6f %.3e\n", elapsed, misfit))

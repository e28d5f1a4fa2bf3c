#!/usr/bin/env Rscript
# Reruns every pooled analysis of a built report from its analysis.csv alone, as a reader would:
# rma(yi, vi, method = "REML", test = "z") on the rows of each analysis_id.
#
# Usage: Rscript tools/report_rerun.R REPORT/analysis.csv OUT.csv
# Writes one row per analysis_id (k, estimate, se, CI, PI, tau2, I2) with the versions used.

suppressPackageStartupMessages(library(metafor))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript tools/report_rerun.R ANALYSIS.csv OUT.csv")
dat <- read.csv(args[1], stringsAsFactors = FALSE)
dat <- dat[!is.na(dat$analysis_id) & dat$analysis_id != "", ]
rows <- list()
for (id in unique(dat$analysis_id)) {
  fit <- rma(yi, vi, data = dat[dat$analysis_id == id, ], method = "REML", test = "z")
  pred <- predict(fit)
  rows[[id]] <- data.frame(
    id = id, k = fit$k, estimate = as.numeric(fit$beta), se = fit$se, ci_lb = fit$ci.lb, ci_ub = fit$ci.ub,
    pi_lb = pred$pi.lb, pi_ub = pred$pi.ub, tau2 = fit$tau2, I2 = fit$I2,
    R = paste(R.version$major, R.version$minor, sep = "."), metafor = as.character(packageVersion("metafor"))
  )
}
out <- if (length(rows)) do.call(rbind, rows) else data.frame()
write.csv(out, args[2], row.names = FALSE)

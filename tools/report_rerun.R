#!/usr/bin/env Rscript
# Reruns every pooled analysis of a built report from its analysis.csv alone, as a reader would:
# rma(yi, vi, method = "REML", test = "z") on the rows of each analysis_id, and
# rma.mh(ai = xi, n1i = n1i, ci = x2i, n2i = n2i, measure = "RD") on the rows of each events_analysis_id.
#
# Usage: Rscript tools/report_rerun.R REPORT/analysis.csv OUT.csv
# Writes one row per analysis (k, estimate, se, CI, PI, tau2, I2; PI and tau2 NA for MH) with the versions used.

suppressPackageStartupMessages(library(metafor))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript tools/report_rerun.R ANALYSIS.csv OUT.csv")
all <- read.csv(args[1], stringsAsFactors = FALSE)
versions <- list(R = paste(R.version$major, R.version$minor, sep = "."), metafor = as.character(packageVersion("metafor")))
dat <- all[!is.na(all$analysis_id) & all$analysis_id != "", ]
rows <- list()
for (id in unique(dat$analysis_id)) {
  fit <- rma(yi, vi, data = dat[dat$analysis_id == id, ], method = "REML", test = "z")
  pred <- predict(fit)
  rows[[id]] <- data.frame(
    id = id, k = fit$k, estimate = as.numeric(fit$beta), se = fit$se, ci_lb = fit$ci.lb, ci_ub = fit$ci.ub,
    pi_lb = pred$pi.lb, pi_ub = pred$pi.ub, tau2 = fit$tau2, I2 = fit$I2, versions
  )
}
tables <- if ("events_analysis_id" %in% names(all)) all[!is.na(all$events_analysis_id) & all$events_analysis_id != "", ] else all[0, ]
for (id in unique(tables$events_analysis_id)) {
  fit <- suppressWarnings(rma.mh(ai = xi, n1i = n1i, ci = x2i, n2i = n2i, measure = "RD",
                                 data = tables[tables$events_analysis_id == id, ]))
  rows[[id]] <- data.frame(
    id = id, k = fit$k, estimate = as.numeric(fit$beta), se = fit$se, ci_lb = fit$ci.lb, ci_ub = fit$ci.ub,
    pi_lb = NA, pi_ub = NA, tau2 = NA, I2 = fit$I2, versions
  )
}
out <- if (length(rows)) do.call(rbind, rows) else data.frame()
write.csv(out, args[2], row.names = FALSE)

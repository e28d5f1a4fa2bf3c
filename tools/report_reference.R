#!/usr/bin/env Rscript
# Reference pooled numbers for the report tests: metafor run on the report's exported analysis CSV.
#
# Usage: Rscript tools/report_reference.R ANALYSIS.csv OUT.csv [OUT_RD.csv]
#
# Applies the report's rules S1-S2 as a metafor user would from the CSV alone: keep rows with
# selected & poolable that are not head-to-head comparisons and whose source is not secondary, group by
# measure x outcome (its construct) x evidence_level x product_class, pool groups with at least two studies in a REML
# random-effects model (rma, test="z"): Hedges' g (escalc measure="SMD") or the standardised mean change
# (measure="SMCR", ri = 0.5), signed so that positive = benefit, or the log odds of events (measure="PLO");
# compare MSC sources, products and comparators (rule S4) with rma(mods = ~ factor(...)).
# Writes one CSV row per pooled outcome with the versions used. With OUT_RD.csv, also rule S6: the rows whose
# comparator gives its events (x2i of n2i), compared between arms, grouped by outcome x evidence_level x
# product_class, at least two studies: rma.mh(measure = "RD") of xi of n1i against x2i of n2i.

suppressPackageStartupMessages(library(metafor))

args <- commandArgs(trailingOnly = TRUE)
if (!length(args) %in% c(2, 3)) stop("usage: Rscript tools/report_reference.R ANALYSIS.csv OUT.csv [OUT_RD.csv]")
dat <- read.csv(args[1], stringsAsFactors = FALSE)
dat <- dat[dat$selected == "True" & dat$poolable == "True" & dat$comparison != "head_to_head" &
           dat$source_quality != "secondary", ]
# Rule S1: an outcome on another range of the same instrument pools under its construct (VAS 0-10 under VAS
# 0-100 mm), a study once, on the construct's own scale.
dat <- dat[order(dat$outcome != dat$construct), ]
dat <- dat[!duplicated(dat[, c("study_id", "construct", "measure", "treatment", "control")]), ]
dat$outcome <- dat$construct
keys <- paste(dat$measure, dat$outcome, dat$evidence_level, dat$product_class, sep = "|")

rows <- list()
for (key in unique(keys)) {
  part <- dat[keys == key, ]
  if (length(unique(part$study_id)) < 2) next
  # Rule D8 rows give a p-value (at its bound for 'P < x') and a direction instead of means; metafor 3.8
  # has no `pi` (added in 4.0), so p becomes t as 4.0's .convp2t does.
  pcol <- if ("pi" %in% names(part)) suppressWarnings(as.numeric(part$pi)) else rep(NA_real_, nrow(part))
  pdir <- if ("p_direction" %in% names(part)) suppressWarnings(as.numeric(part$p_direction)) else rep(NA_real_, nrow(part))
  part$ti <- as.numeric(ifelse(is.na(pcol), NA, pdir * qt(pcol / 2, df = part$n1i + part$n2i - 2, lower.tail = FALSE)))
  measure <- part$measure[1]
  sign <- ifelse(part$higher_is_better == "True", 1, -1)
  if (measure == "SMD") {
    es <- escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, ti = ti,
                 data = part)
  } else if (measure == "SMCR") {
    es <- escalc(measure = "SMCR", m1i = m1i, m2i = m_pre, sd1i = sd_pre, ni = n1i, ri = rep(0.5, nrow(part)),
                 data = part)
  } else {
    es <- escalc(measure = "PLO", xi = xi, ni = n1i, data = part)
    sign <- rep(1, nrow(part))
  }
  fit <- rma(yi = es$yi * sign, vi = es$vi, method = "REML", test = "z")
  pred <- predict(fit)
  # Rule S4: MSC sources, then products, compared when every subgroup has >= 2 effect sizes (one
  # tau^2, QM test); NA where not compared.
  qm <- function(column) {
    group <- ifelse(is.na(part[[column]]) | part[[column]] == "", "unspecified", part[[column]])
    sizes <- table(group)
    if (length(sizes) < 2 || any(sizes < 2)) return(c(NA, NA))
    sub <- rma(yi = es$yi * sign, vi = es$vi, mods = ~ factor(group), method = "REML", test = "z")
    c(sub$QM, sub$QMp)
  }
  by_source <- qm("msc_source")
  by_product <- qm("product")
  by_comparator <- qm("control_role")
  rows[[key]] <- data.frame(
    measure = measure, outcome = part$outcome[1], evidence_level = part$evidence_level[1], product_class = part$product_class[1],
    k = fit$k, estimate = as.numeric(fit$beta), se = fit$se, ci_lb = fit$ci.lb, ci_ub = fit$ci.ub,
    pi_lb = pred$pi.lb, pi_ub = pred$pi.ub, tau2 = fit$tau2, I2 = fit$I2,
    QM_msc_source = by_source[1], QM_pval_msc_source = by_source[2],
    QM_product = by_product[1], QM_pval_product = by_product[2],
    QM_control_role = by_comparator[1], QM_pval_control_role = by_comparator[2],
    R = paste(R.version$major, R.version$minor, sep = "."), metafor = as.character(packageVersion("metafor"))
  )
}
out <- if (length(rows)) do.call(rbind, rows) else data.frame()
write.csv(out, args[2], row.names = FALSE)
if (length(args) == 3) {
  tables <- dat[!is.na(dat$x2i) & dat$comparison == "between", ]
  groups <- paste(tables$outcome, tables$evidence_level, tables$product_class, sep = "|")
  compared <- list()
  for (key in unique(groups)) {
    part <- tables[groups == key, ]
    if (length(unique(part$study_id)) < 2) next
    fit <- suppressWarnings(rma.mh(ai = xi, n1i = n1i, ci = x2i, n2i = n2i, measure = "RD", data = part))
    compared[[key]] <- data.frame(
      outcome = part$outcome[1], evidence_level = part$evidence_level[1], product_class = part$product_class[1],
      k = fit$k, estimate = as.numeric(fit$beta), se = fit$se, ci_lb = fit$ci.lb, ci_ub = fit$ci.ub,
      pval = fit$pval, I2 = fit$I2, QE = fit$QE,
      R = paste(R.version$major, R.version$minor, sep = "."), metafor = as.character(packageVersion("metafor"))
    )
  }
  write.csv(if (length(compared)) do.call(rbind, compared) else data.frame(), args[3], row.names = FALSE)
}

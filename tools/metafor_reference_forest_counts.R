#!/usr/bin/env Rscript
# Reference fixtures for the forest plot of Mantel-Haenszel and Peto pooling in metafor 3.8-1 (Viechtbauer 2010,
# doi:10.18637/jss.v036.i03): what forest(res, showweights = TRUE) draws for rma.mh and rma.peto objects, which go
# through forest.rma. Its texts are captured as drawn (a tracer on graphics' text.default): the model label, the
# study labels and the annotations ("weight%   estimate [ci.lb, ci.ub]"), with atransf = exp where the case says so.
# forest.rma drops the tables whose yi/vi are NA (double-zero tables, which escalc's drop00 leaves undefined) under
# the default na.action "na.omit", and prints weights(res): for rma.mh the Mantel-Haenszel weights of every pooled
# table (metafor's weights.rma.mh), for rma.peto the hypergeometric variances (weights.rma.peto), in percent of all
# pooled tables, so the drawn weights need not sum to 100. The data: dat.bcg (Colditz et al. 1994), dat.hart1999 (IRR)
# and a sparse adverse-event set with zero and double-zero tables.
#
# Usage: Rscript tools/metafor_reference_forest_counts.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes forest_counts.json with the R, metafor and metadat versions that made it.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

drawn <- character(0)
invisible(trace(graphics:::text.default, tracer = quote(drawn <<- c(drawn, as.character(labels))), print = FALSE,
                where = asNamespace("graphics")))

cases <- list()
add_forest <- function(id, fun, data, options = list(), atransf = NULL) {
  res <- suppressWarnings(do.call(fun, c(data, options)))
  shown <- !is.na(res$yi.f) & !is.na(res$vi.f)
  k <- sum(shown)
  drawn <<- character(0)
  pdf(NULL)
  if (is.null(atransf)) forest(res, showweights = TRUE) else forest(res, showweights = TRUE, atransf = exp)
  invisible(dev.off())
  # forest draws the model label, then the study labels bottom-up, then the annotations bottom-up and the model's.
  labels <- rev(drawn[2:(k + 1)])
  annotations <- drawn[(k + 2):(2 * k + 2)]
  crit <- qnorm(0.975)
  yi <- res$yi.f[shown]
  vi <- res$vi.f[shown]
  cases[[length(cases) + 1]] <<- list(
    id = id, method = if (inherits(res, "rma.peto")) "PETO" else "MH", measure = res$measure,
    data = lapply(data, arr), options = options, atransf = atransf,
    weights = narr(weights(res)), rows = arr(which(shown)), yi = narr(yi), ci_lb = narr(yi - crit * sqrt(vi)),
    ci_ub = narr(yi + crit * sqrt(vi)), estimate = num(res$beta), ci_lb_pooled = num(res$ci.lb),
    ci_ub_pooled = num(res$ci.ub), Q = num(res$QE), Q_pval = num(res$QEp), I2 = num(res$I2),
    model_label = drawn[1], labels = arr(labels), annotations = arr(rev(annotations[1:k])),
    pooled_annotation = annotations[k + 1]
  )
}

bcg <- list(ai = dat.bcg$tpos, bi = dat.bcg$tneg, ci = dat.bcg$cpos, di = dat.bcg$cneg)
for (m in c("OR", "RR", "RD")) add_forest(paste0("bcg-MH-", m), rma.mh, bcg, list(measure = m))
add_forest("bcg-MH-OR-exp", rma.mh, bcg, list(measure = "OR"), atransf = "exp")
add_forest("bcg-MH-RR-exp", rma.mh, bcg, list(measure = "RR"), atransf = "exp")
add_forest("bcg-PETO", rma.peto, bcg)
add_forest("bcg-PETO-exp", rma.peto, bcg, atransf = "exp")
hart <- dat.hart1999
add_forest("hart1999-MH-IRR-exp", rma.mh, list(x1i = hart$x1i, t1i = hart$t1i, x2i = hart$x2i, t2i = hart$t2i),
           list(measure = "IRR"), atransf = "exp")
# Adverse events in two arms, rare: tables 1, 3 and 4 have no event in either arm (double-zero).
sparse <- list(ai = c(0, 1, 0, 0), n1i = c(17, 17, 111, 16), ci = c(0, 0, 0, 0), n2i = c(8, 8, 30, 4))
add_forest("sparse-MH-RD", rma.mh, sparse, list(measure = "RD"))
add_forest("sparse-PETO-exp", rma.peto, sparse, atransf = "exp")
write_cases("forest_counts.json", cases)

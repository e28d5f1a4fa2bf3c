#!/usr/bin/env Rscript
# Reference fixtures for GENQM, the median-unbiased generalised Q-statistic estimator of tau^2 (tau^2 at which
# Q_a, with the user's weights a_i, equals the median of its distribution; Jackson et al. 2014,
# doi:10.1186/1471-2288-14-103), computed by R's metafor (Viechtbauer 2010, doi:10.18637/jss.v036.i03):
# rma(yi, vi, weights = ..., [mods = ...,] method = "GENQM", test = ...), with and without a moderator, z and
# Knapp-Hartung tests, at metafor's default tol (what it prints) and at tol = 1e-12 (the root itself).
#
# metafor's GENQM needs the CRAN package CompQuadForm (Farebrother's algorithm for the distribution of the
# quadratic form), which Debian does not package: R CMD INSTALL tools/vendor/CompQuadForm_1.4.3.tar.gz first.
#
# Usage: Rscript tools/metafor_reference_genqm.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes genqm.json in the layout of estimators.json (tools/metafor_reference_estimators.R): the datasets (yi,
# vi, moderator matrix without the intercept, weights), then one case per fit. Data the other fixtures do not
# use: dat.mcdaniel1994 (Fisher's z of validity correlations, weights ni, ~ struct; the 145 studies with a
# structure), dat.linde2005 (log risk ratios of response, weights n1i + n2i, ~ duration; the trials with counts
# and a duration) and dat.lehmann2018 (SMDs, weights 1/vi, under which Q_a is the ordinary Q, ~ Preregistered).

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))
suppressPackageStartupMessages(library(CompQuadForm))

mat <- function(m) lapply(seq_len(nrow(m)), function(i) narr(m[i, ]))

mc <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.mcdaniel1994)
mc <- mc[!is.na(mc$struct), ]
linde <- escalc(measure = "RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.linde2005)
linde <- linde[!is.na(linde$yi) & !is.na(linde$duration), ]
lehmann <- dat.lehmann2018
datasets <- list(
  mcdaniel1994 = list(yi = as.numeric(mc$yi), vi = as.numeric(mc$vi),
                      mods = cbind(structu = as.numeric(mc$struct == "u")), weights = mc$ni),
  linde2005 = list(yi = as.numeric(linde$yi), vi = as.numeric(linde$vi), mods = cbind(duration = linde$duration),
                   weights = linde$n1i + linde$n2i),
  lehmann2018 = list(yi = lehmann$yi, vi = lehmann$vi,
                     mods = cbind(prereg = as.numeric(lehmann$Preregistered == "Pre-Registered")),
                     weights = 1 / lehmann$vi)
)

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case
for (name in names(datasets)) {
  d <- datasets[[name]]
  add(list(kind = "data", id = paste0("data-", name), yi = narr(d$yi), vi = narr(d$vi), mods = mat(d$mods),
           names = arr(colnames(d$mods)), weights = narr(d$weights)))
}
for (name in names(datasets)) {
  d <- datasets[[name]]
  for (tol in list(default = .Machine$double.eps^0.25, tight = 1e-12)) {
    for (mods in c(FALSE, TRUE)) {
      for (test in c("z", "knha")) {
        args <- list(yi = d$yi, vi = d$vi, weights = d$weights, method = "GENQM", test = test,
                     control = list(tol = tol))
        if (mods) args$mods <- d$mods
        res <- do.call(rma, args)
        add(c(list(
          kind = "rma", id = paste(name, if (tol == 1e-12) "tight" else "default", if (mods) "mods" else "intercept",
                                   test, sep = "-"),
          data = name, with_mods = mods, method = "GENQM", test = test, weighted = TRUE, tol = tol
        ), estimator_fields(res)))
      }
    }
  }
}
write_cases("genqm.json", cases)

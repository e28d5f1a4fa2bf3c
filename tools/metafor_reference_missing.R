#!/usr/bin/env Rscript
# Reference fixtures for studies with a missing value, computed by R's metafor (Viechtbauer 2010,
# doi:10.18637/jss.v036.i03): rma(yi, vi, [weights = ,] [mods = ,] method = , test = ) at metafor's default
# na.action = "na.omit", which leaves out every study with an NA in yi, vi, weights or a moderator and warns
# "Studies with NAs omitted from model fitting."; the two errors (na.action = "na.fail", and no study left, also
# of rma.mh).
#
# Usage: Rscript tools/metafor_reference_missing.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes missing.json: one case per fit with its data (NA as null), k, k.all, the 0-based positions left out
# (which(!res$not.na) - 1), metafor's warnings or error, and the fit's estimator_fields (tools/metafor_json.R);
# and the R, metafor and metadat versions that made it. The data: dat.bcg (log risk ratios) with NAs put in yi
# (trial 2), vi (trial 5), the moderator ablat (trial 7) and a weight (trial 3); dat.bangertdrowns2004, whose
# moderators length and feedback are missing for 3 studies as published; and rma.mv(yi, vi, random = ~ 1 |
# district/school) on dat.konstantopoulos2011 with NAs put in yi (row 3) and vi (row 10).
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg$yi[2] <- NA
bcg$vi[5] <- NA
bcg$ablat[7] <- NA
weights_na <- bcg$year - 1940
weights_na[3] <- NA
bd <- dat.bangertdrowns2004

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case

fit_case <- function(id, yi, vi, mods, weights, method, test) {
  args <- list(yi = yi, vi = vi, method = method, test = test)
  if (!is.null(mods)) args$mods <- as.matrix(as.data.frame(mods))
  if (!is.null(weights)) args$weights <- weights
  out <- attempt(do.call(rma, args))
  res <- out$res
  add(c(list(id = id, yi = narr(yi), vi = narr(vi), mods = if (is.null(mods)) NULL else lapply(mods, narr),
             user_weights = if (is.null(weights)) NULL else narr(weights), method = method, test = test,
             k = res$k, k_all = res$k.all, omitted = arr(as.integer(which(!res$not.na) - 1L)),
             warnings = arr(out$warnings)),
        estimator_fields(res)))
}

for (method in c("REML", "DL", "FE")) {
  for (test in c("z", "knha")) {
    fit_case(paste("bcg", method, test, sep = "-"), bcg$yi, bcg$vi, NULL, NULL, method, test)
    fit_case(paste("bcg-ablat", method, test, sep = "-"), bcg$yi, bcg$vi, list(ablat = bcg$ablat), NULL, method, test)
    fit_case(paste("bangertdrowns-length-feedback", method, test, sep = "-"), bd$yi, bd$vi,
             list(length = bd$length, feedback = bd$feedback), NULL, method, test)
  }
}
fit_case("bcg-weights-REML-z", bcg$yi, bcg$vi, NULL, weights_na, "REML", "z")
fit_case("bcg-ablat-weights-REML-z", bcg$yi, bcg$vi, list(ablat = bcg$ablat), weights_na, "REML", "z")
# A redundant moderator (twice ablat) too: metafor warns of the NAs first, then drops it.
fit_case("bcg-ablat-redundant-REML-z", bcg$yi, bcg$vi, list(ablat = bcg$ablat, ablat2 = 2 * bcg$ablat), NULL,
         "REML", "z")

# rma.mv: dat.konstantopoulos2011 with NAs in yi (row 3) and vi (row 10), ~ 1 | district/school; it warns "Rows with
# NAs omitted from model fitting." (rma.uni says "Studies").
kon <- dat.konstantopoulos2011
kon$yi[3] <- NA
kon$vi[10] <- NA
for (method in c("REML", "ML")) {
  out <- attempt(rma.mv(yi, vi, random = ~ 1 | district/school, data = kon, method = method))
  add(list(id = paste("konstantopoulos2011-mv", method, sep = "-"), kind = "rma.mv", yi = narr(kon$yi),
           vi = narr(kon$vi), district = arr(as.character(kon$district)), method = method, k = out$res$k,
           omitted = arr(as.integer(which(!out$res$not.na) - 1L)), warnings = arr(out$warnings),
           sigma2 = narr(out$res$sigma2), beta = narr(out$res$beta), se = narr(out$res$se)))
}

refusal <- function(id, yi, vi) {
  out <- attempt(rma(yi, vi))
  add(list(id = id, yi = narr(yi), vi = narr(vi), error = conditionMessage(out$res), warnings = arr(out$warnings)))
}
refusal("none-left", c(NA, 0.4, 0.2), c(0.01, NA, NA))
out <- attempt(rma.mh(measure = "OR", ai = NA_real_, bi = 5, ci = 3, di = 7))
add(list(id = "mh-none-left", ai = narr(NA_real_), bi = narr(5), ci = narr(3), di = narr(7),
         error = conditionMessage(out$res), warnings = arr(out$warnings)))
old <- options(na.action = "na.fail")
refusal("na-fail", bcg$yi, bcg$vi)
options(old)

write_cases("missing.json", cases)

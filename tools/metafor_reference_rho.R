#!/usr/bin/env Rscript
# Reference fixtures for rma.mv with a sampling covariance V that is not positive definite, computed by R's metafor
# (Viechtbauer 2010, doi:10.18637/jss.v036.i03): V from vcalc(vi, cluster = district, obs = school, rho) with
# rho = 1, -1 and 0.999 on the first 30 rows of dat.konstantopoulos2011 (random = ~ 1 | district/school) and on
# dat.bcg's log risk ratios clustered by latitude, every trial its own observation (random = ~ 1 | ablat/trial),
# REML and ML. With rho = 1 V is singular and metafor fits with a warning; with rho = -1 V is indefinite in
# clusters of more than 2 (konstantopoulos: metafor stops) and singular in clusters of 2 (bcg: it fits).
# Each case records what metafor gives (values and warnings) or the error it stops with.
#
# Usage: Rscript tools/metafor_reference_rho.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes mv_rho.json with the R, metafor and metadat versions that made it.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

kon <- dat.konstantopoulos2011[1:30, ]
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
sets <- list(
  konstantopoulos30 = data.frame(yi = kon$yi, vi = kon$vi, cluster = kon$district, obs = kon$school),
  # Every trial its own observation within its latitude (secretome meta --cluster ablat --rho R).
  bcg = data.frame(yi = as.numeric(bcg$yi), vi = bcg$vi, cluster = bcg$ablat, obs = seq_len(nrow(bcg)))
)
cases <- list()
for (name in names(sets)) {
  dat <- sets[[name]]
  for (rho in c(1, -1, 0.999)) {
    V <- suppressWarnings(vcalc(vi, cluster = cluster, obs = obs, rho = rho, data = dat))
    for (method in c("REML", "ML")) {
      out <- attempt(rma.mv(yi, V, random = ~ 1 | cluster / obs, data = dat, method = method))
      case <- list(id = paste(name, rho, method, sep = "-"), data = name, rho = rho, method = method,
                   yi = narr(dat$yi), vi = narr(dat$vi), cluster = narr(dat$cluster), obs = narr(dat$obs))
      fit <- if (inherits(out$res, "error")) list(error = conditionMessage(out$res)) else
        list(estimate = num(out$res$b), se = num(out$res$se), sigma2 = narr(out$res$sigma2),
             loglik = num(logLik(out$res)), QE = num(out$res$QE))
      cases[[length(cases) + 1]] <- c(case, fit, list(warnings = arr(out$warnings)))
    }
  }
}
write_cases("mv_rho.json", cases)

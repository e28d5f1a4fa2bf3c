#!/usr/bin/env Rscript
# Reference fixtures for secretome.meta's influence diagnostics of meta-regressions (models with moderators),
# computed by R's metafor (Viechtbauer 2010, doi:10.18637/jss.v036.i03; Viechtbauer & Cheung 2010,
# doi:10.1002/jrsm.11).
#
# Usage: Rscript tools/metafor_reference_influence_mods.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes influence_mods.json: influence(rma(yi, vi, mods = X, method=, test=)) on dat.viechtbauer2021 (log odds
# ratios; dose as a number, and as a factor, where leaving out the only study at a dose makes a coefficient
# inestimable and metafor's row NA; those studies are listed) and dat.laopaiboon2015 (log risk ratios; age
# group and diagnosis). metafor 3.8-1's leave1out() and cumul() stop for models with moderators: their messages
# are kept too. Each file records the R, metafor and metadat versions.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

vb <- escalc(measure = "OR", ai = xTi, n1i = nTi, ci = xCi, n2i = nCi, data = dat.viechtbauer2021)
lao <- escalc(measure = "RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.laopaiboon2015)
designs <- list(
  viechtbauer2021_dose = list(yi = vb$yi, vi = vb$vi, X = model.matrix(~ dose, data = vb)),
  viechtbauer2021_dose_factor = list(yi = vb$yi, vi = vb$vi, X = model.matrix(~ factor(dose), data = vb)),
  laopaiboon2015_age_diag = list(yi = lao$yi, vi = lao$vi, X = model.matrix(~ age + diag.ab, data = lao))
)

rows <- function(X) lapply(seq_len(nrow(X)), function(i) narr(X[i, ]))

cases <- list()
for (spec in list(list(data = "viechtbauer2021_dose", method = "REML", test = "z"),
                  list(data = "viechtbauer2021_dose", method = "REML", test = "knha"),
                  list(data = "viechtbauer2021_dose", method = "DL", test = "z"),
                  list(data = "viechtbauer2021_dose", method = "DL", test = "knha"),
                  list(data = "viechtbauer2021_dose", method = "FE", test = "z"),
                  list(data = "viechtbauer2021_dose_factor", method = "REML", test = "z"),
                  list(data = "laopaiboon2015_age_diag", method = "REML", test = "z"),
                  list(data = "laopaiboon2015_age_diag", method = "ML", test = "knha"),
                  list(data = "laopaiboon2015_age_diag", method = "DL", test = "z"))) {
  d <- designs[[spec$data]]
  X <- d$X
  mods <- X[, -1, drop = FALSE]
  res <- rma(as.numeric(d$yi), as.numeric(d$vi), mods = mods, method = spec$method, test = spec$test)
  inf <- influence(res)
  # The refits without each study in which a coefficient is inestimable (metafor's coef.na): NA rows.
  inestimable <- which(vapply(seq_len(res$k), function(i) {
    any(suppressWarnings(rma(as.numeric(d$yi), as.numeric(d$vi), mods = mods, method = spec$method,
                             test = spec$test, subset = -i))$coef.na)
  }, logical(1)))
  cases[[length(cases) + 1]] <- list(
    id = paste(spec$data, spec$method, spec$test, sep = "-"), method = spec$method, test = spec$test,
    yi = narr(d$yi), vi = narr(d$vi), mods = rows(mods), coef_names = arr(colnames(X)),
    rstudent = narr(inf$inf$rstudent), dffits = narr(inf$inf$dffits), cook_d = narr(inf$inf$cook.d),
    cov_r = narr(inf$inf$cov.r), tau2_del = narr(inf$inf$tau2.del), QE_del = narr(inf$inf$QE.del),
    hat = narr(inf$inf$hat), weight = narr(inf$inf$weight),
    dfbetas = lapply(seq_len(ncol(X)), function(j) narr(inf$dfbs[[j]])),
    influential = arr(as.logical(inf$is.infl)), inestimable = arr(as.integer(inestimable)),
    leave1out_error = conditionMessage(attempt(leave1out(res))$res),
    cumul_error = conditionMessage(attempt(cumul(res))$res)
  )
}
write_cases("influence_mods.json", cases)

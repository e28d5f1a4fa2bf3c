#!/usr/bin/env Rscript
# Reference fixtures for metafor's warning that the ratio of the largest to the smallest sampling variance is
# extremely large (Viechtbauer 2010, doi:10.18637/jss.v036.i03). metafor 3.8-1 warns "Ratio of largest to smallest
# sampling variance extremely large. May not be able to obtain stable results." in rma.uni when
# max(vi)/min(vi) >= 1/evtol (control evtol, default 1e-7) and in rma.mv when it is >= 1e7, unless the ratio is NaN
# or infinite (a variance of 0); vi is taken after rows with a missing value are left out and negative variances are
# set to 0. The data: six constructed studies whose variances are exact binary fractions, so that the ratio is
# exactly 2^24, 1e7 (the boundary), 9999999 or 2^22; one with a variance of 0, one negative, and one whose extreme
# variance sits in a row with a missing effect size. Each case records the fit's tau^2 (sigma^2), coefficients and
# warnings; two fit rma.uni with control evtol = 1e-5 and 1e-8; one records the warnings of trimfill and selmodel.
#
# Usage: Rscript tools/metafor_reference_vi_ratio.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes vi_ratio.json with the R, metafor and metadat versions that made it.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

yi <- c(0.10, 0.32, -0.15, 0.48, 0.26, 0.05)
xi <- c(1, 3, 2, 5, 4, 6)
study <- c(1, 1, 2, 2, 3, 3)
variances <- list(
  ratio_2p24 = c(2^-20, 0.25, 0.5, 1, 2, 16),
  ratio_1e7 = c(0.125, 0.25, 0.5, 0.25, 0.125, 1250000),
  ratio_9999999 = c(0.125, 0.25, 0.5, 0.25, 0.125, 1249999.875),
  ratio_2p22 = c(2^-19, 0.25, 0.5, 1, 2, 8),
  zero = c(0, 0.25, 0.5, 1, 2, 16),
  negative = c(-0.01, 0.25, 0.5, 1, 2, 16),
  missing_row = c(2^-20, 0.25, 0.5, 1, 2, 16)
)

# control evtol moves rma.uni's limit 1/evtol: 2^22 is then above 1e5, 2^24 below 1e8.
evtol <- list(ratio_2p22 = 1e-5, ratio_2p24 = 1e-8)

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case
for (name in names(variances)) {
  vi <- variances[[name]]
  y <- yi
  if (name == "missing_row") y[1] <- NA
  fits <- list(
    uni = attempt(rma(y, vi, method = "REML")),
    uni_DL_mods = attempt(rma(y, vi, mods = ~ xi, method = "DL")),
    mv = if (name %in% c("zero", "negative")) NULL else attempt(rma.mv(y, vi, random = ~ 1 | study)),
    uni_evtol = if (name %in% names(evtol)) attempt(rma(y, vi, method = "REML", control = list(evtol = evtol[[name]])))
  )
  for (model in names(fits)) {
    out <- fits[[model]]
    if (is.null(out)) next
    res <- out$res
    record <- list(id = paste(name, model, sep = "-"), model = model, yi = narr(y), vi = narr(vi), xi = narr(xi),
                   study = narr(study))
    if (model == "uni_evtol") record$evtol <- evtol[[name]]
    if (inherits(res, "error")) {
      record$error <- conditionMessage(res)
    } else {
      record$beta <- narr(res$beta)
      record$tau2 <- num(if (model == "mv") res$sigma2 else res$tau2)
    }
    record$warnings <- arr(out$warnings)
    add(record)
  }
}

# The analyses that refit a model under suppressWarnings (trimfill, selmodel): only the model itself warns.
vi <- variances$ratio_2p24
full <- attempt(rma(yi, vi, method = "REML"))
add(list(id = "ratio_2p24-analyses", model = "analyses", yi = narr(yi), vi = narr(vi),
         warnings = arr(full$warnings), trimfill = arr(attempt(trimfill(full$res))$warnings),
         selmodel_beta = arr(attempt(selmodel(full$res, type = "beta"))$warnings)))

write_cases("vi_ratio.json", cases)

# Shared by the tools/metafor_reference*.R scripts: metafor and metadat, the output folder (the first
# argument, default tests/fixtures/metafor), the versions record, a minimal JSON writer and attempt(), which
# keeps a fit's result or error and its warnings. JSON is
# written by hand (jsonlite is not a dependency): numbers with sprintf("%.17g") so they round-trip
# exactly; NA, NaN and Inf as null.

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
})

args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else file.path("tests", "fixtures", "metafor")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)

versions <- list(
  R = paste(R.version$major, R.version$minor, sep = "."),
  metafor = packageDescription("metafor")$Version,
  metadat = packageDescription("metadat")$Version
)

# ---- a minimal JSON writer -------------------------------------------------------------------
# Length-1 atomic vectors become scalars; use arr() for a JSON array, list(name = ...) for objects.

arr <- function(x) as.list(x)
num <- function(x) if (is.null(x)) NULL else as.numeric(x)
narr <- function(x) arr(as.numeric(x))

# The fields of an rma.uni fit that the estimator fixtures (estimators, estimators_more, genqm) record, in their
# order, so that every script writes the same record.
estimator_fields <- function(res) {
  list(
    tau2 = num(res$tau2), se_tau2 = num(res$se.tau2), beta = narr(res$beta), se = narr(res$se),
    zval = narr(res$zval), pval = narr(res$pval), ci_lb = narr(res$ci.lb), ci_ub = narr(res$ci.ub),
    QE = num(res$QE), QEp = num(res$QEp), QM = num(res$QM), QMp = num(res$QMp), I2 = num(res$I2),
    H2 = num(res$H2), R2 = num(res$R2), weights = narr(weights(res)),
    pi_lb = num(predict(res)$pi.lb[1]), pi_ub = num(predict(res)$pi.ub[1]),
    resid_se = narr(rstandard(res)$se)
  )
}

# Runs one fit and keeps what happened: the result, or metafor's error, and any warnings.
attempt <- function(expr) {
  warns <- character(0)
  res <- withCallingHandlers(
    tryCatch(expr, error = function(e) e),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  list(res = res, warnings = warns)
}

json_atom <- function(x) {
  if (is.null(x) || length(x) == 0) return("null")
  if (is.factor(x)) x <- as.character(x)
  if (is.character(x)) {
    if (is.na(x)) return("null")
    x <- gsub("\\\\", "\\\\\\\\", x)
    x <- gsub("\"", "\\\\\"", x)
    x <- gsub("\n", "\\n", x, fixed = TRUE)  # metafor writes some warnings over two lines
    return(paste0("\"", x, "\""))
  }
  if (is.logical(x)) return(if (is.na(x)) "null" else if (x) "true" else "false")
  if (!is.finite(x)) return("null")
  if (is.integer(x)) return(sprintf("%d", x))
  sprintf("%.17g", x)
}

to_json <- function(x) {
  if (is.list(x)) {
    inner <- vapply(x, to_json, character(1), USE.NAMES = FALSE)
    if (!is.null(names(x))) {
      return(paste0("{", paste0("\"", names(x), "\": ", inner, collapse = ", "), "}"))
    }
    return(paste0("[", paste(inner, collapse = ", "), "]"))
  }
  if (length(x) > 1) stop("vector of length > 1 without arr(): ", deparse(x))
  json_atom(unname(x))
}

write_cases <- function(name, cases) {
  # One case per line: reviewable in diffs.
  body <- paste0("  ", vapply(cases, to_json, character(1)), collapse = ",\n")
  text <- paste0("{\"versions\": ", to_json(versions), ",\n \"cases\": [\n", body, "\n]}\n")
  writeLines(text, file.path(outdir, name), sep = "")
}

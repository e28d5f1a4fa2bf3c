#!/usr/bin/env Rscript
# Runs several tools/metafor_reference*.R scripts in one R session, each as if it were run alone.
#
# Usage: Rscript tools/metafor_reference_all.R OUTDIR SCRIPT...
#
# tests/meta/test_metafor_reference.py reruns every reference script and compares what it writes with the
# committed fixtures. Started one Rscript each, R and metafor load once per script (about a second of CPU each);
# here they load once. Each script sees the command line it would have alone (its own --file= and OUTDIR, through
# commandArgs) and a clean session: the objects, random seed, options and attached packages that the previous
# script left are removed first. After each script, OUTDIR/<script name>.done says "ok" or the script's error,
# so one failing script fails only its own test.

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
})

.runner <- list(args = commandArgs(trailingOnly = TRUE), search = search(), options = options())
.runner$outdir <- .runner$args[1]
dir.create(.runner$outdir, showWarnings = FALSE, recursive = TRUE)

for (.script in .runner$args[-1]) {
  commandArgs <- function(trailingOnly = FALSE) {
    if (trailingOnly) .runner$outdir else c("R", "--no-echo", "--no-restore", paste0("--file=", .script), "--args",
                                            .runner$outdir)
  }
  .status <- tryCatch({
    source(.script, local = globalenv())
    "ok"
  }, error = function(e) paste("error:", conditionMessage(e)))
  # Written aside and renamed, so that a reader never sees a half-written status.
  writeLines(.status, file.path(.runner$outdir, ".status"))
  file.rename(file.path(.runner$outdir, ".status"), file.path(.runner$outdir, paste0(basename(.script), ".done")))
  for (.package in setdiff(search(), .runner$search)) detach(.package, character.only = TRUE)
  options(.runner$options)
  rm(list = setdiff(ls(globalenv(), all.names = TRUE), c(".runner", ".script")), envir = globalenv())
}

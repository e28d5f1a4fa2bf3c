# Write examples/data.csv, the meta-analysis table of the README tour, from metafor's data.
#
#   Rscript tools/make_examples.R [examples]
#
# The table is dat.curtis1998 of the metadat package: 102 experiments on the growth of woody plants
# under elevated CO2 (Curtis PS, Wang X (1998). A meta-analysis of elevated CO2 effects on woody plant
# mass, form, and physiology. Oecologia 113:299-313. https://doi.org/10.1007/s004420050381), chosen
# because it has per-arm means, SDs and sizes, a grouping (fungrp: angiosperm, gymnosperm, N2-fixer)
# and a numeric moderator (time, days of exposure). yi and vi are metafor's standardised mean
# differences (escalc(measure = "SMD")); the other columns are the data set's own.
suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
})
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "examples"
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
d <- dat.curtis1998
es <- escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = d)
out <- data.frame(
  study = paste0("paper ", d$paper, " (id ", d$id, ")"),
  genus = d$genus, species = d$species, fungrp = d$fungrp, time = d$time,
  m1 = d$m1i, sd1 = d$sd1i, n1 = d$n1i, m2 = d$m2i, sd2 = d$sd2i, n2 = d$n2i,
  yi = sprintf("%.10g", es$yi), vi = sprintf("%.10g", es$vi)
)
write.csv(out, file.path(outdir, "data.csv"), row.names = FALSE, quote = TRUE)
cat(sprintf("metafor %s, metadat %s: %d rows\n", packageDescription("metafor")$Version,
            packageDescription("metadat")$Version, nrow(out)))

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

# examples/pvalues.csv: the same comparisons as a paper that prints only p-values would report them.
# dat.normand1999 (Normand SL (1999). Stat Med 18:321-359, https://doi.org/10.1002/(SICI)1097-0258(19990215)18:3<321::AID-SIM28>3.0.CO;2-P):
# length of hospital stay, specialist vs routine care. p is the two-sided pooled-variance t-test computed
# here from the published means, SDs and sizes (a derived illustration, not a number from the papers);
# dir is +1 where the first group's mean is higher; the first row below 0.01 prints its p as a bound, "<0.01".
nd <- dat.normand1999
sp <- sqrt(((nd$n1i - 1) * nd$sd1i^2 + (nd$n2i - 1) * nd$sd2i^2) / (nd$n1i + nd$n2i - 2))
tval <- (nd$m1i - nd$m2i) / (sp * sqrt(1 / nd$n1i + 1 / nd$n2i))
pnum <- 2 * pt(-abs(tval), nd$n1i + nd$n2i - 2)
p <- sprintf("%.4g", pnum)
p[which(pnum < 0.01)[1]] <- "<0.01"
write.csv(data.frame(study = nd$source, n1 = nd$n1i, n2 = nd$n2i, n = nd$n1i + nd$n2i, p = p,
                     dir = ifelse(tval >= 0, 1, -1)),
          file.path(outdir, "pvalues.csv"), row.names = FALSE, quote = TRUE)

# examples/events.csv: dat.bcg (Colditz GA et al. (1994). JAMA 271:698-702), tuberculosis cases among
# vaccinated (t) and unvaccinated (c) people, as events and group sizes.
write.csv(data.frame(study = paste(dat.bcg$author, dat.bcg$year), ev_t = dat.bcg$tpos,
                     n_t = dat.bcg$tpos + dat.bcg$tneg, ev_c = dat.bcg$cpos, n_c = dat.bcg$cpos + dat.bcg$cneg),
          file.path(outdir, "events.csv"), row.names = FALSE, quote = TRUE)

# examples/multilevel.csv: dat.konstantopoulos2011 (Konstantopoulos S (2011). Res Synth Methods 2:61-76),
# effects of modified school calendars, schools nested in districts, with metafor's yi and vi.
write.csv(dat.konstantopoulos2011[, c("district", "school", "study", "year", "yi", "vi")],
          file.path(outdir, "multilevel.csv"), row.names = FALSE, quote = TRUE)

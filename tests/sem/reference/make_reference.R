# Reference values for llmvalues.sem, computed once with R and committed.
# Run from the repository root:
#   Rscript tests/sem/reference/make_reference.R
# Versions used: R lavaan 0.6.14, psych 2.2.9, GPArotation (Debian r-cran-* packages).
# Data: lavaan::HolzingerSwineford1939 and psych::bfi (public data shipped with GPL R
# packages), plus a simulated ordinal data set (seed below) written here as CSV.
suppressPackageStartupMessages({
  library(lavaan); library(psych); library(GPArotation); library(jsonlite)
})
out_dir <- "tests/sem/reference"
ref <- list(versions = list(lavaan = as.character(packageVersion("lavaan")),
                            psych = as.character(packageVersion("psych")),
                            GPArotation = as.character(packageVersion("GPArotation")),
                            R = R.version.string))

fm_keys <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
             "rmsea.ci.upper", "srmr", "baseline.chisq", "baseline.df")
fit_list <- function(fit, keys = fm_keys) as.list(fitMeasures(fit, keys))
std_loadings <- function(fit) {
  s <- standardizedSolution(fit)
  s <- s[s$op == "=~", ]
  grp <- if ("group" %in% names(s)) s$group else rep(1L, nrow(s))
  data.frame(group = grp, factor = s$lhs, item = s$rhs, value = s$est.std,
             stringsAsFactors = FALSE)
}
params <- function(fit) {
  p <- parameterEstimates(fit)
  grp <- if ("group" %in% names(p)) p$group else rep(1L, nrow(p))
  data.frame(group = grp, lhs = p$lhs, op = p$op, rhs = p$rhs, est = p$est, se = p$se,
             stringsAsFactors = FALSE)
}

# ---- 1. continuous CFA: Holzinger-Swineford ------------------------------------------
hs <- HolzingerSwineford1939
write.csv(hs[, c("id", "sex", "school", paste0("x", 1:9))],
          file.path(out_dir, "holzinger_swineford_1939.csv"), row.names = FALSE)
hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
fit <- cfa(hs_model, data = hs)
mi <- modindices(fit, sort. = TRUE)
ref$hs_cfa <- list(model = hs_model, fit = fit_list(fit), loadings = std_loadings(fit),
                   params = params(fit),
                   modindices = head(data.frame(lhs = mi$lhs, op = mi$op, rhs = mi$rhs,
                                                mi = mi$mi, epc = mi$epc), 10),
                   residual_cor = unclass(residuals(fit, type = "cor")$cov))

# a model with a residual covariance and a fixed loading syntax
hs_model2 <- paste0(hs_model, "\nx7 ~~ x8")
fit2 <- cfa(hs_model2, data = hs)
ref$hs_cfa_rescov <- list(model = hs_model2, fit = fit_list(fit2),
                          loadings = std_loadings(fit2))

# fixed factor variances instead of marker loadings (std.lv-style syntax), orthogonal factors
hs_model3 <- paste0("visual =~ NA*x1 + x2 + x3\ntextual =~ NA*x4 + x5 + x6\n",
                    "visual ~~ 1*visual\ntextual ~~ 1*textual\nvisual ~~ 0*textual")
fit3 <- cfa(hs_model3, data = hs)
ref$hs_cfa_stdlv <- list(model = hs_model3, fit = fit_list(fit3), loadings = std_loadings(fit3),
                         params = params(fit3))

# ---- 2. invariance across schools ------------------------------------------------------
inv <- list()
levels <- list(configural = "none", metric = c("loadings"),
               scalar = c("loadings", "intercepts"),
               strict = c("loadings", "intercepts", "residuals"))
for (lv in names(levels)) {
  f <- cfa(hs_model, data = hs, group = "school", group.equal = levels[[lv]])
  inv[[lv]] <- list(fit = fit_list(f), loadings = std_loadings(f))
}
ref$hs_invariance <- list(model = hs_model, group = "school", groups = levels(factor(hs$school)),
                          models = inv)

# ---- 3. ordinal: simulated data, WLSMV ---------------------------------------------------
set.seed(20261123)
n <- 1500
phi <- 0.4
eta <- MASS::mvrnorm(n, c(0, 0), matrix(c(1, phi, phi, 1), 2))
lam <- c(0.8, 0.7, 0.6, 0.75, 0.5, 0.7, 0.65, 0.8, 0.55, 0.6)
fac <- c(1, 1, 1, 1, 1, 2, 2, 2, 2, 2)
cuts <- list(c(-1.5, -0.5, 0.5, 1.5), c(-1, 0, 1), c(-0.5, 0.8), c(-2, -1, 0, 1, 2),
             c(0), c(-1.2, 0.3, 1.1), c(-0.8, 0.8), c(-1.5, -0.3, 0.6, 1.8),
             c(-0.2, 0.9, 2.4), c(-1, 1))
ord <- sapply(1:10, function(j) {
  ystar <- lam[j] * eta[, fac[j]] + sqrt(1 - lam[j]^2) * rnorm(n)
  findInterval(ystar, cuts[[j]]) + 1L
})
colnames(ord) <- paste0("y", 1:10)
ord <- as.data.frame(ord)
ord$grp <- rep(c("a", "b"), length.out = n)
write.csv(ord, file.path(out_dir, "ordinal_sim.csv"), row.names = FALSE)
items <- paste0("y", 1:10)
ord_model <- "f1 =~ y1 + y2 + y3 + y4 + y5\nf2 =~ y6 + y7 + y8 + y9 + y10"
fo <- cfa(ord_model, data = ord[, items], ordered = items, estimator = "WLSMV")
ord_keys <- c(fm_keys, "chisq.scaled", "df.scaled", "pvalue.scaled", "cfi.scaled",
              "tli.scaled", "rmsea.scaled", "baseline.chisq.scaled")
pc <- lavCor(ord[, items], ordered = items, output = "cor")
th <- lavCor(ord[, items], ordered = items, output = "th")
wv <- diag(lavInspect(fo, "wls.v"))
ref$ordinal <- list(model = ord_model, fit = fit_list(fo, ord_keys),
                    loadings = std_loadings(fo), polychoric = unclass(pc),
                    thresholds = as.numeric(th), threshold_names = names(th),
                    wls_v_diag = as.numeric(wv))
# a misspecified one-factor model on the same data (non-trivial misfit)
ord_model1 <- "g =~ y1 + y2 + y3 + y4 + y5 + y6 + y7 + y8 + y9 + y10"
fo1 <- cfa(ord_model1, data = ord[, items], ordered = items, estimator = "WLSMV")
ref$ordinal_1f <- list(model = ord_model1, fit = fit_list(fo1, ord_keys),
                       loadings = std_loadings(fo1))
# ordinal model with a residual covariance
ord_model_rc <- paste0(ord_model, "\ny1 ~~ y4")
fo_rc <- cfa(ord_model_rc, data = ord[, items], ordered = items, estimator = "WLSMV")
ref$ordinal_rescov <- list(model = ord_model_rc, fit = fit_list(fo_rc, ord_keys),
                           loadings = std_loadings(fo_rc))

# ordinal invariance across the two simulated halves (random split: invariance holds)
ord_inv <- list()
for (lv in c("configural", "metric", "scalar")) {
  ge <- switch(lv, configural = "none", metric = "loadings",
               scalar = c("loadings", "thresholds"))
  f <- cfa(ord_model, data = ord, ordered = items, estimator = "WLSMV", group = "grp",
           group.equal = ge)
  ord_inv[[lv]] <- list(fit = fit_list(f, ord_keys), loadings = std_loadings(f))
}
ord_conf <- cfa(ord_model, data = ord, ordered = items, estimator = "WLSMV", group = "grp")
ord_met <- cfa(ord_model, data = ord, ordered = items, estimator = "WLSMV", group = "grp",
               group.equal = "loadings")
lrt <- lavTestLRT(ord_conf, ord_met)  # method satorra.2000, scaled.shifted
ord_inv$lrt_metric <- list(chisq_diff = lrt[2, "Chisq diff"], df_diff = lrt[2, "Df diff"],
                           p = lrt[2, "Pr(>Chisq)"])
ref$ordinal_invariance <- list(model = ord_model, group = "grp", models = ord_inv)
hs_conf <- cfa(hs_model, data = hs, group = "school")
hs_met <- cfa(hs_model, data = hs, group = "school", group.equal = "loadings")
l2 <- lavTestLRT(hs_conf, hs_met)
ref$hs_invariance$lrt_metric <- list(chisq_diff = l2[2, "Chisq diff"], df_diff = l2[2, "Df diff"],
                                     p = l2[2, "Pr(>Chisq)"])
# psych polychoric (global thresholds, its own zero-cell correction) for comparison
ref$ordinal$psych_polychoric <- unclass(polychoric(ord[, items])$rho)

# ---- 4. reliability and EFA: psych ---------------------------------------------------------
hsx <- hs[, paste0("x", 1:9)]
a <- psych::alpha(hsx)
ref$alpha_hs <- list(raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha,
                     feldt = as.list(a$feldt$lower.ci), ci = as.numeric(unlist(a$feldt)),
                     r_drop = as.numeric(a$item.stats$r.drop),
                     alpha_drop = as.numeric(a$alpha.drop$raw_alpha))
om <- psych::omega(hsx, nfactors = 3, plot = FALSE)
ref$omega_hs <- list(omega_h = om$omega_h, omega_t = om$omega.tot, alpha = om$alpha,
                     schmid = unclass(om$schmid$sl))

bfi25 <- psych::bfi[, 1:25]
write.csv(bfi25, file.path(out_dir, "bfi.csv"), row.names = FALSE)
efa_out <- list()
for (fm in c("minres", "ml", "pa")) {
  for (rot in c("oblimin", "varimax", "promax")) {
    f <- psych::fa(bfi25, nfactors = 5, fm = fm, rotate = rot, use = "pairwise")
    efa_out[[paste(fm, rot, sep = "_")]] <- list(loadings = unclass(f$loadings),
                                                 communality = as.numeric(f$communality),
                                                 phi = if (is.null(f$Phi)) NULL else unclass(f$Phi))
  }
}
pr <- psych::principal(bfi25, nfactors = 5, rotate = "varimax")
efa_out$principal_varimax <- list(loadings = unclass(pr$loadings),
                                  communality = as.numeric(pr$communality))
ref$efa_bfi <- efa_out
bfi_cc <- na.omit(bfi25)
ref$bfi_kmo <- list(msa = psych::KMO(bfi25)$MSA, msai = as.numeric(psych::KMO(bfi25)$MSAi))
b <- psych::cortest.bartlett(cor(bfi_cc), n = nrow(bfi_cc))
ref$bfi_bartlett <- list(chisq = b$chisq, df = b$df, p = b$p.value, n = nrow(bfi_cc))
a5 <- psych::alpha(bfi25[, c("C1", "C2", "C3")])
ref$alpha_bfi_c <- list(raw_alpha = a5$total$raw_alpha, n_obs = a5$total$n.obs)

writeLines(toJSON(ref, digits = NA, auto_unbox = TRUE, pretty = TRUE, null = "null"),
           file.path(out_dir, "reference.json"))
cat("wrote", file.path(out_dir, "reference.json"), "\n")

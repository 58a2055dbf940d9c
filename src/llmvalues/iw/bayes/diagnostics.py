"""MCMC health of a hierarchical map fit: R-hat, bulk/tail ESS, divergences, BFMI, advice."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from llmvalues.iw.bayes import inference_data as infdata

RHAT_MAX = 1.01
ESS_PER_CHAIN = 100  # Vehtari et al. (2021): bulk and tail ESS ≥ 100 per chain
BFMI_MIN = 0.3
FREE = (
    "location",
    "cut_gap",
    "variant_scale",
    "variant_z",
    "interaction_scale",
    "interaction_z",
    "interaction",
)
ADVICE = (
    "refit with more draws and tune (e.g. draws=2000, tune=2000), more chains, or "
    "target_accept=0.95; items whose answers never vary lean on the prior (see docs)"
)


@dataclass
class Diagnostics:
    """Convergence table per variable plus sampler health, and what to do when it is bad."""

    table: pd.DataFrame  # index variable: size, r_hat_max, ess_bulk_min, ess_tail_min
    divergences: int
    draws: int
    chains: int
    bfmi: list[float] = field(default_factory=list)
    max_treedepth_share: float = 0.0

    @classmethod
    def from_idata(cls, idata) -> Diagnostics:
        """Compute every check on the free parameters and on the map positions."""
        names = [n for n in (*FREE, "position") if infdata.has_variable(idata, n)]
        health = infdata.sampler_health(idata)
        return cls(
            table=infdata.convergence_table(idata, names),
            divergences=int(health["divergences"]),
            draws=int(health["draws"]),
            chains=int(idata.posterior.sizes["chain"]),
            bfmi=list(health["bfmi"]),
            max_treedepth_share=float(health.get("max_treedepth_share", 0.0)),
        )

    @property
    def ess_min(self) -> float:
        return ESS_PER_CHAIN * self.chains

    def problems(self) -> list[str]:
        """One message per failed check, each with the remedy."""
        out = []
        t = self.table
        bad_rhat = t.index[t["r_hat_max"] > RHAT_MAX].tolist()
        if bad_rhat:
            worst = float(t["r_hat_max"].max())
            out.append(
                f"R-hat up to {worst:.3f} > {RHAT_MAX} for {bad_rhat}: chains disagree; {ADVICE}"
            )
        low = t.index[(t[["ess_bulk_min", "ess_tail_min"]].min(axis=1) < self.ess_min)].tolist()
        if low:
            worst = float(t[["ess_bulk_min", "ess_tail_min"]].min().min())
            out.append(
                f"effective sample size down to {worst:.0f} (< {self.ess_min:.0f}) for {low}: "
                f"intervals are noisy; {ADVICE}"
            )
        if self.divergences:
            out.append(
                f"{self.divergences} divergent transitions of {self.draws}: the posterior may be "
                "biased; raise target_accept (0.95-0.99) or tighten the variance priors"
            )
        low_bfmi = [round(b, 2) for b in self.bfmi if b < BFMI_MIN]
        if low_bfmi:
            out.append(
                f"low energy BFMI {low_bfmi} (< {BFMI_MIN}): the sampler explores the variance "
                f"parameters poorly; {ADVICE}"
            )
        if self.max_treedepth_share > 0.01:
            out.append(
                f"{self.max_treedepth_share:.0%} of draws hit the maximum tree depth: the "
                "sampler is inefficient; longer tuning or stronger priors help"
            )
        return out

    @property
    def ok(self) -> bool:
        return not self.problems()

    def to_frame(self) -> pd.DataFrame:
        """The per-variable table with the thresholds as columns to compare against."""
        out = self.table.copy()
        out["r_hat_ok"] = out["r_hat_max"] <= RHAT_MAX
        out["ess_ok"] = out[["ess_bulk_min", "ess_tail_min"]].min(axis=1) >= self.ess_min
        return out

    def __str__(self) -> str:
        head = (
            f"divergences {self.divergences}/{self.draws}, BFMI "
            f"{', '.join(f'{b:.2f}' for b in self.bfmi)}"
        )
        verdict = "all checks passed" if self.ok else "\n".join(self.problems())
        return f"{self.to_frame().round(3).to_string()}\n{head}\n{verdict}"

"""What a hierarchical fit says about its data and its estimand, in sentences.

The summary prints these notes and the estimator warns with the caveats: how replicates
were counted (deterministic cells once), where the answers came from (sampled answers or
log-prob distributions), which identity × item pairs rest on pooling alone, what the
``"asked"`` interval means under deterministic decoding, and — for the model-based
estimands on deterministic data — where a position sits further than half a posterior
SD from the mean of the answers, and why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmvalues.iw.bayes.data import CellCounts, answer_sources, pooled_only
from llmvalues.iw.estimands import ASKED_AT_TEMPERATURE_0

PULL_SD_MAX = 0.5  # a model-based position further than this from the answers' mean is said


def data_notes(data: CellCounts, answers: str) -> list[str]:
    """How the replies were counted and where the answers came from."""
    out = []
    status = data.status
    n_ok, n_eff = int(status["n_ok"].sum()), float(status["n_effective"].sum())
    if data.determinism:
        n_det = int(data.cell_deterministic.sum())
        out.append(
            f"Deterministic decoding ({data.determinism}): the replicates of each of those "
            f"{n_det} of {data.n_cells} cells are one observation, so the {n_ok} answered "
            f"replies count as {n_eff:g} effective answers."
        )
    elif n_eff != n_ok:
        out.append(f"{n_ok} answered replies count as {n_eff:g} effective answers.")
    if data.seeded:
        out.append(f"{data.seeded.capitalize()}.")
    if answers == "probs":
        src = answer_sources(status)
        parts = [f"{', '.join(src[k])} ({label})" for k, label in _SOURCE_LABELS if src[k]]
        out.append(
            "Answers from log-prob distributions where an answered reply has one (weight = "
            "the probability on the listed options, never renormalised), else the sampled "
            f"answer: {'; '.join(parts)}. Items fed by sampled answers estimate the mean of "
            "the answers given, items fed by distributions the mean of the distribution."
        )
    pairs = pooled_only(status)
    if pairs:
        shown = ", ".join(pairs[:8]) + (f" and {len(pairs) - 8} more" if len(pairs) > 8 else "")
        out.append(
            f"No usable answers for {shown}: those expected answers rest on pooling across "
            "identities (the item's mean and spread over identities) and the priors alone."
        )
    return out


_SOURCE_LABELS = (
    ("probs", "distributions only"),
    ("mixed", "distributions and sampled answers"),
    ("sampled", "sampled answers only: no distributions"),
)


def estimand_notes(data: CellCounts, estimand: str) -> list[str]:
    """What the ``"asked"`` interval rests on when answers are deterministic."""
    if estimand != "asked" or not data.cell_deterministic.any():
        return []
    if data.deterministic:
        unanswered = len(data.sets) * len(data.items) - data.n_cells
        rest = (
            "every prompt asked was answered, so the interval has zero width"
            if unanswered == 0
            else f"the interval reflects only the {unanswered} identity × prompt × item "
            "cells asked but not answered, whose answers the model predicts (missing at "
            "random)"
        )
        return [f"{ASKED_AT_TEMPERATURE_0} Here {rest}."]
    return [
        "The answers of the deterministic (temperature 0) cells are known exactly; the other "
        "cells' expected answers are model-based."
    ]


DETERMINISTIC_SHARE = 0.5  # from this share of deterministic cells a fit is "temperature 0"
REFUSALS_FROM = 0.10  # an identity × item refusal rate from which a fit is "refusals"
TARGET = (0.85, 0.95)  # the acceptable coverage of a 90% interval
CALIBRATION_90 = {
    ("t0", "logit"): {"asked": None, "new": 0.867, "typical": 0.620},
    ("t0", "probit"): {"asked": None, "new": 0.867, "typical": 0.540},
    ("refusals", "logit"): {"asked": 0.847, "new": 0.880, "typical": 0.873},
    ("prior", "logit"): {"asked": 0.867, "new": 0.873, "typical": 0.867},
    ("prior", "probit"): {"asked": 0.840, "new": 0.867, "typical": 0.847},
}
"""Measured coverage of 90% intervals per (design, link) and estimand:
``benchmarks/bench_calibration.py --datasets 25`` (docs/hierarchical.md, 'Calibration');
None: exact by construction (at temperature 0 "asked" is the answers given)."""
_WHY = {
    "prior": "the intervals may be slightly narrow (with 25 data sets the 95% interval of "
    "that figure still includes 90%, so this is a suspicion, not a finding)",
    "t0": "at temperature 0 a prompt's answer is one category, while the model's expected "
    "answer averages over the latent error, which then stands for prompt effects",
    "refusals": "refusals are treated as missing at random, and these refuse often enough "
    "for answer-dependent refusals to bias the position",
}
_DESIGN_LABEL = {
    "prior": "truth from the priors and data from the model itself",
    "t0": "deterministic answers (temperature 0, one per cell)",
    "refusals": "refusals rising with the answer (mean 15% on two items)",
}


def _shapes(data: CellCounts) -> list[str]:
    """The measured designs these data resemble (``"prior"``, the model's own, if none)."""
    out = []
    if data.n_cells and data.cell_deterministic.mean() >= DETERMINISTIC_SHARE:
        out.append("t0")
    if (data.status["refusal_rate"].fillna(0) >= REFUSALS_FROM).any():
        out.append("refusals")
    return out or ["prior"]


def calibration_caveats(data: CellCounts, estimand: str, link: str) -> list[str]:
    """Data shapes on which the estimand's 90% intervals were measured to cover the truth
    outside 85–95% (:data:`CALIBRATION_90`), with the figure and the reason."""
    out = []
    for shape in _shapes(data):
        figures = CALIBRATION_90.get((shape, link), {})
        c = figures.get(estimand)
        if c is None or TARGET[0] <= c <= TARGET[1]:
            continue
        better = [
            f"estimand {e!r} is exact here" if v is None else f"estimand {e!r} covered {v:.1%}"
            for e, v in figures.items()
            if e != estimand and (v is None or TARGET[0] <= v <= TARGET[1])
        ]
        out.append(
            f"estimand {estimand!r} on data like these is not calibrated: in simulation with "
            f"{_DESIGN_LABEL[shape]}, {link} link, its 90% intervals covered the truth in "
            f"{c:.1%} of the checks (docs/hierarchical.md, 'Calibration'), because "
            f"{_WHY[shape]}" + (f"; {', '.join(better)}" if better else "")
        )
    return out


def pull_caveats(
    pull: pd.DataFrame, position_draws: np.ndarray, data: CellCounts, estimand: str, preset
) -> list[str]:
    """Identities answered deterministically whose model-based position lies > 0.5 SD from
    the projection of their mean answers (the classic position), with the reason.

    Parameters
    ----------
    pull
        :func:`llmvalues.iw.bayes.positions.answer_pull` of the fit.
    position_draws
        (draws, identities, 2) the fit's positions.
    data
        The counts.
    estimand
        The fit's estimand (``"asked"`` is never model-based where answers are known).
    preset
        The projection.
    """
    if estimand == "asked":
        return []
    out = []
    observed = pull.pivot(index="identity", columns="item", values="observed")
    observed = observed.loc[list(data.identities), list(data.items)]
    classic = preset.project_array(observed.to_numpy())
    mean, sd = position_draws.mean(0), position_draws.std(0, ddof=1)
    for i, name in enumerate(data.identities):
        if not data.cell_deterministic[data.cell_identity == i].all() or np.isnan(classic[i]).any():
            continue
        z = (mean[i] - classic[i]) / sd[i]
        far = [a for a, axis in enumerate("xy") if abs(z[a]) > PULL_SD_MAX]
        if not far:
            continue
        a = far[int(np.argmax(np.abs(z[far])))]
        axis = "xy"[a]
        rows = pull[pull["identity"] == name].set_index("item")
        top = rows[f"pull_{axis}"].abs().sort_values(ascending=False).index[:3].tolist()
        constant = [j for j in top if _constant(data, i, data.items.index(j))]
        n = int((data.cell_identity == i).sum() / max(len(data.items), 1))
        reason = (
            f"item(s) {constant} never varied over the ~{n} prompts asked, and for a prompt "
            "not asked the model cannot rule out another answer (with n prompts answering "
            "alike, about 1/(n + 2) of new prompts could answer otherwise: Laplace's rule of "
            "succession), so their expected answers lie inside the scale"
            if constant
            else f"item(s) {top} move it most (fit.pull() lists every item)"
        )
        out.append(
            f"{name}: the {estimand!r} position lies {abs(z[a]):.1f} posterior SD from the "
            f"projection of its mean answers on {axis} ({mean[i, a] - classic[i, a]:+.3f} map "
            f"units): {reason}; estimand='asked' is the mean of the answers given."
        )
    return out


def _constant(data: CellCounts, identity: int, item: int) -> bool:
    cells = np.flatnonzero((data.cell_identity == identity) & (data.cell_item == item))
    dense = data.dense_counts()[cells]
    return bool(len(cells) and (np.count_nonzero(dense.sum(0)) == 1))

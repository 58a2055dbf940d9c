"""The IW two-factor CFA as a figure: standardised loadings per item, LLMs beside humans."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from llmvalues.plots.style import (
    GREY,
    INK,
    OKABE_ITO,
    TALL,
    figure_style,
    finish,
    new_figure,
    theme,
)

SAMPLES = {"LLMs": ("o", INK, INK), "humans": ("s", "white", OKABE_ITO[4])}
FACTOR_TITLES = {
    "tradrat": "Traditional → secular-rational",
    "survself": "Survival → self-expression",
}
Z95 = 1.959963984540054


def loading_table(cfa_result, sample: str) -> pd.DataFrame:
    """One row per loading: factor, item, std_all, lo, hi (95% Wald, rescaled), sample.

    The interval is the Wald interval of the unstandardised loading, est ± 1.96·se,
    multiplied by std_all / est (it ignores the uncertainty of that scaling); a loading
    fixed to 1 (the factor's scale marker) has none.
    """
    p = cfa_result.params
    p = p[p["op"] == "=~"]
    scale = p["std_all"] / p["est"]
    half = Z95 * p["se"] * scale.abs()
    return pd.DataFrame(
        {
            "factor": p["lhs"].to_numpy(),
            "item": p["rhs"].to_numpy(),
            "std_all": p["std_all"].to_numpy(),
            "lo": np.where(p["free"], p["std_all"] - half, np.nan),
            "hi": np.where(p["free"], p["std_all"] + half, np.nan),
            "sample": sample,
        }
    )


def plot_cfa_loadings(result, size=None, caption: bool = True):
    """Standardised loadings of the IW items on their factor, with 95% intervals.

    Parameters
    ----------
    result
        A :class:`llmvalues.iw.cfa_map.CFAMapResult` (LLMs, and humans when fitted).
    size
        ``"single"``, ``"double"`` or ``(width, height)``.
    caption
        Write the caption (what the points and intervals are, the fit indices).

    Returns
    -------
    (Figure, array of Axes)
    """
    tables = [loading_table(result.llm, "LLMs")]
    if result.humans is not None:
        tables.append(loading_table(result.humans, "humans"))
    table = pd.concat(tables, ignore_index=True)
    factors = list(dict.fromkeys(table["factor"]))
    samples = list(dict.fromkeys(table["sample"]))
    offsets = dict(
        zip(
            samples,
            np.linspace(-0.15, 0.15, len(samples)) if len(samples) > 1 else [0.0],
            strict=True,
        )
    )
    with figure_style():
        look = theme(size, height=lambda width: 2.3 if width >= TALL else 3.9)
        rows, cols = (2, 1) if look.width < TALL else (1, 2)
        fig, axes, look = new_figure(look.figsize, nrows=rows, ncols=cols, sharex=True)
        for ax, factor in zip(np.ravel(axes), factors, strict=True):
            part = table[table["factor"] == factor]
            items = list(dict.fromkeys(part["item"]))
            for sample in samples:
                rows_ = part[part["sample"] == sample].set_index("item").loc[items]
                y = np.arange(len(items)) + offsets[sample]
                marker, face, edge = SAMPLES.get(sample, ("o", INK, INK))
                ax.hlines(y, rows_["lo"], rows_["hi"], color=edge, lw=1.0)
                ax.plot(rows_["std_all"], y, marker, ms=4.5, mfc=face, mec=edge, mew=0.9, ls="")
            ax.set_yticks(range(len(items)), [i.upper() for i in items])
            ax.set_ylim(len(items) - 0.5, -0.5)
            ax.axvline(0, color=GREY, lw=0.6, zorder=0)
            ax.set_title(FACTOR_TITLES.get(factor, factor))
            ax.grid(axis="y", visible=False)
        values = table[["std_all", "lo", "hi"]].to_numpy(float)
        ax.set_xlim(min(0.0, np.nanmin(values)) - 0.05, max(1.0, np.nanmax(values)) + 0.05)
        for ax in np.ravel(axes)[-cols:]:
            ax.set_xlabel("standardised loading (std.all)")
        fig.suptitle("Inglehart–Welzel two-factor CFA: loadings")
        handles = [
            Line2D(
                [],
                [],
                marker=SAMPLES[s][0],
                mfc=SAMPLES[s][1],
                mec=SAMPLES[s][2],
                color=SAMPLES[s][2],
                lw=1.0,
            )
            for s in samples
        ]
        labels = [f"{s} ({result.n_sets} response sets)" if s == "LLMs" else s for s in samples]
        notes = []
        if caption:
            fit = result.llm.fit_indices
            notes.append(
                "Points: standardised loadings (std.all); bars: 95% Wald intervals of the "
                "loading, rescaled (they ignore the uncertainty of the scaling); the first "
                "item of each factor fixes its scale and has no interval. LLM fit: "
                f"CFI {fit.get('cfi', np.nan):.3f}, RMSEA {fit.get('rmsea', np.nan):.3f}, "
                f"SRMR {fit.get('srmr', np.nan):.3f}. LLM answer sets are not independent "
                "respondents (clustered by model and prompt): the intervals are too narrow."
            )
        finish(fig, look, notes or None, (handles, labels), legend_ax=np.ravel(axes)[-1])
    return fig, axes

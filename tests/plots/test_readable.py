"""Every figure kind of the package, on real and crowded data, at the default size and at a
journal's single- and double-column widths: no text overlaps, all text is on the canvas, no
label sits on another identity's marks, every identity is labelled or in the legend, and the
caption says what the intervals are and whom the reference points come from."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from llmvalues.iw.explain import Placement, explain
from llmvalues.plots import band as band_plots
from llmvalues.plots import plot_map, univar, valuelex
from llmvalues.plots.checks import IDENTITY, LABEL, check_figure, drawn_texts
from llmvalues.plots.style import theme

SIZES = [None, "single", (5.0, 4.2)]  # None: the default ("double", 7 in)


def _size_id(size) -> str:
    return "default" if size is None else size if isinstance(size, str) else "5x4.2in"


def _texts(fig) -> list[str]:
    return [t.get_text() for t, _ in drawn_texts(fig)]


def _caption(fig) -> str:
    return " ".join(t.get_text().replace("\n", " ") for t in fig.texts if t.get_gid() == "caption")


def _legend_texts(fig) -> list[str]:
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes)]
    return [t.get_text() for legend in legends if legend is not None for t in legend.get_texts()]


def _assert_readable(fig, size) -> None:
    check_figure(fig)
    want = theme(size)
    if isinstance(size, tuple) or size is None:
        assert fig.get_figwidth() == pytest.approx(want.width)


def _assert_every_identity_named(fig, names, shown=None) -> None:
    """Each identity is a label on the map (tagged as its own) or a legend entry (by its
    name, or by the end of it after "…" where the figure shortened names)."""
    tag = LABEL + IDENTITY
    labelled = {
        t.get_gid()[len(tag) :] for t, _ in drawn_texts(fig) if (t.get_gid() or "").startswith(tag)
    }
    listed = _legend_texts(fig)
    shown = shown or {n: n for n in names}

    def in_legend(name):
        return any(
            t == shown[name] or (t.startswith("…") and shown[name].endswith(t[1:])) for t in listed
        )

    missing = [n for n in names if n not in labelled and not in_legend(n)]
    assert not missing, f"identities neither labelled nor in the legend: {missing}"


# ----- the IW map and its uncertainty figures ---------------------------------------------
@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_crowded_map_of_long_names(crowded_fit, size):
    fig, _ = crowded_fit.plot("map", size=size)
    _assert_readable(fig, size)
    _assert_every_identity_named(fig, crowded_fit.identities)
    caption = _caption(fig)
    assert "50% (solid) and 90% (dashed) percentile-bootstrap regions" in caption
    assert "estimand 'asked'" in caption and crowded_fit.preset.citation in caption
    assert "Japan" in _texts(fig)  # the prompted country stays named, not hidden


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_map_with_credible_regions(smollm2_fit, size):
    fig, _ = smollm2_fit.plot("map", size=size)
    _assert_readable(fig, size)
    _assert_every_identity_named(fig, smollm2_fit.identities)
    assert "credible regions" in _caption(fig) and "estimand 'asked'" in _caption(fig)


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_the_demo_map_five_identities_and_japan(smollm2_fit, size):
    # the demo's identities: the model unprompted and as four countries
    demo = [i for i in smollm2_fit.identities if "T=" not in i][:1] + [
        i
        for i in smollm2_fit.identities
        if i.endswith(("United States", "Nigeria", "Japan", "Sweden"))
    ]
    assert len(demo) == 5
    fig, _ = smollm2_fit.plot("map", identities=demo, size=size)
    _assert_readable(fig, size)
    _assert_every_identity_named(fig, demo)
    assert "Japan" in _texts(fig)


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_map_with_trajectories(smollm2_fit, size):
    fig, _ = smollm2_fit.plot("map", trajectories=["Sweden", "Japan", "China"], size=size)
    _assert_readable(fig, size)
    caption = _caption(fig)
    assert smollm2_fit.preset.trajectories_citation in caption
    assert {"Sweden", "Japan", "China"} <= {t.split(" ")[0] for t in _texts(fig)}


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
@pytest.mark.parametrize("preset", ["hall2025", "tao2024"])
def test_reference_map(preset, size):
    fig, _ = plot_map(preset, trajectories=preset == "hall2025", size=size)
    _assert_readable(fig, size)
    assert "Reference points:" in _caption(fig)


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
@pytest.mark.parametrize("which", ["crowded", "smollm2"])
def test_forest(crowded_fit, smollm2_fit, which, size):
    fit = crowded_fit if which == "crowded" else smollm2_fit
    fig, axes = fit.plot("forest", size=size)
    _assert_readable(fig, size)
    kind = "percentile-bootstrap" if which == "crowded" else "credible"
    assert f"50% and 90% {kind} intervals" in _caption(fig)
    rows = [t.get_text() for t in axes[0].get_yticklabels()]
    assert len(rows) == len(fit.identities)


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
@pytest.mark.parametrize("which", ["crowded", "smollm2"])
def test_refusal_bounds(crowded_fit, smollm2_fit, which, size):
    fit = crowded_fit if which == "crowded" else smollm2_fit
    fig, _ = fit.plot("bounds", points=-1.0, size=size)
    _assert_readable(fig, size)
    _assert_every_identity_named(fig, fit.identities)
    caption = _caption(fig)
    assert "Manski bounds" in caption and "estimand 'asked'" in caption.lower()
    assert "delta-adjusted position" in caption
    assert fit.preset.citation in caption


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_variant_effects(smollm2_fit, size):
    fig, _ = smollm2_fit.plot("variants", size=size)
    _assert_readable(fig, size)
    assert "90% credible interval" in _caption(fig)


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
@pytest.mark.parametrize("identity", [None, 0])
def test_posterior_predictive_check(smollm2_fit, identity, size):
    who = None if identity is None else smollm2_fit.identities[identity]
    fig, _ = smollm2_fit.plot("ppc", identity=who, size=size)
    _assert_readable(fig, size)
    assert "90% interval" in _caption(fig)


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_trajectory_over_temperature(smollm2_fit, size):
    unprompted = [i for i in smollm2_fit.identities if "|" not in i]
    fig, ax = smollm2_fit.plot(
        "trajectory",
        order_by="temperature",
        identities=unprompted,
        countries=["Sweden", "Japan"],
        size=size,
    )
    _assert_readable(fig, size)
    shown = {n: f"{smollm2_fit.attributes.loc[n, 'temperature']:g}" for n in unprompted}
    assert sorted(shown.values()) == ["0.3", "0.7", "1", "1.5"]
    _assert_every_identity_named(fig, unprompted, shown)
    arrows = [
        t for t in ax.texts if getattr(t, "arrow_patch", None) is not None and not t.get_text()
    ]
    assert len(arrows) == 3 + 2  # the model over four temperatures; two countries' last waves
    assert smollm2_fit.preset.trajectories_citation in _caption(fig)


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_preset_band(band, size):
    fig, _ = band_plots.plot_preset_band(band, size=size)
    _assert_readable(fig, size)
    _assert_every_identity_named(fig, list(band.interval.index))
    assert "90% credible radius" in _caption(fig)


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_explanation_arrows(smollm2, size):
    answers = smollm2[smollm2["identity"].str.contains("Japan|Sweden|Nigeria")]
    result = explain(
        Placement(answers, "hall2025", label="ours"), Placement(answers, "tao2024", label="Tao")
    )
    fig, _ = result.plot(size=size)
    _assert_readable(fig, size)
    _assert_every_identity_named(fig, list(result.path["identity"].unique()))
    assert "Arrows:" in _caption(fig)


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_cfa_loadings(cfa_result, size):
    fig, _ = cfa_result.plot(size=size)
    _assert_readable(fig, size)
    assert "95% Wald intervals" in _caption(fig)
    legend = " ".join(_legend_texts(fig))
    assert "LLMs" in legend and "humans" in legend


# ----- ValueLex and UniVaR ------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_valuelex_figures(valuelex_parts, size):
    table, names, clusters, assignment, scores = valuelex_parts
    for fig in (
        valuelex.plot_loadings(table, names, size=size),
        valuelex.plot_dendrogram(clusters, assignment, size=size),
        valuelex.plot_scores(scores, "factor", "mean rating", None, labels=names, size=size),
    ):
        check_figure(fig)
    assert "95% bootstrap intervals" in _caption(fig)


def _value_points(n_groups: int = 8, per: int = 24, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 6, (n_groups, 2))
    rows = []
    for g in range(n_groups):
        xy = centres[g] + rng.normal(0, 1.5, (per, 2))
        for k, (x, y) in enumerate(xy):
            rows.append(
                {"x": x, "y": y, "group": f"persona_{g:02d}_long_name", "model": f"model {k % 2}"}
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_univar_value_map(size):
    fig = univar.plot_value_map(_value_points(), title="UniVaR value map", size=size)
    _assert_readable(fig, size)
    assert "t-SNE" in _caption(fig)

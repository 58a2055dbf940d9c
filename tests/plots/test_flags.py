"""Figures show what results carry and say what is missing: flags, dates, citations."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from llmvalues.fit import fit_map
from llmvalues.iw.bayes.results import HierarchicalMapFit
from llmvalues.plots import check_figure, plot_trajectory


def _caption(fig) -> str:
    return " ".join(t.get_text().replace("\n", " ") for t in fig.texts if t.get_gid() == "caption")


def test_variants_print_no_share_for_items_whose_answers_never_vary(smollm2, smollm2_fit):
    ok = smollm2[smollm2["status"] == "ok"]
    spread = ok.groupby(["item", "identity"])["code"].nunique().groupby("item").max()
    flat = set(spread[spread == 1].index)
    assert flat  # the small model answers some items the same way whatever the prompt
    fig, axes = smollm2_fit.plot("variants")
    titles = {ax.get_title().split()[0].rstrip(":").lower(): ax.get_title() for ax in axes.ravel()}
    for item, title in titles.items():
        if item in flat:
            assert title.endswith("no variation") and "[" not in title
        else:
            share = smollm2_fit.prompt_sensitivity().loc[item]
            assert f"{share['share']:.2f} [{share['lo']:.2f}, {share['hi']:.2f}]" in title
    assert "No variation observed" in _caption(fig)
    assert all(i.upper() in _caption(fig) for i in flat)


def test_a_trajectory_without_the_attribute_says_which_and_how_to_add_it(crowded_fit):
    with pytest.raises(ValueError) as err:
        plot_trajectory(crowded_fit)
    message = str(err.value)
    assert "'collected_at'" in message and "['model', 'country']" in message
    assert "responses.groupby('identity')['collected_at'].transform('min')" in message
    with pytest.raises(ValueError, match=r"attribute 'wave'.*add 'wave' before fitting"):
        crowded_fit.plot("trajectory", order_by="wave")


def test_identities_of_one_collection_date_draw_as_points_and_say_so(smollm2):
    # a study run dates every answer with its wave (the demo is one): one date per identity
    five = smollm2[smollm2["identity"].str.contains("Japan|Sweden|Nigeria|United States")]
    dated = five.assign(collected_at="2025-03-01T09:00:00Z")
    fit = fit_map(dated, "hall2025", method="classic", n_bootstrap=200)
    assert (fit.attributes["collected_at"] == "2025-03-01T09:00:00Z").all()
    fig, ax = fit.plot("trajectory")
    check_figure(fig)
    assert "no two identities differ only in collected_at" in _caption(fig)
    arrows = [
        t for t in ax.texts if getattr(t, "arrow_patch", None) is not None and not t.get_text()
    ]
    assert arrows == []  # nothing moved: no arrow drawn between different identities
    legend = ax.get_legend()
    shown = {t.get_text() for t in ax.texts} | {
        t.get_text() for t in (legend.get_texts() if legend else [])
    }
    assert "2025-03-01T09:00:00Z" in shown


def test_a_saved_fit_keeps_the_citation_of_its_trajectories(smollm2_fit, tmp_path):
    loaded = HierarchicalMapFit.load(smollm2_fit.save(tmp_path / "fit.nc"))
    assert loaded.preset.trajectories_citation == smollm2_fit.preset.trajectories_citation
    fig, _ = loaded.plot("map", trajectories=["Sweden"], identities=loaded.identities[:2])
    assert loaded.preset.trajectories_citation in _caption(fig)

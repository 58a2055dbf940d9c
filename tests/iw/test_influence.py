"""Item influence (leave-one-item-out positions) and the preset band of map fits, both methods."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from llmvalues.iw.averaging import mean_answers
from llmvalues.iw.influence import contributions, reference_means
from llmvalues.iw.items import ITEMS
from llmvalues.iw.presets import load_preset
from llmvalues.iw.reference import ivs_pca_parameters
from llmvalues.iw.sensitivity import preset_band

METHODS = ("classic", "hierarchical")


@pytest.fixture(scope="module")
def fits(classic_fit, hierarchical_fit):
    return {"classic": classic_fit, "hierarchical": hierarchical_fit}


def test_an_item_at_its_ivs_mean_adds_nothing():
    preset = load_preset("hall2025")
    means = reference_means(preset)
    assert means == pytest.approx(ivs_pca_parameters()["mean"].loc[list(ITEMS)].to_numpy())
    # the mean respondent sits at the map's centre: the official offsets
    assert preset.project_array(means) == pytest.approx([0.038, -0.1])
    answers = means.copy()
    answers[ITEMS.index("f063")] = 10.0
    part = contributions(answers, preset)
    assert np.abs(np.delete(part, ITEMS.index("f063"), axis=0)).max() == 0
    assert part.sum(0) == pytest.approx(preset.project_array(answers) - [0.038, -0.1])
    tao = load_preset("tao2024")
    assert "Tao et al. published none" in tao.metadata["item_means_source"]
    with pytest.raises(ValueError, match="item means"):
        reference_means(dataclasses.replace(preset, metadata={}))


@pytest.mark.parametrize("method", METHODS)
def test_the_moves_without_each_item_add_up_to_the_distance_from_the_centre(fits, method):
    fit = fits[method]
    inf = fit.item_influence(level=0.9)
    t = inf.table
    assert len(t) == 3 * len(ITEMS)
    xy = fit.centroids[["x", "y"]]
    total = t.groupby("identity")[["dx", "dy"]].sum()
    centre = np.array(inf.centre)
    assert np.allclose(-total.to_numpy(), xy.loc[total.index].to_numpy() - centre, atol=1e-9)
    # the point estimates are the fit's own: the position column is the centroid
    first = t.drop_duplicates("identity").set_index("identity")
    assert np.allclose(first[["x", "y"]].to_numpy(), xy.loc[first.index].to_numpy(), atol=1e-9)
    assert ((t["shift_lo"] <= t["shift"] + 1e-9) | (t["shift"] < 0.05)).mean() > 0.9
    matrix = inf.matrix()
    assert list(matrix.columns) == list(ITEMS) and list(matrix.index) == fit.identities
    largest = inf.largest
    for name, row in largest.iterrows():
        assert matrix.loc[name].idxmax() == row["item"]
        assert t[(t.identity == name) & (t.item == row["item"])]["rank"].item() == 1
        assert 0 <= row["p_largest"] <= 1
    assert "what drives each placement" in inf.summary().title


def test_classic_influence_is_the_projection_of_the_set_means(classic_fit, simulated):
    _, df = simulated
    means = mean_answers(df, "sets").loc[classic_fit.identities].to_numpy()
    preset = classic_fit.preset
    part = contributions(means, preset)
    inf = classic_fit.item_influence().table
    assert inf["dx"].to_numpy() == pytest.approx(-part[..., 0].ravel())
    assert inf["dy"].to_numpy() == pytest.approx(-part[..., 1].ravel())


@pytest.mark.parametrize("method", METHODS)
def test_preset_band_of_a_fit_places_its_expected_answers_under_every_preset(fits, method):
    fit = fits[method]
    band = fit.preset_band(level=0.9)
    expected = pd.DataFrame(
        fit._expected_answers(), index=pd.Index(fit.identities, name="identity"), columns=ITEMS
    )
    direct = preset_band(expected, ("hall2025", "tao2024"))
    pd.testing.assert_frame_equal(band.band, direct.band)
    # under the fit's own preset (official constants already) the placement is the position
    own = band.positions[band.positions["map"] == "hall2025"].set_index("identity")
    assert np.allclose(own[["x", "y"]].to_numpy(), fit.centroids[["x", "y"]].to_numpy())
    assert band.interval is not None
    assert np.allclose(band.interval["x_lo"], fit.centroids["x_lo90"], atol=1e-9)
    table = fit.summary().to_frame("how far the map and refusals could move them")
    spread = band.band.xs("presets", level="component")["max_distance"]
    assert np.allclose(table["map_spread"], spread.loc[table.index])
    text = str(fit.summary())
    assert "The choice of map moves these positions by up to" in text
    assert f"{spread.max():.2f} map units" in text
    assert (table["refusal_width_x"] > 0).all()  # 5% of replies refused

"""A hierarchical fit saves to one netCDF file and loads back equal."""

from __future__ import annotations

import dataclasses

import arviz as az
import numpy as np
import pandas as pd
import pytest

from llmvalues.iw.bayes.results import HierarchicalMapFit


@pytest.fixture(scope="module")
def reloaded(hierarchical_fit, tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "fit.nc"
    assert hierarchical_fit.save(path) == path
    return HierarchicalMapFit.load(path), path


def test_a_reloaded_fit_has_equal_positions_distances_and_diagnostics(hierarchical_fit, reloaded):
    fit, (back, _) = hierarchical_fit, reloaded
    pd.testing.assert_frame_equal(back.centroids, fit.centroids)
    pd.testing.assert_frame_equal(back.distances(), fit.distances())
    pd.testing.assert_frame_equal(back.points, fit.points)
    pd.testing.assert_frame_equal(back.prompt_sensitivity(), fit.prompt_sensitivity())
    pd.testing.assert_frame_equal(back.ppc(), fit.ppc())
    pd.testing.assert_frame_equal(back.diagnostics.table, fit.diagnostics.table)
    assert back.diagnostics.problems() == fit.diagnostics.problems()
    assert back.diagnostics.bfmi == pytest.approx(fit.diagnostics.bfmi)
    assert back.summary().to_text() == fit.summary().to_text()
    pd.testing.assert_frame_equal(
        back.cultural_prompting().to_frame(), fit.cultural_prompting().to_frame()
    )


def test_the_file_holds_the_data_priors_settings_and_preset(hierarchical_fit, reloaded):
    fit, (back, path) = hierarchical_fit, reloaded
    assert back.data.identities == fit.data.identities and back.data.codes == fit.data.codes
    for name in ("cell_identity", "cell_variant", "cell_item", "row_cell", "row_category"):
        assert np.array_equal(getattr(back.data, name), getattr(fit.data, name)), name
    assert back.data.row_count == pytest.approx(fit.data.row_count)
    pd.testing.assert_frame_equal(back.data.status, fit.data.status)
    pd.testing.assert_frame_equal(back.data.sets, fit.data.sets)
    pd.testing.assert_frame_equal(back.attributes, fit.attributes)
    assert back.priors == fit.priors
    assert (back.link, back.structure, back.settings) == (fit.link, fit.structure, fit.settings)
    assert back.estimand == "asked" and back.settings["draws"] == 300
    assert back.preset.name == "hall2025"
    pd.testing.assert_frame_equal(back.preset.coef, fit.preset.coef)
    pd.testing.assert_frame_equal(back.preset.countries, fit.preset.countries)
    pd.testing.assert_frame_equal(back.preset.trajectories, fit.preset.trajectories)
    on_disk = az.from_netcdf(str(path))
    assert {"posterior", "sample_stats", "llmvalues"} <= set(on_disk.groups())
    assert on_disk.llmvalues.attrs["format"] == "llmvalues.HierarchicalMapFit/1"


def test_a_fit_with_a_custom_preset_reloads_with_that_preset(hierarchical_fit, tmp_path):
    custom = dataclasses.replace(
        hierarchical_fit.preset,
        name="my_ivs",
        coef=hierarchical_fit.preset.coef * 1.1,
        trajectories=None,
        metadata={"waves": [7]},
    )
    fit = dataclasses.replace(hierarchical_fit, preset=custom)
    back = HierarchicalMapFit.load(fit.save(tmp_path / "custom.nc"))
    assert back.preset.name == "my_ivs" and back.preset.trajectories is None
    assert back.preset.metadata == {"waves": [7]}
    pd.testing.assert_frame_equal(back.preset.coef, custom.coef)
    pd.testing.assert_series_equal(back.preset.intercept, custom.intercept)
    assert back.preset.project_array(np.full(10, 2.0)) == pytest.approx(
        custom.project_array(np.full(10, 2.0))
    )


def test_a_file_that_is_not_a_saved_fit_is_a_clear_error(tmp_path):
    text = tmp_path / "notes.nc"
    text.write_text("not netCDF")
    with pytest.raises(ValueError, match="is not a netCDF file"):
        HierarchicalMapFit.load(text)
    foreign = tmp_path / "foreign.nc"
    az.from_dict(posterior={"mu": np.zeros((1, 5))}).to_netcdf(str(foreign))
    with pytest.raises(ValueError, match=r"holds no 'llmvalues' group.*not written by llmvalues"):
        HierarchicalMapFit.load(foreign)
    with pytest.raises(FileNotFoundError, match="no such file"):
        HierarchicalMapFit.load(tmp_path / "missing.nc")

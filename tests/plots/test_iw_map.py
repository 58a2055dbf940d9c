"""The IW map figure: content, formats and resolution."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from matplotlib.image import imread

from llmvalues.plots import plot_map, save_figure
from llmvalues.plots.style import zone_style


def test_map_draws_every_country_and_point_and_saves_vector_and_300_dpi(tmp_path):
    points = pd.DataFrame({"x": [1.0, 2.0], "y": [0.5, -0.5]}, index=["model A", "model B"])
    fig, ax = plot_map("tao2024", points=points)
    offsets = sum(len(c.get_offsets()) for c in ax.collections)
    assert offsets == 107 + 2
    assert "Self-expression" in ax.get_xlabel() and "Secular" in ax.get_ylabel()
    labels = {t.get_text() for t in ax.texts}
    assert {"model A", "model B", "Sweden", "Nigeria"} <= labels
    written = save_figure(fig, tmp_path / "map")
    assert sorted(p.suffix for p in written) == [".pdf", ".png", ".svg"]
    width_in = fig.get_size_inches()[0]
    assert imread(tmp_path / "map.png").shape[1] >= 0.9 * width_in * 300


def test_trajectories_need_a_preset_that_has_them():
    fig, ax = plot_map("hall2025", trajectories=["Sweden"], label_countries=False)
    assert any(len(line.get_xdata()) > 2 for line in ax.lines)
    caption = " ".join(t.get_text() for t in fig.texts)
    assert "kwinkunks/ai-values" in caption and "The Economist" in caption
    assert "backdrop only" in caption
    with pytest.raises(ValueError, match="has no country trajectories"):
        plot_map("tao2024", trajectories=["Sweden"])


def test_zones_differ_in_shape_as_well_as_colour():
    styles = {zone_style(z) for z in ("Confucian", "Latin America", "African-Islamic")}
    assert len({m for _, m in styles}) == 3

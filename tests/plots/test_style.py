"""The one style: journal sizes, embedded TrueType fonts, SVG text, 300 dpi, greyscale identity."""

import inspect
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from llmvalues.plots import band, cfa, explain, iw_map, save_figure, theme, uncertainty, univar
from llmvalues.plots import valuelex as valuelex_plots
from llmvalues.plots.checks import IDENTITY, MARK
from llmvalues.plots.style import IDENTITY_MARKERS, OKABE_ITO, identity_styles

FIGURES = [
    iw_map.plot_map,
    uncertainty.plot_map_uncertainty,
    uncertainty.plot_forest,
    uncertainty.plot_variant_effects,
    uncertainty.plot_ppc,
    uncertainty.plot_trajectory,
    explain.plot_explanation,
    band.plot_preset_band,
    cfa.plot_cfa_loadings,
    valuelex_plots.plot_loadings,
    valuelex_plots.plot_dendrogram,
    valuelex_plots.plot_scores,
    univar.plot_value_map,
]


@pytest.mark.parametrize("function", FIGURES, ids=lambda f: f.__name__)
def test_every_figure_function_takes_a_size(function):
    assert "size" in inspect.signature(function).parameters


def test_sizes_are_journal_widths_or_inches():
    assert theme("single").width == 3.5 and theme("double").width == 7.0
    assert theme(None) == theme("double")
    assert theme((5, 4)).figsize == (5.0, 4.0)
    assert theme("single", height=lambda w: 2 * w).height == 7.0
    for bad in ("A4", (5,), (0, 3), "wide"):
        with pytest.raises(ValueError, match="size"):
            theme(bad)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    points = pd.DataFrame({"x": [0.4, 1.6], "y": [0.2, -0.4]}, index=["model A", "model B"])
    fig, _ = iw_map.plot_map("hall2025", points=points, size="single")
    out = tmp_path_factory.mktemp("style")
    return fig, {p.suffix: p for p in save_figure(fig, out / "map")}


def test_pdf_embeds_truetype_fonts(saved):
    pdf = saved[1][".pdf"].read_bytes()
    assert b"/FontFile2" in pdf  # TrueType font programs embedded
    assert b"/Subtype /Type3" not in pdf and b"/FontFile3" not in pdf


def test_svg_keeps_text_as_text(saved):
    svg = saved[1][".svg"].read_text(encoding="utf-8")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "model A" in texts and "Survival → Self-expression" in texts
    assert any("Reference points" in t for t in texts)


def test_png_is_300_dpi_at_the_asked_width(saved):
    fig, files = saved
    with Image.open(files[".png"]) as image:
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.5)
        assert image.size[0] == round(3.5 * 300)  # saved at its own width, nothing cropped
        assert image.size[1] == pytest.approx(fig.get_figheight() * 300, abs=1)


def _greyscale_shape(collection) -> bytes:
    """The marker as it prints in greyscale: its filled area, or its outline ring when the
    face is white (an open marker), rasterised on a grid."""
    path = collection.get_paths()[0]
    grid = np.stack(np.meshgrid(np.linspace(-0.7, 0.7, 57), np.linspace(-0.7, 0.7, 57)), -1)
    points = grid.reshape(-1, 2)
    inside = path.contains_points(points)
    face = collection.get_facecolor()[0]
    if np.allclose(face[:3], 1.0):  # white face: only the outline prints
        inside &= ~path.contains_points(points / 0.75)
    return np.packbits(inside).tobytes()


def test_identities_differ_in_shape_so_they_read_in_greyscale(crowded_fit):
    _, ax = crowded_fit.plot("map")
    marks = [c for c in ax.collections if (c.get_gid() or "").startswith(MARK + IDENTITY)]
    assert len(marks) == len(crowded_fit.identities) == 12
    shapes = {_greyscale_shape(c) for c in marks}
    assert len(shapes) == len(marks)  # no two identities print alike without colour


def test_identity_styles_cover_thirty_identities_and_use_okabe_ito():
    styles = identity_styles([f"m{i}" for i in range(30)])
    assert len({(s.marker, s.open) for s in styles.values()}) == 30
    colours = {s.colour for s in styles.values()}
    assert len(colours) == 7 and colours <= {*OKABE_ITO, "#000000"}  # Okabe & Ito's palette
    assert [s.marker for s in list(styles.values())[:15]] == list(IDENTITY_MARKERS)

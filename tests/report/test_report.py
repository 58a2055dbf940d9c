"""The report folder: a self-contained page, its figures and tables, checked in Chromium."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from llmvalues.report import write_report
from tests.report.browser import open_report


@pytest.fixture(scope="module")
def written(simulated_content, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return out, write_report(simulated_content, out)


def test_every_output_is_written(written, simulated_fits):
    out, files = written
    assert files.html == out / "report.html"
    stems = {p.stem for p in files.figures}
    assert {"hierarchical_map", "hierarchical_forest", "hierarchical_ppc", "classic_map"} <= stems
    for stem in stems:
        assert {p.suffix for p in files.figures if p.stem == stem} == {".pdf", ".svg", ".png"}
    png = imread(out / "figures" / "hierarchical_map.png")
    assert png.shape[1] > 1500  # 300 dpi on a 7-inch-wide figure
    centroids = pd.read_parquet(out / "tables" / "hierarchical_centroids.parquet")
    fit = simulated_fits["hierarchical"]
    np.testing.assert_allclose(centroids["x_lo90"], fit.centroids["x_lo90"])
    metrics = pd.read_csv(out / "tables" / "classic_cultural_prompting_metrics.csv")
    assert "share_improved" in set(metrics["metric"])
    assert {p.name for p in files.exports} == {"responses.sav", "responses.dta"}


def test_the_page_needs_nothing_from_outside(written):
    files = written[1]
    page = files.html.read_text(encoding="utf-8")
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert sources, "the page should embed figures and link its files"
    assert all(s.startswith(("data:", "#", "figures/", "tables/", "responses.")) for s in sources)
    assert "<link" not in page and "@import" not in page and "url(http" not in page
    assert "default-src 'none'" in page
    for section in ("positions", "distances", "cultural-prompting", "prompt-sensitivity",
                    "diagnostics", "answers", "prompts", "provenance", "citations"):  # fmt: skip
        assert f'id="{section}"' in page


def test_the_page_lists_replies_that_were_not_answers(written, simulated_responses):
    page = written[1].html.read_text(encoding="utf-8")
    assert "I&#x27;d rather not say" in page
    refused = (simulated_responses["status"] != "ok").sum()
    assert refused > 0 and "refusal phrase" in page


def test_the_map_in_chromium(written, simulated_fits, simulated_content, tmp_path):
    fit = simulated_fits["hierarchical"]
    with open_report(written[1].html) as visit:
        page = visit.page
        svg = page.locator("svg#iw-map")
        assert svg.count() == 1
        countries = page.locator("#iw-map .mark.country").count()
        assert countries == len(fit.preset.countries)
        stars = page.locator("#iw-map .mark.identity")
        assert stars.count() == len(fit.identities)
        assert page.locator("#iw-map .ellipse").count() == len(fit.identities)

        # hover each identity: its name, the interval and the nearest countries
        c = fit.centroids
        for i, name in enumerate(fit.identities):
            stars.nth(i).hover()
            tip = page.locator("#map-tip")
            assert tip.is_visible()
            text = tip.inner_text()
            row = c.loc[name]
            assert text.splitlines()[0] == name
            assert f"x {row['x']:.2f} [{row['x_lo90']:.2f}, {row['x_hi90']:.2f}]" in text
            assert f"y {row['y']:.2f} [{row['y_lo90']:.2f}, {row['y_hi90']:.2f}]" in text
            nearest = fit.nearest(1).set_index("identity").loc[name, "country"]
            assert f"nearest: {nearest} " in text
        page.locator("#iw-map .mark.country").first.hover()
        first = fit.preset.countries["country"].iloc[0]
        assert page.locator("#map-tip").inner_text().splitlines()[0] in set(
            fit.preset.countries["country"]
        )

        # toggling a layer and an identity changes what is drawn
        ellipses = page.locator('#iw-map g.layer[data-layer="ellipses"]')
        assert ellipses.is_visible()
        page.locator('input[data-layer="ellipses"]').uncheck()
        assert ellipses.evaluate("g => getComputedStyle(g).display") == "none"
        who = fit.identities[1]
        page.locator(f'input[data-identity="{who}"]').uncheck()
        group = page.locator(f'#iw-map g.identity[data-identity="{who}"]')
        assert group.evaluate("g => getComputedStyle(g).display") == "none"
        page.locator('button[data-identities="all"]').click()
        assert group.evaluate("g => getComputedStyle(g).display") != "none"
        trajectories = page.locator('#iw-map g.layer[data-layer="trajectories"]')
        assert not trajectories.is_visible()
        page.locator('input[data-layer="trajectories"]').check()
        assert trajectories.is_visible()
        assert page.locator("#iw-map .trajectory").count() > 50

        page.mouse.move(0, 0)
        shot = tmp_path / "map.png"
        svg.screenshot(path=str(shot))
        assert visit.errors == []
        assert visit.external == []
    pixels = imread(shot)[..., :3]
    assert pixels.std() > 0.05  # not blank
    saturation = pixels.max(axis=-1) - pixels.min(axis=-1)
    coloured = (saturation > 0.35).sum()
    assert coloured > 20 * countries  # the zones' colours, several pixels per country mark
    assert first  # the preset has countries


def test_the_browser_check_can_fail(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        '<html><body><img src="http://example.invalid/x.png">'
        "<script>console.error('boom')</script></body></html>",
        encoding="utf-8",
    )
    with open_report(page) as visit:
        pass
    assert visit.external == ["http://example.invalid/x.png"]
    assert "boom" in visit.errors

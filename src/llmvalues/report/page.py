"""The report page: one HTML file with its CSS, script, map, tables and figures inside.

Nothing on the page loads from elsewhere: the style sheet and the script (package files
``report/assets``) are inlined, figures are ``data:`` images, fonts are the reader's own.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources

from llmvalues.plots.style import zone_style
from llmvalues.report.content import ReportContent, Sections, answer_quality
from llmvalues.report.svgmap import NO_ZONE, MapData, layer_names, render_map, zone_names
from llmvalues.summary import Summary

MAX_PROMPTS_SHOWN = 60  # distinct system prompts listed on the page (all are in prompts.csv)


@dataclass
class Figure:
    """A figure on the page: its title, an embedded PNG and the files written."""

    title: str
    data_uri: str
    files: list[str] = field(default_factory=list)


def _asset(name: str) -> str:
    return resources.files("llmvalues.report.assets").joinpath(name).read_text(encoding="utf-8")


def _e(text: object) -> str:
    return html.escape(str(text))


def _section(anchor: str, heading: str, body: list[str]) -> list[str]:
    return [f'<section class="part" id="{anchor}">', f"<h2>{_e(heading)}</h2>", *body, "</section>"]


def _facts(mapping: dict) -> str:
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in mapping.items())
    return f'<dl class="facts">{rows}</dl>'


def _controls(data: MapData, svg: str) -> list[str]:
    layers = dict(layer_names(svg))
    zones = []
    for zone in zone_names(data.countries):
        colour, _ = zone_style(None if zone == NO_ZONE else zone)
        zones.append(
            f'<label><input type="checkbox" checked data-layer="zone:{_e(zone)}">'
            f'<span class="swatch" style="background:{colour}"></span>{_e(zone)}</label>'
        )
    others = []
    for name, label in layers.items():
        if name.startswith("zone:"):
            continue
        visible = name not in ("trajectories",) and not name.startswith("preset:")
        checked = " checked" if visible else ""
        others.append(
            f'<label><input type="checkbox"{checked} data-layer="{_e(name)}">{_e(label)}</label>'
        )
    others.append(
        '<label><input type="checkbox" checked id="toggle-country-labels">country names</label>'
    )
    identities = [
        f'<label title="{_e(name)}"><input type="checkbox" checked data-identity="{_e(name)}">'
        f"{_e(name)}</label>"
        for name in data.identities["identity"]
    ]
    return [
        '<div class="controls" id="map-controls">',
        "<fieldset><legend>Layers</legend>",
        *others,
        "</fieldset>",
        "<fieldset><legend>Cultural zones</legend>",
        *zones,
        "</fieldset>",
        "<fieldset><legend>Identities</legend>",
        '<button type="button" data-identities="all">all</button>'
        '<button type="button" data-identities="none">none</button>',
        '<div class="identities">',
        *identities,
        "</div></fieldset>",
        "</div>",
    ]


def _figures(figures: list[Figure]) -> list[str]:
    out = []
    for fig in figures:
        links = " · ".join(
            f'<a href="{_e(path)}">{_e(path.rsplit(".", 1)[-1])}</a>' for path in fig.files
        )
        out.append(
            f'<figure><img alt="{_e(fig.title)}" src="{fig.data_uri}">'
            f"<figcaption>{_e(fig.title)}{' — ' + links if links else ''}</figcaption></figure>"
        )
    return out


def _prompts(content: ReportContent) -> list[str]:
    import yaml

    out = [
        "<h3>Settings</h3>",
        f'<pre class="prompt">{_e(yaml.safe_dump(content.settings, sort_keys=False, allow_unicode=True, width=96))}</pre>',
    ]
    prompts = content.prompts
    if prompts is None or prompts.empty:
        return out
    systems = list(dict.fromkeys(prompts["system"]))
    shown = systems[:MAX_PROMPTS_SHOWN]
    out.append(
        f"<h3>System prompts ({len(systems)} distinct"
        f"{f', the first {len(shown)} shown; all in tables/prompts.csv' if len(shown) < len(systems) else ''})</h3>"
    )
    out.append("<details><summary>show the system prompts</summary>")
    out += [f'<pre class="prompt">{_e(text)}</pre>' for text in shown]
    out.append("</details>")
    questions = prompts.drop_duplicates(["item", "user"])
    out.append(f"<h3>Questions ({len(questions)} distinct item wordings and option orders)</h3>")
    out.append("<details><summary>show the questions as asked</summary>")
    for row in questions.head(MAX_PROMPTS_SHOWN).itertuples():
        out.append(f"<p class='note'>{_e(row.item.upper())} ({_e(row.variant)})</p>")
        out.append(f'<pre class="prompt">{_e(row.user)}</pre>')
    out.append("</details>")
    sampling = prompts["sampling"].value_counts().rename_axis("sampling").reset_index(name="calls")
    out.append(Summary("Sampling settings sent", {"": sampling}).to_html())
    return out


def render_page(
    content: ReportContent,
    sections: Sections,
    figures: list[Figure],
    files: list[str],
    data: MapData,
) -> str:
    """The whole report as one HTML document.

    ``sections``: each fit's (section, Summary) pairs; ``data``: the map's layers.
    """
    svg = render_map(data)
    shown: list[tuple[str, str, list[str]]] = []
    map_body = [
        '<div class="map-wrap">',
        '<div class="map-box">',
        svg,
        '<div id="map-tip" role="tooltip" hidden></div>',
        "</div>",
        *_controls(data, svg),
        "</div>",
        f"<p class='note'>Main fit: {_e(next(iter(content.fits)))} "
        f"({_e(content.main.method)}, estimand {_e(content.main.estimand)}); stars are the "
        f"identities with their {content.level:.0%} intervals on each axis; hover a mark for "
        f"its values. Reference points: {_e(content.main.preset.citation)}</p>",
    ]
    shown.append(("map", "The map", map_body))
    by_section: dict[str, list[str]] = {}
    for name in content.fits:
        for section, summary in sections[name]:
            by_section.setdefault(section, []).append(summary.to_html())
    headings = {
        "positions": "Positions with intervals",
        "distances": "Distances to the reference countries",
        "cultural-prompting": "Cultural prompting",
        "prompt-sensitivity": "Prompt sensitivity",
        "diagnostics": "Diagnostics",
    }
    by_section["positions"] += [
        f"<p class='note'>Fit {_e(name)} not made: {_e(why)}</p>"
        for name, why in content.unfitted.items()
    ]
    for section, heading in headings.items():
        if section in by_section:
            shown.append((section, heading, by_section[section]))
    shown.append(
        ("answers", "Refusals and parse failures", [answer_quality(content.responses).to_html()])
    )
    if content.change is not None:
        change = content.change
        shown.append(
            (
                "change",
                f"Change since {change.since}",
                [change.summary.to_html()],
            )
        )
    if figures:
        shown.append(("figures", "Figures", _figures(figures)))
    shown.append(("prompts", "Prompts and settings", _prompts(content)))
    shown.append(("provenance", "Provenance", [_facts(content.provenance)]))
    if content.citations or content.notes:
        body = [f"<p>{_e(c)}</p>" for c in content.citations]
        if content.notes:
            body.append("<h3>Differences from the published protocol</h3>")
            body += [f"<p class='note'>{_e(n)}</p>" for n in content.notes]
        shown.append(("citations", "Citations and notes", body))
    if files:
        links = "".join(f'<li><a href="{_e(p)}">{_e(p)}</a></li>' for p in files)
        shown.append(("files", "Files", [f"<ul>{links}</ul>"]))
    toc = " ".join(f'<a href="#{a}">{_e(h)}</a>' for a, h, _ in shown)
    payload = json.dumps({"tips": data.tips}, ensure_ascii=False).replace("</", "<\\/")
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    head = {
        "generated": generated,
        **{k: v for k, v in content.provenance.items() if k in ("model", "collected")},
    }
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">",
        f"<title>{_e(content.title)}</title>",
        f"<style>{_asset('report.css')}</style>",
        "</head><body>",
        f"<header><h1>{_e(content.title)}</h1>",
        f'<p class="lead">{_e(content.description)}</p>' if content.description else "",
        _facts(head),
        f'<nav class="toc">{toc}</nav></header>',
        "<main>",
    ]
    for anchor, heading, body in shown:
        parts += _section(anchor, heading, body)
    parts += [
        "</main>",
        f"<footer>Made with llmvalues {_e(content.provenance.get('llmvalues', ''))} on {generated}.</footer>",
        f'<script type="application/json" id="report-data">{payload}</script>',
        f"<script>{_asset('report.js')}</script>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)

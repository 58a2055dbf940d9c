"""Write a study's report folder: ``report.html``, ``figures/``, ``tables/`` and the exports."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from pathlib import Path

from llmvalues.report.content import ReportContent, fit_sections, map_data, result_tables
from llmvalues.report.exports import export_spss_stata, write_tables
from llmvalues.report.page import Figure, render_page

OUTPUTS = ("report", "figures", "tables", "spss", "stata")
EMBED_DPI = 100  # the page's copy of each figure; the PNG files are 300 dpi


@dataclass
class ReportFiles:
    """What :func:`write_report` wrote."""

    html: Path | None
    figures: list[Path] = field(default_factory=list)
    tables: list[Path] = field(default_factory=list)
    exports: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # figures a fit could not draw, and why

    @property
    def all(self) -> list[Path]:
        return [*([self.html] if self.html else []), *self.figures, *self.tables, *self.exports]


def _figure_kinds(fit) -> list[str]:
    kinds = ["map", "forest"]
    if fit.method == "hierarchical":
        kinds += ["variants", "ppc"]
    return kinds


def _embed(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=EMBED_DPI, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _draw(
    content: ReportContent, folder: Path, out: Path
) -> tuple[list[Figure], list[Path], list[str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from llmvalues.plots import save_figure

    jobs = [
        (f"{name}_{kind}", f"{name}: {kind}", fit, kind, {})
        for name, fit in content.fits.items()
        for kind in _figure_kinds(fit)
    ]
    if content.change is not None and content.change.fit is not None:
        jobs += [
            (
                f"change_trajectory_{i}",
                f"{who} over collection dates",
                content.change.fit,
                "trajectory",
                kw,
            )
            for i, (who, kw) in enumerate(content.change.trajectory.items())
        ]
    figures, paths, skipped = [], [], []
    for stem, title, fit, kind, kwargs in jobs:
        try:
            fig, _ = fit.plot(kind=kind, **kwargs)
        except (ValueError, KeyError) as exc:
            skipped.append(f"{title}: {exc}")
            continue
        written = save_figure(fig, folder / stem)
        figures.append(Figure(title, _embed(fig), [p.relative_to(out).as_posix() for p in written]))
        paths += written
        plt.close(fig)
    return figures, paths, skipped


def write_report(
    content: ReportContent, out: str | Path, outputs: tuple[str, ...] = OUTPUTS
) -> ReportFiles:
    """Write the report folder ``out`` for ``content``.

    Parameters
    ----------
    content
        The fits, Responses, settings and provenance to report.
    out
        The folder (created if needed): ``report.html``, ``figures/*.{pdf,svg,png}``,
        ``tables/*.{csv,parquet}``, ``responses.sav``, ``responses.dta``.
    outputs
        Which of ``report``, ``figures``, ``tables``, ``spss``, ``stata`` to write (the
        page shows the figures only when they are written).

    Returns
    -------
    ReportFiles
    """
    unknown = sorted(set(outputs) - set(OUTPUTS))
    if unknown:
        raise ValueError(f"unknown report output(s) {unknown}; choose from {list(OUTPUTS)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(html=None)
    sections = {name: fit_sections(name, fit, content) for name, fit in content.fits.items()}
    figures: list[Figure] = []
    if "figures" in outputs:
        figures, files.figures, files.skipped = _draw(content, out / "figures", out)
    if "tables" in outputs:
        files.tables = write_tables(result_tables(content, sections), out / "tables")
    formats = tuple(f for f in ("spss", "stata") if f in outputs)
    if formats:
        files.exports = export_spss_stata(content.responses, out, formats, content.title)
    if "report" in outputs:
        listed = [
            p.relative_to(out).as_posix() for p in [*files.figures, *files.tables, *files.exports]
        ]
        page = render_page(content, sections, figures, listed, map_data(content))
        files.html = out / "report.html"
        files.html.write_text(page, encoding="utf-8")
    return files

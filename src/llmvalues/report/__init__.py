"""The study report: one self-contained HTML page, figures, tables and SPSS/Stata files.

``write_report(ReportContent(...), out)`` writes ``out/report.html`` (an interactive map
in inline SVG, the tables a paper needs, prompts, settings, provenance, citations),
``out/figures/*.{pdf,svg,png}``, ``out/tables/*.{csv,parquet}``, ``out/responses.sav`` and
``out/responses.dta``.
"""

from llmvalues.report.content import ChangeSection, ReportContent
from llmvalues.report.exports import export_spss_stata, wide_responses, write_tables
from llmvalues.report.write import OUTPUTS, ReportFiles, write_report

__all__ = [
    "OUTPUTS",
    "ChangeSection",
    "ReportContent",
    "ReportFiles",
    "export_spss_stata",
    "wide_responses",
    "write_report",
    "write_tables",
]

"""One summary type for every result: titled tables and notes that print as text and render
to a DataFrame, Markdown, LaTeX or HTML (statsmodels' ``Summary`` is the model).

Every public result class returns a :class:`Summary` from ``.summary()``; its first table
is the main one (``Summary.to_frame()``), further tables and the notes say what a reader
needs to interpret it (estimand, interval level, assumptions, warnings).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Summary"]


def _cell(value: Any, digits: int) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return ""
        return f"{value:.{digits}f}"
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _strings(frame: pd.DataFrame, digits: int) -> tuple[list[str], list[list[str]]]:
    """Header and body cells of ``frame`` with its index as the first column(s)."""
    flat = frame.reset_index() if _has_index(frame) else frame
    header = [str(c) for c in flat.columns]
    body = [[_cell(v, digits) for v in row] for row in flat.itertuples(index=False)]
    return header, body


def _has_index(frame: pd.DataFrame) -> bool:
    index = frame.index
    return not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1) or any(
        n is not None for n in index.names
    )


def _latex_escape(text: str) -> str:
    for old, new in (
        ("\\", r"\textbackslash{}"),
        ("&", r"\&"),
        ("%", r"\%"),
        ("$", r"\$"),
        ("#", r"\#"),
        ("_", r"\_"),
        ("{", r"\{"),
        ("}", r"\}"),
        ("~", r"\textasciitilde{}"),
        ("^", r"\textasciicircum{}"),
    ):
        text = text.replace(old, new)
    return text


@dataclass
class Summary:
    """Titled tables plus notes: the one printable summary of every result.

    Parameters
    ----------
    title
        What the result is (one line).
    tables
        ``{caption: DataFrame}`` in display order; the first is the main table.
    notes
        Sentences a reader needs: the estimand, the interval level, assumptions, warnings.
    info
        Key facts shown as a two-column block under the title (method, preset, n, …).
    digits
        Decimals shown for floats (the DataFrames keep full precision).

    Examples
    --------
    >>> s = Summary("Example", {"positions": pd.DataFrame({"x": [0.123456]})})
    >>> print(s.to_frame().round(2))
          x
    0  0.12
    """

    title: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    digits: int = 3

    def __post_init__(self) -> None:
        if isinstance(self.tables, pd.DataFrame):
            self.tables = {"": self.tables}
        for caption, table in self.tables.items():
            if not isinstance(table, pd.DataFrame):
                raise TypeError(f"summary table {caption!r} must be a DataFrame")
        self.notes = [str(n) for n in self.notes]

    # ----- access -------------------------------------------------------------------------
    def to_frame(self, table: int | str = 0) -> pd.DataFrame:
        """One table as a DataFrame (by position or caption); the main table by default."""
        if isinstance(table, str):
            if table not in self.tables:
                raise KeyError(f"no summary table {table!r}; tables: {list(self.tables)}")
            return self.tables[table].copy()
        captions = list(self.tables)
        if not captions:
            raise ValueError(f"summary {self.title!r} holds no table")
        return self.tables[captions[table]].copy()

    def __getitem__(self, caption: str) -> pd.DataFrame:
        return self.to_frame(caption)

    # ----- rendering ----------------------------------------------------------------------
    def _info_lines(self) -> list[tuple[str, str]]:
        return [(str(k), _cell(v, self.digits)) for k, v in self.info.items()]

    def __str__(self) -> str:
        lines = [self.title, "=" * len(self.title)]
        info = self._info_lines()
        if info:
            width = max(len(k) for k, _ in info)
            lines += [f"{k:<{width}}  {v}" for k, v in info]
        for caption, table in self.tables.items():
            lines.append("")
            if caption:
                lines += [caption, "-" * len(caption)]
            header, body = _strings(table, self.digits)
            widths = [
                max(len(h), *(len(r[i]) for r in body)) if body else len(h)
                for i, h in enumerate(header)
            ]
            lines.append("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
            lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in body]
        if self.notes:
            lines.append("")
            lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def to_text(self) -> str:
        """The plain-text rendering (what ``print`` shows)."""
        return str(self)

    def to_markdown(self) -> str:
        """GitHub-flavoured Markdown: a heading, the facts, one pipe table per table, notes."""
        out = [f"### {self.title}", ""]
        info = self._info_lines()
        if info:
            out += [f"- **{k}**: {v}" for k, v in info] + [""]
        for caption, table in self.tables.items():
            if caption:
                out += [f"**{caption}**", ""]
            header, body = _strings(table, self.digits)
            esc = [[c.replace("|", r"\|") for c in row] for row in [header, *body]]
            out.append("| " + " | ".join(esc[0]) + " |")
            out.append("|" + "|".join("---" for _ in header) + "|")
            out += ["| " + " | ".join(r) + " |" for r in esc[1:]]
            out.append("")
        out += [f"*{n}*" for n in self.notes]
        return "\n".join(out).rstrip() + "\n"

    def to_latex(self) -> str:
        """LaTeX ``table`` environments (booktabs rules), one per table, notes below."""
        out = []
        for caption, table in self.tables.items():
            header, body = _strings(table, self.digits)
            spec = "l" + "r" * (len(header) - 1)
            out += [
                r"\begin{table}[ht]",
                r"\centering",
                rf"\caption{{{_latex_escape(caption or self.title)}}}",
                rf"\begin{{tabular}}{{{spec}}}",
                r"\toprule",
                " & ".join(_latex_escape(h) for h in header) + r" \\",
                r"\midrule",
                *(" & ".join(_latex_escape(c) for c in row) + r" \\" for row in body),
                r"\bottomrule",
                r"\end{tabular}",
                r"\end{table}",
            ]
        if self.notes:
            out.append(r"\begin{flushleft}\footnotesize")
            out += [_latex_escape(n) + r"\\" for n in self.notes]
            out.append(r"\end{flushleft}")
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        """An HTML fragment (no scripts, no external resources)."""
        esc = html.escape
        out = [f"<section class='llmvalues-summary'><h3>{esc(self.title)}</h3>"]
        info = self._info_lines()
        if info:
            out.append(
                "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in info) + "</dl>"
            )
        for caption, table in self.tables.items():
            header, body = _strings(table, self.digits)
            out.append("<table>")
            if caption:
                out.append(f"<caption>{esc(caption)}</caption>")
            out.append("<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>")
            out.append("</thead><tbody>")
            out += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in body]
            out.append("</tbody></table>")
        out += [f"<p class='note'>{esc(n)}</p>" for n in self.notes]
        out.append("</section>")
        return "\n".join(out)

    def _repr_html_(self) -> str:  # Jupyter
        return self.to_html()

    # ----- building -----------------------------------------------------------------------
    @classmethod
    def combine(cls, title: str, parts: Iterable[Summary], **kwargs: Any) -> Summary:
        """Several summaries as one (tables prefixed with each part's title)."""
        tables: dict[str, pd.DataFrame] = {}
        notes: list[str] = []
        for part in parts:
            for caption, table in part.tables.items():
                tables[f"{part.title}: {caption}" if caption else part.title] = table
            notes += [n for n in part.notes if n not in notes]
        return cls(title, tables, notes, **kwargs)

    def with_notes(self, notes: Iterable[str]) -> Summary:
        """A copy with more notes."""
        return Summary(self.title, dict(self.tables), [*self.notes, *notes], dict(self.info))

    @staticmethod
    def facts(mapping: Mapping[str, Any]) -> pd.DataFrame:
        """A one-column table ``value`` indexed by ``fact`` from a mapping."""
        return pd.DataFrame(
            {"value": list(mapping.values())}, index=pd.Index(list(mapping), name="fact")
        )

"""Responses → aggregated cell counts for the hierarchical map model.

Identical answers in the same (identity, variant, item) cell are one row with a count, so
the likelihood costs grow with the number of distinct cells, not with the number of replies.
Log-prob answer distributions enter as expected (fractional) counts.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from llmvalues.instruments import load_instrument
from llmvalues.iw.identities import answer_status, has_probs, identity_attributes, response_sets
from llmvalues.iw.items import ITEMS
from llmvalues.responses import ResponsesError

ANSWER_SOURCES = ("sampled", "probs", "both")


@dataclass(frozen=True)
class CellCounts:
    """Counts per (identity, variant, item, category) plus the bookkeeping around them."""

    identities: tuple[str, ...]
    variants: tuple[str, ...]
    items: tuple[str, ...]
    codes: tuple[tuple[int, ...], ...]  # raw codes per item, ordered
    cell_identity: np.ndarray  # (n_cells,) identity index of each (identity, variant, item) cell
    cell_variant: np.ndarray
    cell_item: np.ndarray
    row_cell: np.ndarray  # (n_rows,) cell of each (cell, category) count row
    row_category: np.ndarray  # 0-based category
    row_count: np.ndarray  # float: sampled answers and/or expected counts from log-probs
    status: pd.DataFrame  # identity, item, n_rows, n_ok, n_refusal, n_failed, n_probs, rates
    sets: pd.DataFrame  # identity, variant (every pair asked), n_total, n_usable, n_complete
    attributes: pd.DataFrame  # one row per identity: columns constant within identity

    @property
    def n_categories(self) -> np.ndarray:
        return np.array([len(c) for c in self.codes])

    @property
    def n_cells(self) -> int:
        return len(self.cell_item)

    @property
    def n_answers(self) -> float:
        return float(self.row_count.sum())

    def dense_counts(self) -> np.ndarray:
        """(n_cells, max categories) count matrix (zeros where a category was not seen)."""
        out = np.zeros((self.n_cells, int(self.n_categories.max())))
        np.add.at(out, (self.row_cell, self.row_category), self.row_count)
        return out


def _probs_to_vector(probs: object, codes: tuple[int, ...], where: str) -> np.ndarray | None:
    """A {raw code: probability} mapping → normalised vector over ``codes`` (None if absent)."""
    if probs is None or (isinstance(probs, float) and np.isnan(probs)):
        return None
    if not isinstance(probs, Mapping):
        raise ResponsesError(f"{where}: 'probs' must be a dict raw code → probability")
    if not probs:
        return None
    vec = np.zeros(len(codes))
    for key, value in probs.items():
        try:
            code = int(float(key))
        except (TypeError, ValueError):
            raise ResponsesError(f"{where}: 'probs' key {key!r} is not a raw code") from None
        if code not in codes:
            raise ResponsesError(f"{where}: 'probs' key {code} is not a valid code {list(codes)}")
        p = float(value)
        if not np.isfinite(p) or p < 0:
            raise ResponsesError(f"{where}: 'probs' value {value!r} for code {code} is invalid")
        vec[codes.index(code)] += p
    total = vec.sum()
    if total <= 0:
        raise ResponsesError(f"{where}: 'probs' sum to zero")
    return vec / total


def check_answers(answers: str) -> str:
    """``answers`` if it is one of :data:`ANSWER_SOURCES`, else a ValueError."""
    if answers not in ANSWER_SOURCES:
        raise ValueError(f"answers must be one of {ANSWER_SOURCES}, got {answers!r}")
    return answers


def aggregate_responses(
    df: pd.DataFrame, answers: str = "sampled", aggregate: bool = True
) -> CellCounts:
    """Aggregate a validated Responses table into ordinal counts per cell and category.

    The table must come from :func:`llmvalues.validate_responses` (the fit's door does
    that once); the ``probs`` column, which validation leaves alone, is checked here.

    Parameters
    ----------
    df
        A validated Responses table.
    answers
        ``"sampled"`` (parsed answers), ``"probs"`` (log-prob distributions as expected
        counts where stored, else the sampled answer) or ``"both"``.
    aggregate
        ``False`` keeps one likelihood row per answer (the per-response baseline of
        benchmarks/bench_hierarchical.py); the model and its posterior are the same.

    Returns
    -------
    CellCounts

    Raises
    ------
    llmvalues.ResponsesError
        A bad ``probs`` value, or an identity without a usable answer.
    """
    check_answers(answers)
    instrument = load_instrument()
    if answers != "sampled" and "probs" not in df.columns:
        raise ResponsesError(f"answers={answers!r} needs a 'probs' column (log-prob distributions)")
    identities = tuple(pd.unique(df["identity"]))
    variants = tuple(pd.unique(df["variant"]))
    items = ITEMS
    codes = tuple(tuple(instrument[i].codes) for i in items)
    id_index = pd.Index(identities)
    var_index = pd.Index(variants)
    item_index = pd.Index(items)

    ok = (df["status"] == "ok").to_numpy()
    parts: list[pd.DataFrame] = []
    use_codes = ok.copy()
    if answers != "sampled":
        with_probs = has_probs(df).to_numpy()
        if answers == "probs":
            use_codes &= ~with_probs
        rows = np.flatnonzero(with_probs)
        if len(rows):
            sub = df.iloc[rows]
            item_pos = item_index.get_indexer(sub["item"])
            vecs = np.zeros((len(rows), max(len(c) for c in codes)))
            for n, (probs, j) in enumerate(zip(sub["probs"], item_pos, strict=True)):
                where = f"row {sub.index[n]!r}, item {items[j]!r}"
                vecs[n, : len(codes[j])] = _probs_to_vector(probs, codes[j], where)
            frame = pd.DataFrame(vecs)
            frame["identity"] = id_index.get_indexer(sub["identity"])
            frame["variant"] = var_index.get_indexer(sub["variant"])
            frame["item"] = item_pos
            long = frame.melt(["identity", "variant", "item"], var_name="category", value_name="n")
            parts.append(long[long["n"] > 0])
    sampled = df.loc[use_codes, ["identity", "variant", "item", "code"]]
    if len(sampled):
        item_pos = item_index.get_indexer(sampled["item"])
        # raw code → 0-based category through each item's ordered code list
        offset = np.array([c[0] for c in codes])
        category = sampled["code"].to_numpy(dtype=int) - offset[item_pos]
        parts.append(
            pd.DataFrame(
                {
                    "identity": id_index.get_indexer(sampled["identity"]),
                    "variant": var_index.get_indexer(sampled["variant"]),
                    "item": item_pos,
                    "category": category,
                    "n": 1.0,
                }
            )
        )
    status = answer_status(df)
    empty = status.groupby("identity", sort=False)["n_ok"].sum()
    if answers != "sampled":
        empty = empty.where(~status.groupby("identity", sort=False)["n_probs"].sum().gt(0), 1)
    no_answers = [str(i) for i, n in empty.items() if n == 0]
    if no_answers:
        raise ResponsesError(
            f"identity {no_answers[0]!r} has no usable answers (every row is refused, invalid or "
            f"missing){f'; also {no_answers[1:]}' if len(no_answers) > 1 else ''}: drop it or "
            "collect answers before fitting"
        )
    if not parts:
        raise ResponsesError("responses hold no usable answers")
    counts = pd.concat(parts, ignore_index=True)
    counts["category"] = counts["category"].astype(int)
    if aggregate:
        keys = ["identity", "variant", "item", "category"]
        counts = counts.groupby(keys, as_index=False)["n"].sum()
    cells = counts[["identity", "variant", "item"]].drop_duplicates()
    cells = cells.sort_values(["identity", "variant", "item"], ignore_index=True)
    cell_of = pd.MultiIndex.from_frame(cells).get_indexer(
        pd.MultiIndex.from_frame(counts[["identity", "variant", "item"]])
    )
    _warn_uninformative(status, counts, items, codes)
    return CellCounts(
        identities=identities,
        variants=variants,
        items=items,
        codes=codes,
        cell_identity=cells["identity"].to_numpy(),
        cell_variant=cells["variant"].to_numpy(),
        cell_item=cells["item"].to_numpy(),
        row_cell=cell_of,
        row_category=counts["category"].to_numpy(),
        row_count=counts["n"].to_numpy(dtype=float),
        status=status,
        sets=response_sets(df),
        attributes=identity_attributes(df),
    )


def _warn_uninformative(status: pd.DataFrame, counts: pd.DataFrame, items: tuple, codes) -> None:
    """Warn (naming them) about identity × item pairs and items the data say nothing about."""
    no_data = status[(status["n_ok"] == 0) & (status["n_probs"] == 0)]
    if len(no_data):
        pairs = ", ".join(f"{r.identity}/{r.item}" for r in no_data.head(5).itertuples())
        more = f" and {len(no_data) - 5} more" if len(no_data) > 5 else ""
        warnings.warn(
            f"no usable answers for {pairs}{more}: those expected answers (and the map positions "
            "that use them) come from the prior alone, so their intervals are wide",
            UserWarning,
            stacklevel=3,
        )
    seen = counts.groupby("item")["category"].nunique()
    constant = [items[j] for j, n in seen.items() if n == 1 and len(codes[j]) > 1]
    if constant:
        warnings.warn(
            f"every answer to item(s) {constant} is the same category: their cut-points are set "
            "by the prior and the expected answers are pulled towards that category without "
            "reaching it (see docs/hierarchical.md, 'all answers identical')",
            UserWarning,
            stacklevel=3,
        )


def densify(data: CellCounts) -> CellCounts:
    """The same counts with a row for every (cell, category), zeros included.

    A fixed row layout lets one compiled model be refitted to new counts of the same
    design with ``pm.set_data`` (simulation studies).
    """
    k = data.n_categories[data.cell_item]
    row_cell = np.repeat(np.arange(data.n_cells), k)
    row_category = np.concatenate([np.arange(n) for n in k])
    dense = data.dense_counts()
    return CellCounts(
        identities=data.identities,
        variants=data.variants,
        items=data.items,
        codes=data.codes,
        cell_identity=data.cell_identity,
        cell_variant=data.cell_variant,
        cell_item=data.cell_item,
        row_cell=row_cell,
        row_category=row_category,
        row_count=dense[row_cell, row_category],
        status=data.status,
        sets=data.sets,
        attributes=data.attributes,
    )

"""Responses → aggregated cell counts for the hierarchical map model.

Identical answers in the same (identity, variant, item) cell are one row with a count, so
the likelihood costs grow with the number of distinct cells, not with the number of replies.

Two rules decide how much each reply counts:

- **Deterministic cells count once.** A cell asked at temperature 0 (deterministic
  decoding) gives the same answer however often it is asked, so its replicates are one
  observation: their answers are averaged into one unit of weight (if replicates disagree —
  a nondeterministic server — each keeps its share of that one unit). ``replicates=``
  chooses: ``"auto"`` (the recorded ``temperature``: 0 collapses; with no temperature
  recorded, collapse when some cell has several answered replicates and every such cell's
  replicates agree, with a warning), ``"independent"`` or ``"collapse"``.
- **A seeded draw counts once.** Above temperature 0, replicates of one cell that the store
  records with the same sampling ``seed`` (and the same ``backend``, ``model`` and
  ``temperature`` where those columns exist) are the same draw repeated: they share one
  unit of weight. Unlike a deterministic cell, the cell's expected answer is still the mean
  of its sampling distribution, not the answer given.
- **A log-prob distribution is one query's expected answer counts.** With
  ``answers="probs"``, an answered row (status ``ok``) that carries a distribution enters as
  its option probabilities, *not renormalised*: the probability outside the listed options
  is the chance that this query would not have been answered, so the in-scale mass is the
  weight (the expected number of answers the query gives, ≤ 1). Rows without a
  distribution (Y002 and Y003 never have one) enter as their sampled answer; the items fed
  by both are stated. Refused and invalid rows never contribute, whatever they carry.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from llmvalues.instruments import load_instrument
from llmvalues.iw.identities import answer_status, identity_attributes, response_sets
from llmvalues.iw.items import ITEMS
from llmvalues.responses import ResponsesError

ANSWER_SOURCES = ("sampled", "probs")
REPLICATES = ("auto", "independent", "collapse")
PROBS_TOLERANCE = 1e-6  # rounding slack on a distribution's total (≤ 1)


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
    row_count: np.ndarray  # float: weights (answers, expected counts, collapsed shares)
    status: pd.DataFrame  # identity, item, n_rows, n_ok, …, n_effective, n_from_probs
    sets: pd.DataFrame  # identity, variant (every pair asked), n_total, …, deterministic
    attributes: pd.DataFrame  # one row per identity: columns constant within identity
    cell_deterministic: np.ndarray | None = None  # (n_cells,) bool: collapsed, answer known
    determinism: str = ""  # how deterministic cells were recognised ("" when none)
    seeded: str = ""  # which replies repeated a seeded draw and counted once ("" when none)

    def __post_init__(self) -> None:
        if self.cell_deterministic is None:
            object.__setattr__(self, "cell_deterministic", np.zeros(self.n_cells, dtype=bool))

    @property
    def n_categories(self) -> np.ndarray:
        return np.array([len(c) for c in self.codes])

    @property
    def n_cells(self) -> int:
        return len(self.cell_item)

    @property
    def n_answers(self) -> float:
        """Effective number of answers: the total weight of the likelihood rows."""
        return float(self.row_count.sum())

    def dense_counts(self) -> np.ndarray:
        """(n_cells, max categories) count matrix (zeros where a category was not seen)."""
        out = np.zeros((self.n_cells, int(self.n_categories.max())))
        np.add.at(out, (self.row_cell, self.row_category), self.row_count)
        return out

    def cell_means(self) -> np.ndarray:
        """(n_cells,) mean raw answer of each cell (weights of its rows)."""
        dense = self.dense_counts()
        width = dense.shape[1]
        values = np.array([[*c, *[0] * (width - len(c))] for c in self.codes], dtype=float)
        return (dense * values[self.cell_item]).sum(1) / dense.sum(1)

    @property
    def deterministic(self) -> bool:
        """Every cell was collapsed as deterministic (e.g. all answers at temperature 0)."""
        return bool(self.n_cells and self.cell_deterministic.all())


def check_answers(answers: str) -> str:
    """``answers`` if it is one of :data:`ANSWER_SOURCES`, else a ValueError."""
    if answers not in ANSWER_SOURCES:
        raise ValueError(
            f"answers must be one of {ANSWER_SOURCES}, got {answers!r} (a query's sampled "
            "answer is a draw from its own distribution: using both would count it twice)"
        )
    return answers


def check_replicates(replicates: str) -> str:
    """``replicates`` if it is one of :data:`REPLICATES`, else a ValueError."""
    if replicates not in REPLICATES:
        raise ValueError(f"replicates must be one of {REPLICATES}, got {replicates!r}")
    return replicates


def read_probs(df: pd.DataFrame) -> pd.DataFrame:
    """The table with its ``probs`` column as dicts (or None): JSON text is parsed.

    ``Store.export`` writes each distribution as a JSON object; a CSV read back gives
    strings, which are read here, never ignored.

    Raises
    ------
    llmvalues.ResponsesError
        A cell that is neither empty, a mapping nor a JSON object (naming the row).
    """
    if "probs" not in df.columns:
        return df

    def one(value: object, label: object) -> dict | None:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, str):
            text = value.strip()
            if not text or text.lower() in ("null", "nan", "none"):
                return None
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                raise ResponsesError(
                    f"row {label!r}: 'probs' {text[:40]!r} is not JSON ({error.msg}); write "
                    'a distribution as {"code": probability, …}'
                ) from None
            if value is None:
                return None
        if not isinstance(value, Mapping):
            raise ResponsesError(
                f"row {label!r}: 'probs' must be a dict (or JSON object) raw code → "
                f"probability, got {type(value).__name__}"
            )
        return dict(value) or None

    parsed = [one(v, label) for label, v in df["probs"].items()]
    return df.assign(probs=pd.Series(parsed, index=df.index, dtype=object))


def _probs_to_vector(probs: Mapping, codes: tuple[int, ...], where: str) -> np.ndarray:
    """A {raw code: probability} mapping → expected counts over ``codes`` (not renormalised)."""
    vec = np.zeros(len(codes))
    for key, value in probs.items():
        try:
            code = int(float(key))
        except (TypeError, ValueError):
            raise ResponsesError(f"{where}: 'probs' key {key!r} is not a raw code") from None
        if code not in codes:
            raise ResponsesError(f"{where}: 'probs' key {code} is not a valid code {list(codes)}")
        try:
            p = float(value)
        except (TypeError, ValueError):
            p = np.nan
        if not np.isfinite(p) or p < 0:
            raise ResponsesError(f"{where}: 'probs' value {value!r} for code {code} is invalid")
        vec[codes.index(code)] += p
    total = vec.sum()
    if total <= 0:
        raise ResponsesError(f"{where}: 'probs' sum to zero")
    if total > 1 + PROBS_TOLERANCE:
        raise ResponsesError(
            f"{where}: 'probs' sum to {total:.6g} > 1; they are the probabilities of one "
            "reply's options (the mass outside the options is the rest, never renormalised)"
        )
    return np.minimum(vec, vec / total)  # rounding above 1 is trimmed, nothing scaled up


def _temperature(df: pd.DataFrame) -> pd.Series:
    """The ``temperature`` column as floats (NaN where not recorded), checked."""
    if "temperature" not in df.columns:
        return pd.Series(np.nan, index=df.index)
    values = pd.to_numeric(df["temperature"], errors="coerce")
    bad = (values.isna() & df["temperature"].notna()) | (values < 0)
    if bad.any():
        label = df.index[np.flatnonzero(bad.to_numpy())[0]]
        raise ResponsesError(
            f"column 'temperature', row {label!r}: {df['temperature'].loc[label]!r} is not a "
            "sampling temperature (a number ≥ 0; leave it empty where unknown)"
        )
    return values.astype(float)


def deterministic_rows(df: pd.DataFrame, replicates: str = "auto") -> tuple[np.ndarray, str]:
    """Which rows were decoded deterministically, and how that was decided.

    Parameters
    ----------
    df
        A validated Responses table.
    replicates
        ``"auto"``, ``"independent"`` or ``"collapse"`` (module docstring).

    Returns
    -------
    (flags, rule)
        A bool per row, and a phrase saying how they were set ("" when none is).
    """
    check_replicates(replicates)
    if replicates == "collapse":
        return np.ones(len(df), dtype=bool), "replicates='collapse'"
    if replicates == "independent":
        return np.zeros(len(df), dtype=bool), ""
    temperature = _temperature(df)
    flags = (temperature == 0).to_numpy()
    rules = ["temperature 0 recorded"] if flags.any() else []
    unknown = temperature.isna().to_numpy()
    if unknown.any():
        sub = df[unknown & (df["status"] == "ok").to_numpy()]
        per_cell = sub.groupby(["identity", "variant", "item"], sort=False)["code"]
        repeated = per_cell.size() > 1
        if repeated.any() and (per_cell.nunique()[repeated] == 1).all():
            flags = flags | unknown
            rules.append("no temperature recorded and every repeated cell answered alike")
            warnings.warn(
                f"no temperature is recorded and the replicates of all {int(repeated.sum())} "
                "repeated cells are identical: treating them as deterministic (temperature 0), "
                "so each cell counts once; pass replicates='independent' if they were sampled "
                "independently, or record the temperature",
                UserWarning,
                stacklevel=3,
            )
    return flags, "; ".join(rules)


SEED_KEYS = ("backend", "model", "temperature")  # with the seed, what makes a draw the same


def seeded_copies(used: pd.DataFrame) -> np.ndarray:
    """Per answered row, how many answered replicates of its cell repeat its draw.

    A draw is the same when the recorded sampling ``seed`` is (with the ``backend``,
    ``model`` and ``temperature`` columns that exist); rows without a seed, or at
    temperature 0 (handled as deterministic), are their own draw (1).
    """
    if "seed" not in used.columns or used.empty:
        return np.ones(len(used))
    seed = used["seed"]
    temperature = _temperature(used)
    seeded = (seed.notna() & ~(temperature == 0)).to_numpy()
    if not seeded.any():
        return np.ones(len(used))
    keys = ["identity", "variant", "item", *[k for k in SEED_KEYS if k in used.columns]]
    frame = used.loc[seeded, keys].astype(str).assign(seed=seed[seeded].astype(str))
    size = frame.groupby([*keys, "seed"], sort=False)["seed"].transform("size")
    out = np.ones(len(used))
    out[seeded] = size.to_numpy(dtype=float)
    return out


def aggregate_responses(
    df: pd.DataFrame, answers: str = "sampled", aggregate: bool = True, replicates: str = "auto"
) -> CellCounts:
    """Aggregate a validated Responses table into ordinal counts per cell and category.

    The table must come from :func:`llmvalues.validate_responses` (the fit's door does
    that once); the ``probs`` and ``temperature`` columns, which validation leaves alone,
    are read and checked here.

    Parameters
    ----------
    df
        A validated Responses table.
    answers
        ``"sampled"`` (parsed answers) or ``"probs"`` (an answered row's log-prob
        distribution as expected counts where it has one, else its sampled answer).
    aggregate
        ``False`` keeps one likelihood row per answer (the per-response baseline of
        benchmarks/bench_hierarchical.py); the model and its posterior are the same.
    replicates
        ``"auto"``, ``"independent"`` or ``"collapse"``: whether the replicates of a cell
        are independent draws or copies of one deterministic answer (module docstring).

    Returns
    -------
    CellCounts

    Raises
    ------
    llmvalues.ResponsesError
        A bad ``probs`` or ``temperature`` value, or an identity without a usable answer.
    """
    check_answers(answers)
    check_replicates(replicates)
    df = read_probs(df)
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
    width = max(len(c) for c in codes)

    ok = (df["status"] == "ok").to_numpy()
    with_probs = np.zeros(len(df), dtype=bool)
    if answers == "probs":
        with_probs = ok & df["probs"].map(lambda p: isinstance(p, Mapping)).to_numpy()
    # one weight vector per answered row: a one-hot sampled answer or a distribution
    used = np.flatnonzero(ok)
    vecs = np.zeros((len(used), width))
    item_pos = item_index.get_indexer(df["item"].to_numpy()[used])
    offset = np.array([c[0] for c in codes])
    sampled = ~with_probs[used]
    category = df["code"].to_numpy()[used][sampled].astype(int) - offset[item_pos[sampled]]
    vecs[np.flatnonzero(sampled), category] = 1.0
    for n in np.flatnonzero(~sampled):
        row = used[n]
        j = item_pos[n]
        where = f"row {df.index[row]!r}, item {items[j]!r}"
        vecs[n, : len(codes[j])] = _probs_to_vector(df["probs"].iloc[row], codes[j], where)
    deterministic, rule = deterministic_rows(df, replicates)
    keys = pd.DataFrame(
        {
            "identity": id_index.get_indexer(df["identity"].to_numpy()[used]),
            "variant": var_index.get_indexer(df["variant"].to_numpy()[used]),
            "item": item_pos,
        }
    )
    det_used = deterministic[used]
    # a deterministic cell's replicates share one unit of weight
    _, cell_of_row, per_cell = np.unique(
        keys.to_numpy(), axis=0, return_inverse=True, return_counts=True
    )
    n_rep = per_cell[cell_of_row.ravel()]
    copies = seeded_copies(df.iloc[used]) if replicates == "auto" else np.ones(len(used))
    scale = np.where(det_used, 1.0 / n_rep, 1.0 / copies)
    repeats = (copies > 1) & ~det_used
    seeded = (
        f"{int(repeats.sum())} answered replies are {(1 / copies[repeats]).sum():g} seeded "
        "draws repeated (replicates of a cell with the same recorded sampling seed): each "
        "draw counts once"
        if repeats.any()
        else ""
    )
    vecs *= scale[:, None]
    _warn_disagreeing(df.iloc[used], det_used)

    status = answer_status(df)
    status = _with_weights(status, df.iloc[used], vecs.sum(1), with_probs[used])
    _check_usable(status)
    frame = pd.DataFrame(vecs)
    frame = pd.concat([keys, frame], axis=1)
    long = frame.melt(["identity", "variant", "item"], var_name="category", value_name="n")
    counts = long[long["n"] > 0].copy()
    counts["category"] = counts["category"].astype(int)
    if aggregate:
        group = ["identity", "variant", "item", "category"]
        counts = counts.groupby(group, as_index=False)["n"].sum()
    cells = counts[["identity", "variant", "item"]].drop_duplicates()
    cells = cells.sort_values(["identity", "variant", "item"], ignore_index=True)
    cell_index = pd.MultiIndex.from_frame(cells)
    cell_of = cell_index.get_indexer(
        pd.MultiIndex.from_frame(counts[["identity", "variant", "item"]])
    )
    cell_det = np.zeros(len(cells), dtype=bool)
    det_cells = cell_index.get_indexer(pd.MultiIndex.from_frame(keys[det_used]))
    cell_det[det_cells[det_cells >= 0]] = True
    _warn_uninformative(status, counts, items, codes)
    sets = response_sets(df.drop(columns="probs", errors="ignore"))  # usable = answered
    pair_det = (
        pd.DataFrame(
            {"identity": df["identity"], "variant": df["variant"], "deterministic": deterministic}
        )
        .groupby(["identity", "variant"], sort=False)["deterministic"]
        .all()
    )
    sets["deterministic"] = pair_det.reindex(
        pd.MultiIndex.from_frame(sets[["identity", "variant"]])
    ).to_numpy()
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
        sets=sets,
        attributes=identity_attributes(df),
        cell_deterministic=cell_det,
        determinism=rule if deterministic.any() else "",
        seeded=seeded,
    )


def _with_weights(
    status: pd.DataFrame, used: pd.DataFrame, weight: np.ndarray, from_probs: np.ndarray
) -> pd.DataFrame:
    """``status`` plus n_effective (total weight) and n_from_probs (answers given by a
    distribution) per identity × item; n_probs counts answered rows that carry one."""
    per = (
        pd.DataFrame(
            {
                "identity": used["identity"].to_numpy(),
                "item": used["item"].to_numpy(),
                "n_effective": weight,
                "n_from_probs": from_probs.astype(int),
            }
        )
        .groupby(["identity", "item"])[["n_effective", "n_from_probs"]]
        .sum()
    )
    out = status.join(per, on=["identity", "item"])
    out["n_effective"] = out["n_effective"].fillna(0.0)
    out["n_from_probs"] = out["n_from_probs"].fillna(0).astype(int)
    return out


def _check_usable(status: pd.DataFrame) -> None:
    per_identity = status.groupby("identity", sort=False)["n_effective"].sum()
    no_answers = [str(i) for i, n in per_identity.items() if n <= 0]
    if no_answers:
        raise ResponsesError(
            f"identity {no_answers[0]!r} has no usable answers (every row is refused, invalid or "
            f"missing){f'; also {no_answers[1:]}' if len(no_answers) > 1 else ''}: drop it or "
            "collect answers before fitting"
        )


def _warn_disagreeing(used: pd.DataFrame, deterministic: np.ndarray) -> None:
    """Warn when replicates of deterministic cells disagree (a nondeterministic server)."""
    det = used[deterministic]
    if det.empty:
        return
    spread = det.groupby(["identity", "variant", "item"], sort=False)["code"].nunique()
    n = int((spread > 1).sum())
    if n:
        warnings.warn(
            f"{n} deterministic cell(s) (temperature 0) answered differently across replicates "
            "(a nondeterministic server): each cell still counts once, its answers sharing "
            "that one unit of weight",
            UserWarning,
            stacklevel=4,
        )


def answer_sources(status: pd.DataFrame) -> dict[str, list[str]]:
    """Items by where their answers came from under ``answers="probs"``.

    Returns
    -------
    dict
        ``probs`` (every answer a distribution), ``sampled`` (none: e.g. Y002 and Y003,
        which never have one) and ``mixed`` (some of each).
    """
    g = status.groupby("item", sort=False)[["n_ok", "n_from_probs"]].sum()
    out: dict[str, list[str]] = {"probs": [], "sampled": [], "mixed": []}
    for item, row in g.iterrows():
        if row["n_ok"] == 0:
            continue
        key = (
            "probs"
            if row["n_from_probs"] == row["n_ok"]
            else "sampled"
            if row["n_from_probs"] == 0
            else "mixed"
        )
        out[key].append(str(item))
    return out


def pooled_only(status: pd.DataFrame) -> list[str]:
    """``identity/item`` pairs without a usable answer: they rest on pooling (and priors)."""
    empty = status[status["n_effective"] <= 0]
    return [f"{r.identity}/{r.item}" for r in empty.itertuples()]


def _warn_uninformative(status: pd.DataFrame, counts: pd.DataFrame, items: tuple, codes) -> None:
    """Warn (naming them) about identity × item pairs and items the data say nothing about."""
    pairs = pooled_only(status)
    if pairs:
        more = f" and {len(pairs) - 5} more" if len(pairs) > 5 else ""
        warnings.warn(
            f"no usable answers for {', '.join(pairs[:5])}{more}: those expected answers (and "
            "the map positions that use them) rest on the other identities' answers to the item "
            "(pooling) and the priors alone, so their intervals are wide",
            UserWarning,
            stacklevel=3,
        )
    seen = counts.groupby("item")["category"].nunique()
    constant = [items[j] for j, n in seen.items() if n == 1 and len(codes[j]) > 1]
    if constant:
        warnings.warn(
            f"every answer to item(s) {constant} is the same category: for the prompts asked "
            "that is the answer (estimand 'asked'), but for a new or typical prompt the "
            "expected answer lies inside the scale by about the share of new prompts that "
            "could answer otherwise (see docs/hierarchical.md, 'all answers identical')",
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
        cell_deterministic=data.cell_deterministic,
        determinism=data.determinism,
    )

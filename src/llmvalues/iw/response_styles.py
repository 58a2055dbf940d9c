"""Response styles of LLM respondents: extreme answers, acquiescence, option-position and label bias.

Computed from a Responses table with the plan's attribute columns (``option_order``,
``shuffled``, ``labels``, ``descriptor``): the order in which the options were shown says,
for every answer, the position it was shown at, so

- **extreme** is the share of answers at either end of an item's scale (raw codes);
- **upper_normal** / **upper_reversed** are the shares of answers in the upper half of the
  *shown* scale (the higher numbers, the later letters) when the scale ran its own way and
  when it was reversed (perturbation ``reverse``); **acquiescence** is their balanced net
  tendency ``½[(up − down)_normal + (up − down)_reversed]``, per item and averaged over
  the items shown both ways: 0 for answers that follow content alone (reversal turns the upper half of the content into the lower half shown),
  +1 for always the top of what is shown;
- **first** / **last** are the excess share of answers at the first / last shown option
  over chance (1/n) in cells whose options were shuffled (``permute`` or ``shuffle``);
- **labels:SCHEME** is the shift of the mean answer (raw code scaled to 0–1) when listed
  options are shown as ``numbers``, ``letters`` or ``labels`` instead of the item's own
  scheme, averaged over the items shown both ways (perturbation ``labels``).

Intervals come from a cluster bootstrap over prompt variants (by default the respondent
descriptor, which keeps a descriptor's normal and reversed cells together): answers to the
same prompt context are not independent — at temperature 0 its replicates are identical —
so clusters, not answers, are resampled. A beta-binomial posterior per proportion was the
alternative; it treats answers as exchangeable draws and does not give the paired
normal-vs-reversed and between-scheme contrasts, which the bootstrap handles for any
statistic. With ~10 descriptors the interval is approximate.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from llmvalues.instruments import Instrument, load_instrument
from llmvalues.responses import ResponsesError, validate_responses
from llmvalues.summary import Summary

MEASURES = ("extreme", "upper_normal", "upper_reversed", "acquiescence", "first", "last")
"""The style measures besides ``labels:<scheme>`` (one per scheme shown)."""


def _order(value: object, where: str) -> tuple[int, ...] | None:
    """A recorded option order (list, JSON text, empty) → tuple of raw codes or None."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except json.JSONDecodeError:
            raise ResponsesError(f"{where}: option_order {value!r} is not a JSON list") from None
    if not isinstance(value, list | tuple):
        raise ResponsesError(f"{where}: option_order must be a list of raw codes, got {value!r}")
    return tuple(int(v) for v in value) or None


def _answers(tidy: pd.DataFrame, instrument: Instrument, cluster: str) -> pd.DataFrame:
    """One row per ok answer on a scale or option item, with its shown position and scheme."""
    ok = tidy[
        (tidy["status"] == "ok")
        & tidy["item"].isin([i.code for i in instrument if i.kind in ("scale", "options")])
    ]
    rows = []
    has_order = "option_order" in ok.columns
    has_labels = "labels" in ok.columns
    has_shuffled = "shuffled" in ok.columns
    for index, row in ok.iterrows():
        item = instrument[row["item"]]
        order = _order(row["option_order"], f"row {index!r}") if has_order else None
        shown = order or item.codes
        if sorted(shown) != sorted(item.codes):
            raise ResponsesError(
                f"row {index!r}, item {item.code!r}: option_order {list(shown)} is not an "
                f"order of the codes {list(item.codes)}"
            )
        code = int(row["code"])
        if has_shuffled and row["shuffled"] in (True, 1, "True", "true"):
            direction = "permuted"  # drawn at random, even where it came out in order
        elif shown == item.codes:
            direction = "normal"
        elif shown == tuple(reversed(item.codes)):
            direction = "reversed"
        else:
            direction = "permuted"
        native = "letters" if item.letters else "numbers"
        scheme = row["labels"] if has_labels and isinstance(row["labels"], str) else native
        rows.append(
            {
                "identity": row["identity"],
                "cluster": str(row[cluster]),
                "item": item.code,
                "n": item.n_categories,
                "position": shown.index(code),
                "direction": direction,
                "scheme": scheme,
                "native": native,
                "scaled": (code - item.lowest) / (item.highest - item.lowest),
                "extreme": code in (item.lowest, item.highest),
            }
        )
    return pd.DataFrame(rows)


def _features(answers: pd.DataFrame) -> pd.DataFrame:
    """Per-answer columns whose cluster sums every measure is a function of."""
    a = answers
    mid = (a["n"] - 1) / 2
    up = (a["position"] > mid).astype(float)
    down = (a["position"] < mid).astype(float)
    style = (a["n"] >= 3).astype(float)
    out = pd.DataFrame(index=a.index)
    out["ers_n"] = style
    out["ers_x"] = style * a["extreme"]
    out["ers_u"] = style * 2 / a["n"]
    for item, rows in a.groupby("item").groups.items():
        on_item = np.zeros(len(a))
        on_item[a.index.get_indexer(rows)] = 1.0
        on_item *= style.to_numpy()
        for tag in ("normal", "reversed"):
            on = on_item * (a["direction"] == tag).to_numpy()
            out[f"a|{item}|{tag}|n"] = on
            out[f"a|{item}|{tag}|up"] = on * up.to_numpy()
            out[f"a|{item}|{tag}|down"] = on * down.to_numpy()
            out[f"a|{item}|{tag}|u"] = on * ((a["n"] // 2) / a["n"]).to_numpy()
    shuffled = (a["direction"] == "permuted").astype(float)
    out["p_n"] = shuffled
    out["p_first"] = shuffled * ((a["position"] == 0) - 1 / a["n"])
    out["p_last"] = shuffled * ((a["position"] == a["n"] - 1) - 1 / a["n"])
    for (item, scheme), rows in a.groupby(["item", "scheme"]).groups.items():
        column = np.zeros(len(a))
        column[a.index.get_indexer(rows)] = 1.0
        out[f"l|{item}|{scheme}|n"] = column
        out[f"l|{item}|{scheme}|s"] = column * a["scaled"].to_numpy()
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    safe = np.where(den > 0, den, 1.0)
    return np.where(den > 0, num / safe, np.nan)


@dataclass(frozen=True)
class _Measure:
    """A measure's values over the rows of a summed-feature table, and what it rests on."""

    value: np.ndarray
    counts: tuple[str, ...]  # the feature columns counting its answers
    uniform: np.ndarray | float  # its value under uniformly random answers


def _measures(t: pd.DataFrame, natives: pd.Series, schemes: Sequence[str]) -> dict[str, _Measure]:
    """Every measure as a function of summed features (rows: bootstrap draws or the total)."""
    c = {name: t[name].to_numpy() for name in t.columns}
    out = {
        "extreme": _Measure(
            _ratio(c["ers_x"], c["ers_n"]), ("ers_n",), _ratio(c["ers_u"], c["ers_n"])
        ),
        **_direction_measures(c),
        "first": _Measure(_ratio(c["p_first"], c["p_n"]), ("p_n",), 0.0),
        "last": _Measure(_ratio(c["p_last"], c["p_n"]), ("p_n",), 0.0),
    }
    for scheme in schemes:
        shifts, counts = [], []
        for item, native in natives.items():
            key, base = f"l|{item}|{scheme}", f"l|{item}|{native}"
            if scheme == native or f"{key}|n" not in c or f"{base}|n" not in c:
                continue
            mean = _ratio(c[f"{key}|s"], c[f"{key}|n"])
            shifts.append(mean - _ratio(c[f"{base}|s"], c[f"{base}|n"]))
            counts.append(f"{key}|n")
        if shifts:
            out[f"labels:{scheme}"] = _Measure(_mean_over_items(shifts), tuple(counts), 0.0)
    return out


def _mean_over_items(values: list[np.ndarray]) -> np.ndarray:
    """Mean over items of per-item values (NaN where no item has one)."""
    stacked = np.vstack(values)
    finite = np.isfinite(stacked).sum(axis=0)
    total = np.where(np.isfinite(stacked), stacked, 0.0).sum(axis=0)
    return np.where(finite > 0, total / np.maximum(finite, 1), np.nan)


def _direction_measures(c: dict[str, np.ndarray]) -> dict[str, _Measure]:
    """Upper-half shares under the normal and the reversed scale, and acquiescence.

    Balanced within item: each item shown both ways contributes its own normal and reversed
    shares, and the measures average over those items, so a design that reverses some
    items more often than others does not pass item content off as a style.
    """
    items = sorted({name.split("|")[1] for name in c if name.startswith("a|")})
    both = [i for i in items if c[f"a|{i}|normal|n"][0] > 0 and c[f"a|{i}|reversed|n"][0] > 0]
    if not both:
        nan = np.full(len(next(iter(c.values()))), np.nan)
        return {
            m: _Measure(nan, (), np.nan) for m in ("upper_normal", "upper_reversed", "acquiescence")
        }
    share, uniform, net = {}, {}, {}
    for tag in ("normal", "reversed"):
        per = [(f"a|{i}|{tag}", c[f"a|{i}|{tag}|n"]) for i in both]
        share[tag] = _mean_over_items([_ratio(c[f"{k}|up"], n) for k, n in per])
        uniform[tag] = _mean_over_items([_ratio(c[f"{k}|u"], n) for k, n in per])
        net[tag] = _mean_over_items([_ratio(c[f"{k}|up"] - c[f"{k}|down"], n) for k, n in per])
    counts = {tag: tuple(f"a|{i}|{tag}|n" for i in both) for tag in ("normal", "reversed")}
    return {
        "upper_normal": _Measure(share["normal"], counts["normal"], uniform["normal"]),
        "upper_reversed": _Measure(share["reversed"], counts["reversed"], uniform["reversed"]),
        "acquiescence": _Measure(
            0.5 * (net["normal"] + net["reversed"]), counts["normal"] + counts["reversed"], 0.0
        ),
    }


@dataclass(frozen=True)
class ResponseStyles:
    """Response-style estimates per identity with cluster-bootstrap intervals.

    ``table``: identity, measure, estimate, ``lo``, ``hi``, ``uniform`` (the value under
    answers drawn uniformly at random), ``n_answers``, ``n_clusters``.
    """

    table: pd.DataFrame
    level: float
    cluster: str
    n_boot: int

    def to_frame(self) -> pd.DataFrame:
        """The tidy table: one row per identity × measure."""
        return self.table.copy()

    def summary(self) -> Summary:
        """The estimates with their intervals and what each measure means."""
        pct = f"{self.level:.0%}"
        return Summary(
            "Response styles",
            {"estimates": self.to_frame()},
            notes=[
                f"lo/hi: {pct} percentile intervals of a cluster bootstrap over {self.cluster!r} "
                f"({self.n_boot} draws); clusters, not answers, are resampled",
                "extreme: share at either end of the raw scale; upper_*: share in the upper "
                "half of the shown scale (normal / reversed); acquiescence: balanced net "
                "upper-minus-lower tendency (0 = content only)",
                "first/last: excess over chance of the first/last shown option in shuffled "
                "cells; labels:S: shift of the mean answer (0-1) under scheme S vs the item's own",
                "NaN where the design lacks the cells a measure needs (no reversed or "
                "shuffled cells, one scheme only)",
            ],
            info={"level": self.level, "cluster": self.cluster, "draws": self.n_boot},
        )


def response_styles(
    responses: pd.DataFrame,
    *,
    level: float = 0.9,
    n_boot: int = 2000,
    seed: int = 0,
    cluster: str = "descriptor",
    instrument: Instrument | None = None,
) -> ResponseStyles:
    """Extreme-response style, acquiescence, position and label bias per identity.

    Parameters
    ----------
    responses
        A Responses table (validated here) with the plan's ``option_order``, ``shuffled`` and
        ``labels`` columns; without them every answer counts as shown in the item's own order
        and scheme (and, without ``shuffled``, an order counts as random unless it is the
        item's own or its reverse).
    level
        Interval probability (0.9 = 90%).
    n_boot
        Bootstrap draws.
    seed
        Seed of the bootstrap.
    cluster
        Column whose values are resampled (default ``descriptor``; ``variant`` when the
        table has no such column).
    instrument
        The instrument the codes belong to (default IVS-10; any language, same codes).

    Returns
    -------
    ResponseStyles

    Raises
    ------
    ResponsesError
        For a table that fails validation or an ``option_order`` that is not an order of the
        item's codes (naming the row).
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    instrument = instrument or load_instrument()
    tidy = validate_responses(responses, instrument)
    column = cluster if cluster in tidy.columns else "variant"
    answers = _answers(tidy, instrument, column)
    rng = np.random.default_rng(seed)
    tail = (1 - level) / 2
    rows = []
    for identity in tidy["identity"].unique():
        mine = answers[answers["identity"] == identity].reset_index(drop=True)
        if mine.empty:
            continue
        sums = _features(mine).groupby(mine["cluster"].to_numpy()).sum()
        weights = rng.multinomial(len(sums), np.full(len(sums), 1 / len(sums)), size=n_boot)
        draws = pd.DataFrame(weights @ sums.to_numpy(), columns=sums.columns)
        natives = mine.drop_duplicates("item").set_index("item")["native"]
        schemes = sorted(set(mine["scheme"]))
        point = _measures(sums.sum().to_frame().T, natives, schemes)
        booted = _measures(draws, natives, schemes)
        for measure, at in point.items():
            per_cluster = sums[list(at.counts)].sum(axis=1)
            estimate = float(at.value[0])
            samples = booted[measure].value
            samples = samples[np.isfinite(samples)]
            finite = np.isfinite(estimate) and samples.size > 0
            lo, hi = np.quantile(samples, [tail, 1 - tail]) if finite else (np.nan, np.nan)
            uniform = at.uniform[0] if isinstance(at.uniform, np.ndarray) else at.uniform
            rows.append(
                {
                    "identity": identity,
                    "measure": measure,
                    "estimate": estimate if finite else np.nan,
                    "lo": float(lo),
                    "hi": float(hi),
                    "uniform": float(uniform) if finite else np.nan,
                    "n_answers": int(per_cluster.sum()),
                    "n_clusters": int((per_cluster > 0).sum()),
                }
            )
    columns = ["identity", "measure", "estimate", "lo", "hi", "uniform", "n_answers", "n_clusters"]
    table = pd.DataFrame(rows, columns=columns)
    return ResponseStyles(table, level, column, n_boot)

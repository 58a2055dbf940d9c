"""What a validated Responses table says about each identity: attributes, answer status, sets.

Both map methods build these tables the same way, so counts and refusal rates mean one
thing whatever the method.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from llmvalues.iw.items import ITEMS
from llmvalues.iw.languages import check_languages
from llmvalues.responses import KEY

ATTRIBUTE_EXCLUDE = (*KEY, "raw", "code", "status", "reason", "probs")
SET_KEY = ["identity", "variant", "replicate"]


def identities_in_order(responses: pd.DataFrame) -> list[str]:
    """The identities of a validated table in order of first appearance."""
    return [str(i) for i in pd.unique(responses["identity"])]


def identity_attributes(responses: pd.DataFrame) -> pd.DataFrame:
    """One row per identity with its attribute columns (model, country, persona, date, …).

    An attribute is kept when it takes a single value within every identity. An identity
    that answered in several languages is refused (fits never pool languages unless
    ``fit_map(..., pool_languages=True)`` recorded the pooling).

    Parameters
    ----------
    responses : pandas.DataFrame
        Validated; every column but the key, raw, code, status, reason and probs is a
        candidate attribute.

    Returns
    -------
    pandas.DataFrame
        Indexed by identity (order of first appearance), one column per attribute.
    """
    check_languages(responses)
    order = identities_in_order(responses)
    columns = [c for c in responses.columns if c not in ATTRIBUTE_EXCLUDE]
    grouped = responses.groupby("identity", sort=False)
    keep = [c for c in columns if (grouped[c].nunique(dropna=False) <= 1).all()]
    if not keep:
        return pd.DataFrame(index=pd.Index(order, name="identity"))
    out = grouped[keep].first().reindex(order)
    out.index.name = "identity"
    return out


def has_probs(responses: pd.DataFrame) -> pd.Series:
    """Rows that carry a non-empty log-prob answer distribution (column ``probs``)."""
    if "probs" not in responses.columns:
        return pd.Series(False, index=responses.index)
    return responses["probs"].map(lambda p: isinstance(p, Mapping) and len(p) > 0)


def answer_status(responses: pd.DataFrame) -> pd.DataFrame:
    """Per identity × item: rows, usable answers, refusals, other failures and their rates.

    Parameters
    ----------
    responses : pandas.DataFrame
        Validated (its ``status`` and, where present, ``probs`` are counted).

    Returns
    -------
    pandas.DataFrame
        Columns identity, item, n_rows, n_ok, n_refusal, n_failed, n_probs, refusal_rate
        (refusals / rows), missing_rate (rows not ``ok`` / rows); every identity × item.
    """
    grid = pd.MultiIndex.from_product(
        [identities_in_order(responses), list(ITEMS)], names=["identity", "item"]
    )
    g = responses.assign(
        ok=responses["status"].eq("ok"),
        refusal=responses["status"].eq("refusal"),
        failed=~responses["status"].isin(["ok", "refusal"]),
        has_probs=has_probs(responses),
    ).groupby(["identity", "item"])
    out = pd.DataFrame(
        {
            "n_rows": g.size(),
            "n_ok": g["ok"].sum(),
            "n_refusal": g["refusal"].sum(),
            "n_failed": g["failed"].sum(),
            "n_probs": g["has_probs"].sum(),
        }
    ).reindex(grid, fill_value=0)
    out = out.astype(int)
    rows = out["n_rows"].where(out["n_rows"] > 0)
    out["refusal_rate"] = out["n_refusal"] / rows
    out["missing_rate"] = (out["n_rows"] - out["n_ok"]) / rows
    return out.reset_index()


def response_sets(responses: pd.DataFrame) -> pd.DataFrame:
    """Per identity × variant asked: response sets, usable ones, complete ones.

    A response set is one (identity, variant, replicate); it is *usable* when at least one
    of its items has an ``ok`` answer or a log-prob distribution, *complete* when all ten
    items are ``ok``.

    Parameters
    ----------
    responses : pandas.DataFrame
        Validated (one row per set and item).

    Returns
    -------
    pandas.DataFrame
        Columns identity, variant, n_total, n_usable, n_complete; one row per pair that
        appears in the table (in order of first appearance).
    """
    usable = responses["status"].eq("ok") | has_probs(responses)
    flags = responses.assign(usable=usable, ok=responses["status"].eq("ok"))
    # one row per set × item (validated), so ten ok rows make a complete set
    per_set = flags.groupby(SET_KEY, sort=False).agg(usable=("usable", "any"), n_ok=("ok", "sum"))
    per_set["complete"] = per_set["n_ok"] == len(ITEMS)
    g = per_set.groupby(["identity", "variant"], sort=False)
    return (
        pd.DataFrame(
            {
                "n_total": g.size(),
                "n_usable": g["usable"].sum(),
                "n_complete": g["complete"].sum(),
            }
        )
        .astype(int)
        .reset_index()
    )

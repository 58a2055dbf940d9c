"""Hierarchical map model without MCMC: counts, priors, likelihood and expectations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from llmvalues.iw.bayes.data import aggregate_responses, densify
from llmvalues.iw.bayes.model import (
    Priors,
    build_model,
    category_probs,
    cutpoints_numpy,
    expected_answers,
    reference_gaps,
)
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from llmvalues.iw.intervals import credible_ellipse
from llmvalues.iw.presets import ITEMS
from llmvalues.responses import ResponsesError, validate_responses


def _table(rows):
    """A validated Responses table (the counts trust their input: fit doors validate)."""
    return validate_responses(
        pd.DataFrame(rows, columns=["identity", "variant", "replicate", "item", "code"])
    )


def _full_set(identity, variant="v", replicate=0, code=None):
    mid = {
        "f063": 5,
        "y003": 0,
        "f120": 5,
        "g006": 2,
        "e018": 2,
        "y002": 2,
        "a008": 2,
        "f118": 5,
        "e025": 2,
        "a165": 1,
    }
    return [(identity, variant, replicate, i, mid[i] if code is None else code) for i in ITEMS]


pytestmark = pytest.mark.filterwarnings("ignore:every answer to item")


def test_identical_answers_become_one_count_row():
    rows = [("m", "v", r, "f063", 7) for r in range(50)] + [("m", "v", 50, "f063", 3)]
    data = aggregate_responses(_table(rows + _full_set("m", replicate=99)[1:]))
    j = ITEMS.index("f063")
    cells = np.flatnonzero(data.cell_item == j)
    assert len(cells) == 1
    on_item = data.row_cell == cells[0]
    got = dict(zip(data.row_category[on_item], data.row_count[on_item], strict=True))
    assert got == {6: 50.0, 2: 1.0}  # raw code 7 → category 6, 3 → 2
    assert data.n_answers == 51 + 9


def test_codes_map_to_categories_on_each_items_own_scale():
    rows = [("m", "v", 0, "y003", -2), ("m", "v", 1, "y003", 2), ("m", "v", 2, "a165", 2)]
    data = aggregate_responses(_table(rows + _full_set("m", replicate=5)))
    dense = data.dense_counts()
    y003 = np.flatnonzero(data.cell_item == ITEMS.index("y003"))[0]
    a165 = np.flatnonzero(data.cell_item == ITEMS.index("a165"))[0]
    assert dense[y003, :5].tolist() == [1, 0, 1, 0, 1]  # −2, 0 (the full set), +2
    assert dense[a165, :2].tolist() == [1, 1]


def test_refusals_are_missing_and_reported_per_identity_and_item():
    df = _table(_full_set("a") + _full_set("b"))
    extra = pd.DataFrame(
        {
            "identity": ["a"] * 3,
            "variant": "v",
            "replicate": [1, 2, 3],
            "item": "f063",
            "code": np.nan,
            "status": ["refusal", "refusal", "invalid"],
        }
    )
    data = aggregate_responses(validate_responses(pd.concat([df, extra], ignore_index=True)))
    st = data.status.set_index(["identity", "item"])
    assert st.loc[("a", "f063"), "n_ok"] == 1
    assert st.loc[("a", "f063"), "refusal_rate"] == pytest.approx(2 / 4)
    assert st.loc[("a", "f063"), "missing_rate"] == pytest.approx(3 / 4)
    assert st.loc[("b", "f063"), "refusal_rate"] == 0
    assert data.n_answers == 20  # refusals never become answers
    sets = data.sets.set_index(["identity", "variant"])
    # a: replicate 0 complete, replicates 1-3 hold only a failed f063 (asked, unusable)
    assert sets.loc[("a", "v")].to_dict() == {"n_total": 4, "n_usable": 1, "n_complete": 1}
    assert sets.loc[("b", "v")].to_dict() == {"n_total": 1, "n_usable": 1, "n_complete": 1}


def test_log_prob_distributions_enter_as_expected_counts():
    df = _table(_full_set("m"))
    df["probs"] = None
    df.at[ITEMS.index("e018"), "probs"] = {"1": 0.2, "2": 0.2, 3: 0.6}
    probs = aggregate_responses(df, answers="probs")
    both = aggregate_responses(df, answers="both")
    cell = np.flatnonzero(probs.cell_item == ITEMS.index("e018"))[0]
    assert probs.dense_counts()[cell, :3] == pytest.approx([0.2, 0.2, 0.6])
    assert both.dense_counts()[cell, :3] == pytest.approx([0.2, 1.2, 0.6])
    with pytest.raises(ResponsesError, match="needs a 'probs' column"):
        aggregate_responses(_table(_full_set("m")), answers="probs")
    df.at[0, "probs"] = {"11": 1.0}
    with pytest.raises(ResponsesError, match=r"item 'f063'.*key 11 is not a valid code"):
        aggregate_responses(df, answers="probs")


def test_identity_without_usable_answers_is_an_error_naming_it():
    df = _table(_full_set("good"))
    bad = pd.DataFrame(
        {
            "identity": "mute",
            "variant": "v",
            "replicate": 0,
            "item": list(ITEMS),
            "code": np.nan,
            "status": "refusal",
        }
    )
    table = validate_responses(pd.concat([df, bad], ignore_index=True))
    with pytest.raises(ResponsesError, match="identity 'mute' has no usable answers"):
        aggregate_responses(table)


def test_missing_item_and_constant_item_warn_with_names():
    rows = [r for r in _full_set("a") if r[3] != "a008"] + _full_set("b")
    with pytest.warns(UserWarning, match="a/a008"):
        aggregate_responses(_table(rows))
    with pytest.warns(UserWarning, match=r"same category"):
        aggregate_responses(_table(_full_set("a") + _full_set("b", replicate=1)))


def test_priors_are_printable_overridable_and_checked():
    p = Priors.default("logit")
    text = str(p)
    assert "Normal(0, 2)" in text and "HalfNormal(0.5)" in text
    assert p.update(location_sd=1.0).location_sd == 1.0
    assert Priors.default("probit").location_sd < p.location_sd
    with pytest.raises(ValueError, match="unknown prior"):
        p.update(slope=1.0)
    with pytest.raises(ValueError, match="variant_sd must be > 0"):
        Priors(variant_sd=0)
    with pytest.raises(ValueError, match="link must be one of"):
        Priors.default("cauchit")


def test_reference_gaps_make_categories_equally_likely():
    for k in (2, 3, 5, 10):
        for link in ("logit", "probit"):
            gaps = reference_gaps(k, link)
            assert len(gaps) == k - 2
            cuts = cutpoints_numpy(gaps[None], np.array([k]))[0]
            p = category_probs(np.zeros(1), cuts, link)[0]
            assert p == pytest.approx(np.full(k, 1 / k))


def test_expected_answers_known_values():
    codes = tuple(_codes())
    gaps = np.concatenate([reference_gaps(len(c), "logit") for c in codes if len(c) > 2])
    cuts = cutpoints_numpy(gaps, np.array([len(c) for c in codes]))
    mid = expected_answers(np.zeros(10), cuts, codes, "logit")
    # symmetric categories around location 0 → the middle of each scale
    assert mid == pytest.approx([np.mean(c) for c in codes])
    high = expected_answers(np.full(10, 40.0), cuts, codes, "logit")
    assert high == pytest.approx([max(c) for c in codes], abs=1e-6)
    spread = expected_answers(np.full(10, 1.0), cuts, codes, "logit", spread=np.full(10, 1.5))
    by_mc = np.mean(
        [
            expected_answers(np.full(10, 1.0 + e), cuts, codes, "logit")
            for e in np.random.default_rng(0).normal(0, 1.5, 4000)
        ],
        axis=0,
    )
    assert spread == pytest.approx(by_mc, abs=0.05)


def _codes():
    from llmvalues.instruments import load_instrument

    return [load_instrument()[i].codes for i in ITEMS]


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_model_likelihood_equals_the_numpy_multinomial_likelihood(link):
    rng = np.random.default_rng(4)
    truth = draw_truth(2, 3, rng, link=link)
    data = aggregate_responses(simulate_responses(truth, 4, rng))
    model = build_model(data, link=link)
    point = model.initial_point()
    point["location"] = rng.normal(0, 1, (2, 10))
    point["variant_z"] = rng.normal(0, 1, (3, 10))
    point["variant_scale_log__"] = rng.normal(-1, 0.3, 10)
    point["interaction_z"] = rng.normal(0, 1, data.n_cells)
    point["interaction_scale_log__"] = rng.normal(-1, 0.3, 10)
    point["cut_gap_log__"] = np.log(rng.uniform(0.3, 1.5, point["cut_gap_log__"].shape))
    term = model.replace_rvs_by_values([model.potentials[0]])[0]
    loglik = model.compile_fn(term, inputs=model.value_vars, point_fn=True)(point)
    cuts = cutpoints_numpy(np.exp(point["cut_gap_log__"]), data.n_categories)
    scale, iscale = np.exp(point["variant_scale_log__"]), np.exp(point["interaction_scale_log__"])
    i, v, j = data.cell_identity, data.cell_variant, data.cell_item
    eta = (
        point["location"][i, j]
        + point["variant_z"][v, j] * scale[j]
        + point["interaction_z"] * iscale[j]
    )
    expected = 0.0
    counts = data.dense_counts()
    for c in range(data.n_cells):
        k = data.n_categories[j[c]]
        p = category_probs(eta[c : c + 1], cuts[j[c]][None], link)[0]
        expected += float(counts[c, :k] @ np.log(p))
    # numpy differences of cdfs lose digits on tiny probabilities; the model does not
    assert float(loglik) == pytest.approx(expected, rel=1e-6)


def test_densify_keeps_counts_and_fixes_the_layout():
    rng = np.random.default_rng(1)
    truth = draw_truth(2, 2, rng)
    data = aggregate_responses(simulate_responses(truth, 3, rng))
    dense = densify(data)
    assert dense.n_answers == data.n_answers
    assert len(dense.row_count) == int(data.n_categories[data.cell_item].sum())
    assert np.array_equal(dense.dense_counts(), data.dense_counts())


def test_credible_ellipse_holds_the_stated_share_of_draws():
    rng = np.random.default_rng(0)
    cov = np.array([[1.0, 0.8], [0.8, 2.0]])
    xy = rng.multivariate_normal([1.0, -1.0], cov, size=20_000)
    e = credible_ellipse(xy, 0.9)
    # normal draws: the 90% Mahalanobis radius² is the χ²(2) quantile
    values = np.linalg.eigvalsh(cov)
    r2 = stats.chi2.ppf(0.9, 2)
    assert e["width"] == pytest.approx(2 * np.sqrt(values[1] * r2), rel=0.03)
    assert e["height"] == pytest.approx(2 * np.sqrt(values[0] * r2), rel=0.03)
    assert (e["x"], e["y"]) == pytest.approx((1.0, -1.0), abs=0.05)

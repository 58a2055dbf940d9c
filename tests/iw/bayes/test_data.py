"""Hierarchical map model without MCMC: counts, priors, likelihood and expectations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from scipy import stats

from llmvalues.iw.bayes.data import aggregate_responses, answer_sources, densify
from llmvalues.iw.bayes.model import (
    Priors,
    build_model,
    category_probs,
    centring,
    cutpoints_numpy,
    expected_answers,
    item_units_numpy,
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
    counted = ["n_total", "n_usable", "n_complete"]
    assert sets.loc[("a", "v"), counted].to_dict() == {"n_total": 4, "n_usable": 1, "n_complete": 1}
    assert sets.loc[("b", "v"), counted].to_dict() == {"n_total": 1, "n_usable": 1, "n_complete": 1}


def _with_probs(probs_by_row: dict[int, object], status: dict[int, str] | None = None):
    df = _table(_full_set("m"))
    df["probs"] = None
    for row, probs in probs_by_row.items():
        df.at[row, "probs"] = probs
    for row, value in (status or {}).items():
        df.loc[row, ["status", "code"]] = [value, np.nan]
    return df


E018 = ITEMS.index("e018")


def _e018(data):
    cell = np.flatnonzero(data.cell_item == E018)
    return data.dense_counts()[cell, :3].sum(0)


def test_log_prob_distributions_enter_as_expected_counts_never_renormalised():
    # 0.1 of the probability is outside the options: the query is an answer with
    # probability 0.9, so it weighs 0.9, spread as the model spread it
    df = _with_probs({E018: {"1": 0.2, "2": 0.2, 3: 0.5}})
    probs = aggregate_responses(df, answers="probs")
    assert _e018(probs) == pytest.approx([0.2, 0.2, 0.5])
    assert probs.status.set_index(["identity", "item"]).loc[("m", "e018"), "n_effective"] == 0.9
    assert _e018(aggregate_responses(df)) == pytest.approx([0, 1, 0])  # sampled: the code 2
    with pytest.raises(ResponsesError, match="needs a 'probs' column"):
        aggregate_responses(_table(_full_set("m")), answers="probs")
    with pytest.raises(ResponsesError, match=r"item 'f063'.*key 11 is not a valid code"):
        aggregate_responses(_with_probs({0: {"11": 1.0}}), answers="probs")
    with pytest.raises(ResponsesError, match=r"sum to 1.3 > 1.*never renormalised"):
        aggregate_responses(_with_probs({E018: {1: 0.8, 2: 0.5}}), answers="probs")


def test_distributions_of_refused_or_invalid_rows_never_count():
    df = _with_probs({E018: {1: 0.9, 2: 0.1}, 0: {1: 1.0}}, status={E018: "refusal", 0: "invalid"})
    data = aggregate_responses(df, answers="probs")
    assert _e018(data) == pytest.approx([0, 0, 0])
    assert data.n_answers == 8
    st = data.status.set_index(["identity", "item"])
    assert st.loc[("m", "e018"), "n_effective"] == 0 and st.loc[("m", "f063"), "n_from_probs"] == 0


def test_one_query_counts_once_both_is_refused():
    df = _with_probs({E018: {1: 0.5, 2: 0.5}})
    data = aggregate_responses(df, answers="probs")
    assert _e018(data).sum() == pytest.approx(1.0)  # the distribution, not it plus the code
    assert data.n_answers == pytest.approx(10.0)
    with pytest.raises(ValueError, match="count it twice"):
        aggregate_responses(df, answers="both")


def _exported(path, plan, distribution=lambda cell: None):
    """The CSV export of a real store holding one answered reply per cell of ``plan``."""
    from tests.collect.replies import store_replies

    def reply(cell):
        return {"y003": "0", "a165": "1"}.get(cell.item, "2")

    return store_replies(plan, reply, path.with_suffix(".sqlite"), distribution, export=path)


def test_exported_store_tables_are_read_with_their_json_distributions(tmp_path):
    from llmvalues.collect import ivs_plan
    from llmvalues.collect.backends.base import Distribution
    from llmvalues.instruments.variants import descriptors

    def e018(cell):
        shown = {"1": 0.1, "2": 0.2, "3": 0.6}
        return Distribution(shown, 0.1, "test").to_json() if cell.item == "e018" else None

    plan = ivs_plan("m", descriptor_set=descriptors()[:1])
    exported = _exported(tmp_path / "answers.csv", plan, e018)
    assert isinstance(exported["probs"].dropna().iloc[0], str)  # JSON text, as exported
    data = aggregate_responses(validate_responses(exported), answers="probs")
    assert _e018(data) == pytest.approx([0.1, 0.2, 0.6])  # labels 1-3 are codes 1-3 here
    # the store records temperature 0 (the default sampling): one deterministic answer each
    assert data.cell_deterministic.all() and data.determinism == "temperature 0 recorded"
    assert exported["seed"].isna().all() and data.seeded == ""
    with pytest.raises(ResponsesError, match=r"row 3: 'probs' .* is not JSON"):
        broken = exported.assign(probs=exported["probs"].astype(object))
        broken.loc[3, "probs"] = "{oops"
        aggregate_responses(validate_responses(broken), answers="probs")


def test_items_without_distributions_are_stated_as_sampled():
    df = _with_probs({E018: {1: 0.5, 2: 0.5}, ITEMS.index("f063"): {1: 1.0}})
    sources = answer_sources(aggregate_responses(df, answers="probs").status)
    assert sources["probs"] == ["f063", "e018"]
    assert "y002" in sources["sampled"] and "y003" in sources["sampled"]
    mixed = pd.concat([df, _with_probs({}).assign(replicate=1)], ignore_index=True)
    counts = aggregate_responses(mixed, answers="probs", replicates="independent")
    assert answer_sources(counts.status)["mixed"] == [
        "f063",
        "e018",
    ]


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
    assert "LogNormal(0, 1)" in text and "HalfNormal(0.5) · item_unit" in text
    assert "s[item] · (location_mu + location_tau · z)" in text
    assert p.update(location_sd=2.0).location_sd == 2.0
    assert Priors.default("probit").variant_sd < p.variant_sd
    with pytest.raises(ValueError, match="unknown prior"):
        p.update(cut_sd=1.0)
    with pytest.raises(ValueError, match="variant_sd must be > 0"):
        Priors(variant_sd=0)
    with pytest.raises(ValueError, match="link must be one of"):
        Priors.default("cauchit")


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_prior_predictive_expected_answers_are_close_to_uniform_on_every_scale(link):
    """The location prior is relative to each item's cut-point spread, so a new identity's
    expected answer is about uniform over the scale whatever the spread (which ranges from
    noisy to near-deterministic answering)."""
    rng = np.random.default_rng(0)
    data = aggregate_responses(simulate_responses(draw_truth(2, 2, rng, link=link), 1, rng))
    with build_model(data, link=link):
        prior = pm.sample_prior_predictive(draws=4000, random_seed=1).prior
    location = prior["location"].to_numpy()[0]  # (draws, identities, items)
    cuts = cutpoints_numpy(prior["cut_gap"].to_numpy()[0], data.n_categories)
    codes = tuple(_codes())
    expected = expected_answers(location, [c[:, None, :] for c in cuts], codes, link)
    for j, item in enumerate(ITEMS):
        share = (expected[..., j].ravel() - min(codes[j])) / np.ptp(codes[j])
        ks = stats.kstest(share, "uniform").statistic
        assert ks < 0.07, (item, ks)


def test_auto_centring_looks_at_every_group_not_the_average():
    rows = [("big", "v0", r, i, 1 if i != "y003" else 0) for r in range(200) for i in ITEMS]
    rows += [("big", "v1", 0, i, 1 if i != "y003" else 0) for i in ITEMS]
    data = aggregate_responses(_table(rows), replicates="independent")
    # 2,010 answers over 2 variants × 10 items = 100.5 per group on average, but v1 holds 1
    assert centring(data)["centred_variants"] is False
    many = _table(
        [
            ("big", f"v{v}", r, i, 1 if i != "y003" else 0)
            for v in range(2)
            for r in range(40)
            for i in ITEMS
        ]
    )
    assert centring(aggregate_responses(many, replicates="independent"))["centred_variants"] is True


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
    model = build_model(data, link=link, parametrization="noncentred")
    point = {
        name: rng.normal(0, 0.7, np.shape(value)) for name, value in model.initial_point().items()
    }
    term = model.replace_rvs_by_values([model.potentials[0]])[0]
    loglik = model.compile_fn(term, inputs=model.value_vars, point_fn=True)(point)
    names = ["location", "cut_gap", "variant_effect", "item_unit", "interaction_scale"]
    names.append("interaction_z")
    values = dict(
        zip(
            names,
            model.compile_fn(
                model.replace_rvs_by_values([model[n] for n in names]),
                inputs=model.value_vars,
                point_fn=True,
            )(point),
            strict=True,
        )
    )
    cuts = cutpoints_numpy(values["cut_gap"], data.n_categories)
    i, v, j = data.cell_identity, data.cell_variant, data.cell_item
    latent_sd = values["interaction_scale"] * values["item_unit"]
    eta = values["location"][i, j] + values["variant_effect"][v, j]
    eta = eta + values["interaction_z"] * latent_sd[j]
    expected = 0.0
    counts = data.dense_counts()
    for c in range(data.n_cells):
        k = data.n_categories[j[c]]
        p = category_probs(eta[c : c + 1], cuts[j[c]][None], link)[0]
        expected += float(counts[c, :k] @ np.log(p))
    # numpy differences of cdfs lose digits on tiny probabilities; the model does not
    assert float(loglik) == pytest.approx(expected, rel=1e-6)
    # the latent unit of each item is √(var(cuts) + error variance) over its reference value
    assert values["item_unit"] == pytest.approx(
        item_units_numpy(values["cut_gap"], data.n_categories, link)
    )


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


def _copies(n: int, temperature=0.0, change: dict | None = None) -> pd.DataFrame:
    """n replicates of one full set per variant (v0, v1); ``change`` sets some codes."""
    rows = [r for v in ("v0", "v1") for k in range(n) for r in _full_set("m", v, k)]
    df = _table(rows)
    if temperature is not None:
        df["temperature"] = temperature
    for (variant, replicate, item), code in (change or {}).items():
        hit = (df["variant"] == variant) & (df["replicate"] == replicate) & (df["item"] == item)
        df.loc[hit, "code"] = code
    return df


def test_deterministic_replicates_are_one_observation():
    one = aggregate_responses(_copies(1))
    five = aggregate_responses(_copies(5))
    for field in ("cell_identity", "cell_variant", "cell_item", "row_cell", "row_category"):
        assert np.array_equal(getattr(one, field), getattr(five, field)), field
    assert np.array_equal(one.row_count, five.row_count)
    assert five.n_answers == 20 and five.cell_deterministic.all()
    assert five.determinism == "temperature 0 recorded"
    st = five.status.set_index(["identity", "item"])
    assert st.loc[("m", "f063"), "n_ok"] == 10 and st.loc[("m", "f063"), "n_effective"] == 2
    # sampled at temperature 1, the five replicates are five observations
    sampled = aggregate_responses(_copies(5, temperature=1.0))
    assert sampled.n_answers == 100 and not sampled.cell_deterministic.any()
    assert aggregate_responses(_copies(5), replicates="independent").n_answers == 100


def test_disagreeing_deterministic_replicates_share_one_unit_of_weight():
    df = _copies(4, change={("v0", 3, "f063"): 9})
    with pytest.warns(UserWarning, match="answered differently across replicates"):
        data = aggregate_responses(df)
    cell = np.flatnonzero((data.cell_item == 0) & (data.cell_variant == 0))[0]
    assert data.dense_counts()[cell, [4, 8]] == pytest.approx([0.75, 0.25])  # codes 5 and 9
    assert data.cell_means()[cell] == pytest.approx(6.0)


def test_without_a_temperature_identical_replicates_collapse_with_a_warning():
    with pytest.warns(UserWarning, match="no temperature is recorded"):
        data = aggregate_responses(_copies(3, temperature=None))
    assert data.n_answers == 20 and data.cell_deterministic.all()
    varied = _copies(3, temperature=None, change={("v1", 2, "a008"): 4})
    assert aggregate_responses(varied).n_answers == 60  # replicates differ: sampled
    single = aggregate_responses(_copies(1, temperature=None))  # nothing to tell: unknown
    assert not single.cell_deterministic.any() and single.determinism == ""
    assert aggregate_responses(_copies(1, temperature=None), replicates="collapse").deterministic
    with pytest.raises(ResponsesError, match="column 'temperature', row 0: 'hot'"):
        aggregate_responses(_copies(1).assign(temperature=["hot"] + [0.0] * 19))
    with pytest.raises(ValueError, match="replicates must be one of"):
        aggregate_responses(_copies(1), replicates="sometimes")


def test_an_exported_fixed_seed_makes_replicates_one_draw(tmp_path):
    from llmvalues.collect import ivs_plan
    from llmvalues.instruments.variants import descriptors

    sampling = {"temperature": 0.8, "seed": 5}  # one seed for every replicate
    plan = ivs_plan("m", replicates=3, sampling=sampling, descriptor_set=descriptors()[:2])
    exported = _exported(tmp_path / "fixed.csv", plan)
    assert (exported["seed"] == 5).all() and (exported["temperature"] == 0.8).all()
    data = aggregate_responses(validate_responses(exported))
    n_ok = int((exported["status"] == "ok").sum())
    assert data.n_answers == n_ok / 3 and "seeded draws repeated" in data.seeded
    # the collector's default: a seed of its own for each replicate, three draws
    plan = ivs_plan(
        "m", replicates=3, sampling={"temperature": 0.8}, descriptor_set=descriptors()[:2]
    )
    exported = _exported(tmp_path / "own.csv", plan)
    assert exported.groupby(["variant", "item"])["seed"].nunique().eq(3).all()
    assert aggregate_responses(validate_responses(exported)).n_answers == n_ok


def test_replicates_repeating_a_recorded_seed_are_one_draw():
    df = _copies(4, temperature=0.7, change={("v0", 3, "f063"): 9})
    df["backend"] = "llamacpp"
    df["seed"] = pd.array([11] * len(df), dtype="Int64")  # a fixed seed in the settings
    data = aggregate_responses(df)
    assert data.n_answers == 20 and not data.cell_deterministic.any()  # expected ≠ the answer
    cell = np.flatnonzero((data.cell_item == 0) & (data.cell_variant == 0))[0]
    assert data.dense_counts()[cell, [4, 8]] == pytest.approx([0.75, 0.25])
    assert data.seeded.startswith("80 answered replies are 20 seeded draws repeated")
    assert aggregate_responses(df, replicates="independent").n_answers == 80
    # a seed per replicate (the collector's default above temperature 0): independent draws
    df["seed"] = pd.array(df["replicate"] + 100, dtype="Int64")
    assert aggregate_responses(df).n_answers == 80 and aggregate_responses(df).seeded == ""
    # the same seed on two backends is two draws
    df["seed"] = pd.array([11] * len(df), dtype="Int64")
    df["backend"] = np.where(df["replicate"] < 2, "llamacpp", "openai")
    assert aggregate_responses(df).n_answers == 40

"""Recovery: simulated respondents with a planted factor structure and vocabulary."""

import numpy as np
import pandas as pd
import pytest

from llmvalues.embeddings import embed, load_encoder
from llmvalues.valuelex.cluster import ClusterError, cluster_terms, partition_agreement
from llmvalues.valuelex.lexicon import build_lexicon
from llmvalues.valuelex.ratings import rating_matrix
from llmvalues.valuelex.reliability import dimension_reliability, retest_reliability
from llmvalues.valuelex.resources import load_reference
from llmvalues.valuelex.simulate import VOCABULARY, simulate_study
from llmvalues.valuelex.study import ValueLexConfig, analyse, lexicon_from
from llmvalues.valuelex.taxonomy import match_reference, name_factors

PLANTED_TERMS = sorted(t for group in VOCABULARY.values() for t in group)


@pytest.fixture(scope="module")
def study():
    return simulate_study(n_respondents=240, n_models=3, model_effect=0.8, seed=7)


@pytest.fixture(scope="module")
def encoder():
    pytest.importorskip("sentence_transformers")
    return load_encoder()


@pytest.fixture(scope="module")
def result(study, encoder):
    config = ValueLexConfig(reliability_boot=60, n_dimensions=2)
    return analyse(
        study.ratings, config, lexicon=lexicon_from(study.replies, config), encoder=encoder
    )


def test_lexicon_recovers_planted_vocabulary(study):
    lex = build_lexicon(study.replies, min_count=3, min_respondents=3)
    assert sorted(lex.term_list) == PLANTED_TERMS
    mapping = lex.mapping.set_index("raw")["term"]
    assert mapping["honesty"] == "honest"
    assert mapping["open minded"] == "open-minded"
    assert mapping["friendliness"] == "friendly"
    refusals = (lex.replies["status"] == "refusal").sum()
    assert 0 < refusals < 0.15 * len(lex.replies)


def test_recovers_number_of_factors_and_assignment(result, study):
    structure = result.structure
    assert structure.parallel is not None and structure.n_factors == 3
    agreement = partition_agreement(pd.Series(study.assignment), structure.assignment)
    assert agreement.ari == pytest.approx(1.0)
    assert not structure.table["cross_loading"].any()


def test_recovery_fails_when_structure_is_destroyed(study):
    """The same data with each term shuffled independently across respondents: no factors."""
    ratings = study.ratings.copy()
    rng = np.random.default_rng(0)
    for term in PLANTED_TERMS:
        rows = ratings["term"] == term
        ratings.loc[rows, "code"] = rng.permutation(ratings.loc[rows, "code"].to_numpy())
    from llmvalues.valuelex.structure import fit_structure

    shuffled = fit_structure(rating_matrix(ratings).data)
    assert shuffled.n_factors <= 1


def test_reliability_matches_population_values(result, study):
    rel = result.reliability
    assert len(rel) == 3
    # population alpha of 6 congeneric items with the planted loadings (latent correlation
    # model); ordinal coarsening lowers it a little, so it must lie at or below the CI top
    for factor in rel.index:
        terms = result.structure.table.index[result.structure.table["factor"] == factor]
        lam = study.loadings.loc[terms].max(axis=1).to_numpy()
        population = (lam.sum() ** 2) / (lam.sum() ** 2 + (1 - lam**2).sum())
        row = rel.loc[factor]
        assert row["alpha_lo"] < row["alpha"] < row["alpha_hi"]
        assert row["alpha_lo"] - 0.08 < population < row["alpha_hi"] + 0.05
        assert row["omega_lo"] <= row["omega"] <= row["omega_hi"]
        assert 0.6 < row["split_half"] < 0.95


def test_model_scores_recover_planted_model_differences(result, study):
    scores = result.scores
    names = {
        f: study.assignment[result.structure.table.index[result.structure.table["factor"] == f][0]]
        for f in result.structure.assignment.dropna().unique()
    }
    scores = scores.assign(planted=scores["factor"].map(names))
    for model, means in study.model_means.iterrows():
        boosted = means.idxmax()
        own = scores[(scores["model"] == model) & (scores["planted"] == boosted)].iloc[0]
        others = scores[(scores["model"] != model) & (scores["planted"] == boosted)]
        assert (own["lo"] > others["hi"]).all()


def test_test_retest_high_for_same_latent_and_null_for_fresh(study, result):
    first = rating_matrix(study.ratings).data
    table = result.structure.table
    again = simulate_study(n_respondents=240, n_models=3, model_effect=0.8, seed=7)
    same = retest_reliability(first, rating_matrix(again.ratings).data, table)
    assert (same["retest_r"] > 0.99).all()
    fresh = simulate_study(n_respondents=240, n_models=3, model_effect=0.0, seed=99)
    null = retest_reliability(first, rating_matrix(fresh.ratings).data, table)
    assert ((null["retest_lo"] < 0) & (null["retest_hi"] > 0)).sum() >= 2


def test_clustering_recovers_planted_embedding_groups():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16))
    terms, labels, vectors = [], [], []
    for g in range(3):
        for i in range(7):
            terms.append(f"g{g}t{i}")
            labels.append(g)
            vectors.append(centres[g] + 0.15 * rng.normal(size=16))
    vectors = np.array(vectors)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for method in ("average", "ward", "complete"):
        clusters = cluster_terms(terms, vectors, 3, method)
        agreement = partition_agreement(pd.Series(labels, index=terms), clusters.labels, n_perm=200)
        assert agreement.ari == pytest.approx(1.0)
        assert agreement.p_value < 0.01
        assert clusters.cut(2).nunique() == 2
    with pytest.raises(ClusterError, match="method"):
        cluster_terms(terms, vectors, 3, "centroidish")
    with pytest.raises(ClusterError, match="one embedding row"):
        cluster_terms(terms[:-1], vectors, 3)


def test_minilm_clusters_agree_with_planted_factors_above_chance(encoder):
    truth = pd.Series({t: f for f, group in VOCABULARY.items() for t in group})
    vectors = embed(encoder, list(truth.index))
    clusters = cluster_terms(list(truth.index), vectors, 3, "average")
    agreement = partition_agreement(truth, clusters.labels)
    assert agreement.ari > 0.2 and agreement.p_value < 0.05


def test_taxonomy_named_and_matched_to_valuelex(result, encoder):
    names = name_factors(result.structure.table)
    assert len(names) == 3 and all(" / " in n for n in names)
    match = match_reference(result.structure.table, load_reference(), encoder).table
    planted = {
        f: result.structure.table.index[result.structure.table["factor"] == f][0]
        for f in match.index
    }
    expected = {"competence": "Self-Competent", "warmth": "Social", "integrity": "Ethical"}
    for factor, row in match.iterrows():
        group = next(g for g, terms in VOCABULARY.items() if planted[factor] in terms)
        assert row["subdimension"] == expected[group]
        assert row["similarity"] > row["alternative_similarity"]


def test_result_summary_and_frame(result, study):
    frame = result.to_frame()
    assert {"factor", "factor_name", "cluster", "dimension_group"} <= set(frame.columns)
    assert len(frame) == 18
    assert result.hierarchy.nunique() == 2
    assert result.settings["rotation"] == "oblimin"
    for term, row in frame.iterrows():
        assert row["cluster"] == result.clusters.labels[term]
        assert row["factor_name"] == result.factor_names[row["factor"]]
        assert row["dimension_group"] == result.hierarchy[row["factor"]]
    s = result.summary()
    assert s.to_frame().equals(frame.rename_axis("term"))  # the terms are the main table
    factors = s["Factors"]
    assert factors["terms"].to_dict() == {f: 6 for f in factors.index}
    assert factors["name"].equals(result.factor_names.rename_axis("factor"))
    assert factors["dimension_group"].nunique() == 2
    assert s["Reliability"].equals(result.reliability)
    assert s["Scores per model"].equals(result.scores)
    assert s["Factor × cluster"].equals(result.agreement.table)
    np.testing.assert_allclose(s["Reference match"]["similarity"], result.match.table["similarity"])
    assert s.info["factors"] == 3 and s.info["respondents"] == 240
    assert s.info["chosen by"].startswith("parallel analysis")
    assert s.info["lexicon kept terms"] == len(result.lexicon.term_list)
    assert any(n.startswith("Factor–cluster agreement: adjusted Rand index") for n in s.notes)


def test_structure_clusters_agreement_and_match_frames(result, study):
    structure = result.structure
    s = structure.summary()
    assert s.to_frame().equals(structure.to_frame().rename_axis("term"))
    assert s["Terms per factor"]["terms"].sum() == 18
    assert s.info["factors"] == 3 and s.info["cut-off |loading|"] == 0.4
    np.testing.assert_allclose(s["Factor correlations"], structure.efa.phi)
    clusters = result.clusters.to_frame()
    assert list(clusters.columns) == ["term", "cluster"] and len(clusters) == 18
    assert clusters.set_index("term")["cluster"].equals(result.clusters.labels.rename_axis("term"))
    table = result.clusters.summary()["Clusters"]
    assert table["n_terms"].sum() == 18
    assert table["n_terms"].to_dict() == result.clusters.labels.value_counts().to_dict()
    agreement = result.agreement
    row = agreement.to_frame().iloc[0]
    assert (row["ari"], row["ami"], row["p_value"]) == (agreement.ari, agreement.ami,
                                                        agreement.p_value)  # fmt: skip
    assert agreement.summary()["Factor × cluster"].to_numpy().sum() == agreement.n_terms
    match = result.match
    assert match.to_frame().equals(match.table)
    assert match.summary()["Cosine similarity"].shape == (3, 6)
    planted = study.to_frame()
    assert len(planted) == 18 and set(planted["factor"]) == set(VOCABULARY)
    assert planted.set_index("term").loc["honest", "factor"] == "integrity"
    np.testing.assert_allclose(
        planted["loading"], study.loadings.max(axis=1).reindex(planted["term"])
    )
    summary = study.summary()
    assert summary.info == {"respondents": 240, "models": 3, "factors": 3, "terms": 18}
    np.testing.assert_allclose(summary["Factor correlations"], study.factor_corr)


def test_dimension_reliability_reports_short_scales():
    rng = np.random.default_rng(0)
    f = rng.normal(size=200)
    data = pd.DataFrame({f"t{i}": f + rng.normal(size=200) for i in range(3)})
    table = pd.DataFrame(
        {"factor": ["A", "A", "B"], "primary_loading": [0.7, 0.6, 0.8]}, index=data.columns
    )
    rel = dimension_reliability(data, table, n_boot=20)
    assert rel.loc["A", "note"].startswith("two terms") and np.isnan(rel.loc["A", "omega"])
    assert rel.loc["B", "note"].startswith("one term")


def test_cli_analyse_writes_tables_and_figures(study, encoder, tmp_path, capsys):
    from llmvalues.cli import main

    ratings, replies = tmp_path / "ratings.csv", tmp_path / "replies.csv"
    study.ratings.to_csv(ratings, index=False)
    study.replies.to_csv(replies, index=False)
    out = tmp_path / "analysis"
    argv = ["valuelex", "analyse", str(ratings), "--replies", str(replies), "--out", str(out)]
    assert main(argv) == 0
    loadings = pd.read_csv(out / "loadings.csv", index_col=0)
    assert loadings["factor"].nunique() == 3
    for name in ("loadings", "dendrogram", "scores"):
        assert (out / f"{name}.png").exists() and (out / f"{name}.pdf").exists()
    bad = tmp_path / "bad.csv"
    study.ratings[study.ratings["term"].isin(["kind", "fair"])].to_csv(bad, index=False)
    capsys.readouterr()
    assert main(["valuelex", "analyse", str(bad), "--out", str(tmp_path / "x")]) == 2
    assert "lexicon too small" in capsys.readouterr().err


def test_factor_hierarchy_recovers_planted_higher_order_pairs():
    from llmvalues.valuelex.structure import StructureError, factor_hierarchy, fit_structure

    rng = np.random.default_rng(0)
    k, m = 6, 4  # six factors in three correlated pairs, as ValueLex's 3 × 2 layout
    phi = np.full((k, k), 0.1)
    for a in range(0, k, 2):
        phi[a : a + 2, a : a + 2] = 0.6
    np.fill_diagonal(phi, 1.0)
    lam = np.zeros((k * m, k))
    for f in range(k):
        lam[f * m : (f + 1) * m, f] = rng.uniform(0.6, 0.8, m)
    scores = rng.multivariate_normal(np.zeros(k), phi, size=1500)
    data = scores @ lam.T + rng.normal(size=(1500, k * m)) * np.sqrt(1 - (lam**2).sum(axis=1))
    terms = [f"f{f}t{j}" for f in range(k) for j in range(m)]
    structure = fit_structure(pd.DataFrame(data, columns=terms))
    assert structure.n_factors == 6
    groups = factor_hierarchy(structure, 3)
    table = structure.table
    planted = {f: int(table.index[table["factor"] == f][0][1]) // 2 for f in groups.index}
    agreement = partition_agreement(pd.Series(planted), groups, n_perm=50)
    assert agreement.ari == pytest.approx(1.0)
    with pytest.raises(StructureError, match="n_groups"):
        factor_hierarchy(structure, 6)
    varimax = fit_structure(pd.DataFrame(data, columns=terms), 6, rotation="varimax")
    with pytest.raises(StructureError, match="uncorrelated"):
        factor_hierarchy(varimax, 3)

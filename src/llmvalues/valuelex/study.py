"""The ValueLex pipeline: collect (elicit, rate, complete stems) through the store, then analyse.

Collection steps take ``backends`` as a mapping label → backend (any collection backend)
and a :class:`~llmvalues.collect.store.Store`; rerunning with the same store resumes.
Analysis steps never call a backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from llmvalues.collect.runner import collect
from llmvalues.collect.store import Store
from llmvalues.embeddings import embed, load_encoder
from llmvalues.summary import Summary
from llmvalues.valuelex.cluster import Agreement, TermClusters, cluster_terms, partition_agreement
from llmvalues.valuelex.elicit import elicitation_plan
from llmvalues.valuelex.lexicon import Lexicon, build_lexicon
from llmvalues.valuelex.ratings import RatingMatrix, rating_matrix, rating_plan
from llmvalues.valuelex.reliability import dimension_reliability, retest_reliability, scale_scores
from llmvalues.valuelex.resources import (
    Persona,
    Prompt,
    load_personas,
    load_prompts,
    load_reference,
)
from llmvalues.valuelex.respondents import make_respondents, resolve_format
from llmvalues.valuelex.structure import (
    Structure,
    StructureError,
    factor_hierarchy,
    fit_structure,
)
from llmvalues.valuelex.taxonomy import TaxonomyMatch, match_reference, name_clusters, name_factors


@dataclass
class ValueLexConfig:
    """Every choice of a ValueLex study (ValueLex left these unpublished: all are settable).

    Parameters
    ----------
    personas
        Respondent personas (default the bundled five).
    n_samples
        Respondents per persona and model (each with its own seed).
    prompts
        Elicitation prompts (default the bundled ones).
    prompts_per_respondent
        Prompts each respondent answers (a rotating block).
    fmt
        ``"auto"`` (chat when the backend has a chat template), ``"chat"`` or
        ``"completion"``.
    elicit_sampling, rating_sampling
        Sampling settings of the two stages.
    logprobs
        Ask for the probabilities of the scale points when rating.
    min_count, min_respondents, max_words, synonyms
        Lexicon thresholds and options (:func:`~llmvalues.valuelex.lexicon.build_lexicon`).
    max_terms
        Most terms rated (most frequent first).
    score, min_mass, min_answered
        Rating matrix options (:func:`~llmvalues.valuelex.ratings.rating_matrix`).
    n_factors, method, rotation, cutoff
        Factor structure (:func:`~llmvalues.valuelex.structure.fit_structure`).
    n_dimensions
        Group the factors into this many higher-order dimensions.
    cluster_method, n_clusters
        Semantic clustering (default as many clusters as factors).
    embed_template
        How a term is written before embedding (``{term}``).
    reliability_boot
        Bootstrap resamples of the reliability intervals.
    seed
        Seed of everything random.
    """

    personas: list[Persona] = field(default_factory=load_personas)
    n_samples: int = 10
    prompts: list[Prompt] = field(default_factory=load_prompts)
    prompts_per_respondent: int = 3
    fmt: str = "auto"
    elicit_sampling: dict[str, Any] = field(default_factory=dict)
    rating_sampling: dict[str, Any] = field(default_factory=dict)
    logprobs: bool = True
    min_count: int = 2
    min_respondents: int = 2
    max_words: int = 2
    max_terms: int | None = 60
    synonyms: dict[str, str] = field(default_factory=dict)
    score: str = "code"
    min_mass: float = 0.5
    min_answered: float = 0.5
    n_factors: int | None = None
    method: str = "minres"
    rotation: str = "oblimin"
    cutoff: float = 0.4
    n_dimensions: int | None = None
    cluster_method: str = "average"
    n_clusters: int | None = None
    embed_template: str = "{term}"
    reliability_boot: int = 300
    seed: int = 0

    def settings(self) -> dict[str, Any]:
        """The configuration as plain data (for the record of a run).

        Returns
        -------
        dict
            Every field; personas and prompts by id.
        """
        out = {k: v for k, v in self.__dict__.items() if k not in ("personas", "prompts")}
        out["personas"] = [p.id for p in self.personas]
        out["prompts"] = [p.id for p in self.prompts]
        return out


def _store_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Store table → analysis columns: respondent and model label from the cell attributes."""
    out = table.drop(columns=["identity"]).rename(columns={"model": "model_id"})
    return out.assign(model=out["model_label"])


def collect_elicitation(
    backends: Mapping[str, Any], store: Store, config: ValueLexConfig, **options: Any
) -> pd.DataFrame:
    """Ask every respondent of every model its values; return one row per reply.

    Parameters
    ----------
    backends
        Label → collection backend.
    store
        The store (rerunning with the same store resumes).
    config
        The study's settings.
    **options
        Passed to :func:`llmvalues.collect.runner.collect` (``progress``, ``concurrency``…).

    Returns
    -------
    pandas.DataFrame
        One row per reply: ``respondent``, ``model`` (label), ``text``, ``status``, … .
    """
    frames = []
    for label, backend in backends.items():
        respondents = make_respondents(label, config.personas, config.n_samples)
        plan = elicitation_plan(
            backend.model,
            respondents,
            config.prompts,
            prompts_per_respondent=config.prompts_per_respondent,
            fmt=resolve_format(config.fmt, backend),
            sampling=config.elicit_sampling,
            max_words=config.max_words,
            seed=config.seed,
        )
        collect(plan, backend, store, **options)
        frames.append(_store_frame(store.to_table(plan.keys)).rename(columns={"raw": "text"}))
    return pd.concat(frames, ignore_index=True)


def collect_ratings(
    backends: Mapping[str, Any],
    store: Store,
    terms: list[str],
    config: ValueLexConfig,
    wave: int = 0,
    **options: Any,
) -> pd.DataFrame:
    """Every respondent rates every term (order shuffled per respondent); one row per rating.

    Parameters
    ----------
    backends, store
        As for :func:`collect_elicitation`.
    terms
        Terms to rate.
    config
        The study's settings.
    wave
        > 0 for a retest wave.
    **options
        Passed to :func:`llmvalues.collect.runner.collect`.

    Returns
    -------
    pandas.DataFrame
        One row per rating: ``respondent``, ``model``, ``term``, ``code``, ``status``,
        ``distribution``, ``position``, … .
    """
    frames = []
    for label, backend in backends.items():
        respondents = make_respondents(label, config.personas, config.n_samples)
        plan = rating_plan(
            backend.model,
            respondents,
            terms,
            fmt=resolve_format(config.fmt, backend),
            sampling=config.rating_sampling,
            wave=wave,
            logprobs=config.logprobs,
            seed=config.seed,
        )
        collect(plan, backend, store, **options)
        frames.append(_store_frame(store.to_table(plan.keys)))
    return pd.concat(frames, ignore_index=True)


def lexicon_from(replies: pd.DataFrame, config: ValueLexConfig) -> Lexicon:
    """The lexicon of collected replies under the config's thresholds and synonym map.

    Parameters
    ----------
    replies
        From :func:`collect_elicitation`.
    config
        The study's settings.

    Returns
    -------
    Lexicon
    """
    return build_lexicon(
        replies,
        min_count=config.min_count,
        min_respondents=config.min_respondents,
        max_words=config.max_words,
        synonyms=config.synonyms,
    )


def terms_to_rate(lexicon: Lexicon, config: ValueLexConfig) -> list[str]:
    """Kept terms, most frequent first, capped at ``max_terms``.

    Parameters
    ----------
    lexicon
        The lexicon.
    config
        The study's settings.

    Returns
    -------
    list of str
    """
    terms = lexicon.term_list
    return terms[: config.max_terms] if config.max_terms else terms


@dataclass
class ValueLexResult:
    """Everything a ValueLex analysis found, with the settings that produced it.

    Parameters
    ----------
    matrix
        The rating matrix analysed.
    structure
        Factors and each term's factor.
    factor_names
        Factor → name from its top terms.
    clusters
        Semantic clusters of the terms.
    cluster_names
        Cluster → name from the terms nearest its centroid.
    agreement
        Agreement of factors and clusters (None with too few assigned terms).
    match
        Factors matched to the reference taxonomy (None without one).
    reliability
        Per factor: alpha, omega, split-half with intervals.
    scores
        Model × factor mean scale score with a bootstrap interval.
    retest
        Test–retest correlations (None without a second wave).
    lexicon
        The lexicon the terms came from (when given).
    settings
        The configuration (:meth:`ValueLexConfig.settings`).
    hierarchy
        Factor → higher-order group (when ``n_dimensions`` was set).
    """

    matrix: RatingMatrix
    structure: Structure
    factor_names: pd.Series
    clusters: TermClusters
    cluster_names: pd.Series
    agreement: Agreement | None
    match: TaxonomyMatch | None
    reliability: pd.DataFrame
    scores: pd.DataFrame
    retest: pd.DataFrame | None
    lexicon: Lexicon | None
    settings: dict[str, Any]
    hierarchy: pd.Series | None = None

    def to_frame(self) -> pd.DataFrame:
        """The term table: loadings, assigned factor, factor name and semantic cluster.

        Returns
        -------
        pandas.DataFrame
            Index = terms; the loadings, ``factor``, ``primary_loading``,
            ``cross_loading``, ``factor_name``, ``cluster`` (and ``dimension_group`` with a
            hierarchy).
        """
        table = self.structure.table.copy()
        table["factor_name"] = table["factor"].map(self.factor_names)
        table["cluster"] = self.clusters.labels.reindex(table.index)
        if self.hierarchy is not None:
            table["dimension_group"] = table["factor"].map(self.hierarchy)
        return table

    def plot(self, kind: str = "loadings", **kwargs):
        """A figure of the analysis (see :mod:`llmvalues.plots.valuelex`).

        Parameters
        ----------
        kind
            ``"loadings"`` (heat map), ``"dendrogram"`` (term clusters) or ``"scores"``
            (model × factor scale scores with their bootstrap intervals).
        **kwargs
            Passed to the figure function (``size``, ``path``, …).

        Returns
        -------
        matplotlib.figure.Figure
        """
        from llmvalues.plots import valuelex as figures

        cutoff = self.settings.get("cutoff", 0.4)
        kinds = {
            "loadings": lambda: figures.plot_loadings(
                self.structure.table, self.factor_names, cutoff, **kwargs
            ),
            "dendrogram": lambda: figures.plot_dendrogram(
                self.clusters, self.structure.assignment, **kwargs
            ),
            "scores": lambda: figures.plot_scores(
                self.scores,
                "factor",
                "mean rating",
                None,
                title="Scale scores per model",
                labels=self.factor_names,
                intervals="95% percentile-bootstrap intervals over each model's respondents",
                **kwargs,
            ),
        }
        if kind not in kinds:
            raise ValueError(f"unknown plot kind {kind!r}; choose one of {list(kinds)}")
        return kinds[kind]()

    def summary(self) -> Summary:
        """Every step's result: terms, factors, clusters, reference match, reliability, scores.

        Returns
        -------
        llmvalues.summary.Summary
            Tables ``Terms`` (:meth:`to_frame`), ``Factors``, ``Clusters``, ``Factor ×
            cluster``, ``Reference match``, ``Reliability``, ``Test–retest`` and ``Scores per
            model`` (those that exist); the notes say how the factors were chosen and what
            was left out.
        """
        counts = self.structure.assignment.value_counts()
        factors = pd.DataFrame(
            {"name": self.factor_names, "terms": counts.reindex(self.factor_names.index)}
        ).rename_axis("factor")
        if self.hierarchy is not None:
            factors["dimension_group"] = self.hierarchy.reindex(factors.index)
        tables = {
            "Terms": self.to_frame().rename_axis("term"),
            "Factors": factors,
            "Clusters": self.cluster_names.rename_axis("cluster").to_frame(),
        }
        if self.agreement is not None:
            tables["Factor × cluster"] = self.agreement.table
        if self.match is not None:
            tables["Reference match"] = self.match.to_frame()
        tables["Reliability"] = self.reliability
        if self.retest is not None:
            tables["Test–retest"] = self.retest
        tables["Scores per model"] = self.scores
        structure = self.structure.summary()
        notes = [*structure.notes]
        if self.agreement is not None:
            notes.append(f"Factor–cluster agreement: {self.agreement}.")
        notes.append(
            "Scores: mean of each factor's (keyed) terms per model with a 95% percentile "
            "bootstrap interval over the model's respondents."
        )
        m = self.matrix
        info = {
            "respondents": m.data.shape[0],
            "terms rated": m.data.shape[1],
            "score": m.score,
            "excluded respondents/terms": len(m.excluded),
            "factors": self.structure.n_factors,
            "chosen by": structure.info["chosen by"],
            "rotation": structure.info["rotation"],
        }
        if self.lexicon is not None:
            lexicon = self.lexicon.summary().info
            info.update({f"lexicon {k}": lexicon[k] for k in ("replies", "terms", "kept terms")})
        return Summary("ValueLex analysis", tables, notes, info)


def model_scores(
    matrix: pd.DataFrame,
    table: pd.DataFrame,
    models: pd.Series,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Model × factor mean scale score with a bootstrap interval over the model's respondents.

    Parameters
    ----------
    matrix, table, models
        Ratings (respondents × terms), the loading table and each respondent's model.
    n_boot, level, seed
        Resamples of each model's respondents, their intervals' probability, their seed.

    Returns
    -------
    pandas.DataFrame
        One row per model × factor: ``n``, ``score``, ``lo``, ``hi``.
    """
    scores = scale_scores(matrix, table)
    rng = np.random.default_rng(seed)
    tail = (1 - level) / 2
    rows = []
    for model, idx in models.groupby(models).groups.items():
        for factor in scores.columns:
            values = scores.loc[idx, factor].dropna().to_numpy()
            if len(values) == 0:
                continue
            boot = values[rng.integers(0, len(values), (n_boot, len(values)))].mean(axis=1)
            lo, hi = np.quantile(boot, [tail, 1 - tail])
            rows.append(
                {
                    "model": model,
                    "factor": factor,
                    "n": len(values),
                    "score": float(values.mean()),
                    "lo": float(lo),
                    "hi": float(hi),
                }
            )
    return pd.DataFrame(rows)


def analyse(
    ratings: pd.DataFrame,
    config: ValueLexConfig | None = None,
    *,
    lexicon: Lexicon | None = None,
    encoder: Any | None = None,
    reference: list[dict] | None = None,
    retest_ratings: pd.DataFrame | None = None,
) -> ValueLexResult:
    """Structure, clusters, agreement, names, reference match, reliability and model scores.

    Parameters
    ----------
    ratings
        From :func:`collect_ratings` (or any tidy ratings table).
    config
        The study's settings (default :class:`ValueLexConfig`).
    lexicon
        The lexicon, to keep with the result.
    encoder
        A sentence-transformers encoder (default the offline MiniLM).
    reference
        Reference taxonomy rows (default ValueLex's; ``[]`` for none).
    retest_ratings
        Ratings of a second wave, for test–retest.

    Returns
    -------
    ValueLexResult
    """
    config = config or ValueLexConfig()
    matrix = rating_matrix(
        ratings, score=config.score, min_answered=config.min_answered, min_mass=config.min_mass
    )
    try:
        structure = fit_structure(
            matrix.data,
            config.n_factors,
            method=config.method,
            rotation=config.rotation,
            cutoff=config.cutoff,
            seed=config.seed,
        )
    except StructureError as exc:
        dropped = "; ".join(f"{e.name} ({e.reason})" for e in matrix.excluded.itertuples())
        raise StructureError(f"{exc}. Excluded before analysis: {dropped or 'nothing'}") from exc
    encoder = encoder or load_encoder()
    terms = matrix.terms
    vectors = embed(encoder, [config.embed_template.format(term=t) for t in terms])
    clusters = cluster_terms(
        terms, vectors, config.n_clusters or structure.n_factors, config.cluster_method
    )
    assigned = structure.assignment.dropna()
    agreement = None
    if assigned.nunique() >= 2 and len(assigned) >= 3:
        agreement = partition_agreement(structure.assignment, clusters.labels, seed=config.seed)
    reference = load_reference() if reference is None else reference
    match = (
        match_reference(structure.table, reference, encoder)
        if reference and len(assigned)
        else None
    )
    retest = None
    if retest_ratings is not None:
        second = rating_matrix(
            retest_ratings, score=config.score, min_answered=0.0, min_mass=config.min_mass
        )
        retest = retest_reliability(matrix.data, second.data, structure.table)
        if config.score == "expected":
            retest["note"] = (
                "expected scores come from log-probs of the same prompt: a retest checks "
                "reproducibility, not sampling stability (use score='code' for that)"
            )
    factor_names = name_factors(structure.table) if len(assigned) else pd.Series(name="name")
    hierarchy = None
    if config.n_dimensions is not None:
        hierarchy = factor_hierarchy(structure, config.n_dimensions)
    return ValueLexResult(
        matrix=matrix,
        structure=structure,
        factor_names=factor_names,
        clusters=clusters,
        cluster_names=name_clusters(clusters.labels, vectors),
        agreement=agreement,
        match=match,
        reliability=dimension_reliability(
            matrix.data, structure.table, n_boot=config.reliability_boot, seed=config.seed
        ),
        scores=model_scores(matrix.data, structure.table, matrix.models, seed=config.seed),
        retest=retest,
        lexicon=lexicon,
        settings=config.settings(),
        hierarchy=hierarchy,
    )

"""Simulated respondents with a planted factor structure and vocabulary, to prove recovery.

Each respondent has correlated latent factor scores; each vocabulary term loads on one
factor. Ratings are the discretised common-factor model; elicited lists name terms with
probability rising with the respondent's latent affinity and write them in varied surface
forms (case, plural, derivational variant, hyphenation, list layout), so the lexicon step
has real normalisation work to do. A share of replies are refusals or empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from llmvalues.summary import Summary

# planted vocabulary: term → surface variants (the term itself is written most often)
VOCABULARY: dict[str, dict[str, tuple[str, ...]]] = {
    "competence": {
        "knowledgeable": ("knowledgeable", "Knowledgeable"),
        "accurate": ("accurate", "Accurate", "accuracy"),
        "efficient": ("efficient", "Efficient", "efficiency"),
        "skilled": ("skilled", "Skilled"),
        "capable": ("capable", "Capable", "capability"),
        "precise": ("precise", "Precise"),
    },
    "warmth": {
        "kind": ("kind", "Kind", "kindness"),
        "caring": ("caring", "Caring"),
        "friendly": ("friendly", "Friendly", "friendliness"),
        "empathetic": ("empathetic", "Empathetic", "empathy"),
        "compassionate": ("compassionate", "Compassionate"),
        "open-minded": ("open-minded", "Open minded", "open-mindedness"),
    },
    "integrity": {
        "honest": ("honest", "Honest", "honesty"),
        "fair": ("fair", "Fair", "fairness"),
        "transparent": ("transparent", "Transparent", "transparency"),
        "ethical": ("ethical", "Ethical"),
        "truthful": ("truthful", "Truthful", "truthfulness"),
        "principled": ("principled", "Principled"),
    },
}


@dataclass
class SimulatedStudy:
    """Elicitation replies, ratings (tidy) and the planted truth.

    Parameters
    ----------
    replies
        One elicitation reply per respondent (``respondent``, ``model``, ``text``).
    ratings
        Tidy ratings of the planted vocabulary.
    loadings
        Terms × factors planted loadings.
    assignment
        Term → its planted factor.
    factor_corr
        Planted factor correlation matrix.
    model_means
        Models × factors planted latent means.
    """

    replies: pd.DataFrame
    ratings: pd.DataFrame
    loadings: pd.DataFrame
    assignment: dict[str, str]
    factor_corr: np.ndarray
    model_means: pd.DataFrame

    @property
    def n_factors(self) -> int:
        """Planted factors."""
        return self.loadings.shape[1]

    def to_frame(self) -> pd.DataFrame:
        """The planted structure, one row per term.

        Returns
        -------
        pandas.DataFrame
            ``term``, ``factor``, ``loading``.
        """
        terms = list(self.loadings.index)
        return pd.DataFrame(
            {
                "term": terms,
                "factor": [self.assignment[t] for t in terms],
                "loading": [self.loadings.loc[t, self.assignment[t]] for t in terms],
            }
        )

    def summary(self) -> Summary:
        """The planted truth and the size of the simulated data.

        Returns
        -------
        llmvalues.summary.Summary
            Tables ``Planted loadings``, ``Factor correlations`` and ``Model means``.
        """
        factors = list(self.loadings.columns)
        return Summary(
            "Simulated ValueLex study",
            {
                "Planted loadings": self.to_frame().set_index("term"),
                "Factor correlations": pd.DataFrame(
                    self.factor_corr, index=pd.Index(factors, name="factor"), columns=factors
                ),
                "Model means": self.model_means.rename_axis("model"),
            },
            info={
                "respondents": len(self.replies),
                "models": len(self.model_means),
                "factors": self.n_factors,
                "terms": len(self.loadings),
            },
        )


def _write_list(words: list[str], rng: np.random.Generator) -> str:
    layout = rng.integers(3)
    if layout == 0:
        return ", ".join(words)
    if layout == 1:
        return "\n".join(f"{i + 1}. {w}" for i, w in enumerate(words))
    return "Here are my values:\n" + "\n".join(f"- {w}" for w in words)


def simulate_study(
    n_respondents: int = 300,
    n_models: int = 3,
    loading: tuple[float, float] = (0.6, 0.8),
    factor_corr: float = 0.3,
    n_categories: int = 5,
    words_per_list: int = 6,
    refusal_rate: float = 0.05,
    model_effect: float = 0.0,
    seed: int = 0,
) -> SimulatedStudy:
    """Simulate respondents answering elicitation prompts and rating the planted vocabulary.

    Parameters
    ----------
    n_respondents
        Respondents (assigned to models in turn).
    n_models
        Models.
    loading
        Range of the planted loadings (uniform).
    factor_corr
        Correlation of every pair of factors.
    n_categories
        Rating scale points.
    words_per_list
        Descriptors per elicitation reply.
    refusal_rate
        Share of refusals (and 40% as many empty replies).
    model_effect
        Model m's mean is raised by this much on factor m mod k (others stay 0).
    seed
        Seed of everything random.

    Returns
    -------
    SimulatedStudy
    """
    rng = np.random.default_rng(seed)
    factors = list(VOCABULARY)
    terms = [t for f in factors for t in VOCABULARY[f]]
    k = len(factors)
    phi = np.full((k, k), factor_corr) + (1 - factor_corr) * np.eye(k)
    lam = np.zeros((len(terms), k))
    assignment = {}
    for j, term in enumerate(terms):
        f = next(i for i, name in enumerate(factors) if term in VOCABULARY[name])
        lam[j, f] = rng.uniform(*loading)
        assignment[term] = factors[f]
    means = np.zeros((n_models, k))
    for m in range(n_models):
        means[m, m % k] = model_effect
    model_index = np.arange(n_respondents) % n_models
    scores = rng.multivariate_normal(np.zeros(k), phi, size=n_respondents) + means[model_index]
    unique = 1.0 - (lam**2).sum(axis=1)
    latent = scores @ lam.T + rng.normal(size=(n_respondents, len(terms))) * np.sqrt(unique)
    cuts = np.linspace(-1.5, 1.5, n_categories - 1)
    codes = 1 + (latent[..., None] > cuts).sum(axis=-1)
    respondents = [f"r{i:04d}" for i in range(n_respondents)]
    models = [f"model{m}" for m in model_index]
    rating_rows = [
        {
            "respondent": respondents[i],
            "model": models[i],
            "term": term,
            "code": float(codes[i, j]),
            "status": "ok",
        }
        for i in range(n_respondents)
        for j, term in enumerate(terms)
    ]
    reply_rows = []
    for i in range(n_respondents):
        draw = rng.random()
        if draw < refusal_rate:
            text = "As an AI language model, I do not have personal values."
        elif draw < refusal_rate * 1.4:
            text = ""
        else:
            weights = np.exp(1.5 * latent[i])
            chosen = rng.choice(
                len(terms), words_per_list, replace=False, p=weights / weights.sum()
            )
            words = []
            for j in chosen:
                forms = VOCABULARY[assignment[terms[j]]][terms[j]]
                probs = np.array([3.0] + [1.0] * (len(forms) - 1))
                words.append(forms[rng.choice(len(forms), p=probs / probs.sum())])
            text = _write_list(words, rng)
        reply_rows.append({"respondent": respondents[i], "model": models[i], "text": text})
    loadings = pd.DataFrame(lam, index=terms, columns=factors)
    model_means = pd.DataFrame(means, index=[f"model{m}" for m in range(n_models)], columns=factors)
    return SimulatedStudy(
        pd.DataFrame(reply_rows), pd.DataFrame(rating_rows), loadings, assignment, phi, model_means
    )

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
    """Elicitation replies, ratings (tidy) and the planted truth."""

    replies: pd.DataFrame
    ratings: pd.DataFrame
    loadings: pd.DataFrame
    assignment: dict[str, str]
    factor_corr: np.ndarray
    model_means: pd.DataFrame

    @property
    def n_factors(self) -> int:
        return self.loadings.shape[1]


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

    ``model_effect`` plants model differences: model m's mean is raised by that much on
    factor m mod k (the other factor means stay 0).
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

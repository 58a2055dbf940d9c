"""Multi-view sampling: a view is k QA pairs of one identity joined by newlines, k in 1..λ.

Two views of the same identity drawn from disjoint QAs form a positive pair; views of other
identities in the batch are the negatives (Cahyawijaya et al., NAACL 2025, §3).
Batches are a pure function of (seed, step), so a resumed run sees the same data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from llmvalues.univar.qa import QAError, qa_text, validate_qa


@dataclass(frozen=True)
class ViewBatch:
    """``2 * n_pairs`` view texts; rows ``2i`` and ``2i + 1`` are a positive pair.

    Parameters
    ----------
    texts
        The views.
    labels
        Identity index of each view.
    n_qas
        QA pairs (k) in each view.
    """

    texts: list[str]
    labels: np.ndarray
    n_qas: np.ndarray


class ViewSampler:
    """Draws positive pairs of views per identity, identities balanced within each batch.

    Parameters
    ----------
    qa
        The QA table to draw from.
    lam
        λ, the most QA pairs in a view; every identity needs at least 2λ QAs.
    seed
        Seed of the draws (a batch is a pure function of seed and step).
    """

    def __init__(self, qa: pd.DataFrame, lam: int = 5, seed: int = 0):
        if int(lam) < 1:
            raise ValueError(f"lam (λ, the most QAs per view) must be >= 1, got {lam}")
        qa = validate_qa(qa)
        self.lam = int(lam)
        self.seed = int(seed)
        self.identities = sorted(qa["identity"].unique())
        if len(self.identities) < 2:
            raise QAError("contrastive training needs at least 2 identities in the QA table")
        texts = [qa_text(q, a) for q, a in zip(qa["question"], qa["answer"], strict=True)]
        self.texts: dict[str, list[str]] = {i: [] for i in self.identities}
        for identity, text in zip(qa["identity"], texts, strict=True):
            self.texts[identity].append(text)
        need = 2 * self.lam
        short = {i: len(t) for i, t in self.texts.items() if len(t) < need}
        if short:
            raise QAError(
                f"identities with fewer QAs than two disjoint views of up to λ={self.lam} QAs need "
                f"({need}): {dict(list(short.items())[:5])}; collect more or lower lam"
            )

    @property
    def n_qas(self) -> int:
        """Total QA pairs over all identities."""
        return sum(len(t) for t in self.texts.values())

    def steps_per_epoch(self, n_pairs: int) -> int:
        """Steps for each QA to appear about once: QAs / (views per batch × mean k).

        Parameters
        ----------
        n_pairs
            Positive pairs per batch.

        Returns
        -------
        int
        """
        mean_k = (1 + self.lam) / 2
        return max(1, math.ceil(self.n_qas / (2 * n_pairs * mean_k)))

    def batch(self, step: int, n_pairs: int) -> ViewBatch:
        """The batch of ``n_pairs`` positive pairs for training step ``step``.

        Parameters
        ----------
        step
            The training step (with the process rank folded in for several GPUs).
        n_pairs
            Positive pairs.

        Returns
        -------
        ViewBatch
        """
        rng = np.random.default_rng([self.seed, int(step)])
        n_id = len(self.identities)
        order = np.concatenate([rng.permutation(n_id) for _ in range(math.ceil(n_pairs / n_id))])[
            :n_pairs
        ]
        texts: list[str] = []
        labels, ks = [], []
        for idx in order:
            pool = self.texts[self.identities[idx]]
            k1, k2 = rng.integers(1, self.lam + 1, size=2)
            picks = rng.choice(len(pool), size=k1 + k2, replace=False)
            for part in (picks[:k1], picks[k1:]):
                texts.append("\n".join(pool[j] for j in part))
                labels.append(idx)
                ks.append(len(part))
        return ViewBatch(texts, np.asarray(labels), np.asarray(ks))

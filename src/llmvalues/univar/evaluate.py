"""UniVaR's evaluation protocol: can the identity be told from one QA's embedding?

Per-identity train/test split of QAs by question, k-NN (k = 50) accuracy and weighted F1, and
a linear probe (Adam, lr 2e-3, 20 epochs) with acc@1/5/10 (Cahyawijaya et al., NAACL 2025, §5).
The untrained base encoder is the baseline, and the same scores on non-value (control) QAs
check that the embedding encodes values rather than style.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import f1_score
from sklearn.neighbors import KNeighborsClassifier

from llmvalues.embeddings import embed
from llmvalues.summary import Summary
from llmvalues.univar.qa import QAError, qa_text, split_qa, validate_qa


def embed_qa(model, qa: pd.DataFrame, batch_size: int = 64, max_length: int = 256) -> np.ndarray:
    """Embeddings of each QA row as ``"Q: … A: …"`` (one QA per text, as evaluated).

    Parameters
    ----------
    model
        The encoder.
    qa
        A QA table.
    batch_size
        Texts per forward pass.
    max_length
        Token limit of a QA.

    Returns
    -------
    numpy.ndarray
        One unit-length ``float32`` row per QA.
    """
    qa = validate_qa(qa)
    texts = [qa_text(q, a) for q, a in zip(qa["question"], qa["answer"], strict=True)]
    return embed(model, texts, batch_size=batch_size, max_length=max_length)


def knn_scores(
    train_x: np.ndarray, train_y: Sequence, test_x: np.ndarray, test_y: Sequence, k: int = 50
) -> dict[str, float]:
    """k-NN (cosine) accuracy and weighted F1; k is capped at the number of training QAs.

    Parameters
    ----------
    train_x, train_y
        Training embeddings and their identities.
    test_x, test_y
        Test embeddings and their identities.
    k
        Neighbours.

    Returns
    -------
    dict
        ``knn_acc``, ``knn_f1`` and ``knn_k`` (the k used).
    """
    k = min(int(k), len(train_x))
    if k < 1:
        raise ValueError("k-NN needs at least one training QA")
    clf = KNeighborsClassifier(n_neighbors=k, metric="cosine").fit(train_x, np.asarray(train_y))
    pred = clf.predict(test_x)
    test_y = np.asarray(test_y)
    return {
        "knn_acc": float(np.mean(pred == test_y)),
        "knn_f1": float(f1_score(test_y, pred, average="weighted", zero_division=0)),
        "knn_k": float(k),
    }


def probe_scores(
    train_x: np.ndarray,
    train_y: Sequence,
    test_x: np.ndarray,
    test_y: Sequence,
    epochs: int = 20,
    lr: float = 2e-3,
    batch_size: int = 64,
    seed: int = 0,
    ks: Sequence[int] = (1, 5, 10),
) -> dict[str, float]:
    """Linear probe trained with Adam; acc@k for each k below the number of classes (else NaN).

    Parameters
    ----------
    train_x, train_y
        Training embeddings and their identities.
    test_x, test_y
        Test embeddings and their identities (each must occur in training).
    epochs, lr, batch_size
        Adam training of the probe.
    seed
        Seed of the initial weights and the batch order.
    ks
        The k of each acc@k.

    Returns
    -------
    dict
        ``probe_acc@{k}`` for each k.
    """
    classes = sorted(set(train_y))
    index = {c: i for i, c in enumerate(classes)}
    unseen = sorted(set(test_y) - set(classes))
    if unseen:
        raise QAError(f"test identities {unseen[:5]} have no training QAs for the probe")
    gen = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(train_x, dtype=torch.float32)
    y = torch.as_tensor([index[c] for c in train_y])
    layer = torch.nn.Linear(x.shape[1], len(classes))
    with torch.no_grad():
        layer.weight.normal_(0, 0.01, generator=gen)
        layer.bias.zero_()
    optim = torch.optim.Adam(layer.parameters(), lr=lr)
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=gen).split(batch_size):
            optim.zero_grad()
            torch.nn.functional.cross_entropy(layer(x[idx]), y[idx]).backward()
            optim.step()
    with torch.no_grad():
        logits = layer(torch.as_tensor(test_x, dtype=torch.float32))
    truth = torch.as_tensor([index[c] for c in test_y])
    rank = (logits > logits.gather(1, truth[:, None])).sum(1)
    return {
        f"probe_acc@{k}": float((rank < k).float().mean()) if k < len(classes) else float("nan")
        for k in ks
    }


@dataclass
class Evaluation:
    """Scores of one encoder on one QA subset, with the split sizes behind them.

    Parameters
    ----------
    scores
        ``knn_acc``, ``knn_f1``, ``knn_k`` and ``probe_acc@k``.
    n_train, n_test
        QAs in the training and test split.
    n_identities
        Identities (classes).
    """

    scores: dict[str, float]
    n_train: int
    n_test: int
    n_identities: int

    def row(self, **labels) -> dict:
        """A flat record for a results table.

        Parameters
        ----------
        **labels
            Columns put first (e.g. ``encoder=``, ``subset=``).

        Returns
        -------
        dict
            The labels, the scores, the split sizes and ``chance`` (1 / identities).
        """
        return (
            labels
            | self.scores
            | {
                "n_train": self.n_train,
                "n_test": self.n_test,
                "n_identities": self.n_identities,
                "chance": 1.0 / self.n_identities,
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """The scores as one row.

        Returns
        -------
        pandas.DataFrame
            The columns of :meth:`row`.
        """
        return pd.DataFrame([self.row()])

    def summary(self) -> Summary:
        """The scores beside chance, with the split sizes.

        Returns
        -------
        llmvalues.summary.Summary
            Table ``Scores`` (one row per metric) and the split sizes as facts.
        """
        chance = 1.0 / self.n_identities
        table = Summary.facts(self.scores).rename(columns={"value": "score"}).rename_axis("metric")
        return Summary(
            "UniVaR evaluation",
            {"Scores": table},
            [f"Chance accuracy is 1 / {self.n_identities} identities = {chance:.3f}."],
            {"train QAs": self.n_train, "test QAs": self.n_test, "identities": self.n_identities},
        )


def evaluate_split(
    model,
    train: pd.DataFrame,
    test: pd.DataFrame,
    k: int = 50,
    probe_epochs: int = 20,
    seed: int = 0,
    max_length: int = 256,
) -> Evaluation:
    """k-NN and probe scores of ``model`` with identities as classes on a given split.

    Parameters
    ----------
    model
        The encoder.
    train, test
        QA tables of the split.
    k
        Neighbours of the k-NN.
    probe_epochs
        Training epochs of the linear probe.
    seed
        Seed of the probe.
    max_length
        Token limit of a QA.

    Returns
    -------
    Evaluation
    """
    train, test = validate_qa(train), validate_qa(test)
    tx = embed_qa(model, train, max_length=max_length)
    vx = embed_qa(model, test, max_length=max_length)
    ty, vy = list(train["identity"]), list(test["identity"])
    scores = knn_scores(tx, ty, vx, vy, k) | probe_scores(tx, ty, vx, vy, probe_epochs, seed=seed)
    return Evaluation(scores, len(train), len(test), len(set(ty)))


def evaluate(
    model,
    qa: pd.DataFrame,
    test_size: float = 0.2,
    seed: int = 0,
    k: int = 50,
    probe_epochs: int = 20,
) -> Evaluation:
    """Split ``qa`` by question (same held-out questions for every identity) and score.

    Parameters
    ----------
    model, qa
        The encoder to score and the QA table.
    test_size
        Share of questions held out.
    seed
        Seed of the split and the probe.
    k
        Neighbours of the k-NN.
    probe_epochs
        Training epochs of the linear probe.

    Returns
    -------
    Evaluation
    """
    train, test = split_qa(qa, test_size=test_size, seed=seed)
    return evaluate_split(model, train, test, k=k, probe_epochs=probe_epochs, seed=seed)


def compare_encoders(
    encoders: dict[str, object],
    splits: dict[str, tuple[pd.DataFrame, pd.DataFrame]],
    k: int = 50,
    probe_epochs: int = 20,
    seed: int = 0,
) -> pd.DataFrame:
    """Scores of each encoder (e.g. trained, base) on each split (e.g. value, control).

    Parameters
    ----------
    encoders
        Name → encoder.
    splits
        Subset name → (train, test) QA tables.
    k
        Neighbours of the k-NN.
    probe_epochs
        Training epochs of the linear probe.
    seed
        Seed of the probe.

    Returns
    -------
    pandas.DataFrame
        One row per encoder × subset (:meth:`Evaluation.row`).
    """
    rows = []
    for name, model in encoders.items():
        for subset, (train, test) in splits.items():
            result = evaluate_split(model, train, test, k=k, probe_epochs=probe_epochs, seed=seed)
            rows.append(result.row(encoder=name, subset=subset))
    return pd.DataFrame(rows)


def value_control_gap(table: pd.DataFrame, metric: str = "knn_acc") -> pd.DataFrame:
    """Per encoder: the metric on value QAs, on control QAs, and value − control.

    Parameters
    ----------
    table
        :func:`compare_encoders` output with subsets ``value`` and ``control``.
    metric
        The score compared.

    Returns
    -------
    pandas.DataFrame
        Index ``encoder``; columns ``value``, ``control``, ``gap``.
    """
    needed = {"encoder", "subset", metric}
    if not needed <= set(table.columns):
        raise ValueError(f"table needs columns {sorted(needed)}")
    wide = table.pivot_table(index="encoder", columns="subset", values=metric)
    if not {"value", "control"} <= set(wide.columns):
        raise ValueError("table needs rows for both subsets 'value' and 'control'")
    wide["gap"] = wide["value"] - wide["control"]
    return wide[["value", "control", "gap"]]


def split_by_model(
    qa: pd.DataFrame, holdout_models: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """QAs of the models used for training, and of the held-out (unseen) models.

    Parameters
    ----------
    qa
        A QA table with a ``model`` column.
    holdout_models
        The models to hold out.

    Returns
    -------
    tuple
        (QAs of the other models, QAs of the held-out models).
    """
    qa = validate_qa(qa)
    unknown = sorted(set(holdout_models) - set(qa["model"]))
    if unknown:
        raise QAError(
            f"held-out model(s) {unknown} not in the QA table; models: {sorted(set(qa['model']))}"
        )
    held = qa["model"].isin(list(holdout_models))
    if held.all():
        raise QAError("every model is held out; nothing is left to train on")
    return qa[~held].reset_index(drop=True), qa[held].reset_index(drop=True)

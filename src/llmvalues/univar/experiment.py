"""One UniVaR experiment from a QA table: train, compare with the base encoder, map, distances.

The encoder trains only on value QAs of the training questions (and of the models not held
out); the evaluation uses held-out questions for every identity, the base encoder as the
baseline, and the control QAs as the check that values, not style, are encoded.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from llmvalues.embeddings import load_encoder
from llmvalues.summary import Summary
from llmvalues.univar.bank import CONTROL, VALUE
from llmvalues.univar.checkpoint import refuse_pickles
from llmvalues.univar.evaluate import compare_encoders, embed_qa, value_control_gap
from llmvalues.univar.maps import centroid_distances, distance_table, value_coordinates
from llmvalues.univar.qa import QAError, split_qa, validate_qa
from llmvalues.univar.train import TrainConfig, TrainResult, train_univar
from llmvalues.univar.views import ViewSampler

SETTINGS_FILE = "settings.json"
TRAINING_FILE = "training.json"
ENCODER_DIR = "encoder"


@dataclass
class ExperimentResult:
    """Scores (encoder × subset), the value − control gap, distances, the training record.

    Parameters
    ----------
    scores
        One row per encoder × subset: k-NN and probe scores, split sizes, chance.
    gap
        Per encoder: k-NN accuracy on value QAs, on control QAs, and their difference
        (without control QAs: the accuracy per subset).
    distances
        Cosine distances between group centroids: ``a``, ``b``, ``distance``, ``lo``, ``hi``.
    training
        The record of the training run.
    encoder
        The trained ``SentenceTransformer``.
    maps
        Projection name → 2-D coordinates of the value QAs (``x``, ``y``, ``group``, ``model``).
    settings
        The arguments of :func:`run_experiment` (how to reproduce the result).
    """

    scores: pd.DataFrame
    gap: pd.DataFrame
    distances: pd.DataFrame
    training: TrainResult
    encoder: object
    maps: dict[str, pd.DataFrame] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def plot(self, kind: str = "map", method: str = "tsne", **kwargs):
        """The value map of the value QAs under the trained encoder (``kind="map"``).

        Parameters
        ----------
        kind
            Only ``"map"``.
        method
            One of the projections computed by :func:`run_experiment` (``map_methods``).
        **kwargs
            Passed to :func:`llmvalues.plots.univar.plot_value_map` (``size``, ``caption``).

        Returns
        -------
        matplotlib.figure.Figure
        """
        from llmvalues.plots.univar import plot_value_map

        if kind != "map":
            raise ValueError(f"unknown plot kind {kind!r}; choose 'map'")
        if method not in self.maps:
            raise ValueError(f"no {method!r} map was computed; have {sorted(self.maps)}")
        label = {"tsne": "t-SNE", "umap": "UMAP"}[method]
        return plot_value_map(
            self.maps[method], title=f"UniVaR value embedding ({label}), value QAs", **kwargs
        )

    def to_frame(self) -> pd.DataFrame:
        """The scores table: one row per encoder × subset.

        Returns
        -------
        pandas.DataFrame
            ``encoder``, ``subset``, ``knn_acc``, ``knn_f1``, ``knn_k``, ``probe_acc@1/5/10``,
            ``n_train``, ``n_test``, ``n_identities``, ``chance``.
        """
        return self.scores.copy()

    def summary(self) -> Summary:
        """Scores of the trained and the base encoder, the gap, distances and the training run.

        Returns
        -------
        llmvalues.summary.Summary
            Tables ``Scores``, ``Value − control gap``, ``Centroid distances`` and
            ``Training``.
        """
        level = self.settings.get("level", 0.95)
        training = self.training.summary()
        tables = {
            "Scores": self.scores.set_index(["encoder", "subset"]),
            "Value − control gap" if "gap" in self.gap.columns else "k-NN accuracy": self.gap,
            "Centroid distances": self.distances.set_index(["a", "b"]),
            "Training": training.to_frame("Losses"),
        }
        notes = [
            "Scores are of identities told apart from one held-out QA each; chance is "
            "1 / number of identities.",
            f"Distance intervals: {level:.0%} percentile bootstrap over the QAs within each "
            f"identity ({self.settings.get('n_boot', 'n/a')} draws).",
        ]
        info = {
            "identities": int(self.scores["n_identities"].max()),
            "group": self.settings.get("group", ""),
            "steps": self.training.steps,
            "precision": self.training.precision,
        }
        return Summary("UniVaR experiment", tables, notes, info)

    def save(self, path: str | Path) -> Path:
        """Write the encoder, the tables and the settings to a folder; :meth:`load` reads it.

        Parameters
        ----------
        path
            The folder (created). The encoder goes to ``encoder/`` (sentence-transformers'
            safetensors format); scores, gap, distances and maps to CSV; the settings and the
            training record to JSON.

        Returns
        -------
        pathlib.Path
            The folder.
        """
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        self.encoder.save(str(out / ENCODER_DIR))
        self.scores.to_csv(out / "scores.csv", index=False)
        self.gap.to_csv(out / "gap.csv")
        self.distances.to_csv(out / "distances.csv", index=False)
        distance_table(self.distances).to_csv(out / "distance_table.csv")
        for method, points in self.maps.items():
            points.to_csv(out / f"map_{method}.csv", index=False)
        (out / TRAINING_FILE).write_text(json.dumps(self.training.to_dict(), indent=1))
        settings = self.settings | {"maps": sorted(self.maps)}
        (out / SETTINGS_FILE).write_text(json.dumps(settings, indent=1, default=str))
        return out

    @classmethod
    def load(cls, path: str | Path, device: str | None = None) -> ExperimentResult:
        """Read a folder written by :meth:`save` (the encoder loads from ``encoder/``).

        Parameters
        ----------
        path
            The folder.
        device
            Torch device of the encoder; None picks CUDA when available.

        Returns
        -------
        ExperimentResult

        Raises
        ------
        FileNotFoundError
            When a file of the result is missing.
        llmvalues.univar.checkpoint.CheckpointError
            When the folder holds a pickle-format file (nothing is unpickled).
        """
        root = Path(path)
        needed = [SETTINGS_FILE, TRAINING_FILE, "scores.csv", "gap.csv", "distances.csv"]
        missing = [name for name in [*needed, ENCODER_DIR] if not (root / name).exists()]
        if missing:
            raise FileNotFoundError(f"{root} is not a saved UniVaR experiment: missing {missing}")
        refuse_pickles(root)
        settings = json.loads((root / SETTINGS_FILE).read_text())
        maps = {}
        for method in settings.pop("maps"):
            points = pd.read_csv(root / f"map_{method}.csv", dtype={"group": str, "model": str})
            points.attrs["method"] = method
            maps[method] = points
        return cls(
            scores=pd.read_csv(root / "scores.csv", dtype={"encoder": str, "subset": str}),
            gap=pd.read_csv(root / "gap.csv", index_col="encoder").rename_axis(columns="subset"),
            distances=pd.read_csv(root / "distances.csv", dtype={"a": str, "b": str}),
            training=TrainResult.from_dict(json.loads((root / TRAINING_FILE).read_text())),
            encoder=load_encoder(root / ENCODER_DIR, device),
            maps=maps,
            settings=settings,
        )


def run_experiment(
    qa: pd.DataFrame,
    config: TrainConfig | None = None,
    base_path: str | Path | None = None,
    out_dir: str | Path | None = None,
    test_size: float = 0.25,
    seed: int = 0,
    k: int = 50,
    holdout_models: Sequence[str] = (),
    map_methods: Sequence[str] = ("tsne",),
    group: str = "group",
    n_boot: int = 1000,
    level: float = 0.95,
) -> ExperimentResult:
    """Train on the value QAs, evaluate trained vs base encoder, project maps, bootstrap distances.

    Parameters
    ----------
    qa
        The QA table (value QAs to train on; control QAs, if any, for the style check).
    config
        Training settings (default :class:`~llmvalues.univar.train.TrainConfig`).
    base_path
        Local base encoder directory; None for the offline MiniLM.
    out_dir
        Folder for the checkpoints (``encoder/``) and the saved result
        (:meth:`ExperimentResult.save`); figures come from :meth:`ExperimentResult.plot`.
    test_size
        Share of questions held out for evaluation (the same for every identity).
    seed
        Seed of the split, the views, the probe and the bootstrap.
    k
        Neighbours of the k-NN evaluation.
    holdout_models
        Models whose QAs are left out of training and scored as unseen.
    map_methods
        Projections to compute (``"tsne"``, ``"umap"``).
    group
        Column whose centroids are compared and that colours the maps (default: identity).
    n_boot
        Bootstrap draws of the distance intervals.
    level
        Probability of the distance intervals.

    Returns
    -------
    ExperimentResult
    """
    config = config or TrainConfig()
    qa = validate_qa(qa)
    if group not in qa.columns:
        qa = qa.assign(**{group: qa["identity"]})
    value, control = qa[qa["kind"] == VALUE], qa[qa["kind"] == CONTROL]
    if value.empty:
        raise QAError("the QA table has no value QAs (kind == 'value') to train on")
    v_train, v_test = split_qa(value, test_size=test_size, seed=seed)
    fit_on = v_train[~v_train["model"].isin(list(holdout_models))]
    if fit_on.empty:
        raise QAError("every model is held out; nothing is left to train on")
    out = Path(out_dir) if out_dir is not None else None
    base = load_encoder(base_path)
    sampler = ViewSampler(fit_on, lam=config.lam, seed=seed)
    trained, training = train_univar(
        copy.deepcopy(base), sampler, config, out / "encoder" if out else None
    )
    splits = {"value": (v_train, v_test)}
    if not control.empty:
        splits["control"] = split_qa(control, test_size=test_size, seed=seed)
    for name in holdout_models:
        held = [part[part["model"] == name] for part in (v_train, v_test)]
        splits[f"value_unseen:{name}"] = (held[0], held[1])
    scores = compare_encoders({"trained": trained, "base": base}, splits, k=k, seed=seed)
    gap = (
        value_control_gap(scores)
        if "control" in splits
        else scores.pivot_table(index="encoder", columns="subset", values="knn_acc")
    )
    emb = embed_qa(trained, value)
    distances = centroid_distances(
        emb, value[group], value["identity"], n_boot=n_boot, level=level, seed=seed
    )
    maps = {m: value_coordinates(trained, value, m, group, seed) for m in map_methods}
    settings = {
        "test_size": test_size,
        "seed": seed,
        "k": k,
        "holdout_models": list(holdout_models),
        "group": group,
        "n_boot": n_boot,
        "level": level,
        "base_path": None if base_path is None else str(base_path),
    }
    result = ExperimentResult(scores, gap, distances, training, trained, maps, settings)
    if out is not None:
        result.save(out)
    return result

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

import pandas as pd

from llmvalues.univar.bank import CONTROL, VALUE
from llmvalues.univar.encoder import load_encoder
from llmvalues.univar.evaluate import compare_encoders, embed_qa, value_control_gap
from llmvalues.univar.maps import centroid_distances, distance_table, value_coordinates
from llmvalues.univar.qa import QAError, split_qa, validate_qa
from llmvalues.univar.train import TrainConfig, TrainResult, train_univar
from llmvalues.univar.views import ViewSampler


@dataclass
class ExperimentResult:
    """Scores (encoder × subset), the value − control gap, distances, the training record."""

    scores: pd.DataFrame
    gap: pd.DataFrame
    distances: pd.DataFrame
    training: TrainResult
    encoder: object
    maps: dict[str, pd.DataFrame] = field(default_factory=dict)

    def plot(self, kind: str = "map", method: str = "tsne"):
        """The value map of the value QAs under the trained encoder (``kind="map"``).

        Parameters
        ----------
        kind
            Only ``"map"``.
        method
            One of the projections computed by :func:`run_experiment` (``map_methods``).

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
            self.maps[method], title=f"UniVaR value embedding ({label}), value QAs"
        )

    def summary(self) -> dict:
        """A JSON-ready digest of the results."""
        cols = [
            "encoder",
            "subset",
            "knn_acc",
            "knn_f1",
            "probe_acc@1",
            "probe_acc@5",
            "probe_acc@10",
            "n_train",
            "n_test",
            "n_identities",
            "chance",
        ]
        return {
            "scores": self.scores[[c for c in cols if c in self.scores]].to_dict("records"),
            "gap": self.gap.reset_index().to_dict("records"),
            "distances": self.distances.to_dict("records"),
            "training": {
                "steps": self.training.steps,
                "first_loss": self.training.losses[0] if self.training.losses else None,
                "last_loss": self.training.losses[-1] if self.training.losses else None,
                "views_per_second": self.training.views_per_second,
                "precision": self.training.precision,
                "config": self.training.config,
            },
        }


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
) -> ExperimentResult:
    """Train on the value QAs, evaluate trained vs base encoder, project maps, bootstrap distances.

    With ``out_dir`` the scores, distance table, map coordinates and a JSON digest are
    written there; figures come from :meth:`ExperimentResult.plot`.
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
    distances = centroid_distances(emb, value[group], value["identity"], n_boot=n_boot, seed=seed)
    maps = {m: value_coordinates(trained, value, m, group, seed) for m in map_methods}
    result = ExperimentResult(scores, gap, distances, training, trained, maps)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for method, points in maps.items():
            points.to_csv(out / f"map_{method}.csv", index=False)
        scores.to_csv(out / "scores.csv", index=False)
        distance_table(distances).to_csv(out / "distance_table.csv")
        (out / "results.json").write_text(json.dumps(result.summary(), indent=2, default=str))
    return result

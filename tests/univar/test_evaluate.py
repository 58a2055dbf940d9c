"""k-NN and probe metrics, the value/control gap, centroid distances and the map figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmvalues.plots.univar import plot_value_map
from llmvalues.univar.evaluate import knn_scores, probe_scores, split_by_model, value_control_gap
from llmvalues.univar.maps import centroid_distances, distance_table, project
from llmvalues.univar.qa import QAError


def clusters(n_classes: int, per_class: int, spread: float, seed: int):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_classes, 16))
    x = np.concatenate([c + spread * rng.normal(size=(per_class, 16)) for c in centres])
    y = np.repeat([f"id{i}" for i in range(n_classes)], per_class)
    return x, y


def test_knn_and_probe_separate_clear_clusters_and_not_noise():
    x, y = clusters(12, 20, 0.3, 0)
    vx, vy = clusters(12, 5, 0.3, 0)[0] + 0.01, clusters(12, 5, 0.3, 0)[1]
    knn = knn_scores(x, y, vx, vy, k=50)
    assert knn["knn_acc"] > 0.9 and knn["knn_f1"] > 0.9 and knn["knn_k"] == 50
    probe = probe_scores(x, y, vx, vy, epochs=30)
    assert probe["probe_acc@1"] > 0.9
    assert probe["probe_acc@1"] <= probe["probe_acc@5"] <= probe["probe_acc@10"]
    rng = np.random.default_rng(1)
    noise = knn_scores(rng.normal(size=x.shape), y, rng.normal(size=vx.shape), vy, k=50)
    assert noise["knn_acc"] < 0.35  # chance is 1/12


def test_probe_reports_nan_when_k_reaches_the_number_of_classes():
    x, y = clusters(4, 10, 0.3, 2)
    scores = probe_scores(x, y, x, y)
    assert np.isnan(scores["probe_acc@5"]) and np.isnan(scores["probe_acc@10"])
    with pytest.raises(QAError, match="no training QAs"):
        probe_scores(x, y, x[:2], ["unseen", "unseen"])


def test_evaluation_frame_and_summary(base_encoder):
    from llmvalues.univar.evaluate import evaluate

    qa = pd.DataFrame(
        [
            {"identity": who, "qid": f"q{j}", "question": f"Question {j}?", "answer": f"{text} {j}"}
            for who, text in {
                "a": "Family first.",
                "b": "Freedom first.",
                "c": "Nature first.",
            }.items()
            for j in range(8)
        ]
    )
    result = evaluate(base_encoder, qa, test_size=0.25, k=3, probe_epochs=5)
    assert (result.n_train, result.n_test, result.n_identities) == (18, 6, 3)
    row = result.to_frame().iloc[0]
    assert row["knn_acc"] == result.scores["knn_acc"] and row["chance"] == pytest.approx(1 / 3)
    assert row["knn_k"] == 3 and np.isnan(row["probe_acc@5"])  # acc@5 needs > 5 classes
    s = result.summary()
    assert s["Scores"]["score"].to_dict() == pytest.approx(result.scores, nan_ok=True)
    assert s.info == {"train QAs": 18, "test QAs": 6, "identities": 3}
    assert "1 / 3 identities = 0.333" in s.notes[0]


def test_value_control_gap_table():
    table = pd.DataFrame(
        {
            "encoder": ["trained", "trained", "base", "base"],
            "subset": ["value", "control", "value", "control"],
            "knn_acc": [0.6, 0.2, 0.3, 0.25],
        }
    )
    gap = value_control_gap(table)
    assert gap.loc["trained", "gap"] == pytest.approx(0.4)
    assert gap.loc["base", "gap"] == pytest.approx(0.05)
    with pytest.raises(ValueError, match="both subsets"):
        value_control_gap(table[table.subset == "value"])


def test_split_by_model_holds_out_unseen_models():
    qa = pd.DataFrame(
        {
            "identity": ["a|x", "b|x"],
            "model": ["a", "b"],
            "qid": ["q", "q"],
            "question": "Q?",
            "answer": "A",
        }
    )
    seen, unseen = split_by_model(qa, ["b"])
    assert list(seen["model"]) == ["a"] and list(unseen["model"]) == ["b"]
    with pytest.raises(QAError, match="not in the QA table"):
        split_by_model(qa, ["c"])
    with pytest.raises(QAError, match="nothing is left"):
        split_by_model(qa, ["a", "b"])


def test_centroid_distances_have_intervals_around_the_point():
    x, groups = clusters(3, 30, 0.8, 3)
    dist = centroid_distances(x, groups, n_boot=200, seed=0)
    assert len(dist) == 3
    assert (dist["lo"] <= dist["distance"]).all() and (dist["distance"] <= dist["hi"]).all()
    assert (dist["hi"] - dist["lo"] > 0).all()
    tight = centroid_distances(*clusters(3, 30, 0.05, 3), n_boot=200, seed=0)
    assert ((tight["hi"] - tight["lo"]) < (dist["hi"] - dist["lo"])).all()
    table = distance_table(dist)
    assert table.shape == (3, 3) and table.loc["id0", "id0"] == "0"
    assert table.loc["id0", "id1"] == table.loc["id1", "id0"]
    with pytest.raises(ValueError, match="at least 2 groups"):
        centroid_distances(x, ["g"] * len(x))


def test_map_projects_and_writes_vector_and_png(tmp_path):
    x, groups = clusters(3, 12, 0.2, 4)
    coords = project(x, "tsne", seed=0)
    assert coords.shape == (36, 2)
    models = np.tile(["m1", "m2"], 18)
    points = pd.DataFrame({"x": coords[:, 0], "y": coords[:, 1], "group": groups, "model": models})
    fig = plot_value_map(points, title="test")
    ax = fig.axes[0]
    # one scatter per group × model, one per model-within-group centroid, one per group star
    n_groups = len(set(groups))
    assert len(ax.collections) == n_groups * 2 + n_groups * 2 + n_groups
    assert ax.get_xlabel() == "t-SNE 1"
    assert sorted(t.get_text().strip() for t in ax.texts) == sorted(map(str, set(groups)))
    with pytest.raises(ValueError, match="tsne"):
        project(x, "pca")

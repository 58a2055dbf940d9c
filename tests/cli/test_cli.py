"""The command line: fit, map and presets work from a shell on real files."""

import numpy as np
import pandas as pd
import pytest

from llmvalues.cli import main
from llmvalues.instruments import load_instrument


def test_fit_writes_centroids_and_figure(tmp_path, capsys):
    rng = np.random.default_rng(3)
    rows = [
        {"model": m, "variant": v, **{i.ivs_code: rng.choice(i.codes) for i in load_instrument()}}
        for m in ("a", "b")
        for v in range(4)
    ]
    pd.DataFrame(rows).to_csv(tmp_path / "answers.csv", index=False)
    code = main(
        [
            "fit",
            str(tmp_path / "answers.csv"),
            "--identity",
            "model",
            "--variant",
            "variant",
            "--method",
            "classic",
            "--out",
            str(tmp_path / "res"),
        ]
    )
    assert code == 0
    table = pd.read_csv(tmp_path / "res" / "centroids.csv")
    assert table["identity"].tolist() == ["a", "b"]
    assert (tmp_path / "res" / "map.pdf").exists()
    assert "nearest_country" in capsys.readouterr().out


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="no such file"):
        main(["fit", str(tmp_path / "nope.csv")])


def test_presets_and_map(tmp_path, capsys):
    assert main(["presets"]) == 0
    assert "hall2025: 107 reference countries" in capsys.readouterr().out
    assert main(["map", "--preset", "tao2024", "--out", str(tmp_path / "m")]) == 0
    assert (tmp_path / "m.svg").exists()

"""``llmvalues fit --out DIR``: the files hold what ``fit_map`` gives in Python."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest

from llmvalues import fit_map
from llmvalues.cli import build_parser, main
from llmvalues.cli.iw import DEFAULT_SEED, SAMPLERS, fit_options
from llmvalues.errors import InputError
from tests.cli.conftest import run_cli


def assert_same_table(written: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(written.columns) == list(expected.columns)
    assert written["identity"].astype(str).tolist() == expected["identity"].astype(str).tolist()
    numeric = expected.select_dtypes("number").columns
    assert len(numeric) >= 2
    np.testing.assert_allclose(
        written[numeric].to_numpy(float), expected[numeric].to_numpy(float), rtol=1e-12
    )


def test_classic_fit_writes_positions_summary_and_figure(tmp_path, wide_csv):
    out = tmp_path / "res"
    done = run_cli(
        "fit", wide_csv, "--method", "classic", "--identity", "model", "--variant", "variant",
        "--out", out,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    fit = fit_map(pd.read_csv(wide_csv), method="classic", identity="model", variant="variant")
    assert_same_table(pd.read_csv(out / "positions.csv"), fit.to_frame())
    summary = fit.summary()
    assert (out / "summary.txt").read_text() == f"{summary}\n"
    assert (out / "summary.md").read_text() == f"{summary.to_markdown()}\n"
    assert (out / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "map.pdf").read_bytes()[:5] == b"%PDF-"
    assert not (out / "fit.nc").exists()  # only a hierarchical fit is saved
    assert str(summary) in done.stdout
    expected = ["positions.csv", "summary.txt", "summary.md", "map.pdf", "map.svg", "map.png"]
    assert done.stdout.rstrip().endswith("wrote " + ", ".join(str(out / f) for f in expected))


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["fit", "t.csv", *argv])


def test_each_method_gets_only_the_options_it_takes():
    assert fit_options(_args()) == {"random_seed": DEFAULT_SEED}  # fit_map's defaults otherwise
    assert fit_options(_args("--method", "classic")) == {}
    assert fit_options(_args("--method", "classic", "--estimand", "asked")) == {}
    classic = ["--method", "classic", "--n-bootstrap", "50", "--seed", "4", "--level", "0.5"]
    assert fit_options(_args(*classic)) == {"n_bootstrap": 50, "random_seed": 4}
    given = "--draws 200 --tune 300 --chains 2 --cores 1 --target-accept 0.95 --seed 7"
    given += " --sampler nutpie"
    assert fit_options(_args(*given.split(), "--link", "probit", "--estimand", "typical")) == {
        "sampler": "nutpie",
        "draws": 200,
        "tune": 300,
        "chains": 2,
        "cores": 1,
        "target_accept": 0.95,
        "random_seed": 7,
        "link": "probit",
        "estimand": "typical",
    }


def test_the_other_methods_options_are_refused():
    with pytest.raises(InputError, match=r"^--n-bootstrap applies only to --method classic$"):
        fit_options(_args("--n-bootstrap", "10"))
    with pytest.raises(InputError, match=r"^--chains, --link apply only to --method hierarchical"):
        fit_options(_args("--method", "classic", "--link", "probit", "--chains", "2"))
    with pytest.raises(InputError, match=r"^--sampler applies only to --method hierarchical"):
        fit_options(_args("--method", "classic", "--sampler", "nutpie"))


def test_the_sampler_choices_are_the_estimators():
    from llmvalues.iw.bayes import sampling

    assert SAMPLERS == sampling.SAMPLERS
    with pytest.raises(SystemExit):
        _args("--sampler", "stan")


def test_a_sampler_that_is_not_installed_is_one_line_naming_the_extra(
    tmp_path, wide_csv, monkeypatch, capsys
):
    from llmvalues.iw.bayes import sampling

    monkeypatch.setitem(sampling.PACKAGES, "nutpie", ("llmvalues_no_such_package",))
    argv = ["fit", str(wide_csv), "--identity", "model", "--sampler", "nutpie"]
    assert main([*argv, "--out", str(tmp_path / "res")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert "llmvalues_no_such_package" in err and "pip install 'llmvalues[fast]'" in err


@pytest.mark.slow
def test_hierarchical_fit_writes_the_saved_fit_and_the_same_positions(tmp_path, wide_csv):
    from llmvalues import HierarchicalMapFit

    settings = {"draws": 60, "tune": 60, "chains": 2, "cores": 1, "random_seed": 5}
    out = tmp_path / "res"
    done = run_cli(
        "fit", wide_csv, "--identity", "model", "--variant", "variant", "--estimand", "new",
        "--draws", "60", "--tune", "60", "--chains", "2", "--cores", "1", "--seed", "5",
        "--level", "0.5", "--out", out,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    fit = fit_map(
        pd.read_csv(wide_csv), identity="model", variant="variant", estimand="new", **settings
    )
    assert_same_table(pd.read_csv(out / "positions.csv"), fit.to_frame())
    assert (out / "summary.txt").read_text() == f"{fit.summary(level=0.5)}\n"
    loaded = HierarchicalMapFit.load(out / "fit.nc")
    assert_same_table(loaded.to_frame(), fit.to_frame())

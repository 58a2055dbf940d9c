"""``llmvalues study`` and ``llmvalues track`` on the command line (scripted server)."""

from __future__ import annotations

import pytest

from tests.study.commands import run


def test_list_and_show(capsys):
    assert run("study", "list") == 0
    listing = capsys.readouterr().out
    assert "tao2024:" in listing and "10,800 calls per model" in listing
    assert "hall2026:" in listing and "900 calls per model" in listing
    assert run("study", "show", "tao2024", "--countries", "Sweden,Japan", "--descriptors", "2") == 0
    shown = capsys.readouterr().out
    assert "- Sweden\n  - Japan" in shown and "# 60 calls (3 identities" in shown


def test_run_prints_the_cost_before_asking_and_dry_run_stops(survey_server, tmp_path, capsys):
    server, _ = survey_server()
    argv = ["study", "run", "tao2024", "--countries", "Sweden", "--descriptors", "1",
            "--backend", "openai", "--model", "scripted-model", "--base-url", server.base_url,
            "--api-key-env", "LLMV_NO_KEY", "--out", tmp_path / "out", "--no-progress",
            "--price-in", "2.5", "--price-out", "10"]  # fmt: skip
    assert run(*argv, "--dry-run") == 0
    printed = capsys.readouterr().out
    assert "study tao2024 for scripted-model: 20 calls (2 identities" in printed
    assert "cost at most" in printed
    assert server.log == [] and not (tmp_path / "out").exists()
    # a hosted model without a key: the dry run needs neither backend nor key
    hosted = ["study", "run", "tao2024", "--backend", "openai", "--model", "gpt-4o-mini",
              "--api-key-env", "LLMV_UNSET_KEY", "--out", tmp_path / "tao", "--dry-run"]  # fmt: skip
    assert run(*hosted) == 0
    assert "study tao2024 for gpt-4o-mini: 10,800 calls (108 identities" in capsys.readouterr().out
    assert run(*hosted[:-1]) == 2
    assert "no API key: set the environment variable LLMV_UNSET_KEY" in capsys.readouterr().err


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: tao2024\nsampling: {temprature: 0}\n", encoding="utf-8")
    assert run("study", "show", bad) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "key 'sampling.temprature' is not a study setting; did you mean 'temperature'?" in err
    assert run("study", "retest", tmp_path) == 2
    assert "not a study folder" in capsys.readouterr().err
    assert run("track", "--store", tmp_path / "none.sqlite", "--out", tmp_path / "t") == 2
    assert "holds no finished cells" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        run("study", "run", "tao2024", "--descriptors", "0")
    assert caught.value.code == 2

"""Bad input on every subcommand: exit status 2, one line on stderr naming it, no traceback.

Each case runs the real command in a fresh process.
"""

from __future__ import annotations

import shlex

import pandas as pd
import pytest

from tests.cli.conftest import run_cli

# (name, arguments as a shell would split them, with {wide} and {tmp} placeholders,
#  the command the message names, text the message must hold)
CASES = [
    ("fit-missing-file", "fit {tmp}/nope.csv", "fit", "no such Responses table file"),
    ("fit-wrong-suffix", "fit {tmp}/answers.txt", "fit", "give a .csv or .parquet file"),
    ("fit-unreadable", "fit {tmp}/binary.csv", "fit", "cannot read"),
    (
        "fit-unknown-preset",
        "fit {wide} --identity model --method classic --preset atlantis",
        "fit",
        "unknown map preset 'atlantis'",
    ),
    (
        "fit-unknown-column",
        "fit {wide} --identity modell --method classic",
        "fit",
        "identity column 'modell'",
    ),
    ("fit-bad-estimand", "fit {wide} --estimand average", "fit", "'average'"),
    ("fit-bad-level", "fit {wide} --level 90", "fit", "between 0 and 1"),
    (
        "fit-sampler-on-classic",
        "fit {wide} --method classic --draws 10 --estimand new",
        "fit",
        "--draws, --estimand apply only to --method hierarchical",
    ),
    (
        "fit-out-is-a-file-name",
        "fit {wide} --method classic --out {tmp}/positions.csv",
        "fit",
        "--out names a folder",
    ),
    ("map-unknown-preset", "map --preset atlantis", "map", "unknown map preset"),
    (
        "map-no-trajectories",
        "map --preset tao2024 --trajectories Sweden",
        "map",
        "no country trajectories",
    ),
    (
        "explain-missing-table",
        "explain {wide} {tmp}/theirs.csv --identity model --out {tmp}/o",
        "explain",
        "no such answer table B file",
    ),
    ("presets-unknown-option", "presets --all", "presets", "unrecognized arguments"),
    (
        "collect-http-option-on-local",
        "collect --rate-limit 5 --out {tmp}/o",
        "collect",
        "--rate-limit applies only to the openai backend",
    ),
    (
        "collect-openai-without-model",
        "collect --backend openai --out {tmp}/o",
        "collect",
        "needs a model id",
    ),
    (
        "collect-key-given-as-its-name",
        "collect --api-key-env sk-live-1234abcd",
        "collect",
        "not the key itself",
    ),
    ("collect-zero-concurrency", "collect --concurrency 0", "collect", "at least 1"),
    (
        "collect-missing-prompts",
        "collect --prompts {tmp}/none.txt --out {tmp}/o",
        "collect",
        "no such prompts file",
    ),
    (
        "collect-unknown-model-file",
        "collect --model {tmp}/absent.gguf --out {tmp}/o",
        "collect",
        "neither a bundled name",
    ),
    (
        "demo-unknown-model-file",
        "demo --model {tmp}/absent.gguf --out {tmp}/o",
        "demo",
        "neither a bundled name",
    ),
    (
        "collect-unknown-language",
        "collect --languages zh,xx --out {tmp}/o",
        "collect",
        "unknown language 'xx'",
    ),
    (
        "collect-unknown-perturbation",
        "collect --perturb none,bogus --out {tmp}/o",
        "collect",
        "unknown perturbation 'bogus'",
    ),
    (
        "collect-languages-for-prompts",
        "collect --prompts {tmp}/answers.txt --languages zh --out {tmp}/o",
        "collect",
        "--languages and --perturb apply to the IVS items, not to --prompts",
    ),
    ("demo-no-descriptors", "demo --descriptors 0", "demo", "at least 1"),
    (
        "elicit-missing-personas",
        "valuelex elicit --personas-file {tmp}/p.json --out {tmp}/o",
        "valuelex elicit",
        "does not exist",
    ),
    (
        "rate-missing-terms",
        "valuelex rate {tmp}/terms.csv --out {tmp}/o",
        "valuelex rate",
        "no such terms file",
    ),
    (
        "rate-terms-without-term-column",
        "valuelex rate {wide} --out {tmp}/o",
        "valuelex rate",
        "has no column 'term'",
    ),
    (
        "analyse-missing-ratings",
        "valuelex analyse {tmp}/ratings.csv --out {tmp}/o",
        "valuelex analyse",
        "no such ratings file",
    ),
    (
        "projective-missing-stems",
        "valuelex projective --stems-file {tmp}/s.json --out {tmp}/o",
        "valuelex projective",
        "does not exist",
    ),
    (
        "projective-duplicate-model",
        "valuelex projective --model x.gguf --model x.gguf --out {tmp}/o",
        "valuelex projective",
        "given twice",
    ),
    (
        "bank-out-is-a-file",
        "univar bank --out {wide}",
        "univar bank",
        "is a file; --out names a folder",
    ),
    (
        "univar-collect-unknown-persona",
        "univar collect --personas atlantis --out {tmp}/o",
        "univar collect",
        "unknown persona(s) ['atlantis']",
    ),
    (
        "univar-collect-unknown-language",
        "univar collect --languages klingon --out {tmp}/o",
        "univar collect",
        "unknown language 'klingon'",
    ),
    (
        "elicit-no-prompts-in-the-language",
        "valuelex elicit --language zh --out {tmp}/o",
        "valuelex elicit",
        "ValueLex has no prompts in 'zh'",
    ),
    ("univar-run-missing-qa", "univar run {tmp}/qa.csv", "univar run", "no such QA file"),
    ("univar-map-wrong-suffix", "univar map {tmp}/qa.json", "univar map", "not a table"),
    ("unknown-command", "measure", "", "invalid choice: 'measure'"),
]


@pytest.mark.parametrize(
    ("argv", "command", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_one_line_and_exit_2(argv, command, needle, tmp_path, wide_csv):
    (tmp_path / "answers.txt").write_text("not a table")
    (tmp_path / "qa.json").write_text("{}")
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00\x81" * 64)
    done = run_cli(
        *(a.format(wide=wide_csv, tmp=tmp_path) for a in shlex.split(argv)),
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(" ".join(filter(None, ["llmvalues", command])) + ": "), lines[0]
    assert needle in lines[0]
    assert "sk-live-1234abcd" not in done.stderr + done.stdout


def test_failed_fit_writes_no_files(tmp_path, wide_csv):
    done = run_cli(
        "fit", wide_csv, "--identity", "modell", "--method", "classic", "--out", tmp_path / "r"
    )
    assert done.returncode == 2
    assert list((tmp_path / "r").iterdir()) == []  # the folder is made first, nothing lands in it
    assert pd.read_csv(wide_csv).shape == (8, 12)  # the input is untouched

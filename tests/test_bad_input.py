"""Every bad input of issue 17 through the Python API and, where a command exists, the CLI.

The API must raise an error whose message names the problem; the command line must print
one line on stderr naming it and exit with status 2, never a traceback.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from llmvalues import ResponsesError, compare_presets, from_wide, load_preset, validate_responses
from llmvalues.collect import Store, StoreError
from llmvalues.instruments import load_instrument, parse_answer
from llmvalues.iw.countries import CountryError
from llmvalues.iw.items import ITEMS
from llmvalues.plots import plot_map
from llmvalues.responses import rename_roles

INSTRUMENT = load_instrument()
SRC = Path(__file__).resolve().parents[1] / "src"


def wide_row(**cells) -> dict:
    return {**{item.ivs_code: item.codes[0] for item in INSTRUMENT}, **cells}


def wide(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows) or [wide_row(model="m")])


def answers(**cells) -> pd.DataFrame:
    """One row of raw codes per item, as compare_presets and Preset.project take them."""
    return pd.DataFrame([{**dict.fromkeys(ITEMS, 1), **cells}])


@dataclass(frozen=True)
class Case:
    """One bad input: how the API meets it, and (optionally) the same through the CLI."""

    name: str
    api: Callable[[Path], object]
    error: type[Exception]
    message: str
    cli: Callable[[Path], list[str]] | None = None


def _csv(table: pd.DataFrame, path: Path) -> str:
    table.to_csv(path, index=False)
    return str(path)


def _fit(table: pd.DataFrame, *options: str) -> Callable[[Path], list[str]]:
    return lambda tmp: ["fit", _csv(table, tmp / "t.csv"), "--method", "classic", *options]


def _read_only_store(tmp: Path) -> Path:
    path = tmp / "ro.sqlite"
    with Store(path) as store:
        store.start_run("m", "test", {}, {})
    path.chmod(0o444)
    return path


TIDY = pd.DataFrame({"model": ["m"], "item": ["f063"], "code": [7]})

CASES = [
    # ------------------------------------------------------------ the parser
    Case(
        "article 'a' is no option letter",
        lambda _: _expect("e025", "My answer is a bit complicated."),
        AssertionError,
        "no option letter found",
    ),
    Case(
        "enumeration is no answer",
        lambda _: _expect("f063", "1. God is a fundamental aspect of many lives."),
        AssertionError,
        "marks a list item",
    ),
    Case(
        "hedged number words",
        lambda _: _expect("f063", "My answer is seven or eight"),
        AssertionError,
        "hedges",
    ),
    Case(
        "self-correction",
        lambda _: _expect("f063", "Seven, no wait, eight"),
        AssertionError,
        "no wait",
    ),
    Case(
        "negated quality",
        lambda _: _expect("y003", "religion is not important, but obedience is", code=-1),
        AssertionError,
        "not chosen: faith",
    ),
    Case(
        "unicode minus",
        lambda _: _expect("f063", "\u22123"),
        AssertionError,
        "-3 is outside the scale",
    ),
    Case(
        "cut-off list",
        lambda _: _expect("y003", "...\n\n1. Good manners\n2. Independence", truncated=True),
        AssertionError,
        "cut off at the token limit",
    ),
    Case(
        "option map value outside the scale",
        lambda _: parse_answer("e025", "A", option_map={"A": 7, "B": 2, "C": 3}),
        ValueError,
        r"'A' maps to 7, which is not a code",
    ),
    Case(
        "parse_answer with an item code",
        lambda _: _expect("f063", "7", code=7),
        AssertionError,
        "answered 7",
    ),
    # ------------------------------------------------------------ tables
    Case(
        "wide column named 'status'",
        lambda _: from_wide(wide(wide_row(model="m", status="done")), identity="model"),
        ResponsesError,
        r"column 'status' is reserved.*rename it",
        _fit(wide(wide_row(model="m", status="done")), "--identity", "model"),
    ),
    Case(
        "wide column named 'variant' beside another variant column",
        lambda _: from_wide(
            wide(wide_row(model="m", variant="a", wave="1")), identity="model", variant="wave"
        ),
        ResponsesError,
        r"column 'variant' is reserved.*variant='wave' names another",
        _fit(
            wide(wide_row(model="m", variant="a", wave="1")),
            "--identity",
            "model",
            "--variant",
            "wave",
        ),
    ),
    Case(
        "identity naming an item column",
        lambda _: from_wide(wide(), identity="F063"),
        ResponsesError,
        r"identity='F063' names an item column",
        _fit(wide(), "--identity", "F063"),
    ),
    Case(
        "variant naming no column of a tidy table",
        lambda _: rename_roles(TIDY, identity="model", variant="wave"),
        ResponsesError,
        r"variant column 'wave' is not in the tidy table",
        _fit(TIDY, "--identity", "model", "--variant", "wave"),
    ),
    Case(
        "negative code that is not an IVS missing code",
        lambda _: from_wide(wide(wide_row(model="m", F063=-12)), identity="model"),
        ResponsesError,
        r"column 'F063': -12 is not a valid code of F063.*not an IVS missing code",
        _fit(wide(wide_row(model="m", F063=-12)), "--identity", "model"),
    ),
    Case(
        "infinite code",
        lambda _: from_wide(wide(wide_row(model="m", F063=np.inf)), identity="model"),
        ResponsesError,
        r"column 'F063': (inf is not a code|'inf' is not a number written as a code)",
        _fit(wide(wide_row(model="m", F063=np.inf)), "--identity", "model"),
    ),
    Case(
        "minus infinite code",
        lambda _: validate_responses(
            TIDY.rename(columns={"model": "identity"}).assign(code=-np.inf)
        ),
        ResponsesError,
        r"column 'code', row 0: -inf is not a code",
    ),
    Case(
        "boolean code",
        lambda _: from_wide(wide(wide_row(model="m", F063=True)), identity="model"),
        ResponsesError,
        r"column 'F063': (True is a boolean|'True' is not a number written as a code)",
        _fit(wide(wide_row(model="m"), wide_row(model="m", F063=True)), "--identity", "model"),
    ),
    Case(
        "numeric string '1e1'",
        lambda _: from_wide(wide(wide_row(model="m", F063="1e1")), identity="model"),
        ResponsesError,
        r"column 'F063': '1e1' is not a number written as a code",
        _fit(wide(wide_row(model="m"), wide_row(model="m", F063="1e1")), "--identity", "model"),
    ),
    Case(
        "identities 1 and '1' collide",
        lambda _: from_wide(wide(wide_row(model=1), wide_row(model="1")), identity="model"),
        ResponsesError,
        r"1 \(int\) and '1' \(str\) both read as '1'",
    ),
    Case(
        "wide table missing an item",
        lambda _: validate_responses(wide(wide_row(identity="m")).drop(columns="A165")),
        ResponsesError,
        r"lacks item column\(s\) \['A165'\]",
        _fit(wide(wide_row(model="m")).drop(columns="A165"), "--identity", "model"),
    ),
    Case(
        "7.0000000001 reported as it is",
        lambda _: from_wide(wide(wide_row(model="m", F063=7.0000000001)), identity="model"),
        ResponsesError,
        r"7\.0000000001 is not a valid code",
        _fit(wide(wide_row(model="m", F063=7.0000000001)), "--identity", "model"),
    ),
    # ------------------------------------------------------------ presets
    Case(
        "a dict passed as a preset",
        lambda _: load_preset({"x": 1}),
        TypeError,
        r"a preset is a built-in name .* got a dict",
    ),
    Case(
        "an unknown preset name",
        lambda _: load_preset("wvs"),
        ValueError,
        r"unknown map preset 'wvs'",
        lambda tmp: ["map", "--preset", "wvs", "--out", str(tmp / "m")],
    ),
    Case(
        "compare_presets given a code outside an item's scale",
        lambda _: compare_presets(answers(g006=7)),
        ResponsesError,
        r"column 'g006', row 0: 7 is outside the scale of G006 \(1 to 4",
    ),
    Case(
        "Preset.project given a code outside an item's scale",
        lambda _: load_preset("tao2024").project(answers(f063=11)),
        ResponsesError,
        r"column 'f063', row 0: 11 is outside the scale of F063",
    ),
    # ------------------------------------------------------------ store and files
    Case(
        "read-only store",
        lambda tmp: Store(_read_only_store(tmp)),
        StoreError,
        r"ro\.sqlite is read-only",
        lambda tmp: [
            "collect",
            "--backend",
            "openai",
            "--model",
            "m",
            "--base-url",
            "http://127.0.0.1:9/v1",
            "--items",
            "f063",
            "--store",
            str(_read_only_store(tmp)),
            "--no-progress",
        ],
    ),
    Case(
        "exporting an empty store",
        lambda tmp: Store(tmp / "e.sqlite").export(tmp / "e.PARQUET"),
        StoreError,
        r"holds no finished cells to export",
    ),
    Case(
        "unknown export format",
        lambda tmp: Store(tmp / "e.sqlite").export(tmp / "e.xlsx"),
        StoreError,
        r"export format of 'e\.xlsx' unknown",
    ),
    Case(
        "unknown trajectory country",
        lambda tmp: plot_map("hall2025", trajectories=["Sweden", "Swedn"]),
        CountryError,
        r"unknown country 'Swedn'; nearest among the countries with trajectories .*: Sweden",
        lambda tmp: ["map", "--trajectories", "Sweden,Swedn", "--out", str(tmp / "m")],
    ),
]


def _expect(item: str, reply: str, code: int | None = None, truncated: bool = False):
    """Check the code, then raise AssertionError with the reason for the case to match."""
    parsed = parse_answer(item, reply, truncated=truncated)
    assert parsed.code == code, parsed
    detail = parsed.reason if parsed.code is None or parsed.reason else f"answered {parsed.code}"
    raise AssertionError(detail)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_api_names_the_problem(case, tmp_path):
    with pytest.raises(case.error, match=case.message):
        case.api(tmp_path)


def _cli() -> list[str]:
    """``python -m llmvalues.cli`` once it runs as a module, else the console script."""
    if importlib.util.find_spec("llmvalues.cli.__main__") is not None:
        return [sys.executable, "-m", "llmvalues.cli"]
    return [str(Path(sys.executable).with_name("llmvalues"))]


CLI_CASES = [c for c in CASES if c.cli is not None]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.name for c in CLI_CASES])
def test_the_cli_names_the_problem_in_one_line_and_exits_2(case, tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("OPENAI_API_KEY", None)
    run = subprocess.run(
        [*_cli(), *case.cli(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 2, (run.returncode, run.stdout[-500:], run.stderr[-500:])
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    assert re.search(case.message, lines[0]), lines[0]


def test_trajectory_names_keep_every_country_whatever_the_spaces():
    import matplotlib.pyplot as plt

    drawn = []
    for names in ("Sweden", "Sweden, Japan", [" sweden ", "JPN"]):
        fig, ax = plot_map("hall2025", trajectories=names, label_countries=False)
        drawn.append(len(ax.lines))
        plt.close(fig)
    assert drawn[1] == drawn[2] == drawn[0] + 1  # Japan's path is drawn, not dropped


def test_projection_takes_expected_answers_inside_the_scale():
    xy = load_preset("tao2024").project(answers(f063=5.8, g006=2.5))
    assert xy[["x", "y"]].notna().all().all()

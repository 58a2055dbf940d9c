"""One parser: every subcommand answers --help, model-talking ones share one set of options."""

from __future__ import annotations

import argparse

import pytest

from llmvalues import __version__
from llmvalues.cli import COMMANDS, build_parser, main
from llmvalues.cli.options import DEFAULT_OUT, add_model_options, add_out_option
from tests.cli.conftest import run_cli
from tests.imports import heavy_after

# the subcommands that talk to a model, and those of them that take several --model
MODEL_COMMANDS = {
    ("collect",),
    ("demo",),
    ("valuelex", "elicit"),
    ("valuelex", "rate"),
    ("valuelex", "projective"),
    ("univar", "collect"),
    ("study", "run"),
    ("study", "retest"),
}
SEVERAL_MODELS = {("valuelex", "elicit"), ("valuelex", "rate"), ("valuelex", "projective")}
SHARED = ["backend", "model", "base_url", "api_key_env", "concurrency", "rate_limit", "timeout"]
SHARED += ["forced_choice"]
SHARED += ["store", "out", "no_progress"]
# the subcommands that only print (nothing written, so no --out)
PRINT_ONLY = {("presets",), ("study", "list"), ("study", "show")}


def leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(path, parser) of every subcommand that runs something."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
        return
    for name, child in subs[0].choices.items():
        yield from leaves(child, (*path, name))


def signature(parser: argparse.ArgumentParser) -> dict[str, tuple]:
    """dest → (flags, default, help, type, choices, action class) of every option."""
    return {
        a.dest: (tuple(a.option_strings), a.default, a.help, a.type, a.choices, type(a))
        for a in parser._actions
        if a.option_strings
    }


ALL = dict(leaves(build_parser()))


def test_every_command_of_the_table_has_a_parser():
    assert {path[0] for path in ALL} == set(COMMANDS)
    assert len(ALL) == 19


@pytest.mark.parametrize("path", sorted(ALL), ids=" ".join)
def test_every_subcommand_answers_help(path, capsys):
    with pytest.raises(SystemExit) as stop:
        main([*path, "--help"])
    assert stop.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"usage: llmvalues {' '.join(path)}")
    assert ("--out DIR" in shown) == (path not in PRINT_ONLY)


def test_top_level_help_lists_every_command(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # one line per command
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    for name, (text, _) in COMMANDS.items():
        assert f"{name} {text}" in shown


def test_model_options_are_one_set_with_one_set_of_defaults():
    single, several = argparse.ArgumentParser(), argparse.ArgumentParser()
    add_model_options(single)
    add_model_options(several, several=True)
    having = {path for path, parser in ALL.items() if "backend" in signature(parser)}
    assert having == MODEL_COMMANDS
    for path in MODEL_COMMANDS:
        reference = signature(several if path in SEVERAL_MODELS else single)
        mine = signature(ALL[path])
        assert {dest: mine[dest] for dest in SHARED} == {d: reference[d] for d in SHARED}, path


def test_shared_defaults_are_the_documented_ones():
    args = build_parser().parse_args(["collect"])
    assert (args.backend, args.model, args.base_url, args.api_key_env) == (
        "llamacpp",
        None,
        None,
        "OPENAI_API_KEY",
    )
    assert (args.concurrency, args.rate_limit, args.timeout, args.store) == (None,) * 4
    assert (args.out, args.no_progress) == (DEFAULT_OUT, False)
    several = build_parser().parse_args(["valuelex", "elicit", "--model", "a", "--model", "b"])
    assert several.model == ["a", "b"]


def test_out_means_a_folder_on_every_command_that_writes():
    reference = argparse.ArgumentParser()
    add_out_option(reference)
    for path, parser in ALL.items():
        if path in PRINT_ONLY:
            assert "out" not in signature(parser)
        else:
            assert signature(parser)["out"] == signature(reference)["out"], path


def test_no_option_takes_the_api_key_itself():
    for path, parser in ALL.items():
        flags = [f for dest, s in signature(parser).items() for f in s[0]]
        assert not [f for f in flags if "key" in f and f != "--api-key-env"], path


def test_top_level_help_imports_no_heavy_library():
    code = (
        "from llmvalues.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert heavy_after(code) == []


def test_python_m_runs_the_command():
    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"llmvalues {__version__}"

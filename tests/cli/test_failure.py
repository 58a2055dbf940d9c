"""Telling bad input from bugs: one line and exit 2, or a traceback and exit 1; keys masked."""

from __future__ import annotations

import argparse

import pytest

from llmvalues.cli.failure import is_input_error, masked, one_line, run
from llmvalues.errors import InputError

SECRET = "sk-test-5b7c1d0e9f"


def caught(function, *args):
    try:
        function(*args)
    except Exception as exc:  # the exception with its traceback, as the handler sees it
        return exc
    raise AssertionError(f"{function} raised nothing")


def test_the_package_refusing_input_is_input_error():
    from llmvalues.collect.store import StoreError
    from llmvalues.iw.presets import load_preset
    from llmvalues.responses import validate_responses

    assert is_input_error(caught(load_preset, "atlantis"))  # a plain ValueError from the package
    assert is_input_error(caught(validate_responses, __import__("pandas").DataFrame()))
    assert is_input_error(StoreError("store is locked"))  # a class the package defines
    assert is_input_error(InputError("bad"))
    assert is_input_error(caught(open, "/nonexistent/answers.csv"))


def _library_value_error():
    import numpy as np

    np.ones(2) + np.ones(3)  # raised inside NumPy: the package should have refused it


def _attribute_bug():
    return None.fit  # type: ignore[attr-defined]


def test_errors_from_inside_libraries_and_other_kinds_are_bugs():
    assert not is_input_error(caught(_library_value_error))
    assert not is_input_error(caught(_attribute_bug))
    assert not is_input_error(caught(lambda: {}["k"]))  # a KeyError raised outside the package
    assert not is_input_error(TypeError("f() takes 2 arguments"))


def test_one_line_flattens_messages():
    assert one_line(InputError("first\n  second\tthird")) == "first second third"
    assert one_line(KeyError("unknown item 'zz1'")) == "unknown item 'zz1'"
    assert one_line(caught(open, "/nonexistent/a.csv")) == (
        "No such file or directory: /nonexistent/a.csv"
    )


def _args(handler, **kw) -> argparse.Namespace:
    return argparse.Namespace(handler=handler, prog="llmvalues collect", **kw)


def test_input_error_prints_one_masked_line(monkeypatch, capsys):
    monkeypatch.setenv("MY_KEY", SECRET)

    def handler(args):
        raise InputError(f"server refused key {SECRET}\nat http://x")

    assert run(_args(handler, api_key_env="MY_KEY")) == 2
    err = capsys.readouterr().err
    assert err == "llmvalues collect: server refused key *** at http://x\n"


def test_bug_keeps_its_traceback_with_the_key_masked(monkeypatch, capsys):
    monkeypatch.setenv("MY_KEY", SECRET)

    def handler(args):
        raise TypeError(f"broken with {SECRET}")

    assert run(_args(handler, api_key_env="MY_KEY")) == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "TypeError: broken with ***" in err and SECRET not in err


def test_interrupt_ends_quietly(capsys):
    def handler(args):
        raise KeyboardInterrupt

    assert run(_args(handler)) == 130
    assert capsys.readouterr().err == "llmvalues collect: interrupted\n"


@pytest.mark.parametrize("value", ["", "abc"])
def test_short_or_absent_keys_are_not_masked(monkeypatch, value):
    monkeypatch.setenv("MY_KEY", value)
    text = "an abc of errors"
    assert masked(text, argparse.Namespace(api_key_env="MY_KEY")) == text

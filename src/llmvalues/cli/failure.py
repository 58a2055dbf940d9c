"""How a subcommand ends when it fails: bad input → one line and exit 2; a bug → traceback.

An exception is **bad input** (the user can fix it; the message says how) when it is

1. an :class:`llmvalues.errors.InputError`, or of any other exception class the package
   defines (``ResponsesError``, ``PlanError``, ``StoreError``, ``BackendError``,
   ``CollectionAborted``, …): the package raises its own classes only on purpose;
2. a ``FileNotFoundError``, ``IsADirectoryError``, ``NotADirectoryError``,
   ``PermissionError`` or ``FileExistsError``: a path given on the command line;
3. a plain ``ValueError``, ``KeyError`` or ``RuntimeError`` raised by the package's own
   code (the innermost frame of its traceback is inside ``llmvalues``), such as
   ``load_preset``'s "unknown map preset".

Anything else — an ``AttributeError``, a ``TypeError``, or a ``ValueError``/``KeyError``
raised inside pandas, NumPy or SciPy because the package passed them something it should
have refused at the door — is a bug: its traceback is printed (exit status 1) so it can be
reported. Either way, the value of the API key variable named by ``--api-key-env`` is
masked in whatever is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from llmvalues.errors import InputError

PACKAGE = Path(__file__).resolve().parents[1]  # src/llmvalues
PATH_ERRORS = (
    FileNotFoundError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
    FileExistsError,
)
REFUSALS = (ValueError, KeyError, RuntimeError)  # builtins the package raises to refuse input
MIN_SECRET = 4  # shorter "keys" (a local server's placeholder) are not secrets worth masking


def raised_in_package(exc: BaseException) -> bool:
    """Whether the innermost frame of ``exc``'s traceback is the package's own code."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(PACKAGE)


def is_input_error(exc: BaseException) -> bool:
    """Bad input (one line, exit 2) rather than a bug (traceback); see the module docstring."""
    if isinstance(exc, (InputError, *PATH_ERRORS)):
        return True
    if type(exc).__module__.partition(".")[0] == "llmvalues":
        return True
    return isinstance(exc, REFUSALS) and raised_in_package(exc)


def one_line(exc: BaseException) -> str:
    """The exception's message on one line (a ``KeyError``'s without its quotes)."""
    if isinstance(exc, KeyError) and len(exc.args) == 1 and isinstance(exc.args[0], str):
        text = exc.args[0]
    elif isinstance(exc, OSError) and exc.strerror and exc.filename:
        text = f"{exc.strerror}: {exc.filename}"
    else:
        text = str(exc)
    return " ".join(text.split()) or type(exc).__name__


def masked(text: str, args: argparse.Namespace) -> str:
    """``text`` with the API key (the value of ``--api-key-env``'s variable) masked."""
    name = getattr(args, "api_key_env", None)
    secret = os.environ.get(name, "") if name else ""
    return text.replace(secret, "***") if len(secret) >= MIN_SECRET else text


def run(args: argparse.Namespace) -> int:
    """Run the chosen subcommand's handler; bad input ends in one line and exit status 2."""
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print(f"{args.prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if is_input_error(exc):
            print(masked(f"{args.prog}: {one_line(exc)}", args), file=sys.stderr)
            return 2
        print(masked("".join(traceback.format_exception(exc)), args), end="", file=sys.stderr)
        return 1

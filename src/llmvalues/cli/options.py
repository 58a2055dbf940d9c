"""Options every subcommand shares: the model it talks to, the output folder, input tables.

One definition, so ``--backend``, ``--model``, ``--base-url``, ``--api-key-env``,
``--concurrency``, ``--rate-limit``, ``--timeout``, ``--store``, ``--out`` and
``--no-progress`` have the same names, defaults and help on every subcommand. The API key
itself is never an argument: ``--api-key-env`` names the environment variable that holds it,
and the backend reads it from there.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmvalues.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from llmvalues.collect.backends import Backend

DEFAULT_OUT = "llmvalues-out"
STORE_NAME = "llmvalues.sqlite"  # the store's file inside --out unless --store names one
TABLE_SUFFIXES = (".csv", ".parquet", ".pq")
# an --out ending like one of these is a file name given where a folder is meant
FILE_SUFFIXES = (*TABLE_SUFFIXES, ".sqlite", ".db", ".json", ".txt", ".md", ".pdf", ".svg", ".png")
# options that only an OpenAI-compatible server uses: given for a local backend, an error
HTTP_OPTIONS = {
    "base_url": "--base-url",
    "rate_limit": "--rate-limit",
    "timeout": "--timeout",
    "forced_choice": "--forced-choice",
}
MODEL_HELP = (
    "a bundled name (smollm2, gemma3), a GGUF file, a model directory or the id a server "
    "knows; a prefix BACKEND: picks another backend for this model (default: the bundled "
    "smollm2; the openai backend needs one)"
)


def positive_int(text: str) -> int:
    """An argparse type: an integer ≥ 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a finite number > 0."""
    value = float(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def variable_name(text: str) -> str:
    """An argparse type: the name of an environment variable (never echoes a key given here)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        raise argparse.ArgumentTypeError(
            "takes the NAME of the environment variable that holds the key (letters, digits, "
            "_), not the key itself; export the key, e.g. OPENAI_API_KEY=…, and pass its name"
        )
    return text


def handles(parser: argparse.ArgumentParser, handler: Callable[[argparse.Namespace], int]):
    """Make ``handler`` run when this (sub)command is chosen; messages name ``parser.prog``."""
    parser.set_defaults(handler=handler, prog=parser.prog)


def add_out_option(parser: argparse.ArgumentParser) -> None:
    """``--out DIR``: the folder a command writes its named files into."""
    parser.add_argument(
        "--out",
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"folder for the command's files, created if needed (default {DEFAULT_OUT})",
    )


def add_model_options(parser: argparse.ArgumentParser, *, several: bool = False) -> None:
    """The options of a subcommand that talks to a model (``several``: ``--model`` repeats)."""
    from llmvalues.collect.backends import BACKENDS
    from llmvalues.collect.backends.openai_http import (
        DEFAULT_BASE_ENV,
        DEFAULT_KEY_ENV,
        FORCED_CHOICE,
    )

    group = parser.add_argument_group("model and output")
    group.add_argument(
        "--backend",
        default="llamacpp",
        choices=BACKENDS,
        help="how to reach the model (default llamacpp)",
    )
    model = {"action": "append", "help": f"{MODEL_HELP}; repeat for several models"}
    group.add_argument(
        "--model",
        default=None,
        metavar="[BACKEND:]MODEL",
        **(model if several else {"help": MODEL_HELP}),
    )
    group.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help=f"OpenAI-compatible server (openai backend; default ${DEFAULT_BASE_ENV} or OpenAI)",
    )
    group.add_argument(
        "--api-key-env",
        type=variable_name,
        default=DEFAULT_KEY_ENV,
        metavar="NAME",
        help="name of the environment variable that holds the API key (the key itself is "
        f"never an argument, stored or printed; default {DEFAULT_KEY_ENV})",
    )
    group.add_argument(
        "--concurrency",
        type=positive_int,
        default=None,
        metavar="N",
        help="calls in flight at once (default: the backend's own, e.g. 8 for openai, "
        "1 for llamacpp)",
    )
    group.add_argument(
        "--rate-limit",
        type=positive_float,
        default=None,
        metavar="PER_S",
        help="most requests per second (openai backend; default: no limit)",
    )
    group.add_argument(
        "--timeout",
        type=positive_float,
        default=None,
        metavar="S",
        help="seconds per HTTP request (openai backend; default 60)",
    )
    group.add_argument(
        "--forced-choice",
        default=None,
        choices=FORCED_CHOICE,
        help="how the server is made to answer with an option (openai backend): its GBNF "
        "grammar, a logit bias on one-token labels, or auto (probe once, grammar first; "
        "the default)",
    )
    group.add_argument(
        "--store",
        default=None,
        metavar="FILE",
        help=f"SQLite store of every answer; rerunning resumes (default DIR/{STORE_NAME})",
    )
    add_out_option(group)
    group.add_argument("--no-progress", action="store_true", help="no progress bar")


def split_model(spec: str | None, default_backend: str) -> tuple[str, str | None]:
    """``"[backend:]model"`` → (backend, model); a colon after anything else is the model's."""
    from llmvalues.collect.backends import BACKENDS

    kind, sep, model = (spec or "").partition(":")
    if sep and kind in BACKENDS:
        return kind, model or None
    return default_backend, spec


def model_label(spec: str) -> str:
    """A short label: a file or directory's stem, else the name as given."""
    return Path(spec).stem if ("/" in spec or spec.endswith(".gguf")) else spec


def only_for(flags: list[str], what: str) -> InputError:
    """The error for options given where they do not apply."""
    verb = "applies" if len(flags) == 1 else "apply"
    return InputError(f"{', '.join(flags)} {verb} only to {what}")


def _check_http_options(kinds: Iterable[str], args: argparse.Namespace) -> None:
    if "openai" in kinds:
        return
    given = [flag for name, flag in HTTP_OPTIONS.items() if getattr(args, name) is not None]
    if given:
        raise only_for(given, "the openai backend; add --backend openai (or an openai: prefix)")


def backend_for(spec: str | None, args: argparse.Namespace) -> Backend:
    """The backend of one ``[backend:]model`` spec under the shared options in ``args``."""
    from llmvalues.collect.backends import make_backend

    kind, model = split_model(spec, args.backend)
    options: dict[str, Any] = {}
    if kind == "openai":
        options = {
            "base_url": args.base_url,
            "api_key_env": args.api_key_env,
            "rate_limit": args.rate_limit,
        }
        if args.timeout is not None:
            options["timeout"] = args.timeout
        if args.forced_choice is not None:
            options["forced_choice"] = args.forced_choice
    backend = make_backend(kind, model, **options)
    if args.concurrency is not None:
        backend.max_concurrency = args.concurrency  # the runner reads it (Backend protocol)
    return backend


def backend_from(args: argparse.Namespace) -> Backend:
    """The one backend a single-model command talks to."""
    _check_http_options([split_model(args.model, args.backend)[0]], args)
    return backend_for(args.model, args)


def backends_from(args: argparse.Namespace, specs: list[str] | None = None) -> dict[str, Backend]:
    """Label → backend for each repeated ``--model`` (or ``specs``; default: one model)."""
    specs = specs if specs is not None else (args.model or [None])
    _check_http_options([split_model(s, args.backend)[0] for s in specs], args)
    twice = sorted({s for s in specs if specs.count(s) > 1} - {None})
    if twice:
        raise InputError(f"model {twice[0]!r} is given twice; give each --model once")
    out: dict[str, Backend] = {}
    for spec in specs:
        backend = backend_for(spec, args)
        label = model_label(split_model(spec, args.backend)[1] or backend.model)
        if label in out:
            raise InputError(f"two models have the label {label!r}; rename one of the files")
        out[label] = backend
    return out


def out_folder(args: argparse.Namespace) -> Path:
    """The ``--out`` folder, created if needed."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file; --out names a folder")
    if not out.exists() and out.suffix.lower() in FILE_SUFFIXES:
        raise InputError(
            f"--out {out} looks like a file name; --out names a folder, and the command "
            "writes its files inside it"
        )
    out.mkdir(parents=True, exist_ok=True)
    return out


def store_path(args: argparse.Namespace) -> Path:
    """``--store``, or the store's file inside the ``--out`` folder."""
    return Path(args.store) if args.store else out_folder(args) / STORE_NAME


def read_table(path: str | Path, what: str = "table") -> pd.DataFrame:
    """A table from a CSV or Parquet file, with a one-line error naming the file."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such {what} file: {path}")
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputError(f"{path} is not a table file; give a .csv or .parquet file")
    try:
        if suffix == ".csv":
            # as text: the Responses validation, not pandas' type guessing, decides what a
            # cell means ("1e1", "True" and "inf" must reach it as written)
            return pd.read_csv(path, dtype=str, keep_default_na=False)
        return pd.read_parquet(path)
    except (ValueError, UnicodeDecodeError, OSError) as exc:  # pandas/pyarrow parse errors
        kind = "CSV" if suffix == ".csv" else "Parquet"
        raise InputError(f"cannot read {path} as {kind}: {exc}") from exc


def require_columns(table: pd.DataFrame, columns: Iterable[str], path: str | Path) -> None:
    """Fail with a message naming the missing columns of ``table`` (read from ``path``)."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(
            f"{path} has no column {', '.join(repr(c) for c in missing)} "
            f"(its columns: {', '.join(map(str, table.columns))})"
        )


def wrote(paths: Iterable[str | Path]) -> None:
    """Print what a command wrote."""
    print("wrote " + ", ".join(str(p) for p in paths))

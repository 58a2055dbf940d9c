"""Training state of a UniVaR run, saved and read as data only: safetensors and JSON.

A checkpoint folder holds the encoder (sentence-transformers' own safetensors format),
``optimizer.safetensors`` (every tensor of the optimiser state) and ``trainer_state.json``
(the step reached, the training settings, the optimiser's parameter groups and the
learning-rate schedule). Nothing is ever unpickled: a folder that holds a pickle-format
file (``.pt``, ``.pkl``, ``.bin``, …) is refused before anything in it is read, because
unpickling a file from someone else can run any code. Batches are a pure function of
(seed, step) and each step reseeds torch, so no random-generator state needs saving.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

STATE_FILE = "trainer_state.json"
OPTIMIZER_FILE = "optimizer.safetensors"
FORMAT = "llmvalues.univar.checkpoint/1"
#: suffixes of files that torch, pickle or joblib would read by unpickling
PICKLE_SUFFIXES = (".pt", ".pth", ".pkl", ".pickle", ".bin", ".ckpt", ".joblib")


class CheckpointError(ValueError):
    """A checkpoint folder that cannot be resumed from; the message names the file and why."""


def refuse_pickles(folder: Path) -> None:
    """Raise if ``folder`` (or a folder inside it) holds a pickle-format file.

    Parameters
    ----------
    folder
        The checkpoint folder.

    Raises
    ------
    CheckpointError
        Naming the first such file.
    """
    found = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in PICKLE_SUFFIXES)
    if found:
        raise CheckpointError(
            f"checkpoint folder {folder} holds {found[0].relative_to(folder)}, a pickle-format "
            f"file ({len(found)} such file(s)); llmvalues never unpickles a checkpoint, since that "
            "can run code: train in a new folder, or delete the file if you made it yourself"
        )


def save_state(folder: Path, step: int, config: dict[str, Any], optimizer, scheduler) -> None:
    """Write ``optimizer.safetensors`` and ``trainer_state.json`` into ``folder``.

    Parameters
    ----------
    folder
        The checkpoint folder (exists; the encoder is saved there separately).
    step
        Training steps completed.
    config
        The training settings as plain data (``dataclasses.asdict`` of the config).
    optimizer, scheduler
        The torch optimiser and learning-rate scheduler whose states are saved.
    """
    from safetensors.torch import save_file

    state = optimizer.state_dict()
    tensors, values = {}, {}
    for index, entries in state["state"].items():
        for name, value in entries.items():
            if hasattr(value, "detach"):
                tensors[f"{index}.{name}"] = value.detach().cpu().contiguous()
            else:
                values.setdefault(str(index), {})[name] = value
    save_file(tensors, str(folder / OPTIMIZER_FILE))
    record = {
        "format": FORMAT,
        "step": int(step),
        "config": config,
        "optimizer": {"param_groups": state["param_groups"], "values": values},
        "scheduler": scheduler.state_dict(),
    }
    (folder / STATE_FILE).write_text(json.dumps(record, indent=1), encoding="utf-8")


def read_state(folder: Path) -> dict[str, Any]:
    """The JSON record of a checkpoint, checked for its format.

    Parameters
    ----------
    folder
        The checkpoint folder.

    Returns
    -------
    dict
        ``step``, ``config``, ``optimizer`` (parameter groups, non-tensor values) and
        ``scheduler``.

    Raises
    ------
    CheckpointError
        When the folder holds a pickle-format file or the record is not a checkpoint record.
    """
    refuse_pickles(folder)
    path = folder / STATE_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path} is not a JSON training record ({exc})") from exc
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        found = record.get("format") if isinstance(record, dict) else type(record).__name__
        raise CheckpointError(f"{path} is not a {FORMAT} record (format: {found!r})")
    return record


def load_optimizer_state(folder: Path, record: dict[str, Any], optimizer, scheduler) -> None:
    """Restore the optimiser and scheduler from ``optimizer.safetensors`` and the record.

    Parameters
    ----------
    folder
        The checkpoint folder.
    record
        The record from :func:`read_state`.
    optimizer, scheduler
        The torch optimiser and learning-rate scheduler to restore (built for the same
        parameters).

    Raises
    ------
    CheckpointError
        When the tensors file is missing or not a safetensors file.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = folder / OPTIMIZER_FILE
    if not path.is_file():
        raise CheckpointError(f"checkpoint record found but no optimiser state at {path}")
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(f"{path} is not a safetensors file ({exc})") from exc
    state: dict[int, dict[str, Any]] = {}
    for key, tensor in tensors.items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = tensor
    for index, entries in record["optimizer"]["values"].items():
        state.setdefault(int(index), {}).update(entries)
    optimizer.load_state_dict({"state": state, "param_groups": record["optimizer"]["param_groups"]})
    scheduler.load_state_dict(record["scheduler"])

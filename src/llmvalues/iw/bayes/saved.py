"""The file of a saved hierarchical map fit: one netCDF, ArviZ's groups plus ``llmvalues``.

ArviZ writes the posterior and sample stats; the ``llmvalues`` group holds what else the
fit needs to be rebuilt: the cell counts (arrays), the answer status, response sets and
identity attributes (tables), the priors, link, model structure and settings, and the
preset (coefficients, intercept, countries, trajectories), so a fit with a custom preset
reloads as well as one with a built-in. Every ArviZ/xarray call is in
:mod:`llmvalues.iw.bayes.inference_data`.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from llmvalues.iw.bayes import inference_data as infdata
from llmvalues.iw.bayes.data import CellCounts
from llmvalues.iw.bayes.model import Priors
from llmvalues.iw.presets import Preset

GROUP = "llmvalues"
FORMAT = "llmvalues.HierarchicalMapFit/1"
_PAD = -9999  # pads the ragged code lists of the items

CELL_ARRAYS = {
    "cell_identity": "cell",
    "cell_variant": "cell",
    "cell_item": "cell",
    "row_cell": "row",
    "row_category": "row",
    "row_count": "row",
}


@dataclass(frozen=True)
class FitParts:
    """Everything of a fit besides its InferenceData."""

    preset: Preset
    data: CellCounts
    priors: Priors
    link: str
    structure: dict[str, bool]
    settings: dict[str, Any]


def _table(frame: pd.DataFrame) -> str:
    """A table as JSON with its dtypes and index (floats keep 15 significant digits)."""
    return frame.to_json(orient="table", double_precision=15)


def _plain(value: Any) -> Any:
    """A numpy scalar (e.g. a seed given as ``np.int64``) as the Python value JSON takes."""
    return value.item()


def _untable(text: str) -> pd.DataFrame:
    return pd.read_json(io.StringIO(text), orient="table")


def write(path: Path, idata, parts: FitParts) -> Path:
    """Write ``idata`` and ``parts`` to ``path`` (one netCDF file).

    Parameters
    ----------
    path
        The file.
    idata
        The fit's InferenceData.
    parts
        The rest of the fit.

    Returns
    -------
    pathlib.Path
    """
    data, preset = parts.data, parts.preset
    width = int(data.n_categories.max())
    codes = np.full((len(data.items), width), _PAD, dtype=int)
    for j, c in enumerate(data.codes):
        codes[j, : len(c)] = c
    variables = {
        "identity_name": (("identity",), np.asarray(data.identities, dtype=str)),
        "variant_name": (("variant",), np.asarray(data.variants, dtype=str)),
        "item_name": (("item",), np.asarray(data.items, dtype=str)),
        "codes": (("item", "category"), codes),
        **{k: ((dim,), getattr(data, k)) for k, dim in CELL_ARRAYS.items()},
        "preset_coef": (("item", "axis"), preset.coef.loc[list(data.items), ["x", "y"]].to_numpy()),
        "preset_intercept": (("axis",), preset.intercept[["x", "y"]].to_numpy(dtype=float)),
    }
    attrs = {
        "format": FORMAT,
        "status": _table(data.status),
        "sets": _table(data.sets),
        "attributes": _table(data.attributes),
        "priors": json.dumps(asdict(parts.priors)),
        "link": parts.link,
        "structure": json.dumps(parts.structure, default=_plain),
        "settings": json.dumps(parts.settings, default=_plain),
        "preset_coef_index": str(preset.coef.index.name or ""),
        "preset_name": preset.name,
        "preset_citation": preset.citation,
        "preset_description": preset.description,
        "preset_metadata": json.dumps(preset.metadata, default=list),
        "preset_countries": _table(preset.countries),
    }
    if preset.trajectories is not None:
        attrs["preset_trajectories"] = _table(preset.trajectories)
        attrs["preset_trajectories_citation"] = preset.trajectories_citation
    path.parent.mkdir(parents=True, exist_ok=True)
    infdata.write_with_group(str(path), idata, GROUP, variables, attrs)
    return path


def read(path: Path) -> tuple[Any, FitParts]:
    """Read a file written by :func:`write`.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    (idata, FitParts)

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        Not a netCDF file, or not one written by :func:`write`.
    """
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    idata, arrays, attrs = infdata.read_with_group(str(path), GROUP)
    if attrs.get("format") != FORMAT:
        raise ValueError(
            f"{path}: format {attrs.get('format')!r} is not {FORMAT!r} (not a hierarchical map "
            "fit written by HierarchicalMapFit.save)"
        )
    items = tuple(str(i) for i in arrays["item_name"])
    codes = tuple(tuple(int(c) for c in row if c != _PAD) for row in arrays["codes"])
    data = CellCounts(
        identities=tuple(str(i) for i in arrays["identity_name"]),
        variants=tuple(str(v) for v in arrays["variant_name"]),
        items=items,
        codes=codes,
        **{k: arrays[k] for k in CELL_ARRAYS},
        status=_untable(attrs["status"]),
        sets=_untable(attrs["sets"]),
        attributes=_untable(attrs["attributes"]),
    )
    preset = Preset(
        name=str(attrs["preset_name"]),
        coef=pd.DataFrame(
            arrays["preset_coef"],
            index=pd.Index(list(items), name=attrs["preset_coef_index"] or None),
            columns=["x", "y"],
        ),
        intercept=pd.Series(arrays["preset_intercept"], index=["x", "y"]),
        countries=_untable(attrs["preset_countries"]),
        citation=str(attrs["preset_citation"]),
        description=str(attrs["preset_description"]),
        trajectories=(
            _untable(attrs["preset_trajectories"]) if "preset_trajectories" in attrs else None
        ),
        trajectories_citation=str(attrs.get("preset_trajectories_citation", "")),
        metadata=json.loads(attrs["preset_metadata"]),
    )
    parts = FitParts(
        preset=preset,
        data=data,
        priors=Priors(**json.loads(attrs["priors"])),
        link=str(attrs["link"]),
        structure=json.loads(attrs["structure"]),
        settings=json.loads(attrs["settings"]),
    )
    return idata, parts

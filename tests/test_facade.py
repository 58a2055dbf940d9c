"""The package façade: ``import llmvalues`` is light, and every public name still resolves."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import llmvalues

SRC = Path(__file__).parents[1] / "src"
HEAVY = ("pymc", "arviz", "pytensor", "torch", "matplotlib", "statsmodels", "scipy", "pandas")


def loaded_after(code: str) -> list[str]:
    """The heavy top-level modules in ``sys.modules`` after running ``code`` in a fresh process."""
    probe = (
        f"{code}\nimport sys, json\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC)},
        check=True,
    )
    return json.loads(done.stdout)


def test_import_llmvalues_loads_no_heavy_library():
    assert loaded_after("import llmvalues") == []


def test_a_light_name_loads_only_what_it_needs():
    assert "pymc" not in loaded_after("from llmvalues import fit_map")


@pytest.mark.parametrize("name", sorted(set(llmvalues.__all__) - {"__version__"}))
def test_every_public_name_is_its_module_object(name):
    value = getattr(llmvalues, name)
    assert value is getattr(importlib.import_module(llmvalues._PUBLIC[name]), name)
    assert name in dir(llmvalues)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'fit_mpa'"):
        llmvalues.fit_mpa  # noqa: B018

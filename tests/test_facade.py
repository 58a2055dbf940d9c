"""The package façade: ``import llmvalues`` is light, and every public name still resolves."""

from __future__ import annotations

import importlib

import pytest

import llmvalues
from tests.imports import heavy_after


def test_import_llmvalues_loads_no_heavy_library():
    assert heavy_after("import llmvalues") == []


def test_a_light_name_loads_only_what_it_needs():
    assert "pymc" not in heavy_after("from llmvalues import fit_map")


@pytest.mark.parametrize("name", sorted(set(llmvalues.__all__) - {"__version__"}))
def test_every_public_name_is_its_module_object(name):
    value = getattr(llmvalues, name)
    assert value is getattr(importlib.import_module(llmvalues._PUBLIC[name]), name)
    assert name in dir(llmvalues)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'fit_mpa'"):
        llmvalues.fit_mpa  # noqa: B018

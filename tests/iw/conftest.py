"""Fits shared by the map-fit tests: one simulated data set through both methods."""

from __future__ import annotations

import pytest

from llmvalues.fit import fit_map
from tests.iw.simulated_fits import FAST, three_identities


@pytest.fixture(scope="session")
def simulated():
    """(truth, Responses) of three identities of one model, two culturally prompted."""
    return three_identities()


@pytest.fixture(scope="session")
def hierarchical_fit(simulated):
    return fit_map(simulated[1], "hall2025", method="hierarchical", **FAST)


@pytest.fixture(scope="session")
def classic_fit(simulated):
    return fit_map(simulated[1], "hall2025", method="classic")

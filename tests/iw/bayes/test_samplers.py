"""One model, three samplers: the likelihood's numba and JAX kernels equal the numpy one, and
PyMC, nutpie and numpyro draw the same posterior (positions within Monte Carlo error)."""

from __future__ import annotations

import warnings

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from llmvalues.iw.bayes.convergence import summary as convergence_summary
from llmvalues.iw.bayes.estimator import HierarchicalMap
from llmvalues.iw.bayes.likelihood import ordinal_count_loglik, register_jax
from llmvalues.iw.bayes.results import HierarchicalMapFit
from llmvalues.iw.bayes.sampling import (
    PACKAGES,
    SAMPLERS,
    SamplerNotInstalled,
    check_sampler,
    missing,
)
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from tests.imports import heavy_after

# (upper, lower): tails, narrow, open-ended and all-covering categories
EXTREMES = [
    (0.5, -0.5),
    (3.0, 2.9),
    (40.0, 35.0),
    (-35.0, -40.0),
    (-25.0, -100.0),
    (100.0, 25.0),
    (100.0, -100.0),
    (1e-3, -1e-3),
    (8.0, -8.0),
]


def _needs(sampler: str) -> None:
    reason = missing(sampler)
    if reason:
        pytest.skip(f"sampler {sampler!r} needs {reason} (pip install 'llmvalues[fast]')")
    if sampler == "numpyro":
        register_jax()


def _layout(rng, n_rows=300, n_cells=40, n_bounds=23):
    """Random rows plus the extreme boundaries of test_likelihood's BOUNDS."""
    low = rng.integers(0, n_bounds - 1, n_rows)
    cell = rng.integers(0, n_cells, n_rows)
    bounds = np.sort(rng.normal(0, 3, n_bounds)) + np.arange(n_bounds) * 0.2
    eta = rng.normal(0, 2, n_cells)
    counts = rng.integers(1, 9, n_rows) * 1.0
    return low, cell, bounds, eta, counts


def _compiled(mode: str, link: str, low, cell, counts):
    b, e = pt.dvector("bounds"), pt.dvector("eta")
    total = ordinal_count_loglik(b, e, pt.constant(counts), low, cell, link)
    return pytensor.function([b, e], [total, *pytensor.grad(total, [b, e])], mode=mode)


MODES = {"nutpie": "NUMBA", "numpyro": "JAX"}


@pytest.mark.parametrize("link", ["logit", "probit"])
@pytest.mark.parametrize("sampler", sorted(MODES))
def test_backend_kernels_equal_the_numpy_op_value_and_gradient(sampler, link):
    _needs(sampler)
    rng = np.random.default_rng(5)
    low, cell, bounds, eta, counts = _layout(rng)
    reference = _compiled("FAST_RUN", link, low, cell, counts)
    backend = _compiled(MODES[sampler], link, low, cell, counts)
    for b in (bounds, bounds * 6.0):  # ordinary and far-tail boundaries
        for want, got in zip(reference(b, eta), backend(b, eta), strict=True):
            np.testing.assert_allclose(np.asarray(got), want, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("link", ["logit", "probit"])
@pytest.mark.parametrize("sampler", sorted(MODES))
def test_backend_kernels_are_exact_at_the_extreme_categories(sampler, link):
    _needs(sampler)
    # one row per pair of EXTREMES: a cell at 0 between those two boundaries
    bounds = np.array([b for pair in EXTREMES for b in sorted(pair)])
    low = np.arange(0, len(bounds), 2)
    cell = np.zeros(len(low), dtype=int)
    counts = np.arange(1.0, len(low) + 1)
    eta = np.zeros(1)
    want = _compiled("FAST_RUN", link, low, cell, counts)(bounds, eta)
    got = _compiled(MODES[sampler], link, low, cell, counts)(bounds, eta)
    for w, g in zip(want, got, strict=True):
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-10, atol=1e-12)


def test_unknown_and_missing_samplers_say_what_to_do(monkeypatch):
    with pytest.raises(ValueError, match="sampler must be one of"):
        check_sampler("stan")
    assert missing("pymc") is None
    monkeypatch.setitem(PACKAGES, "nutpie", ("llmvalues_no_such_package",))
    with pytest.raises(SamplerNotInstalled, match=r"llmvalues_no_such_package.*llmvalues\[fast\]"):
        check_sampler("nutpie")
    with pytest.raises(ValueError, match="float32=True needs sampler='numpyro'"):
        check_sampler("pymc", float32=True)
    with pytest.raises(SamplerNotInstalled, match="llmvalues_no_such_package"):
        HierarchicalMap(sampler="nutpie").fit(None)


def test_the_default_sampler_loads_neither_jax_nor_nutpie():
    loaded = heavy_after(
        "import llmvalues.iw.bayes.estimator, llmvalues.iw.bayes.likelihood, "
        "llmvalues.iw.bayes.sampling"
    )
    assert "pymc" in loaded
    assert not {"jax", "jaxlib", "nutpie", "numpyro", "dask", "distributed"} & set(loaded)


# ----- the same posterior from every sampler ----------------------------------------------


@pytest.fixture(scope="module")
def responses():
    rng = np.random.default_rng(11)
    truth = draw_truth(4, 4, rng, variant_scale=0.4, interaction_scale=0.3)
    return simulate_responses(truth, 3, rng)


def _fit_all(responses, draws: int, chains: int) -> dict[str, HierarchicalMapFit]:
    """One fit per installed sampler, same data and settings."""
    out = {}
    for sampler in SAMPLERS:
        if missing(sampler):
            continue
        est = HierarchicalMap(
            sampler=sampler, draws=draws, tune=draws, chains=chains, random_seed=7, warn=False
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[sampler] = est.fit(responses).result_
    return out


@pytest.fixture(scope="module")
def quick_fits(responses) -> dict[str, HierarchicalMapFit]:
    """Short fits (names, statistics, files): compilation dominates their time."""
    return _fit_all(responses, draws=100, chains=2)


@pytest.fixture(scope="module")
def fits(responses) -> dict[str, HierarchicalMapFit]:
    """Fits long enough for a sharp Monte Carlo comparison (about 30 s on 2 cores)."""
    return _fit_all(responses, draws=300, chains=4)


def _mean_and_mcse(fit: HierarchicalMapFit) -> tuple[np.ndarray, np.ndarray]:
    draws = fit.idata.posterior["position"].to_numpy()  # (chain, draw, identity, axis)
    ess = convergence_summary(draws)["ess_bulk"]
    flat = draws.reshape(-1, *draws.shape[2:])
    return flat.mean(0), flat.std(0, ddof=1) / np.sqrt(ess)


@pytest.mark.slow
@pytest.mark.parametrize("sampler", [s for s in SAMPLERS if s != "pymc"])
def test_positions_agree_with_pymc_within_monte_carlo_error(fits, sampler):
    _needs(sampler)
    mean_a, mcse_a = _mean_and_mcse(fits["pymc"])
    mean_b, mcse_b = _mean_and_mcse(fits[sampler])
    bound = 4 * np.sqrt(mcse_a**2 + mcse_b**2)
    assert np.all(np.abs(mean_a - mean_b) < bound), (mean_a - mean_b, bound)
    # the check is sharp: the Monte Carlo error is small against the posterior spread
    sd = fits[sampler].idata.posterior["position"].std(("chain", "draw")).to_numpy()
    assert np.all(bound < 0.25 * sd)


@pytest.mark.slow
def test_numpyro_in_32_bit_floats_draws_the_same_positions(responses, fits):
    _needs("numpyro")
    est = HierarchicalMap(
        sampler="numpyro", float32=True, draws=300, tune=300, chains=4, random_seed=7, warn=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = est.fit(responses).result_
    assert fit.idata.posterior["position"].dtype == np.float64  # returned as float64
    assert fit.settings["float32"] is True
    mean_a, mcse_a = _mean_and_mcse(fits["pymc"])
    mean_b, mcse_b = _mean_and_mcse(fit)
    assert np.all(np.abs(mean_a - mean_b) < 4 * np.sqrt(mcse_a**2 + mcse_b**2))


@pytest.mark.slow
@pytest.mark.parametrize("sampler", SAMPLERS)
def test_every_sampler_converges_on_the_positions(fits, sampler):
    _needs(sampler)
    fit = fits[sampler]
    table = fit.diagnostics.table
    assert table.loc["position", "r_hat_max"] < 1.01
    assert table.loc["position", "ess_bulk_min"] > 400
    assert fit.diagnostics.draws == 4 * 300
    assert len(fit.diagnostics.bfmi) == 4 and min(fit.diagnostics.bfmi) > 0.3


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_every_samplers_fit_has_diagnostics_and_pymc_names(quick_fits, sampler):
    _needs(sampler)
    fit = quick_fits[sampler]
    table = fit.diagnostics.table
    assert set(table.index) == set(quick_fits["pymc"].diagnostics.table.index)
    assert np.isfinite(table[["r_hat_max", "ess_bulk_min", "ess_tail_min"]].to_numpy()).all()
    assert fit.diagnostics.chains == 2
    assert fit.diagnostics.draws == 2 * 100
    assert len(fit.diagnostics.bfmi) == 2
    stats = fit.idata.sample_stats
    for name in ("diverging", "energy", "tree_depth", "reached_max_treedepth", "n_steps"):
        assert name in stats, name
        assert stats[name].shape == (2, 100), name
    assert not [v for v in fit.idata.posterior.data_vars if v.endswith("__")]
    assert set(fit.idata.posterior.data_vars) == set(quick_fits["pymc"].idata.posterior.data_vars)
    assert fit.settings["sampler"] == sampler
    assert f"2 chains × 100 draws (sampler {sampler})." in str(fit.summary())


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_every_samplers_fit_saves_and_loads(quick_fits, sampler, tmp_path):
    _needs(sampler)
    fit = quick_fits[sampler]
    path = fit.save(tmp_path / f"{sampler}.nc")
    loaded = HierarchicalMapFit.load(path)
    np.testing.assert_allclose(
        loaded.centroids[["x", "y"]].to_numpy(), fit.centroids[["x", "y"]].to_numpy()
    )
    assert loaded.settings["sampler"] == sampler
    assert str(loaded.summary()) == str(fit.summary())
    assert loaded.diagnostics.table.equals(fit.diagnostics.table)

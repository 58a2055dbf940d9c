"""Which NUTS implementation draws the posterior of one PyMC model: PyMC, nutpie or numpyro.

The model is built once (:func:`llmvalues.iw.bayes.model.build_model`); the samplers differ
in how its log-density is compiled and how the chains run:

* ``"pymc"``: PyMC's NUTS in Python, the likelihood Op in numpy, one process per chain.
* ``"nutpie"``: nutpie's NUTS in Rust on the model compiled by numba (the Op's numba
  kernel), chains in threads, its own step-size and mass-matrix adaptation.
* ``"numpyro"``: numpyro's NUTS on the model compiled to JAX (the Op's JAX implementation),
  chains on JAX devices — a GPU where jax has one, else the CPU (``float32=True`` halves the
  width of every number, the usual choice on a GPU).

Every sampler's InferenceData gets PyMC's names (free parameters in the posterior, the
statistics ``diverging``, ``energy``, ``tree_depth``, ``reached_max_treedepth``,
``n_steps``, ``step_size``, ``acceptance_rate``, the posterior's ``sampling_time``
attribute in seconds after compilation), so diagnostics and saved files do not depend on
the sampler. nutpie and numpyro are the optional extra ``llmvalues[fast]``.
"""

from __future__ import annotations

import importlib.util
import time
import warnings

import numpy as np
import pymc as pm

SAMPLERS = ("pymc", "nutpie", "numpyro")
PACKAGES = {"pymc": (), "nutpie": ("nutpie",), "numpyro": ("numpyro", "jax")}
MAX_TREE_DEPTH = 10  # nutpie's and numpyro's default, as PyMC's


class SamplerNotInstalled(ImportError):
    """A sampler whose package is not installed; the message names the extra to install."""


def check_sampler(sampler: str, float32: bool = False) -> str:
    """``sampler`` if it is one of :data:`SAMPLERS` and installed, else an error saying why.

    Parameters
    ----------
    sampler
        ``"pymc"``, ``"nutpie"`` or ``"numpyro"``.
    float32
        32-bit floats were asked for (numpyro only).

    Returns
    -------
    str

    Raises
    ------
    ValueError
        An unknown name, or ``float32`` with another sampler than numpyro.
    SamplerNotInstalled
        The sampler's package is not installed (the message names the extra to install).
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {SAMPLERS}, got {sampler!r}")
    if float32 and sampler != "numpyro":
        raise ValueError(f"float32=True needs sampler='numpyro', got sampler={sampler!r}")
    reason = missing(sampler)
    if reason:
        raise SamplerNotInstalled(
            f"sampler={sampler!r} needs {reason}: pip install 'llmvalues[fast]'"
        )
    return sampler


def missing(sampler: str) -> str | None:
    """The packages ``sampler`` needs that are not installed (None when all are)."""
    absent = [name for name in PACKAGES[sampler] if importlib.util.find_spec(name) is None]
    return " and ".join(absent) or None


def sample(
    model: pm.Model,
    sampler: str = "pymc",
    *,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    cores: int = 1,
    target_accept: float = 0.9,
    random_seed: int | None = None,
    progressbar: bool = False,
    float32: bool = False,
):
    """Draw the posterior of ``model`` with one of :data:`SAMPLERS`.

    Parameters
    ----------
    model
        The PyMC model.
    sampler
        ``"pymc"``, ``"nutpie"`` or ``"numpyro"``.
    draws, tune, chains
        Draws kept and tuning steps per chain, number of chains.
    cores
        Chains run at once (processes for PyMC, threads for nutpie; numpyro runs one
        chain per JAX device and so ignores it).
    target_accept
        NUTS target acceptance rate.
    random_seed
        Seed of the sampler.
    progressbar
        Show the sampler's progress bar.
    float32
        numpyro only: compute in 32-bit floats (JAX's default; twice the throughput on
        most GPUs). The draws are returned as float64.

    Returns
    -------
    arviz.InferenceData
        ``posterior`` (free parameters and deterministics) and ``sample_stats`` under
        PyMC's names.
    """
    check_sampler(sampler, float32)
    options = {
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "target_accept": target_accept,
        "random_seed": random_seed,
        "progressbar": progressbar,
    }
    with model, warnings.catch_warnings():
        # harmless here (the model's only matrix product is 60 × 34; see docs/hierarchical.md)
        warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS")
        if sampler == "pymc":
            return pm.sample(**options, cores=cores, compute_convergence_checks=False)
        if sampler == "nutpie":
            return _nutpie(model, cores=cores, **options)
        return _numpyro(model, float32=float32, **options)


def _free_names(model: pm.Model) -> list[str]:
    """Free parameters (untransformed) and deterministics: what PyMC's posterior holds."""
    return [v.name for v in (*model.free_RVs, *model.deterministics)]


def _nutpie(model, *, draws, tune, chains, cores, target_accept, random_seed, progressbar):
    import nutpie

    start = time.perf_counter()
    compiled = nutpie.compile_pymc_model(model, backend="numba", var_names=_free_names(model))
    compiled_at = time.perf_counter()
    seed = int(np.random.SeedSequence(random_seed).generate_state(1)[0])
    idata = nutpie.sample(
        compiled,
        draws=draws,
        tune=tune,
        chains=chains,
        cores=cores,
        seed=seed,
        target_accept=target_accept,
        progress_bar=progressbar,
        save_warmup=False,
    )
    names = set(_free_names(model))
    posterior = idata.posterior[[v for v in idata.posterior.data_vars if v in names]]
    posterior.attrs |= {
        "compile_time": compiled_at - start,
        "sampling_time": time.perf_counter() - compiled_at,
    }
    stats = idata.sample_stats.rename(
        {
            "depth": "tree_depth",
            "maxdepth_reached": "reached_max_treedepth",
            "mean_tree_accept": "acceptance_rate",
        }
    ).drop_vars("tuning", errors="ignore")
    return _idata(posterior, stats)


def _numpyro(model, *, draws, tune, chains, target_accept, random_seed, progressbar, float32):
    import jax
    import pymc.sampling.jax  # noqa: F401  (first: it lets XLA make one CPU device per chain)

    from llmvalues.iw.bayes.likelihood import register_jax

    register_jax()
    # one chain per device where there are enough (CPU threads, several GPUs), else the
    # chains as one vectorised computation (one GPU)
    method = "parallel" if jax.local_device_count() >= chains else "vectorized"
    # the chains run on JAX's default devices (a GPU when jax has one); in float32 mode the
    # model's float64 constants become float32, which JAX says once per constant
    with jax.enable_x64(not float32), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Explicitly requested dtype")
        idata = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            target_accept=target_accept,
            random_seed=random_seed,
            progressbar=progressbar,
            nuts_sampler="numpyro",
            nuts_sampler_kwargs={"chain_method": method},
            compute_convergence_checks=False,
        )
    stats = idata.sample_stats
    stats["reached_max_treedepth"] = stats["tree_depth"] >= MAX_TREE_DEPTH
    return _idata(idata.posterior, stats)


def _idata(posterior, sample_stats):
    """An InferenceData of the two groups (float64, as PyMC's)."""
    import arviz as az

    return az.InferenceData(
        posterior=posterior.astype({v: "float64" for v in posterior.data_vars}),
        sample_stats=sample_stats,
    )

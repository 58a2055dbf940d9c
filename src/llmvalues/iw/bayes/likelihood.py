"""The ordinal log-likelihood of count rows as one PyTensor Op with an analytic gradient.

Each row is (cell, category, count); its log-probability is log(F(upper − eta) −
F(lower − eta)) with the category's two boundaries. Autodiff of that graph spends most
of a NUTS step in one scalar C loop; here value and gradient come from one vectorised
pass that shares its exponentials, and the gradient reaches the boundaries and the cell
locations through a segment sum instead of indexed increments.

One formula serves three backends: numpy (PyMC's own sampler, :meth:`perform`) and JAX
(numpyro, :func:`register_jax`) run :func:`loglik_and_grad` with their array module; the
numba backend (nutpie) runs a scalar loop over the rows (:func:`_numba_kernel`; without
vectorised exponentials it computes log(σ(u) − σ(l)) directly, two exps and a log per row),
checked against the numpy pass to rounding in the tests.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from types import SimpleNamespace

import numba
import numpy as np
import pytensor.tensor as pt
from pytensor.gradient import DisconnectedType, disconnected_type, grad_undefined
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.link.numba.dispatch.basic import numba_njit, register_funcify_default_op_cache_key
from scipy import special

NUMPY = SimpleNamespace(
    xp=np,
    log_ndtr=special.log_ndtr,
    segment_sum=lambda values, index, n: np.bincount(index, values, minlength=n),
)


def _log1mexp(x, xp):
    """log(1 − exp(x)) for x < 0, accurate at both ends (Mächler 2012)."""
    # a zero-width category: log(tiny) ≈ −708 (float64) or −87 (float32), not NaN
    x = xp.minimum(x, -xp.finfo(x.dtype).tiny)
    return xp.where(x > -math.log(2.0), xp.log(-xp.expm1(x)), xp.log1p(-xp.exp(x)))


def _logit_terms(upper, lower, ns):
    """Per row: log σ(u) + log(1 − σ(l)) and its slopes in u and l.

    With log(1 − e^{l − u}) (:func:`_logit_width`) this is log(σ(u) − σ(l)). The two terms
    are −softplus(−u) and −softplus(l); their slopes σ(−u) = e^{log σ(u) − u} and
    σ(l) = e^{log(1 − σ(l)) + l} reuse them (no branches, every step a vectorised ufunc).
    """
    xp = ns.xp
    log_su = xp.minimum(upper, 0.0) - xp.log1p(xp.exp(-xp.abs(upper)))
    log_1msl = -xp.maximum(lower, 0.0) - xp.log1p(xp.exp(-xp.abs(lower)))
    return log_su + log_1msl, xp.exp(log_su - upper), -xp.exp(log_1msl + lower)


def _logit_width(width, xp):
    """log(1 − e^{−w}) for a category of latent width w = u − l, and its slope in w.

    It does not depend on the location, so it is computed once per item × category.
    """
    return _log1mexp(-width, xp), 1.0 / xp.expm1(width)


def _probit_terms(upper, lower, ns):
    """Per row: log(Φ(u) − Φ(l)), ∂/∂u, ∂/∂l, using Φ(u) − Φ(l) = Φ(−l) − Φ(−u) for l > 0."""
    xp = ns.xp
    flip = lower > 0
    hi = xp.where(flip, -lower, upper)
    lo = xp.where(flip, -upper, lower)
    log_hi = ns.log_ndtr(hi)
    value = log_hi + _log1mexp(ns.log_ndtr(lo) - log_hi, xp)
    log_pdf = -0.5 * math.log(2 * math.pi)
    d_upper = xp.exp(log_pdf - 0.5 * upper**2 - value)
    d_lower = -xp.exp(log_pdf - 0.5 * lower**2 - value)
    return value, d_upper, d_lower


_TERMS = {"logit": _logit_terms, "probit": _probit_terms}
# both branches of np.where are evaluated, and categories hundreds of units wide overflow
# expm1 on the way to an exact 0 slope: neither is an error, so numpy should not say so
_QUIET = {"divide": "ignore", "over": "ignore", "invalid": "ignore"}


def row_logp(upper: np.ndarray, lower: np.ndarray, link: str) -> np.ndarray:
    """log P(category) per row from its standardised boundaries (upper > lower)."""
    upper, lower = np.asarray(upper, float), np.asarray(lower, float)
    with np.errstate(**_QUIET):
        value = _TERMS[link](upper, lower, NUMPY)[0]
        return value + _logit_width(upper - lower, np)[0] if link == "logit" else value


def loglik_and_grad(bounds, cell_eta, counts, low, cell, link: str, ns=NUMPY):
    """Σ_rows count · log(F(bounds[low + 1] − eta[cell]) − F(bounds[low] − eta[cell])).

    Parameters
    ----------
    bounds
        (n_bounds,) flat boundaries of every item's categories (−BIG, cut-points, +BIG, …).
    cell_eta
        (n_cells,) latent location of each cell.
    counts
        (n_rows,) count of each row.
    low, cell
        (n_rows,) index of each row's lower boundary in ``bounds``, and its cell.
    link
        ``"logit"`` or ``"probit"``.
    ns
        The array module: ``xp`` (numpy or jax.numpy), ``log_ndtr`` and
        ``segment_sum(values, index, n)``; numpy by default.

    Returns
    -------
    (total, d total / d bounds, d total / d cell_eta)
    """
    xp = ns.xp
    n = bounds.shape[0]
    eta = cell_eta[cell]
    upper = bounds[1:][low] - eta
    lower = bounds[low] - eta
    value, d_upper, d_lower = _TERMS[link](upper, lower, ns)
    d_upper = d_upper * counts
    d_lower = d_lower * counts
    g_bounds = ns.segment_sum(d_upper, low + 1, n) + ns.segment_sum(d_lower, low, n)
    total = (counts * value).sum()  # not a dot product: BLAS threads would oversubscribe chains
    if link == "logit":
        # the width term of each category, once: weighted by the counts of all its rows
        per_low = ns.segment_sum(counts, low, n)[:-1]
        used = per_low > 0
        log_width, slope = _logit_width(xp.where(used, bounds[1:] - bounds[:-1], 1.0), xp)
        total = total + xp.where(used, per_low * log_width, 0.0).sum()
        step = xp.where(used, per_low * slope, 0.0)
        zero = xp.zeros(1, dtype=step.dtype)
        g_bounds = g_bounds + xp.concatenate([zero, step]) - xp.concatenate([step, zero])
    g_eta = -ns.segment_sum(d_upper + d_lower, cell, cell_eta.shape[0])
    return total, g_bounds, g_eta


class OrdinalCountLogLik(Op):
    """The count rows' log-likelihood (:func:`loglik_and_grad`) and its two gradients.

    Inputs: flat boundaries (n_bounds,), cell locations (n_cells,), counts (n_rows,), and
    the row layout — each row's lower-boundary index and cell (integer constants). Outputs:
    the log-likelihood and its gradients with respect to the first two inputs; ``grad``
    reuses those outputs, so one evaluation serves a NUTS step's value and slope. The Op
    holds only the link, so one compiled kernel (numba's is cached on disk) serves every
    data set.
    """

    __props__ = ("link",)

    def __init__(self, link: str = "logit") -> None:
        if link not in _TERMS:
            raise ValueError(f"link must be one of {tuple(_TERMS)}, got {link!r}")
        self.link = link

    def make_node(self, bounds, cell_eta, counts, low, cell) -> Apply:
        floats = [pt.as_tensor_variable(v) for v in (bounds, cell_eta, counts)]
        dtype = pt.as_tensor_variable(bounds).dtype
        if dtype not in ("float32", "float64"):
            dtype = "float64"
        floats = [v.astype(dtype) for v in floats]
        ints = [pt.as_tensor_variable(v).astype("int64") for v in (low, cell)]
        outputs = [pt.scalar(dtype=dtype), pt.vector(dtype=dtype), pt.vector(dtype=dtype)]
        return Apply(self, [*floats, *ints], outputs)

    def perform(self, node, inputs, output_storage) -> None:
        with np.errstate(**_QUIET):
            total, g_bounds, g_eta = loglik_and_grad(*inputs, link=self.link)
        dtype = node.outputs[0].dtype
        output_storage[0][0] = np.asarray(total, dtype=dtype)
        output_storage[1][0] = g_bounds.astype(dtype, copy=False)
        output_storage[2][0] = g_eta.astype(dtype, copy=False)

    def connection_pattern(self, node) -> list[list[bool]]:
        return [[True] * 3] * 3 + [[False] * 3] * 2

    def grad(self, inputs, output_grads):
        if any(not isinstance(g.type, DisconnectedType) for g in output_grads[1:]):
            raise NotImplementedError("second derivatives of the ordinal log-likelihood")
        _, g_bounds, g_eta = self(*inputs)
        g = output_grads[0]
        return [
            g * g_bounds,
            g * g_eta,
            grad_undefined(self, 2, inputs[2], "counts are data"),
            disconnected_type(),
            disconnected_type(),
        ]


def ordinal_count_loglik(
    bounds, cell_eta, counts, low: np.ndarray, cell: np.ndarray, link: str = "logit"
):
    """Symbolic total log-likelihood of count rows (see :class:`OrdinalCountLogLik`).

    Raises
    ------
    ValueError
        An unknown link, or ``low`` and ``cell`` of different lengths.
    """
    low, cell = np.asarray(low, dtype=np.int64), np.asarray(cell, dtype=np.int64)
    if low.shape != cell.shape:
        raise ValueError(
            f"low and cell must have one entry per row, got {low.shape} and {cell.shape}"
        )
    return OrdinalCountLogLik(link)(bounds, cell_eta, counts, pt.constant(low), pt.constant(cell))[
        0
    ]


# ----- numba (nutpie) --------------------------------------------------------------------

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_LOG2 = math.log(2.0)


@numba.njit(cache=True, inline="always")
def _log1mexp_scalar(x: float) -> float:
    x = min(x, -2.2250738585072014e-308)
    return math.log(-math.expm1(x)) if x > -_LOG2 else math.log1p(-math.exp(x))


@numba.njit(cache=True, inline="always")
def _log_ndtr_scalar(x: float) -> float:
    """log Φ(x): erfc where it is accurate, the asymptotic series below −20 (as Cephes)."""
    if x > 0.0:
        return math.log1p(-0.5 * math.erfc(x / math.sqrt(2.0)))
    if x > -20.0:
        return math.log(0.5 * math.erfc(-x / math.sqrt(2.0)))
    # log Φ(x) = −x²/2 − log(−x) − log √(2π) + log(1 − 1/x² + 3/x⁴ − 15/x⁶ + …)
    inv = 1.0 / (x * x)
    term, series = 1.0, 1.0
    for k in range(1, 20):
        term *= -(2 * k - 1) * inv
        series += term
        if abs(term) < 1e-17:
            break
    return -0.5 * x * x - math.log(-x) - _HALF_LOG_2PI + math.log(series)


@numba.njit(cache=True, inline="always")
def _logit_row(u: float, lo: float) -> tuple[float, float, float]:
    """log(σ(u) − σ(l)) and its slopes in u and l: two exps, one log, three divisions.

    For l > 0 it uses σ(u) − σ(l) = σ(−l) − σ(−u), so the difference is never one of two
    numbers near 1; σ(x) and σ(−x) both come from e^{−|x|}, so neither is 1 − (≈ 1).
    """
    flip = lo > 0.0
    if flip:
        u, lo = -lo, -u
    a = math.exp(-abs(u))
    b = math.exp(lo)  # lo ≤ 0
    r_a = 1.0 / (1.0 + a)
    s_u = r_a if u >= 0.0 else a * r_a  # σ(u)
    s_mu = a * r_a if u >= 0.0 else r_a  # σ(−u)
    s_ml = 1.0 / (1.0 + b)  # σ(−l)
    s_l = b * s_ml  # σ(l)
    p = s_u - s_l
    inv_p = 1.0 / p
    du = s_u * s_mu * inv_p
    dl = -s_l * s_ml * inv_p
    if flip:
        return math.log(p), -dl, -du
    return math.log(p), du, dl


@numba.njit(cache=True)
def _numba_kernel(bounds, cell_eta, counts, low, cell, probit):
    g_bounds = np.zeros(bounds.shape[0])
    g_eta = np.zeros(cell_eta.shape[0])
    total = 0.0
    for r in range(low.shape[0]):
        c, k, e = counts[r], low[r], cell_eta[cell[r]]
        u = bounds[k + 1] - e
        lo = bounds[k] - e
        if probit:
            if lo > 0.0:
                log_hi, log_lo = _log_ndtr_scalar(-lo), _log_ndtr_scalar(-u)
            else:
                log_hi, log_lo = _log_ndtr_scalar(u), _log_ndtr_scalar(lo)
            value = log_hi + _log1mexp_scalar(log_lo - log_hi)
            du = math.exp(-_HALF_LOG_2PI - 0.5 * u * u - value)
            dl = -math.exp(-_HALF_LOG_2PI - 0.5 * lo * lo - value)
        else:
            value, du, dl = _logit_row(u, lo)
        total += c * value
        du *= c
        dl *= c
        g_bounds[k + 1] += du
        g_bounds[k] += dl
        g_eta[cell[r]] -= du + dl
    return total, g_bounds, g_eta


# PyTensor caches the compiled kernel on disk under the Op's props; this file's hash joins
# that key, so an edited kernel is never served from an old cache entry
_SOURCE_VERSION = int(hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:15], 16)


@register_funcify_default_op_cache_key(OrdinalCountLogLik)
def _numba_funcify(op, node=None, **kwargs):
    """The numba implementation of the Op (nutpie compiles PyMC models with numba)."""
    probit = op.link == "probit"

    @numba_njit
    def ordinal_count_loglik_numba(bounds, cell_eta, counts, low, cell):
        total, g_bounds, g_eta = _numba_kernel(bounds, cell_eta, counts, low, cell, probit)
        return np.asarray(total), g_bounds, g_eta

    return ordinal_count_loglik_numba, _SOURCE_VERSION


# ----- JAX (numpyro) ---------------------------------------------------------------------

_JAX_REGISTERED: list[bool] = []


def register_jax() -> None:
    """Give the Op its JAX implementation (imports jax; call before compiling for JAX)."""
    if _JAX_REGISTERED:
        return
    import jax
    import jax.numpy as jnp
    from jax.scipy.special import erfc
    from pytensor.link.jax.dispatch import jax_funcify

    def log_ndtr(x):
        """log Φ(x) as :func:`_log_ndtr_scalar` (jax's own is off by 7% at x = 8)."""
        tail = -20.0 if x.dtype == jnp.float64 else -9.0  # where erfc would underflow
        xs = jnp.minimum(x, tail)
        inv = 1.0 / (xs * xs)
        term, series = jnp.ones_like(xs), jnp.ones_like(xs)
        for k in range(1, 13):
            term = term * (-(2 * k - 1) * inv)
            series = series + term
        asymptotic = -0.5 * xs * xs - jnp.log(-xs) - _HALF_LOG_2PI + jnp.log(series)
        z = x / math.sqrt(2.0)
        return jnp.where(
            x > 0.0,
            jnp.log1p(-0.5 * erfc(z)),
            jnp.where(x > tail, jnp.log(0.5 * erfc(-z)), asymptotic),
        )

    ns = SimpleNamespace(
        xp=jnp,
        log_ndtr=log_ndtr,
        segment_sum=lambda values, index, n: jax.ops.segment_sum(values, index, n),
    )

    @jax_funcify.register(OrdinalCountLogLik)
    def _jax_funcify(op, node=None, **kwargs):
        link = op.link

        def ordinal_count_loglik_jax(bounds, cell_eta, counts, low, cell):
            return loglik_and_grad(bounds, cell_eta, counts, low, cell, link, ns)

        return ordinal_count_loglik_jax

    _JAX_REGISTERED.append(True)

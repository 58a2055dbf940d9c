"""The ordinal log-likelihood of count rows as one PyTensor Op with an analytic gradient.

Each row is (cell, category, count); its log-probability is log(F(upper − eta) −
F(lower − eta)) with the category's two boundaries. Autodiff of that graph spends most
of a NUTS step in one scalar C loop; here value and gradient come from one vectorised
numpy pass that shares its exponentials, and the gradient reaches the boundaries and the
cell locations through ``bincount`` instead of indexed increments.
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
from pytensor.gradient import DisconnectedType, grad_undefined
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from scipy import special


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """log(1 − exp(x)) for x < 0, accurate at both ends (Mächler 2012)."""
    x = np.minimum(x, -1e-300)  # a zero-width category: log(1e-300) ≈ −691, not NaN
    return np.where(x > -np.log(2.0), np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


def _logit_terms(upper: np.ndarray, lower: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per row: log σ(u) + log(1 − σ(l)) and its slopes in u and l.

    With log(1 − e^{l − u}) (:func:`_logit_width`) this is log(σ(u) − σ(l)). The two terms
    are −softplus(−u) and −softplus(l); their slopes σ(−u) = e^{log σ(u) − u} and
    σ(l) = e^{log(1 − σ(l)) + l} reuse them (no branches, every step a vectorised ufunc).
    """
    log_su = np.minimum(upper, 0.0)
    log_su -= np.log1p(np.exp(-np.abs(upper)))
    log_1msl = -np.maximum(lower, 0.0)
    log_1msl -= np.log1p(np.exp(-np.abs(lower)))
    return log_su + log_1msl, np.exp(log_su - upper), -np.exp(log_1msl + lower)


def _logit_width(width: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log(1 − e^{−w}) for a category of latent width w = u − l, and its slope in w.

    It does not depend on the location, so it is computed once per item × category.
    """
    return _log1mexp(-width), 1.0 / np.expm1(width)


def _probit_terms(upper: np.ndarray, lower: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per row: log(Φ(u) − Φ(l)), ∂/∂u, ∂/∂l, using Φ(u) − Φ(l) = Φ(−l) − Φ(−u) for l > 0."""
    flip = lower > 0
    hi = np.where(flip, -lower, upper)
    lo = np.where(flip, -upper, lower)
    log_hi = special.log_ndtr(hi)
    value = log_hi + _log1mexp(special.log_ndtr(lo) - log_hi)
    log_pdf = -0.5 * np.log(2 * np.pi)
    d_upper = np.exp(log_pdf - 0.5 * upper**2 - value)
    d_lower = -np.exp(log_pdf - 0.5 * lower**2 - value)
    return value, d_upper, d_lower


_TERMS = {"logit": _logit_terms, "probit": _probit_terms}
# both branches of np.where are evaluated, and categories hundreds of units wide overflow
# expm1 on the way to an exact 0 slope: neither is an error, so numpy should not say so
_QUIET = {"divide": "ignore", "over": "ignore"}


def row_logp(upper: np.ndarray, lower: np.ndarray, link: str) -> np.ndarray:
    """log P(category) per row from its standardised boundaries (upper > lower)."""
    upper, lower = np.asarray(upper, float), np.asarray(lower, float)
    with np.errstate(**_QUIET):
        value = _TERMS[link](upper, lower)[0]
        return value + _logit_width(upper - lower)[0] if link == "logit" else value


class OrdinalCountLogLik(Op):
    """Σ_rows count · log(F(bounds[low + 1] − eta[cell]) − F(bounds[low] − eta[cell])).

    Inputs: flat boundaries (n_bounds,), cell locations (n_cells,), counts (n_rows,).
    Outputs: the log-likelihood and its gradients with respect to the first two inputs;
    ``grad`` reuses those outputs, so one ``perform`` serves a NUTS step's value and slope.
    The row layout (``low``, ``cell``) is fixed when the Op is made.
    """

    __props__ = ("link", "_layout_key")

    def __init__(self, low: np.ndarray, cell: np.ndarray, link: str = "logit") -> None:
        if link not in _TERMS:
            raise ValueError(f"link must be one of {tuple(_TERMS)}, got {link!r}")
        self.low = np.ascontiguousarray(low, dtype=np.int64)
        self.cell = np.ascontiguousarray(cell, dtype=np.int64)
        if self.low.shape != self.cell.shape:
            raise ValueError("low and cell must have one entry per row")
        self.high = self.low + 1
        self.pairs, self.pair_of_row = np.unique(self.low, return_inverse=True)
        self.link = link
        self._layout_key = hash((self.low.tobytes(), self.cell.tobytes()))

    def make_node(self, bounds, cell_eta, counts) -> Apply:
        inputs = [pt.as_tensor_variable(v).astype("float64") for v in (bounds, cell_eta, counts)]
        outputs = [pt.dscalar(), pt.dvector(), pt.dvector()]
        return Apply(self, inputs, outputs)

    def perform(self, node, inputs, output_storage) -> None:
        with np.errstate(**_QUIET):
            self._perform(inputs, output_storage)

    def _perform(self, inputs, output_storage) -> None:
        bounds, cell_eta, counts = inputs
        eta = np.take(cell_eta, self.cell)
        upper = np.take(bounds, self.high) - eta
        lower = np.take(bounds, self.low) - eta
        value, d_upper, d_lower = _TERMS[self.link](upper, lower)
        d_upper *= counts
        d_lower *= counts
        n = bounds.shape[0]
        g_bounds = np.bincount(self.high, d_upper, minlength=n)
        g_bounds += np.bincount(self.low, d_lower, minlength=n)
        total = (counts * value).sum()  # not np.dot: BLAS threads would oversubscribe chains
        if self.link == "logit":
            log_width, slope = _logit_width(bounds[self.pairs + 1] - bounds[self.pairs])
            pair_counts = np.bincount(self.pair_of_row, counts, minlength=len(self.pairs))
            total += (pair_counts * log_width).sum()
            g_bounds[self.pairs + 1] += pair_counts * slope
            g_bounds[self.pairs] -= pair_counts * slope
        output_storage[0][0] = np.asarray(total)
        output_storage[1][0] = g_bounds
        d_upper += d_lower
        output_storage[2][0] = -np.bincount(self.cell, d_upper, minlength=cell_eta.shape[0])

    def grad(self, inputs, output_grads):
        if any(not isinstance(g.type, DisconnectedType) for g in output_grads[1:]):
            raise NotImplementedError("second derivatives of the ordinal log-likelihood")
        _, g_bounds, g_eta = self(*inputs)
        g = output_grads[0]
        return [g * g_bounds, g * g_eta, grad_undefined(self, 2, inputs[2], "counts are data")]


def ordinal_count_loglik(
    bounds, cell_eta, counts, low: np.ndarray, cell: np.ndarray, link: str = "logit"
):
    """Symbolic total log-likelihood of count rows (see :class:`OrdinalCountLogLik`)."""
    return OrdinalCountLogLik(low, cell, link)(bounds, cell_eta, counts)[0]

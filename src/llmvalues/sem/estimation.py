"""Fit a MeasurementModel by maximum likelihood (ML) or diagonally weighted least squares."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from .model import MeasurementModel
from .validation import DataError


@dataclass
class GroupStats:
    """Sample statistics of one group: what the estimators fit."""

    n: int
    cov: np.ndarray  # ML: covariance with divisor n; ordinal: polychoric correlations
    mean: np.ndarray | None = None
    tau: np.ndarray | None = None  # ordinal: thresholds, item by item
    gamma: np.ndarray | None = None  # ordinal: asymptotic covariance of sqrt(n)*(tau, rho)

    def as_dict(self) -> dict[str, np.ndarray]:
        """The arrays start values are computed from."""
        out = {"cov": self.cov, "mean": self.mean if self.mean is not None else 0 * self.cov[0]}
        if self.tau is not None:
            out["tau"] = self.tau
        return out


@dataclass
class Estimate:
    """Estimated free parameters, the minimised fit function and derived quantities."""

    theta: np.ndarray
    fmin: float  # total fit function; the test statistic is n_total * fmin
    converged: bool
    iterations: int
    message: str
    moments: list[np.ndarray] = field(default_factory=list)
    jacobian: list[np.ndarray] = field(default_factory=list)


def sample_vector(model: MeasurementModel, s: GroupStats) -> np.ndarray:
    """The group's sample moments in the order of `MeasurementModel.moments`."""
    if model.ordinal:
        return np.concatenate([s.tau, s.cov[np.tril_indices(model.p, -1)]])
    v = s.cov[np.tril_indices(model.p)]
    return np.concatenate([v, s.mean]) if model.meanstructure else v


class Discrepancy:
    """The fit function F with its gradient with respect to the implied moments."""

    def __init__(self, model: MeasurementModel, stats: list[GroupStats]) -> None:
        self.model = model
        self.stats = stats
        self.n_total = sum(s.n for s in stats)
        self.frac = np.array([s.n / self.n_total for s in stats])
        self.samples = [sample_vector(model, s) for s in stats]
        p = model.p
        self._tril = np.tril_indices(p)
        self._vech_scale = np.where(self._tril[0] == self._tril[1], 1.0, 2.0)
        if model.ordinal:
            self.weights = [1.0 / np.diag(s.gamma) for s in stats]
        else:
            self._logdet_s = []
            for k, s in enumerate(stats):
                sign, logdet = np.linalg.slogdet(s.cov)
                sd = np.sqrt(np.diag(s.cov))
                if sign <= 0 or np.linalg.eigvalsh(s.cov / np.outer(sd, sd)).min() < 1e-10:
                    raise DataError(
                        f"the sample covariance matrix of group {k + 1} is not positive definite "
                        "(an item is a linear combination of others, or too few respondents)"
                    )
                self._logdet_s.append(logdet)

    def group_value(self, g: int, moments: np.ndarray, grad: bool = True):
        """F for one group (unweighted) and dF/dmoments."""
        model = self.model
        if model.ordinal:
            e = self.samples[g] - moments
            w = self.weights[g]
            return float(e @ (w * e)), (-2.0 * w * e if grad else None)
        p = model.p
        nv = len(self._tril[0])
        sigma = np.zeros((p, p))
        sigma[self._tril] = moments[:nv]
        sigma = sigma + np.tril(sigma, -1).T
        try:
            chol = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return np.inf, None
        inv = np.linalg.inv(sigma)
        logdet = 2.0 * np.log(np.diag(chol)).sum()
        s = self.stats[g]
        sc = s.cov
        if model.meanstructure:
            d = s.mean - moments[nv:]
            sc = sc + np.outer(d, d)
        f = logdet + np.sum(sc * inv) - self._logdet_s[g] - p
        if not grad:
            return float(f), None
        gs = inv - inv @ sc @ inv
        out = gs[self._tril] * self._vech_scale
        if model.meanstructure:
            out = np.concatenate([out, -2.0 * inv @ d])
        return float(f), out

    def value(self, theta: np.ndarray) -> float:
        """Total F at theta."""
        total = 0.0
        for g, mom in enumerate(self.model.moments(theta)):
            f, _ = self.group_value(g, mom, grad=False)
            total += self.frac[g] * f
        return total

    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Total F and its gradient in theta (chain rule through the moment Jacobian)."""
        moments = self.model.moments(theta)
        jac = self.model.jacobian(theta)
        total, grad = 0.0, np.zeros_like(theta)
        for g, mom in enumerate(moments):
            f, gm = self.group_value(g, mom)
            if not np.isfinite(f):
                return 1e10, np.zeros_like(theta)
            total += self.frac[g] * f
            grad += self.frac[g] * (jac[g].T @ gm)
        return total, grad

    def moment_weights(self, moments: list[np.ndarray]) -> list[np.ndarray]:
        """Per-observation information of each group's moments (the 'expected' weight)."""
        out = []
        p = self.model.p
        nv = len(self._tril[0])
        dup = _duplication(p)
        for g, mom in enumerate(moments):
            if self.model.ordinal:
                out.append(self.weights[g])  # diagonal weights as a vector
                continue
            sigma = np.zeros((p, p))
            sigma[self._tril] = mom[:nv]
            sigma = sigma + np.tril(sigma, -1).T
            inv = np.linalg.inv(sigma)
            w = 0.5 * dup.T @ np.kron(inv, inv) @ dup
            if self.model.meanstructure:
                w = np.block([[w, np.zeros((nv, p))], [np.zeros((p, nv)), inv]])
            out.append(w)
        return out


def _duplication(p: int) -> np.ndarray:
    """Duplication matrix D with vec(S) = D vech(S), vech in numpy's tril order."""
    rows, cols = np.tril_indices(p)
    dup = np.zeros((p * p, len(rows)))
    for k, (r, c) in enumerate(zip(rows, cols, strict=True)):
        dup[r * p + c, k] = 1.0
        dup[c * p + r, k] = 1.0
    return dup


def fit_model(model: MeasurementModel, stats: list[GroupStats], max_iter: int = 1000) -> Estimate:
    """Minimise the discrepancy by Fisher scoring from several starts, L-BFGS-B as last resort.

    Starts: marker-based values; for multi-group models also each group's own fit (shared
    parameters from their mean, or from the largest group) — tried first when no parameter
    is shared, since it is then the solution. The first converged solution wins; if none
    converges, L-BFGS-B continues from the start that reached the smallest discrepancy.
    """
    disc = Discrepancy(model, stats)
    theta = model.start_values([s.as_dict() for s in stats])
    if not np.isfinite(disc.value(theta)):
        theta = _safe_start(model, stats, theta)
    starts = [("marker-based start values", lambda: theta)]
    if model.n_groups > 1:
        starts += [
            ("each group's own fit", lambda: _per_group_start(model, stats, theta, "mean")),
            (
                "each group's own fit (shared: largest group)",
                lambda: _per_group_start(model, stats, theta, "largest"),
            ),
        ]
        shared = len({q.free for q in model.params if q.free >= 0}) < sum(
            q.free >= 0 for q in model.params
        )
        if not shared:
            starts = starts[1:2] + starts[:1]
    tried = []
    for name, make in starts:
        start = make()
        if not np.isfinite(disc.value(start)):
            continue
        est = _minimise(disc, start, max_iter, fallback=False)
        if est.converged:
            est.message += f", from {name}"
            return est
        tried.append(est)
    best = min(tried, key=lambda e: e.fmin) if tried else None
    return _minimise(disc, best.theta if best else theta, max_iter, fallback=True)


def _minimise(disc: Discrepancy, theta: np.ndarray, max_iter: int, fallback: bool) -> Estimate:
    model = disc.model
    fmin = disc.value(theta)
    theta, fmin, iterations = _gauss_newton(disc, theta, fmin, steps=200)
    message = "Fisher scoring converged"
    if fallback and _newton_decrement(disc, theta) > 1e-10:
        res = optimize.minimize(
            disc.value_and_grad,
            theta,
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": max_iter, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 30},
        )
        if float(res.fun) <= fmin:
            theta, fmin, polished = _gauss_newton(disc, res.x, float(res.fun))
            iterations += polished
        iterations += int(res.nit)
        message = f"L-BFGS-B: {res.message}"
    moments = model.moments(theta)
    jac = model.jacobian(theta)
    decrement = _newton_decrement(disc, theta)
    converged = bool(np.isfinite(fmin) and decrement < 1e-8)
    if not converged:
        message += f" (predicted further decrease of F {decrement:.2e})"
    return Estimate(theta, fmin, converged, iterations, message, moments, jac)


def _per_group_start(
    model: MeasurementModel, stats: list[GroupStats], theta: np.ndarray, shared: str
) -> np.ndarray:
    """Start from each group's own fit; shared parameters from the mean or the largest group."""
    sums = np.zeros_like(theta)
    counts = np.zeros_like(theta)
    largest = int(np.argmax([s.n for s in stats]))
    order = [largest] + [g for g in range(len(stats)) if g != largest]
    for g in order:
        s = stats[g]
        single = MeasurementModel(
            model.spec,
            1,
            (),
            ordinal=model.ordinal,
            meanstructure=model.meanstructure,
            n_thresholds=model.n_thresholds,
        )
        est = fit_model(single, [s])
        if not est.converged:
            continue
        values = {(q.mat, q.row, q.col): est.theta[q.free] for q in single.params if q.free >= 0}
        for q in model.params:
            key = (q.mat, q.row, q.col)
            if q.group == g and q.free >= 0 and key in values:
                if shared == "largest" and counts[q.free] > 0:
                    continue
                sums[q.free] += values[key]
                counts[q.free] += 1
    out = theta.copy()
    known = counts > 0
    out[known] = sums[known] / counts[known]
    return out


def _newton_decrement(disc: Discrepancy, theta: np.ndarray) -> float:
    """Predicted decrease of F by one more scoring step: g' (2 I)^-1 g / 2 (scale-free)."""
    if disc.model.n_free == 0:
        return 0.0
    f, grad = disc.value_and_grad(theta)
    if not np.isfinite(f) or f >= 1e10:
        return float("inf")
    jac = disc.model.jacobian(theta)
    weights = disc.moment_weights(disc.model.moments(theta))
    info = sum(w_f * quad(j, w) for w_f, j, w in zip(disc.frac, jac, weights, strict=True))
    try:
        return float(grad @ np.linalg.solve(2.0 * info, grad)) / 2.0
    except np.linalg.LinAlgError:
        return float("inf")


def _gauss_newton(disc: Discrepancy, theta: np.ndarray, fmin: float, steps: int = 20):
    """Fisher scoring / Gauss-Newton steps; step-halving keeps F decreasing."""
    done = 0
    for _ in range(steps):
        moments = disc.model.moments(theta)
        jac = disc.model.jacobian(theta)
        weights = disc.moment_weights(moments)
        info = sum(f * quad(j, w) for f, j, w in zip(disc.frac, jac, weights, strict=True))
        _, grad = disc.value_and_grad(theta)
        try:
            step = np.linalg.solve(2.0 * info, -grad)
        except np.linalg.LinAlgError:
            break
        if -float(grad @ step) / 2.0 < 1e-14:  # Newton decrement: nothing left to gain
            break
        size = 1.0
        improved = False
        for _ in range(30):
            cand = theta + size * step
            fc = disc.value(cand)
            if np.isfinite(fc) and fc <= fmin:
                improved = True
                break
            size /= 2
        if not improved:
            break
        done += 1
        change = abs(fmin - fc)
        theta, fmin = cand, fc
        if change < 1e-15 * max(1.0, abs(fmin)):
            break
    return theta, fmin, done


def _safe_start(model: MeasurementModel, stats: list[GroupStats], theta: np.ndarray) -> np.ndarray:
    """Fallback start: small loadings and half the variances (a positive definite Sigma)."""
    out = theta.copy()
    for q in model.params:
        if q.free < 0:
            continue
        if q.mat == "lambda":
            out[q.free] = 0.5
        elif q.mat == "psi":
            out[q.free] = 0.2 if q.row == q.col else 0.0
        elif q.mat == "theta" and q.row != q.col:
            out[q.free] = 0.0
    return out


def information(disc: Discrepancy, est: Estimate) -> np.ndarray:
    """Per-observation expected information of the free parameters (of F/2)."""
    weights = disc.moment_weights(est.moments)
    return sum(f * quad(j, w) for f, j, w in zip(disc.frac, est.jacobian, weights, strict=True))


def quad(j: np.ndarray, w: np.ndarray) -> np.ndarray:
    """J' W J for a dense W or a diagonal W given as a vector."""
    return j.T @ (w[:, None] * j) if w.ndim == 1 else j.T @ w @ j


def standard_errors(disc: Discrepancy, est: Estimate) -> np.ndarray:
    """ML: expected-information SEs; ordinal: lavaan's robust sandwich (A^-1 B A^-1)."""
    if disc.model.n_free == 0:
        return np.zeros(0)
    info = information(disc, est)
    try:
        a_inv = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return np.full(disc.model.n_free, np.nan)
    if not disc.model.ordinal:
        cov = a_inv / disc.n_total
    else:
        b = np.zeros_like(info)
        for f, j, s, w in zip(disc.frac, est.jacobian, disc.stats, disc.weights, strict=True):
            wj = w[:, None] * j
            b += f * wj.T @ s.gamma @ wj
        cov = a_inv @ b @ a_inv / disc.n_total
    d = np.diag(cov)
    return np.sqrt(np.where(d >= 0, d, np.nan))

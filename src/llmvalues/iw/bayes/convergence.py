"""Vectorised MCMC convergence diagnostics matching ArviZ 0.23 numerically.

ArviZ computes rank-normalised split R-hat and bulk/tail ESS (Vehtari et al. 2021) one scalar
parameter at a time in Python, which takes tens of seconds for thousands of nuisance
parameters.  This module does the same arithmetic for all parameters at once, in the same
floating-point order where a comparison depends on it (chain means, the one-pass variance ArviZ
uses through numba, the FFT autocovariance, the type-7 quantile), so the results agree with
``az.rhat(method="rank")`` and ``az.ess(method="bulk" | "tail")`` to rounding.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.fftpack import next_fast_len

__all__ = ["ess_bulk", "ess_tail", "rhat", "summary"]

_BLOM_C = 3 / 8
_TAIL_PROBS = (0.05, 0.95)
_CHUNK_ELEMENTS = 1 << 21  # draws per parameter chunk: keeps temporaries in cache-friendly sizes


def rhat(draws: np.ndarray) -> np.ndarray:
    """Rank-normalised split R-hat per parameter, as ``az.rhat(method="rank")``."""
    return _diagnostics(draws, ("r_hat",))["r_hat"]


def ess_bulk(draws: np.ndarray) -> np.ndarray:
    """Bulk effective sample size per parameter, as ``az.ess(method="bulk")``."""
    return _diagnostics(draws, ("ess_bulk",))["ess_bulk"]


def ess_tail(draws: np.ndarray) -> np.ndarray:
    """Tail (5 % / 95 % quantile) effective sample size, as ``az.ess(method="tail")``."""
    return _diagnostics(draws, ("ess_tail",))["ess_tail"]


def summary(draws: np.ndarray) -> dict[str, np.ndarray]:
    """R-hat, bulk and tail ESS together, sharing the split/rank work between them."""
    return _diagnostics(draws, ("r_hat", "ess_bulk", "ess_tail"))


# --------------------------------------------------------------------------- driver


def _diagnostics(draws: np.ndarray, wanted: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Compute the requested diagnostics for draws shaped (chain, draw, *shape)."""
    x = np.asarray(draws, dtype=float)
    if x.ndim < 2:
        raise ValueError(f"draws must be (chain, draw, *shape), got shape {x.shape}")
    n_chain, n_draw = x.shape[:2]
    shape = x.shape[2:]
    n_par = int(np.prod(shape, dtype=np.int64))
    x = x.reshape(n_chain, n_draw, n_par)
    out = {name: np.full(n_par, np.nan) for name in wanted}
    if n_par == 0 or n_draw < 4 or n_chain < 1:
        return {name: val.reshape(shape) for name, val in out.items()}

    half = n_draw // 2
    want_rhat = "r_hat" in wanted and n_chain >= 2
    want_bulk = "ess_bulk" in wanted
    want_tail = "ess_tail" in wanted
    # rho matrices (lag, parameter) collected over chunks; Geyer runs once on all parameters
    rho_parts: dict[str, list[np.ndarray]] = {"bulk": [], "low": [], "high": []}
    const_parts: dict[str, list[np.ndarray]] = {"bulk": [], "low": [], "high": []}
    table = _z_table(2 * n_chain * half)
    bad_all = np.zeros(n_par, dtype=bool)
    step = max(1, _CHUNK_ELEMENTS // (n_chain * n_draw))
    with np.errstate(divide="ignore", invalid="ignore"):
        for k0 in range(0, n_par, step):
            k1 = min(n_par, k0 + step)
            xc = np.ascontiguousarray(x[:, :, k0:k1].transpose(2, 0, 1))  # (k, chain, draw)
            bad = np.isnan(xc).any(axis=(1, 2))
            if bad.any():
                xc[bad] = 0.0
            split = np.concatenate([xc[:, :, :half], xc[:, :, n_draw - half :]], axis=1)
            flat = split.reshape(len(xc), -1)
            order = np.argsort(flat, axis=-1)
            sorted_vals = np.take_along_axis(flat, order, axis=-1)
            if want_rhat or want_bulk:
                z = _z_from_sorted(sorted_vals, order, table).reshape(split.shape)
            if want_bulk:
                rho, const = _rho_matrix(z)
                rho_parts["bulk"].append(rho)
                const_parts["bulk"].append(const)
            if want_rhat:
                r_bulk = _rhat_classic(z)
                r_tail = _rhat_classic(_z_folded(flat, sorted_vals, order, table, split.shape))
                out["r_hat"][k0:k1] = np.where(r_tail > r_bulk, r_tail, r_bulk)
            if want_tail:
                all_sorted = sorted_vals if n_draw % 2 == 0 else None  # split = all draws
                for prob, key in zip(_TAIL_PROBS, ("low", "high"), strict=True):
                    q = _type7_quantile(xc.reshape(len(xc), -1), all_sorted, prob)
                    ind = (split <= q[:, None, None]).astype(float)
                    rho, const = _rho_matrix(ind)
                    rho_parts[key].append(rho)
                    const_parts[key].append(const)
            bad_all[k0:k1] = bad

        size = 2 * n_chain * half
        ess = {}
        for key, parts in rho_parts.items():
            if parts:
                rho = np.concatenate(parts, axis=1)
                const = np.concatenate(const_parts[key])
                ess[key] = _ess_from_rho(rho, const, size)
    if want_bulk:
        out["ess_bulk"] = ess["bulk"]
    if want_tail:
        low, high = ess["low"], ess["high"]
        out["ess_tail"] = np.where(high < low, high, low)
    for val in out.values():
        val[bad_all] = np.nan  # ArviZ returns NaN for any parameter with a NaN draw
    return {name: val.reshape(shape) for name, val in out.items()}


# --------------------------------------------------------------------------- ranks


def _z_table(size: int) -> np.ndarray:
    """Normal scores of every possible average rank (1, 1.5, ..., size) of `size` values."""
    ranks = np.arange(2 * size - 1) / 2 + 1  # half-integers, exactly as scipy's average ranks
    return stats.norm.ppf((ranks - _BLOM_C) / (size - 2 * _BLOM_C + 1))


def _tie_codes(sorted_vals: np.ndarray) -> np.ndarray:
    """2*(average rank) - 2 of each sorted value: start + end index of its tie group."""
    n_row, size = sorted_vals.shape
    codes = np.broadcast_to(2 * np.arange(size), (n_row, size))
    tie = sorted_vals[:, 1:] == sorted_vals[:, :-1]  # tie[r, i]: values i and i+1 equal
    rows, pos = np.nonzero(tie)
    if len(rows) == 0:
        return codes
    codes = codes.copy()
    # runs of consecutive tie pairs in one row form one tie group [first, last]
    brk = np.ones(len(rows) + 1, dtype=bool)
    brk[1:-1] = (rows[1:] != rows[:-1]) | (pos[1:] != pos[:-1] + 1)
    run_id = np.cumsum(brk[:-1]) - 1
    first = pos[brk[:-1]]
    last = pos[brk[1:]] + 1
    code = (first + last)[run_id]
    codes[rows, pos] = code
    codes[rows, pos + 1] = code
    return codes


def _z_from_sorted(sorted_vals: np.ndarray, order: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Rank-normalised z-scores (ArviZ ``_z_scale``) of rows given their sort order."""
    z = np.empty(sorted_vals.shape)
    np.put_along_axis(z, order, table[_tie_codes(sorted_vals)], axis=1)
    return z


def _z_folded(
    flat: np.ndarray,
    sorted_vals: np.ndarray,
    order: np.ndarray,
    table: np.ndarray,
    shape: tuple[int, ...],
) -> np.ndarray:
    """z-scores of |split - median(split)|, reusing the sort of the split draws."""
    size = flat.shape[1]
    h = size // 2  # size is even (2 * chains * half)
    med = (sorted_vals[:, h - 1] + sorted_vals[:, h]) / 2
    folded_sorted_pos = np.abs(sorted_vals - med[:, None])
    # below the median |x - med| decreases with x, above it increases: two sorted runs
    runs = np.concatenate([folded_sorted_pos[:, :h][:, ::-1], folded_sorted_pos[:, h:]], axis=1)
    perm = np.argsort(runs, axis=-1)
    run_to_sorted = np.concatenate([np.arange(h - 1, -1, -1), np.arange(h, size)])
    folded_order = np.take_along_axis(order, run_to_sorted[perm], axis=1)
    folded_sorted = np.take_along_axis(runs, perm, axis=1)
    return _z_from_sorted(folded_sorted, folded_order, table).reshape(shape)


# --------------------------------------------------------------------------- reductions


def _pairwise_sum(rows: np.ndarray) -> np.ndarray:
    """Sum over axis 1 in numpy's pairwise order for a 1-D array, for every row and column."""
    m = rows.shape[1]
    if m < 8:
        res = np.zeros_like(rows[:, 0])
        for j in range(m):
            res = res + rows[:, j]
        return res
    if m > 128:
        m2 = m // 2
        m2 -= m2 % 8
        return _pairwise_sum(rows[:, :m2]) + _pairwise_sum(rows[:, m2:])
    r = [rows[:, j].copy() for j in range(8)]
    i = 8
    while i < m - (m % 8):
        for j in range(8):
            r[j] += rows[:, i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for j in range(i, m):
        res = res + rows[:, j]
    return res


def _onepass_var(rows: np.ndarray, axis: int, ddof: int) -> np.ndarray:
    """ArviZ's numba ``stats_variance_1d``: sequential sums, var = E[x^2] - E[x]^2."""
    n = rows.shape[axis]
    a_a = np.cumsum(rows, axis=axis).take(-1, axis=axis)
    b_b = np.cumsum(rows * rows, axis=axis).take(-1, axis=axis)
    var = b_b / n - (a_a / n) ** 2
    return var * (n / (n - ddof))


def _rhat_classic(z: np.ndarray) -> np.ndarray:
    """Classic R-hat (ArviZ ``_rhat``) of (param, chain, draw) arrays."""
    n = z.shape[2]
    chain_mean = z.mean(axis=2)
    chain_var = _onepass_var(z, axis=2, ddof=1)
    between = n * _onepass_var(chain_mean, axis=1, ddof=1)
    within = _pairwise_sum(chain_var) / chain_var.shape[1]
    return np.sqrt((between / within + n - 1) / n)


# --------------------------------------------------------------------------- ESS


def _rho_matrix(ary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Autocorrelation estimates rho_t (lag, param) as in ArviZ ``_ess``, and a constant flag."""
    n_par, n_chain, n = ary.shape
    flat = ary.reshape(n_par, -1)
    const = (flat.max(axis=1) - flat.min(axis=1)) < np.finfo(float).resolution
    m = next_fast_len(2 * n)
    centred = ary - ary.mean(axis=2, keepdims=True)
    spec = np.fft.rfft(centred, n=m, axis=2)
    spec *= np.conjugate(spec)
    acov = np.fft.irfft(spec, n=m, axis=2)[:, :, :n]
    acov /= n
    chain_mean = ary.mean(axis=2)
    mean_acov = _pairwise_sum(acov) / n_chain  # (param, lag)
    mean_var = mean_acov[:, 0] * n / (n - 1.0)
    var_plus = mean_var * (n - 1.0) / n
    if n_chain > 1:
        var_plus = var_plus + _onepass_var(chain_mean, axis=1, ddof=1)
    rho = 1.0 - (mean_var[:, None] - mean_acov) / var_plus[:, None]
    rho[:, 0] = 1.0
    return np.ascontiguousarray(rho.T), const


def _ess_from_rho(rho: np.ndarray, const: np.ndarray, size: int) -> np.ndarray:
    """Geyer initial positive + monotone sequences on rho (lag, param), vectorised."""
    n, n_par = rho.shape
    rho_hat = np.zeros_like(rho)
    rho_hat[0] = 1.0
    rho_hat[1] = rho[1]
    even = np.ones(n_par)
    odd = rho[1].copy()
    active = np.ones(n_par, dtype=bool)
    t_end = np.ones(n_par, dtype=np.int64)
    for t in range(1, n - 3, 2):
        active &= (even + odd) > 0.0
        if not active.any():
            break
        e, o = rho[t + 1], rho[t + 2]
        even = np.where(active, e, even)
        odd = np.where(active, o, odd)
        store = active & ((e + o) >= 0)
        rho_hat[t + 1] = np.where(store, e, 0.0)
        rho_hat[t + 2] = np.where(store, o, 0.0)
        t_end += active
        t_end += active
    max_t = t_end - 2
    cols = np.arange(n_par)
    improve = even > 0
    rho_hat[max_t[improve] + 1, cols[improve]] = even[improve]
    for t in range(1, int(max_t.max(initial=-1)) - 1, 2):
        prev = rho_hat[t - 1] + rho_hat[t]
        swap = (t <= max_t - 2) & ((rho_hat[t + 1] + rho_hat[t + 2]) > prev)
        if swap.any():
            half_prev = prev / 2.0
            rho_hat[t + 1] = np.where(swap, half_prev, rho_hat[t + 1])
            rho_hat[t + 2] = np.where(swap, half_prev, rho_hat[t + 2])
    lags = np.arange(n)[:, None]
    head = np.where(lags <= max_t, rho_hat, 0.0).sum(axis=0)
    tail = rho_hat[max_t + 1, cols]
    tau = -1.0 + 2.0 * head + tail
    floor = 1 / np.log10(size)
    tau = np.where(floor > tau, floor, tau)
    ess = size / tau
    ess[np.isnan(rho_hat[1])] = np.nan
    ess[const] = size
    return ess


# --------------------------------------------------------------------------- quantile


def _type7_quantile(flat: np.ndarray, sorted_vals: np.ndarray | None, prob: float) -> np.ndarray:
    """Per-row quantile with the arithmetic of ``scipy.stats.mstats.mquantiles(.., 1, 1)``."""
    n = flat.shape[1]
    p = np.atleast_1d(np.asarray(prob))
    m = 1 + p * (1.0 - 1 - 1)
    aleph = n * p + m
    k = int(np.floor(aleph.clip(1, n - 1)).astype(int)[0])
    gamma = float((aleph - k).clip(0, 1)[0])
    if sorted_vals is None:
        part = np.partition(flat, [k - 1, k], axis=1)
        lo, hi = part[:, k - 1], part[:, k]
    else:
        lo, hi = sorted_vals[:, k - 1], sorted_vals[:, k]
    return (1.0 - gamma) * lo + gamma * hi

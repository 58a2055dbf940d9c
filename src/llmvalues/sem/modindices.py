"""Modification indices: score tests for parameters the model fixes at zero."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .estimation import Discrepancy, Estimate, information


def _candidates(model) -> list[tuple[int, str, int, int]]:
    used = {(q.group, q.mat, q.row, q.col) for q in model.params}
    out = []
    for g in range(model.n_groups):
        for f in range(model.m):
            for i in range(model.p):
                if (g, "lambda", i, f) not in used:
                    out.append((g, "lambda", i, f))
        for i in range(model.p):
            for j in range(i):
                if (g, "theta", i, j) not in used:
                    out.append((g, "theta", i, j))
    return out


def modification_indices(disc: Discrepancy, est: Estimate, group_labels: list[str]) -> pd.DataFrame:
    """Score-test chi-square (1 df) and expected parameter change of each fixed-zero parameter."""
    model = disc.model
    cands = _candidates(model)
    cols = ["lhs", "op", "rhs", "group", "mi", "epc"]
    if not cands:
        return pd.DataFrame(columns=cols)
    mats = model.matrices(est.theta)
    weights = disc.moment_weights(est.moments)
    info = information(disc, est)
    try:
        info_inv = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return pd.DataFrame(columns=cols)
    grads = [disc.group_value(g, m)[1] for g, m in enumerate(est.moments)]
    rows = []
    h = 1e-6
    for g, mat, r, c in cands:
        col = _moment_column(model, mats[g], mat, r, c, h)
        f = disc.frac[g]
        d = 0.5 * f * float(grads[g] @ col)
        wcol = weights[g] * col if weights[g].ndim == 1 else weights[g] @ col
        i_cc = f * float(col @ wcol)
        i_ct = f * (wcol @ est.jacobian[g])
        schur = i_cc - float(i_ct @ info_inv @ i_ct)
        if schur <= 1e-10 * max(i_cc, 1e-300):
            continue
        mi = disc.n_total * d * d / schur
        if mat == "lambda":
            lhs, op, rhs = model.factors[c], "=~", model.items[r]
        else:
            lhs, op, rhs = model.items[c], "~~", model.items[r]
        rows.append((lhs, op, rhs, group_labels[g], mi, -d / schur))
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values("mi", ascending=False, ignore_index=True)


def _moment_column(model, mats, mat, r, c, h) -> np.ndarray:
    def moments_with(delta):
        m = {k: v.copy() for k, v in mats.items()}
        m[mat][r, c] += delta
        if mat == "theta":
            m[mat][c, r] += delta
        if model.ordinal:
            common = m["lambda"] @ m["psi"] @ m["lambda"].T
            np.fill_diagonal(m["theta"], 1.0 / m["delta"][:, 0] ** 2 - np.diag(common))
        sigma, mu = model.implied(m)
        if model.ordinal:
            return np.concatenate([mu, sigma[np.tril_indices(model.p, -1)]])
        v = sigma[np.tril_indices(model.p)]
        return np.concatenate([v, mu]) if model.meanstructure else v

    return (moments_with(h) - moments_with(-h)) / (2 * h)

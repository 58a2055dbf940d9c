"""Parameter table and model-implied moments of a (multi-group) confirmatory factor model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .syntax import ModelSpec, ModelSyntaxError

#: group_equal keywords (lavaan's names) and the matrices they tie across groups
EQUALITY_KEYWORDS = {
    "loadings": ("lambda", None),
    "intercepts": ("nu", None),
    "thresholds": ("tau", None),
    "residuals": ("theta", "diag"),
    "residual.covariances": ("theta", "offdiag"),
    "lv.variances": ("psi", "diag"),
    "lv.covariances": ("psi", "offdiag"),
    "means": ("alpha", None),
}
_SYMMETRIC = ("psi", "theta")


@dataclass(frozen=True)
class Param:
    """One entry of the parameter table: a matrix cell in one group, free or fixed."""

    group: int
    mat: str
    row: int
    col: int
    free: int  # index into the free-parameter vector, -1 if fixed
    value: float  # fixed value, or start value of a free parameter


class MeasurementModel:
    """Map a free-parameter vector to each group's implied moments.

    Continuous ("ml"): Sigma = Lambda Psi Lambda' + Theta, mu = nu + Lambda alpha; moments are
    vech(Sigma) (and mu with a mean structure). Ordinal ("dwls", delta parameterisation as in
    lavaan): thresholds tau* = Delta (tau - Lambda alpha) and the off-diagonal latent-response
    correlations Delta (Lambda Psi Lambda' + Theta) Delta, with Theta's diagonal implied.
    """

    def __init__(
        self,
        spec: ModelSpec,
        n_groups: int = 1,
        group_equal: tuple[str, ...] = (),
        *,
        ordinal: bool = False,
        meanstructure: bool = False,
        n_thresholds: list[int] | None = None,
    ) -> None:
        self.spec = spec
        self.items = spec.items
        self.factors = spec.factor_names
        self.p, self.m, self.n_groups = len(self.items), len(self.factors), n_groups
        self.ordinal = ordinal
        self.meanstructure = meanstructure or (n_groups > 1 and not ordinal)
        self.n_thresholds = list(n_thresholds or [])
        if ordinal and len(self.n_thresholds) != self.p:
            raise ValueError("ordinal models need the number of thresholds of every item")
        unknown = [k for k in group_equal if k not in EQUALITY_KEYWORDS]
        if unknown:
            raise ModelSyntaxError(
                f"group_equal {unknown} not understood: choose from {list(EQUALITY_KEYWORDS)}"
            )
        if ordinal and "intercepts" in group_equal:
            group_equal = (*(k for k in group_equal if k != "intercepts"), "thresholds")
        if ordinal and "residuals" in group_equal:
            raise ModelSyntaxError(
                "group_equal='residuals' is not available for the ordinal estimator "
                "(residual variances are not free parameters in the delta parameterisation)"
            )
        self.group_equal = tuple(dict.fromkeys(group_equal))
        self.params: list[Param] = []
        self._build()
        self._compile()

    # ------------------------------------------------------------------ building
    def _tied(self, mat: str, row: int, col: int) -> bool:
        for key in self.group_equal:
            target, part = EQUALITY_KEYWORDS[key]
            if target != mat:
                continue
            if part is None or (part == "diag") == (row == col):
                return True
        return False

    def _build(self) -> None:
        items, factors = self.items, self.factors
        ii = {n: k for k, n in enumerate(items)}
        ff = {n: k for k, n in enumerate(factors)}
        entries: list[tuple[str, int, int, float | None, float]] = []  # fixed value or None
        for f, terms in self.spec.factors.items():
            for pos, t in enumerate(terms):
                if t.fixed is not None:
                    entries.append(("lambda", ii[t.name], ff[f], t.fixed, t.fixed))
                elif pos == 0 and not t.free:
                    entries.append(("lambda", ii[t.name], ff[f], 1.0, 1.0))
                else:
                    entries.append(("lambda", ii[t.name], ff[f], None, 0.7))
        fixed_cov: dict[tuple[str, int, int], float | None] = {}
        for lhs, t in self.spec.covariances:
            if lhs in ff and t.name in ff:
                a, b = sorted((ff[lhs], ff[t.name]), reverse=True)
                fixed_cov[("psi", a, b)] = t.fixed
            elif lhs in ii and t.name in ii:
                a, b = sorted((ii[lhs], ii[t.name]), reverse=True)
                if a == b and self.ordinal:
                    raise ModelSyntaxError(
                        f"{lhs} ~~ {t.name}: residual variances are implied, not free, "
                        "for the ordinal estimator"
                    )
                fixed_cov[("theta", a, b)] = t.fixed
            else:
                unknown = [n for n in (lhs, t.name) if n not in ff and n not in ii]
                if unknown:
                    raise ModelSyntaxError(
                        f"'{lhs} ~~ {t.name}': {unknown[0]!r} is not in the model"
                    )
                raise ModelSyntaxError(
                    f"'{lhs} ~~ {t.name}': covariances between a factor and an item are not "
                    "part of a measurement model"
                )
        for a in range(self.m):
            for b in range(a + 1):
                fix = fixed_cov.pop(("psi", a, b), None) if ("psi", a, b) in fixed_cov else None
                entries.append(("psi", a, b, fix, 0.5 if a == b else 0.0))
        if not self.ordinal:
            for a in range(self.p):
                fix = fixed_cov.pop(("theta", a, a), None) if ("theta", a, a) in fixed_cov else None
                entries.append(("theta", a, a, fix, 0.5))
        for (mat, a, b), fix in fixed_cov.items():
            entries.append((mat, a, b, fix, 0.0))
        base = entries
        counter = 0
        shared: dict[tuple[str, int, int], int] = {}
        g_extra = self._group_specific()
        for g in range(self.n_groups):
            rows = base + g_extra[g]
            for mat, r, c, fixed, start in rows:
                if fixed is not None:
                    self.params.append(Param(g, mat, r, c, -1, float(fixed)))
                    continue
                key = (mat, r, c)
                if g > 0 and self._tied(mat, r, c) and key in shared:
                    idx = shared[key]
                else:
                    idx = counter
                    counter += 1
                    shared.setdefault(key, idx)
                self.params.append(Param(g, mat, r, c, idx, start))
        self.n_free = counter

    def _group_specific(self) -> list[list[tuple[str, int, int, float | None, float]]]:
        out = []
        means_free = (not self.ordinal and "intercepts" in self.group_equal) or (
            self.ordinal and "thresholds" in self.group_equal
        )
        for g in range(self.n_groups):
            rows: list[tuple[str, int, int, float | None, float]] = []
            if self.ordinal:
                k = 0
                for _item, nt in enumerate(self.n_thresholds):
                    for _ in range(nt):
                        rows.append(("tau", k, 0, None, 0.0))
                        k += 1
                for a in range(self.p):
                    rows.append(("delta", a, 0, None if (means_free and g > 0) else 1.0, 1.0))
            elif self.meanstructure:
                for a in range(self.p):
                    rows.append(("nu", a, 0, None, 0.0))
            if self.meanstructure or self.ordinal:
                for a in range(self.m):
                    rows.append(("alpha", a, 0, None if (means_free and g > 0) else 0.0, 0.0))
            out.append(rows)
        return out

    def _compile(self) -> None:
        p, m = self.p, self.m
        t = sum(self.n_thresholds)
        shapes = {
            "lambda": (p, m),
            "psi": (m, m),
            "theta": (p, p),
            "nu": (p, 1),
            "alpha": (m, 1),
            "tau": (t, 1),
            "delta": (p, 1),
        }
        self._base = []
        self._free = []
        for g in range(self.n_groups):
            base = {k: np.zeros(s) for k, s in shapes.items()}
            base["delta"][:] = 1.0
            free: dict[str, tuple[np.ndarray, np.ndarray]] = {}
            acc: dict[str, tuple[list[int], list[int]]] = {}
            for par in (q for q in self.params if q.group == g):
                cells = [(par.row, par.col)]
                if par.mat in _SYMMETRIC and par.row != par.col:
                    cells.append((par.col, par.row))
                for r, c in cells:
                    flat = r * shapes[par.mat][1] + c
                    if par.free < 0:
                        base[par.mat].flat[flat] = par.value
                    else:
                        acc.setdefault(par.mat, ([], []))
                        acc[par.mat][0].append(flat)
                        acc[par.mat][1].append(par.free)
            for k, (flat, idx) in acc.items():
                free[k] = (np.array(flat), np.array(idx))
            self._base.append(base)
            self._free.append(free)
        self._tril = np.tril_indices(p)
        self._offdiag = np.tril_indices(p, -1)
        self.identified_check()

    def identified_check(self) -> None:
        """Raise on the simple, common causes of a non-identified factor model."""
        for f, terms in self.spec.factors.items():
            fixed_scale = any(t.fixed not in (None, 0.0) for t in terms) or not terms[0].free
            k = self.factors.index(f)
            var_fixed = any(
                q.mat == "psi" and q.row == k and q.col == k and q.free < 0 for q in self.params
            )
            if not fixed_scale and not var_fixed:
                raise ModelSyntaxError(
                    f"factor {f!r} is not identified: its scale is not set (fix one loading, "
                    f"e.g. '1*{terms[0].name}', or its variance, '{f} ~~ 1*{f}')"
                )
            if len(terms) == 1:
                raise ModelSyntaxError(
                    f"factor {f!r} has a single indicator ({terms[0].name}); it is not identified"
                )
            if len(terms) == 2 and self.m == 1:
                raise ModelSyntaxError(
                    f"factor {f!r} has only two indicators and no other factor; "
                    "a one-factor model needs at least three"
                )

    # ----------------------------------------------------------------- evaluation
    def matrices(self, theta: np.ndarray) -> list[dict[str, np.ndarray]]:
        """Fill each group's matrices from the free-parameter vector."""
        out = []
        for base, free in zip(self._base, self._free, strict=True):
            mats = {k: v.copy() for k, v in base.items()}
            for k, (flat, idx) in free.items():
                mats[k].flat[flat] = theta[idx]
            if self.ordinal:
                common = mats["lambda"] @ mats["psi"] @ mats["lambda"].T
                d = mats["delta"][:, 0]
                np.fill_diagonal(mats["theta"], 1.0 / d**2 - np.diag(common))
            out.append(mats)
        return out

    def implied(self, mats: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """One group's implied covariance (or latent-response correlation) and means/thresholds."""
        lam, psi, theta = mats["lambda"], mats["psi"], mats["theta"]
        sigma = lam @ psi @ lam.T + theta
        if self.ordinal:
            d = mats["delta"][:, 0]
            sigma = sigma * np.outer(d, d)
            la = (lam @ mats["alpha"])[:, 0]
            item_of = np.repeat(np.arange(self.p), self.n_thresholds)
            tau = d[item_of] * (mats["tau"][:, 0] - la[item_of])
            return sigma, tau
        mu = (mats["nu"] + lam @ mats["alpha"])[:, 0]
        return sigma, mu

    def moments(self, theta: np.ndarray) -> list[np.ndarray]:
        """Each group's implied moment vector, in the order of the sample statistics."""
        out = []
        for mats in self.matrices(theta):
            sigma, mu = self.implied(mats)
            if self.ordinal:
                out.append(np.concatenate([mu, sigma[self._offdiag]]))
            elif self.meanstructure:
                out.append(np.concatenate([sigma[self._tril], mu]))
            else:
                out.append(sigma[self._tril])
        return out

    def jacobian(self, theta: np.ndarray, h: float = 1e-6) -> list[np.ndarray]:
        """Central-difference Jacobian of each group's moments (exact up to O(h^2))."""
        cols: list[list[np.ndarray]] = [[] for _ in range(self.n_groups)]
        for k in range(self.n_free):
            up, dn = theta.copy(), theta.copy()
            up[k] += h
            dn[k] -= h
            for g, (a, b) in enumerate(zip(self.moments(up), self.moments(dn), strict=True)):
                cols[g].append((a - b) / (2 * h))
        return [np.column_stack(c) if c else np.zeros((0, 0)) for c in cols]

    def free_labels(self) -> list[Param]:
        """The first table entry of each free parameter (for naming)."""
        first: dict[int, Param] = {}
        for q in self.params:
            if q.free >= 0 and q.free not in first:
                first[q.free] = q
        return [first[k] for k in range(self.n_free)]

    def start_values(self, sample: list[dict[str, np.ndarray]]) -> np.ndarray:
        """Start values from each group's sample moments (marker-item regressions)."""
        theta = np.zeros(self.n_free)
        seen = np.zeros(self.n_free, dtype=bool)
        for g, stats in enumerate(sample):
            cov = stats["cov"]
            for q in self.params:
                if q.group != g or q.free < 0 or seen[q.free]:
                    continue
                value = q.value
                if q.mat == "theta" and q.row == q.col:
                    value = 0.5 * cov[q.row, q.row]
                elif q.mat == "psi" and q.row == q.col:
                    marker = self._marker(q.row)
                    value = 0.5 * cov[marker, marker] if marker is not None else 1.0
                elif q.mat == "lambda":
                    marker = self._marker(q.col)
                    if marker is not None and cov[marker, marker] > 0:
                        value = cov[q.row, marker] / (0.5 * cov[marker, marker])
                        bound = 3.0 * np.sqrt(cov[q.row, q.row] / cov[marker, marker])
                        value = float(np.clip(value, -bound, bound)) or 0.1 * bound
                    else:
                        value = 0.7
                elif q.mat == "nu":
                    value = stats["mean"][q.row]
                elif q.mat == "tau":
                    value = stats["tau"][q.row]
                theta[q.free] = value
                seen[q.free] = True
        return theta

    def _marker(self, k: int) -> int | None:
        for q in self.params:
            if q.group == 0 and q.mat == "lambda" and q.col == k and q.free < 0 and q.value:
                return q.row
        return None

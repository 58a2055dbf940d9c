"""Write synthetic WVS/EVS trend files (.sav, .dta, .csv) with a planted two-factor structure.

No real survey data: respondents are drawn from latent traditional/secular (t) and
survival/self-expression (s) scores around known country-year means, and each item is an
ordinal variable on its real IVS scale driven by one of the two latent scores.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from llmvalues.instruments.recode import autonomy_index, postmaterialist_index

# IVS country code → planted (t, s) latent means of its first survey; the second survey moves.
COUNTRIES = {
    752: (1.3, 1.6),  # Sweden
    392: (1.5, -0.1),  # Japan
    840: (-0.2, 1.1),  # United States
    818: (-1.4, -1.2),  # Egypt
    356: (-0.7, -0.5),  # India
    704: (0.6, -0.9),  # Vietnam
    76: (-0.9, 0.4),  # Brazil
    643: (0.9, -1.5),  # Russia
    909: (-0.4, 0.8),  # Northern Ireland (IVS-specific code)
}
WVS_SURVEYS = ((2012, 6), (2018, 7))  # (S020, S002)
EVS_SURVEYS = ((2008, 4), (2017, 5))  # (S020, S002EVS)
SHIFT = (0.25, 0.35)  # (t, s) change between a country's two surveys

# item → (latent, sign, codes): sign + means higher codes are more secular / self-expressive
SCALES = {
    "F063": ("t", -1, tuple(range(1, 11))),
    "F120": ("t", +1, tuple(range(1, 11))),
    "G006": ("t", +1, (1, 2, 3, 4)),
    "E018": ("t", +1, (1, 2, 3)),
    "A008": ("s", -1, (1, 2, 3, 4)),
    "F118": ("s", +1, tuple(range(1, 11))),
    "E025": ("s", -1, (1, 2, 3)),
    "A165": ("s", -1, (1, 2)),
}
MISSING_LABELS = {-1: "Don't know", -2: "No answer", -4: "Not asked", -5: "Missing: other"}
MENTION_LABELS = {1: "Mentioned", 0: "Not mentioned", **MISSING_LABELS}
AIM_LABELS = {1: "Maintaining order", 2: "More say", 3: "Fighting prices", 4: "Free speech"}


def _logistic(v: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-v))


def _ordinal(latent: np.ndarray, sign: int, codes: tuple, rng) -> np.ndarray:
    """Codes on the item's scale from a noisy linear function of the latent score."""
    signal = sign * 0.9 * latent + rng.normal(0, 0.55, latent.size)
    cuts = np.linspace(-1.6, 1.6, len(codes) - 1)
    return np.asarray(codes)[np.searchsorted(cuts, signal)]


def _aims(s: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """First and second aims (E003, E004): post-materialist ones likelier when s is high."""
    first, second = np.empty(s.size, int), np.empty(s.size, int)
    for i, p in enumerate(_logistic(1.2 * s)):
        groups = [(2, 4), (1, 3)]  # post-materialist, materialist
        a = rng.choice(groups[0] if rng.random() < p else groups[1])
        options = [g for g in groups[0] + groups[1] if g != a]
        weights = np.array([p if g in (2, 4) else 1 - p for g in options])
        first[i], second[i] = a, rng.choice(options, p=weights / weights.sum())
    return first, second


def make_trend_frame(
    kind: str = "wvs",
    n: int = 150,
    seed: int = 0,
    missing_rate: float = 0.03,
    countries: dict[int, tuple[float, float]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw trend-file variables (UPPER case, IVS codes) and the planted country-year means.

    kind "wvs" carries Y003/Y002 ready-made (S001=2, S002); "evs" carries the child
    qualities A029/A039/A040/A042 and aims E003/E004 instead (S001=1, S002EVS).
    ``countries`` replaces the planted (t, s) means of each country's first survey.
    """
    rng = np.random.default_rng(seed)
    surveys = WVS_SURVEYS if kind == "wvs" else EVS_SURVEYS
    frames, truth = [], []
    for code, (t0, s0) in (countries or COUNTRIES).items():
        for k, (year, wave) in enumerate(surveys):
            t_mean, s_mean = t0 + k * SHIFT[0], s0 + k * SHIFT[1]
            truth.append(
                {"s003": code, "year": year, "s025": code * 10000 + year, "t": t_mean, "s": s_mean}
            )
            frame = pd.DataFrame(
                {"S003": code, "S020": year, "S025": code * 10000 + year}, index=range(n)
            )
            frame["S001"] = 2 if kind == "wvs" else 1
            frame["S002" if kind == "wvs" else "S002EVS"] = wave
            frame["_t"] = t_mean + rng.normal(0, 1, n)
            frame["_s"] = s_mean + rng.normal(0, 1, n)
            frames.append(frame)
    raw = pd.concat(frames, ignore_index=True)
    t, s = raw.pop("_t").to_numpy(), raw.pop("_s").to_numpy()
    raw["S017"] = rng.uniform(0.5, 2.0, len(raw)).round(4)
    raw["S018"] = rng.uniform(0.8, 1.2, len(raw)).round(4)
    for name, (latent, sign, codes) in SCALES.items():
        raw[name] = _ordinal(t if latent == "t" else s, sign, codes, rng)
    quality = {
        "A029": _logistic(1.3 * t),  # independence
        "A039": _logistic(1.3 * t - 0.4),  # determination, perseverance
        "A040": _logistic(-1.3 * t),  # religious faith
        "A042": _logistic(-1.3 * t - 0.4),  # obedience
    }
    components = {k: (rng.random(len(raw)) < p).astype(int) for k, p in quality.items()}
    first, second = _aims(s, rng)
    if kind == "wvs":
        raw["Y003"] = autonomy_index(*components.values()).astype(int)
        raw["Y002"] = [postmaterialist_index(a, b) for a, b in zip(first, second, strict=True)]
    else:
        raw = raw.assign(**components, E003=first, E004=second)
    _plant_missing(raw, rng, missing_rate)
    return raw, pd.DataFrame(truth)


def _plant_missing(raw: pd.DataFrame, rng, rate: float) -> None:
    """IVS missing codes in the answers: −1/−2/−4 for items and components, −5 for Y003."""
    answers = [c for c in raw.columns if c[0] in "AEFGY"]
    for name in answers:
        hit = rng.random(len(raw)) < rate
        raw.loc[hit, name] = -5 if name == "Y003" else rng.choice([-1, -2, -4], hit.sum())


def value_labels(raw: pd.DataFrame) -> dict[str, dict[int, str]]:
    """Value labels like the trend files': scale ends, mention codes, missing codes."""
    labels = {}
    for name in raw.columns:
        if name in ("A029", "A039", "A040", "A042"):
            labels[name] = dict(MENTION_LABELS)
        elif name in ("E003", "E004"):
            labels[name] = {**AIM_LABELS, **MISSING_LABELS}
        elif name == "Y003":
            labels[name] = {
                -2: "Obedience/Religious faith",
                2: "Determination/Independence",
                -5: "Missing",
            }
        elif name in SCALES or name == "Y002":
            labels[name] = dict(MISSING_LABELS)
    return labels


def write_trend_file(path: str | Path, raw: pd.DataFrame, labels: dict | None = None) -> Path:
    """Write raw variables as .sav (negative codes user-missing), .dta or .csv, by suffix."""
    path = Path(path)
    labels = value_labels(raw) if labels is None else labels
    if path.suffix == ".sav":
        missing = {n: [{"lo": -5, "hi": -1}] for n in labels if n != "Y003"}
        if "Y003" in labels:
            missing["Y003"] = [-5, -4]
        pyreadstat.write_sav(raw, path, variable_value_labels=labels, missing_ranges=missing)
    elif path.suffix == ".dta":
        pyreadstat.write_dta(raw, path, variable_value_labels=labels)
    elif path.suffix == ".csv":
        raw.to_csv(path, index=False)
    else:
        raise ValueError(f"unsupported suffix {path.suffix}")
    return path

"""Public entry points: place identities (models × prompts) on the Inglehart–Welzel map."""

from __future__ import annotations

import pandas as pd

from llmvalues.instruments import load_instrument
from llmvalues.iw import classic
from llmvalues.iw.languages import by_language
from llmvalues.iw.mapfit import MapFit
from llmvalues.iw.presets import DEFAULT_PRESET, Preset, load_preset
from llmvalues.responses import ResponsesError, from_wide, rename_roles, validate_responses

METHODS = ("classic", "hierarchical")
CLASSIC_OPTIONS = ("averaging", "n_bootstrap", "random_seed")


def _as_tidy(
    responses: pd.DataFrame,
    identity: str | None,
    variant: str | None,
    replicate: str | None,
    pool_languages: bool = False,
) -> pd.DataFrame:
    """The validated tidy table from a tidy or a wide one (item columns named by IVS code),
    with one identity per language unless ``pool_languages``.

    The one validation of a ``fit_map`` call: ``from_wide`` validates what it builds; a
    tidy table is split by language first, so that an identity asked in two languages
    with the same variant names is two identities, not a duplicate.
    """
    if not isinstance(responses, pd.DataFrame):
        raise ResponsesError(
            f"responses must be a pandas DataFrame, got {type(responses).__name__}"
        )
    codes = set(load_instrument().codes)
    wide = len(codes & {str(c).strip().lower() for c in responses.columns}) == len(codes)
    if wide:
        tidy = from_wide(responses, identity=identity, variant=variant, replicate=replicate)
        return by_language(tidy, pool_languages)
    tidy = rename_roles(responses, identity, variant, replicate)
    return validate_responses(by_language(tidy, pool_languages))


def fit_map(
    responses: pd.DataFrame,
    preset: str | Preset = DEFAULT_PRESET,
    method: str = "hierarchical",
    identity: str | None = "identity",
    variant: str | None = None,
    replicate: str | None = None,
    pool_languages: bool = False,
    **options,
) -> MapFit:
    """Place each identity on the IW map.

    Both methods return a :class:`~llmvalues.iw.mapfit.MapFit` with the same members and
    tables (``centroids``, ``points``, ``distances()``, ``mean_distance()``,
    ``cultural_prompting()``, ``nearest()``, ``summary()``, ``plot()`` …).

    Parameters
    ----------
    responses
        The tidy Responses table, or a wide table (one row per response set, one column
        per item named by IVS code in any case).
    preset
        A built-in preset name or a :class:`Preset`.
    method
        ``"hierarchical"`` (default): the Bayesian ordinal model with prompt-variant
        effects, credible intervals; ``options`` are the keyword arguments of
        :class:`llmvalues.iw.bayes.estimator.HierarchicalMap` (``estimand``, ``sampler``
        (``"pymc"``, ``"nutpie"``, ``"numpyro"``), ``draws``,
        ``chains``, ``random_seed`` …). ``"classic"``: project complete response sets and
        average them per identity (Tao et al.'s computation) with bootstrap intervals;
        options ``averaging`` (``"variants"``: the available-item computation),
        ``n_bootstrap`` and ``random_seed``.
    identity, variant, replicate
        Names of those columns (in a wide table, or to rename in a tidy one).
    pool_languages
        Fits never pool languages: by default an identity whose rows name several
        languages (column ``language``) becomes one identity per language (``"m"`` for
        English, ``"m | zh"``); ``True`` keeps it whole, each language a prompt variant
        (``"lv01/zh"``), with the languages pooled recorded in its ``language`` attribute
        (``"en+zh"``) and stated in the summary.
    **options
        Method options (above).

    Returns
    -------
    MapFit
        :class:`~llmvalues.iw.classic.ClassicMapFit` or
        :class:`~llmvalues.iw.bayes.results.HierarchicalMapFit`.

    Raises
    ------
    llmvalues.ResponsesError
        Bad input, naming the column, row and item (validated once, here).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {list(METHODS)}")
    chosen = load_preset(preset)
    if method == "classic":
        unknown = sorted(set(options) - set(CLASSIC_OPTIONS))
        if unknown:
            raise TypeError(
                f"method='classic' takes only the options {list(CLASSIC_OPTIONS)}, got {unknown}"
            )
        return classic._fit_validated(
            _as_tidy(responses, identity, variant, replicate, pool_languages), chosen, **options
        )
    # imported here: PyMC takes a second or more to import, and most commands never need it
    from llmvalues.iw.bayes.estimator import HierarchicalMap

    estimator = HierarchicalMap(chosen, **options)
    tidy = _as_tidy(responses, identity, variant, replicate, pool_languages)
    return estimator._fit_validated(tidy).result_

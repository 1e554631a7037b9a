"""Random-effects pooling of effects (layer 3 of the statistics package; see __init__): I², tau²
by DerSimonian-Laird or REML, Cochran's Q and a prediction interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats
from statsmodels.stats.meta_analysis import combine_effects

from components.analysis.stats.effects import (
    CONFIDENCE,
    POOLING_METHODS,
    PROPORTION,
    RISK_RATIO,
    Effect,
    logit_and_variance,
    proportion_effect,
    two_sided,
)


@dataclass(frozen=True)
class Pooled:
    """A pooled estimate on the same natural scale as the effects it pools.

    `i2` is in percent; `tau2` and `q` are on the pooling scale (log for risk ratios, logit for
    proportions). Heterogeneity is None for a single study; the prediction interval needs k >= 3.
    """

    estimate: float
    ci_low: float
    ci_high: float
    k: int
    n_patients: int
    i2: float | None
    tau2: float | None
    q: float | None
    pi_low: float | None
    pi_high: float | None


# ---------------------------------------------------------------------------------------------
# Pooling


def _reml_tau2(y: np.ndarray, variances: np.ndarray) -> float:
    """Between-study variance by restricted maximum likelihood (Viechtbauer 2005, Stat Med 24:3).

    Maximises the restricted log-likelihood of the normal-normal model over tau² >= 0:
    -1/2 [sum log(v_i + tau²) + log(sum w_i) + sum w_i (y_i - mu(tau²))²], w_i = 1 / (v_i + tau²).
    The upper bound (ten times the spread of the estimates plus their largest variance) is far beyond
    any maximum; a bounded scalar search cannot step below zero, so no truncation is needed.
    """

    def minus_restricted_log_likelihood(tau2: float) -> float:
        weights = 1 / (variances + tau2)
        mean = np.sum(weights * y) / np.sum(weights)
        return 0.5 * (np.sum(np.log(variances + tau2)) + math.log(np.sum(weights)) + np.sum(weights * (y - mean) ** 2))

    upper = 10 * (float(np.var(y)) + float(np.max(variances))) + 1.0
    found = optimize.minimize_scalar(
        minus_restricted_log_likelihood, bounds=(0.0, upper), method="bounded", options={"xatol": 1e-10}
    )
    # The bounded search never evaluates the end points; compare with tau² = 0 explicitly.
    if minus_restricted_log_likelihood(0.0) <= found.fun:
        return 0.0
    return float(found.x)


def _random_effects(y: np.ndarray, variances: np.ndarray, method: str = "DL") -> dict[str, float | None]:
    """Random-effects pooling on the scale of `y`, tau² by DerSimonian-Laird (1986) or REML.

    DL: statsmodels' `combine_effects(method_re="dl")` does the moment estimate but leaves tau²
    negative when Q < k - 1; truncated at 0 (as DerSimonian-Laird define it) the random-effects model
    is the fixed-effect one, so its estimate is used then. REML: `_reml_tau2`, then the usual
    inverse-variance weights 1 / (v_i + tau²). Q and I² = max(0, (Q - df) / Q) (Higgins & Thompson
    2002) do not depend on the estimator. CI: estimate ± z x SE. Prediction interval (Higgins,
    Thompson & Spiegelhalter 2009; Riley, Higgins & Deeks 2011, BMJ 342:d549):
    estimate ± t(k-2) x sqrt(tau² + SE²), for k >= 3.
    """
    k = len(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        # With Q <= k - 1 statsmodels divides by a zero (or negative) total variance in results that
        # are discarded below; the warnings would only alarm.
        result = combine_effects(y, variances, method_re="dl")
    if method == "REML":
        tau2 = _reml_tau2(y, variances)
        weights = 1 / (variances + tau2)
        estimate, se = float(np.sum(weights * y) / np.sum(weights)), float(math.sqrt(1 / np.sum(weights)))
    elif result.tau2 > 0:
        tau2, estimate, se = float(result.tau2), float(result.mean_effect_re), float(result.sd_eff_w_re)
    else:
        tau2, estimate, se = 0.0, float(result.mean_effect_fe), float(result.sd_eff_w_fe)
    q = float(result.q)
    df = k - 1
    i2 = 100 * max(0.0, (q - df) / q) if q > 0 else 0.0
    z = stats.norm.ppf(two_sided(CONFIDENCE))
    pi_low = pi_high = None
    if k >= 3:
        half_width = stats.t.ppf(two_sided(CONFIDENCE), k - 2) * math.sqrt(tau2 + se**2)
        pi_low, pi_high = estimate - half_width, estimate + half_width
    return {
        "estimate": estimate,
        "ci_low": estimate - z * se,
        "ci_high": estimate + z * se,
        "i2": i2,
        "tau2": tau2,
        "q": q,
        "pi_low": pi_low,
        "pi_high": pi_high,
    }


def _back_transformed(
    numbers: dict[str, float | None], inverse: Callable[[float], float], k: int, n_patients: int
) -> Pooled:
    """Pooled numbers back on the natural scale; heterogeneity stays on the pooling scale."""
    on_scale = {key: (None if value is None else float(inverse(value))) for key, value in numbers.items()}
    return Pooled(
        estimate=on_scale["estimate"],
        ci_low=on_scale["ci_low"],
        ci_high=on_scale["ci_high"],
        k=k,
        n_patients=n_patients,
        i2=numbers["i2"],
        tau2=numbers["tau2"],
        q=numbers["q"],
        pi_low=on_scale["pi_low"],
        pi_high=on_scale["pi_high"],
    )


def _single(effect: Effect) -> Pooled:
    return Pooled(effect.estimate, effect.ci_low, effect.ci_high, 1, effect.n, None, None, None, None, None)


def pool(effects: Iterable[Effect | None], method: str = "DL") -> Pooled | None:
    """Random-effects pooling of effects of one kind; None entries are skipped.

    `method` names the tau² estimator: "DL" (DerSimonian-Laird) or "REML".

    Returns None for no effects and, for one effect, that study itself (k=1, no heterogeneity or
    prediction interval). Risk ratios are pooled on the log scale and proportions on the logit scale
    (through `pool_proportions`), then back-transformed. Raises ValueError on mixed kinds.
    """
    if method not in POOLING_METHODS:
        raise ValueError(f"method must be one of {POOLING_METHODS}, not {method!r}")
    effects = [effect for effect in effects if effect is not None]
    if not effects:
        return None
    kinds = {effect.kind for effect in effects}
    if len(kinds) > 1:
        raise ValueError(f"cannot pool different kinds of effect together: {sorted(kinds)}")
    kind = kinds.pop()
    if kind == PROPORTION:
        return pool_proportions(
            [effect.estimate * effect.n for effect in effects], [effect.n for effect in effects], method
        )
    if len(effects) == 1:
        return _single(effects[0])
    estimates = np.array([effect.estimate for effect in effects], dtype=float)
    variances = np.array([effect.se for effect in effects], dtype=float) ** 2
    n_patients = sum(effect.n for effect in effects)
    if kind == RISK_RATIO:
        numbers = _random_effects(np.log(estimates), variances, method)
        return _back_transformed(numbers, np.exp, len(effects), n_patients)
    numbers = _random_effects(estimates, variances, method)
    return _back_transformed(numbers, lambda value: value, len(effects), n_patients)


def pool_proportions(events: Sequence[float], totals: Sequence[int], method: str = "DL") -> Pooled | None:
    """Random-effects pooled proportion on logits (tau² by `method`), back-transformed to a share.

    Each study's logit has variance 1/x + 1/(n - x), with 0.5 added to events and non-events of a
    study with 0 or n events (metafor escalc "PLO", to="only0"). Returns None without studies, and
    for one study its own proportion with a Wilson CI. `tau2` and `q` are on the logit scale.
    """
    if method not in POOLING_METHODS:
        raise ValueError(f"method must be one of {POOLING_METHODS}, not {method!r}")
    events_array = np.asarray(events, dtype=float)
    totals_array = np.asarray(totals, dtype=float)
    if events_array.shape != totals_array.shape:
        raise ValueError("events and totals must have the same length")
    if np.any(totals_array < 1) or np.any(events_array < 0) or np.any(events_array > totals_array):
        raise ValueError("each study needs 1 or more patients and between 0 and that many events")
    k = len(events_array)
    if k == 0:
        return None
    if k == 1:
        return _single(proportion_effect(float(events_array[0]), round(totals_array[0]), lower_is_better=False))
    logits, variances = logit_and_variance(events_array, totals_array)
    numbers = _random_effects(logits, variances, method)
    return _back_transformed(numbers, lambda value: 1 / (1 + math.exp(-value)), k, round(totals_array.sum()))

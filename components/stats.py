"""Effect sizes from outcome rows and their random-effects pooling, for the Outcomes page.

Three layers, all pure functions:

1. Conversions between the summary statistics studies report (SD from a confidence interval or a
   standard error, SD of a change from baseline and follow-up SDs), each citing its formula.
2. `effect_from_row()` turns one row of the outcomes table into an `Effect` — a mean difference
   against control, a mean change from baseline, a response proportion, or a risk difference or
   ratio against control — or returns None when the row's numbers cannot support one without
   inventing something (a median, a missing SD, an unstated baseline/follow-up correlation).
3. `pool()` and `pool_proportions()` combine effects by random effects, with I², tau², Cochran's Q
   and a prediction interval. The between-study variance tau² is estimated by DerSimonian-Laird
   (statsmodels' `combine_effects`, the default) or by restricted maximum likelihood (REML, the
   default of metafor and of Cochrane's RevMan since 2023), maximised with scipy.

Estimates keep the measure's natural units and sign (a negative change is a fall); whether a fall
is good news is the caller's knowledge (`lower_is_better`), carried on the `Effect` so that
`Effect.direction` can say "better" or "worse".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.stats.meta_analysis import combine_effects, effectsize_2proportions
from statsmodels.stats.proportion import proportion_confint

MEAN_DIFFERENCE = "mean_difference_vs_control"
MEAN_CHANGE = "mean_change_from_baseline"
PROPORTION = "proportion"
RISK_DIFFERENCE = "risk_difference"
RISK_RATIO = "risk_ratio"
KINDS = (MEAN_DIFFERENCE, MEAN_CHANGE, PROPORTION, RISK_DIFFERENCE, RISK_RATIO)
RESPONDER_MEASURES = (RISK_DIFFERENCE, RISK_RATIO)
POOLING_METHODS = ("DL", "REML")
POOLING_METHOD_LABELS = {"DL": "DerSimonian-Laird", "REML": "REML"}

CONFIDENCE = 0.95
# Cochrane Handbook 6.5.2.2: below about 60 patients a group, a mean's CI was built on the
# t distribution, so converting it back must divide by t rather than by 1.96.
SMALL_SAMPLE_N = 60
# Added to each cell of a 2x2 table (or to events and non-events of one arm) holding a zero, so that
# its logit or log ratio has a finite variance — metafor's escalc default (add=1/2, to="only0").
ZERO_CELL_CORRECTION = 0.5


@dataclass(frozen=True)
class Effect:
    """One study's effect on one outcome.

    `estimate`, `ci_low` and `ci_high` are on the natural scale of `kind`: points of the measure for
    mean differences and changes, a share (0-1) for proportions and risk differences, a ratio for risk
    ratios. `se` is on the scale the effect is pooled on: natural units for mean differences,
    changes and risk differences, log scale for risk ratios, logit scale for proportions.
    `n` counts every patient behind the effect (both arms for a comparison).
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    kind: str
    lower_is_better: bool = False

    @property
    def direction(self) -> str | None:
        """'better', 'worse' or 'unclear': where the CI lies against no change (or no difference).

        None for a proportion, which has no null value to compare with.
        """
        if self.kind == PROPORTION:
            return None
        null = 1.0 if self.kind == RISK_RATIO else 0.0
        if self.ci_low > null:
            return "worse" if self.lower_is_better else "better"
        if self.ci_high < null:
            return "better" if self.lower_is_better else "worse"
        return "unclear"


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
# Conversions


def _two_sided(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be between 0 and 1, not {level}")
    return 1 - (1 - level) / 2


def critical_value(n: int, level: float = CONFIDENCE) -> float:
    """The multiplier of a standard error in a `level` CI of a mean from `n` patients.

    Cochrane Handbook for Systematic Reviews of Interventions v6.4, section 6.5.2.2: t with n-1
    degrees of freedom for small samples (here n < 60), otherwise the normal quantile (1.96 at 95%).
    """
    if n < 2:
        raise ValueError(f"need at least 2 patients for a confidence interval of a mean, not {n}")
    quantile = _two_sided(level)
    if n < SMALL_SAMPLE_N:
        return float(stats.t.ppf(quantile, n - 1))
    return float(stats.norm.ppf(quantile))


def sd_from_ci(low: float, high: float, n: int, level: float = CONFIDENCE) -> float:
    """SD of a mean (or mean change) from its confidence interval.

    Cochrane Handbook 6.5.2.2: SD = sqrt(N) x (upper - lower) / (2 x critical value), with the
    critical value from `critical_value()` (t for n < 60, else z; 3.92 = 2 x 1.96 at 95%).
    """
    if high < low:
        raise ValueError(f"CI upper limit {high} is below its lower limit {low}")
    return math.sqrt(n) * (high - low) / (2 * critical_value(n, level))


def sd_from_se(se: float, n: int) -> float:
    """SD from the standard error of a mean: SD = SE x sqrt(N) (Cochrane Handbook 6.5.2.2)."""
    if se < 0 or n < 1:
        raise ValueError(f"need se >= 0 and n >= 1, not se={se}, n={n}")
    return se * math.sqrt(n)


def se_of_mean(sd: float, n: int) -> float:
    """Standard error of a mean: SE = SD / sqrt(N) (Cochrane Handbook 6.5.2.2, inverted)."""
    if sd < 0 or n < 1:
        raise ValueError(f"need sd >= 0 and n >= 1, not sd={sd}, n={n}")
    return sd / math.sqrt(n)


def se_of_mean_difference(sd1: float, n1: int, sd2: float, n2: int) -> float:
    """SE of the difference of two independent means: sqrt(SD1²/N1 + SD2²/N2).

    The unpooled form RevMan uses for its mean difference (Cochrane Handbook 6.5.1.1 and
    Deeks & Higgins, "Statistical algorithms in Review Manager 5", 2010).
    """
    return math.sqrt(se_of_mean(sd1, n1) ** 2 + se_of_mean(sd2, n2) ** 2)


def sd_change(sd_base: float, sd_follow: float, corr: float) -> float:
    """SD of the change from baseline, from the baseline and follow-up SDs and their correlation.

    Cochrane Handbook v6 6.5.2.8 (16.1.3.2 in v5.1):
    SD_change = sqrt(SD_base² + SD_follow² - 2 x Corr x SD_base x SD_follow).
    The correlation is rarely reported, so callers must choose it (0.5 is a common assumption) —
    there is deliberately no default.
    """
    if not -1 <= corr <= 1:
        raise ValueError(f"a correlation lies between -1 and 1, not {corr}")
    if sd_base < 0 or sd_follow < 0:
        raise ValueError(f"SDs cannot be negative: {sd_base}, {sd_follow}")
    variance = sd_base**2 + sd_follow**2 - 2 * corr * sd_base * sd_follow
    return math.sqrt(max(variance, 0.0))  # rounding can push a perfect correlation just below 0


# ---------------------------------------------------------------------------------------------
# Effects from outcome rows


def _value(row: Mapping[str, Any], column: str) -> float | None:
    """A numeric cell as float, None when empty (NaN, pd.NA) or absent."""
    value = row.get(column)
    if value is None or pd.isna(value):
        return None
    return float(value)


def _count(row: Mapping[str, Any], column: str) -> int | None:
    value = _value(row, column)
    return None if value is None else round(value)


def _usable(se: float | None) -> bool:
    # A zero or infinite SE cannot be weighted; it only happens with degenerate reported SDs.
    return se is not None and math.isfinite(se) and se > 0


def _arm_change(
    row: Mapping[str, Any], prefix: str, n: int, assume_corr: float | None, *, imputed: bool
) -> tuple[float, float] | None:
    """(mean change, SD of change) of one arm, or None.

    `imputed=False` takes only reported numbers: the change with its SD, or (MSC arm only, the
    table has no control CI) with its CI. The change itself may be follow-up minus baseline when the
    SD or CI of the change is reported. `imputed=True` adds the route through `sd_change()` with the
    caller's assumed correlation.
    """
    change = _value(row, f"{prefix}change")
    baseline, followup = _value(row, f"{prefix}baseline"), _value(row, f"{prefix}followup")
    if change is None and baseline is not None and followup is not None:
        change = followup - baseline
    if change is None:
        return None
    sd = _value(row, f"{prefix}change_sd")
    low, high = _value(row, f"{prefix}change_ci_low"), _value(row, f"{prefix}change_ci_high")
    if sd is None and low is not None and high is not None and n >= 2:
        sd = sd_from_ci(low, high, n)
    if sd is None and imputed and assume_corr is not None:
        sd_base, sd_follow = _value(row, f"{prefix}baseline_sd"), _value(row, f"{prefix}followup_sd")
        if sd_base is not None and sd_follow is not None:
            sd = sd_change(sd_base, sd_follow, assume_corr)
    return None if sd is None else (change, sd)


def _arm_followup(row: Mapping[str, Any], prefix: str) -> tuple[float, float] | None:
    """(follow-up mean, its SD) of one arm, or None."""
    value, sd = _value(row, f"{prefix}followup"), _value(row, f"{prefix}followup_sd")
    return None if value is None or sd is None else (value, sd)


def _mean_difference(row: Mapping[str, Any], n: int, assume_corr: float | None, lower_is_better: bool) -> Effect | None:
    """MSC minus control: in reported changes, else in follow-up values, else in imputed changes.

    Reported numbers come before an assumed correlation; follow-up values are a valid comparison of
    randomised groups (Cochrane Handbook 10.5.2), so they are preferred to imputing change SDs.
    """
    control_n = _count(row, "control_n")
    if control_n is None or control_n < 1:
        return None
    pairs = [
        (
            _arm_change(row, "", n, assume_corr, imputed=False),
            _arm_change(row, "control_", control_n, assume_corr, imputed=False),
        ),
        (_arm_followup(row, ""), _arm_followup(row, "control_")),
        (
            _arm_change(row, "", n, assume_corr, imputed=True),
            _arm_change(row, "control_", control_n, assume_corr, imputed=True),
        ),
    ]
    for msc, control in pairs:
        if msc is None or control is None:
            continue
        se = se_of_mean_difference(msc[1], n, control[1], control_n)
        if not _usable(se):
            continue
        estimate = msc[0] - control[0]
        z = stats.norm.ppf(_two_sided(CONFIDENCE))  # RevMan's CI for a mean difference is normal
        return Effect(
            estimate, se, estimate - z * se, estimate + z * se, n + control_n, MEAN_DIFFERENCE, lower_is_better
        )
    return None


def _mean_change(row: Mapping[str, Any], n: int, assume_corr: float | None, lower_is_better: bool) -> Effect | None:
    """The MSC arm's change from baseline; its CI as reported, else mean ± t (or z) x SE."""
    if n < 2:
        return None
    arm = _arm_change(row, "", n, assume_corr, imputed=True)
    if arm is None:
        return None
    estimate, sd = arm
    se = se_of_mean(sd, n)
    if not _usable(se):
        return None
    low, high = _value(row, "change_ci_low"), _value(row, "change_ci_high")
    if low is None or high is None:
        half_width = critical_value(n) * se
        low, high = estimate - half_width, estimate + half_width
    return Effect(estimate, se, low, high, n, MEAN_CHANGE, lower_is_better)


def _responders(row: Mapping[str, Any], prefix: str, n: int | None) -> float | None:
    """Responders of one arm: the count, else the reported percentage of n (used unrounded)."""
    if n is None or n < 1:
        return None
    count = _value(row, f"{prefix}responders")
    if count is None:
        percent = _value(row, f"{prefix}responders_pct")
        count = None if percent is None else percent / 100 * n
    if count is None or not 0 <= count <= n:
        return None
    return count


def _logit_and_variance(events: np.ndarray, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Logit of each proportion and its variance 1/x + 1/(n - x) (metafor escalc measure "PLO").

    Studies with 0 or n events get ZERO_CELL_CORRECTION added to events and non-events.
    """
    extreme = (events <= 0) | (events >= totals)
    non_events = totals - events + ZERO_CELL_CORRECTION * extreme
    events = events + ZERO_CELL_CORRECTION * extreme
    return np.log(events / non_events), 1 / events + 1 / non_events


def _proportion(events: float, total: int, lower_is_better: bool) -> Effect:
    """A single proportion with its Wilson score CI (good coverage for small n and near 0 or 1)."""
    ci_low, ci_high = proportion_confint(events, total, alpha=1 - CONFIDENCE, method="wilson")
    _, variance = _logit_and_variance(np.array([events]), np.array([float(total)]))
    return Effect(
        events / total, math.sqrt(variance[0]), float(ci_low), float(ci_high), total, PROPORTION, lower_is_better
    )


def _two_proportions(
    events: float, n: int, control_events: float, control_n: int, measure: str, lower_is_better: bool
) -> Effect | None:
    """Risk difference or risk ratio (MSC vs control) with a normal CI, on the log scale for the ratio."""
    if measure == RISK_RATIO and events == 0 and control_events == 0:
        return None  # no events in either arm says nothing about a ratio (Cochrane Handbook 10.4.4.1)
    patients = round(n + control_n)
    if min(events, n - events, control_events, control_n - control_events) <= 0:
        # Correct only tables with a zero cell. statsmodels' own float zero_correction adds it to the
        # events of every table (statsmodels 0.15), shifting estimates that need no correction.
        events, control_events = events + ZERO_CELL_CORRECTION, control_events + ZERO_CELL_CORRECTION
        n, control_n = n + 2 * ZERO_CELL_CORRECTION, control_n + 2 * ZERO_CELL_CORRECTION
    estimate, variance = effectsize_2proportions(
        np.array([events]),
        np.array([float(n)]),
        np.array([control_events]),
        np.array([float(control_n)]),
        statistic="diff" if measure == RISK_DIFFERENCE else "risk-ratio",
    )
    estimate, se = float(estimate[0]), math.sqrt(float(variance[0]))
    if not _usable(se):
        return None
    z = stats.norm.ppf(_two_sided(CONFIDENCE))
    low, high = estimate - z * se, estimate + z * se
    if measure == RISK_RATIO:
        estimate, low, high = math.exp(estimate), math.exp(low), math.exp(high)
    return Effect(estimate, se, low, high, patients, measure, lower_is_better)


def effect_from_row(
    row: Mapping[str, Any],
    lower_is_better: bool,
    assume_corr: float | None = None,
    *,
    vs_control: bool = True,
    responder_measure: str = RISK_DIFFERENCE,
) -> Effect | None:
    """The effect one outcome row supports, or None.

    Responder rows (responders or responders_pct) give a risk difference (or, with
    `responder_measure=RISK_RATIO`, a risk ratio) against control when the control arm's responders
    are given, else the MSC arm's response proportion.

    Continuous rows give the mean difference MSC minus control (in changes, else in follow-up
    values) when the control arm's numbers allow, else the MSC arm's mean change from baseline.
    Without a reported SD or CI of the change, a change needs `assume_corr`, the assumed correlation
    between baseline and follow-up (see `sd_change`); none is ever assumed silently. Rows reporting
    medians (stat == "median") give None; rows without a stat are taken as means.

    `vs_control=False` gives the MSC arm alone even for a controlled row (e.g. to pool response rates
    over all MSC arms). Check `Effect.kind`: a controlled row without enough control numbers falls
    back to the MSC arm's within-group effect.
    """
    if responder_measure not in RESPONDER_MEASURES:
        raise ValueError(f"responder_measure must be one of {RESPONDER_MEASURES}, not {responder_measure!r}")
    n = _count(row, "n")
    if n is None or n < 1:
        return None
    events = _responders(row, "", n)
    if events is not None:
        control_n = _count(row, "control_n")
        control_events = _responders(row, "control_", control_n)
        if vs_control and control_events is not None and control_n is not None:
            return _two_proportions(events, n, control_events, control_n, responder_measure, lower_is_better)
        return _proportion(events, n, lower_is_better)
    if str(row.get("stat") or "").strip() == "median":
        return None  # medians and IQRs cannot be turned into means without inventing a distribution
    if vs_control:
        effect = _mean_difference(row, n, assume_corr, lower_is_better)
        if effect is not None:
            return effect
    return _mean_change(row, n, assume_corr, lower_is_better)


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
    z = stats.norm.ppf(_two_sided(CONFIDENCE))
    pi_low = pi_high = None
    if k >= 3:
        half_width = stats.t.ppf(_two_sided(CONFIDENCE), k - 2) * math.sqrt(tau2 + se**2)
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
        return _single(_proportion(float(events_array[0]), round(totals_array[0]), lower_is_better=False))
    logits, variances = _logit_and_variance(events_array, totals_array)
    numbers = _random_effects(logits, variances, method)
    return _back_transformed(numbers, lambda value: 1 / (1 + math.exp(-value)), k, round(totals_array.sum()))

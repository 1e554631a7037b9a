"""Effect sizes from outcome rows (layers 1 and 2 of the statistics package; see __init__).

Conversions between the summary statistics studies report, each citing its formula, and
`effect_from_row()`, which turns one outcome row into an `Effect` or returns None when its
numbers cannot support one without inventing something.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.meta_analysis import effectsize_2proportions
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


# ---------------------------------------------------------------------------------------------
# Conversions


def two_sided(level: float) -> float:
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
    quantile = two_sided(level)
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
        z = stats.norm.ppf(two_sided(CONFIDENCE))  # RevMan's CI for a mean difference is normal
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


def logit_and_variance(events: np.ndarray, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Logit of each proportion and its variance 1/x + 1/(n - x) (metafor escalc measure "PLO").

    Studies with 0 or n events get ZERO_CELL_CORRECTION added to events and non-events.
    """
    extreme = (events <= 0) | (events >= totals)
    non_events = totals - events + ZERO_CELL_CORRECTION * extreme
    events = events + ZERO_CELL_CORRECTION * extreme
    return np.log(events / non_events), 1 / events + 1 / non_events


def proportion_effect(events: float, total: int, lower_is_better: bool) -> Effect:
    """A single proportion with its Wilson score CI (good coverage for small n and near 0 or 1)."""
    ci_low, ci_high = proportion_confint(events, total, alpha=1 - CONFIDENCE, method="wilson")
    _, variance = logit_and_variance(np.array([events]), np.array([float(total)]))
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
    z = stats.norm.ppf(two_sided(CONFIDENCE))
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
        return proportion_effect(events, n, lower_is_better)
    if str(row.get("stat") or "").strip() == "median":
        return None  # medians and IQRs cannot be turned into means without inventing a distribution
    if vs_control:
        effect = _mean_difference(row, n, assume_corr, lower_is_better)
        if effect is not None:
            return effect
    return _mean_change(row, n, assume_corr, lower_is_better)

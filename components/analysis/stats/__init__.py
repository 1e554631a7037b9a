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

from components.analysis.stats.effects import (
    CONFIDENCE,
    KINDS,
    MEAN_CHANGE,
    MEAN_DIFFERENCE,
    POOLING_METHOD_LABELS,
    POOLING_METHODS,
    PROPORTION,
    RESPONDER_MEASURES,
    RISK_DIFFERENCE,
    RISK_RATIO,
    SMALL_SAMPLE_N,
    ZERO_CELL_CORRECTION,
    Effect,
    critical_value,
    effect_from_row,
    logit_and_variance,
    proportion_effect,
    sd_change,
    sd_from_ci,
    sd_from_se,
    se_of_mean,
    se_of_mean_difference,
    two_sided,
)
from components.analysis.stats.pooling import (
    Pooled,
    pool,
    pool_proportions,
)

__all__ = [
    "CONFIDENCE",
    "KINDS",
    "MEAN_CHANGE",
    "MEAN_DIFFERENCE",
    "POOLING_METHODS",
    "POOLING_METHOD_LABELS",
    "PROPORTION",
    "RESPONDER_MEASURES",
    "RISK_DIFFERENCE",
    "RISK_RATIO",
    "SMALL_SAMPLE_N",
    "ZERO_CELL_CORRECTION",
    "Effect",
    "Pooled",
    "critical_value",
    "effect_from_row",
    "logit_and_variance",
    "pool",
    "pool_proportions",
    "proportion_effect",
    "sd_change",
    "sd_from_ci",
    "sd_from_se",
    "se_of_mean",
    "se_of_mean_difference",
    "two_sided",
]

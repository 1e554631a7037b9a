"""GRADE certainty of a body of evidence: how sure we can be of the effect of MSC on one outcome,
in one condition, in one time window — computed live for whatever the user has selected.

The body and its starting level (GRADE Handbook, section 5; Guyatt et al., J Clin Epidemiol 2011):
  - When randomised trials against a control without MSC measured the outcome, the certainty rests
    on them and starts HIGH. Other studies of the outcome are reported beside it, not mixed in.
  - Otherwise it rests on the non-randomised studies (controlled or not) and starts LOW.

Rated down (each rule is one function below, each tested alone; every step carries its footnote):
  1. Risk of bias. Randomised: by share of patients in trials whose RoB 2 overall judgement is high
     (more than half: two levels) or anything but low, not assessed included (more than half: one
     level). Non-randomised: one level when most patients are in studies without a control group
     (a change from baseline cannot separate MSC from the natural course, regression to the mean
     and other treatment), or when any controlled study is at critical risk (ROBINS-I).
  2. Inconsistency (two or more studies). One level when I² is 50% or more, or when the studies
     disagree in direction — some found the benefit, others did not — and the smaller side holds at
     least a fifth of the patients.
  3. Indirectness. One level per reason, two at most: most patients from another population than
     the question's (lupus nephritis evidence for a claim about SLE); a laboratory (surrogate)
     outcome; most patients given minimally manipulated stromal products (fat graft, SVF, marrow
     concentrate) rather than culture-expanded MSC; most randomised patients compared with another
     active treatment rather than placebo or usual care.
  4. Imprecision. One level per reason, two at most: the pooled confidence interval includes no
     effect; fewer patients than GRADE's rule of thumb for an optimal information size (400). A
     single study of fewer than 100 patients is two levels by itself.
  5. Publication bias. One level when two or more registered trials of the condition finished or
     stopped without published results.

Rated up only as GRADE allows, and only non-randomised evidence without serious risk of bias: one
level for a large effect (a pooled risk ratio above 2 or below 0.5 whose interval excludes 1). Dose
response and opposing confounding are not assessed here, so they never raise a rating.

Final: HIGH ⊕⊕⊕⊕, MODERATE ⊕⊕⊕◯, LOW ⊕⊕◯◯, VERY LOW ⊕◯◯◯. Plain-language statements follow GRADE's
informative statements (Santesso et al., J Clin Epidemiol 2020;119:126).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from components.analysis import stats

# The rules above in a reader's words, for Data & methods.
RULES = """
- **Where a rating starts.** When randomised trials against a control without MSC measured the outcome, the rating
  rests on them and starts **high**; otherwise it rests on the other studies and starts **low**. Other evidence on the
  same outcome is shown beside it, rated on its own.
- **Risk of bias** (down one or two levels): most patients in trials judged at high risk of bias (two levels), or with
  some concerns, or not assessed (one level), by RoB 2; for non-randomised evidence, most patients in studies without a
  control group, or any controlled study at critical risk (ROBINS-I).
- **Inconsistency** (down one): with two or more studies, I² of 50% or more, or studies that disagree in direction
  with the smaller side holding at least a fifth of the patients.
- **Indirectness** (down one per reason, two at most): most patients from another population than the question's
  (lupus nephritis for SLE), a laboratory marker rather than how patients feel or function, mostly minimally
  manipulated stromal products (fat graft, SVF, marrow concentrate) rather than culture-expanded MSC, or mostly an
  active comparator rather than placebo or usual care.
- **Imprecision** (down one per reason, two at most): a confidence interval that includes no effect, or fewer than
  about 400 patients (GRADE's rule of thumb for an optimal information size). A single study of fewer than 100
  patients is two levels by itself.
- **Publication bias** (down one): two or more registered trials of the condition finished or stopped without
  published results.
- **Rating up**, only as GRADE allows: one level for a large effect (a risk ratio above 2 or below 0.5 whose interval
  excludes 1) in non-randomised controlled evidence without serious risk of bias.
- **Result**: high ⊕⊕⊕⊕, moderate ⊕⊕⊕◯, low ⊕⊕◯◯, very low ⊕◯◯◯, each with the reasons it was rated down, and a
  plain-language statement in GRADE's words ("may", "probably", "the evidence is very uncertain").
"""
LEVELS = {4: "high", 3: "moderate", 2: "low", 1: "very_low"}
WORDS = {4: "High", 3: "Moderate", 2: "Low", 1: "Very low"}
SYMBOLS = {4: "⊕⊕⊕⊕", 3: "⊕⊕⊕◯", 2: "⊕⊕◯◯", 1: "⊕◯◯◯"}
OPTIMAL_INFORMATION_SIZE = 400
SMALL_SINGLE_STUDY = 100
I2_SERIOUS = 50.0
MINORITY_SHARE = 0.2
UNPUBLISHED_TRIALS = 2
LARGE_RATIO = 2.0

BENEFIT = "benefit"
NO_DIFFERENCE = "no_difference"
HARM = "harm"
UNCLEAR = "unclear"


@dataclass(frozen=True)
class Finding:
    """What one study found for the outcome in the window.

    `direction` is against control for a study with an MSC-free control, else against baseline:
    benefit, no_difference (or no change), harm, or unclear (values without a reported direction).
    """

    study_id: str
    label: str
    patients: int  # everyone analysed: MSC and control arms (each cohort counted once by the caller)
    randomised: bool  # randomised against a control that received no MSC
    controlled: bool  # any control that received no MSC
    bias: str  # overall risk of bias ('' for a study without control)
    direction: str
    population_match: bool = True
    stromal_product: bool = False
    active_comparator: bool = False


@dataclass(frozen=True)
class Step:
    """One rating step: a GRADE domain, levels (positive down, negative up) and its footnote."""

    domain: str
    levels: int
    reason: str


@dataclass(frozen=True)
class Body:
    """The evidence on one outcome: every finding, an optional pooled estimate of the stream the
    certainty rests on, and what the registry says of unpublished trials."""

    findings: tuple[Finding, ...]
    pooled: stats.Pooled | None = None
    pooled_kind: str = ""
    # What the pooled estimate says, worked out by the caller, who knows whether lower is better:
    # BENEFIT or HARM when its interval lies on one side of no effect, NO_DIFFERENCE when it crosses.
    pooled_direction: str = ""
    surrogate: bool = False
    unpublished_trials: int = 0
    unpublished_patients: int = 0
    condition_words: str = ""

    @property
    def randomised(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.randomised)

    @property
    def stream(self) -> tuple[Finding, ...]:
        """The findings the certainty rests on (randomised when there are any)."""
        return self.randomised or self.findings

    @property
    def starts_high(self) -> bool:
        return bool(self.randomised)


@dataclass(frozen=True)
class Certainty:
    level: int
    steps: tuple[Step, ...] = field(default_factory=tuple)
    starts_high: bool = False
    direction: str = UNCLEAR
    studies: int = 0
    patients: int = 0

    @property
    def code(self) -> str:
        return LEVELS[self.level]

    @property
    def word(self) -> str:
        return WORDS[self.level]

    @property
    def symbols(self) -> str:
        return SYMBOLS[self.level]

    @property
    def footnotes(self) -> list[str]:
        return [step.reason for step in self.steps]


def _share(findings, predicate) -> float:
    """Share of patients for whom `predicate` holds; by count of studies when no patients are known
    (a review's trials outside this base may carry none)."""
    findings = list(findings)
    total = sum(f.patients for f in findings)
    if not total:
        return sum(1 for f in findings if predicate(f)) / len(findings) if findings else 0.0
    return sum(f.patients for f in findings if predicate(f)) / total


def _studies(n: int) -> str:
    return f"{n} {'study' if n == 1 else 'studies'}"


# ---------------------------------------------------------------------------------------------
# The five domains, and the one way up


def risk_of_bias(body: Body) -> Step | None:
    stream = body.stream
    if not stream:
        return None
    if body.starts_high:
        high = _share(stream, lambda f: f.bias in ("high", "critical"))
        concerns = _share(stream, lambda f: f.bias not in ("low",))
        if high > 0.5:
            return Step("risk_of_bias", 2, f"Most patients ({high:.0%}) were in trials at high risk of bias (RoB 2).")
        if concerns > 0.5:
            return Step(
                "risk_of_bias",
                1,
                f"Most patients ({concerns:.0%}) were in trials with some concerns or high risk of bias, or not assessed (RoB 2).",
            )
        return None
    uncontrolled = _share(stream, lambda f: not f.controlled)
    if uncontrolled > 0.5:
        return Step(
            "risk_of_bias",
            1,
            "Most patients were in studies without a control group: a change from baseline cannot be told apart "
            "from the natural course, regression to the mean or other treatment.",
        )
    if any(f.controlled and f.bias == "critical" for f in stream):
        return Step("risk_of_bias", 1, "At least one controlled study is at critical risk of bias (ROBINS-I).")
    return None


def inconsistency(body: Body) -> Step | None:
    pooled = body.pooled
    if pooled is not None and pooled.k >= 2 and pooled.i2 is not None and pooled.i2 >= I2_SERIOUS:
        return Step("inconsistency", 1, f"The results vary more than chance would explain (I² = {pooled.i2:.0f}%).")
    stream = [f for f in body.stream if f.direction != UNCLEAR]
    if len(stream) < 2:
        return None
    found = [f for f in stream if f.direction == BENEFIT]
    not_found = [f for f in stream if f.direction in (NO_DIFFERENCE, HARM)]
    if found and not_found:
        minority = min(
            _share(stream, lambda f: f.direction == BENEFIT), _share(stream, lambda f: f.direction != BENEFIT)
        )
        if minority >= MINORITY_SHARE:
            return Step(
                "inconsistency",
                1,
                f"The studies disagree: {_studies(len(found))} found a benefit, {_studies(len(not_found))} did not.",
            )
    return None


def indirectness(body: Body) -> Step | None:
    stream = body.stream
    if not stream:
        return None
    reasons = []
    if _share(stream, lambda f: not f.population_match) > 0.5:
        where = f" ({body.condition_words})" if body.condition_words else ""
        reasons.append(f"most patients come from another population than the question's{where}")
    if body.surrogate:
        reasons.append("the outcome is a laboratory marker, not how patients feel, function or survive")
    if _share(stream, lambda f: f.stromal_product) > 0.5:
        reasons.append(
            "most patients received minimally manipulated stromal products (fat graft, SVF, marrow concentrate), "
            "not culture-expanded MSC"
        )
    if body.starts_high and _share(stream, lambda f: f.active_comparator) > 0.5:
        reasons.append("most trials compared MSC with another active treatment, not with placebo or usual care")
    if not reasons:
        return None
    text = "; ".join(reasons)
    return Step("indirectness", min(2, len(reasons)), text[0].upper() + text[1:] + ".")


def imprecision(body: Body) -> Step | None:
    stream = body.stream
    if not stream:
        return None
    pooled = body.pooled
    studies = pooled.k if pooled is not None and pooled.k else len(stream)
    # A published pooled estimate may know its patients when its trials are not in this base.
    patients = sum(f.patients for f in stream) or (pooled.n_patients if pooled is not None else 0)
    if studies == 1 and 0 < patients < SMALL_SINGLE_STUDY:
        return Step("imprecision", 2, f"A single small study ({patients} patients).")
    reasons = []
    if pooled is not None and body.pooled_kind not in (stats.PROPORTION,):
        null = 1.0 if body.pooled_kind == stats.RISK_RATIO else 0.0
        if pooled.ci_low <= null <= pooled.ci_high:
            reasons.append("the confidence interval includes no effect")
    if 0 < patients < OPTIMAL_INFORMATION_SIZE:
        reasons.append(
            f"{patients} patients in all, fewer than the about {OPTIMAL_INFORMATION_SIZE} such an estimate needs"
        )
    if not reasons:
        return None
    text = "; ".join(reasons)
    return Step("imprecision", min(2, len(reasons)), text[0].upper() + text[1:] + ".")


def publication_bias(body: Body) -> Step | None:
    if body.unpublished_trials >= UNPUBLISHED_TRIALS:
        patients = f" (about {body.unpublished_patients} patients)" if body.unpublished_patients else ""
        return Step(
            "publication_bias",
            1,
            f"{body.unpublished_trials} registered trials of this condition finished or stopped without published results{patients}.",
        )
    return None


def large_effect(body: Body) -> Step | None:
    """One level up for a large effect in non-randomised evidence without serious risk of bias."""
    pooled = body.pooled
    if body.starts_high or pooled is None or body.pooled_kind != stats.RISK_RATIO:
        return None
    if risk_of_bias(body) is not None:
        return None
    if pooled.ci_low > LARGE_RATIO or pooled.ci_high < 1 / LARGE_RATIO:
        return Step("large_effect", -1, f"A large effect (risk ratio {pooled.estimate:.1f}).")
    return None


DOMAINS = (risk_of_bias, inconsistency, indirectness, imprecision, publication_bias)


def direction_of(body: Body) -> str:
    """What the body found: from the pooled estimate of the stream when there is one, else from the
    studies' own reports (weighted by patients)."""
    if body.pooled is not None and body.pooled_direction:
        return body.pooled_direction
    known = [f for f in body.stream if f.direction != UNCLEAR]
    if not known:
        return UNCLEAR
    # The same threshold as inconsistency: a side with under a fifth of the patients does not make
    # the direction mixed (it may rate the certainty down).
    found = _share(known, lambda f: f.direction == BENEFIT)
    if found >= 1 - MINORITY_SHARE:
        return BENEFIT
    if found <= MINORITY_SHARE:
        harm = _share(known, lambda f: f.direction == HARM)
        return HARM if harm >= 1 - MINORITY_SHARE else NO_DIFFERENCE
    return "mixed"


def rate(body: Body) -> Certainty:
    """The GRADE certainty of the body, with every step that moved it."""
    stream = body.stream
    start = 4 if body.starts_high else 2
    steps = [step for rule in DOMAINS if (step := rule(body)) is not None]
    if (up := large_effect(body)) is not None:
        steps.append(up)
    level = max(1, min(4, start - sum(step.levels for step in steps)))
    return Certainty(
        level=level,
        steps=tuple(steps),
        starts_high=body.starts_high,
        direction=direction_of(body),
        studies=len(stream),
        patients=sum(f.patients for f in stream),
    )


def statement(certainty: Certainty, benefit_words: str, outcome_words: str) -> str:
    """GRADE's informative statement for the effect of MSC on the outcome."""
    level, direction = certainty.level, certainty.direction
    if level == 1 or direction in (UNCLEAR, "mixed"):
        return f"The evidence is very uncertain about the effect of MSC on {outcome_words}."
    hedge = {4: "", 3: "probably ", 2: "may "}[level]
    if direction == BENEFIT:
        return f"MSC {hedge}result in {benefit_words}."
    if direction == NO_DIFFERENCE:
        return f"MSC {hedge}make little or no difference to {outcome_words}."
    return f"MSC {hedge}worsen {outcome_words}."

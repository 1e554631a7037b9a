"""Rules of the evidence base that span columns, rows or tables (the per-column checks are in
validation.py): every study identifiable, follow-up links without loops, no study entered twice,
counts that fit inside their denominators.
"""

from __future__ import annotations

from components.evidence.derived import cohort_roots
from components.evidence.files import MAX_PROBLEMS_PER_KIND, Problem


def _the_rest(count: int, file: str, column: str, message: str) -> list[Problem]:
    """One line counting the problems beyond the first MAX_PROBLEMS_PER_KIND of a kind."""
    if count <= MAX_PROBLEMS_PER_KIND:
        return []
    return [Problem(file, None, column, "", f"... and {count - MAX_PROBLEMS_PER_KIND:,} more rows: {message}")]


def domain_problems(tables, numbers_of, vocab_frames, dictionary) -> list[Problem]:
    problems: list[Problem] = []
    studies, s_num = tables["studies"], numbers_of["studies"]
    s_file = dictionary["tables"]["studies"]["file"]
    citation = (studies["journal"] != "") & (studies["volume"] != "") & (studies["pages"] != "")
    no_id = ((studies["pmid"] == "") & (studies["doi"] == "") & ~citation).to_numpy()
    for i in no_id.nonzero()[0][:25]:
        message = "a study needs a PMID, a DOI, or its full citation (journal, volume and pages with the year)"
        problems.append(Problem(s_file, int(s_num.iat[i]), "pmid", "", message))
    own_parent = ((studies["parent_study_id"] == studies["study_id"]) & (studies["study_id"] != "")).to_numpy()
    for i in own_parent.nonzero()[0][:25]:
        problems.append(
            Problem(
                s_file,
                int(s_num.iat[i]),
                "parent_study_id",
                studies["parent_study_id"].iat[i],
                "a study cannot be its own parent",
            )
        )

    # Parent chains must end (no cycles).
    # .tolist() converts in C; iterating an Arrow-backed column is a Python call per value.
    parents = dict(zip(studies["study_id"].tolist(), studies["parent_study_id"].tolist(), strict=True))
    roots = cohort_roots(parents)
    looping = [i for i, sid in enumerate(studies["study_id"].tolist()) if roots.get(sid, "") is None]
    for i in looping[:MAX_PROBLEMS_PER_KIND]:
        sid = studies["study_id"].iat[i]
        problems.append(Problem(s_file, int(s_num.iat[i]), "parent_study_id", parents[sid], "parent links form a loop"))
    problems += _the_rest(len(looping), s_file, "parent_study_id", "parent links form a loop")

    for col in ("pmid", "doi"):
        values = studies[col].str.lower()
        dup = (values != "") & values.duplicated(keep="first")
        rows = dup.to_numpy().nonzero()[0]
        problems += _the_rest(len(rows), s_file, col, "another study has the same")
        for i in rows[:MAX_PROBLEMS_PER_KIND]:
            problems.append(
                Problem(
                    s_file,
                    int(s_num.iat[i]),
                    col,
                    studies[col].iat[i],
                    "another study has the same; is it entered twice?",
                )
            )

    total = studies["n_total"].astype("float64")
    arms = studies["n_msc"].astype("float64").fillna(0) + studies["n_control"].astype("float64").fillna(0)
    for i in (total < arms).fillna(False).to_numpy().nonzero()[0][:MAX_PROBLEMS_PER_KIND]:
        message = "is smaller than the patients on MSC and control together"
        problems.append(Problem(s_file, int(s_num.iat[i]), "n_total", str(studies["n_total"].iat[i]), message))

    for name, value, unit in (
        ("studies", "follow_up", "follow_up_unit"),
        ("outcomes", "timepoint", "timepoint_unit"),
        ("mechanisms", "timepoint", "timepoint_unit"),
        ("meta_analyses", "timepoint", "timepoint_unit"),
    ):
        problems += _unit_problems(tables[name], numbers_of[name], dictionary["tables"][name]["file"], value, unit)

    problems += _adverse_event_problems(tables, numbers_of, dictionary)
    problems += _contrast_problems(tables, numbers_of, vocab_frames, dictionary)
    problems += _bias_problems(tables, numbers_of, vocab_frames, dictionary)

    outcomes, o_num = tables["outcomes"], numbers_of["outcomes"]
    o_file = dictionary["tables"]["outcomes"]["file"]
    checks = [
        ("responders", "n", "is more than n"),
        ("control_responders", "control_n", "is more than control_n"),
        ("change_ci_low", "change_ci_high", "is above change_ci_high"),
    ]
    for low, high, message in checks:
        bad = (outcomes[low].astype("float64") > outcomes[high].astype("float64")).fillna(False).to_numpy()
        for i in bad.nonzero()[0][:25]:
            problems.append(Problem(o_file, int(o_num.iat[i]), low, str(outcomes[low].iat[i]), message))
    return problems


def _unit_problems(frame, numbers, file: str, value: str, unit: str) -> list[Problem]:
    """A time and its unit come together: a number without a unit (or a unit without a number) cannot
    be read back as the source gave it."""
    has_value = frame[value].notna().to_numpy()
    has_unit = (frame[unit] != "").to_numpy()
    problems = []
    for i in (has_value & ~has_unit).nonzero()[0][:MAX_PROBLEMS_PER_KIND]:
        problems.append(
            Problem(file, int(numbers.iat[i]), unit, "", f"is required with {value} (days, weeks, months or years)")
        )
    for i in (~has_value & has_unit).nonzero()[0][:MAX_PROBLEMS_PER_KIND]:
        problems.append(Problem(file, int(numbers.iat[i]), value, "", f"is empty but {unit} is given"))
    return problems


def _adverse_event_problems(tables, numbers_of, dictionary) -> list[Problem]:
    """A 'none reported' row is a statement that nothing happened: no patients, no serious or
    related flag (those once made a statement of no harm read as serious related harm), and what
    was ruled out. Any other row is an event, and needs both flags."""
    events, numbers = tables["adverse_events"], numbers_of["adverse_events"]
    file = dictionary["tables"]["adverse_events"]["file"]
    none = (events["category"] == "none_reported").to_numpy()
    checks = [
        (
            none & (events["patients_affected"].astype("float64").fillna(0) > 0).to_numpy(),
            "patients_affected",
            "must be 0 or empty in a 'none reported' statement",
        ),
        (
            none & (events["serious"] != "").to_numpy(),
            "serious",
            "must be empty in a 'none reported' statement (say what was ruled out in ruled_out)",
        ),
        (
            none & (events["related"] != "").to_numpy(),
            "related",
            "must be empty in a 'none reported' statement (say what was ruled out in ruled_out)",
        ),
        (
            none & (events["ruled_out"] == "").to_numpy(),
            "ruled_out",
            "is required in a 'none reported' statement: any, serious, related, serious_related or unexpected",
        ),
        (
            ~none & (events["serious"] == "").to_numpy(),
            "serious",
            "is required for an adverse event (yes, no or unknown)",
        ),
        (
            ~none & (events["related"] == "").to_numpy(),
            "related",
            "is required for an adverse event (yes, possibly, no or unknown)",
        ),
        (~none & (events["ruled_out"] != "").to_numpy(), "ruled_out", "is only for 'none reported' statements"),
    ]
    problems = []
    for bad, column, message in checks:
        for i in bad.nonzero()[0][:MAX_PROBLEMS_PER_KIND]:
            problems.append(Problem(file, int(numbers.iat[i]), column, str(events[column].iat[i]), message))
    return problems


def _controlled_designs(vocab_frames) -> set[str]:
    designs = vocab_frames["designs"]
    return set(designs.loc[designs["controlled"] == "true", "id"]) if len(designs) else set()


def _contrast_problems(tables, numbers_of, vocab_frames, dictionary) -> list[Problem]:
    """An MSC-versus-control contrast needs a study that has a control group."""
    mech, numbers = tables["mechanisms"], numbers_of["mechanisms"]
    design_of = dict(zip(tables["studies"]["study_id"].tolist(), tables["studies"]["design"].tolist(), strict=True))
    controlled = _controlled_designs(vocab_frames)
    file = dictionary["tables"]["mechanisms"]["file"]
    problems = []
    for i, (study, contrast) in enumerate(zip(mech["study_id"].tolist(), mech["contrast"].tolist(), strict=True)):
        if contrast == "msc_vs_control" and study in design_of and design_of[study] not in controlled:
            message = "is msc_vs_control but the study has no control group"
            problems.append(Problem(file, int(numbers.iat[i]), "contrast", contrast, message))
    return problems[:MAX_PROBLEMS_PER_KIND]


ROB2_DOMAINS = ("randomisation", "deviations", "missing_data", "measurement", "reporting")
ROBINS_DOMAINS = (
    "confounding",
    "selection",
    "classification",
    "deviations",
    "missing_data",
    "measurement",
    "reporting",
)
SCALES = {
    "rob2": ("low", "some_concerns", "high", "no_information"),
    "robins_i": ("low", "moderate", "serious", "critical", "no_information"),
}
DOMAINS = {"rob2": ROB2_DOMAINS, "robins_i": ROBINS_DOMAINS}


def _bias_problems(tables, numbers_of, vocab_frames, dictionary) -> list[Problem]:
    """Each judgement on its tool's own scale and domains; RoB 2 for randomised trials, ROBINS-I
    for non-randomised controlled studies."""
    rob, numbers = tables["risk_of_bias"], numbers_of["risk_of_bias"]
    file = dictionary["tables"]["risk_of_bias"]["file"]
    design_of = dict(zip(tables["studies"]["study_id"].tolist(), tables["studies"]["design"].tolist(), strict=True))
    controlled = _controlled_designs(vocab_frames)
    problems = []
    rows = zip(
        rob["study_id"].tolist(), rob["tool"].tolist(), rob["domain"].tolist(), rob["judgement"].tolist(), strict=True
    )
    for i, (study, tool, domain, judgement) in enumerate(rows):
        row = int(numbers.iat[i])
        if tool in DOMAINS and domain and domain not in DOMAINS[tool]:
            problems.append(Problem(file, row, "domain", domain, f"is not a domain of {tool}"))
        if tool in SCALES and judgement and judgement not in SCALES[tool]:
            problems.append(
                Problem(file, row, "judgement", judgement, f"is not on the {tool} scale ({', '.join(SCALES[tool])})")
            )
        design = design_of.get(study)
        if design is not None and design not in controlled:
            problems.append(Problem(file, row, "study_id", study, "risk of bias is judged for controlled studies only"))
        elif design is not None and (tool == "rob2") != (design == "rct"):
            expected = "rob2" if design == "rct" else "robins_i"
            problems.append(Problem(file, row, "tool", tool, f"the study's design calls for {expected}"))
    return problems[: 4 * MAX_PROBLEMS_PER_KIND]

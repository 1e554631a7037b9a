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
    no_id = ((studies["pmid"] == "") & (studies["doi"] == "")).to_numpy()
    for i in no_id.nonzero()[0][:25]:
        problems.append(Problem(s_file, int(s_num.iat[i]), "pmid", "", "a study needs a PMID or a DOI"))
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

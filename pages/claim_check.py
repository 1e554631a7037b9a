"""Claim check: each popular statement about MSC therapy beside the evidence for and against it, with a
verdict in GRADE's terms — direction, certainty and time window (components/analysis/claims.py)."""

import pandas as pd
import streamlit as st

from components.analysis import claims
from components.analysis.filters import apply_filter
from components.evidence import url_state
from components.views import ui

DIRECTION_WORDS = {
    "benefit": "benefit",
    "no_difference": "little or no difference",
    "harm": "worse",
    "mixed": "no consistent direction",
    "unclear": "no direction reported",
}
SOURCE_WORDS = {
    "randomised": "randomised trials in this base",
    "non_randomised": "non-randomised studies in this base",
    "meta-analysis": "published meta-analysis",
}

# 1. Selections
evidence = ui.evidence()
selection = ui.study_filters(evidence, page="claims")
studies = apply_filter(evidence, selection)
claim_ids = tuple(evidence.claims["claim_id"])
keys = ui.page_params("claims", {"claim": url_state.Choice(claim_ids)}, {"claim": ""})

# 2. The claims against the evidence
checked = claims.check_claims(evidence, studies)
levels = pd.Series([c.certainty for c in checked if c.certainty]).value_counts()

# 3. Headline
st.title("Claim check")
st.markdown("**Which popular claims about MSC therapy hold up, and how sure can we be?**")
rated = sum(levels)
strong = int(levels.get("high", 0) + levels.get("moderate", 0))
st.markdown(
    f"Of {len(checked)} claims, {rated} could be rated against the studies in this selection: "
    f"{strong} rest on moderate- or high-certainty evidence, {int(levels.get('low', 0))} on low and "
    f"{int(levels.get('very_low', 0))} on very low certainty. "
    f"{sum(1 for c in checked if c.verdict == claims.NO_DATA)} have no clinical data here."
)
ui.selection_line(evidence, studies, selection)
with st.expander("How the verdicts are reached"):
    st.markdown(claims.RULES)

# 4. Each claim, its verdict, and the evidence behind the chosen one
chosen = st.session_state.get(keys["claim"], "")
for check in checked:
    with st.container(border=True):
        text, action = st.columns([6, 1])
        condition = evidence.label("conditions", check.condition) if check.condition else "Any condition"
        text.markdown(f"**{ui.md(check.claim)}**  \n{ui.md(condition)}")
        mark = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very_low": "⊕◯◯◯"}.get(check.certainty, "")
        text.markdown(f"{mark} {ui.md(check.verdict)}".strip())
        opened = chosen == check.claim_id
        if action.button(
            "Hide" if opened else "Evidence", key=f"claims.open.{check.claim_id}", icon=":material/search:"
        ):
            chosen = "" if opened else check.claim_id
            st.session_state[keys["claim"]] = chosen
            ui.remember({"claim": chosen}, {"claim": ""})
            st.rerun()
        if not opened:
            continue
        if check.source_url:
            ui.source_links([("Where the claim is made", check.source_url)])
        if check.windows:
            statement = check.windows[0].get("statement")
            if statement and len(check.windows) == 1:
                st.markdown(f"**{ui.md(statement)}**")
            for w in check.windows:
                lines = []
                for body in [w, *w["others"]]:
                    source = body.get("source", w.get("based_on", ""))
                    who = body.get("citation") or SOURCE_WORDS.get(source, source)
                    if source == "meta-analysis":
                        who = f"published meta-analysis, {who}"
                    why = " ".join(body["footnotes"]) or "Nothing rated it down."
                    lines.append(
                        f"- {body['certainty_text']} · {ui.md(who)}: "
                        f"**{ui.md(DIRECTION_WORDS.get(body['direction'], body['direction']))}** — "
                        f"{ui.md(body['effect'])}.  \n  *Why not more certain:* {ui.md(why)}"
                    )
                overall = DIRECTION_WORDS.get(w["window_direction"], w["window_direction"])
                st.markdown(f"**{ui.md(w['window'].capitalize())}: {ui.md(overall)}**\n" + "\n".join(lines))
        found, against, other = list(check.for_ids), list(check.against_ids), list(check.other_ids)
        if found:
            ui.study_list(
                evidence,
                studies.loc[[s for s in found if s in studies.index]],
                key=f"claims.for.{check.claim_id}",
                caption=f"Studies that found it ({check.patients_for} patients on MSC). Click a row to open the study.",
            )
        if against:
            ui.study_list(
                evidence,
                studies.loc[[s for s in against if s in studies.index]],
                key=f"claims.against.{check.claim_id}",
                caption=f"Studies that measured it and did not find it ({check.patients_against} patients on MSC). "
                "Click a row to open the study.",
            )
        if other:
            ui.study_list(
                evidence,
                studies.loc[[s for s in other if s in studies.index]],
                key=f"claims.other.{check.claim_id}",
                caption="Studies that compared responders with non-responders only. Click a row to open the study.",
            )

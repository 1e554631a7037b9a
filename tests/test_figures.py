"""Figure builders on the mini fixture: the marks, colours, signs and hover text a reader sees.

Why this file is long: one section per figure module of components/views, all drawn from the
same fixture figures; splitting it would repeat the fixture set-up in every file.
"""

from __future__ import annotations

import pandas as pd
import pytest

from components.analysis import aggregate, compare, mechanisms, response, safety, stats, trials
from components.analysis.aggregate import STATE_LABELS
from components.analysis.outcomes import ANALYSES, build_analyses
from components.evidence.loader import Evidence, load_evidence
from components.views import (
    compare_figures,
    figure_kit,
    map_figures,
    mechanism_figures,
    outcome_figures,
    theme,
    trial_figures,
)
from tests.findings_support import add_row, add_sledai_effects, copy_mini, edit_rows

SLE, LN, RA, SSC = "sle", "lupus_nephritis", "rheumatoid_arthritis", "systemic_sclerosis"
HTML_LABEL = "<b>x</b> lupus"


def traces_by_name(fig) -> dict:
    return {trace.name: trace for trace in fig.data}


# ---------------------------------------------------------------------------------------------
# Evidence map


@pytest.fixture(scope="module")
def map_figure(mini):
    cells = aggregate.evidence_map(mini, mini.studies)
    return cells, map_figures.evidence_map_figure(mini, cells)


def test_evidence_map_has_one_trace_per_state_then_the_design_legend(map_figure):
    cells, fig = map_figure
    states = [s for s in (aggregate.BENEFIT, aggregate.NO_BENEFIT, aggregate.NOT_MEASURED) if s in set(cells["state"])]
    designs = ["Randomised controlled trial", "Non-randomised controlled study", "Single-arm trial"]
    assert [t.name for t in fig.data] == [STATE_LABELS[s] for s in states] + designs
    for trace in fig.data[len(states) :]:  # legend entries only: no marks on the grid
        assert list(trace.x) == [None] and trace.legendgroup == "design"


def test_evidence_map_leaves_out_a_state_no_cell_has(mini):
    sle_only = mini.studies[mini.studies["condition"] == SLE]
    fig = map_figures.evidence_map_figure(mini, aggregate.evidence_map(mini, sle_only))
    names = [t.name for t in fig.data]
    assert STATE_LABELS[aggregate.NO_BENEFIT] not in names
    assert names[:2] == [STATE_LABELS[aggregate.BENEFIT], STATE_LABELS[aggregate.NOT_MEASURED]]


@pytest.mark.parametrize("state", [aggregate.BENEFIT, aggregate.NO_BENEFIT, aggregate.NOT_MEASURED])
def test_evidence_map_colours_are_the_theme_state_colours(map_figure, state):
    _, fig = map_figure
    assert traces_by_name(fig)[STATE_LABELS[state]].marker.color == theme.STATE_COLOURS[state]


def test_evidence_map_marker_sizes_grow_with_patients(map_figure):
    cells, fig = map_figure
    pairs = []
    for state in (aggregate.BENEFIT, aggregate.NO_BENEFIT):
        part = cells[cells["state"] == state]
        pairs += list(zip(part["patients"], traces_by_name(fig)[STATE_LABELS[state]].marker.size, strict=True))
    pairs.sort()
    assert [p for p, _ in pairs] == [10, 12, 12, 20, 32, 32]
    sizes = [s for _, s in pairs]
    assert sizes == sorted(sizes)
    assert sizes[0] < sizes[3] < sizes[-1] == figure_kit.MAX_MARKER_PX  # more patients, visibly larger


@pytest.mark.parametrize(
    ("patients", "largest", "expected"),
    [
        ([100], 100, [figure_kit.MAX_MARKER_PX]),
        # Diameter follows log(1 + patients): 25 of 100 is 71% of the way from smallest to largest.
        ([25], 100, [figure_kit.MIN_MARKER_PX + (figure_kit.MAX_MARKER_PX - figure_kit.MIN_MARKER_PX) * 0.705961]),
        (
            [0, 1],
            100,
            [
                figure_kit.MIN_MARKER_PX,
                figure_kit.MIN_MARKER_PX + (figure_kit.MAX_MARKER_PX - figure_kit.MIN_MARKER_PX) * 0.150190,
            ],
        ),
        (
            [2586, 10, 40],
            2586,
            [figure_kit.MAX_MARKER_PX, 20.797727, 23.978822],
        ),  # a registry no longer flattens small trials
        ([500], 100, [figure_kit.MAX_MARKER_PX]),  # capped
        ([5], 0, [figure_kit.MIN_MARKER_PX]),
    ],
)
def test_marker_sizes(patients, largest, expected):
    assert list(figure_kit.marker_sizes(pd.Series(patients, dtype="float64"), largest)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("condition", "benefit", "mark"),
    [
        ("Systemic lupus erythematosus", "Lower disease activity", "+"),
        ("Lupus nephritis", "Less proteinuria", "–"),
        ("Systemic sclerosis", "Less pain", "±"),  # the RCT found none, the single-arm study did
        ("Systemic sclerosis", "Less skin fibrosis", "±"),
        ("Rheumatoid arthritis", "Less pain", ""),  # not measured
    ],
)
def test_evidence_map_marks(map_figure, condition, benefit, mark):
    _, fig = map_figure
    marks = {
        (y, x): text
        for trace in fig.data
        if trace.text
        for x, y, text in zip(trace.x, trace.y, trace.text, strict=True)
    }
    assert marks[(condition, benefit)] == mark


@pytest.fixture(scope="module")
def html_labels(tmp_path_factory) -> Evidence:
    """The fixture with HTML in a condition, a benefit and a design label."""
    data = copy_mini(tmp_path_factory.mktemp("html") / "data")
    vocabularies = data / "vocabularies"
    for file, old, new in (
        ("conditions.yaml", "label: Systemic lupus erythematosus,", f'label: "{HTML_LABEL}",'),
        ("benefits.yaml", "label: Lower disease activity,", 'label: "Lower <script>activity</script>",'),
        ("designs.yaml", "label: Single-arm trial,", 'label: "Single-arm <i>trial</i>",'),
    ):
        path = vocabularies / file
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
    return load_evidence(data)


def test_evidence_map_escapes_html_in_labels(html_labels):
    fig = map_figures.evidence_map_figure(html_labels, aggregate.evidence_map(html_labels, html_labels.studies))
    hover = "\n".join(text for trace in fig.data if trace.hovertext for text in trace.hovertext)
    shown = hover + "".join(str(v) for trace in fig.data for v in (*(trace.x or ()), *(trace.y or ()), trace.name))
    assert "&lt;b&gt;x&lt;/b&gt; lupus" in hover
    assert "Lower &lt;script&gt;activity&lt;/script&gt;" in hover
    assert "Single-arm &lt;i&gt;trial&lt;/i&gt;" in hover
    for raw in ("<b>x</b>", "<script>", "<i>trial"):
        assert raw not in shown
    assert "&lt;b&gt;x&lt;/b&gt; lupus" in fig.layout.yaxis.categoryarray


# ---------------------------------------------------------------------------------------------
# Compare


@pytest.fixture(scope="module")
def condition_groups(mini):
    return compare.group_studies(mini, mini.studies, "condition", [SLE, SSC, RA])


@pytest.mark.parametrize("order", [[SLE, SSC, RA], [RA, SLE]])
def test_benefit_share_figure_has_one_trace_per_group_in_the_theme_colours(mini, condition_groups, order):
    shares = compare.benefit_shares(mini, {g: condition_groups[g] for g in order})
    fig = compare_figures.benefit_share_figure(mini, shares, order, "conditions", "studies")
    colours = theme.condition_colours(order)
    assert [t.name for t in fig.data] == [mini.label("conditions", g) for g in order]
    assert [t.marker.color for t in fig.data] == [colours[g] for g in order]


@pytest.mark.parametrize(
    ("measure", "expected_x"),
    [("studies", 100 * 2 / 3), ("patients", 100 * 10 / 22)],  # patients: alpha's cohort once, of 22
)
def test_benefit_share_figure_values(mini, condition_groups, measure, expected_x):
    shares = compare.benefit_shares(mini, condition_groups)
    fig = compare_figures.benefit_share_figure(mini, shares, [SLE, SSC, RA], "conditions", measure)
    sle = fig.data[0]
    bars = dict(zip(sle.y, zip(sle.x, sle.text, strict=True), strict=True))
    assert bars["Lower disease activity"] == (pytest.approx(expected_x), "2/2")
    assert bars["Less proteinuria"] == (0, "0/1")
    assert bars["Less pain"] == (0, "not measured")


def test_target_moves_figure_puts_lowered_targets_left(mini, condition_groups):
    groups = {g: condition_groups[g] for g in (SLE, RA)}
    moves = compare.target_moves(mini, groups)
    fig = compare_figures.target_moves_figure(mini, moves, [SLE, RA], "conditions")
    bars = {t.name: dict(zip(t.y, t.x, strict=True)) for t in fig.data}
    assert bars == {
        "Systemic lupus erythematosus · raised": {"Treg": 1, "Th17": 0, "IL-6": 0},
        "Systemic lupus erythematosus · lowered": {"Treg": 0, "Th17": -1, "IL-6": 0},
        "Rheumatoid arthritis · raised": {"Treg": 0, "Th17": 0, "IL-6": 0},
        "Rheumatoid arthritis · lowered": {"Treg": 0, "Th17": 0, "IL-6": -1},
    }
    assert fig.layout.barmode == "relative"
    # The hover says how many studies, without the sign used to draw the bar.
    assert list(traces_by_name(fig)["Systemic lupus erythematosus · lowered"].customdata) == [0, 1, 0]


def test_adverse_event_figure(mini, condition_groups):
    rates = compare.adverse_event_rates(mini, condition_groups)
    fig = compare_figures.adverse_event_figure(mini, rates, [SLE, SSC, RA], "conditions")
    serious, non_serious = traces_by_name(fig)["Serious events"], traces_by_name(fig)["Non-serious events"]
    assert list(serious.y) == ["Systemic lupus erythematosus", "Systemic sclerosis", "Rheumatoid arthritis"]
    assert list(serious.x) == pytest.approx([100 / 12, 0, 0])  # RA reported nothing: no bar, not a zero rate
    low, high = compare.wilson_interval(1, 12)
    assert serious.error_x.array[0] == pytest.approx(100 * high - 100 / 12)
    assert serious.error_x.arrayminus[0] == pytest.approx(100 / 12 - 100 * low)
    assert non_serious.error_x.array[2] == 0
    assert [list(row) for row in serious.customdata] == [[1, 12, 1], [0, 12, 1], [0, 0, 0]]


# ---------------------------------------------------------------------------------------------
# Outcomes


@pytest.fixture(scope="module")
def sledai_effects(tmp_path_factory) -> Evidence:
    return load_evidence(add_sledai_effects(copy_mini(tmp_path_factory.mktemp("sledai") / "data")))


def forest(evidence: Evidence, studies: pd.DataFrame, measure: str, kind: str, null_value):
    analysis = next(a for a in build_analyses(evidence, studies, measure)[0] if a.kind == kind)
    fig = outcome_figures.forest_figure(
        evidence, analysis.effects, analysis.pooled, ANALYSES[kind], "points", True, null_value
    )
    return analysis, fig


def test_forest_figure_with_a_pooled_diamond(sledai_effects):
    analysis, fig = forest(sledai_effects, sledai_effects.studies, "sledai", stats.MEAN_DIFFERENCE, 0.0)
    pooled = analysis.pooled
    assert pooled.k == 3
    assert [t.name for t in fig.data] == ["Study (95% CI)", "Pooled estimate", "95% prediction interval"]
    diamond = traces_by_name(fig)["Pooled estimate"]
    assert list(diamond.x) == pytest.approx(
        [pooled.ci_low, pooled.estimate, pooled.ci_high, pooled.estimate, pooled.ci_low]
    )
    assert list(traces_by_name(fig)["95% prediction interval"].x) == pytest.approx([pooled.pi_low, pooled.pi_high])
    assert fig.layout.yaxis.ticktext[-1] == "<b>Pooled, random effects (k = 3)</b>"
    studies = traces_by_name(fig)["Study (95% CI)"]
    effects = analysis.effects.sort_values(["evidence_rank", "estimate"])
    assert list(studies.x) == pytest.approx(list(effects["estimate"]))
    assert list(studies.error_x.array) == pytest.approx(list(effects["ci_high"] - effects["estimate"]))
    assert list(studies.marker.symbol) == ["diamond", "diamond", "square"]  # two RCTs, then the controlled study
    (line,) = fig.layout.shapes  # the line of no difference
    assert (line.x0, line.x1) == (0, 0)
    assert "favours MSC" in fig.layout.xaxis.title.text


def test_forest_figure_of_one_study_has_no_diamond(sledai_effects):
    studies = sledai_effects.studies.loc[["ra-epsilon-2013"]]
    analysis, fig = forest(sledai_effects, studies, "sledai", stats.MEAN_DIFFERENCE, 0.0)
    assert analysis.pooled.k == 1
    assert [t.name for t in fig.data] == ["Study (95% CI)"]
    assert "Pooled" not in " ".join(fig.layout.yaxis.ticktext)


def test_forest_figure_of_proportions_has_no_line_of_no_effect(dataset_copy):
    outcomes = dataset_copy / "outcomes.csv"
    # Responders without a control: one study with none recorded, and the RCT's MSC arm alone.
    add_row(
        outcomes,
        study_id="sle-alpha-2010",
        measure="renal_remission",
        timepoint="12",
        timepoint_unit="months",
        n="10",
        responders="6",
        direction="improved",
    )
    edit_rows(
        outcomes, {"study_id": "ln-gamma-2017", "measure": "renal_remission"}, control_n="", control_responders=""
    )
    ev = load_evidence(dataset_copy)
    analysis, fig = forest(ev, ev.studies, "renal_remission", stats.PROPORTION, None)
    assert analysis.pooled.k == 2
    assert "Pooled estimate" in traces_by_name(fig)
    assert not fig.layout.shapes
    assert "favours" not in fig.layout.xaxis.title.text


# ---------------------------------------------------------------------------------------------
# Mechanisms


@pytest.fixture(scope="module")
def more_links(tmp_path_factory) -> Evidence:
    data = copy_mini(tmp_path_factory.mktemp("links") / "data")
    add_row(
        data / "mechanisms.csv", study_id="sle-delta-2014", target="treg", direction="up", contrast="after_vs_before"
    )
    add_row(
        data / "mechanisms.csv", study_id="ra-epsilon-2013", target="treg", direction="up", contrast="after_vs_before"
    )
    return load_evidence(data)


def test_mechanism_sankey_link_values_are_study_counts(more_links):
    first, second = mechanisms.sankey_table(mechanisms.target_benefit_links(more_links, more_links.studies))
    fig = mechanism_figures.mechanism_sankey(more_links, first, second)
    sankey = fig.data[0]
    labels = list(sankey.node.label)
    links = {
        (labels[s], labels[t]): v
        for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value, strict=True)
    }
    assert links == {
        ("Systemic lupus erythematosus", "Treg ↑"): 2,  # alpha and its follow-up
        ("Systemic lupus erythematosus", "Th17 ↓"): 1,
        ("Rheumatoid arthritis", "Treg ↑"): 1,
        ("Rheumatoid arthritis", "IL-6 ↓"): 1,
        ("Treg ↑", "Lower disease activity"): 3,
        ("Th17 ↓", "Lower disease activity"): 1,
        ("IL-6 ↓", "Lower disease activity"): 1,
    }
    assert list(sankey.link.value) == list(first["studies"]) + list(second["studies"])


def test_mechanism_sankey_escapes_labels(html_labels):
    first, second = mechanisms.sankey_table(mechanisms.target_benefit_links(html_labels, html_labels.studies))
    labels = list(mechanism_figures.mechanism_sankey(html_labels, first, second).data[0].node.label)
    assert "&lt;b&gt;x&lt;/b&gt; lupus" in labels
    assert not any("<" in label for label in labels)


def test_target_pivot_figure(mini):
    pivot = mechanisms.target_pivot(mini, mini.studies, "il6")
    fig = mechanism_figures.target_pivot_figure(mini, pivot, "il6")
    with_benefit, without = fig.data
    assert list(with_benefit.y) == ["Rheumatoid arthritis · lowered"]
    assert (list(with_benefit.x), list(without.x)) == ([1], [0])
    assert fig.layout.title.text == "Studies that measured IL-6, by condition"


# ---------------------------------------------------------------------------------------------
# Registered trials


def test_pipeline_figure(mini):
    table = trials.trials_with_publication(mini)
    fig = trial_figures.pipeline_figure(mini, table, trials.PHASE_LABELS, trials.STATUS_LABELS)
    bars = {t.name: dict(zip(t.y, t.x, strict=True)) for t in fig.data}
    assert bars == {
        "Terminated": {"Lupus nephritis": 1, "Rheumatoid arthritis": 0},
        "Unknown": {"Lupus nephritis": 0, "Rheumatoid arthritis": 1},
    }
    terminated = traces_by_name(fig)["Terminated"]
    assert terminated.marker.pattern.shape == "x"  # results may never appear: patterned
    assert terminated.marker.color == trial_figures.STATUS_COLOURS["terminated"]
    assert list(traces_by_name(fig)["Unknown"].customdata) == ["", "Phase 1/2"]


def test_timeline_figure(mini):
    events = trials.timeline(mini, mini.studies, trials.trials_with_publication(mini))
    fig = trial_figures.timeline_figure(mini, events)
    traces = traces_by_name(fig)
    assert list(traces) == ["Published study", "Registered trial, published", "Registered trial, no results published"]
    assert len(traces["Published study"].x) == 6
    waiting = traces["Registered trial, no results published"]
    assert (list(waiting.x), list(waiting.y), waiting.marker.symbol) == (
        [2015],
        ["Rheumatoid arthritis"],
        "diamond-open",
    )
    assert list(fig.layout.yaxis.categoryarray) == [
        "Systemic sclerosis",
        "Rheumatoid arthritis",
        "Lupus nephritis",
        "Systemic lupus erythematosus",
    ]


# ---------------------------------------------------------------------------------------------
# Safety, dose and durability


def test_benefit_harm_figure_draws_harm_to_the_left(mini):
    frame = safety.benefit_and_harm(mini, mini.studies)
    fig = compare_figures.benefit_harm_figure(mini, frame)
    benefit, harm = fig.data
    assert dict(zip(harm.y, harm.x, strict=True))["Lupus nephritis"] == -1
    assert dict(zip(benefit.y, benefit.x, strict=True))["Rheumatoid arthritis"] == 20


@pytest.fixture(scope="module")
def two_sources(tmp_path_factory) -> Evidence:
    """SLEDAI from two cell sources with a per-kg dose each."""
    data = copy_mini(tmp_path_factory.mktemp("doses") / "data")
    edit_rows(data / "studies.csv", {"study_id": "sle-delta-2014"}, dose_per_kg="2e6", cell_source="umbilical_cord")
    return load_evidence(data)


def test_dose_response_figure(two_sources):
    points, title = response.response_points(two_sources, two_sources.studies, "sledai")
    fig = outcome_figures.dose_response_figure(two_sources, points, title)
    assert fig.layout.xaxis.type == "log"
    assert fig.layout.yaxis.title.text == "improvement from baseline (% of baseline)"
    traces = {t.name: (list(t.x), list(t.y)) for t in fig.data}
    assert traces == {
        "Bone marrow MSC": ([1e6], [pytest.approx(100 * 8 / 12)]),
        "Umbilical cord MSC": ([2e6], [pytest.approx(100 * 9 / 12)]),
    }
    assert [t.marker.color for t in fig.data] == theme.OKABE_ITO[:2]


def test_durability_figure_has_one_line_per_study_arm(mini):
    points, title = response.response_points(mini, mini.studies, "sledai")
    fig = outcome_figures.durability_figure(mini, points, title)
    assert [(t.name, list(t.x)) for t in fig.data] == [("Alpha A et al. 2010", [12]), ("Delta D 2014", [48])]
    assert {t.line.dash for t in fig.data} == {"solid"}  # one infusion each (or not reported)


@pytest.fixture(scope="module")
def html_author(tmp_path_factory) -> Evidence:
    data = copy_mini(tmp_path_factory.mktemp("author") / "data")
    edit_rows(data / "studies.csv", {"study_id": "sle-alpha-2010"}, authors="<b>Evil</b> A; Beta B")
    return load_evidence(data)


@pytest.mark.parametrize("builder", [outcome_figures.dose_response_figure, outcome_figures.durability_figure])
def test_dose_and_durability_hover_escape_html_from_the_data(html_author, builder):
    points, title = response.response_points(html_author, html_author.studies, "sledai")
    fig = builder(html_author, points[points["dose_per_kg"].notna()], title)
    hover_data = [str(value) for trace in fig.data for row in trace.customdata for value in row]
    assert any("Evil" in value for value in hover_data)
    assert not any("<b>Evil</b>" in value for value in hover_data)


def test_mechanism_matrix_marks_each_link_with_its_study_count(mini):
    from components.analysis.mechanisms import sankey_table, target_benefit_links

    links = target_benefit_links(mini, mini.studies)
    _, second = sankey_table(links)
    fig = mechanism_figures.mechanism_matrix(mini, second)
    points = [
        (trace.name, cd, text) for trace in fig.data for cd, text in zip(trace.customdata, trace.text, strict=True)
    ]
    assert len(points) == len(second)
    # Raised and lowered targets differ in colour and in shape (a second encoding).
    symbols = {trace.name: trace.marker.symbol for trace in fig.data}
    assert symbols.get("Target raised", "triangle-up") == "triangle-up"
    assert symbols.get("Target lowered", "triangle-down") == "triangle-down"
    expected = {(r.target, r.direction, r.benefit): str(r.studies) for r in second.itertuples()}
    assert {tuple(cd): text for _, cd, text in points} == expected


def test_evidence_map_can_put_benefits_on_the_rows(mini):
    cells = aggregate.evidence_map(mini, mini.studies)
    upright = map_figures.evidence_map_figure(mini, cells)
    turned = map_figures.evidence_map_figure(mini, cells, benefits_as_rows=True)
    assert list(turned.layout.xaxis.categoryarray) == list(reversed(upright.layout.yaxis.categoryarray))
    assert list(turned.data[0].x) == list(upright.data[0].y)
    assert list(turned.data[0].y) == list(upright.data[0].x)

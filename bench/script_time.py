"""Server-side script time per rerun, with Streamlit's AppTest on the shipped data.

For every page in `components.views.ui.PAGES`, the median of N reruns, each after a widget change:
the sidebar Condition filter where the page has it, else the study picker, else a plain rerun. The floors run the same way: the one-line app gives
AppTest's own cost per rerun, the one-chart app a bare page with a 2,000-point chart.

    python -m bench.script_time [--reruns 15]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
from dataclasses import dataclass

from streamlit.testing.v1 import AppTest

from bench.server import APP, ONE_CHART, ONE_LINE
from components.evidence.loader import load_evidence
from components.views import ui

RERUNS = 15
TIMEOUT_S = 60
GOAL_MS = 50
# Clearing the app's cache outside a script run makes Streamlit warn about a missing context.
logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)


@dataclass
class ScriptTime:
    name: str
    change: str
    times_s: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_s) * 1000

    @property
    def max_ms(self) -> float:
        return max(self.times_s) * 1000


def _widget(at: AppTest, kind: str, label: str):
    found = [w for w in getattr(at, kind) if w.label == label]
    if not found:
        raise RuntimeError(f"no {kind} labelled {label!r} on this page")
    return found[0]


def _timed_reruns(at: AppTest, change, reruns: int) -> list[float]:
    """Warm once, then time `reruns` changes; `change(at, i)` sets a value, or returns None."""
    times = []
    for i in range(reruns + 1):
        start = time.perf_counter()
        (change(at, i) or at).run()
        elapsed = time.perf_counter() - start
        if at.exception:
            raise RuntimeError(f"the page raised: {at.exception[0].message}")
        if i:  # the first rerun after loading a page warms caches and is not counted
            times.append(elapsed)
    return times


def page_times(reruns: int = RERUNS) -> list[ScriptTime]:
    """Each page of the app on the shipped data."""
    os.environ.pop("MSC_EVIDENCE_DIR", None)
    ui.load_shipped.clear()
    evidence = load_evidence()
    present = set(evidence.studies["condition"])
    conditions = [c for c in evidence.vocab["conditions"].index if c in present][:2]
    study_ids = list(evidence.studies.index[:2])

    def condition(at: AppTest, i: int):
        return _widget(at, "multiselect", "Condition").set_value([conditions[i % 2]])

    def study(at: AppTest, i: int):
        return _widget(at, "selectbox", "Study").set_value(study_ids[i % 2])

    results = []
    for key, page in ui.PAGES.items():
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S).run()
        if page != ui.PAGES["overview"]:
            at.switch_page(page).run()
        # The widget a user would change here: the sidebar filter, else the study picker, else none.
        if any(w.label == "Condition" for w in at.multiselect):
            label, change = "Condition filter", condition
        elif any(w.label == "Study" for w in at.selectbox):
            label, change = "study picker", study
        else:
            label, change = "plain rerun", lambda at, i: None
        results.append(ScriptTime(key, label, _timed_reruns(at, change, reruns)))
    return results


def floor_times(reruns: int = RERUNS) -> list[ScriptTime]:
    line = AppTest.from_file(str(ONE_LINE), default_timeout=TIMEOUT_S).run()
    chart = AppTest.from_file(str(ONE_CHART), default_timeout=TIMEOUT_S).run()

    def seed(at: AppTest, i: int):
        return _widget(at, "selectbox", "Seed").set_value(2 + i % 2)

    return [
        ScriptTime("floor: one line", "plain rerun", _timed_reruns(line, lambda at, i: None, reruns)),
        ScriptTime("floor: one chart", "selectbox", _timed_reruns(chart, seed, reruns)),
    ]


def format_results(results: list[ScriptTime]) -> str:
    lines = [f"{'page':<18} {'change':<18} {'median ms':>9} {'max ms':>7} {'goal ms':>7}"]
    for r in results:
        goal = "" if r.name.startswith("floor") else f"≤ {GOAL_MS}"
        lines.append(f"{r.name:<18} {r.change:<18} {r.median_ms:>9.0f} {r.max_ms:>7.0f} {goal:>7}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=RERUNS)
    args = parser.parse_args()
    print(format_results(floor_times(args.reruns) + page_times(args.reruns)))


if __name__ == "__main__":
    main()

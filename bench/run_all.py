"""Every benchmark in one run, ours beside the bare Streamlit floors, as one table of figures.

    python -m bench.run_all            # the full run (about 8-10 minutes on 2 cores)
    python -m bench.run_all --quick    # fewer runs, smaller sizes (about 3 minutes)

Prints: figure, value, floor, ratio, goal, met? — and writes the same table with every section's
detail to bench/results/latest.md (git-ignored). Nothing here is a pass/fail test: the figures are
for reading, against a floor measured on the same machine in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SECTIONS = ("browser", "script", "scale", "upload", "memory", "load", "balancer")


@dataclass
class Row:
    figure: str
    value: float | None
    unit: str
    floor: float | None = None
    goal: float | None = None  # an upper bound, in the same unit
    note: str = ""
    ratio_goal: float | None = None  # an upper bound on value / floor (the goals for the browser)
    at_least: float | None = None  # a lower bound on the value (a throughput gain)

    @property
    def ratio(self) -> str:
        if self.value is None or self.floor is None or self.floor <= 0 or self.value <= 0:
            return "—"
        return f"{self.value / self.floor:.1f}×"

    @property
    def met(self) -> str:
        if self.at_least is not None:
            return "no" if self.value is None else ("yes" if self.value >= self.at_least else "no")
        if self.ratio_goal is not None:
            if self.value is None or not self.floor:
                return "no"
            return "yes" if self.value / self.floor <= self.ratio_goal else "no"
        if self.goal is None:
            return "—"
        if self.value is None:
            return "no"
        return "yes" if self.value <= self.goal else "no"

    def cells(self) -> list[str]:
        return [
            self.figure,
            _num(self.value, self.unit),
            _num(self.floor, self.unit),
            self.ratio,
            f"≥ {_num(self.at_least, self.unit)}"
            if self.at_least is not None
            else f"≤ {self.ratio_goal}× floor"
            if self.ratio_goal is not None
            else ("—" if self.goal is None else f"≤ {_num(self.goal, self.unit)}"),
            self.met,
        ]


def sessions(n: int) -> str:
    return f"{n} session" if n == 1 else f"{n} sessions"


def _num(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"
    if unit == "MB":
        return f"{value:.2f} MB" if abs(value) < 10 else f"{value:.0f} MB"
    if unit == "×":
        return f"{value:.2f}×"
    if unit == "/s":
        return f"{value:.1f}/s"
    return f"{value:g}{unit and ' ' + unit}"


# ---------------------------------------------------------------------------------------------
# Sections: each returns its table rows and its own detailed printout.


def browser_section(quick: bool, runs: int | None) -> tuple[list[Row], str]:
    from bench import browser

    results = {r.name: r for r in browser.measure_pages(runs or (2 if quick else browser.RUNS))}
    line, chart = results["floor: one line"], results["floor: one chart"]
    overview, explore = results["Overview"], results["Explore"]
    rows = [
        Row(
            "browser: Overview first text (title + Studies metric)",
            overview.first_text,
            "s",
            line.first_text,
            ratio_goal=1.3,
        ),
        Row("browser: Overview evidence map drawn", overview.charts, "s", chart.charts, ratio_goal=1.3),
        Row("browser: Overview rerun after Condition filter", overview.rerun, "s", chart.rerun, ratio_goal=1.5),
        Row("browser: Explore first text ('N of M studies')", explore.first_text, "s", line.first_text, ratio_goal=1.3),
        Row("browser: Explore rerun after Condition filter", explore.rerun, "s", chart.rerun, ratio_goal=1.5),
    ]
    rows += [Row(f"browser: errors ({r.name})", len(r.errors), "", goal=0) for r in results.values() if r.errors]
    return rows, browser.format_results(list(results.values()))


def script_section(quick: bool) -> tuple[list[Row], str]:
    from bench import script_time

    reruns = 6 if quick else script_time.RERUNS
    floors = script_time.floor_times(reruns)
    pages = script_time.page_times(reruns)
    floor = {r.name: r for r in floors}["floor: one chart"].median_ms
    rows = [Row(f"AppTest rerun: {p.name} ({p.change})", p.median_ms, "ms", floor, script_time.GOAL_MS) for p in pages]
    return rows, script_time.format_results(floors + pages)


def scale_section(quick: bool) -> tuple[list[Row], str]:
    from bench import scale

    sizes = (1_000, 10_000) if quick else scale.SIZES
    results = scale.measure_scale(sizes, 3 if quick else scale.REPEATS)
    by_label = {r.label: r for r in results}
    shipped = by_label["shipped"]
    rows = [
        Row("shipped data: load + validate", shipped.load_s, "s", goal=1.0),
        Row("shipped data: filter + aggregate (rerun)", shipped.rerun_ms, "ms"),
    ]
    for r in results[1:]:
        big = r.studies >= 100_000
        rows += [
            Row(f"{r.label}: load + validate", r.load_s, "s", goal=10.0 if big else None),
            Row(f"{r.label}: filter + aggregate, typical filter", r.rerun_ms, "ms", goal=300.0 if big else None),
            Row(f"{r.label}: filter + aggregate, no filter", r.unfiltered_ms, "ms"),
            Row(f"{r.label}: evidence map figure", r.figure_ms, "ms"),
        ]
    detail = scale.format_results(results) + "\n" + scale.typical_filter_text() + "\n" + scale.shipped_density_note()
    return rows, detail


def upload_section() -> tuple[list[Row], str]:
    from bench import upload

    results = upload.measure_uploads()
    rows = []
    for r in results:
        if "error" in r:
            rows.append(Row(f"upload {r['shape']}: FAILED", None, ""))
            continue
        rows += [
            Row(f"upload {r['shape']} ({r['upload_mb']:.0f} MB): check time", r["seconds"], "s", goal=upload.GOAL_S),
            Row(f"upload {r['shape']}: extra server memory", r["extra_mb"], "MB", goal=upload.GOAL_MB),
        ]
    return rows, upload.format_results(results)


def memory_section(quick: bool) -> tuple[list[Row], str]:
    from bench import memory

    levels = (1, 5) if quick else memory.LEVELS
    results = {r.name: r for r in memory.measure_memory(levels)}
    ours, floor = results["Overview"], results["floor: one chart"]
    top = max(levels)
    rows = [
        Row("server RSS, 1 session on Overview", ours.rss_mb.get(1), "MB", floor.rss_mb.get(1)),
        Row(f"server RSS, {sessions(top)} on Overview", ours.rss_mb.get(top), "MB", floor.rss_mb.get(top)),
        Row(
            "server memory per extra session",
            ours.per_session_mb,
            "MB",
            floor.per_session_mb,
            memory.GOAL_MB_PER_SESSION,
            note="ratio of two near-zero figures means little",
        ),
    ]
    rows += [Row(f"memory: errors ({r.name})", len(r.errors), "", goal=0) for r in results.values() if r.errors]
    return rows, memory.format_results(list(results.values()))


def load_section(quick: bool) -> tuple[list[Row], str]:
    from bench import load

    levels = (1, 5) if quick else load.LEVELS
    results = load.measure_load(levels, 3 if quick else load.RERUNS)
    ours = {r.sessions: r for r in results if r.target == "Overview"}
    floor = {r.sessions: r for r in results if r.target != "Overview"}
    rows = []
    for n in levels:
        o, f = ours.get(n), floor.get(n)
        rows += [
            Row(f"websocket rerun p50, {sessions(n)} (Overview)", o and o.p50_ms, "ms", f and f.p50_ms),
            Row(f"websocket rerun p95, {sessions(n)} (Overview)", o and o.p95_ms, "ms", f and f.p95_ms),
        ]
    errors = sum(r.errors for r in results)
    rows.append(Row("websocket driver: errors (all levels, both apps)", errors, "", goal=0))
    return rows, load.format_results(results)


def balancer_section(quick: bool) -> tuple[list[Row], str]:
    from bench import balancer, load

    levels = (1, 10) if quick else balancer.LEVELS
    runs = balancer.measure_balancer(levels, 3 if quick else balancer.RERUNS)
    by = {r.label: r.results for r in runs}
    floor = by["floor: one chart"]
    rows = []
    for label in ("1 worker", "2 workers"):
        for n in levels:
            r, f = by[label][n], floor[n]
            goals = {"ratio_goal": 1.5} if (label == "1 worker" and n == 30) else {}
            rows += [
                Row(f"behind HAProxy, {label}: rerun p50, {sessions(n)}", r.p50_ms, "ms", f.p50_ms, **goals),
                Row(
                    f"behind HAProxy, {label}: rerun p95, {sessions(n)}",
                    r.p95_ms,
                    "ms",
                    f.p95_ms,
                    **({"ratio_goal": 2.0} if goals else {}),
                ),
                Row(f"behind HAProxy, {label}: reruns per second, {sessions(n)}", r.reruns_per_s, "/s", f.reruns_per_s),
            ]
    top = 30 if 30 in levels else max(levels)
    rows.append(
        Row(
            f"2 workers / 1 worker throughput, {sessions(top)}",
            balancer.throughput_ratio(runs, top),
            "×",
            at_least=1.6,
        )
    )
    errors = sum(r.errors for run in runs for r in run.results.values())
    rows.append(Row("balancer runs: errors (all levels)", errors, "", goal=0))
    return rows, load.format_results([r for run in runs for r in run.results.values()])


# ---------------------------------------------------------------------------------------------


def format_table(rows: list[Row], markdown: bool = False) -> str:
    header = ["figure", "value", "floor", "ratio", "goal", "met?"]
    table = [header] + [r.cells() for r in rows]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cells) + " |" for cells in table[1:]]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def machine() -> str:
    import plotly
    import streamlit

    return (
        f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"Streamlit {streamlit.__version__}, Plotly {plotly.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and no 100k dataset")
    parser.add_argument("--runs", type=int, default=None, help="browser runs per page (default 5, quick 2)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    args = parser.parse_args()

    sections: dict[str, Callable[[], tuple[list[Row], str]]] = {
        "browser": lambda: browser_section(args.quick, args.runs),
        "script": lambda: script_section(args.quick),
        "scale": lambda: scale_section(args.quick),
        "upload": upload_section,
        "memory": lambda: memory_section(args.quick),
        "load": lambda: load_section(args.quick),
        "balancer": lambda: balancer_section(args.quick),
    }
    rows: list[Row] = []
    details: list[tuple[str, str, float]] = []
    started = time.perf_counter()
    for name in args.only:
        print(f"[{time.perf_counter() - started:5.0f} s] {name} …", file=sys.stderr, flush=True)
        section_start = time.perf_counter()
        try:
            section_rows, detail = sections[name]()
        except Exception as err:  # one broken section must not hide the others' figures
            section_rows = [Row(f"{name}: FAILED ({type(err).__name__}: {str(err).splitlines()[0][:80]})", None, "")]
            detail = traceback.format_exc()
        rows += section_rows
        details.append((name, detail, time.perf_counter() - section_start))
    total = time.perf_counter() - started

    command = "python -m bench.run_all " + " ".join(sys.argv[1:])
    table = format_table(rows)
    print(table)
    notes = [r for r in rows if r.note]
    for r in notes:
        print(f"note — {r.figure}: {r.note}")
    print(f"\n{command.strip()} · {machine()} · {total:.0f} s")

    RESULTS.mkdir(exist_ok=True)
    report = [
        "# Benchmark results",
        "",
        f"`{command.strip()}` on {dt.datetime.now().isoformat(timespec='seconds')} · {machine()} · {total:.0f} s",
        "",
        "Floors are bare Streamlit apps measured in the same run: one line of text (first text), one",
        "Plotly scatter of 2,000 points with a selectbox (charts, reruns, memory, load).",
        "",
        format_table(rows, markdown=True),
        "",
        *[f"- {r.figure}: {r.note}" for r in notes],
    ]
    for name, detail, seconds in details:
        report += ["", f"## {name} ({seconds:.0f} s)", "", "```", detail, "```"]
    (RESULTS / "latest.md").write_text("\n".join(report) + "\n", encoding="utf-8")
    print(f"written: {RESULTS / 'latest.md'}")


if __name__ == "__main__":
    main()

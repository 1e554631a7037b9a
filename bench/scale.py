"""The pure core at scale: load+validate, filter, aggregate and figure on the shipped data and on
synthetic datasets of 1k, 10k and 100k studies (see bench/generate.py).

A page's rerun does filter + aggregate (+ figure); the load happens once per process. Two
selections are timed: a typical filter change (TYPICAL) and the unfiltered first view.

    python -m bench.scale [--sizes 1000 10000 100000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.generate import generate_dataset
from components.analysis.aggregate import evidence_map, headline_numbers
from components.analysis.filters import StudyFilter, apply_filter, describe_filter
from components.evidence.files import MAX_FILE_BYTES
from components.evidence.loader import DATA_DIR, load_evidence, read_dictionary
from components.views.map_figures import evidence_map_figure

SIZES = (1_000, 10_000, 100_000)
REPEATS = 5
TYPICAL = StudyFilter(conditions=("sle",), year_min=2010)
FILE_LIMIT_MB = MAX_FILE_BYTES / 1024 / 1024
GROWING_TABLES = {"studies": 1, "outcomes": 4, "mechanisms": 2, "adverse_events": 2}


@dataclass
class ScaleResult:
    label: str
    studies: int
    load_s: float
    filter_ms: float
    aggregate_ms: float
    figure_ms: float
    unfiltered_ms: float
    shown: int
    largest_file_mb: float

    @property
    def rerun_ms(self) -> float:
        """Filter + aggregate after a typical filter change."""
        return self.filter_ms + self.aggregate_ms


def _median_s(action: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def time_dataset(label: str, folder: Path, repeats: int, load_repeats: int) -> ScaleResult:
    load_s, evidence = _median_s(lambda: load_evidence(folder), load_repeats)
    filter_s, studies = _median_s(lambda: apply_filter(evidence, TYPICAL), repeats)

    def aggregate():
        return evidence_map(evidence, studies), headline_numbers(studies)

    aggregate_s, (cells, _) = _median_s(aggregate, repeats)
    figure_s, _ = _median_s(lambda: evidence_map_figure(evidence, cells), repeats)

    def first_view():
        everything = apply_filter(evidence, StudyFilter())
        return evidence_map(evidence, everything), headline_numbers(everything)

    unfiltered_s, _ = _median_s(first_view, max(1, repeats // 2))
    sizes = [p.stat().st_size / 1e6 for p in folder.glob("*.csv")]
    return ScaleResult(
        label=label,
        studies=len(evidence.studies),
        load_s=load_s,
        filter_ms=filter_s * 1000,
        aggregate_ms=aggregate_s * 1000,
        figure_ms=figure_s * 1000,
        unfiltered_ms=unfiltered_s * 1000,
        shown=len(studies),
        largest_file_mb=max(sizes),
    )


def measure_scale(sizes: tuple[int, ...] = SIZES, repeats: int = REPEATS) -> list[ScaleResult]:
    """The shipped data, then each synthetic size (generated into a temporary folder, then removed)."""
    results = [time_dataset("shipped", DATA_DIR, repeats, load_repeats=repeats)]
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"evidence-{size}-") as folder:
            generate_dataset(Path(folder), size)
            load_repeats = 3 if size <= 10_000 else 1
            results.append(time_dataset(f"synthetic {size // 1000}k", Path(folder), repeats, load_repeats))
    return results


def shipped_density_note(studies: int = 100_000) -> str:
    """How big the growing tables would be at `studies` studies with rows as dense as the shipped ones."""
    dictionary = read_dictionary()
    shipped = load_evidence()
    per_study = len(shipped.studies)
    parts = []
    for table in GROWING_TABLES:
        path = DATA_DIR / dictionary["tables"][table]["file"]
        projected = path.stat().st_size / per_study * studies / 1e6
        parts.append(f"{path.name} ≈ {projected:.0f} MB")
    return (
        f"At the shipped data's bytes per study, {studies:,} studies would need " + ", ".join(parts) + f"; the loader "
        f"refuses files over {FILE_LIMIT_MB:.0f} MB, so the synthetic rows are kept compact."
    )


def format_results(results: list[ScaleResult]) -> str:
    lines = [
        f"{'dataset':<14} {'studies':>8} {'load s':>7} {'filter ms':>9} {'aggr ms':>8} {'rerun ms':>8} "
        f"{'figure ms':>9} {'unfilt ms':>9} {'shown':>6} {'max MB':>7}"
    ]
    for r in results:
        lines.append(
            f"{r.label:<14} {r.studies:>8} {r.load_s:>7.2f} {r.filter_ms:>9.1f} {r.aggregate_ms:>8.1f} "
            f"{r.rerun_ms:>8.1f} {r.figure_ms:>9.1f} {r.unfiltered_ms:>9.1f} {r.shown:>6} {r.largest_file_mb:>7.1f}"
        )
    return "\n".join(lines)


def typical_filter_text() -> str:
    return "typical filter: " + "; ".join(describe_filter(load_evidence(), TYPICAL))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()
    print(format_results(measure_scale(tuple(args.sizes), args.repeats)))
    print(typical_filter_text())
    print(shipped_density_note())


if __name__ == "__main__":
    main()

"""Many sessions through HAProxy: one worker against two, the bare one-chart app beside them.

Each level opens N simulated users at once (bench/load.py: protocol-level websocket sessions, each
changing the Condition filter several times) through the balancer of `deploy/serve.py`, first with
one app process behind it, then with two. The floor is the bare one-chart Streamlit app, one
process, driven the same way in the same run. Reruns per second is throughput: with two cores, two
workers should do clearly more than one once enough users wait.

    python -m bench.balancer [--sessions 1 10 30 60] [--reruns 6]
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass

from bench.load import TARGETS, LevelResult, drive, format_results
from bench.server import ONE_CHART, running
from deploy import serve
from tests.browser_support import free_port

LEVELS = (1, 10, 30, 60)
RERUNS = 6
TIMEOUT_S = 240


@dataclass
class BalancerRun:
    label: str  # "1 worker", "2 workers", "floor: one chart"
    results: dict[int, LevelResult]


def _drive_levels(url: str, target, levels: tuple[int, ...], reruns: int, label: str) -> dict[int, LevelResult]:
    # One throw-away session warms every worker's caches the same way for each configuration.
    asyncio.run(drive(url, target, 4, 1, TIMEOUT_S))
    out = {}
    for n in levels:
        result = asyncio.run(drive(url, target, n, reruns, TIMEOUT_S))
        result.target = label
        out[n] = result
    return out


def measure_balancer(levels: tuple[int, ...] = LEVELS, reruns: int = RERUNS, workers=(1, 2)) -> list[BalancerRun]:
    overview, floor = TARGETS
    runs = []
    for count in workers:
        pool = [serve.Worker(f"w{i + 1}", "127.0.0.1", free_port()) for i in range(count)]
        label = f"{count} worker" + ("s" if count > 1 else "")
        with serve.Deployment(pool, "127.0.0.1", free_port(), quiet=True) as deployment:
            runs.append(BalancerRun(label, _drive_levels(deployment.url, overview, levels, reruns, label)))
    with running(ONE_CHART) as server:
        runs.append(
            BalancerRun("floor: one chart", _drive_levels(server.url, floor, levels, reruns, "floor: one chart"))
        )
    return runs


def throughput_ratio(runs: list[BalancerRun], sessions: int) -> float | None:
    by = {r.label: r.results for r in runs}
    one, two = by.get("1 worker", {}).get(sessions), by.get("2 workers", {}).get(sessions)
    if not one or not two or not one.reruns_per_s:
        return None
    return two.reruns_per_s / one.reruns_per_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=list(LEVELS))
    parser.add_argument("--reruns", type=int, default=RERUNS)
    args = parser.parse_args()
    runs = measure_balancer(tuple(args.sessions), args.reruns)
    print(format_results([r for run in runs for r in run.results.values()]))
    for n in args.sessions:
        ratio = throughput_ratio(runs, n)
        if ratio is not None:
            print(f"{n} sessions: 2 workers / 1 worker throughput = {ratio:.2f}×")


if __name__ == "__main__":
    main()

"""Server memory per browser session: RSS with 1, 10 and 30 sessions open, ours against the floor.

One Chromium with one context opens tabs on the page one after another (each tab is its own
Streamlit session with its own websocket) and waits for each to be drawn. At each level the
server's resident memory, children included, is sampled once it has settled. The first session
carries the imports and the cached data load, so the cost of a session is the growth beyond it:
(RSS at N - RSS at 1) / (N - 1).

    python -m bench.memory [--sessions 1 10 30]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.browser import JS_CHARTS_DRAWN, JS_METRIC, VIEWPORT, chromium
from bench.server import APP, ONE_CHART, running
from tests.browser_support import READY

LEVELS = (1, 10, 30)
TIME_LIMIT_S = 240  # per app; levels not reached in time are reported as missing
SETTLE_S = 2.0
MB = 1024 * 1024
GOAL_MB_PER_SESSION = 2.0


@dataclass(frozen=True)
class MemoryTarget:
    name: str
    app: Path
    drawn: tuple[str, object]  # page predicate and its argument: the page is fully drawn


TARGETS = (
    MemoryTarget("Overview", APP, (JS_METRIC, "Studies")),
    MemoryTarget("floor: one chart", ONE_CHART, (JS_CHARTS_DRAWN, 1)),
)


@dataclass
class MemoryResult:
    name: str
    rss_mb: dict[int, float] = field(default_factory=dict)
    websockets: dict[int, int] = field(default_factory=dict)  # open at each level: the sessions are real
    seconds_per_tab: float | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def per_session_mb(self) -> float | None:
        """MB per session beyond the first, from the widest span measured."""
        levels = sorted(self.rss_mb)
        if len(levels) < 2:
            return None
        low, high = levels[0], levels[-1]
        return (self.rss_mb[high] - self.rss_mb[low]) / (high - low)


def server_rss_mb(pid: int) -> float:
    """Resident memory of the server process and all its children."""
    process = psutil.Process(pid)
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):  # a child may exit while we count
            total += child.memory_info().rss
    return total / MB


def settled_rss_mb(pid: int) -> float:
    time.sleep(SETTLE_S)
    samples = []
    for _ in range(3):
        samples.append(server_rss_mb(pid))
        time.sleep(0.3)
    return statistics.median(samples)


def measure_target(browser, target: MemoryTarget, levels: tuple[int, ...], time_limit: float) -> MemoryResult:
    result = MemoryResult(target.name)
    deadline = time.monotonic() + time_limit
    with running(target.app) as server:
        context = browser.new_context(viewport=VIEWPORT)
        pages, sockets = [], []
        started = time.monotonic()
        try:
            for level in sorted(levels):
                while len(pages) < level:
                    if time.monotonic() > deadline:
                        result.errors.append(f"stopped at {len(pages)} sessions: over {time_limit:.0f} s")
                        return result
                    page = context.new_page()
                    page.on("websocket", lambda socket: sockets.append(socket))
                    page.goto(server.url, wait_until="commit")
                    page.wait_for_function(target.drawn[0], arg=target.drawn[1], timeout=60_000)
                    page.wait_for_selector(READY, timeout=60_000)
                    pages.append(page)
                result.seconds_per_tab = (time.monotonic() - started - SETTLE_S * len(result.rss_mb)) / len(pages)
                result.rss_mb[level] = settled_rss_mb(server.pid)
                result.websockets[level] = sum(not socket.is_closed() for socket in sockets)
        except Exception as err:  # report what was measured so far
            result.errors.append(f"{type(err).__name__}: {str(err).splitlines()[0][:160]}")
        finally:
            context.close()
    return result


def measure_memory(
    levels: tuple[int, ...] = LEVELS, time_limit: float = TIME_LIMIT_S, targets: tuple[MemoryTarget, ...] = TARGETS
) -> list[MemoryResult]:
    with chromium() as browser:
        return [measure_target(browser, target, levels, time_limit) for target in targets]


def format_results(results: list[MemoryResult]) -> str:
    levels = sorted({level for r in results for level in r.rss_mb})
    header = (
        f"{'app':<18} "
        + " ".join(f"{f'RSS@{n} MB':>11}" for n in levels)
        + f" {'MB/session':>10} {'websockets':>12} {'s/tab':>6}"
    )
    lines = [header]
    for r in results:
        cells = " ".join(f"{r.rss_mb[n]:>11.1f}" if n in r.rss_mb else f"{'—':>11}" for n in levels)
        per = "—" if r.per_session_mb is None else f"{r.per_session_mb:.2f}"
        conns = "/".join(str(r.websockets[n]) for n in levels if n in r.websockets)
        tab = "—" if r.seconds_per_tab is None else f"{r.seconds_per_tab:.1f}"
        lines.append(f"{r.name:<18} {cells} {per:>10} {conns:>12} {tab:>6}")
        lines += [f"    error: {e}" for e in r.errors]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=list(LEVELS))
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT_S, help="seconds per app")
    args = parser.parse_args()
    print(format_results(measure_memory(tuple(args.sessions), args.time_limit)))


if __name__ == "__main__":
    main()

"""Concurrent sessions driven at the protocol level: rerun latency at 1, 10 and 30 sessions.

Each simulated user opens Streamlit's websocket (`/_stcore/stream`) on loopback, asks for the
first script run as a browser does (a `rerun_script` BackMsg), finds the widget to change in the
ForwardMsg deltas of that run, and then changes its value a fixed number of times. A rerun's
latency is the time from sending the `rerun_script` BackMsg with the new widget state to the
`script_finished` ForwardMsg. No browser is involved, so this measures the server alone: script
time plus queueing, since all sessions share one process and their reruns compete for the CPU.

    python -m bench.load [--sessions 1 10 30] [--reruns 10] [--timeout 120]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

from bench.server import APP, HOST, ONE_CHART, running

LEVELS = (1, 10, 30)
RERUNS = 10
TIMEOUT_S = 120
RECV_TIMEOUT_S = 60
FINISHED_OK = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
# How each kind of widget carries its value in a WidgetState (Streamlit 1.67: formatted options).
VALUE_FIELDS = {"multiselect": "string_array_value", "selectbox": "string_value"}


@dataclass(frozen=True)
class LoadTarget:
    """An app and the widget its simulated users change, found by its label (keys may change)."""

    name: str
    app: Path
    widget_label: str


TARGETS = (
    LoadTarget("Overview", APP, "Condition"),
    LoadTarget("floor: one chart", ONE_CHART, "Seed"),
)


@dataclass
class Widget:
    element_id: str
    kind: str
    options: list[str]
    default: list[int]

    def values(self) -> list[str | list[str]]:
        """Values to cycle through; consecutive values always differ, so every rerun is a change."""
        if self.kind == "multiselect":
            return [[option] for option in self.options[:4]] or [[]]
        others = [o for i, o in enumerate(self.options) if i not in self.default]
        default = [self.options[i] for i in self.default][:1]
        return [*others[:3], *default] if others else default


@dataclass
class SessionStats:
    first_run_s: float | None = None
    rerun_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class LevelResult:
    target: str
    sessions: int
    reruns_ok: int
    errors: int
    p50_ms: float | None
    p95_ms: float | None
    max_ms: float | None
    first_run_p50_ms: float | None
    wall_s: float
    reruns_per_s: float
    error_samples: list[str] = field(default_factory=list)


def _rerun_message(page_script_hash: str, widget: Widget | None, value: str | list[str] | None) -> bytes:
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = ""
    state.page_script_hash = page_script_hash
    if widget is not None and value is not None:
        ws = state.widget_states.widgets.add()
        ws.id = widget.element_id
        if VALUE_FIELDS[widget.kind] == "string_array_value":
            ws.string_array_value.data.extend(value)
        else:
            ws.string_value = value  # type: ignore[assignment]
    return msg.SerializeToString()


async def _run_until_finished(ws, widget_label: str, found: dict) -> tuple[int, list[str]]:
    """Read ForwardMsgs until the script finishes; note the page hash, the widget and a digest of
    what the run drew (found["digest"]), so a rerun that changed nothing is caught."""
    problems = []
    digest = hashlib.blake2b(digest_size=16)
    while True:
        data = await asyncio.wait_for(ws.recv(), RECV_TIMEOUT_S)
        fm = ForwardMsg()
        fm.ParseFromString(data)
        kind = fm.WhichOneof("type")
        if kind == "navigation" and fm.navigation.page_script_hash:
            found["page_script_hash"] = fm.navigation.page_script_hash
        elif kind == "delta":
            digest.update(data)
            if fm.delta.WhichOneof("type") != "new_element":
                continue
            element_kind = fm.delta.new_element.WhichOneof("type")
            if element_kind == "exception":
                problems.append(f"exception: {fm.delta.new_element.exception.message[:120]}")
            elif element_kind in VALUE_FIELDS:
                element = getattr(fm.delta.new_element, element_kind)
                if element.label == widget_label:
                    default = list(element.default) if element_kind == "multiselect" else [element.default]
                    found["widget"] = Widget(element.id, element_kind, list(element.options), default)
        elif kind == "page_not_found":
            problems.append("page not found")
        elif kind == "script_finished":
            found["digest"] = digest.hexdigest()
            return fm.script_finished, problems


async def run_session(ws_url: str, target: LoadTarget, reruns: int) -> SessionStats:
    """One simulated user: the first run, then `reruns` widget changes, one after another."""
    stats = SessionStats()
    try:
        async with connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=30) as ws:
            found: dict = {"page_script_hash": ""}
            start = time.perf_counter()
            await ws.send(_rerun_message("", None, None))
            status, problems = await _run_until_finished(ws, target.widget_label, found)
            stats.first_run_s = time.perf_counter() - start
            stats.errors += problems
            if status not in FINISHED_OK:
                stats.errors.append(f"first run finished with status {status}")
            widget = found.get("widget")
            if widget is None:
                stats.errors.append(f"no widget labelled {target.widget_label!r} in the first run")
                return stats
            values = widget.values()
            previous = found["digest"]
            for i in range(reruns):
                start = time.perf_counter()
                await ws.send(_rerun_message(found["page_script_hash"], widget, values[i % len(values)]))
                status, problems = await _run_until_finished(ws, target.widget_label, found)
                elapsed = time.perf_counter() - start
                if found["digest"] == previous:
                    problems.append("a rerun with a new widget value drew the same page (value not applied?)")
                previous = found["digest"]
                if status in FINISHED_OK and not problems:
                    stats.rerun_s.append(elapsed)
                else:
                    stats.errors += problems or [f"rerun finished with status {status}"]
    except (OSError, TimeoutError) as err:
        stats.errors.append(f"{type(err).__name__}: {err}")
    except Exception as err:  # a closed or refused websocket: count it, keep the other sessions going
        stats.errors.append(f"{type(err).__name__}: {err}")
    return stats


def _ms(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q) * 1000) if values else None


async def drive(url: str, target: LoadTarget, sessions: int, reruns: int, timeout: float) -> LevelResult:
    """`sessions` users at once, each doing `reruns` reruns; everything cut off after `timeout` s."""
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    start = time.perf_counter()
    tasks = [asyncio.create_task(run_session(ws_url, target, reruns)) for _ in range(sessions)]
    done, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    wall = time.perf_counter() - start
    results = [t.result() for t in done]
    latencies = [x for r in results for x in r.rerun_s]
    firsts = [r.first_run_s for r in results if r.first_run_s is not None]
    errors = [e for r in results for e in r.errors] + [f"session still running after {timeout:.0f} s"] * len(pending)
    return LevelResult(
        target=target.name,
        sessions=sessions,
        reruns_ok=len(latencies),
        errors=len(errors),
        p50_ms=_ms(latencies, 50),
        p95_ms=_ms(latencies, 95),
        max_ms=_ms(latencies, 100),
        first_run_p50_ms=_ms(firsts, 50),
        wall_s=wall,
        reruns_per_s=len(latencies) / wall if wall else 0.0,
        error_samples=sorted(set(errors))[:3],
    )


def measure_load(
    levels: tuple[int, ...] = LEVELS,
    reruns: int = RERUNS,
    timeout: float = TIMEOUT_S,
    targets: tuple[LoadTarget, ...] = TARGETS,
) -> list[LevelResult]:
    """Every target at every level of concurrency, one fresh server per target."""
    assert HOST == "127.0.0.1"  # loopback only: this is a load generator
    results = []
    for target in targets:
        with running(target.app) as server:
            # One throw-away session warms the process (imports, the cached evidence load).
            asyncio.run(drive(server.url, target, 1, 1, timeout))
            for sessions in levels:
                results.append(asyncio.run(drive(server.url, target, sessions, reruns, timeout)))
    return results


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def format_results(results: list[LevelResult]) -> str:
    lines = [
        f"{'app':<18} {'sessions':>8} {'reruns':>7} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'max ms':>7} {'1st run ms':>10} {'reruns/s':>8}"
    ]
    for r in results:
        lines.append(
            f"{r.target:<18} {r.sessions:>8} {r.reruns_ok:>7} {r.errors:>6} {_fmt(r.p50_ms):>7} "
            f"{_fmt(r.p95_ms):>7} {_fmt(r.max_ms):>7} {_fmt(r.first_run_p50_ms):>10} {r.reruns_per_s:>8.1f}"
        )
        lines += [f"    error: {e}" for e in r.error_samples]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=list(LEVELS))
    parser.add_argument("--reruns", type=int, default=RERUNS)
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds allowed per level")
    args = parser.parse_args()
    print(format_results(measure_load(tuple(args.sessions), args.reruns, args.timeout)))


if __name__ == "__main__":
    main()

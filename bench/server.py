"""Start and stop Streamlit servers for the benchmarks: loopback only, headless, no file watcher.

Every server runs with the project folder as its working directory, so the app and the floor apps
share the same `.streamlit/config.toml` and differ only in their scripts.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.browser_support import free_port, server_command, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
FLOORS = Path(__file__).resolve().parent / "floors"
ONE_LINE = FLOORS / "one_line.py"
ONE_CHART = FLOORS / "one_chart.py"
HOST = "127.0.0.1"
START_TIMEOUT_S = 60


@dataclass
class Server:
    """A running `streamlit run` process and where to reach it."""

    process: subprocess.Popen
    app: Path
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """Terminate the server (and only it), waiting for it to exit."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(app: Path, evidence_dir: Path | None = None) -> Server:
    """Start `streamlit run app` on a free loopback port and wait until it is healthy.

    `evidence_dir` sets MSC_EVIDENCE_DIR, pointing the app at another dataset folder.
    """
    env = dict(os.environ)
    env.pop("MSC_EVIDENCE_DIR", None)
    if evidence_dir is not None:
        env["MSC_EVIDENCE_DIR"] = str(evidence_dir)
    port = free_port()
    log = Path(tempfile.mkstemp(prefix=f"bench-{app.stem}-", suffix=".log")[1])
    with log.open("wb") as sink:
        process = subprocess.Popen(server_command(app, port), cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    server = Server(process=process, app=app, port=port, log=log)
    try:
        wait_healthy(server.url, process, START_TIMEOUT_S)
    except RuntimeError as err:
        server.stop()
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{err}\n--- server log ({log}) ---\n{tail}") from err
    return server


@contextmanager
def running(app: Path, evidence_dir: Path | None = None) -> Iterator[Server]:
    """A server for the duration of a `with` block."""
    server = start_server(app, evidence_dir)
    try:
        yield server
    finally:
        server.stop()

"""A Streamlit server and a headless Chromium, started once per test session.

Playwright's own browser download does not work offline, so the tests drive Debian's chromium
(`apt-get install chromium`). Without it the browser tests skip with the reason, unless
REQUIRE_BROWSER=1 (as in CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(app: Path, port: int) -> list[str]:
    """The app's launcher (or `streamlit run` for another script) on loopback only, headless, without
    usage statistics or a file watcher."""
    launcher = (
        ["-m", "components.views.launch"]
        if app.resolve() == (ROOT / "app.py")
        else ["-m", "streamlit", "run", str(app)]
    )
    return [
        sys.executable,
        *launcher,
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Wait for the server's health endpoint; fail early if the process has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Streamlit server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the Streamlit server did not answer {url}/_stcore/health within {timeout:.0f} s")


def start_server(app: Path, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run` on a free loopback port; return the process and its URL."""
    port = free_port()
    process = subprocess.Popen(
        server_command(app, port),
        cwd=app.parent,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
    except RuntimeError:
        process.kill()
        raise
    return process, url

"""Serve the app as several Streamlit processes behind HAProxy (Debian's `haproxy` package).

Streamlit runs every session's script in one Python process, so with many people clicking at
once their reruns queue behind each other. More processes serve more people; a load balancer in
front shares the browsers among them and keeps each browser on its own process (Streamlit holds a
session, its uploads and its media in the process that started it).

    python -m deploy.serve --workers 2                  # 2 local workers on ports 8601, 8602
    python -m deploy.serve --hosts deploy/hosts.txt     # the balancer only, for workers elsewhere
    python -m deploy.serve --workers 2 --check          # write and check the configuration, then stop

The worker addresses live in one place: generated from --workers, or read from a hosts file (one
`host:port` per line, `#` comments). Every worker must be started with the same cookie secret
(STREAMLIT_SERVER_COOKIE_SECRET), so a browser moved to another worker keeps a valid upload token.
Local workers that exit are started again.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
TEMPLATE = DEPLOY / "haproxy.cfg.in"
NO_WORKER_PAGE = DEPLOY / "no-worker.http"
FIRST_WORKER_PORT = 8601
MAX_WORKERS = 64
START_TIMEOUT_S = 90
HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


class DeployError(Exception):
    """A setting or a hosts file that cannot work; the message says where and why."""


@dataclass(frozen=True)
class Worker:
    """One Streamlit process the balancer sends browsers to."""

    name: str
    host: str
    port: int

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"


def _check_host(host: str, where: str) -> str:
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    if not HOSTNAME.match(host):
        raise DeployError(f"{where}: {host!r} is not a host name or an IP address")
    return host


def _check_port(text: str, where: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise DeployError(f"{where}: the port {text!r} is not a number from 1 to 65535")
    return int(text)


def parse_hosts(text: str, source: str = "hosts file") -> list[Worker]:
    """Workers from a hosts file: one `host:port` (or `[ipv6]:port`) per line, `#` starts a comment."""
    workers: list[Worker] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{source}, line {number}"
        match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\S+)|([^\s:\[\]]+):(\S+)", line)
        if not match:
            raise DeployError(f"{where}: expected host:port, found {line!r}")
        host = match.group(1) or match.group(3)
        port = _check_port(match.group(2) or match.group(4), where)
        workers.append(Worker(f"w{len(workers) + 1}", _check_host(host, where), port))
    if not workers:
        raise DeployError(f"{source}: no worker address (one host:port per line)")
    if len(workers) > MAX_WORKERS:
        raise DeployError(f"{source}: {len(workers)} workers; at most {MAX_WORKERS}")
    duplicates = sorted({w.address for w in workers if [x.address for x in workers].count(w.address) > 1})
    if duplicates:
        raise DeployError(f"{source}: listed twice: {', '.join(duplicates)}")
    return workers


def local_workers(count: int, first_port: int = FIRST_WORKER_PORT, host: str = "127.0.0.1") -> list[Worker]:
    if not 1 <= count <= MAX_WORKERS:
        raise DeployError(f"WORKERS={count}: choose from 1 to {MAX_WORKERS}")
    _check_port(str(first_port + count - 1), "worker ports")
    return [Worker(f"w{i + 1}", host, first_port + i) for i in range(count)]


def render_config(workers: list[Worker], bind_host: str, bind_port: int, no_worker_page: Path = NO_WORKER_PAGE) -> str:
    """The HAProxy configuration for these workers (each checked, each with its affinity cookie)."""
    bind = f"[{bind_host}]:{bind_port}" if ":" in bind_host else f"{bind_host}:{bind_port}"
    servers = "\n".join(f"    server {w.name} {w.address} check cookie {w.name}" for w in workers)
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        bind_address=bind, servers=servers, no_worker_page=str(no_worker_page)
    )


def find_haproxy() -> str:
    found = shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(p).exists()), None
    )
    if not found:
        raise DeployError(
            "HAProxy is not installed. On Debian or Ubuntu: sudo apt-get install haproxy "
            "(the balancer runs as your user; no system service is needed)."
        )
    return found


def check_config(haproxy: str, config: Path) -> None:
    result = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True)
    if result.returncode != 0:
        raise DeployError(f"HAProxy refused the configuration {config}:\n{result.stdout}{result.stderr}")


def worker_command(worker: Worker) -> list[str]:
    """A worker is the app's own launcher (data warmed before it answers health checks)."""
    return [
        sys.executable,
        "-m",
        "components.views.launch",
        "--server.address",
        worker.host,
        "--server.port",
        str(worker.port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


def healthy(url: str, timeout: float = 2) -> bool:
    """Streamlit's health endpoint answers 200 (through the balancer: some worker is healthy)."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def answering(url: str, timeout: float = 2) -> bool:
    """Something answers HTTP at `url`, whatever the status (the balancer with no worker up gives 503)."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def wait_until(check, what: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise DeployError(f"{what}: the process exited with code {process.returncode}")
        if check():
            return
        time.sleep(0.2)
    raise DeployError(f"{what}: not ready within {timeout:.0f} s")


class Deployment:
    """N local workers (or none, for remote ones) and HAProxy in front, started and stopped together."""

    def __init__(
        self,
        workers: list[Worker],
        bind_host: str,
        bind_port: int,
        *,
        start_workers: bool = True,
        run_dir: Path | None = None,
        quiet: bool = False,
        env: dict[str, str] | None = None,
    ):
        self.workers = workers
        self.bind_host, self.bind_port = bind_host, bind_port
        self.start_workers = start_workers
        self.run_dir = run_dir or Path(tempfile.mkdtemp(prefix="msc-balancer-"))
        self.quiet = quiet
        # One cookie secret for every worker: the upload token a browser holds stays valid when the
        # balancer moves it to another worker.
        secret = os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET") or secrets.token_hex(32)
        self.env = {**os.environ, **(env or {}), "STREAMLIT_SERVER_COOKIE_SECRET": secret}
        self.processes: dict[str, subprocess.Popen] = {}
        self.balancer: subprocess.Popen | None = None
        self.config = self.run_dir / "haproxy.cfg"

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.bind_host in ("0.0.0.0", "::") else self.bind_host
        return f"http://{host}:{self.bind_port}"

    def _output(self, name: str):
        return subprocess.DEVNULL if self.quiet else (self.run_dir / f"{name}.log").open("ab")

    def start_worker(self, worker: Worker) -> subprocess.Popen:
        process = subprocess.Popen(
            worker_command(worker), cwd=ROOT, env=self.env, stdout=self._output(worker.name), stderr=subprocess.STDOUT
        )
        self.processes[worker.name] = process
        return process

    def start(self) -> Deployment:
        haproxy = find_haproxy()
        self.config.write_text(render_config(self.workers, self.bind_host, self.bind_port), encoding="utf-8")
        check_config(haproxy, self.config)
        try:
            if self.start_workers:
                for worker in self.workers:
                    self.start_worker(worker)
                for worker in self.workers:
                    wait_until(
                        lambda w=worker: healthy(w.url),
                        f"worker {worker.name} at {worker.url}",
                        START_TIMEOUT_S,
                        self.processes[worker.name],
                    )
            self.balancer = subprocess.Popen(
                [haproxy, "-db", "-f", str(self.config)],
                cwd=ROOT,
                stdout=self._output("haproxy"),
                stderr=subprocess.STDOUT,
            )
            ready = healthy if self.start_workers else answering
            wait_until(lambda: ready(self.url), f"the balancer at {self.url}", 30, self.balancer)
        except BaseException:
            self.stop()
            raise
        return self

    def restart_exited_workers(self) -> list[str]:
        """Start again any local worker that exited; the balancer puts it back once it is healthy."""
        restarted = []
        for worker in self.workers:
            process = self.processes.get(worker.name)
            if process is not None and process.poll() is not None:
                self.start_worker(worker)
                restarted.append(worker.name)
        return restarted

    def stop(self) -> None:
        for process in [self.balancer, *self.processes.values()]:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in [self.balancer, *self.processes.values()]:
            if process is None:
                continue
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def __enter__(self) -> Deployment:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=2, help="local Streamlit processes to start (default 2)")
    where.add_argument("--hosts", type=Path, help="a file of worker addresses (host:port per line) started elsewhere")
    parser.add_argument("--host", default="127.0.0.1", help="address the balancer listens on")
    parser.add_argument("--port", type=int, default=8501, help="port the balancer listens on")
    parser.add_argument("--first-worker-port", type=int, default=FIRST_WORKER_PORT)
    parser.add_argument("--check", action="store_true", help="write and check the configuration, then stop")
    args = parser.parse_args(argv)
    try:
        if args.hosts:
            if not args.hosts.exists():
                raise DeployError(f"{args.hosts}: no such file")
            workers = parse_hosts(args.hosts.read_text(encoding="utf-8"), str(args.hosts))
        else:
            workers = local_workers(args.workers, args.first_worker_port)
        deployment = Deployment(workers, args.host, args.port, start_workers=not args.hosts)
        if args.check:
            deployment.config.write_text(render_config(workers, args.host, args.port), encoding="utf-8")
            check_config(find_haproxy(), deployment.config)
            print(f"configuration for {len(workers)} worker(s) is valid: {deployment.config}")
            return 0
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        with deployment:
            names = ", ".join(f"{w.name} {w.address}" for w in workers)
            print(f"Serving {deployment.url} with {len(workers)} worker(s): {names}. Logs: {deployment.run_dir}")
            print("Stop with Ctrl+C.", flush=True)
            while True:
                time.sleep(2)
                if deployment.balancer is not None and deployment.balancer.poll() is not None:
                    raise DeployError(f"HAProxy exited with code {deployment.balancer.returncode}")
                for name in deployment.restart_exited_workers():
                    print(f"worker {name} had exited; started again", flush=True)
    except DeployError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())

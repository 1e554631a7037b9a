"""Several app processes behind HAProxy: the configuration, and a real browser through it.

The configuration tests need nothing installed. The end-to-end ones start two workers and HAProxy
on loopback and drive Chromium through the balancer: a deep link, an upload (which fails with "400
session invalid" without session affinity), a worker killed under an open page (the page comes
back on the other worker with its view from the URL), and the page shown when no worker answers.
They skip without HAProxy or Chromium, unless REQUIRE_BROWSER=1 (as in CI), where that fails.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from deploy import serve
from tests.browser_support import READY, free_port
from tests.conftest import ROOT

# ---------------------------------------------------------------------------------------------
# The configuration (no HAProxy needed)


def test_hosts_file_gives_one_worker_per_address_with_comments_and_ipv6():
    text = "# workers\n10.0.0.5:8501\nexplorer-2.internal:8502  # second host\n\n[2001:db8::7]:8501\n"
    workers = serve.parse_hosts(text, "hosts.txt")
    assert [(w.name, w.address) for w in workers] == [
        ("w1", "10.0.0.5:8501"),
        ("w2", "explorer-2.internal:8502"),
        ("w3", "[2001:db8::7]:8501"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10.0.0.5\n", "hosts.txt, line 1: expected host:port, found '10.0.0.5'"),
        ("10.0.0.5:8501\nbad host:1\n", "hosts.txt, line 2: expected host:port"),
        ("10.0.0.5:99999\n", "hosts.txt, line 1: the port '99999' is not a number from 1 to 65535"),
        ("-evil:8501\n", "hosts.txt, line 1: '-evil' is not a host name or an IP address"),
        ("a:1\na:1\n", "hosts.txt: listed twice: a:1"),
        ("# nothing\n", "hosts.txt: no worker address"),
    ],
)
def test_a_bad_hosts_file_is_refused_with_its_line(text, message):
    with pytest.raises(serve.DeployError) as err:
        serve.parse_hosts(text, "hosts.txt")
    assert str(err.value).startswith(message)


def test_configuration_checks_health_keeps_sessions_on_one_worker_and_moves_them_when_it_dies():
    workers = serve.local_workers(3, 9101)
    config = serve.render_config(workers, "0.0.0.0", 8080)
    assert "bind 0.0.0.0:8080" in config
    for w in workers:
        assert f"server {w.name} 127.0.0.1:{w.port} check cookie {w.name}" in config
    assert "cookie MSCWORKER insert indirect nocache" in config  # affinity for websocket, uploads, media
    assert "option httpchk GET /_stcore/health" in config and "http-check expect status 200" in config
    assert "option redispatch" in config  # a dead worker's browsers go to a live one
    assert "timeout tunnel 1h" in config  # websockets outlive the default server timeout
    assert f"errorfile 503 {serve.NO_WORKER_PAGE}" in config


def test_worker_count_is_bounded():
    with pytest.raises(serve.DeployError, match="WORKERS=0"):
        serve.local_workers(0)
    with pytest.raises(serve.DeployError, match="WORKERS=65"):
        serve.local_workers(65)


def test_the_no_worker_page_is_a_complete_http_response_that_retries():
    raw = serve.NO_WORKER_PAGE.read_bytes().decode("utf-8")
    head, _, body = raw.partition("\n\n")
    assert head.splitlines()[0] == "HTTP/1.0 503 Service Unavailable"
    assert "Content-Type: text/html" in head
    assert 'http-equiv="refresh"' in body and "restarting" in body
    assert "http" not in re.sub(r"http-equiv", "", body.lower())  # nothing fetched from elsewhere


# ---------------------------------------------------------------------------------------------
# The balancer itself, on loopback


def _haproxy_or_skip() -> str:
    try:
        return serve.find_haproxy()
    except serve.DeployError as err:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {err}")
        pytest.skip(f"{err}")


def test_haproxy_accepts_the_configuration(tmp_path):
    haproxy = _haproxy_or_skip()
    config = tmp_path / "haproxy.cfg"
    config.write_text(serve.render_config(serve.parse_hosts("10.9.8.7:8501\n[::1]:8502\n"), "::", 8080))
    serve.check_config(haproxy, config)


def _data_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "data").rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def deployment():
    _haproxy_or_skip()
    first = free_port()
    workers = [serve.Worker("w1", "127.0.0.1", first), serve.Worker("w2", "127.0.0.1", free_port())]
    with serve.Deployment(workers, "127.0.0.1", free_port(), quiet=True) as running:
        yield running


def _worker_of(context) -> str:
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    return cookies.get("MSCWORKER", "")


def _explore_line(page) -> str:
    line = page.get_by_text(re.compile(r"^\d+ of \d+ studies")).first
    line.wait_for(timeout=60_000)
    return line.inner_text()


@pytest.mark.browser
def test_an_upload_through_the_balancer_reaches_its_session(browser, deployment):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{deployment.url}/your-data")
    page.get_by_role("heading", name="Use your own data").wait_for(timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)
    assert _worker_of(context) in {"w1", "w2"}
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(ROOT / "data" / "studies.csv"))
    page.get_by_text("Your data passed every check").wait_for(timeout=60_000)
    assert page.get_by_text(re.compile("session invalid", re.I)).count() == 0
    context.close()


@pytest.mark.browser
def test_a_killed_worker_s_page_comes_back_on_the_other_with_its_view(browser, deployment):
    before = _data_digest()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{deployment.url}/explore?condition=sle&design=rct")
    page.wait_for_selector(READY, timeout=60_000)
    shown = _explore_line(page)
    first = _worker_of(context)
    assert first in deployment.processes

    deployment.processes[first].kill()
    deployment.processes[first].wait(timeout=10)
    # The page reconnects by itself (no reload): the balancer sends it to the live worker (a new
    # affinity cookie), which rebuilds the view from the URL: the same filtered line, the same address.
    deadline = time.monotonic() + 90
    while _worker_of(context) == first and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    assert _worker_of(context) not in {"", first}
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)
    assert "condition=sle" in page.url and "design=rct" in page.url
    assert _explore_line(page) == shown
    # The new session answers: a search narrows the same view and goes into the URL.
    search = page.get_by_placeholder("e.g. Treg or 28478399")
    search.fill("zzzz-no-such-study")
    search.press("Enter")
    page.get_by_text(re.compile(r"^0 of \d+ studies")).first.wait_for(timeout=60_000)
    assert "q=zzzz-no-such-study" in page.url and "condition=sle" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0
    assert _data_digest() == before  # nothing written to the shipped data
    context.close()

    # Start it again so later tests have both workers.
    survivor = deployment.start_worker(next(w for w in deployment.workers if w.name == first))
    serve.wait_until(lambda: serve.healthy(f"http://127.0.0.1:{_port(deployment, first)}"), first, 90, survivor)


def _port(deployment, name: str) -> int:
    return next(w.port for w in deployment.workers if w.name == name)


def test_no_healthy_worker_gives_the_restarting_page(tmp_path):
    _haproxy_or_skip()
    # Two workers that were never started: the balancer alone.
    workers = serve.local_workers(2, free_port())
    with serve.Deployment(workers, "127.0.0.1", free_port(), start_workers=False, quiet=True) as balancer_only:
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(f"{balancer_only.url}/explore?condition=sle", timeout=10)
        assert answer.value.code == 503
        body = answer.value.read().decode("utf-8")
        assert "The evidence explorer is restarting" in body and 'http-equiv="refresh"' in body


def test_the_serve_command_checks_its_configuration(tmp_path):
    _haproxy_or_skip()
    hosts = tmp_path / "hosts.txt"
    hosts.write_text("10.1.2.3:8501\n10.1.2.4:8501\n")
    result = subprocess.run(
        [sys.executable, "-m", "deploy.serve", "--hosts", str(hosts), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "configuration for 2 worker(s) is valid" in result.stdout
    hosts.write_text("10.1.2.3\n")
    bad = subprocess.run(
        [sys.executable, "-m", "deploy.serve", "--hosts", str(hosts), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and f"{hosts}, line 1: expected host:port" in bad.stderr

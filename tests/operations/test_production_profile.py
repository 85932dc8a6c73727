"""The production profile, started for real (docs/production.md).

PostgreSQL (a database of its own, created and dropped), Redis (a database number no one is
using), DEBUG off, secrets from the environment, gunicorn with two web processes and a separate
`svduty worker`: a page is served, a static file comes hashed, compressed and cacheable for a
year, a job runs through the worker, and `check --deploy` is clean.
"""

from __future__ import annotations

import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def production_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the production profile runs with the PostgreSQL test run (DATABASE_URL set)")
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql is needed to make a throwaway database")
    admin = [psql, "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc"]
    if subprocess.run([*admin, "SELECT 1"], capture_output=True, timeout=30).returncode != 0:
        pytest.skip("no PostgreSQL at 127.0.0.1:5432")
    redis = pytest.importorskip("redis")
    numbers = list(range(1, 16))
    random.shuffle(numbers)
    try:
        number = next(n for n in numbers if redis.Redis(db=n).dbsize() == 0)
    except (redis.exceptions.ConnectionError, StopIteration):
        pytest.skip("no empty Redis database at 127.0.0.1:6379")
    name = f"svduty_production_{uuid.uuid4().hex[:10]}"
    subprocess.run([*admin, f"CREATE DATABASE {name}"], check=True, timeout=60)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SVDUTY_", "DJANGO_", "DATABASE_URL", "REDIS_URL", "PYTEST"))
    }
    env |= {
        "SVDUTY_HOME": str(tmp_path / "home"),
        "SVDUTY_PROFILE": "production",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{number}",
        "SVDUTY_SECRET_KEY": secrets.token_urlsafe(50),
        "SVDUTY_PSEUDONYM_KEY": secrets.token_urlsafe(32),
        "SVDUTY_ALLOWED_HOSTS": "127.0.0.1",
        "SVDUTY_DEBUG": "0",
    }
    try:
        yield env
    finally:
        subprocess.run([*admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], timeout=60)
        client = redis.Redis(db=number)
        for key in client.scan_iter("rq:*"):
            client.delete(key)


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    # Behind the TLS-terminating proxy production expects (SECURE_PROXY_SSL_HEADER).
    request = urllib.request.Request(  # noqa: S310 - loopback
        url, headers={"X-Forwarded-Proto": "https", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - loopback
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_production_profile_serves_pages_static_files_and_jobs(
    production_env: dict[str, str],
) -> None:
    env = production_env
    svduty = [sys.executable, "-m", "svduty"]
    check = subprocess.run(
        [*svduty, "manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "no issues" in check.stdout

    port = _free_port()
    web = subprocess.Popen(
        [*svduty, "serve", "--no-worker", "--workers", "2", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    worker = None
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        status = 0
        while time.monotonic() < deadline and web.poll() is None:
            try:
                status, _, body = _get(base + "/account/login/")
            except OSError:
                status = 0
            if status == 200:
                break
            time.sleep(1)
        assert status == 200, "the web app did not start"
        page = body.decode()
        assert "Sign in" in page
        # Plain HTTP is sent to HTTPS; secure cookies and HSTS are on.
        plain = urllib.request.Request(base + "/account/login/")  # noqa: S310 - loopback
        try:
            urllib.request.build_opener(_NoRedirect).open(plain, timeout=20)
            redirected = ""
        except urllib.error.HTTPError as error:
            redirected = error.headers.get("Location", "")
        assert redirected.startswith("https://")
        _, headers, _ = _get(base + "/account/login/")
        assert "max-age=31536000" in headers.get("Strict-Transport-Security", "")

        css = re.search(r'href="(/static/svduty/css/app\.[0-9a-f]{12}\.css)"', page)
        assert css, "the stylesheet is not served under a hashed name"
        status, headers, content = _get(base + css.group(1), **{"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers.get("Content-Encoding") == "gzip"
        assert "max-age=315360000" in headers.get("Cache-Control", "")
        assert "immutable" in headers.get("Cache-Control", "")
        assert content[:2] == b"\x1f\x8b"

        worker = subprocess.Popen(
            [*svduty, "worker"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        ran = subprocess.run(
            [*svduty, "check-worker", "--timeout", "90"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert "succeeded" in ran.stdout
    finally:
        for process in (worker, web):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None

"""Load benchmark: 50 concurrent users on the public site and signed-in dashboards, while an
import runs, against a production-like server on 127.0.0.1 (issue 8 item 4).

What it does:
1. builds the demo partnership under ``--home`` (once; a temporary folder by default);
2. writes a synthetic national-shaped police.uk file (``police_uk_generator``; ``--scale`` 1.0
   is 6.5 million rows, the default 0.01 is 65,000);
   unless ``--no-preload``, first imports another file of that size and refreshes the stored
   results, so the load meets a store already holding national-scale data;
3. starts ``svduty serve`` (gunicorn, ``--workers`` web processes, a job worker beside it);
4. signs in the demo accounts that use a password only (analyst, contributor, scrutiny reader);
5. starts ``svduty import police-uk-street FILE --partnership demo`` and, at the same time,
   ``--users`` threads (each one a person with a keep-alive connection): a share browse public
   pages anonymously, the rest open signed-in dashboards, each reading a page for about
   ``--think`` seconds (default 1; 0 sends requests back to back, a stress test rather than
   people); bounded by ``--duration`` seconds and ``--max-requests`` requests in all;
6. prints p50, p95 and max per page group, the errors, p95 in 5-second windows, how long the
   import really ran beside the load, and whether the targets were met — over all requests and
   over those sent while the import ran: public pages p95 < 300 ms, signed-in dashboards
   p95 < 1 s, no errors. Exits 1 when a target is missed.

The database is SQLite unless DATABASE_URL is set; REDIS_URL, if set, is passed on too.

    .venv/bin/python bench/load_bench.py --scale 0.01 --users 50 --duration 20
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from police_uk_generator import generate_street_csv

REPO = Path(__file__).resolve().parents[1]
PYTHON = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv").exists() else sys.executable
DEMO_PASSWORD = "demo-Veymarsh-2024"  # noqa: S105 - printed by `svduty demo` for every demo account
SIGNED_IN_ACCOUNTS = ("demo-analyst", "demo-council", "demo-panel")  # no two-factor step

PUBLIC_PAGES = (
    "/public/",
    "/public/demo/",
    "/public/demo/dashboard/",
    "/public/accessibility/",
)
DASHBOARD_PAGES = ("/dashboard/", "/imports/")
TARGETS_MS = {"public": 300.0, "dashboards": 1000.0}


@dataclass
class Sample:
    group: str
    path: str
    status: int
    seconds: float
    error: str = ""
    at: float = 0.0  # when the request was sent (perf_counter)


@dataclass
class Budget:
    """A bound on the requests made by all users together."""

    left: int
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SVDUTY_", "DJANGO_"))}
    env |= {"SVDUTY_HOME": str(home), "SVDUTY_DEBUG": "0", "SVDUTY_LOG_LEVEL": "WARNING"}
    return env


def _request(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    *,
    cookies: dict[str, str],
    body: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    headers = {"Host": "127.0.0.1", "Accept-Encoding": "gzip"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Referer"] = f"http://127.0.0.1:{conn.port}{path}"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
    return response.status, dict(response.getheaders()), data


def sign_in(port: int, username: str) -> dict[str, str]:
    """A session cookie for a demo account (password only)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    cookies: dict[str, str] = {}
    _, _, page = _request(conn, "GET", "/account/login/", cookies=cookies)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None:
        raise SystemExit("the sign-in page has no CSRF token")
    body = urlencode(
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "username": username,
            "password": DEMO_PASSWORD,
        }
    )
    status, _, _ = _request(conn, "POST", "/account/login/", cookies=cookies, body=body)
    conn.close()
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"could not sign in as {username} (HTTP {status})")
    return cookies


def user(
    *,
    port: int,
    group: str,
    pages: tuple[str, ...],
    cookies: dict[str, str],
    deadline: float,
    budget: Budget,
    samples: list[Sample],
    offset: int,
    think: float,
) -> None:
    """One person: a keep-alive connection, pages in turn until time or the budget runs out,
    reading each page for ``think`` seconds on average (0.5 to 1.5 times it) before the next."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mine: list[Sample] = []
    turn = offset
    chance = random.Random(offset)
    time.sleep(chance.uniform(0, think))  # people do not all arrive at the same instant
    while time.monotonic() < deadline and budget.take():
        if turn > offset:
            time.sleep(think * chance.uniform(0.5, 1.5))
        path = pages[turn % len(pages)]
        turn += 1
        started = time.perf_counter()
        try:
            try:
                status, _, _ = _request(conn, "GET", path, cookies=dict(cookies))
            except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
                # The server closed an idle keep-alive connection as the request went out:
                # browsers resend a GET on a new connection, and so does this person.
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status, _, _ = _request(conn, "GET", path, cookies=dict(cookies))
            mine.append(Sample(group, path, status, time.perf_counter() - started, at=started))
        except (OSError, http.client.HTTPException) as exc:
            mine.append(
                Sample(group, path, 0, time.perf_counter() - started, repr(exc), at=started)
            )
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()
    samples.extend(mine)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def report(samples: list[Sample], seconds: float, *, per_page: bool = True) -> bool:
    """Print the figures; return whether every target was met."""
    met = True
    print(
        f"\n{'group':<12}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        f"{'errors':>8}  target"
    )
    for group, target in TARGETS_MS.items():
        chosen = [s for s in samples if s.group == group]
        times = [s.seconds * 1000 for s in chosen]
        errors = [s for s in chosen if s.status != 200]
        p95 = percentile(times, 0.95)
        ok = bool(chosen) and p95 < target and not errors
        met = met and ok
        print(
            f"{group:<12}{len(chosen):>9}{len(chosen) / seconds:>8.1f}"
            f"{percentile(times, 0.5):>9.0f}{p95:>9.0f}{max(times, default=0):>9.0f}"
            f"{len(errors):>8}  p95 < {target:.0f} ms: {'met' if ok else 'MISSED'}"
        )
    if not per_page:
        return met
    by_page: dict[str, list[float]] = {}
    for sample in samples:
        by_page.setdefault(sample.path, []).append(sample.seconds * 1000)
    print("\nper page:")
    for path, times in sorted(by_page.items()):
        print(
            f"  {path:<28}{len(times):>6}  p50 {statistics.median(times):>6.0f} ms"
            f"  p95 {percentile(times, 0.95):>6.0f} ms"
        )
    failures = [s for s in samples if s.status != 200]
    for sample in failures[:10]:
        print(f"  error: {sample.path} HTTP {sample.status} {sample.error}")
    return met


def timeline(samples: list[Sample], *, start: float, import_end: float | None) -> None:
    """p95 per group in 5-second windows of the load, marking those the import ran through."""
    print("\nover time (p95 ms; * = the import was running):")
    last = max((s.at for s in samples), default=start)
    window = 0.0
    while start + window <= last:
        inside = [s for s in samples if window <= s.at - start < window + 5]
        figures = []
        for group in TARGETS_MS:
            times = [s.seconds * 1000 for s in inside if s.group == group]
            figures.append(f"{group} {percentile(times, 0.95):>6.0f}")
        running = import_end is None or start + window < import_end
        print(
            f"  {window:>4.0f}-{window + 5:<4.0f}s {'*' if running else ' '} " + "  ".join(figures)
        )
        window += 5


def preload(svduty: list[str], env: dict[str, str], upload: Path, scale: float) -> None:
    """Import a national-scale file and refresh the stored results before the load starts."""
    began = time.perf_counter()
    rows = generate_street_csv(path=upload, scale=scale, seed=int(time.time()) % 1_000_000 + 1)
    done = subprocess.run(
        [*svduty, "import", "police-uk-street", str(upload), "--partnership", "demo"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the preload import failed: {done.stderr.strip()[-500:]}")
    subprocess.run([*svduty, "worker", "--burst"], env=env, check=True, capture_output=True)
    upload.unlink()
    print(
        f"preloaded {rows:,} police.uk rows (imported, results refreshed) "
        f"in {time.perf_counter() - began:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01, help="import size; 1.0 = 6.5M rows")
    parser.add_argument("--users", type=int, default=50, help="concurrent users")
    parser.add_argument("--signed-in-share", type=float, default=0.4, help="share signed in")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load, at most")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="seconds a person spends on a page before the next (0: back to back, a stress test)",
    )
    parser.add_argument("--max-requests", type=int, default=5000, help="requests, at most")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn web processes")
    parser.add_argument(
        "--import-nice",
        type=int,
        default=10,
        help="CPU priority of the import (as `nice`; a worker run with systemd Nice=10)",
    )
    parser.add_argument("--no-import", action="store_true", help="load only, no import beside it")
    parser.add_argument(
        "--no-preload", action="store_true", help="no national-scale import before the load"
    )
    parser.add_argument("--home", type=Path, help="SVDUTY_HOME to use (kept); default temporary")
    args = parser.parse_args()

    home = args.home or Path(tempfile.mkdtemp(prefix="svduty-load-"))
    env = _env(home)
    svduty = [PYTHON, "-m", "svduty"]
    print(f"SVDUTY_HOME={home}  database: {os.environ.get('DATABASE_URL') or 'SQLite'}")
    started = time.perf_counter()
    subprocess.run([*svduty, "demo", "--no-serve"], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"demo ready in {time.perf_counter() - started:.0f} s")
    upload = home / "bench" / "street.csv"
    upload.parent.mkdir(parents=True, exist_ok=True)
    if not args.no_preload:
        preload(svduty, env, upload, args.scale)
    # A new seed each run: the same content again would be recognised and not imported.
    rows = generate_street_csv(path=upload, scale=args.scale, seed=int(time.time()) % 1_000_000)
    print(f"police.uk file for the concurrent import: {rows} rows")

    port = _free_port()
    server = subprocess.Popen(
        [*svduty, "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    importer: subprocess.Popen[bytes] | None = None
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.5)
        sessions = [sign_in(port, name) for name in SIGNED_IN_ACCOUNTS]
        # Warm each web process, as a real site is, and time each page alone (no load).
        print("\nbaseline, one request at a time, no import running (median of 5):")
        for path, cookies in [(p, {}) for p in PUBLIC_PAGES] + [
            (p, sessions[0]) for p in DASHBOARD_PAGES
        ]:
            times = []
            for _ in range(max(5, 2 * args.workers)):
                alone = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                began = time.perf_counter()
                status, _, _ = _request(alone, "GET", path, cookies=dict(cookies))
                times.append((time.perf_counter() - began) * 1000)
                alone.close()
            print(f"  {path:<28} HTTP {status}  {statistics.median(times):>6.0f} ms")

        importer = subprocess.Popen(
            ["nice", "-n", str(args.import_nice), *svduty, "import", "police-uk-street"]
            + [str(upload), "--partnership", "demo"]
            if not args.no_import
            else [PYTHON, "-c", "print('Import: none (--no-import)')"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        import_started = time.perf_counter()
        # When the import really ends (not when it is next looked at), to say how much of the
        # load it overlapped.
        import_output: list[bytes] = []
        import_ended: list[float] = []

        def _wait_for_import() -> None:
            output, _ = importer.communicate()
            import_ended.append(time.perf_counter())
            import_output.append(output)

        waiter = threading.Thread(target=_wait_for_import, daemon=True)
        waiter.start()
        samples: list[Sample] = []
        budget = Budget(args.max_requests)
        end = time.monotonic() + args.duration
        signed_in = round(args.users * args.signed_in_share)
        threads = []
        for number in range(args.users):
            is_signed_in = number < signed_in
            threads.append(
                threading.Thread(
                    target=user,
                    kwargs={
                        "port": port,
                        "group": "dashboards" if is_signed_in else "public",
                        "pages": DASHBOARD_PAGES if is_signed_in else PUBLIC_PAGES,
                        "cookies": sessions[number % len(sessions)] if is_signed_in else {},
                        "deadline": end,
                        "budget": budget,
                        "samples": samples,
                        "offset": number,
                        "think": args.think,
                    },
                )
            )
        load_started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        load_seconds = time.perf_counter() - load_started
        load_ended = time.perf_counter()
        import_running = not import_ended
        print(
            f"\n{len(samples)} requests from {args.users} users in {load_seconds:.1f} s "
            f"({args.workers} web processes, {args.think:g} s think time); the import was "
            f"{'still running' if import_running else 'finished'} when the load ended"
        )
        met = report(samples, load_seconds)
        waiter.join(timeout=600)
        if waiter.is_alive():
            importer.kill()
            waiter.join()
        summary = next(
            (line for line in import_output[0].decode().splitlines() if line.startswith("Import ")),
            "",
        )
        timeline(samples, start=load_started, import_end=import_ended[0] if import_ended else None)
        # The targets hold while an import runs: the requests sent while it ran are judged too.
        import_end = import_ended[0] if import_ended else load_ended
        during = [s for s in samples if s.at < import_end]
        print(f"\nthe requests sent while the import ran ({import_end - load_started:.1f} s):")
        met = report(during, max(0.1, import_end - load_started), per_page=False) and met
        overlap = min(import_ended[0], load_ended) - load_started
        print(
            f"\nimport: exit {importer.returncode} after "
            f"{import_ended[0] - import_started:.1f} s, running during {max(0.0, overlap):.1f} s "
            f"of the {load_seconds:.1f} s of load; {summary}"
        )
        print(
            "targets: public p95 < 300 ms, dashboards p95 < 1 s, no errors: "
            + ("all met" if met else "NOT MET")
        )
    finally:
        if importer is not None and importer.poll() is None:
            importer.kill()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        if args.home is None:
            shutil.rmtree(home, ignore_errors=True)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()

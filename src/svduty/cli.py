"""The ``svduty`` command (contracts.md section 5).

Exit codes: 0 success (including an import that changed nothing), 1 an error, 2 bad usage or input
refused by validation, with the reason on stderr.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

import click

from svduty.config import env


class InputRefused(click.ClickException):
    """Input refused by validation: exit code 2, the reason on stderr."""

    exit_code = 2


def setup_django() -> None:
    """Configure Django for a command (idempotent)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svduty.config.settings")
    import django

    django.setup()


def migrate(*, quiet: bool = True, collect_static: bool = False) -> None:
    """Create or migrate the state under SVDUTY_HOME."""
    from django.conf import settings
    from django.core.management import call_command

    settings.HOME.mkdir(parents=True, exist_ok=True)
    for folder in (settings.STORE_DIR, settings.FILES_DIR):
        folder.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0 if quiet else 1)
    if collect_static and settings.STATICFILES_DIRS:
        call_command("collectstatic", interactive=False, verbosity=0)


def command_context(username: str | None = None) -> Any:
    """Audit context for a command: the named user, else the operating-system user."""
    from svduty.access import audit
    from svduty.access.models import User

    user = User.objects.filter(username=username).first() if username else None
    return audit.set_context(audit.RequestContext(user=user, path="cli:" + " ".join(sys.argv[1:])))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="svduty")
def main() -> None:
    """svduty: the Serious Violence Duty partnership register, data hub, analysis and publication.

    All state lives under SVDUTY_HOME (default ./var).
    """


@main.command()
def init() -> None:
    """Create or migrate the state under SVDUTY_HOME."""
    setup_django()
    migrate(quiet=False, collect_static=True)
    click.echo(f"svduty state is ready in {env.home()}")


@main.command()
@click.option("--no-serve", is_flag=True, help="Build the demo, then stop without serving it.")
@click.option("--port", default=8000, show_default=True, help="Port to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--reset", is_flag=True, help="Throw away the demo partnership and build it again.")
def demo(no_serve: bool, port: int, host: str, reset: bool) -> None:
    """Build (once) the fictional demo partnership, slug `demo`, then serve it."""
    setup_django()
    migrate(collect_static=True)
    from svduty.demo.build import build_demo, demo_logins

    token = command_context()
    try:
        built = build_demo(reset=reset, echo=click.echo)
    except ValueError as exc:
        raise InputRefused(str(exc)) from exc
    finally:
        from svduty.access import audit

        audit.reset_context(token)
    if built:
        click.echo("The demo partnership is built.")
    else:
        click.echo("The demo partnership is already built (use --reset to rebuild it).")
    click.echo("")
    click.echo(demo_logins())
    if not no_serve:
        _serve(host=host, port=port)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=8000, show_default=True, help="Port to serve on.")
@click.option("--workers", default=2, show_default=True, help="Web processes.")
@click.option(
    "--no-worker", is_flag=True, help="Do not start a background-job worker beside the web app."
)
def serve(host: str, port: int, workers: int, no_worker: bool) -> None:
    """Serve the web app (and, unless --no-worker, a background-job worker)."""
    setup_django()
    migrate(collect_static=True)
    _serve(host=host, port=port, workers=workers, with_worker=not no_worker)


def _serve(*, host: str, port: int, workers: int = 2, with_worker: bool = True) -> None:
    """Run gunicorn and a job worker until interrupted."""
    python = sys.executable
    processes: list[subprocess.Popen[bytes]] = []
    if with_worker:
        # Background work yields the processors to people's requests.
        processes.append(subprocess.Popen([python, "-m", "svduty", "worker", "--nice", "10"]))
    web = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "svduty.config.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--timeout",
            "120",
        ]
    )
    processes.append(web)
    click.echo(f"svduty is being served at http://{host}:{port}/ — press Ctrl+C to stop.")

    def stop(*_: Any) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        web.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@main.command()
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then stop.")
@click.option(
    "--nice",
    default=0,
    show_default=True,
    help="Lower the worker's CPU priority by this much (0–19) so web requests come first.",
)
def worker(burst: bool, nice: int) -> None:
    """Run background jobs: the database queue by default, Redis when REDIS_URL is set."""
    if nice:
        os.nice(max(0, min(19, nice)))
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    from svduty.datasets.actions import sweep_abandoned_imports
    from svduty.jobs.runner import sweep_abandoned_jobs

    # What a worker killed mid-job left behind: its import's files, and the job still "running".
    sweep_abandoned_imports()
    sweep_abandoned_jobs()
    if settings.REDIS_URL:
        call_command("rqworker", "default", job_class="django_tasks_rq.backend.Job", burst=burst)
    elif burst:
        call_command("db_worker", batch=True, interval=0.1)
    else:
        call_command("db_worker", interval=0.5)


@main.command(name="check-worker")
@click.option("--timeout", default=30, show_default=True, help="Seconds to wait for the worker.")
def check_worker(timeout: int) -> None:
    """Enqueue a self-check job and wait until a worker has run it (exit 1 if none does)."""
    import time

    setup_django()
    migrate()
    from svduty.jobs.models import Job
    from svduty.jobs.runner import start_job

    job = start_job(kind="self-check", params={"steps": 3}, background=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.2)
    if job.status != Job.Status.SUCCEEDED:
        raise click.ClickException(f"no worker ran job {job.pk} within {timeout} s ({job.status})")
    click.echo(f"A worker ran job {job.pk}: {job.status}")


@main.command()
@click.option("--username", required=True, help="Username for the administrator.")
@click.option("--email", required=True, help="Email address.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def createadmin(username: str, email: str, password_stdin: bool) -> None:
    """Create a system administrator."""
    setup_django()
    migrate()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from svduty.access import actions

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        validate_password(password)
    except ValidationError as exc:
        raise InputRefused("password refused: " + " ".join(exc.messages)) from exc
    token = command_context()
    try:
        actions.create_administrator(username=username, email=email, password=password)
    except ValueError as exc:
        raise InputRefused(str(exc)) from exc
    finally:
        from svduty.access import audit

        audit.reset_context(token)
    click.echo(
        f"Created system administrator {username}. They set up two-factor authentication "
        "when they first sign in."
    )


@main.command()
@click.argument("username")
def otp(username: str) -> None:
    """Print the current two-factor code of a *demo* account (demo partnership only)."""
    setup_django()
    from svduty.demo.build import current_demo_code

    try:
        click.echo(current_demo_code(username))
    except ValueError as exc:
        raise InputRefused(str(exc)) from exc


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def manage(ctx: click.Context) -> None:
    """Run a Django management command (for operators), e.g. `svduty manage check --deploy`."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["svduty manage", *ctx.args])


@main.group(name="import")
def import_group() -> None:
    """Import geography (ons-lookup, lsoa-lookup, boundaries, population) or partner data."""


def _register_domain_commands() -> None:
    """Attach the commands that domain packages define (import, measures, …)."""
    from importlib import import_module

    for module_name in (
        "svduty.geography.commands",
        "svduty.partnership.commands",
        "svduty.datasets.commands",
        "svduty.datasets.mapping_commands",
        "svduty.analysis.commands",
        "svduty.documents.commands",
        "svduty.funding.commands",
        "svduty.api.commands",
        "svduty.operations.commands",
    ):
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(main)


_register_domain_commands()

if __name__ == "__main__":  # pragma: no cover
    main()

"""Every setting svduty reads from the environment, in one registry.

The registry drives ``svduty settings`` (help text), README's settings table and a test that fails
when a setting is undocumented. Read a value with ``env.get("NAME")``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default and what it is for."""

    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("SVDUTY_HOME", "./var", "Folder holding all state: database, analytic store, files."),
    Setting(
        "SVDUTY_PROFILE",
        "embedded",
        "`embedded` (SQLite, database task queue, debug off) or `production` (requires "
        "DATABASE_URL, SVDUTY_SECRET_KEY, SVDUTY_ALLOWED_HOSTS; secure cookies, HSTS).",
    ),
    Setting("DATABASE_URL", "", "Database URL; empty means SQLite at $SVDUTY_HOME/svduty.sqlite3."),
    Setting(
        "REDIS_URL",
        "",
        "Redis URL; when set, jobs run on Redis (RQ) with a separate worker and the cache uses it.",
    ),
    Setting(
        "SVDUTY_SECRET_KEY",
        "",
        "Django secret key; embedded profile generates one under $SVDUTY_HOME when empty.",
    ),
    Setting(
        "SVDUTY_PSEUDONYM_KEY",
        "",
        "Key for the keyed hash that pseudonymises identifiers; generated under $SVDUTY_HOME when "
        "empty. Keep it secret and keep it stable: changing it breaks linkage between imports.",
    ),
    Setting("SVDUTY_ALLOWED_HOSTS", "127.0.0.1,localhost", "Comma-separated host names served."),
    Setting(
        "SVDUTY_ORGANISATION_NAME",
        "svduty",
        "Deploying organisation's name, shown in the page header (never the GOV.UK logotype).",
    ),
    Setting("SVDUTY_DEBUG", "0", "1 turns on Django debug pages. Never in production."),
    Setting(
        "SVDUTY_REQUIRE_2FA",
        "1",
        "1 requires two-factor authentication (TOTP) for system administrators and partnership "
        "leads.",
    ),
    Setting(
        "SVDUTY_EMAIL_URL",
        "console:",
        "Email: `console:` prints emails; `smtp://user:pass@host:port`.",
    ),
    Setting("SVDUTY_DEFAULT_FROM_EMAIL", "svduty@localhost", "Sender address for reminders."),
    Setting("SVDUTY_LOG_LEVEL", "INFO", "Log level for svduty's own loggers."),
    Setting(
        "SVDUTY_360GIVING_PREFIX",
        "360G-svduty",
        "360Giving identifier prefix for grants given (register one with 360Giving).",
    ),
    Setting(
        "SVDUTY_MAX_UPLOAD_MB",
        "512",
        "Largest file accepted for upload, in megabytes.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The setting's value from the environment, else its documented default."""
    setting = _BY_NAME[name]
    return os.environ.get(name, setting.default)


def get_bool(name: str) -> bool:
    """A 0/1 (or true/false) setting as a boolean."""
    return get(name).strip().lower() in {"1", "true", "yes", "on"}


def home() -> Path:
    """The state folder, absolute."""
    return Path(get("SVDUTY_HOME")).expanduser().resolve()

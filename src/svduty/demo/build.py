"""Building the demo partnership in the database and the analytic store, from ``generate_demo``.

``build_demo`` loads the fictional geography, sets up the partnership (slug ``demo``), its member
organisations and a user for every role, records the local definition, and imports every generated
source through the same pipeline partners' files go through. Later parts of svduty add their own
demo records through the ``seed_demo`` hooks listed in ``DEMO_SEEDERS``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import shutil
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

from django.conf import settings

from svduty.demo.generate import DemoManifest, generate_demo

DEMO_SLUG = "demo"
DEMO_PASSWORD = "demo-Veymarsh-2024"  # printed for the demo; real accounts get strong passwords
SEED = 2024

# (username, display name, role, organisation key) — organisation keys are defined below.
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("demo-admin", "Alex Administrator", "system_administrator", "operations"),
    ("demo-lead", "Priya Partnership-Lead", "partnership_lead", "vru"),
    ("demo-analyst", "Sam Analyst", "analyst", "vru"),
    ("demo-council", "Chris Contributor", "contributor", "council-orlwick"),
    ("demo-fire", "Jo Contributor", "contributor", "fire"),
    ("demo-panel", "Morgan Panel-Member", "scrutiny_reader", "panel"),
    ("demo-commissioner", "Dana Commissioner", "decision_maker", "lpb"),
    ("demo-cfo", "Robin Finance-Officer", "statutory_officer", "lpb"),
)

# Member organisations beyond the local policing body and the CSPs (made at set-up).
MEMBERS: tuple[tuple[str, str, str], ...] = (
    ("vru", "Veymarsh and Orlwick Violence Reduction Unit", "violence_reduction_unit"),
    ("police", "Veymarsh and Orlwick Police", "police"),
    ("fire", "Veymarsh and Orlwick Fire and Rescue Service", "fire_and_rescue"),
    ("icb", "Veymarsh and Orlwick Integrated Care Board", "health_board"),
    ("council-orlwick", "Orlwick Borough Council", "local_authority"),
    ("council-veymarsh", "Veymarsh Borough Council", "local_authority"),
    ("council-quennet", "Quennet Vale District Council", "local_authority"),
    ("council-tarrowby", "Tarrowby District Council", "local_authority"),
    ("council-fendlesham", "Fendlesham District Council", "local_authority"),
    ("yot", "Veymarsh and Orlwick Youth Justice Service", "youth_offending_team"),
    ("probation", "Probation Service, Veymarsh and Orlwick", "probation"),
    ("college", "Orlwick and Veymarsh College", "education"),
    ("prison", "HMP Tarrowby Moor", "prison"),
    ("voluntary", "Seafront Youth Trust", "voluntary_community"),
    ("panel", "Veymarsh and Orlwick Police and Crime Panel", "other"),
)

# Demo records that later parts of svduty add: (module, function), each ``f(*, partnership, by)``.
DEMO_SEEDERS: tuple[tuple[str, str], ...] = (
    ("svduty.partnership.demo", "seed_demo"),
    ("svduty.strategy.demo", "seed_demo"),
    ("svduty.funding.demo", "seed_demo"),
    ("svduty.decisions.demo", "seed_demo"),
)

# Import kinds in the order they are loaded.
DATA_KINDS = (
    "police-crime",
    "hospital-admissions",
    "ae-assaults",
    "ambulance-assaults",
    "aggregate-counts",
    "police-uk-street",
    "police-uk-stop-search",
    "ho-csp-tables",
)


def demo_source_dir() -> Path:
    """Where the generated demo files are kept (reproducible from the seed)."""
    return Path(settings.HOME) / "demo-source"


def build_demo(
    *, reset: bool = False, echo: Callable[[str], Any] = print, scale: float = 1.0
) -> bool:
    """Build the demo partnership unless it exists (``reset`` rebuilds it). True if built."""
    from svduty.partnership.models import Partnership

    if Partnership.objects.filter(slug=DEMO_SLUG).exists():
        if not reset:
            return False
        echo("Removing the existing demo partnership…")
        remove_demo()
    from django.test.utils import override_settings

    # The demo's reminders and notifications are not for anyone's inbox or console.
    # Stored analysis results are computed once, at the end, not after each of its imports.
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", ANALYSIS_AUTO_REFRESH=False
    ):
        _build(echo=echo, scale=scale)
    return True


def _build(*, echo: Callable[[str], Any], scale: float) -> None:
    echo("Generating the fictional Veymarsh and Orlwick data…")
    manifest = generate_demo(out_dir=demo_source_dir(), seed=SEED, scale=scale)
    echo("Loading its geography…")
    _load_geography(manifest)
    echo("Setting up the partnership, its members and users…")
    partnership, users = _set_up_partnership(manifest)
    echo("Importing every source (police, hospital, A&E, ambulance, police.uk, Home Office)…")
    _import_data(manifest, partnership, users["demo-analyst"], echo)
    for module_name, function_name in DEMO_SEEDERS:
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        echo(f"Adding demo records: {module_name.split('.')[1]}…")
        getattr(module, function_name)(partnership=partnership, by=users["demo-lead"])
    _record_local_definition(partnership)
    echo("Computing the strategic needs assessment and locality profiles…")
    from svduty.analysis.store import refresh
    from svduty.documents.demo import add_demo_documents

    year = refresh(partnership)["period"]
    echo("Publishing the needs-assessment summary…")
    add_demo_documents(
        partnership=partnership, analyst=users["demo-analyst"], lead=users["demo-lead"], year=year
    )


def remove_demo() -> None:
    """Start the demo installation afresh: its database, analytic store and files.

    The demo is meant to live in an installation of its own; when other partnerships share the
    installation, this refuses rather than delete their records.
    """
    from django.core.management import call_command
    from django.db import connections

    from svduty.partnership.models import Partnership

    others = list(Partnership.objects.exclude(slug=DEMO_SLUG).values_list("slug", flat=True))
    if others:
        raise ValueError(
            "--reset rebuilds a demo installation from scratch, but this one also holds "
            f"{', '.join(others)}; use a separate SVDUTY_HOME for the demo"
        )
    if connections["default"].vendor != "sqlite":
        raise ValueError("--reset works on the embedded (SQLite) demo installation only")
    database = Path(settings.DATABASES["default"]["NAME"])
    connections.close_all()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    for folder in (Path(settings.STORE_DIR), Path(settings.FILES_DIR)):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)


def _load_geography(manifest: DemoManifest) -> None:
    from svduty.geography import actions, readers

    for path in manifest.files["ons-lookup"]:
        actions.load_ons_lookup(lookup=readers.read_ons_lookup(path), by=None)
    for path in manifest.files["lsoa-lookup"]:
        actions.load_lsoa_lookup(lookup=readers.read_lsoa_lookup(path), by=None)
    for boundary in manifest.boundaries:
        shapes = readers.read_boundaries(
            boundary.path,
            level=boundary.level,
            code_field=boundary.code_field,
            name_field=boundary.name_field,
        )
        actions.load_boundaries(
            boundaries=shapes,
            level=boundary.level,
            by=None,
            vintage=boundary.vintage,
            source=boundary.path.name,
        )
    for population in manifest.populations:
        actions.load_population(
            rows=readers.read_population(population.path, year=population.year),
            by=None,
            source=population.path.name,
        )


def _set_up_partnership(manifest: DemoManifest) -> tuple[Any, dict[str, Any]]:
    from svduty.access.actions import OPERATIONS_SLUG
    from svduty.access.models import Membership, Organisation, OrganisationKind, User
    from svduty.partnership import actions as partnership_actions

    partnership_actions.load_default_frameworks(by=None)
    partnership = partnership_actions.create_partnership(
        slug=DEMO_SLUG,
        name=manifest.name,
        pfa_code=manifest.pfa_code,
        by=None,
        local_policing_body_name="Office of the Police and Crime Commissioner for Veymarsh and "
        "Orlwick",
        is_demo=True,
        today=dt.date(2024, 6, 1),
    )
    pfa = partnership.police_force_area
    assert partnership.lead_organisation is not None  # create_partnership always sets it
    organisations: dict[str, Organisation] = {"lpb": partnership.lead_organisation}
    for key, name, kind in MEMBERS:
        organisations[key] = partnership_actions.add_member_organisation(
            partnership=partnership,
            name=name,
            kind=kind,
            areas=[pfa],
            by=None,
            today=dt.date(2024, 6, 1),
        )
    _register_sources(partnership, organisations)
    organisations["operations"], _ = Organisation.objects.get_or_create(
        slug=OPERATIONS_SLUG,
        defaults={"name": "svduty operations", "kind": OrganisationKind.OTHER},
    )
    users: dict[str, User] = {}
    for username, full_name, role, organisation_key in DEMO_USERS:
        first, last = full_name.split(" ", 1)
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@demo.invalid", "first_name": first, "last_name": last},
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        Membership.objects.get_or_create(
            user=user, organisation=organisations[organisation_key], role=role
        )
        if user.requires_two_factor:
            _enrol_demo_device(user)
        users[username] = user
    return partnership, users


# The partners' data sources (kind, name, supplier key): what each member shares, so that its
# contributors may upload it (``datasets.queries.uploadable_kinds``).
DEMO_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("police-crime", "Recorded crime extract", "police"),
    ("hospital-admissions", "Hospital admissions for assault", "icb"),
    ("ae-assaults", "A&E assault attendances (ISTV)", "icb"),
    ("ambulance-assaults", "Ambulance call-outs to assaults", "icb"),
    ("aggregate-counts", "Orlwick school exclusions", "council-orlwick"),
    ("aggregate-counts", "Deliberate fires", "fire"),
)


def _register_sources(partnership: Any, organisations: dict[str, Any]) -> None:
    from svduty.datasets.actions import register_source

    for kind, name, supplier in DEMO_SOURCES:
        register_source(
            partnership=partnership,
            kind=kind,
            name=name,
            supplier=organisations[supplier],
            by=None,
            sharing_agreement="Veymarsh and Orlwick ISA 2024",
        )


def _record_local_definition(partnership: Any) -> None:
    """The demo's agreed local definition: the Home Office default rule, in plain English too."""
    from svduty.analysis.definitions import DEFAULT_RULE, describe
    from svduty.partnership.actions import record_local_definition

    latest = partnership.local_definitions.order_by("-version").first()
    if latest is not None and latest.rule:
        return
    record_local_definition(
        partnership=partnership,
        text=latest.text if latest is not None else describe(DEFAULT_RULE),
        agreed_by="Veymarsh and Orlwick Strategic Partnership Board",
        agreed_on=dt.date(2023, 11, 14),
        by=None,
        rule=DEFAULT_RULE.to_json(),
    )


def _demo_key(username: str) -> bytes:
    """A fixed TOTP key per demo user, so `svduty otp USER` can print the code."""
    return hashlib.sha256(f"svduty-demo-totp:{username}".encode()).digest()[:20]


def _enrol_demo_device(user: Any) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.create(
        user=user, name="Demo authenticator", confirmed=True, key=_demo_key(user.username).hex()
    )


def current_demo_code(username: str) -> str:
    """The current one-time code of a demo account; refuses accounts outside the demo."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if username not in {u[0] for u in DEMO_USERS}:
        raise ValueError(f"{username!r} is not a demo account: codes are printed only for those")
    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is None:
        raise ValueError(f"{username!r} has no authenticator set up: build the demo first")
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _import_data(
    manifest: DemoManifest, partnership: Any, analyst: Any, echo: Callable[[str], Any]
) -> None:
    from svduty.access.models import Organisation
    from svduty.datasets.actions import import_files

    police = Organisation.objects.filter(partnership=partnership, kind="police").first()
    for kind in DATA_KINDS:
        paths = list(manifest.files.get(kind, ()))
        if kind == "aggregate-counts":
            paths += list(manifest.files.get("area-indicators", ()))
        if not paths:
            continue
        if kind == "police-uk-street" or kind == "police-uk-stop-search":
            batches = [paths]
        else:
            batches = [[p] for p in paths]
        for batch in batches:
            record = import_files(
                partnership=partnership, kind=kind, paths=batch, by=analyst, organisation=police
            )
            rows = record.rows
            echo(
                f"  {kind}: {', '.join(p.name for p in batch[:1])}"
                f"{' …' if len(batch) > 1 else ''} — {record.status}, "
                f"{rows.get('stored', 0)} rows stored, {rows.get('quarantined', 0)} quarantined"
            )


def demo_logins() -> str:
    """The demo's sign-in details, as printed by `svduty demo`."""
    from svduty.access.roles import ROLES, Role

    lines = [
        "Demo sign-in (the data is synthetic; every page says so):",
        f"  password for every demo account: {DEMO_PASSWORD}",
    ]
    for username, _name, role, _ in DEMO_USERS:
        description = ROLES[Role(role)]
        extra = (
            f" — two-factor code: svduty otp {username}" if description.requires_two_factor else ""
        )
        lines.append(f"  {username:<18} {Role(role).label}{extra}")
    key = base64.b32encode(_demo_key("demo-lead")).decode()
    lines.append(f"  (authenticator key of demo-lead, to add it to an app: {key})")
    return "\n".join(lines)

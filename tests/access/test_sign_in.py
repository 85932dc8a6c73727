"""Signing in: two-factor authentication where required, throttling, secure headers."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from svduty.access.roles import Role
from tests.factories import PASSWORD, confirmed_device, current_code, member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMINISTRATOR, Role.PARTNERSHIP_LEAD])
def test_leads_and_administrators_must_set_up_two_factor_before_anything_else(
    client: Client, role: Role
) -> None:
    user = member(role)
    client.post(reverse("access:login"), {"username": user.username, "password": PASSWORD})
    response = client.get(reverse("web:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("access:two_factor_setup"))


def test_a_lead_with_a_device_gets_in_only_with_the_right_code(client: Client) -> None:
    lead = member(Role.PARTNERSHIP_LEAD)
    device = confirmed_device(lead)
    client.post(reverse("access:login"), {"username": lead.username, "password": PASSWORD})
    assert client.get(reverse("web:dashboard"))["Location"].startswith(
        reverse("access:two_factor_verify")
    )
    wrong = f"{(int(current_code(device)) + 1) % 1000000:06d}"
    response = client.post(reverse("access:two_factor_verify"), {"code": wrong})
    assert response.status_code == 200
    assert b"The code is wrong" in response.content
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp slows down guessing
    device.throttle_reset()  # as if the back-off delay had passed
    response = client.post(reverse("access:two_factor_verify"), {"code": current_code(device)})
    assert response.status_code == 302
    assert client.get(reverse("web:dashboard")).status_code == 200


def test_a_password_alone_cannot_enrol_another_authenticator(client: Client) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from svduty.access.models import AuditEvent

    lead = member(Role.PARTNERSHIP_LEAD)
    device = confirmed_device(lead)
    client.post(reverse("access:login"), {"username": lead.username, "password": PASSWORD})
    # The set-up page would show a new key, whose code would sign in: it sends to the code page.
    page = client.get(reverse("access:two_factor_setup"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("access:two_factor_verify"))
    client.post(reverse("access:two_factor_setup"), {"code": "123456"})
    assert list(TOTPDevice.objects.filter(user=lead)) == [device]
    assert client.get(reverse("web:dashboard")).status_code == 302
    # The password step is not recorded as signing in; a wrong code is recorded as a failure.
    summaries = list(AuditEvent.objects.filter(actor=lead).values_list("summary", flat=True))
    assert f"{lead.username} signed in" not in summaries
    client.post(reverse("access:two_factor_verify"), {"code": "000000"})
    assert AuditEvent.objects.filter(
        action="login_failed", summary__startswith="Wrong two-factor code"
    ).exists()
    device.throttle_reset()
    client.post(reverse("access:two_factor_verify"), {"code": current_code(device)})
    assert AuditEvent.objects.filter(summary__contains="two-factor code accepted").exists()


def test_setting_up_two_factor_confirms_the_device_with_a_first_code(client: Client) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin = member(Role.SYSTEM_ADMINISTRATOR)
    client.force_login(admin)
    page = client.get(reverse("access:two_factor_setup"))
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=admin)
    assert not device.confirmed
    client.post(reverse("access:two_factor_setup"), {"code": current_code(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("web:dashboard")).status_code == 200


def test_analysts_do_not_need_two_factor(client: Client) -> None:
    analyst = member(Role.ANALYST)
    client.post(reverse("access:login"), {"username": analyst.username, "password": PASSWORD})
    assert client.get(reverse("web:dashboard")).status_code == 200


def test_five_failed_sign_ins_lock_the_account_even_with_the_right_password(client: Client) -> None:
    analyst = member(Role.ANALYST)
    for _ in range(5):
        client.post(reverse("access:login"), {"username": analyst.username, "password": "nope"})
    response = client.post(
        reverse("access:login"), {"username": analyst.username, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert b"You cannot sign in for 30 minutes" in response.content
    assert client.get(reverse("web:dashboard")).status_code == 302


def test_weak_passwords_are_refused() -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("password1234", "short", "123456789012"):
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_pages_carry_a_content_security_policy_with_a_nonce(client: Client) -> None:
    response = client.get(reverse("access:login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "'nonce-" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"'.encode() in response.content
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_production_profile_passes_djangos_deployment_checks(tmp_path: object) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "svduty.config.settings",
        "SVDUTY_PROFILE": "production",
        "SVDUTY_HOME": str(tmp_path),
        "SVDUTY_SECRET_KEY": "x" * 30 + "-production-secret-key-with-enough-entropy-9f8e7d",
        "SVDUTY_PSEUDONYM_KEY": "production-pseudonym-key",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "SVDUTY_ALLOWED_HOSTS": "svduty.example.org",
    }
    result = subprocess.run(
        [sys.executable, "-m", "svduty", "manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

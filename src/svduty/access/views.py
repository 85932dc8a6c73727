"""Sign in and out, two-factor set-up and verification, and the audit trail search."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from svduty.access import audit, queries
from svduty.access.decorators import login_required, permission_required, public
from svduty.access.forms import OneTimeCodeForm, SignInForm
from svduty.access.models import AuditEvent
from svduty.access.permissions import Permission


class SignInView(LoginView):
    template_name = "access/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


@public
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You have signed out.")
    return HttpResponseRedirect(reverse("access:login"))


def _next_url(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("web:dashboard")


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: show the secret as a QR code, confirm with a first code.

    A user who already has an authenticator must first sign in with it: after the password
    alone, enrolling another would be a way round the second factor. Every enrolment and every
    wrong code is audited."""
    user = request.user
    has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    if has_device and not user.is_verified():  # type: ignore[union-attr]
        verify = reverse("access:two_factor_verify")
        target = request.GET.get("next", "")
        return HttpResponseRedirect(f"{verify}?next={target}" if target else verify)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save()
            otp_login(request, device)
            audit.record(
                action=AuditEvent.Action.LOGIN,
                summary=f"{user.get_username()} set up an authenticator app and signed in with it",
                by=user,  # type: ignore[arg-type]
            )
            messages.success(request, "Two-factor authentication is set up.")
            return HttpResponseRedirect(_next_url(request))
        _wrong_code(user)
        form.add_error("code", "The code is wrong or has expired. Enter the current code")
    qr_svg = segno.make(device.config_url).svg_inline(
        scale=4, title="QR code for your authenticator app"
    )
    context: dict[str, Any] = {
        "form": form,
        "qr_svg": qr_svg,
        "secret": _base32_secret(device),
        "next": request.GET.get("next", ""),
    }
    return render(request, "access/two_factor_setup.html", context)


def _wrong_code(user: Any) -> None:
    audit.record(
        action=AuditEvent.Action.LOGIN_FAILED,
        summary=f"Wrong two-factor code for “{user.get_username()}”",
        by=user,
    )


def _base32_secret(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Ask for the current one-time code of an enrolled device."""
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip()
        for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
            if device.verify_token(code):
                otp_login(request, device)
                audit.record(
                    action=AuditEvent.Action.LOGIN,
                    summary=f"{request.user.get_username()} signed in (two-factor code accepted)",
                    by=request.user,  # type: ignore[arg-type]
                )
                return HttpResponseRedirect(_next_url(request))
        _wrong_code(request.user)
        form.add_error("code", "The code is wrong or has expired. Enter the current code")
    return render(
        request,
        "access/two_factor_verify.html",
        {"form": form, "next": request.GET.get("next", "")},
    )


@permission_required(Permission.AUDIT_VIEW)
def audit_search(request: HttpRequest) -> HttpResponse:
    """Search the audit trail: administrators see all, partnership leads their partnership."""
    events = queries.audit_events_visible_to(request.user)  # type: ignore[arg-type]
    filters = {key: request.GET.get(key, "").strip() for key in ("q", "actor", "action")}
    events = queries.filter_audit_events(events, **filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "access/audit_search.html",
        {"page": page, "filters": filters, "actions": [a for a, _ in queries.AUDIT_ACTIONS]},
    )


@login_required
def my_account(request: HttpRequest) -> HttpResponse:
    """Who you are, your roles and what each lets you do."""
    from svduty.access.roles import ROLES, Role

    memberships = [
        (m, ROLES[Role(m.role)])
        for m in request.user.active_memberships()  # type: ignore[union-attr]
    ]
    return render(
        request,
        "access/my_account.html",
        {"memberships": memberships, "require_2fa": settings.REQUIRE_2FA},
    )

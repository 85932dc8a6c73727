"""Signing in test clients the way a person does, two-factor code included."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from svduty.access.models import User
from tests.factories import confirmed_device, current_code


def sign_in(client: Client, user: User) -> None:
    """Sign ``client`` in as ``user``, entering a one-time code when the role needs one."""
    client.force_login(user)
    if user.requires_two_factor:
        device = confirmed_device(user)
        response = client.post(reverse("access:two_factor_verify"), {"code": current_code(device)})
        assert response.status_code == 302, response.content

"""factory_boy factories for svduty's models."""

from __future__ import annotations

from typing import Any

import factory
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from svduty.access.models import Membership, Organisation, OrganisationKind, User
from svduty.access.roles import Role
from svduty.geography.models import Area, AreaLevel
from svduty.partnership.models import Partnership

PASSWORD = "a-long-test-password-42"


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    code = factory.Sequence(lambda n: f"X23{n:06d}")
    name = factory.Sequence(lambda n: f"Test force area {n}")
    level = AreaLevel.PFA
    vintage = 2024


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership

    slug = factory.Sequence(lambda n: f"partnership-{n}")
    name = factory.Sequence(lambda n: f"Test partnership {n}")
    police_force_area = factory.SubFactory(AreaFactory)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    kind = OrganisationKind.LOCAL_AUTHORITY
    partnership = factory.SubFactory(PartnershipFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


def member(role: Role, organisation: Organisation | None = None, **kwargs: Any) -> User:
    """A user holding ``role`` at ``organisation`` (a new one if not given)."""
    organisation = organisation or OrganisationFactory()
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def confirmed_device(user: User) -> TOTPDevice:
    """A confirmed authenticator-app device for ``user``."""
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """The device's current six-digit code."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"

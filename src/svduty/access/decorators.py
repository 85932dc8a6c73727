"""View decorators that check one permission and deny by default."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from svduty.access.permissions import Permission, has_permission

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])

# Every view declares who may reach it (``svduty_access``): PUBLIC, SIGNED_IN or a Permission.
# The permission walk in the tests fails for any URL whose view declares nothing.
PUBLIC = "public"
SIGNED_IN = "signed_in"


def permission_required(permission: Permission) -> Callable[[ViewFunc], ViewFunc]:
    """Anonymous users go to sign in; signed-in users without ``permission`` anywhere get 403.

    Views that act on one partnership or organisation must still check that object with
    ``has_permission(..., partnership=...)``: this decorator only guards the door.
    """

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_permission(request.user, permission):  # type: ignore[arg-type]
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.svduty_access = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def login_required(view: ViewFunc) -> ViewFunc:
    """Anonymous users go to sign in."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapped.svduty_access = SIGNED_IN  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def public(view: ViewFunc) -> ViewFunc:
    """Declares a view open to everyone, signed in or not. It must show only published material."""
    view.svduty_access = PUBLIC  # type: ignore[attr-defined]
    return view

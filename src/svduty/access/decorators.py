"""View decorators that check one permission and deny by default."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from svduty.access.permissions import Permission, has_permission

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def permission_required(permission: Permission) -> Callable[[ViewFunc], ViewFunc]:
    """Anonymous users go to sign in; signed-in users without ``permission`` anywhere get 403.

    Views that act on one partnership or organisation must still check that object with
    ``has_permission(..., partnership=...)``: this decorator only guards the door.
    """

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_permission(request.user, permission):  # type: ignore[arg-type]
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def login_required(view: ViewFunc) -> ViewFunc:
    """Anonymous users go to sign in."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]

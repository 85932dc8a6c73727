"""Pages for managing API tokens: list, create (the secret shown once) and revoke."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from svduty.access.decorators import login_required, permission_required
from svduty.access.permissions import Permission, has_permission
from svduty.api import actions, queries
from svduty.api.forms import TokenForm


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """The tokens the user created or (partnership leads) their partnership's."""
    user = request.user
    tokens = queries.tokens_manageable_by(user)[:200]  # type: ignore[arg-type]
    return render(
        request,
        "api/token_list.html",
        {
            "tokens": tokens,
            "can_create": has_permission(user, Permission.API_TOKENS_MANAGE_OWN),  # type: ignore[arg-type]
        },
    )


@never_cache
@permission_required(Permission.API_TOKENS_MANAGE_OWN)
def token_create(request: HttpRequest) -> HttpResponse:
    """Create a token for one of the user's memberships; show its secret once."""
    memberships = queries.token_memberships(request.user)  # type: ignore[arg-type]
    form = TokenForm(request.POST or None, memberships=memberships)
    if request.method == "POST" and form.is_valid():
        membership = form.memberships[form.cleaned_data["membership"]]
        token, secret = actions.create_token(
            organisation=membership.organisation,
            role=membership.role,
            scopes=form.cleaned_data["scopes"],
            name=form.cleaned_data["name"],
            lifetime=timedelta(days=form.cleaned_data["lifetime"]),
            by=request.user,  # type: ignore[arg-type]
        )
        return render(request, "api/token_created.html", {"token": token, "secret": secret})
    return render(request, "api/token_create.html", {"form": form})


@login_required
@require_POST
def token_revoke(request: HttpRequest) -> HttpResponse:
    """Revoke a token the user may manage (its id in the form)."""
    token_id = request.POST.get("token", "")
    if not token_id.isdigit():
        raise Http404
    token = queries.tokens_manageable_by(request.user).filter(pk=int(token_id)).first()  # type: ignore[arg-type]
    if token is None:
        raise Http404
    actions.revoke_token(token=token, by=request.user)  # type: ignore[arg-type]
    messages.success(request, f"The token {token.prefix}… was revoked. It no longer works.")
    return HttpResponseRedirect(reverse("api_tokens:list"))

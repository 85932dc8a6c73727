"""Atom feeds of what has been published: one per partnership and one for the whole site."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from svduty.partnership.models import Partnership
from svduty.public.queries import PublishedItem, all_published_items, published_items

FEED_SIZE = 100


class _PublishedFeed(Feed):  # type: ignore[type-arg]
    feed_type = Atom1Feed

    def item_title(self, item: PublishedItem) -> str:
        return f"{item.kind}: {item.title}"

    def item_description(self, item: PublishedItem) -> str:
        return item.summary

    def item_link(self, item: PublishedItem) -> str:
        return item.url

    def item_guid(self, item: PublishedItem) -> str:
        return f"{item.partnership}:{item.kind.lower()}:{item.url}"

    def item_guid_is_permalink(self, item: PublishedItem) -> bool:
        return False

    def item_pubdate(self, item: PublishedItem) -> dt.datetime:
        return item.published

    def item_updateddate(self, item: PublishedItem) -> dt.datetime:
        return item.updated

    def item_categories(self, item: PublishedItem) -> tuple[str, ...]:
        return (item.kind,)


class PartnershipFeed(_PublishedFeed):
    """Documents, decisions, strategy versions and calls for funding of one partnership."""

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Partnership:
        return get_object_or_404(Partnership, slug=kwargs["slug"])

    def title(self, obj: Partnership) -> str:
        return f"{obj.name}: published under the Serious Violence Duty"

    def subtitle(self, obj: Partnership) -> str:
        return (
            f"Documents, decisions, strategy and funding that {obj.name} has published, "
            "newest first."
        )

    def link(self, obj: Partnership) -> str:
        return reverse("public:partnership", kwargs={"slug": obj.slug})

    def feed_url(self, obj: Partnership) -> str:
        return reverse("public:partnership_feed", kwargs={"slug": obj.slug})

    def items(self, obj: Partnership) -> list[PublishedItem]:
        return published_items(obj)[:FEED_SIZE]


class SiteFeed(_PublishedFeed):
    """What every partnership on this site has published."""

    title = "Serious Violence Duty: published by the partnerships here"
    subtitle = "Documents, decisions, strategy and funding, newest first."

    def link(self) -> str:
        return reverse("public:home")

    def feed_url(self) -> str:
        return reverse("public:feed")

    def items(self) -> list[PublishedItem]:
        return all_published_items(Partnership.objects.all())[:FEED_SIZE]

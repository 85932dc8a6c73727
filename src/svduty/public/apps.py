from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "svduty.public"
    label = "public"
    verbose_name = "Public site"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from svduty.public import cache

        # Every write to svduty's content changes the version public pages are cached under.
        connection_created.connect(cache.watch_connection, dispatch_uid="svduty-public-cache")

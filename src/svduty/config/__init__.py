"""Django project configuration: settings, URL routing, WSGI/ASGI. No domain code lives here."""

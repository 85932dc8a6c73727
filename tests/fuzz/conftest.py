"""The API tests' partnership (police data, members of every role) for end-to-end checks here."""

from tests.api.conftest import world  # noqa: F401  (a fixture, used by name)

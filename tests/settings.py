"""Settings for the test suite: the real settings, throwaway state, fast password hashing."""

from __future__ import annotations

import os
import tempfile

# Before the real settings read the environment: state goes to a throwaway folder.
os.environ["SVDUTY_HOME"] = tempfile.mkdtemp(prefix="svduty-test-home-")
os.environ.setdefault("SVDUTY_PSEUDONYM_KEY", "test-pseudonym-key")

from svduty.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

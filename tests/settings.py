"""Settings for the test suite: the real settings, throwaway state, fast password hashing."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# Before the real settings read the environment: state goes to a throwaway folder, removed at exit.
os.environ["SVDUTY_HOME"] = tempfile.mkdtemp(prefix="svduty-test-home-")
atexit.register(shutil.rmtree, os.environ["SVDUTY_HOME"], ignore_errors=True)
os.environ.setdefault("SVDUTY_PSEUDONYM_KEY", "test-pseudonym-key")

from svduty.config.settings import *  # noqa: E402, F403  (after SVDUTY_HOME is set)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Imports and definition changes queue a recomputation of the stored analysis results; tests that
# are about that turn it back on.
ANALYSIS_AUTO_REFRESH = False

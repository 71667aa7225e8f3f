"""Settings of the test run: SAM's own settings in development mode.

Tests run on the embedded defaults (SQLite or the run's PostgreSQL, vitam-lite on a loopback port), which
production settings refuse (sam/settings.py); pytest-django still runs every test with DEBUG off.
Subprocesses started by tests inherit the variable. Tests of the production settings set their own environment.
"""

import os

os.environ.setdefault("SAM_DEBUG", "true")

from sam.settings import *  # noqa: E402,F403

# Throttling counts must not survive from one test run to the next (the file cache would keep them).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, "fragments": CACHES["fragments"]}

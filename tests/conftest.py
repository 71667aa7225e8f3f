"""Suite-wide test set-up. Subdirectories keep their own fixtures in their own conftest.py."""

import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Templates render {% static %} without a collectstatic manifest in tests.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

"""Typed readers for SAM_* environment variables.

Each reader raises ImproperlyConfigured on a bad value, so a typo in production
fails at start-up instead of silently falling back to a default.
"""

import os

from django.core.exceptions import ImproperlyConfigured

PREFIX = "SAM_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name):
    return os.environ.get(PREFIX + name)


def env_str(name, default=None):
    value = _raw(name)
    return default if value is None else value


def env_bool(name, default=False):
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{PREFIX}{name} must be true or false, not {value!r}")


def env_int(name, default=None, *, minimum=None, maximum=None):
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{PREFIX}{name} must be an integer, not {value!r}") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ImproperlyConfigured(f"{PREFIX}{name}={number} is outside [{minimum}, {maximum}]")
    return number


def env_float(name, default=None, *, minimum=0.0):
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{PREFIX}{name} must be a number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{PREFIX}{name} must be at least {minimum}")
    return number


def env_list(name, default=()):
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name, default=None):
    """A secret from SAM_<NAME>, or from the file named by SAM_<NAME>_FILE."""
    path = _raw(name + "_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{PREFIX}{name}_FILE cannot be read: {exc}") from None
    return env_str(name, default)


def env_path(name, default=None, *, must_exist=False):
    value = env_str(name, default)
    if value and must_exist and not os.path.exists(value):
        raise ImproperlyConfigured(f"{PREFIX}{name} points to a missing file: {value}")
    return value

"""SAM settings: one module, read from SAM_* environment variables (docs/configuration.md).

With SAM_DEBUG=true the defaults are the embedded set-up: SQLite under var/ and vitam-lite in-process.
With DEBUG off (production) SAM refuses to start unless its secret key, PostgreSQL, Vitam URL and Vitam
certificates are given: see production_problems() below.
"""

import ipaddress
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from sam.env import env_bool, env_float, env_int, env_list, env_path, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
HTTPS = env_bool("HTTPS", False)
# Demo and training platforms only: Vitam is one standalone vitam-lite process (`manage.py vitamlite`)
# shared by every web worker and the task worker, reached over plain HTTP without certificates.
EMBEDDED_VITAM = env_bool("EMBEDDED_VITAM", False)


def production_problems() -> list[str]:
    """What a DEBUG-off start lacks: each problem names the SAM_ variable to set."""
    problems = []
    secret_key = env_secret("SECRET_KEY")
    if not secret_key:
        problems.append("SAM_SECRET_KEY (or SAM_SECRET_KEY_FILE) is required: a generated key is for development only")
    elif len(secret_key) < 50:
        problems.append("SAM_SECRET_KEY must be at least 50 characters long")
    database_url = env_str("DATABASE_URL", "")
    if not database_url:
        problems.append("SAM_DATABASE_URL is required: postgres://user@host:5432/name (SQLite is for development only)")
    elif not database_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        problems.append("SAM_DATABASE_URL must name a PostgreSQL database (postgres://...) in production")
    vitam_url = env_str("VITAM_URL", "")
    if not vitam_url:
        problems.append(
            "SAM_VITAM_URL is required: the real Vitam (https://...:8444), or with SAM_EMBEDDED_VITAM=true the "
            "standalone vitam-lite process (http://127.0.0.1:PORT, `manage.py vitamlite`); an in-process "
            "vitam-lite per worker would lose operations"
        )
    if not EMBEDDED_VITAM:
        if vitam_url and not vitam_url.startswith("https://"):
            problems.append("SAM_VITAM_URL must be https:// for a real Vitam (plain HTTP only with SAM_EMBEDDED_VITAM=true)")
        ingest_url = env_str("VITAM_INGEST_URL", "")
        if ingest_url and not ingest_url.startswith("https://"):
            problems.append("SAM_VITAM_INGEST_URL must be https:// for a real Vitam")
        if not env_str("VITAM_CERTS_DIR") and not (env_str("VITAM_CERT") and env_str("VITAM_KEY")):
            problems.append(
                "SAM_VITAM_CERT and SAM_VITAM_KEY (or SAM_VITAM_CERTS_DIR) are required: Vitam wants mutual TLS "
                "(set SAM_EMBEDDED_VITAM=true only on a demo platform)"
            )
    return problems


if not DEBUG and (problems := production_problems()):
    raise ImproperlyConfigured(
        "SAM_DEBUG is off (production) and the configuration is incomplete:\n- " + "\n- ".join(problems)
        + "\nSee docs/configuration.md; for development set SAM_DEBUG=true."
    )


def _secret_key():
    key = env_secret("SECRET_KEY")
    if key:
        if len(key) < 50:
            raise ImproperlyConfigured("SAM_SECRET_KEY must be at least 50 characters long")
        return key
    # Embedded default: a random key kept under var/ so sessions survive restarts.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "guardian",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "sam.site",
    "sam.lib.jobs",
    "tenants",
    "referentials",
    "referentials.contracts",
    "referentials.trees",
    "sam.deposits",
    "sam.consultation",
    "sam.elimination",
    "sam.connectors",
    "sam.selection",
    "sam.proof",
    "sam.reclassification",
    "sam.communication",
    "sam.transfers",
    "vitamlite",
]

MIDDLEWARE = [
    "sam.site.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sam.site.middleware.FrenchByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sam.site.middleware.SessionActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "sam.site.middleware.VitamErrorMiddleware",
]

ROOT_URLCONF = "sam.urls"
WSGI_APPLICATION = "sam.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.sam_context",
            ],
        },
    },
    {
        # Fragments of the busiest pages (result rows, facets), drawn into the Django templates above.
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "sam.lib.jinja2_env.environment"},
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'sam.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and immediate transactions let the web process and the task worker write side by side.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "tenants.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a check: Django calls its password_changed() after every password change (tokens are revoked).
    {"NAME": "tenants.tokens.RevokeTokensOnPasswordChange"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600  # invitation links stay valid three days

# django-guardian: no anonymous access at all; object permissions only (see tenants/permissions.py).
ANONYMOUS_USER_NAME = None

# The cache holds the API throttling counts: on disk under SAM_DATA_DIR, so the gunicorn workers of a host
# share them (Django's default, in memory, would give each worker its own allowance).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                      "LOCATION": str(DATA_DIR / "cache")}}
# Page fragments drawn the same on every page ({% cache ... using="fragments" %}: the menus), keyed on all they
# depend on. In each process's memory: read without a file or a query, and emptied by a restart, so a new
# release never serves the previous one's HTML.
CACHES["fragments"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sam-fragments",
                       "OPTIONS": {"MAX_ENTRIES": 5000}}

# Sessions: idle expiry and gone when the browser closes. Activity renews the expiry through
# sam.site.middleware.SessionActivityMiddleware (a write every few minutes, not one per page).
SESSION_COOKIE_AGE = env_int("SESSION_AGE", 8 * 3600, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes: lock an account out after repeated failed logins.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Security headers. HTTPS is on in production (SAM_HTTPS=true): secure cookies, HSTS, redirect.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and not env_bool("SSL_REDIRECT_BY_PROXY", False)
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Paris"

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))  # collectstatic; nginx serves it
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"

# Uploads stream to disk above 2.5 MB; SIPs are kept under var/ until Vitam has them.
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "uploads-tmp")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024**3, minimum=1)
# Days a communication's DIP stays downloadable once Vitam has built it.
DIP_RETENTION_DAYS = env_int("DIP_RETENTION_DAYS", 7, minimum=1)
# Zip of a selection's files: above this many units the archivist confirms (count and size shown); above this
# estimated size it is refused in favour of a communication (DIP), which Vitam builds in the background.
ZIP_EXPORT_CONFIRM_UNITS = env_int("ZIP_EXPORT_CONFIRM_UNITS", 500, minimum=1)
ZIP_EXPORT_MAX_BYTES = env_int("ZIP_EXPORT_MAX_BYTES", 20 * 1024**3, minimum=1)
# Certificates of receiving platforms (sam.transfers.delivery): <DIR>/<organisation code>/, nowhere else, so that
# a referent names only their own organisation's files.
RECEIVING_PLATFORM_CERTS_DIR = Path(env_str("RECEIVING_PLATFORM_CERTS_DIR", str(DATA_DIR / "receiving-platforms")))

EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = env_secret("EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "SAM <sam@localhost>")

# Background work (django-tasks backport with its ORM backend; `manage.py db_worker`).
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "vitam"],
    }
}

# Vitam. SAM_VITAM_URL unset = embedded vitam-lite (started in-process on a loopback port).
VITAM = {
    "URL": env_str("VITAM_URL") or None,
    "INGEST_URL": env_str("VITAM_INGEST_URL") or None,
    # Without URL: the function that starts vitam-lite in this process and answers its address.
    "EMBEDDED": "vitamlite.embedded.base_url",
    "CERT": env_path("VITAM_CERT", must_exist=True),
    "KEY": env_path("VITAM_KEY", must_exist=True),
    "CA_BUNDLE": env_path("VITAM_CA", must_exist=True),
    "CERTS_DIR": env_path("VITAM_CERTS_DIR"),  # per-organisation certificates: <DIR>/<org-code>.{crt,key}
    "APPLICATION_ID": env_str("VITAM_APPLICATION_ID", "SAM"),
    "CONNECT_TIMEOUT": env_float("VITAM_CONNECT_TIMEOUT", 3.05),
    "TIMEOUT": env_float("VITAM_TIMEOUT", 30.0),
    "UPLOAD_TIMEOUT": env_float("VITAM_UPLOAD_TIMEOUT", 600.0),
    "RETRIES": env_int("VITAM_RETRIES", 2, minimum=0, maximum=10),
    "ADMIN_TENANT": env_int("VITAM_ADMIN_TENANT", 1, minimum=0),
    # Units per elimination action or mass update operation: Vitam refuses more than 10,000 in one.
    "BATCH_SIZE": env_int("VITAM_BATCH_SIZE", 10_000, minimum=1, maximum=10_000),
    # Units one DIP export or transfer may select: Vitam's distributionThreshold (sam.vitam.limits).
    "DISTRIBUTION_THRESHOLD": env_int("VITAM_DISTRIBUTION_THRESHOLD", 100_000, minimum=1),
}
VITAMLITE = {
    "DATA_DIR": env_str("VITAMLITE_DATA_DIR", str(DATA_DIR / "vitamlite")),
    "TENANTS": env_str("VITAMLITE_TENANTS", "0-9"),
    # Fault injection for reliability tests, e.g. "slow:/access-external/v1/units=5;error503:/ingest-external".
    "FAULTS": env_str("VITAMLITE_FAULTS", ""),
    # Units streams per tenant per day (Vitam's unitsStreamExecutionLimit, whose own default is 3); 0 = unlimited:
    # SAM's deployment guide asks for a Vitam configured for SAM's use.
    "UNITS_STREAM_EXECUTION_LIMIT": env_int("VITAMLITE_UNITS_STREAM_EXECUTION_LIMIT", 0, minimum=0),
}
if VITAM["URL"] and HTTPS and not EMBEDDED_VITAM and not VITAM["CERT"] and not VITAM["CERTS_DIR"]:
    raise ImproperlyConfigured("SAM_VITAM_CERT and SAM_VITAM_KEY are required for a real Vitam (mutual TLS)")

# /healthz: what "healthy" means (docs/exploitation.md). One SIP may weigh 10 GB: keep room for it.
HEALTH = {
    "VITAM_TIMEOUT": env_float("HEALTH_VITAM_TIMEOUT", 2.0, minimum=0.1),
    "MIN_FREE_BYTES": env_int("HEALTH_MIN_FREE_GB", 20, minimum=0) * 1024**3,
    "MAX_QUEUE_WAIT_SECONDS": env_int("HEALTH_MAX_QUEUE_WAIT", 600, minimum=1),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: its WWW-Authenticate makes a refused token a 401 (DRF takes the first class's header).
        "tenants.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Every API view is throttled; the rates are read at each request (SAM_API_THROTTLE_*).
    "DEFAULT_THROTTLE_CLASSES": ["tenants.tokens.AnonymousThrottle", "tenants.tokens.UserThrottle"],
}

# --- API tokens (tenants/tokens.py) and the request id -----------------------------------------------
API_THROTTLE_ANON = env_str("API_THROTTLE_ANON", "60/min")
API_THROTTLE_USER = env_str("API_THROTTLE_USER", "1200/min")
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365, minimum=1)
API_TOKEN_DEFAULT_DAYS = min(env_int("API_TOKEN_DEFAULT_DAYS", 90, minimum=1), API_TOKEN_MAX_DAYS)
# A token's use is audited at most once per token in this many minutes (see tenants/tokens.py).
API_TOKEN_USE_AUDIT_MINUTES = env_int("API_TOKEN_USE_AUDIT_MINUTES", 60, minimum=1)
# Addresses of the reverse proxies (comma-separated IPs or CIDRs): only their X-Request-Id, X-Forwarded-For and
# X-SSL-Client-Cert (the connectors' door, /vitam/) are believed.
def _trusted_proxies():
    networks = []
    for item in env_list("TRUSTED_PROXIES", ["127.0.0.1", "::1"]):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"SAM_TRUSTED_PROXIES: {item!r} is neither an IP address nor a CIDR") from None
    return tuple(networks)


TRUSTED_PROXIES = _trusted_proxies()
SPECTACULAR_SETTINGS = {
    "TITLE": "SAM API",
    "DESCRIPTION": "Système d'Archivage Mutualisé — REST API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # One name per choice set used by several fields (else spectacular guesses one per field and warns).
    "ENUM_NAME_OVERRIDES": {
        "VitamStatusEnum": "referentials.contracts.domain.STATUSES",
        "ProfileFormatEnum": "referentials.contracts.domain.PROFILE_FORMATS",
        "ReferentialApplyModeEnum": "referentials.models.ApplyMode",
        "ProposalModeEnum": "sam.elimination.models.Proposal.Mode",
        "TreeKindEnum": "referentials.trees.models.TreeKind",
        "TreeDraftStateEnum": "referentials.trees.models.TreeDraft.State",
        "TreeDraftSourceEnum": "referentials.trees.models.TreeDraft.Source",
        "TreePublicationStateEnum": "referentials.trees.models.TreePublication.State",
        "TreeImportFormatEnum": "referentials.trees.serializers.IMPORT_FORMATS",
    },
}

LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"SAM_LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "sam.lib.request_id.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        # One JSON object per line for log collectors (SAM_LOG_FORMAT=json).
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every layout step at INFO: only its warnings (a missing font, a refused URL) matter.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Single sign-on: OpenID Connect with mozilla-django-oidc (tenants/sso.py). Off without a client id.
# SAM_OIDC_ISSUER is enough for a provider with a discovery document; explicit endpoints override it.
OIDC_ISSUER = env_str("OIDC_ISSUER", "")
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_secret("OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_JWKS_ENDPOINT", "")
OIDC_OP_LOGOUT_ENDPOINT = env_str("OIDC_LOGOUT_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = env_str("OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_SCOPES", "openid email given_name usual_name")
OIDC_LOGIN_LABEL = env_str("OIDC_LOGIN_LABEL", "") or _("Log in with ProConnect")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_CREATE_USER = False
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the logout at the provider
OIDC_OP_LOGOUT_URL_METHOD = "tenants.sso.provider_logout_url"
OIDC_TIMEOUT = env_float("OIDC_TIMEOUT", 10.0)
LOGIN_REDIRECT_URL_FAILURE = "/accounts/sso/refused/"
AUTHENTICATION_BACKENDS.append("tenants.sso.InvitedUsersOIDCBackend")

# --- Second factor: TOTP with django-otp (tenants/second_factor). Required for platform administrators and
# referents unless SAM_OTP_REQUIRED=false (the demo of `make run`); optional for everyone else.
OTP_REQUIRED = env_bool("OTP_REQUIRED", True)
OTP_TOTP_ISSUER = env_str("OTP_ISSUER", "SAM")
INSTALLED_APPS += ["mozilla_django_oidc", "django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                  "django_otp.middleware.OTPMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
                  "tenants.second_factor.middleware.SecondFactorMiddleware")

# Benchmarks only (bench/load_portal.py): each response says the CPU time SAM spent on it.
if env_bool("SERVER_TIMING", False):
    MIDDLEWARE.insert(0, "sam.site.middleware.ServerTimingMiddleware")

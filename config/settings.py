"""HealthStack settings: one module, every value read from the environment (or .env)."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():  # a fresh clone has none, and needs none
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# The demo's key is published in .env.example and here: anyone could forge sessions, password reset
# links and signed values with it. With DEBUG off a process refuses it, and any key that Django's
# own deploy check (security.W009) calls weak: under 50 characters, under 5 distinct ones, or
# Django's "django-insecure-" prefix.
PUBLISHED_SECRET_KEY = "dev-only-insecure-key-change-me"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=PUBLISHED_SECRET_KEY)
if not DEBUG and (SECRET_KEY == PUBLISHED_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5
                  or SECRET_KEY.startswith("django-insecure-")):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is unset, published or weak, and DJANGO_DEBUG is off. Set it to a long random value "
        "(at least 50 characters), for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "widget_tweaks",
    "axes",
    "huey.contrib.djhuey",
    "healthstack",
    "accounts",
    "hospitals",
    "notifications",
    "appointments",
    "records",
    "payments",
    "payments.sandbox",
    # After payments: their demo steps pay the demo orders through the payments demo.
    "labs",
    "pharmacy",
    "chat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "healthstack.middleware.StaffIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "healthstack.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    "healthstack.middleware.FriendlyNotFoundMiddleware",
]

# Off unless asked for (DJANGO_DEBUG_TOOLBAR=1): even collapsed, it sits over every demo page.
DEBUG_TOOLBAR = DEBUG and env.bool("DJANGO_DEBUG_TOOLBAR", default=False)
if DEBUG_TOOLBAR:
    try:
        import debug_toolbar  # noqa: F401
    except ImportError:
        DEBUG_TOOLBAR = False
if DEBUG_TOOLBAR:
    INSTALLED_APPS.append("debug_toolbar")
    MIDDLEWARE.insert(0, "debug_toolbar.middleware.DebugToolbarMiddleware")
    INTERNAL_IPS = ["127.0.0.1"]
    # Collapsed to its handle, so the demo's pages are not hidden behind the panel.
    DEBUG_TOOLBAR_CONFIG = {"SHOW_COLLAPSED": True}

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "healthstack.context_processors.navigation",
                "hospitals.context_processors.staff_navigation",
                "notifications.context_processors.unread_notifications",
                "healthstack.context_processors.demo_payments",
            ],
            "builtins": ["healthstack.templatetags.money"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite tuned for a web server: a write transaction takes the write lock when it begins
    # (IMMEDIATE), so two requests never both read and then fail to upgrade ("database is
    # locked"); a writer waits up to the busy timeout for its turn; WAL lets readers go on
    # while one request writes; synchronous=NORMAL is safe under WAL. The backend queues the
    # writers of one process on a lock, fairly, instead of SQLite's polling (healthstack/db/sqlite3).
    DATABASES["default"]["ENGINE"] = "healthstack.db.sqlite3"
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": env.str("SQLITE_TRANSACTION_MODE", default="IMMEDIATE"),
        "timeout": env.float("SQLITE_BUSY_TIMEOUT_SECONDS", default=20),
        "init_command": (
            f"PRAGMA journal_mode={env.str('SQLITE_JOURNAL_MODE', default='WAL')};"
            f"PRAGMA synchronous={env.str('SQLITE_SYNCHRONOUS', default='NORMAL')};"
        ),
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # All sockets of one process share one inbound queue in Redis: its capacity is per
            # process, not per socket (channels-redis drops past it), so leave room for fan-out bursts.
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 5000, "expiry": 30},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work (emails, reminders, sweeps) runs on Huey. By default its queue is a SQLite file
# beside the database, so the demo needs no extra server; with REDIS_URL it is Redis, and consumers
# on several machines share it. `make run` starts one consumer (`manage.py run_huey`) beside Daphne.
# HUEY_IMMEDIATE=1 runs each task inside the call that queues it (the tests do this).
HUEY_IMMEDIATE = env.bool("HUEY_IMMEDIATE", default=False)
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "url": REDIS_URL}
else:
    _database_file = DATABASES["default"]["NAME"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else ""
    _huey_default = Path(_database_file).with_name("tasks.sqlite3") if _database_file else BASE_DIR / "tasks.sqlite3"
    HUEY = {"huey_class": "huey.SqliteHuey", "filename": env.str("HUEY_DATABASE", default="") or str(_huey_default)}
HUEY.update({
    "name": "healthstack",
    "immediate": HUEY_IMMEDIATE,
    "consumer": {"workers": env.int("HUEY_WORKERS", default=2), "worker_type": "thread", "periodic": True},
})

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.EmailBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "healthstack.views.lockout"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# How many reverse proxies (nginx, a load balancer) stand in front of Daphne and append to
# X-Forwarded-For. 0: the client is REMOTE_ADDR and the header is ignored. The lockout and the
# email rate limits count per client address (healthstack.clientaddress).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "healthstack.clientaddress.client_address"
# Sign-up and password-reset emails: at most this many per address, and per client address, in
# each window of minutes (accounts.services.count_account_email).
ACCOUNT_EMAILS_PER_ADDRESS = env.int("ACCOUNT_EMAILS_PER_ADDRESS", default=3)
ACCOUNT_EMAILS_PER_CLIENT = env.int("ACCOUNT_EMAILS_PER_CLIENT", default=20)
ACCOUNT_EMAILS_WINDOW_MINUTES = env.int("ACCOUNT_EMAILS_WINDOW_MINUTES", default=60)

STAFF_IDLE_TIMEOUT_MINUTES = env.int("STAFF_IDLE_TIMEOUT_MINUTES", default=30)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="Asia/Dhaka")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Public media: profile photos and hospital logos only.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Private files (certificates, medical documents): never under a public URL.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))

IMAGE_UPLOAD_MAX_MB = env.int("IMAGE_UPLOAD_MAX_MB", default=2)
CERTIFICATE_UPLOAD_MAX_MB = env.int("CERTIFICATE_UPLOAD_MAX_MB", default=5)
MEDICAL_UPLOAD_MAX_MB = env.int("MEDICAL_UPLOAD_MAX_MB", default=5)
# Images decoded at once in one process (the largest accepted takes about 144 MB while it is), and
# the seconds an upload waits for a turn before its form says the server is busy (healthstack/files.py).
IMAGE_DECODE_CONCURRENCY = env.int("IMAGE_DECODE_CONCURRENCY", default=2)
IMAGE_DECODE_WAIT_SECONDS = env.float("IMAGE_DECODE_WAIT_SECONDS", default=15.0)
# A request body over MAX_REQUEST_BODY_MB is answered 413 before Django reads it (config/asgi.py);
# the default fits the largest form: a doctor's application with five certificates and a photo.
MAX_REQUEST_BODY_MB = env.int("MAX_REQUEST_BODY_MB", default=5 * CERTIFICATE_UPLOAD_MAX_MB + IMAGE_UPLOAD_MAX_MB + 3)
# Uploads over 1 MB are spooled to temporary files, never held in memory whole.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Form fields other than files (and JSON bodies) stay small.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# consolemail:// prints each email in the terminal: ours prints an attachment as one line (name,
# type, size) where Django's own console backend would print its base64.
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend":
    EMAIL_BACKEND = "healthstack.console_email.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="HealthStack <no-reply@healthstack.local>")
# The outbox (healthstack/mail.py): seconds before a mail server that does not answer counts as
# down; the pause after a failed attempt doubles from the base up to the maximum; after the last
# attempt the email is marked failed in the admin. A sender holds an email for the claim seconds.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
EMAIL_RETRY_BASE_SECONDS = env.int("EMAIL_RETRY_BASE_SECONDS", default=30)
EMAIL_RETRY_MAX_SECONDS = env.int("EMAIL_RETRY_MAX_SECONDS", default=300)
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=30)
EMAIL_CLAIM_SECONDS = env.int("EMAIL_CLAIM_SECONDS", default=120)
# Who hears about a broken access-log chain and other faults of the installation (default: superusers).
OPERATOR_EMAILS = env.list("OPERATOR_EMAILS", default=[])
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)
# Invitations never accepted are deleted this many days after they expired (nightly task).
INVITATION_RETENTION_DAYS = env.int("INVITATION_RETENTION_DAYS", default=30)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# With DEBUG off, browsers are told to use HTTPS only for a year (the site must be served over HTTPS).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Joining the browsers' HSTS preload list is an operator's decision, not a default.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Items per page on every list, pages and API alike (healthstack.pages.paginate).
PAGE_SIZE = env.int("PAGE_SIZE", default=12)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "healthstack.api.ObjectJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "healthstack.api_schema.HealthStackAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "healthstack.api.ApiPagination",
    "PAGE_SIZE": PAGE_SIZE,
}
# API tokens (django-rest-knox, `Authorization: Token <key>`): only a hash is stored; a token
# lives API_TOKEN_TTL_HOURS, and a hospital staff member's also ends after
# STAFF_API_TOKEN_TTL_MINUTES without use, like their idle web session. The token class comes
# first above so a missing or dead token answers 401 with WWW-Authenticate, not 403.
API_TOKEN_TTL_HOURS = env.float("API_TOKEN_TTL_HOURS", default=72)
STAFF_API_TOKEN_TTL_MINUTES = env.float("STAFF_API_TOKEN_TTL_MINUTES", default=STAFF_IDLE_TIMEOUT_MINUTES)
KNOX_TOKEN_MODEL = "accounts.ApiToken"
# knox's own migrations create its AuthToken table even when the model is swapped out; that
# unused table's foreign key to users would then block PostgreSQL from truncating users.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "HealthStack API",
    "DESCRIPTION": "Session or token authentication (`Authorization: Token <key>` from /api/v1/auth/login/). "
                   "Errors are JSON: {field: [messages]} or {detail: message}.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get their own components, so an upload is documented as a file (binary).
    "COMPONENT_SPLIT_REQUEST": True,
    # Every <int:...> in an API path is an id (healthstack.lookups.MAX_ID): a larger one is a 404.
    "PATH_CONVERTER_OVERRIDES": {"int": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}},
    # Several models have a "status": each machine's choices get their own named enum.
    "ENUM_NAME_OVERRIDES": {
        "LabOrderStatusEnum": "labs.models.LabOrder.Status",
        "MedicineOrderStatusEnum": "pharmacy.models.MedicineOrder.Status",
    },
}

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Local time with its offset: the zone is TIME_ZONE (Django sets it), the same as honcho's prefix.
    "formatters": {"plain": {"()": "healthstack.log.LocalTimeFormatter",
                             "format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors_on_one_line": {"()": "healthstack.log.ClientErrorsOnOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # Its own handler, so `manage.py run_huey` adds none and each line is printed once.
        "huey": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # A 403 (or any 4xx) is logged as one line, without a traceback.
        "django.request": {"filters": ["client_errors_on_one_line"]},
    },
}


# Payments through SSLCommerz. "local" talks to the sandbox this project serves at
# /sandbox/sslcommerz/ (no internet, no money); "sandbox" is SSLCommerz's own test
# gateway; "live" takes real money and must point at SSLCommerz's live host.
# With DEBUG off the mode must be chosen: a forgotten setting must never hand real patients a
# Pay button that takes no money. A demo server that wants the local sandbox anyway says so with
# a second, deliberately long setting, and every page then carries a "demo payments" banner.
SSLCOMMERZ_MODE = env.str("SSLCOMMERZ_MODE", default="").strip().lower()
HEALTHSTACK_DEMO_PAYMENTS_IN_PRODUCTION = env.bool("HEALTHSTACK_DEMO_PAYMENTS_IN_PRODUCTION", default=False)
if not SSLCOMMERZ_MODE:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SSLCOMMERZ_MODE is not set and DJANGO_DEBUG is off. Set SSLCOMMERZ_MODE=live (with "
            "SSLCOMMERZ_STORE_ID and SSLCOMMERZ_STORE_PASSWORD) to take real payments."
        )
    SSLCOMMERZ_MODE = "local"
if SSLCOMMERZ_MODE == "local" and not DEBUG and not HEALTHSTACK_DEMO_PAYMENTS_IN_PRODUCTION:
    raise ImproperlyConfigured(
        "SSLCOMMERZ_MODE=local serves a payment sandbox that takes no money, and DJANGO_DEBUG is off. "
        "Use SSLCOMMERZ_MODE=live for real payments; only a demo server may also set "
        "HEALTHSTACK_DEMO_PAYMENTS_IN_PRODUCTION=1."
    )
SSLCOMMERZ_HOSTS = {
    "local": SITE_URL + "/sandbox/sslcommerz",
    "sandbox": "https://sandbox.sslcommerz.com",
    "live": "https://securepay.sslcommerz.com",
}
_LOCAL_PAYMENTS = SSLCOMMERZ_MODE == "local"
SSLCOMMERZ_STORE_ID = env.str("SSLCOMMERZ_STORE_ID", default="healthstacklocal" if _LOCAL_PAYMENTS else "")
SSLCOMMERZ_STORE_PASSWORD = env.str(
    "SSLCOMMERZ_STORE_PASSWORD", default="healthstacklocal@ssl" if _LOCAL_PAYMENTS else ""
)
SSLCOMMERZ_BASE_URL = (env.str("SSLCOMMERZ_BASE_URL", default="") or SSLCOMMERZ_HOSTS.get(SSLCOMMERZ_MODE, "")).rstrip("/")
PAYMENT_HOLD_MINUTES = env.int("PAYMENT_HOLD_MINUTES", default=15)
# The smallest amount the gateway takes (SSLCommerz refuses less); every payable is refused under it at checkout.
PAYMENT_MIN_AMOUNT = env.str("PAYMENT_MIN_AMOUNT", default="10.00")
# Minutes a critical lab result may wait for the ordering doctor before the hospital's admins are alerted.
LAB_CRITICAL_ESCALATION_MINUTES = env.int("LAB_CRITICAL_ESCALATION_MINUTES", default=30)
PAYMENT_GATEWAY_TIMEOUT = env.float("PAYMENT_GATEWAY_TIMEOUT", default=10.0)
# Starting a payment redirects a form POST to the gateway: CSP form-action must allow its origin.
CSP_FORM_ACTION_EXTRA = ["/".join(SSLCOMMERZ_BASE_URL.split("/")[:3])] if "://" in SSLCOMMERZ_BASE_URL else []

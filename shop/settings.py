"""Django settings for Shop. Everything a deployment changes comes from the environment."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from shop.currencies import shop_currency

BASE_DIR = Path(__file__).resolve().parent.parent


def connection_pool() -> dict:
    """Django's connection pool (psycopg-pool), one per process: a request takes a
    connection and gives it back, opening none of its own. Each connection is checked as
    it is handed out, so after Postgres restarts no request gets a dead one.

    SHOP_DB_POOL_SIZE caps each process's connections: a web process needs one per
    thread (SHOP_WEB_THREADS), a worker process one. Postgres must allow them all
    (docs/architecture.md, "Processes"). A request waits at most SHOP_DB_POOL_TIMEOUT
    seconds for a connection (then 503).

    While Postgres is down the pool retries a connection 1 s, then 2 s, 4 s, ... apart,
    for `reconnect_timeout` (300 s by default): after a 20 s outage its next try came
    10 s after Postgres was back, and requests failed meanwhile. Giving up after as long
    as a request waits lets the next request start again at once, so while requests
    come a connection is tried at most SHOP_DB_POOL_TIMEOUT apart. The pool has a
    connection per thread, so only an unreachable database makes a request wait.
    """
    timeout = float(os.environ.get("SHOP_DB_POOL_TIMEOUT", "2"))
    return {
        "min_size": 1,
        "max_size": int(os.environ.get("SHOP_DB_POOL_SIZE", "8")),
        "timeout": timeout,
        "reconnect_timeout": timeout,
        "max_idle": 60,
    }


def database_from_url(url: str) -> dict:
    """`postgresql://user:password@host:port/name?host=/socket/dir` to a DATABASES entry."""
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return {
        "ENGINE": "shop.database",  # Django's PostgreSQL backend, checking connections
        "NAME": unquote(parts.path.lstrip("/")) or "shop",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": query.pop("host", parts.hostname or ""),
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 0,  # connections come from the pool, and go back after each request
        # Off: not psycopg-pool's check, which waits a second and more after each dead
        # connection; shop.database checks each one as it is handed out instead.
        "CONN_HEALTH_CHECKS": False,
        "OPTIONS": {**query, "pool": connection_pool()},
        "TEST": {"NAME": os.environ.get("SHOP_TEST_DATABASE", None)},
    }


def websocket_sources(port: str, hosts: list[str]) -> list[str]:
    """connect-src entries for the feed on `port` of every allowed host, ws and wss.

    A wildcard host is skipped. `.example.com` (to Django, the domain and its
    subdomains) gives `example.com` and `*.example.com`: CSP's `*.` matches subdomains only.
    """
    if not port:
        return []
    names: list[str] = []
    for host in hosts:
        if "*" in host or host in ("", "."):
            continue
        names += [host[1:], f"*{host}"] if host.startswith(".") else [host]
    return [f"{scheme}://{name}:{port}" for name in names for scheme in ("ws", "wss")]


DEBUG = os.environ.get("SHOP_DEBUG", "0") == "1"
# Signs sessions, password reset links and CSRF tokens: every process of one deployment
# shares it (`make run` keeps one in .run/secret-key). Debug alone may go without.
SECRET_KEY = os.environ.get("SHOP_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SHOP_SECRET_KEY is not set: give every Shop process the same secret key"
            " (or set SHOP_DEBUG=1 for a throwaway one)"
        )
    SECRET_KEY = get_random_secret_key()  # this process's alone: sessions end with it
# Rotation: the new key in SHOP_SECRET_KEY, the old ones here (comma-separated) until the
# sessions and links they signed have expired.
SECRET_KEY_FALLBACKS = [
    key for key in os.environ.get("SHOP_SECRET_KEY_FALLBACKS", "").split(",") if key
]
ALLOWED_HOSTS = os.environ.get("SHOP_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    origin for origin in os.environ.get("SHOP_TRUSTED_ORIGINS", "").split(",") if origin
]
# The proxies (addresses or networks) whose X-Forwarded-For is believed; see
# shop/client_address.py. Empty: the client's address is the socket's peer.
SHOP_TRUSTED_PROXIES = [
    proxy for proxy in os.environ.get("SHOP_TRUSTED_PROXIES", "").split(",") if proxy
]
# GET /metrics answers callers on this host (shop/metrics.py), and others only with
# `Authorization: Bearer <this token>`. Empty: this host alone.
SHOP_METRICS_TOKEN = os.environ.get("SHOP_METRICS_TOKEN", "")

INSTALLED_APPS = [
    "shop.admin.apps.BackOfficeConfig",  # Django's admin with the back-office site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "eventstore",
    "contexts.cart",
    "contexts.catalog",
    "contexts.sales",
    "contexts.invoicing",
    "contexts.shipping",
    "contexts.integrations",
    "shop",
    "shop.api",
    "shop.tokens",
]

MIDDLEWARE = [
    "shop.request_ids.RequestIdMiddleware",  # first: every line of a request carries its id
    "shop.metrics.RequestTimer",  # times every answer, static files' too
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # /static/, before the rest
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # a locked-out sign-in's answer: login_limits
    "shop.database_outage.DatabaseOutageMiddleware",  # a view's database outage: 503
]

# Behind TLS (SHOP_HTTPS=1): cookies go over https only, browsers are told to use https
# for a year (HSTS, subdomains too), plain http is redirected, and the proxy's
# X-Forwarded-Proto says whether a request came over https: the proxy must set it on
# every request and drop any the client sent. Off by default, so `make run` works on http.
SHOP_HTTPS = os.environ.get("SHOP_HTTPS", "0") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = SHOP_HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if SHOP_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SHOP_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SHOP_HTTPS else None
# A load balancer's check and Prometheus's scrape come over plain http, from inside.
SECURE_REDIRECT_EXEMPT = [r"^api/health(/live|/ready)?$", r"^metrics$"]

# The port of the order feed's websocket server, for pages served on another port
# (`make run`: HTTP on PORT, the feed on the next). Empty: the feed is on the page's own
# origin, as behind a proxy that routes /ws/ to the websocket server.
SHOP_WEBSOCKET_PORT = os.environ.get("SHOP_WEBSOCKET_PORT", "")
if SHOP_WEBSOCKET_PORT and not (SHOP_WEBSOCKET_PORT.isascii() and SHOP_WEBSOCKET_PORT.isdigit()):
    raise ImproperlyConfigured(f"SHOP_WEBSOCKET_PORT is not a port: {SHOP_WEBSOCKET_PORT!r}")

# Content-Security-Policy on every answer (django-csp): scripts, styles, images, fonts
# and connections (the API, the order feed's websocket) from this origin only, and the
# feed's websocket server on SHOP_WEBSOCKET_PORT when it has one; no inline or injected
# script, no plugins, no framing. Inline styles stay allowed: the back-office templates
# use style attributes, and a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF, *websocket_sources(SHOP_WEBSOCKET_PORT, ALLOWED_HOSTS)],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "shop.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
ASGI_APPLICATION = "shop.asgi.application"
WSGI_APPLICATION = "shop.wsgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/shop")
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "shop",
        # Under ASGI each request gets its own cache object: share one pool per process.
        "OPTIONS": {"pool_class": "shop.api.redis_pool.SharedConnectionPool"},
    }
}
CHANNEL_LAYERS = {
    "default": {
        # Redis pub/sub: a group send is one PUBLISH, and each process reads its sockets'
        # channels from one subscribed connection, each channel keeping its newest
        # `capacity` messages (shop/channel_layer.py). The prefix keeps suites apart.
        "BACKEND": "shop.channel_layer.BoundedPubSubChannelLayer",
        "CONFIG": {"hosts": [{"address": REDIS_URL}], "prefix": "shop", "capacity": 100},
    }
}

CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "shop"
CELERY_TASK_IGNORE_RESULT = True
# A wake-up is acknowledged as its task starts: one lost with a killed worker loses
# nothing (Postgres holds the work, the sweeper finds it). See ack_emulation below.
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# No acknowledgement emulation: a wake-up taken off the queue is gone, never restored.
# Losing one loses nothing (the sweeper finds the work), and restoring the unacknowledged
# ones as Redis went away is where kombu stopped the worker for good ("Unrecoverable
# error: AttributeError", celery and kombu 5.7.0).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 5, "socket_connect_timeout": 2, "ack_emulation": False,
}  # fmt: skip
# Celery's Django fixup closes a prefork worker's whole connection pool before and after
# every task unless this is set: a new Postgres connection per task (about 15 ms, and a
# backend started on the server each time). With it set that high the fixup never
# closes; shop/celery.py hands each task's connection back to the pool instead.
CELERY_DB_REUSE_MAX = 2**62
# Webhook deliveries wait on other hosts' answers (up to 10 s each): their tasks go to a
# queue of their own (`shop.celery.relay_queue`), served by a worker of threads, so a
# slow receiver holds a thread of that worker, never a process the event store needs.
CELERY_TASK_ROUTES = ("shop.celery.route",)

# Failed sign-ins (shop/login_limits.py): this many per username, and per client
# address, within this many minutes; then sign-in is refused until they have passed.
SHOP_LOGIN_FAILURE_LIMIT = int(os.environ.get("SHOP_LOGIN_FAILURE_LIMIT", "10"))
SHOP_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("SHOP_LOGIN_LOCKOUT_MINUTES", "15"))
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out sign-in unhashed
    "django.contrib.auth.backends.ModelBackend",
]
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = "shop.login_limits.failure_limit"
AXES_COOLOFF_TIME = "shop.login_limits.lockout_period"
AXES_USERNAME_CALLABLE = "shop.login_limits.username_of"
AXES_CLIENT_IP_CALLABLE = "shop.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "shop.login_limits.lockout_response"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # refused guesses write nothing
AXES_DISABLE_ACCESS_LOG = True  # no row per successful sign-in
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Times to the second, in one place (shop/formats): Django's locale formats stop at minutes.
FORMAT_MODULE_PATH = ["shop.formats"]

# Static files (the admin's, the live pages', the API docs') are served by the app itself,
# by WhiteNoise's middleware (synchronous, as the HTTP server runs Django: an async-only
# middleware would cost every WSGI request an event loop). `collectstatic` (`make run`
# runs it before the servers start) copies them to STATIC_ROOT under content-hashed
# names, each with a gzip copy; templates name the hashed files, which are cached for ten
# years, and naming a file that was not collected is an error. Under SHOP_DEBUG=1 the
# files come straight from the apps, unhashed and uncached.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".run" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# WhiteNoise also writes brotli copies when the `brotli` package is installed; it is not:
# at level 11 that took 37 s of each start on two cores for the API docs' bundles, against
# 2 s for gzip alone, and every browser takes gzip.

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shop.tokens.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["shop.api.parsers.StrictJSONParser"],
    "EXCEPTION_HANDLER": "shop.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "shop.api.schema.ShopAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "shop.api.throttling.UserThrottle",
        "shop.api.throttling.AnonThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("SHOP_API_USER_RATE", "1200/minute"),
        "anon": os.environ.get("SHOP_API_ANON_RATE", "300/minute"),
    },
    "NON_FIELD_ERRORS_KEY": "nonFieldErrors",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shop API",
    "DESCRIPTION": (
        "Writes answer 202 with a command to follow at its Location; errors are "
        "application/problem+json (RFC 9457). See docs/api.md. The live order feed "
        "(websocket) is described by its AsyncAPI document, [/api/asyncapi.yaml]"
        "(/api/asyncapi.yaml)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # A PATCH body is validated whole (required fields too), as a POST's is.
    "COMPONENT_SPLIT_PATCH": False,
    "DEFAULT_GENERATOR_CLASS": "shop.api.schema.Generator",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "shop.api.schema.add_problem_components",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AcceptedStatusEnum": "shop.api.serializers.ACCEPTED_STATUSES",
        "CommandStatusEnum": "eventstore.models.Command.Status",
        "OrderStatusEnum": "contexts.sales.order_serializers.ORDER_STATUSES",
        "InvoiceStatusEnum": "contexts.invoicing.api.INVOICE_STATUSES",
        "ShipmentStatusEnum": "contexts.shipping.api.SHIPMENT_STATUSES",
        "DeliveryStatusEnum": "contexts.integrations.models.DeliveryStatus",
        "HealthCheckStatusEnum": "shop.health.CHECK_STATUSES",
        "HealthStatusEnum": "shop.health.HEALTH_STATUSES",
        "HealthPartEnum": "shop.health.PARTS",
        "LiveStatusEnum": "shop.health.LIVE_STATUSES",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# The largest request body the API reads (larger is 413).
SHOP_API_MAX_BODY_BYTES = 64 * 1024

# Every process's lines, Django's, Celery's, uvicorn's and Shop's, through one formatter
# (shop/logs.py): SHOP_LOG_FORMAT=json for one JSON object a line, console lines else.
SHOP_LOG_FORMAT = os.environ.get("SHOP_LOG_FORMAT", "console")
SHOP_LOG_LEVEL = os.environ.get("SHOP_LOG_LEVEL", "INFO")
SHOP_ACCESS_LOG = os.environ.get("SHOP_ACCESS_LOG", "0") == "1"  # a line a request
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"shop": {"()": "shop.logs.formatter", "format": SHOP_LOG_FORMAT}},
    # The sweeper's runs (CELERY_BEAT_SCHEDULE) log at DEBUG, not a few lines a sweep.
    "filters": {
        "routine": {
            "()": "shop.logs.RoutineTasks",
            "tasks": ["eventstore.sweep", "integrations.sweep"],
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "shop", "filters": ["routine"]}
    },
    "root": {"handlers": ["console"], "level": SHOP_LOG_LEVEL},
    "loggers": {
        # httpx (the benchmark's baseline client, and tools') logs every request at INFO.
        "httpx": {"level": "WARNING"},
        # Django's own console handler (under DEBUG) gives way to ours, as do uvicorn's
        # (the websocket server's lines); the access lines are Shop's (shop/request_ids.py).
        "django": {},
        "uvicorn": {"handlers": ["console"], "level": SHOP_LOG_LEVEL, "propagate": False},
        "uvicorn.access": {"propagate": False},
        "shop.access": {"level": "INFO" if SHOP_ACCESS_LOG else "WARNING"},
    },
}

SHOP_SWEEP_SECONDS = float(os.environ.get("SHOP_SWEEP_SECONDS", "2"))
# /api/health/ready is 503 once a subscriber is more events than this behind the head.
SHOP_HEALTH_MAX_LAG = int(os.environ.get("SHOP_HEALTH_MAX_LAG", "10000"))
# Executor runs at once, across every worker and host (eventstore.executor.Executor.woken).
# Appends take one lock at a time, so a second run on a small host mostly waits for it,
# holding a worker process the subscribers need; on a bigger host, with commands whose
# decisions cost more than their appends, raise it.
SHOP_EXECUTOR_RUNS = int(os.environ.get("SHOP_EXECUTOR_RUNS", "1"))
CELERY_BEAT_SCHEDULE = {
    "sweep": {"task": "eventstore.sweep", "schedule": SHOP_SWEEP_SECONDS},
    "sweep-webhooks": {"task": "integrations.sweep", "schedule": SHOP_SWEEP_SECONDS},
    "purge-idempotency-keys": {"task": "shop.api.purge_idempotency_keys", "schedule": 3600},
}

# Long polls (`?wait=`, `?after=`) one user may have waiting at once; one more is 429.
SHOP_LONG_POLL_MAX_PER_USER = int(os.environ.get("SHOP_LONG_POLL_MAX_PER_USER", "4"))

# Seconds between websocket heartbeats ({"type": "heartbeat", "position": ...}).
SHOP_WS_HEARTBEAT_SECONDS = float(os.environ.get("SHOP_WS_HEARTBEAT_SECONDS", "20"))
# Open websockets one user may hold at once, over all servers (more are closed with 4429).
SHOP_WS_MAX_PER_USER = int(os.environ.get("SHOP_WS_MAX_PER_USER", "10"))

# Seconds an API token lives after it is issued (30 days).
SHOP_TOKEN_TTL = int(os.environ.get("SHOP_TOKEN_TTL", "2592000"))

# Webhooks (contexts/integrations, docs/integration-events.md). Only https receivers,
# unless SHOP_WEBHOOK_ALLOW_HTTP=1; no receiver whose address is loopback, private,
# link-local or multicast, unless its host name is in SHOP_WEBHOOK_ALLOWED_HOSTS
# (comma-separated).
SHOP_WEBHOOK_ALLOW_HTTP = os.environ.get("SHOP_WEBHOOK_ALLOW_HTTP") == "1"
SHOP_WEBHOOK_ALLOWED_HOSTS = tuple(
    host.strip().lower()
    for host in os.environ.get("SHOP_WEBHOOK_ALLOWED_HOSTS", "").split(",")
    if host.strip()
)
# Seconds between a failed attempt and the next (each with up to 20% jitter): about 23
# hours in all, after which the delivery is dead-lettered.
SHOP_WEBHOOK_RETRY_SECONDS = tuple(
    float(s)
    for s in os.environ.get(
        "SHOP_WEBHOOK_RETRY_SECONDS", "5,30,120,600,3600,14400,28800,36000"
    ).split(",")
)
# An endpoint failing for this many seconds in a row is disabled (24 hours).
SHOP_WEBHOOK_DISABLE_AFTER = float(os.environ.get("SHOP_WEBHOOK_DISABLE_AFTER", "86400"))
# Threads of the relay's worker: each endpoint being delivered to takes one.
SHOP_WEBHOOK_THREADS = int(os.environ.get("SHOP_WEBHOOK_THREADS", "4"))

# The currency of every amount (ISO 4217, two decimal places; shop/currencies.py): shown
# as `currency` beside amounts in the API, the pages, the back office and the integration
# events. It names the amounts, never converts them: set it once, the same in every
# process. Stored pages and feed rows do not hold it, so changing it needs no rebuild.
SHOP_CURRENCY = shop_currency(os.environ.get("SHOP_CURRENCY") or "EUR")

# Seconds a customer has to pay an invoice, counted from the order's placed_at (3 days).
SHOP_PAYMENT_WINDOW = int(os.environ.get("SHOP_PAYMENT_WINDOW", "259200"))

"""All settings of congvu, read from the environment in this one module.

CONGVU_DATA_DIR      where the embedded database, secret key and media live (default ./var)
CONGVU_DATABASE_URL  sqlite:///path or postgres://user@host:port/db (default SQLite in the data dir)
CONGVU_MEDIA_DIR     file storage (default <data dir>/media)
CONGVU_SECRET_KEY    generated once and kept in <data dir>/secret_key when unset
CONGVU_DEBUG         1/true to enable debug pages
CONGVU_ALLOWED_HOSTS comma-separated host names (default localhost,127.0.0.1)
CONGVU_MAX_UPLOAD_MB largest accepted attachment (default 50)

Background jobs and e-mail: see the jobs block below (CONGVU_TASK_BROKER, CONGVU_EMAIL_URL, ...).
Digital signatures (read in congvu/signing/config.py): CONGVU_PKI_DIR, CONGVU_TRUST_ROOTS,
CONGVU_TRUST_DEMO_CA, CONGVU_PKCS11_* (token library, slot, PIN, labels).
Exchange connector: CONGVU_EXCHANGE_FOLDER (see the exchange block below).
Reorganisation: CONGVU_MERGE_ACROSS_PROVINCES.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("CONGVU_DATA_DIR", "./var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = os.environ.get("CONGVU_SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # Written once with owner-only permissions; later runs reuse it so sessions survive restarts.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("CONGVU_DEBUG")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("CONGVU_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CONGVU_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "congvu.core",
    "congvu.audit",
    "congvu.org",
    "congvu.documents",
    "congvu.workdays",
    "congvu.jobs",
    "congvu.notifications",
    "congvu.workflow",
    "congvu.drafting",
    "congvu.exchange",
    "congvu.schedule",
    "congvu.records",
    "congvu.intake",
    "congvu.signing",
    "congvu.onestop",
    "congvu.staffing",
    "congvu.dashboard",
    "congvu.api",
    "congvu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "congvu.org.middleware.ActiveAgencyMiddleware",
]

ROOT_URLCONF = "congvu.urls"
WSGI_APPLICATION = "congvu.wsgi.application"

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
                "congvu.org.context_processors.active_agency",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
_default_sqlite = f"sqlite:///{DATA_DIR / 'congvu.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("CONGVU_DATABASE_URL", _default_sqlite))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE makes a writing transaction take the
        # lock at BEGIN, so two writers queue on the busy timeout instead of failing on upgrade.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]

# --- Language and time --------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Files --------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"  # only for `collectstatic`; whitenoise serves from the finders
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]  # the project's own CSS and JS (congvu/static/congvu/)
MEDIA_ROOT = Path(os.environ.get("CONGVU_MEDIA_DIR", DATA_DIR / "media")).resolve()
MAX_UPLOAD_BYTES = int(float(os.environ.get("CONGVU_MAX_UPLOAD_MB", "50")) * 1024 * 1024)
# Uploads above this stream to a temporary file rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Stops reading an upload as soon as it passes MAX_UPLOAD_BYTES, so a 2 GB upload never lands on disk.
FILE_UPLOAD_HANDLERS = [
    "congvu.documents.upload_handlers.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Auth and sessions --------------------------------------------------------------------------
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "SAMEORIGIN"  # the detail page shows the PDF in a same-origin frame
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Background jobs and e-mail (owned by congvu.jobs / congvu.notifications) --------------------
# CONGVU_TASK_BROKER   unset: database queue run by `congvu worker`, `congvu jobs run-due` or the demo
#                      server's in-process worker; "immediate": run in-process right after commit (tests);
#                      redis://host:6379/0 or amqp://user:pass@host:5672//: Celery on that broker.
# CONGVU_JOBS_POLL_SECONDS  how often an idle database-queue worker looks for work (default 2)
# CONGVU_EMAIL_URL     unset: e-mails are printed on the console; smtp://user:pass@host:587 (STARTTLS),
#                      smtps://user:pass@host:465 (TLS), console:// or locmem:// ; or the usual Django
#                      variables CONGVU_EMAIL_HOST, CONGVU_EMAIL_PORT, CONGVU_EMAIL_HOST_USER,
#                      CONGVU_EMAIL_HOST_PASSWORD, CONGVU_EMAIL_USE_TLS, CONGVU_EMAIL_USE_SSL
# CONGVU_EMAIL_FROM    sender address (default "congvu <noreply@localhost>")
# CONGVU_SITE_URL      absolute address put in e-mailed links (default http://localhost:8000)
TASK_BROKER = os.environ.get("CONGVU_TASK_BROKER", "").strip()
JOBS_POLL_SECONDS = float(os.environ.get("CONGVU_JOBS_POLL_SECONDS", "2"))
JOBS_LEASE_SECONDS = 1800  # a running job silent this long is taken over by another worker
CELERY_BEAT_SCHEDULE_FILE = DATA_DIR / "celerybeat-schedule"

from congvu.notifications.mail import email_settings as _email_settings  # noqa: E402

globals().update(_email_settings(os.environ))
SITE_URL = os.environ.get("CONGVU_SITE_URL", "http://localhost:8000").rstrip("/")
# --- end of background jobs and e-mail -----------------------------------------------------------

# --- Exchange connector (congvu.exchange, docs/decisions/0017) -------------------------------------
# CONGVU_EXCHANGE_FOLDER  drop folder whose inbox/*.edxml the periodic job exchange.run (and
#                         `congvu exchange run` without --folder) collects every minute; unset: none.
#                         Packages for folder peers are written to each peer's own folder.
CONGVU_EXCHANGE_FOLDER = os.environ.get("CONGVU_EXCHANGE_FOLDER", "").strip()

# --- Reorganisation (congvu.staffing.reorg) ------------------------------------------------------
# CONGVU_MERGE_ACROSS_PROVINCES  1/true: units of different provinces may be merged (a province merger);
#                                otherwise only a system admin's plan flag allows it.
CONGVU_MERGE_ACROSS_PROVINCES = os.environ.get("CONGVU_MERGE_ACROSS_PROVINCES", "").strip().lower() in {
    "1", "true", "yes"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CONGVU_LOG_LEVEL", "WARNING")},
}

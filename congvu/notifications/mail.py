"""E-mail settings from the environment (imported by congvu.settings; no Django imports here).

CONGVU_EMAIL_URL wins when set:
    console://                         print e-mails on the console (the embedded default)
    locmem://                          keep them in memory (tests)
    smtp://user:password@host:587      SMTP with STARTTLS (add ?tls=0 to switch it off)
    smtps://user:password@host:465     SMTP over TLS
User and password are URL-encoded (e.g. %40 for @). Without it, CONGVU_EMAIL_HOST (and _PORT, _HOST_USER,
_HOST_PASSWORD, _USE_TLS, _USE_SSL) configure SMTP; with neither, the console backend is used.
"""

from collections.abc import Mapping
from urllib.parse import parse_qs, unquote, urlsplit

CONSOLE = "django.core.mail.backends.console.EmailBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def email_settings(env: Mapping[str, str]) -> dict:
    out = {
        "DEFAULT_FROM_EMAIL": env.get("CONGVU_EMAIL_FROM", "congvu <noreply@localhost>"),
        "EMAIL_TIMEOUT": 20,
    }
    out["SERVER_EMAIL"] = out["DEFAULT_FROM_EMAIL"]
    url = env.get("CONGVU_EMAIL_URL", "").strip()
    if url:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "console":
            return out | {"EMAIL_BACKEND": CONSOLE}
        if scheme == "locmem":
            return out | {"EMAIL_BACKEND": LOCMEM}
        if scheme not in {"smtp", "smtps"}:
            raise ValueError(f"CONGVU_EMAIL_URL: unknown scheme {scheme!r} (console, locmem, smtp or smtps)")
        query = parse_qs(parts.query)
        ssl = scheme == "smtps"
        return out | {
            "EMAIL_BACKEND": SMTP,
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or (465 if ssl else 587),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": ssl,
            "EMAIL_USE_TLS": not ssl and _bool(query.get("tls", [""])[0], True),
        }
    host = env.get("CONGVU_EMAIL_HOST", "").strip()
    if not host:
        return out | {"EMAIL_BACKEND": CONSOLE}
    ssl = _bool(env.get("CONGVU_EMAIL_USE_SSL"), False)
    return out | {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": host,
        "EMAIL_PORT": int(env.get("CONGVU_EMAIL_PORT") or (465 if ssl else 587)),
        "EMAIL_HOST_USER": env.get("CONGVU_EMAIL_HOST_USER", ""),
        "EMAIL_HOST_PASSWORD": env.get("CONGVU_EMAIL_HOST_PASSWORD", ""),
        "EMAIL_USE_SSL": ssl,
        "EMAIL_USE_TLS": not ssl and _bool(env.get("CONGVU_EMAIL_USE_TLS"), True),
    }

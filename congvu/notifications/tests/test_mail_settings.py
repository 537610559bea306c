import pytest

from congvu.notifications.mail import CONSOLE, LOCMEM, SMTP, email_settings


def test_console_by_default():
    assert email_settings({}) == {"DEFAULT_FROM_EMAIL": "congvu <noreply@localhost>",
                                  "SERVER_EMAIL": "congvu <noreply@localhost>",
                                  "EMAIL_TIMEOUT": 20, "EMAIL_BACKEND": CONSOLE}


def test_smtp_url_with_starttls_and_encoded_credentials():
    out = email_settings({"CONGVU_EMAIL_URL": "smtp://vanthu%40nongson.gov.vn:m%E1%BA%ADt@mail.nongson.gov.vn",
                          "CONGVU_EMAIL_FROM": "UBND huyện <vanthu@nongson.gov.vn>"})
    assert out == {"DEFAULT_FROM_EMAIL": "UBND huyện <vanthu@nongson.gov.vn>",
                   "SERVER_EMAIL": "UBND huyện <vanthu@nongson.gov.vn>", "EMAIL_TIMEOUT": 20,
                   "EMAIL_BACKEND": SMTP, "EMAIL_HOST": "mail.nongson.gov.vn", "EMAIL_PORT": 587,
                   "EMAIL_HOST_USER": "vanthu@nongson.gov.vn", "EMAIL_HOST_PASSWORD": "mật",
                   "EMAIL_USE_SSL": False, "EMAIL_USE_TLS": True}


def test_smtps_and_plain_smtp():
    out = email_settings({"CONGVU_EMAIL_URL": "smtps://u:p@mail.example.vn:2465"})
    assert (out["EMAIL_PORT"], out["EMAIL_USE_SSL"], out["EMAIL_USE_TLS"]) == (2465, True, False)
    out = email_settings({"CONGVU_EMAIL_URL": "smtp://relay.local:25?tls=0"})
    assert (out["EMAIL_HOST"], out["EMAIL_PORT"], out["EMAIL_USE_TLS"], out["EMAIL_HOST_USER"]) == (
        "relay.local", 25, False, "")
    assert email_settings({"CONGVU_EMAIL_URL": "locmem://"})["EMAIL_BACKEND"] == LOCMEM
    assert email_settings({"CONGVU_EMAIL_URL": "console://"})["EMAIL_BACKEND"] == CONSOLE


def test_django_style_variables():
    out = email_settings({"CONGVU_EMAIL_HOST": "smtp.gov.vn", "CONGVU_EMAIL_PORT": "25",
                          "CONGVU_EMAIL_USE_TLS": "0", "CONGVU_EMAIL_HOST_USER": "a", "CONGVU_EMAIL_HOST_PASSWORD": "b"})
    assert {k: out[k] for k in ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL",
                                "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD")} == {
        "EMAIL_BACKEND": SMTP, "EMAIL_HOST": "smtp.gov.vn", "EMAIL_PORT": 25, "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False, "EMAIL_HOST_USER": "a", "EMAIL_HOST_PASSWORD": "b"}
    out = email_settings({"CONGVU_EMAIL_HOST": "smtp.gov.vn", "CONGVU_EMAIL_USE_SSL": "1"})
    assert (out["EMAIL_PORT"], out["EMAIL_USE_SSL"], out["EMAIL_USE_TLS"]) == (465, True, False)


def test_an_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="unknown scheme 'http'"):
        email_settings({"CONGVU_EMAIL_URL": "http://mail"})

"""CONGVU_EXCHANGE_FOLDER: the drop folder the periodic job exchange.run collects, set from the environment."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from congvu.exchange.models import ReceivedPackage
from congvu.exchange.tasks import exchange_run

pytestmark = pytest.mark.django_db


def _setting_in_a_fresh_process(folder: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "CONGVU_EXCHANGE_FOLDER"}
    if folder is not None:
        env["CONGVU_EXCHANGE_FOLDER"] = folder
    code = "import django; django.setup(); from django.conf import settings; print(repr(settings.CONGVU_EXCHANGE_FOLDER))"
    return subprocess.run([sys.executable, "-c", code], env={**env, "DJANGO_SETTINGS_MODULE": "congvu.settings"},
                          check=True, capture_output=True, text=True).stdout.strip()


def test_the_setting_is_read_from_the_environment(tmp_path):
    assert _setting_in_a_fresh_process(f" {tmp_path} ") == repr(str(tmp_path))
    assert _setting_in_a_fresh_process(None) == "''"


def test_the_periodic_job_collects_the_configured_folder(tmp_path, monkeypatch):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "hong.edxml").write_bytes(b"<edXML><broken")
    monkeypatch.setattr(settings, "CONGVU_EXCHANGE_FOLDER", "", raising=False)
    exchange_run()
    assert [p.name for p in (tmp_path / "inbox").iterdir()] == ["hong.edxml"]  # no folder set: untouched

    monkeypatch.setattr(settings, "CONGVU_EXCHANGE_FOLDER", str(tmp_path))
    exchange_run()
    assert list((tmp_path / "inbox").iterdir()) == []
    assert sorted(p.name for p in (tmp_path / "rejected").iterdir()) == ["hong.edxml", "hong.edxml.txt"]
    assert ReceivedPackage.objects.count() == 0

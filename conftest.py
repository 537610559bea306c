"""Shared fixtures: a small deployment (two agencies, one official per role) built through the models."""

import itertools
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from congvu.org.models import Agency, AgencyKind, Department, Membership, Official, Position, Role

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Signing keys: never the developer's ./var/pki (a demo run puts keys there), never a hardware token.
    settings.CONGVU_PKI_DIR = str(tmp_path / "pki")
    settings.CONGVU_PKCS11_LIB = ""
    # Real hashers are slow on purpose; tests log in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reference_data(django_db_blocker):
    """Reference rows that migrations load. Transactional tests (transaction=True) flush the database
    after each test, erasing them: such tests request this fixture instead of serialized_rollback, which
    clashes with the content types Django recreates after a flush."""
    from congvu.documents.reference import load_document_types
    from congvu.records.reference import load_retention_schedules
    from congvu.workdays.seed import seed_calendar
    from congvu.workdays.services import calendar_cache_clear

    with django_db_blocker.unblock():
        load_document_types()
        load_retention_schedules()
        seed_calendar(year_from=2024, year_to=2028)  # what migration 0002 of workdays seeds
        calendar_cache_clear()


def make_agency(name="UBND huyện Nông Sơn", code="UBND", identifier=None, **kw) -> Agency:
    n = next(_seq)
    return Agency.objects.create(
        name=name, short_name=kw.pop("short_name", name), notation_code=code,
        kind=kw.pop("kind", AgencyKind.DISTRICT_PC),
        identifier=identifier if identifier is not None else f"000.{n % 100:02d}.{n // 100 % 100:02d}.H40"[-13:],
        place=kw.pop("place", "Nông Sơn"), **kw,
    )


def make_official(agency: Agency, role: str, *, username=None, department=None, full_name=None) -> Official:
    User = get_user_model()
    username = username or f"{role}{next(_seq)}"
    user = User.objects.create_user(username=username, password="matkhau-123")
    official = Official.objects.create(user=user, full_name=full_name or f"Cán bộ {username}")
    position, _ = Position.objects.get_or_create(name="Chuyên viên")
    Membership.objects.create(official=official, agency=agency, role=role, department=department,
                              position=position)
    return official


@pytest.fixture
def agency(db):
    a = make_agency()
    Department.objects.create(agency=a, name="Văn phòng HĐND và UBND", code="VP")
    Department.objects.create(agency=a, name="Phòng Nội vụ", code="NV")
    return a


@pytest.fixture
def other_agency(db):
    return make_agency(name="UBND xã Quế Phước", code="UBND", kind=AgencyKind.COMMUNE_PC)


@pytest.fixture
def clerk(agency):
    return make_official(agency, Role.CLERK, username="vanthu").user


@pytest.fixture
def leader(agency):
    return make_official(agency, Role.LEADER, username="lanhdao").user


@pytest.fixture
def officer(agency):
    dept = agency.departments.get(code="NV")
    return make_official(agency, Role.OFFICER, username="chuyenvien", department=dept).user


@pytest.fixture
def onestop(agency):
    return make_official(agency, Role.ONESTOP, username="motcua").user


@pytest.fixture
def agency_admin(agency):
    return make_official(agency, Role.AGENCY_ADMIN, username="quantri").user


@pytest.fixture
def other_clerk(other_agency):
    return make_official(other_agency, Role.CLERK, username="vanthu_xa").user


# --- browser journeys (tests/browser): Debian's chromium driven by Playwright for Python, never
# `playwright install` (nothing can be downloaded); skipped where chromium is not installed.

# Playwright's sync API runs an event loop in the test thread; Django's live_server is fine with that.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent / "tests" / "browser"
    missing = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
    # tests/deployments: child deployments always run on SQLite in their own data dirs, whatever database the
    # test run uses, so they run once, in the SQLite run of the suite (same code, minutes saved in CI).
    deployments = Path(__file__).parent / "tests" / "deployments"
    on_postgres = os.environ.get("CONGVU_DATABASE_URL", "").startswith("postgres")
    once = pytest.mark.skip(reason="child deployments run on SQLite: these tests run in the SQLite run of the suite")
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(missing)
        if deployments in Path(item.fspath).parents:
            item.add_marker(pytest.mark.deployments)
            if on_postgres:
                item.add_marker(once)


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()

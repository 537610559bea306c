"""Tests that start whole deployments as separate `congvu` processes (select them with `-m deployments`).

The child deployments always run on SQLite in their own data dirs, whatever database the test run uses, so
these tests run once, in the SQLite run of the suite; the PostgreSQL run skips them (same code, same result,
minutes saved in CI)."""

import os
from pathlib import Path

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "deployments: starts separate congvu server processes on localhost")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    on_postgres = os.environ.get("CONGVU_DATABASE_URL", "").startswith("postgres")
    skip = pytest.mark.skip(reason="child deployments run on SQLite: these tests run in the SQLite run of the suite")
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.deployments)
            if on_postgres:
                item.add_marker(skip)

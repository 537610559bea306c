"""Tests that start whole deployments as separate `congvu` processes (select them with `-m deployments`)."""

from pathlib import Path

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "deployments: starts separate congvu server processes on localhost")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.deployments)

# SPDX-License-Identifier: Apache-2.0
import os
import shutil

import pytest

import lab


def pytest_collection_modifyitems(config, items):
    if os.geteuid() != 0:
        skip = pytest.mark.skip(reason="integration tests need root (network namespaces)")
        for item in items:
            item.add_marker(skip)


@pytest.fixture
def workdir():
    d = lab.tempdir()
    yield d
    if os.environ.get("ANYCASTD_KEEP") is None:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def namespaces():
    """Makes namespaces on demand and deletes them all at the end."""
    made = lab.Namespaces(f"acd{os.getpid() % 100000}-")
    yield made
    made.close()

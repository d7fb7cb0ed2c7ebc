"""Shared test set-up: each test gets its own empty result cache (rspdsl.cache), so no test is
answered from another test's results and nothing is written to the user's cache directory."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_result_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RSPDSL_CACHE_DIR", str(tmp_path_factory.mktemp("rspdsl-cache")))

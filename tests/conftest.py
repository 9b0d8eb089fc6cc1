from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# The deadline is a hang guard ("each case finishes within a bound"), set loose
# enough that a busy CI machine never trips it; speed is measured in benchmarks/.
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=10_000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=60, deadline=10_000)
settings.register_profile("release", max_examples=5000, deadline=10_000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "tests" / "cases" / "_base" / "records"


@pytest.fixture
def base_tree(tmp_path: Path) -> Path:
    """A writable copy of the small valid record set."""
    import shutil

    root = tmp_path / "records"
    shutil.copytree(BASE, root)
    return root


@pytest.fixture(autouse=True)
def _user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own user cache folder: none writes to the real one."""
    folder = tmp_path_factory.mktemp("user-cache")
    monkeypatch.setenv("SARSCHEMA_CACHE_DIR", str(folder))
    return folder

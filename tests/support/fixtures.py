"""Database fixtures, registered for every test module by tests/conftest.py.

- `pg_url`: one throw-away PostgreSQL cluster per session (skips when the binaries are missing).
- `db_url`: an empty database. SQLite by default; a module or test marked `each_backend` runs every
  test that uses it (directly or through `store`) once on SQLite and once on PostgreSQL.
- `store`: a migrated `Store` on `db_url`, hashing user ids with `USER_HASH_SALT`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.storage import Store
from tests.support.pg import fresh_database, postgres_cluster

USER_HASH_SALT = "test-salt"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with postgres_cluster() as url:
        yield url


@pytest.fixture
def db_url(request, tmp_path) -> str:
    if getattr(request, "param", "sqlite") == "sqlite":
        return f"sqlite:///{tmp_path / 'hibot.db'}"
    return fresh_database(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(db_url) -> Iterator[Store]:
    s = Store(db_url, user_hash_salt=USER_HASH_SALT)
    s.migrate()
    yield s
    s.close()


def parametrize_backends(metafunc: pytest.Metafunc) -> None:
    """Run tests marked `each_backend` that use `db_url` on both backends (called from conftest)."""
    if "db_url" in metafunc.fixturenames and metafunc.definition.get_closest_marker("each_backend"):
        metafunc.parametrize("db_url", BACKENDS, indirect=True)

"""Index builds shared by replicas, in the database (tables: bot/storage/build_tables.py).

Exactly one replica builds at a time: it holds the one-row build lease, renewed while it builds. A
lease is taken with a conditional UPDATE on the old token (the compare-and-swap of
bot/storage/claims.py), so of two racing replicas exactly one wins; a replica killed mid-build stops
renewing, and whoever takes the expired lease next (itself after a restart, or another) takes over
its requests. Publishing a build and ending its requests is one transaction that applies only while
the publisher still holds the lease: a build finishes once even if its builder stalled past the lease.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, or_, select, update

from bot.storage.base import StoreBase, utcnow
from bot.storage.build_tables import (
    index_build_blobs,
    index_build_files,
    index_build_lease,
    index_build_requests,
    index_builds,
    index_current,
)

_ONE = 1  # the id of the lease row and of the current-build row


@dataclass
class BuildRequest:
    id: int
    reason: str
    requested_by: str | None
    notify: dict | None
    status: str
    attempts: int
    build_id: str | None
    detail: str | None
    created: datetime
    finished_at: datetime | None = None
    claim_token: str | None = None
    notified_at: datetime | None = None


@dataclass
class PublishedFile:
    path: str
    sha256: str
    size: int


class IndexBuildStore(StoreBase):
    # --- requests -------------------------------------------------------------------------------
    def request_index_build(
        self,
        reason: str,
        requested_by: str | None = None,
        notify: dict | None = None,
        now: datetime | None = None,
    ) -> int:
        stmt = (
            index_build_requests.insert()
            .values(
                reason=reason[:255],
                requested_by=requested_by,
                notify=notify,
                status="pending",
                attempts=0,
                created=now or utcnow(),
            )
            .returning(index_build_requests.c.id)
        )
        with self.engine.begin() as conn:
            return int(conn.execute(stmt).scalar_one())

    def build_requests(
        self, status: str | None = None, ids: Iterable[int] | None = None
    ) -> list[BuildRequest]:
        q = select(index_build_requests).order_by(index_build_requests.c.id)
        if status:
            q = q.where(index_build_requests.c.status == status)
        if ids is not None:
            q = q.where(index_build_requests.c.id.in_(list(ids)))
        return self._all(BuildRequest, q)

    def pending_build_requests(self) -> int:
        """Requests waiting for a builder, or held by one (whose lease may have expired)."""
        c = index_build_requests.c
        q = (
            select(func.count())
            .select_from(index_build_requests)
            .where(c.status.in_(("pending", "building")))
        )
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    # --- the lease ------------------------------------------------------------------------------
    def take_build_lease(self, holder: str, lease: timedelta, now: datetime | None = None) -> str | None:
        """The right to build, until `now + lease` (renew it); a token, or None while another
        replica holds an unexpired lease."""
        now = now or utcnow()
        token = uuid.uuid4().hex
        values = {"holder": holder[:255], "token": token, "expires_at": now + lease}
        c = index_build_lease.c
        with self.engine.begin() as conn:
            first = (
                self._insert(index_build_lease)
                .values(id=_ONE, **values)
                .on_conflict_do_nothing(index_elements=["id"])
                .returning(c.id)
            )
            if conn.execute(first).first() is not None:
                return token
            old = conn.execute(select(index_build_lease).where(c.id == _ONE).with_for_update()).first()
            if old is None or (old.token is not None and old.expires_at is not None and old.expires_at > now):
                return None
            took = conn.execute(
                update(index_build_lease).where(c.id == _ONE, c.token == old.token).values(**values)
            ).rowcount
            return token if took == 1 else None

    def renew_build_lease(self, token: str, lease: timedelta, now: datetime | None = None) -> bool:
        with self.engine.begin() as conn:
            return _renew(conn, token, (now or utcnow()) + lease)

    def release_build_lease(self, token: str) -> None:
        c = index_build_lease.c
        with self.engine.begin() as conn:
            conn.execute(
                update(index_build_lease)
                .where(c.id == _ONE, c.token == token)
                .values(token=None, expires_at=None)
            )

    def build_lease_holder(self) -> tuple[str | None, datetime | None]:
        q = select(index_build_lease.c.holder, index_build_lease.c.expires_at).where(
            index_build_lease.c.id == _ONE
        )
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return (row.holder, row.expires_at) if row and row.expires_at else (None, None)

    def claim_build_requests(
        self, token: str, max_attempts: int, now: datetime | None = None
    ) -> tuple[list[BuildRequest], list[BuildRequest]]:
        """With the lease held: take every pending request, and every request a lost lease left
        building. Returns (claimed, given up): a request interrupted `max_attempts` times ends failed."""
        now = now or utcnow()
        c = index_build_requests.c
        with self.engine.begin() as conn:
            if not _renew(conn, token, None):
                return [], []
            conn.execute(
                update(index_build_requests)
                .where(c.status == "building", c.claim_token != token, c.attempts >= max_attempts)
                .values(
                    status="failed",
                    finished_at=now,
                    detail=f"the build was interrupted {max_attempts} times (a replica stopped building)",
                    claim_token=token,
                )
            )
            conn.execute(
                update(index_build_requests)
                .where(or_(c.status == "pending", (c.status == "building") & (c.claim_token != token)))
                .values(status="building", claim_token=token, claimed_at=now, attempts=c.attempts + 1)
            )
        mine = self._all(
            BuildRequest, select(index_build_requests).where(c.claim_token == token).order_by(c.id)
        )
        return [r for r in mine if r.status == "building"], [r for r in mine if r.status == "failed"]

    def fail_unclaimed_requests(
        self, older_than: datetime, detail: str, now: datetime | None = None
    ) -> list[int]:
        """End as failed the requests no builder has claimed since before `older_than` (no replica
        that can build is running); the ids this call ended (each is ended by one caller only)."""
        c = index_build_requests.c
        stmt = (
            update(index_build_requests)
            .where(c.status == "pending", c.created < older_than)
            .values(status="failed", detail=detail[:2000], finished_at=now or utcnow())
            .returning(c.id)
        )
        with self.engine.begin() as conn:
            return [int(i) for i in conn.execute(stmt).scalars()]

    def fail_build_requests(self, token: str, detail: str, now: datetime | None = None) -> list[BuildRequest]:
        """End this builder's requests as failed (while it holds the lease); the ones ended."""
        c = index_build_requests.c
        with self.engine.begin() as conn:
            if not _renew(conn, token, None):
                return []
            conn.execute(
                update(index_build_requests)
                .where(c.claim_token == token, c.status == "building")
                .values(status="failed", detail=detail[:2000], finished_at=now or utcnow())
            )
        q = select(index_build_requests).where(c.claim_token == token, c.status == "failed").order_by(c.id)
        return self._all(BuildRequest, q)

    def claim_build_notices(
        self,
        ids: Iterable[int] | None = None,
        finished_before: datetime | None = None,
        now: datetime | None = None,
    ) -> list[BuildRequest]:
        """Take the telling of ended requests whose requester was not told yet (of `ids`, or every one
        that ended before `finished_before`): each is marked told by one conditional UPDATE, so of
        replicas racing for it exactly one gets it. The requests this call took, with their notify."""
        c = index_build_requests.c
        untold = (c.status.in_(("live", "failed"))) & c.notified_at.is_(None)
        if ids is not None:
            untold &= c.id.in_(list(ids))
        if finished_before is not None:
            untold &= c.finished_at < finished_before
        with self.engine.connect() as conn:  # a read first: most calls find nothing and take no lock
            found = [int(i) for i in conn.execute(select(c.id).where(untold)).scalars()]
        if not found:
            return []
        stmt = (
            update(index_build_requests)
            .where(c.id.in_(found), c.notified_at.is_(None))
            .values(notified_at=now or utcnow())
            .returning(c.id)
        )
        with self.engine.begin() as conn:
            took = [int(i) for i in conn.execute(stmt).scalars()]
        return self.build_requests(None, took) if took else []

    def clear_build_notify(self, ids: Iterable[int]) -> None:
        """Who to tell about a build (a chat's channel and user ids) is kept only until they are told:
        the ended requests' `notify` is cleared (docs/information-governance.md)."""
        ids = list(ids)
        if ids:
            with self.engine.begin() as conn:
                conn.execute(
                    update(index_build_requests).where(index_build_requests.c.id.in_(ids)).values(notify=None)
                )

    # --- published builds -----------------------------------------------------------------------
    def has_index_blob(self, sha256: str) -> bool:
        q = select(index_build_blobs.c.part).where(
            index_build_blobs.c.sha256 == sha256, index_build_blobs.c.part == 0
        )
        with self.engine.connect() as conn:
            return conn.execute(q).first() is not None

    def put_index_blob(self, sha256: str, parts: Iterable[bytes], now: datetime | None = None) -> None:
        """Store a file's contents under its hash, in parts, in one transaction (so part 0 existing
        means the whole blob does); a no-op when another publisher stored it first."""
        now = now or utcnow()
        with self.engine.begin() as conn:
            for n, data in enumerate(parts):
                conn.execute(
                    self._insert(index_build_blobs)
                    .values(sha256=sha256, part=n, data=data, created=now)
                    .on_conflict_do_nothing(index_elements=["sha256", "part"])
                )

    def index_blob_parts(self, sha256: str) -> Iterator[bytes]:
        """A blob's parts in order, each read on its own (a large file is never held whole)."""
        b = index_build_blobs.c
        with self.engine.connect() as conn:
            count = conn.execute(select(func.count()).where(b.sha256 == sha256)).scalar_one()
        for n in range(int(count)):
            with self.engine.connect() as conn:
                yield conn.execute(select(b.data).where(b.sha256 == sha256, b.part == n)).scalar_one()

    def publish_index_build(
        self,
        build_id: str,
        files: list[PublishedFile],
        *,
        published_by: str,
        corpus_hash: str | None = None,
        built_at: str | None = None,
        token: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Record a build whose blobs are stored and make it the current one; with `token` (the
        coordinator's lease) also end that builder's requests as live — all only while the lease is
        held. False: the lease was lost, nothing recorded (whoever took it builds again)."""
        now = now or utcnow()
        with self.engine.begin() as conn:
            if token is not None and not _renew(conn, token, None):
                return False
            exists = conn.execute(
                select(index_builds.c.build_id).where(index_builds.c.build_id == build_id)
            ).first()
            if exists is None:
                conn.execute(
                    index_builds.insert().values(
                        build_id=build_id,
                        corpus_hash=corpus_hash,
                        built_at=built_at,
                        published_at=now,
                        published_by=published_by[:255],
                        files=len(files),
                        bytes=sum(f.size for f in files),
                    )
                )
                rows = [
                    {"build_id": build_id, "path": f.path, "sha256": f.sha256, "size": f.size} for f in files
                ]
                if rows:
                    conn.execute(index_build_files.insert(), rows)
            _set_current(conn, self._insert(index_current), build_id, now)
            if token is not None:
                c = index_build_requests.c
                conn.execute(
                    update(index_build_requests)
                    .where(c.claim_token == token, c.status == "building")
                    .values(status="live", build_id=build_id, finished_at=now, detail=None)
                )
        return True

    def current_index_build(self) -> str | None:
        q = select(index_current.c.build_id).where(index_current.c.id == _ONE)
        with self.engine.connect() as conn:
            return conn.execute(q).scalar_one_or_none()

    def published_builds(self) -> list[dict[str, Any]]:
        q = select(index_builds).order_by(index_builds.c.published_at, index_builds.c.build_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def index_build_file_list(self, build_id: str) -> list[PublishedFile]:
        f = index_build_files.c
        q = select(f.path, f.sha256, f.size).where(f.build_id == build_id).order_by(f.path)
        return self._all(PublishedFile, q)

    def prune_index_builds(self, keep: int, blob_grace: timedelta, now: datetime | None = None) -> int:
        """Forget all but the newest `keep` builds (never the current one) and the blobs no build
        uses any more (older than `blob_grace`: a publisher may be storing them right now)."""
        now = now or utcnow()
        with self.engine.begin() as conn:
            current = conn.execute(select(index_current.c.build_id)).scalar_one_or_none()
            ids = conn.execute(
                select(index_builds.c.build_id).order_by(index_builds.c.published_at.desc())
            ).scalars()
            old = [b for i, b in enumerate(ids) if i >= keep and b != current]
            if old:
                conn.execute(delete(index_build_files).where(index_build_files.c.build_id.in_(old)))
                conn.execute(delete(index_builds).where(index_builds.c.build_id.in_(old)))
            used = select(index_build_files.c.sha256)
            conn.execute(
                delete(index_build_blobs).where(
                    index_build_blobs.c.sha256.not_in(used), index_build_blobs.c.created < now - blob_grace
                )
            )
        return len(old)


def _renew(conn: Connection, token: str, expires_at: datetime | None) -> bool:
    """Whether `token` still holds the lease (taking the row lock for the rest of the transaction);
    `expires_at` also extends it."""
    c = index_build_lease.c
    values: dict[str, Any] = {"token": token}
    if expires_at is not None:
        values["expires_at"] = expires_at
    held = update(index_build_lease).where(c.id == _ONE, c.token == token).values(**values)
    return conn.execute(held).rowcount == 1


def _set_current(conn: Connection, insert: Any, build_id: str, now: datetime) -> None:
    stmt = insert.values(id=_ONE, build_id=build_id, updated=now)
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["id"], set_={"build_id": build_id, "updated": now})
    )

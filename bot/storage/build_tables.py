"""The tables behind index builds shared by replicas (bot/storage/index_builds.py, bot/sources/builds.py):

    index_build_requests  one row per "please rebuild" (a lead's upload, a retirement, an operator);
                          claimed by the replica holding the build lease, ended live or failed
    index_build_lease     one row: which replica may build now, until when (renewed while it builds)
    index_builds          every published build (its id is the build directory's name)
    index_build_files     each published build's files: path, size and content hash
    index_build_blobs     file contents by hash, in parts (a 90 MB query encoder is stored once and
                          never held whole in memory); builds that share a file share its blob
    index_current         one row: the build every replica should serve

`requested_by` is whatever the caller passes: the chat surfaces pass the salted hash of the lead, as
the other lead tables do; an operator's request says "operator".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, BigInteger, Integer, LargeBinary, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.schema import Base


class IndexBuildRequestRow(Base):
    __tablename__ = "index_build_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reason: Mapped[str] = mapped_column(String(255))
    requested_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Opaque to the builds: the chat surface's "who to tell", handed back when the build ends.
    notify: Mapped[Any] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending | building | live | failed
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    build_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    created: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # When the requester was told how it ended: claimed by one replica (claim_build_notices).
    notified_at: Mapped[datetime | None] = mapped_column(nullable=True)


class IndexBuildLeaseRow(Base):
    __tablename__ = "index_build_lease"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    holder: Mapped[str | None] = mapped_column(String(255), nullable=True)
    token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)


class IndexBuildRow(Base):
    __tablename__ = "index_builds"

    build_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    corpus_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    built_at: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the manifest's
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(255))
    files: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(BigInteger)


class IndexBuildFileRow(Base):
    __tablename__ = "index_build_files"

    build_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(String(255), primary_key=True)  # relative, "/"-separated
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)


class IndexBuildBlobRow(Base):
    __tablename__ = "index_build_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    part: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created: Mapped[datetime]


class IndexCurrentRow(Base):
    __tablename__ = "index_current"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    build_id: Mapped[str] = mapped_column(String(64))
    updated: Mapped[datetime]


index_build_requests = cast(Table, IndexBuildRequestRow.__table__)
index_build_lease = cast(Table, IndexBuildLeaseRow.__table__)
index_builds = cast(Table, IndexBuildRow.__table__)
index_build_files = cast(Table, IndexBuildFileRow.__table__)
index_build_blobs = cast(Table, IndexBuildBlobRow.__table__)
index_current = cast(Table, IndexCurrentRow.__table__)

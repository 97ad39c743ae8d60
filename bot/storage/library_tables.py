"""The tables behind the source library's document store (bot/storage/library_docs.py):

    library_documents   a document a lead (or an operator) added: the file as sent, its checked text
                        (what ingest reads) and the metadata they gave
    library_changes     one row per add / replace / retire: the audit trail, and the record of which
                        documents are retired or superseded (curated corpus documents included)

The file itself is kept in the database on every backend, so every replica sharing the database can
build from it; who acted is a salted hash, as in the other tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.schema import Base


class LibraryDocumentRow(Base):
    __tablename__ = "library_documents"
    __table_args__ = (UniqueConstraint("doc_id", name="uq_library_documents_doc_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(500))
    publisher: Mapped[str | None] = mapped_column(String(255), nullable=True)
    published: Mapped[str | None] = mapped_column(String(10), nullable=True)  # ISO date
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    review_after: Mapped[str | None] = mapped_column(String(10), nullable=True)  # ISO date
    kind: Mapped[str] = mapped_column(String(16))  # pdf | docx | html | markdown | text
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    text: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # salted sha256
    created: Mapped[datetime]


class LibraryChangeRow(Base):
    __tablename__ = "library_changes"
    __table_args__ = (Index("ix_library_changes_doc", "doc_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action: Mapped[str] = mapped_column(String(16))  # add | replace | retire
    doc_id: Mapped[str] = mapped_column(String(128))  # the document added, replaced or retired
    new_doc_id: Mapped[str | None] = mapped_column(String(128), nullable=True)  # replace: its successor
    title: Mapped[str | None] = mapped_column(String(500), nullable=True)  # add/replace: the new title
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True)  # salted sha256
    created: Mapped[datetime]


library_documents = cast(Table, LibraryDocumentRow.__table__)
library_changes = cast(Table, LibraryChangeRow.__table__)

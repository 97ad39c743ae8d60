"""The source library's document store: documents leads add, replace and retire (in chat or with
`hibot sources add|replace|retire`), kept in the database so every replica builds from the same
library. Each change writes one `library_changes` row, which is the audit trail and also what says
that a document is retired or superseded; this works for the curated corpus's documents too, which
live in `corpus/` and not here (bot/sources/store.py merges the two into what ingest reads).

The store does not know the curated corpus: callers pass its document ids as `corpus_ids`, so that a
new document never takes a curated one's id and a curated document can be replaced or retired.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.storage.base import utcnow
from bot.storage.library_tables import library_changes, library_documents
from bot.storage.retention import RetentionStore

META_KEYS = ("title", "publisher", "published", "url", "review_after")
_SLUG_MAX = 80


class LibraryError(ValueError):
    """A change the library cannot make, with a sentence the person who asked can act on."""


class UnknownDocument(LibraryError, LookupError):
    pass


class Upload(Protocol):
    """What the store keeps of a checked upload (bot.sources.intake.CheckedUpload)."""

    kind: str
    filename: str
    sha256: str
    size: int
    data: bytes
    text: str


@dataclass(frozen=True)
class LibraryDocument:
    doc_id: str
    title: str
    publisher: str | None
    published: str | None
    url: str | None
    review_after: str | None
    kind: str
    filename: str
    sha256: str
    size: int
    text: str
    created: datetime
    superseded_by: str | None = None  # the title of the document that replaced it
    retired: bool = False


@dataclass(frozen=True)
class LibraryChange:
    action: str  # add | replace | retire
    doc_id: str
    new_doc_id: str | None
    title: str | None
    reason: str | None
    actor: str | None  # salted hash
    created: datetime


@dataclass(frozen=True)
class LibraryState:
    """What every change so far says about documents, stored or curated."""

    retired: frozenset[str]
    superseded_by: dict[str, str]  # doc_id -> the title of its successor


class DocumentStore(RetentionStore):
    def add_document(
        self, upload: Upload, meta: dict, actor: str, *, corpus_ids: Collection[str] = ()
    ) -> str:
        """Store a checked upload under a new id (a slug of its title, unique); returns the id."""
        clean = clean_meta(meta)
        return self._insert_document(upload, clean, actor, corpus_ids, replaces=None)

    def replace_document(
        self, doc_id: str, upload: Upload, meta: dict, actor: str, *, corpus_ids: Collection[str] = ()
    ) -> str:
        """Store the new version under a new id; the old document stays citable, marked as superseded
        by the new title. Returns the new id."""
        clean = clean_meta(meta)
        self._check_live(doc_id, corpus_ids)
        return self._insert_document(upload, clean, actor, corpus_ids, replaces=doc_id)

    def retire_document(
        self, doc_id: str, actor: str, reason: str | None = None, *, corpus_ids: Collection[str] = ()
    ) -> None:
        """Take a document (stored or curated) out of the next build; its rows are kept."""
        self._check_live(doc_id, corpus_ids, retiring=True)
        with self.engine.begin() as conn:
            conn.execute(
                library_changes.insert().values(
                    action="retire",
                    doc_id=doc_id,
                    reason=(reason or "").strip()[:2000] or None,
                    actor=self._actor(actor),
                    created=utcnow(),
                )
            )

    def library_documents(self, include_retired: bool = False) -> list[LibraryDocument]:
        """The stored documents, oldest first, each with its superseded / retired state."""
        state = self.library_state()
        c = library_documents.c
        q = select(*(col for col in library_documents.c if col.name != "content")).order_by(c.id)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        docs = [
            LibraryDocument(
                **{k: v for k, v in r._mapping.items() if k not in ("id", "added_by")},
                superseded_by=state.superseded_by.get(r.doc_id),
                retired=r.doc_id in state.retired,
            )
            for r in rows
        ]
        return [d for d in docs if include_retired or not d.retired]

    def library_document_file(self, doc_id: str) -> bytes | None:
        """The file exactly as it was sent."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(library_documents.c.content).where(library_documents.c.doc_id == doc_id)
            ).scalar()

    def library_state(self) -> LibraryState:
        retired: set[str] = set()
        superseded: dict[str, str] = {}
        for change in self.library_changes():
            if change.action == "retire":
                retired.add(change.doc_id)
            elif change.action == "replace" and change.title:
                superseded[change.doc_id] = change.title
        return LibraryState(frozenset(retired), superseded)

    def library_changes(self) -> list[LibraryChange]:
        """The audit trail of the library, oldest first."""
        c = library_changes.c
        q = select(c.action, c.doc_id, c.new_doc_id, c.title, c.reason, c.actor, c.created).order_by(c.id)
        return self._all(LibraryChange, q)

    def forget_user(self, platform: str, user_id: str) -> int:
        """The documents and changes stay (the library needs them); who made them is cleared."""
        n = super().forget_user(platform, user_id)
        h = self.hash_user(platform, user_id)
        with self.engine.begin() as conn:
            for table, column in ((library_documents, "added_by"), (library_changes, "actor")):
                n += conn.execute(update(table).where(table.c[column] == h).values({column: None})).rowcount
        return n

    # --- helpers --------------------------------------------------------------------------------
    def _insert_document(
        self, upload: Upload, meta: dict, actor: str, corpus_ids: Collection[str], replaces: str | None
    ) -> str:
        by = self._actor(actor)
        for _ in range(20):  # another writer may take the same slug between the check and the insert
            doc_id = self._free_id(slug(meta["title"]), corpus_ids)
            now = utcnow()
            change = {"action": "replace", "doc_id": replaces, "new_doc_id": doc_id} if replaces else {}
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        library_documents.insert().values(
                            doc_id=doc_id,
                            **meta,
                            kind=upload.kind,
                            filename=upload.filename[:255],
                            sha256=upload.sha256,
                            size=upload.size,
                            content=upload.data,
                            text=upload.text,
                            added_by=by,
                            created=now,
                        )
                    )
                    conn.execute(
                        library_changes.insert().values(
                            **({"action": "add", "doc_id": doc_id} | change),
                            title=meta["title"],
                            actor=by,
                            created=now,
                        )
                    )
                return doc_id
            except IntegrityError:
                continue
        raise LibraryError("Could not find a free id for this document; try a different title.")

    def _free_id(self, base: str, corpus_ids: Collection[str]) -> str:
        with self.engine.connect() as conn:
            taken = set(conn.execute(select(library_documents.c.doc_id)).scalars())
            taken |= set(conn.execute(select(library_changes.c.doc_id)).scalars())
        taken |= set(corpus_ids)
        n, candidate = 1, base
        while candidate in taken:
            n += 1
            candidate = f"{base[: _SLUG_MAX - 4]}-{n}"
        return candidate

    def _check_live(self, doc_id: str, corpus_ids: Collection[str], retiring: bool = False) -> None:
        with self.engine.connect() as conn:
            stored = conn.execute(
                select(library_documents.c.id).where(library_documents.c.doc_id == doc_id)
            ).first()
        if not stored and doc_id not in corpus_ids:
            raise UnknownDocument(f"There is no document '{doc_id}' in the library (see hibot sources).")
        state = self.library_state()
        if doc_id in state.retired:
            raise LibraryError(f"'{doc_id}' is already retired.")
        if doc_id in state.superseded_by and not retiring:
            raise LibraryError(
                f"'{doc_id}' was already replaced by '{state.superseded_by[doc_id]}'; replace that one."
            )

    def _actor(self, actor: str) -> str:
        """'slack:U123', 'teams:29:abc' or 'cli:alice' as the salted hash every lead table keeps."""
        platform, _, user = actor.partition(":")
        return self.hash_user(platform, user) if user else self.hash_user("", actor)


def slug(title: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:_SLUG_MAX].strip("-")
    return s or "document"


def clean_meta(meta: dict) -> dict:
    """The five metadata fields, trimmed and checked (raises LibraryError saying what to fix)."""
    out: dict[str, str | None] = {}
    for key in META_KEYS:
        value = meta.get(key)
        text = str(value).strip() if value is not None else ""
        out[key] = text or None
    if not out["title"]:
        raise LibraryError("A document needs a title.")
    if len(out["title"] or "") > 500 or len(out["publisher"] or "") > 255:
        raise LibraryError("The title (500 characters) or publisher (255) is too long.")
    for key in ("published", "review_after"):
        if out[key]:
            out[key] = _iso_date(out[key] or "", key.replace("_", " "))
    url = out["url"]
    if url and not re.match(r"https?://\S+$", url):
        raise LibraryError("The link must be a web address starting http:// or https://.")
    return out


def _iso_date(value: str, what: str) -> str:
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise LibraryError(f"The {what} date must be a date such as 2025-03-31, not '{value}'.") from None

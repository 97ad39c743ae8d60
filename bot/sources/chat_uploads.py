"""Leads adding, replacing and retiring documents from chat: what is the same on Slack and Teams.

The platform adapters (bot/slack/uploads.py, bot/teams/uploads.py) fetch the file and show the form;
this module decides who may, checks the file (bot/sources/intake.py), stores the change (the
library's document store, one audit row each) and asks for an index build (bot/sources/builds.py)
whose end is reported back to the lead, and words every reply. Replies are plain text; each
platform escapes it for its own markup.

A checked upload is kept here between the file arriving and the form coming back (`Pending`), for
an hour; the form also carries where the file came from and its SHA-256, so a form submitted to
another replica, or after a restart, fetches the file again and accepts it only if it is the same.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from bot import logs
from bot.config import Settings
from bot.roles import Roles
from bot.sources.builds import request_build
from bot.sources.downloads import DownloadRefused
from bot.sources.intake import CheckedUpload, UploadLimits, UploadRefused, check_upload
from bot.sources.library import library_of_index
from bot.sources.store import corpus_ids
from bot.storage.leads import Lead
from bot.storage.library_docs import LibraryDocument, LibraryError, LibraryState
from ingest.loaders import load_sources

log = logs.get_logger("hibot.sources")

WHO = "health-inequalities leads"
NOT_A_LEAD_FILE = (
    f"Sorry, only {WHO} can add documents to hibot's library, so I have not opened your file. "
    "To ask a question, type it as a message."
)
FAILED = "Sorry, that did not work. Please try again, or ask an administrator to check the server log."
USAGE = (
    "Leads change the documents hibot answers from:\n"
    "• send a file (PDF, Word, Markdown, text or a saved web page) in a direct message with hibot to add it\n"
    "• sources replace ID, then send the new version\n"
    "• sources retire ID [reason]\n"
    "• sources: the documents and their IDs"
)
PENDING_TTL_S = 3600
PENDING_MAX = 8  # checked uploads kept in memory (each up to the upload limit)
REPLACE_TTL_S = 1800  # `sources replace ID` applies to the lead's next file within half an hour
LIVE_WAIT_S = 60.0  # how long a "now live" notice waits for this replica to swap the build in


class LibraryStore(Protocol):
    """The store as this module uses it (leads, and the library's document store)."""

    def seed_leads(self, ids: list[tuple[str, str]]) -> int: ...
    def is_lead(self, platform: str, user_id: str) -> bool: ...
    def list_leads(self, platform: str | None = None) -> list[Lead]: ...
    def hash_user(self, platform: str, user_id: str) -> str: ...
    def add_document(self, upload: Any, meta: dict, actor: str, *, corpus_ids: Any = ()) -> str: ...
    def replace_document(
        self, doc_id: str, upload: Any, meta: dict, actor: str, *, corpus_ids: Any = ()
    ) -> str: ...
    def retire_document(
        self, doc_id: str, actor: str, reason: str | None = None, *, corpus_ids: Any = ()
    ) -> None: ...
    def library_documents(self, include_retired: bool = False) -> list[LibraryDocument]: ...
    def library_state(self) -> LibraryState: ...


@dataclass(frozen=True)
class DocumentForm:
    """What the lead said about the document in the modal or card."""

    title: str
    publisher: str = ""
    published: str = ""
    url: str = ""
    review_after: str = ""
    replaces: str = ""  # the id of the document this one replaces, or ""

    def meta(self) -> dict[str, str]:
        return {
            "title": self.title,
            "publisher": self.publisher,
            "published": self.published,
            "url": self.url,
            "review_after": self.review_after,
        }

    def problems(self) -> dict[str, str]:
        """Field -> what to fix, before anything is stored (the modal shows them beside the fields)."""
        out: dict[str, str] = {}
        if not self.title.strip():
            out["title"] = "A document needs a title."
        elif len(self.title) > 500:
            out["title"] = "Keep the title under 500 characters."
        for key in ("published", "review_after"):
            value = getattr(self, key).strip()
            if value and not _is_date(value):
                out[key] = "Use a date such as 2025-03-31."
        if self.url.strip() and not re.match(r"https?://\S+$", self.url.strip()):
            out["url"] = "The link must start with https:// (or http://)."
        return out


def review_default(published: str) -> str:
    """The corpus's rule: review three years after publication."""
    try:
        d = date.fromisoformat(published[:10])
    except ValueError:
        return ""
    return d.replace(year=d.year + 3, day=min(d.day, 28) if d.month == 2 else d.day).isoformat()


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value[:10])
        return len(value) >= 10
    except ValueError:
        return False


@dataclass
class Pending:
    """Checked uploads waiting for their form, by (person, SHA-256); and who said `sources replace ID`."""

    uploads: OrderedDict[tuple[str, str], tuple[CheckedUpload, float]] = field(default_factory=OrderedDict)
    replacing: dict[str, tuple[str, float]] = field(default_factory=dict)

    def keep(self, who: str, upload: CheckedUpload) -> None:
        self.uploads[(who, upload.sha256)] = (upload, time.monotonic())
        self.uploads.move_to_end((who, upload.sha256))
        while len(self.uploads) > PENDING_MAX:
            self.uploads.popitem(last=False)

    def peek(self, who: str, sha256: str) -> CheckedUpload | None:
        found = self.uploads.get((who, sha256))
        return found[0] if found is not None and time.monotonic() - found[1] <= PENDING_TTL_S else None

    def take(self, who: str, sha256: str) -> CheckedUpload | None:
        found = self.uploads.pop((who, sha256), None)
        if found is None or time.monotonic() - found[1] > PENDING_TTL_S:
            return None
        return found[0]

    def will_replace(self, who: str, doc_id: str) -> None:
        self.replacing[who] = (doc_id, time.monotonic())

    def replacing_for(self, who: str) -> str:
        doc_id, at = self.replacing.get(who, ("", 0.0))
        return doc_id if doc_id and time.monotonic() - at <= REPLACE_TTL_S else ""


@dataclass(frozen=True)
class Choice:
    doc_id: str
    title: str


class UploadDesk:
    """One per process, shared by the Slack and Teams adapters."""

    def __init__(self, store: LibraryStore, settings: Settings, limits: UploadLimits | None = None):
        self.store = store
        self.settings = settings
        self.limits = limits or UploadLimits.from_env()
        self.pending = Pending()

    @property
    def max_bytes(self) -> int:
        return int(self.limits.max_bytes)

    # --- who ------------------------------------------------------------------------------------
    def is_lead(self, platform: str, user_id: str) -> bool:
        return Roles(self.store, self.settings).is_lead(platform, user_id)

    # --- the file -------------------------------------------------------------------------------
    async def check(self, data: bytes, filename: str) -> CheckedUpload:
        """check_upload off the event loop (parsing a PDF takes a while); raises UploadRefused."""
        return await asyncio.to_thread(check_upload, data, filename, self.limits)

    def suggested(self, upload: CheckedUpload, who: str) -> DocumentForm:
        """The form's starting values: the document's own metadata, and a pending `sources replace`."""
        s = upload.suggested or {}
        return DocumentForm(
            title=str(s.get("title") or Path(upload.filename).stem.replace("_", " ")).strip()[:500],
            publisher=str(s.get("publisher") or "").strip()[:255],
            published=str(s.get("published") or "")[:10] if _is_date(str(s.get("published") or "")) else "",
            replaces=self.pending.replacing_for(who),
        )

    def choices(self) -> list[Choice]:
        """Documents a new one may replace or that may be retired: those stored, those of the live
        build and the curated corpus's, less any retired or already replaced."""
        titles = {d.doc_id: d.title for d in self.store.library_documents()}
        try:
            live = library_of_index(self.settings.index_dir).sources
        except Exception:  # noqa: BLE001 - no build here yet: the stored and curated documents
            live = []
        for s in live:
            titles.setdefault(s.doc_id, s.title)
        curated = corpus_ids(Path(self.settings.corpus_dir))
        for entry in load_sources(Path(self.settings.corpus_dir)).values():
            doc_id = str(entry.get("id") or "")
            if doc_id in curated:
                titles.setdefault(doc_id, str(entry.get("title") or doc_id))
        state = self.store.library_state()
        gone = set(state.retired) | set(state.superseded_by)
        out = [Choice(doc_id, title) for doc_id, title in titles.items() if doc_id not in gone]
        return sorted(out, key=lambda c: c.title.lower())

    def already_stored(self, sha256: str) -> str | None:
        """What to say when this very file is already in the library (and not replaced since)."""
        for d in self.store.library_documents():
            if d.sha256 == sha256 and not d.superseded_by:
                return f"This file is already in hibot's library as “{d.title}” ({d.doc_id})."
        return None

    # --- changes --------------------------------------------------------------------------------
    def submit(
        self, form: DocumentForm, upload: CheckedUpload, platform: str, user: str, notify: dict
    ) -> str:
        """Store the document (new, or replacing `form.replaces`) and ask for a build; the reply."""
        already = self.already_stored(upload.sha256)
        if already is not None:  # a form sent twice, or the same file sent again
            return already
        actor = f"{platform}:{user}"
        ids = self.corpus_ids()
        old = None
        try:
            if form.replaces:
                old = self._title_of(form.replaces)
                self.store.replace_document(form.replaces, upload, form.meta(), actor, corpus_ids=ids)
            else:
                self.store.add_document(upload, form.meta(), actor, corpus_ids=ids)
        except LibraryError as e:
            return str(e)
        what = "replace" if form.replaces else "add"
        title = form.title.strip()
        request_build(
            self.store,
            reason=f"{what} {title}"[:200],
            requested_by=self.store.hash_user(platform, user),  # never the id in clear
            notify={**notify, "action": what, "title": title, **({"old": old} if form.replaces else {})},
        )
        log.info(
            "library_document_submitted", platform=platform, action=what, kind=upload.kind, size=upload.size
        )
        done = f"Added “{title}”" + (f" as the new version of “{old}”" if form.replaces else "")
        return f"{done}. It will be answerable in about a minute; I'll tell you here when it is live."

    async def submit_reply(
        self, form: DocumentForm, upload: Awaitable[CheckedUpload], platform: str, user: str, notify: dict
    ) -> str:
        """What a lead is told after sending the form: `upload` (the file kept since it arrived, or
        fetched and checked again) stored and built, or why not, in one sentence."""
        try:
            checked = await upload
            return await asyncio.to_thread(self.submit, form, checked, platform, user, notify)
        except DownloadRefused as e:
            return e.message
        except UploadRefused as e:
            return str(e)
        except Exception:
            log.exception("library_submit_failed", platform=platform)
            return FAILED

    def command(self, platform: str, user: str, text: str, notify: dict, *, where_files: str) -> str:
        """`sources retire ID [reason]`, `sources replace ID`, `sources help`: the reply."""
        word, _, rest = text.strip().partition(" ")
        word = word.lower()
        if word not in ("retire", "replace"):
            return USAGE
        if not self.is_lead(platform, user):
            return f"Sorry, only {WHO} can {word} documents."
        doc_id, _, reason = rest.strip().partition(" ")
        if not doc_id:
            return f"Name the document: `sources {word} ID` (`sources` lists the IDs)."
        title = self._title_of(doc_id)
        if title is None:
            state = self.store.library_state()
            if doc_id in state.retired:
                return f"'{doc_id}' is already retired."
            if doc_id in state.superseded_by:
                return f"'{doc_id}' was already replaced by “{state.superseded_by[doc_id]}”; {word} that one."
            return f"There is no document '{doc_id}' in hibot's library; `sources` lists the IDs."
        if word == "replace":
            self.pending.will_replace(f"{platform}:{user}", doc_id)
            return (
                f"Send me the new version of “{title}” {where_files} (PDF, Word, Markdown, text or a saved "
                "web page). I'll check it and ask for its details, with this document chosen under Replaces."
            )
        actor = f"{platform}:{user}"
        try:
            self.store.retire_document(doc_id, actor, reason.strip() or None, corpus_ids=self.corpus_ids())
        except LibraryError as e:
            return str(e)
        request_build(
            self.store,
            reason=f"retire {doc_id}"[:200],
            requested_by=self.store.hash_user(platform, user),  # never the id in clear
            notify={**notify, "action": "retire", "title": title},
        )
        return (
            f"Retiring “{title}”: hibot will stop citing it in about a minute. "
            "I'll tell you here when it's done."
        )

    def corpus_ids(self) -> set[str]:
        """The curated corpus's document ids (a stored document may not take one; curated ones can be
        replaced and retired)."""
        return corpus_ids(Path(self.settings.corpus_dir))

    def _title_of(self, doc_id: str) -> str | None:
        return next((c.title for c in self.choices() if c.doc_id == doc_id), None)


async def serving(engine: Any, build_id: str, timeout: float = LIVE_WAIT_S) -> bool:
    """Wait (bounded) until this replica answers from `build_id`: the coordinator reports a build as
    live once it is published, and the index watcher swaps it in a moment later. "Now live" is only
    said when a question asked right after it would be answered from the new build."""
    deadline = time.monotonic() + timeout
    while getattr(engine, "build_id", build_id) != build_id:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True


def finished_text(notify: dict, outcome: str, detail: str) -> str:
    """What the lead is told when the build their change asked for ends."""
    title = str(notify.get("title") or "the document")
    action = notify.get("action")
    if outcome != "live":
        why = f" ({detail[:200]})" if detail else ""  # the build's reason, for whoever checks the log
        return (
            f"I couldn't rebuild the index with “{title}”{why}. hibot is still answering from the "
            "documents it had before; please ask an administrator to check the server log."
        )
    if action == "retire":
        return f"“{title}” is retired: hibot no longer answers from it."
    if action == "replace":
        old = notify.get("old") or "the old version"
        return f"“{title}” is now live, and “{old}” is marked as superseded by it."
    return f"“{title}” is now live: hibot answers from it."

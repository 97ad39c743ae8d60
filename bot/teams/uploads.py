"""Leads add documents by attaching a file in their personal chat with hibot, and replace or retire them
with `sources replace|retire ID`.

Teams delivers a file attached in a personal chat (the manifest's `supportsFiles`) as a message whose
attachment is `application/vnd.microsoft.teams.file.download.info`: `content.downloadUrl` is a
short-lived, pre-authorised link to the sender's OneDrive. From a lead it is downloaded (SharePoint
hosts only, HTTPS; HIBOT_TEAMS_FILE_HOSTS), checked (bot/sources/intake.py) and either refused with
the reason or answered with a card asking for the document's details; submitting the card stores it
and asks for an index build, and the lead is told in the chat when it is live. From anyone else the
file is not downloaded.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any, cast

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.config import Settings
from bot.models import ConversationGone
from bot.roles import Roles
from bot.sources.builds import on_build_finished
from bot.sources.chat_uploads import FAILED, NOT_A_LEAD_FILE, UploadDesk, finished_text, serving
from bot.sources.downloads import DownloadRefused, fetch_capped
from bot.sources.intake import CheckedUpload, UploadRefused
from bot.teams.cards import render_text
from bot.teams.connector import TeamsConnection, post_to_conversation, reference_dict
from bot.teams.mentions import base_conversation_id
from bot.teams.replies import PLATFORM, Replies
from bot.teams.service_urls import LOOPBACK, ServiceUrls, service_urls
from bot.teams.upload_card import submitted_form, upload_card

log = logging.getLogger("hibot.teams")
FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
# Where Teams keeps files attached in chats: the sender's OneDrive for Business, on SharePoint.
SHAREPOINT_HOSTS = ("*.sharepoint.com", "*.sharepoint.us", "*.sharepoint-mil.us", "*.sharepoint.de")
FILES_PER_MESSAGE = 3
PERSONAL_ONLY = "Send documents to me in our personal chat (Teams gives bots files only there)."
NOT_THE_SAME = "That file has changed or is no longer available since I checked it; please send it again."


def file_hosts(settings: Settings) -> ServiceUrls:
    """SharePoint by default (HIBOT_TEAMS_FILE_HOSTS replaces it); loopback as for serviceUrls (the
    emulator, the tests' fake file host)."""
    listed = tuple(h.strip() for h in settings.teams_file_hosts.split(",") if h.strip())
    if listed:
        return ServiceUrls(hosts=listed, allow_loopback=any(h in LOOPBACK for h in listed))
    return ServiceUrls(hosts=SHAREPOINT_HOSTS, allow_loopback=service_urls(settings).allow_loopback)


def files_of(a: Activity) -> list[dict[str, Any]]:
    """The file attachments of a message, as plain dicts."""
    out = []
    for att in a.attachments or []:
        if getattr(att, "content_type", None) == FILE_DOWNLOAD_INFO and isinstance(att.content, dict):
            out.append({"name": att.name or "document", "content": att.content})
    return out


class TeamsUploads:
    def __init__(
        self,
        settings: Settings,
        connection: TeamsConnection,
        replies: Replies,
        desk: UploadDesk,
        engine: Any = None,
    ):
        self.settings = settings
        self.engine = engine  # the serving engine: "now live" waits until it answers from the build
        self.connection = connection
        self.replies = replies
        self.desk = desk
        self.hosts = file_hosts(settings)
        self.loop: asyncio.AbstractEventLoop | None = None  # the server's, for build notices from a thread
        self._tasks: set[asyncio.Task] = set()
        _register(self)

    async def _say(self, ctx: TurnContext, text: str) -> None:
        await self.replies.send(ctx, render_text(text))

    async def _lead(self, a: Activity) -> str | None:
        """The id the person is a lead under (their AAD object id or Teams id), or None."""
        person = a.from_property
        ids = [i for i in (person.aad_object_id, person.id) if i] if person else []
        roles = Roles(self.desk.store, self.settings)
        return await asyncio.to_thread(lambda: next((i for i in ids if roles.is_lead(PLATFORM, i)), None))

    # --- a file arrives -------------------------------------------------------------------------
    async def on_files(self, ctx: TurnContext, files: list[dict[str, Any]]) -> bool:
        """True when the message was a lead's document (its words are a caption); False for anyone
        else: the file is refused without being downloaded, and their words may still be answered."""
        self.loop = asyncio.get_running_loop()
        a = ctx.activity
        lead = await self._lead(a)
        if lead is None:
            log.info("library_upload_refused platform=teams reason=not_a_lead")
            await self._say(ctx, NOT_A_LEAD_FILE)
            return False
        if a.conversation.conversation_type != "personal":
            await self._say(ctx, PERSONAL_ONLY)
            return True
        for f in files[:FILES_PER_MESSAGE]:
            await self._take(ctx, f, lead)
        if len(files) > FILES_PER_MESSAGE:
            await self._say(ctx, f"I looked at the first {FILES_PER_MESSAGE} files; send the others again.")
        return True

    async def _take(self, ctx: TurnContext, f: dict[str, Any], lead: str) -> None:
        url, name = str(f["content"].get("downloadUrl") or ""), str(f["name"])
        try:
            upload = await self.desk.check(await self._download(url), name)
        except DownloadRefused as e:
            log.info("library_upload_refused platform=teams reason=%s", e.reason)
            return await self._say(ctx, e.message)
        except UploadRefused as e:
            log.info("library_upload_refused platform=teams reason=check")
            return await self._say(ctx, str(e))
        already = await asyncio.to_thread(self.desk.already_stored, upload.sha256)
        if already is not None:
            return await self._say(ctx, already)
        who = f"{PLATFORM}:{lead}"
        self.desk.pending.keep(who, upload)
        choices = await asyncio.to_thread(self.desk.choices)
        ref = {"file_url": url, "file_name": name, "file_sha256": upload.sha256}
        await self.replies.send(
            ctx, upload_card(name, upload.kind, self.desk.suggested(upload, who), choices, ref)
        )

    async def _download(self, url: str) -> bytes:
        got = await fetch_capped(url, allowed=self.hosts.allows, max_bytes=self.desk.max_bytes, where="Teams")
        return got.data

    # --- the card comes back ----------------------------------------------------------------------
    async def on_submit(self, ctx: TurnContext, value: dict) -> None:
        self.loop = asyncio.get_running_loop()
        a = ctx.activity
        lead = await self._lead(a)
        if lead is None:
            return await self._say(ctx, NOT_A_LEAD_FILE)
        form = submitted_form(value)
        problems = form.problems()
        if problems:
            return await self._say(
                ctx, "Please fix the form and send it again: " + " ".join(problems.values())
            )
        conversation = base_conversation_id(a.conversation.id)
        notify = {
            "platform": PLATFORM,
            "conversation": conversation,
            "reference": reference_dict(a),
        }
        reply = await self.desk.submit_reply(form, self._upload_for(value, lead), PLATFORM, lead, notify)
        await self._say(ctx, reply)

    async def _upload_for(self, value: dict, lead: str) -> CheckedUpload:
        """Kept since the file arrived, or fetched and checked again (another replica took it, or this
        one restarted) and accepted only if it is the same file."""
        sha = str(value.get("file_sha256") or "")
        already = await asyncio.to_thread(self.desk.already_stored, sha)
        if already is not None:  # the card's button pressed twice: not fetched again
            raise DownloadRefused(already, "duplicate")
        kept = self.desk.pending.take(f"{PLATFORM}:{lead}", sha)
        if kept is not None:
            return kept
        url, name = str(value.get("file_url") or ""), str(value.get("file_name") or "document")
        upload = await self.desk.check(await self._download(url), name)
        if upload.sha256 != sha:
            raise DownloadRefused(NOT_THE_SAME, "changed")
        return upload

    # --- sources retire|replace ID ----------------------------------------------------------------
    async def on_sources_command(self, ctx: TurnContext, text: str) -> None:
        self.loop = asyncio.get_running_loop()
        a = ctx.activity
        lead = await self._lead(a)
        person = a.from_property
        user = lead or (person.aad_object_id or person.id if person else "") or ""
        notify = {
            "platform": PLATFORM,
            "conversation": base_conversation_id(a.conversation.id),
            "reference": reference_dict(a),
        }
        where = "here" if a.conversation.conversation_type == "personal" else "in our personal chat"
        try:
            reply = await asyncio.to_thread(
                self.desk.command, PLATFORM, user, text, notify, where_files=where
            )
        except Exception:
            log.exception("library_command_failed platform=teams")
            reply = FAILED
        await self._say(ctx, reply)

    # --- when the build ends ----------------------------------------------------------------------
    def on_build_finished(self, request_id: int, notify: dict | None, outcome: str, detail: str) -> None:
        if not notify or notify.get("platform") != PLATFORM or not isinstance(notify.get("reference"), dict):
            return
        coro = self._tell(notify, outcome, detail)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # the coordinator's own thread: hand it to the server's loop
            if self.loop is None or not self.loop.is_running():
                coro.close()
                log.warning("library_notify_skipped platform=teams reason=no_loop")
            else:
                asyncio.run_coroutine_threadsafe(coro, self.loop)  # the loop keeps the task
            return
        task = loop.create_task(coro, name="hibot-teams-build-finished")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _tell(self, notify: dict, outcome: str, detail: str) -> None:
        if outcome == "live" and self.engine is not None:
            await serving(self.engine, detail)
        text = finished_text(notify, outcome, detail)
        c = self.connection
        try:
            await post_to_conversation(
                c.adapter, c.app_id, notify["reference"], render_text(text), notify.get("conversation")
            )
        except ConversationGone:
            log.info("library_notify_gone platform=teams")
        except Exception:
            log.exception("library_notify_failed platform=teams")


def _register(uploads: TeamsUploads) -> None:
    """B's callbacks are per process; held weakly so an app that is gone (tests) is not kept alive."""
    ref = weakref.WeakMethod(uploads.on_build_finished)

    def finished(request_id: int, notify: dict | None, outcome: str, detail: str) -> None:
        handler = ref()
        if handler is not None:
            handler(request_id, notify, outcome, detail)

    on_build_finished(cast(Any, finished))
